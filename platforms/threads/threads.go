package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "threads"

// Default base URLs: the versioned Graph API, and the host of the token
// endpoints, which are not versioned.
const (
	DefaultBaseURL     = "https://graph.threads.net/v1.0"
	DefaultAuthBaseURL = "https://graph.threads.net"
)

// Limits Threads enforces that the adapter checks before sending anything.
const (
	MaxChars      = 500  // per post, as render.CountThreads counts
	MaxLinks      = 5    // unique URLs per post (THREADS_API__LINK_LIMIT_EXCEEDED)
	MaxCarousel   = 20   // items in a carousel
	MaxAltText    = 1000 // characters of alt text per item
	MaxImageBytes = 8 << 20
)

// Token lifetimes: a long-lived token lasts 60 days, may be refreshed once
// it is a day old, and herald refreshes it when less than a week remains.
const (
	TokenLifetime = 60 * 24 * time.Hour
	RefreshMinAge = 24 * time.Hour
	RefreshWithin = 7 * 24 * time.Hour
	// maxContainerWait bounds the wait for a container to be FINISHED:
	// Meta recommends checking once a minute for no more than 5 minutes.
	maxContainerWait = 5 * time.Minute
)

// Find's scan: pages of DefaultFindPage posts (the most an edge gives),
// at most DefaultFindPages of them when the account posted more since the
// attempt began, and a week back when that beginning is not recorded.
const (
	DefaultFindPage   = 100
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// Token.Extra keys.
const (
	extraUserID   = "user_id"
	extraUsername = "username"
	extraIssuedAt = "issued_at"
)

// replyControls are the values of the reply_control option.
var replyControls = []string{"everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only"}

// Threads is one Threads account. It publishes posts and threads (reply
// chains) with images by public URL, deletes them, reads their insights,
// and looks up an attempt whose outcome is unknown among the account's
// recent posts. It has no Updater: Threads has no edit.
type Threads struct {
	s         platforms.Settings
	base      string
	authBase  string
	mediaBase string
	findMax   int // find_limit: posts per page of Find's scan
	findPages int // find_max_pages
	log       *slog.Logger
	now       func() time.Time
	// sleep waits between container status checks; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	// authMu serialises loading and refreshing the token.
	authMu  sync.Mutex
	adopted bool // the environment's token was offered for refresh

	tokens *oauthtoken.Source

	mu     sync.Mutex
	userID string
	usage  usage
}

var (
	_ platforms.Publisher         = (*Threads)(nil)
	_ platforms.Deleter           = (*Threads)(nil)
	_ platforms.Finder            = (*Threads)(nil)
	_ platforms.Resumer           = (*Threads)(nil)
	_ platforms.MetricsReader     = (*Threads)(nil)
	_ platforms.RateLimitReporter = (*Threads)(nil)
)

// New is the platforms.Constructor for Threads. It reads the settings and
// does no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) {
	return NewThreads(s)
}

// NewThreads is New returning the concrete type, for tests and callers
// that want the Threads-specific methods.
func NewThreads(s platforms.Settings) (*Threads, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	a := &Threads{s: s, base: s.BaseURL, authBase: s.String("auth_base_url"), log: s.Logger, now: s.Now,
		findMax: DefaultFindPage, findPages: DefaultFindPages, sleep: httpx.Sleep, userID: s.String("user_id")}
	if a.base == "" {
		a.base = DefaultBaseURL
	}
	if a.authBase == "" {
		a.authBase = DefaultAuthBaseURL
	}
	for key, v := range map[string]string{"base URL": a.base, "auth_base_url": a.authBase} {
		if err := checkURL(v); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	if mb := s.String("media_base_url"); mb != "" {
		if err := checkURL(mb); err != nil {
			return nil, fmt.Errorf("setting media_base_url: %w", err)
		}
		a.mediaBase = strings.TrimSuffix(mb, "/")
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.s.Tokens == nil {
		a.s.Tokens = &platforms.MemTokens{}
	}
	find, err := s.IntIn("find_limit", 1, 100, a.findMax)
	if err != nil {
		return nil, err
	}
	a.findMax = find
	if a.findPages, err = s.IntIn("find_max_pages", 1, 100, a.findPages); err != nil {
		return nil, err
	}
	a.tokens = a.newTokens()
	return a, nil
}

// Name implements platforms.Publisher.
func (a *Threads) Name() string { return Name }

func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	return nil
}

// client returns an httpx client for base with every token known so far
// registered for redaction. A fresh client per call keeps the redactor
// right when a refresh replaces the token.
func (a *Threads) client(base string, secrets ...string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: a.s.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.log,
		ErrorMessage: errorMessage}
	if t := a.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken)
	}
	c.Redact.Add(secrets...)
	return c
}

