package x

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "x"

// DefaultBaseURL is X's API v2: every endpoint herald calls, the token
// endpoint and media upload included, lives below it.
const DefaultBaseURL = "https://api.x.com/2"

// Limits X enforces that the adapter checks before sending anything.
const (
	MaxImages     = 4                // images per post
	MaxAltText    = 1000             // characters of alt text per image
	MaxImageBytes = 5 << 20          // bytes per image (simple upload)
	MaxGIFBytes   = 15 << 20         // bytes per GIF (chunked upload)
	EditWindow    = 30 * time.Minute // from the original post
	MaxEdits      = 5                // per post
)

// Auth modes, the `auth` setting.
const (
	AuthOAuth2 = "oauth2"
	AuthOAuth1 = "oauth1"
)

// Find's defaults: pages of 100 posts (X bills each post read, not each
// request, and start_time keeps the scan to the posts since the attempt
// began), at most 10 pages, and a week back when the attempt's beginning
// is not recorded.
const (
	DefaultFindPage   = 100
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// maxProcessingWait bounds how long Publish waits for an image X is still
// processing.
const maxProcessingWait = 60 * time.Second

// X is one X account. It publishes threads as reply chains with images and
// alt text, edits within X's window, deletes, reads metrics and looks up
// attempts whose outcome is unknown among the account's recent posts.
type X struct {
	// limits holds what X's rate-limit headers last said, per endpoint;
	// a call to an endpoint X said is used up is held (see ratelimit.go).
	limits   limits
	s        platforms.Settings
	base     string
	mode     string
	username string
	// findMax, findPages and findWindow bound Find's scan: page size,
	// pages, and how far back without the attempt's beginning.
	findMax    int
	findPages  int
	findWindow time.Duration
	log        *slog.Logger
	now        func() time.Time
	// sleep waits between media status polls; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// chunkSize is the bytes one APPEND of a chunked upload carries;
	// tests make it small.
	chunkSize int

	tokens *oauthtoken.Source // OAuth 2.0: the token in use

	mu     sync.Mutex
	oauth1 *OAuth1
	userID string
}

var (
	_ platforms.Publisher     = (*X)(nil)
	_ platforms.Updater       = (*X)(nil)
	_ platforms.Deleter       = (*X)(nil)
	_ platforms.Finder        = (*X)(nil)
	_ platforms.MetricsReader = (*X)(nil)
	_ platforms.Resumer       = (*X)(nil)
)

// New is the platforms.Constructor for X. It reads the settings and does
// no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) {
	return NewX(s)
}

// NewX is New returning the concrete type, for tests and for callers that
// want the X-specific methods.
func NewX(s platforms.Settings) (*X, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	a := &X{s: s, base: s.BaseURL, log: s.Logger, now: s.Now, findMax: DefaultFindPage, findPages: DefaultFindPages,
		findWindow: defaultFindWindow, sleep: httpx.Sleep}
	if a.base == "" {
		a.base = DefaultBaseURL
	}
	if u, err := url.Parse(a.base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q is not an absolute http(s) URL", a.base)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.s.Tokens == nil {
		a.s.Tokens = &platforms.MemTokens{}
	}
	a.tokens = a.newTokens()
	switch mode := s.String("auth"); mode {
	case "":
		a.mode = AuthOAuth2
		if s.String("consumer_key_env") != "" {
			a.mode = AuthOAuth1
		}
	case AuthOAuth1, AuthOAuth2:
		a.mode = mode
	default:
		return nil, fmt.Errorf("setting auth: %q is neither %s nor %s", mode, AuthOAuth2, AuthOAuth1)
	}
	a.username = strings.TrimPrefix(s.String("username"), "@")
	find, err := s.IntIn("find_max_results", 5, 100, a.findMax)
	if err != nil {
		return nil, err
	}
	a.findMax = find
	if a.findPages, err = s.IntIn("find_max_pages", 1, timelineCap/5, a.findPages); err != nil {
		return nil, err
	}
	return a, nil
}

// Name implements platforms.Publisher.
func (a *X) Name() string { return Name }

// RefusesRepeat implements platforms.RepeatRefuser: X answers 403
// "duplicate content" to a post whose text repeats one of the account's
// (see doc.go, Errors), so a recurring post's occurrences must differ.
func (a *X) RefusesRepeat() string { return "X refuses a repeat of the same text" }

var _ platforms.RepeatRefuser = (*X)(nil)

