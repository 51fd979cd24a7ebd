// Package metagraph holds what the adapters of Meta's Graph API
// (platforms/facebook and platforms/instagram) share: the error envelope
// and what its codes mean for a post, the usage headers that report rate
// limits, the Graph time and cursor formats, and the pieces their contract
// fakes answer with. platforms/threads predates it and keeps its own copy.
//
// Sources: Graph API "Handling Errors" (the envelope {"error":{"message",
// "type","code","error_subcode","error_user_title","error_user_msg",
// "fbtrace_id"}}; 190 for an expired or invalid token; 4, 17, 32 and 613
// for rate limits) and "Rate Limiting" (X-App-Usage and
// X-Business-Use-Case-Usage: JSON percentages call_count, total_cputime,
// total_time, and estimated_time_to_regain_access in minutes), both at
// developers.facebook.com/docs/graph-api.
package metagraph

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// envelope is Meta's error envelope.
type envelope struct {
	Error struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		UserTitle    string `json:"error_user_title"`
		UserMsg      string `json:"error_user_msg"`
		FBTraceID    string `json:"fbtrace_id"`
	} `json:"error"`
}

// ErrorMessage reads Meta's envelope for httpx.Client.ErrorMessage: the
// code is the numeric code with the subcode after a slash ("190/463"),
// the message Meta's, with the user-facing message when it differs.
func ErrorMessage(_ int, body []byte) (code, message string) {
	var g envelope
	if err := json.Unmarshal(body, &g); err != nil || (g.Error.Code == 0 && g.Error.Message == "") {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	e := g.Error
	if e.Code != 0 {
		code = strconv.Itoa(e.Code)
		if e.ErrorSubcode != 0 {
			code += "/" + strconv.Itoa(e.ErrorSubcode)
		}
	}
	message = e.Message
	if e.UserMsg != "" && e.UserMsg != e.Message {
		message += " (" + e.UserMsg + ")"
	}
	return code, message
}

// Codes splits ErrorMessage's code into Meta's code and subcode.
func Codes(code string) (c, sub int) {
	main, s, _ := strings.Cut(code, "/")
	c, _ = strconv.Atoi(main)
	sub, _ = strconv.Atoi(s)
	return c, sub
}

// CodeOf is the Meta code and subcode of an httpx status error, 0 when
// err is none.
func CodeOf(err error) (c, sub int) {
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return 0, 0
	}
	return Codes(se.Code)
}

// RateLimitCodes are Meta's rate-limit error codes: 4 (app), 17 (user),
// 32 (page), 613 (calls to this API), and 80001 (Page business use case,
// which the Pages API answers with a Page token).
var RateLimitCodes = map[int]bool{4: true, 17: true, 32: true, 613: true, 80001: true}

// IsGone reports whether Meta says the object does not exist: a 404, or
// code 100 subcode 33 ("Object with ID ... does not exist").
func IsGone(err error) bool {
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return false
	}
	c, sub := Codes(se.Code)
	return se.Status == http.StatusNotFound || (c == 100 && sub == 33)
}

// Errors turns httpx errors into *platforms.APIError for one account.
type Errors struct {
	Platform string
	// Reconnect is the advice for a refused token ("run herald auth").
	Reconnect string
	// Usage, when set, gives RetryAfter for a rate limit Meta gave no
	// Retry-After for.
	Usage *Usage
}

// Wrap says what Meta's answer to op means: code 190 wraps
// platforms.ErrNeedsReconnect and is not retried; the rate-limit codes
// become a 429 whatever the HTTP status (Meta usually answers 400), so
// that the reconciler waits; the rest follows the HTTP status.
// notCreated forces NotCreated: nothing visible can exist yet (a container,
// an unpublished photo, a read).
func (e Errors) Wrap(op string, err error, notCreated bool) error {
	if err == nil {
		return nil
	}
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %w", op, err)
	}
	out := platforms.FromHTTP(e.Platform, err)
	if !errors.As(out, &ae) {
		return fmt.Errorf("%s: %w", op, out)
	}
	var se *httpx.StatusError
	if errors.As(err, &se) {
		c, _ := Codes(se.Code)
		switch {
		case c == 190:
			msg := fmt.Sprintf("%s refused the access token (%s): %s", e.Platform, se.Message, e.Reconnect)
			ae.Message, ae.Outcome = msg, platforms.NotCreated
			ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, err)
		case RateLimitCodes[c]:
			if ae.Status != http.StatusTooManyRequests {
				ae.Message = fmt.Sprintf("%s (HTTP %d)", se.Message, ae.Status)
				ae.Status = http.StatusTooManyRequests
			}
			ae.Outcome = platforms.NotCreated
			if ae.RetryAfter == 0 && e.Usage != nil {
				ae.RetryAfter = e.Usage.Wait()
			}
		}
	}
	if notCreated {
		ae.Outcome = platforms.NotCreated
	}
	return fmt.Errorf("%s: %w", op, ae)
}