// call sends one authenticated API call, the token as the access_token
// query parameter as Meta's documentation shows it, and decodes a 2xx
// answer into out. form, when not nil, is the POST body. Every answer's
// usage headers are kept for RateLimit.
func (a *Threads) call(ctx context.Context, method, path string, q url.Values, form url.Values, out any) error {
	tok, err := a.accessToken(ctx)
	if err != nil {
		return err
	}
	query := url.Values{}
	for k, vs := range q {
		query[k] = vs
	}
	query.Set("access_token", tok)
	r := httpx.Request{Method: method, Path: path, Query: query}
	if form != nil {
		r.Body = []byte(form.Encode())
		r.ContentType = "application/x-www-form-urlencoded"
	}
	resp, err := a.client(a.base, tok).DoJSON(ctx, r, out)
	var se *httpx.StatusError
	switch {
	case resp != nil:
		a.noteUsage(resp.Header)
	case errors.As(err, &se):
		a.noteUsage(se.Header)
	}
	return err
}

func httpxGet(path string, q url.Values) httpx.Request {
	return httpx.Request{Method: http.MethodGet, Path: path, Query: q}
}

// notCreated wraps an error found before any post could exist.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// graphError is Meta's error envelope.
type graphError struct {
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

// errorMessage reads Meta's envelope for httpx: the code is the numeric
// code, with the subcode after a slash ("190/463"), and the message is
// Meta's, with the user-facing message when it gives one.
func errorMessage(_ int, body []byte) (code, message string) {
	var g graphError
	if err := json.Unmarshal(body, &g); err != nil || (g.Error.Code == 0 && g.Error.Message == "") {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	e := g.Error
	if e.Code != 0 {
		code = fmt.Sprint(e.Code)
		if e.ErrorSubcode != 0 {
			code += fmt.Sprintf("/%d", e.ErrorSubcode)
		}
	}
	message = e.Message
	if e.UserMsg != "" && e.UserMsg != e.Message {
		message += " (" + e.UserMsg + ")"
	}
	return code, message
}

// codes splits errorMessage's code into Meta's code and subcode.
func codes(code string) (int, int) {
	var c, sub int
	main, s, _ := strings.Cut(code, "/")
	fmt.Sscan(main, &c)
	if s != "" {
		fmt.Sscan(s, &sub)
	}
	return c, sub
}

// rateLimitCodes are Meta's rate-limit error codes: 4 (app), 17 (user),
// 32 (page), 613 (calls to this API exceeded).
var rateLimitCodes = map[int]bool{4: true, 17: true, 32: true, 613: true}

// isGone reports whether Meta says the object does not exist: a 404, or
// code 100 subcode 33 ("Object with ID ... does not exist").
func isGone(err error) bool {
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return false
	}
	c, sub := codes(se.Code)
	return se.Status == http.StatusNotFound || (c == 100 && sub == 33)
}

// stage says what a failed call was, which decides what its failure
// means for the post.
type stage int

const (
	// stageRead reads or deletes; nothing is created.
	stageRead stage = iota
	// stageContainer creates or checks a container: nothing is visible
	// until it is published, so every failure is NotCreated.
	stageContainer
	// stagePublish publishes a container: a 5xx or a timeout after the
	// request was sent may have made the post.
	stagePublish
)

// apiError turns an httpx error into a *platforms.APIError with what
// Meta's answer means: code 190 wraps ErrNeedsReconnect; codes 4, 17, 32
// and 613 are a 429 whatever the HTTP status, so that the reconciler
// waits and retries; the rest follows the HTTP status.
func (a *Threads) apiError(op string, err error, st stage) error {
	ae, se, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	if se != nil {
		c, _ := codes(se.Code)
		switch {
		case c == 190:
			msg := fmt.Sprintf("account %s: Threads refused the access token (%s): get a new long-lived token (herald auth, or the variable named by access_token_env)", a.s.Account, se.Message)
			ae.Message = msg
			ae.Outcome = platforms.NotCreated
			ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, err)
		case rateLimitCodes[c]:
			if ae.Status != http.StatusTooManyRequests {
				ae.Message = fmt.Sprintf("%s (HTTP %d)", se.Message, ae.Status)
				ae.Status = http.StatusTooManyRequests
			}
			ae.Outcome = platforms.NotCreated
			if ae.RetryAfter == 0 {
				ae.RetryAfter = a.usageWait()
			}
		}
	}
	if st == stageContainer {
		// An unpublished container is seen by no one and expires in a day.
		ae.Outcome = platforms.NotCreated
	}
	return fmt.Errorf("%s: %w", op, ae)
}

// RateLimit reports what Meta's usage headers said on the latest answer
// that carried them (platforms.RateLimitReporter). See usage.go for how
// percentages become "remaining" and "reset".
func (a *Threads) RateLimit() (remaining int, reset time.Time, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.usage.seen {
		return 0, time.Time{}, false
	}
	return a.usage.remaining, a.usage.reset, true
}