// statusURL is the public URL of a post: under the account's username
// when the username setting gives it, else the form X resolves for any
// post.
func (a *X) statusURL(id string) string {
	if a.username != "" {
		return "https://x.com/" + url.PathEscape(a.username) + "/status/" + id
	}
	return "https://x.com/i/web/status/" + id
}

// client returns an httpx client for one call, with every secret known so
// far registered for redaction. A fresh client per call keeps the
// redactor safe when calls run concurrently and tokens rotate.
func (a *X) client(secrets ...string) *httpx.Client {
	c := &httpx.Client{
		BaseURL: a.base, HTTP: a.s.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.log,
		ErrorMessage: errorMessage,
	}
	if t := a.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken, t.RefreshToken)
	}
	a.mu.Lock()
	if a.oauth1 != nil {
		c.Redact.Add(a.oauth1.ConsumerKey, a.oauth1.ConsumerSecret, a.oauth1.Token, a.oauth1.TokenSecret)
	}
	a.mu.Unlock()
	c.Redact.Add(secrets...)
	return c
}

// do sends one authenticated API call and decodes a 2xx answer into out.
// With OAuth 2.0 a token whose expiry X never told herald (one given in
// the environment) that is refused with 401 is refreshed once and the call
// sent again: a 401 means X did nothing.
func (a *X) do(ctx context.Context, r httpx.Request, out any) (*httpx.Response, error) {
	once := func() (*httpx.Response, error) { return a.doOnce(ctx, r, out) }
	if a.mode != AuthOAuth2 {
		return once()
	}
	return oauthtoken.Retry(ctx, a.tokens, once)
}

func (a *X) doOnce(ctx context.Context, r httpx.Request, out any) (*httpx.Response, error) {
	ep := endpoint(r)
	if err := a.limits.held(ep, a.now()); err != nil {
		return nil, err
	}
	auth, err := a.authorization(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	} else {
		r.Header = r.Header.Clone()
	}
	r.Header.Set("Authorization", auth)
	resp, err := a.client().DoJSON(ctx, r, out)
	var se *httpx.StatusError
	switch {
	case resp != nil:
		a.limits.record(ep, resp.Header)
	case errors.As(err, &se) && se.Status == http.StatusTooManyRequests:
		// The 429 is this endpoint's: say so, so that the account's
		// other calls are not held with it.
		return nil, a.endpointLimited(ep, se.Header, err)
	}
	return resp, err
}

// endpointLimited is X's 429 on ep as an *APIError that names ep, with
// RetryAfter until the latest used-up window's reset: a 24-hour limit
// can be the one used up while the 15-minute window (what Retry-After
// and x-rate-limit-reset tell) has room.
func (a *X) endpointLimited(ep string, h http.Header, err error) error {
	out := platforms.FromHTTP(Name, err)
	var ae, held *platforms.APIError
	if errors.As(out, &ae) {
		ae.Endpoint = ep
		if errors.As(heldBy(windows(h), ep, a.now()), &held) && held.RetryAfter > ae.RetryAfter {
			ae.RetryAfter = held.RetryAfter
		}
	}
	return out
}

// authorization returns the Authorization header for r.
func (a *X) authorization(ctx context.Context, r httpx.Request) (string, error) {
	if a.mode == AuthOAuth1 {
		o, err := a.oauth1Creds()
		if err != nil {
			return "", err
		}
		u, err := url.Parse(a.base)
		if err != nil {
			return "", err
		}
		u = u.JoinPath(r.Path)
		u.RawQuery = r.Query.Encode()
		var form url.Values
		if r.ContentType == "application/x-www-form-urlencoded" {
			form, _ = url.ParseQuery(string(r.Body))
		}
		return o.Header(r.Method, u.String(), form, nonce(), a.now())
	}
	t, err := a.accessToken(ctx)
	if err != nil {
		return "", err
	}
	return "Bearer " + t, nil
}

func nonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (a *X) oauth1Creds() (*OAuth1, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.oauth1 != nil {
		return a.oauth1, nil
	}
	var o OAuth1
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"consumer_key_env", &o.ConsumerKey}, {"consumer_secret_env", &o.ConsumerSecret},
		{"access_token_env", &o.Token}, {"access_token_secret_env", &o.TokenSecret},
	} {
		v, err := a.s.Secret(f.key)
		if err != nil {
			return nil, notCreated(fmt.Errorf("oauth 1.0a credentials: %w", err))
		}
		*f.dst = v
	}
	a.oauth1 = &o
	return a.oauth1, nil
}