// NotCreated is an error found before any post could exist.
func NotCreated(platform string, err error) error {
	return &platforms.APIError{Platform: platform, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// Usage headers. Meta reports rate-limit usage as JSON percentages, not
// counts, so herald reads them this way: remaining is 100 minus the
// highest percentage in either header (percentage points; 0 means
// throttled, which is all the reconciler asks); reset is now plus
// estimated_time_to_regain_access when Meta gives it, else, once the
// allowance is used up, now plus RetryWindow (Graph limits are a rolling
// hour; the next answer's headers say again).
const (
	HeaderAppUsage = "X-App-Usage"
	HeaderBUCUsage = "X-Business-Use-Case-Usage"
	RetryWindow    = time.Hour
)

type usageEntry struct {
	CallCount                   float64 `json:"call_count"`
	TotalCPUTime                float64 `json:"total_cputime"`
	TotalTime                   float64 `json:"total_time"`
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"`
}

// Usage keeps the latest usage headers' reading; it is safe for
// concurrent use. Now is the adapter's clock.
type Usage struct {
	Now func() time.Time

	mu        sync.Mutex
	seen      bool
	remaining int
	reset     time.Time
}

// ParseUsage reads the usage headers at now; ok is false when neither is
// present and well-formed.
func ParseUsage(h http.Header, now time.Time) (remaining int, reset time.Time, ok bool) {
	var entries []usageEntry
	if v := h.Get(HeaderAppUsage); v != "" {
		var e usageEntry
		if json.Unmarshal([]byte(v), &e) == nil {
			entries = append(entries, e)
		}
	}
	if v := h.Get(HeaderBUCUsage); v != "" {
		var byBusiness map[string][]usageEntry
		if json.Unmarshal([]byte(v), &byBusiness) == nil {
			for _, es := range byBusiness {
				entries = append(entries, es...)
			}
		}
	}
	if len(entries) == 0 {
		return 0, time.Time{}, false
	}
	var highest, wait float64
	for _, e := range entries {
		highest = max(highest, e.CallCount, e.TotalCPUTime, e.TotalTime)
		wait = max(wait, e.EstimatedTimeToRegainAccess)
	}
	remaining = max(0, 100-int(highest+0.999))
	switch {
	case wait > 0:
		reset = now.Add(time.Duration(wait * float64(time.Minute)))
	case remaining == 0:
		reset = now.Add(RetryWindow)
	}
	return remaining, reset, true
}

// Note keeps the usage headers of an answer that carries them.
func (u *Usage) Note(h http.Header) {
	rem, reset, ok := ParseUsage(h, u.Now())
	if !ok {
		return
	}
	u.mu.Lock()
	u.seen, u.remaining, u.reset = true, rem, reset
	u.mu.Unlock()
}

// Report is platforms.RateLimitReporter's answer.
func (u *Usage) Report() (remaining int, reset time.Time, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.remaining, u.reset, u.seen
}

// Wait is how long the latest headers ask to wait: until the reset when
// the allowance is used up, else 0.
func (u *Usage) Wait() time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.seen || u.remaining > 0 || u.reset.IsZero() {
		return 0
	}
	return max(u.reset.Sub(u.Now()), 0)
}

// NoteResponse keeps the usage headers of a call's answer or error.
func (u *Usage) NoteResponse(resp *httpx.Response, err error) {
	var se *httpx.StatusError
	switch {
	case resp != nil:
		u.Note(resp.Header)
	case errors.As(err, &se):
		u.Note(se.Header)
	}
}

// TimeLayout is how the Graph API writes times ("2026-04-15T14:30:00+0000").
const TimeLayout = "2006-01-02T15:04:05-0700"

// ParseTime reads a Graph time; zero when it is not one.
func ParseTime(s string) time.Time {
	t, _ := time.Parse(TimeLayout, s)
	return t
}

// Fake pieces: contract fakes answer in Meta's shapes.

// Error is Meta's error envelope, for fakes.
func Error(typ string, code, subcode int, message string) map[string]any {
	e := map[string]any{"message": message, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjKlMnOp"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	return map[string]any{"error": e}
}

// FaultBody is the envelope for a fake toolkit's own answers (injected
// faults and contract violations), as Meta answers them.
func FaultBody(status int, code, message string) any {
	switch status {
	case http.StatusUnauthorized:
		return Error("OAuthException", 190, 460, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.")
	case http.StatusTooManyRequests:
		return Error("OAuthException", 4, 0, "Application request limit reached")
	case http.StatusInternalServerError:
		return Error("OAuthException", 2, 0, "An unexpected error has occurred. Please retry your request later.")
	}
	return Error("OAuthException", 100, 0, code+": "+message)
}

// NoSuchObject is Meta's message for an ID that does not exist.
func NoSuchObject(method, id string) map[string]any {
	return Error("GraphMethodException", 100, 33,
		fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id))
}

// EncodeCursor and DecodeCursor make an opaque cursor of a position in an
// edge, as Meta's cursors are opaque.
func EncodeCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("pos:" + strconv.Itoa(n)))
}

// DecodeCursor reads EncodeCursor's cursor.
func DecodeCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "pos:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "pos:"))
	return n, err == nil && n >= 0
}

// IDSetting reads a Graph object ID setting (page_id, user_id), which YAML
// gives as a number when it is written without quotes. An ID read as a
// fraction cannot be trusted (float64 loses digits past 2^53): the
// setting must then be quoted.
func IDSetting(s platforms.Settings, key string) (string, error) {
	switch v := s.Values[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	default:
		return "", fmt.Errorf("setting %s: %v: write the ID in quotes, as a string (a number this long loses digits)", key, v)
	}
}