// notCreated wraps an error found before any request was sent.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// problem is X's error body in any of the shapes it uses: the v2 problem
// (RFC 7807-like, with reason and required_enrollment on client-forbidden),
// the v1.1 errors array, the OAuth 2.0 token endpoint's error, and a v2
// invalid-request with an errors array of messages.
type problem struct {
	Title            string `json:"title"`
	Detail           string `json:"detail"`
	Type             string `json:"type"`
	Reason           string `json:"reason"`
	RequiredEnroll   string `json:"required_enrollment"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Errors           []struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
		Detail  string      `json:"detail"`
		Title   string      `json:"title"`
		Type    string      `json:"type"`
	} `json:"errors"`
}

// problemType is the last segment of a problem's type URI
// ("https://api.x.com/2/problems/usage-capped" is "usage-capped"); "" for
// about:blank.
func problemType(t string) string {
	if t == "" || t == "about:blank" {
		return ""
	}
	return path.Base(t)
}

// errorMessage reads X's error body as a code and a message for httpx. The
// code is the most specific name X gives: the reason (client-not-enrolled),
// else the problem type (usage-capped), else the OAuth error
// (invalid_grant), else a v1.1 numeric code, else the title.
func errorMessage(_ int, body []byte) (code, message string) {
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	switch {
	case p.Reason != "":
		code = p.Reason
	case problemType(p.Type) != "":
		code = problemType(p.Type)
	case p.Error != "":
		code = p.Error
	case len(p.Errors) > 0 && p.Errors[0].Code != "":
		code = p.Errors[0].Code.String()
	default:
		code = p.Title
	}
	switch {
	case p.Detail != "":
		message = p.Detail
	case p.ErrorDescription != "":
		message = p.ErrorDescription
	case p.Error != "":
		message = p.Error
	case len(p.Errors) > 0:
		e := p.Errors[0]
		message = cmp.Or(e.Message, e.Detail, e.Title)
	default:
		message = p.Title
	}
	if p.RequiredEnroll != "" {
		message += " (required enrollment: " + p.RequiredEnroll + ")"
	}
	return code, message
}

// isDuplicate reports whether X refused a post as a duplicate of a recent
// one: 403 "You are not allowed to create a Tweet with duplicate content."
func isDuplicate(se *httpx.StatusError) bool {
	return se.Status == http.StatusForbidden && strings.Contains(strings.ToLower(se.Message), "duplicate content")
}

// apiError turns an httpx error into a *platforms.APIError with what X's
// answer means for the reconciler. create says the call was POST
// /2/tweets, where a duplicate refusal means an earlier attempt may have
// landed.
func (a *X) apiError(op string, err error, create bool) error {
	ae, se, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	if se == nil {
		return fmt.Errorf("%s: %w", op, ae)
	}
	switch {
	case create && isDuplicate(se):
		ae.Code = "duplicate-content"
		ae.Outcome = platforms.Unknown
		ae.Message = "X refused this text as a duplicate of a recent post (" + se.Message + "): an earlier attempt may have gone through, so herald looks for it instead of sending it again"
	case se.Status == http.StatusPaymentRequired:
		ae.Message = "X asks for payment (" + cmp.Or(se.Message, se.Code) + "): the app's pay-per-use credits are used up or its plan does not cover this endpoint; add credits or change the plan in the X developer console, then run again"
	case se.Status == http.StatusForbidden && se.Code == "client-not-enrolled":
		ae.Message = "X says the app is not enrolled for this endpoint (client-not-enrolled: " + se.Message + "): attach the app to a Project with the needed access level in the X developer console"
	case se.Status == http.StatusForbidden && (se.Code == "unsupported-authentication" || se.Code == "client-forbidden"):
		ae.Message = "X does not accept this authentication here (" + se.Code + ": " + se.Message + "): use an OAuth 2.0 user token (scopes tweet.read tweet.write users.read media.write offline.access) or OAuth 1.0a user keys with Read and Write permission, not an app-only bearer token"
	case se.Status == http.StatusUnauthorized:
		ae.Message = "X refused the credentials (" + cmp.Or(se.Message, "Unauthorized") + "): check the account's tokens, or run herald auth again"
	}
	return fmt.Errorf("%s: %w", op, ae)
}
