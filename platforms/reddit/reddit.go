package reddit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "reddit"

// Defaults for the settings of the same purpose.
const (
	// DefaultBaseURL is where OAuth clients call Reddit's API.
	DefaultBaseURL = "https://oauth.reddit.com"
	// DefaultTokenURL is Reddit's token endpoint, for every grant.
	DefaultTokenURL = "https://www.reddit.com/api/v1/access_token"
	// Version is what the default User-Agent says herald's client is.
	Version = "1"
)

// Limits Reddit enforces on a submission, checked before sending.
const (
	MaxTitle     = 300
	MaxText      = 40000
	MaxFlairID   = 36
	MaxFlairText = 64
)

// Find's scan of the account's submissions, newest first.
const (
	DefaultFindPage   = 100
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// userAgentRule is Reddit's required form, <platform>:<app ID>:<version
// string> (by /u/<reddit username>); default user agents are throttled.
var userAgentRule = regexp.MustCompile(`^\S+:\S+:\S+ \(by /u/[A-Za-z0-9_-]+\)$`)

// Rule is what herald knows of a subreddit's posting rules before it
// posts: from the rules setting, and for SubmissionType also from GET
// /r/{sub}/about at publish time.
type Rule struct {
	// SubmissionType is any, link or self.
	SubmissionType string
	// MaxTitle is the subreddit's own title limit, below Reddit's 300.
	MaxTitle int
	// FlairRequired: posts without flair_id or flair_text are removed.
	FlairRequired bool
}

// Reddit is one Reddit account: it submits link and self posts to a
// subreddit, edits a self post's text, deletes, reads score and comment
// counts, and looks up an attempt whose outcome is unknown among the
// account's submissions.
type Reddit struct {
	s          platforms.Settings
	base       string
	tokenURL   string
	username   string
	subreddit  string
	userAgent  string
	rules      map[string]Rule
	checkAbout bool
	findPage   int
	findPages  int
	log        *slog.Logger
	now        func() time.Time
	tokens     *oauthtoken.Source
	limits     httpx.RateLimitMemo
}

var (
	_ platforms.Publisher         = (*Reddit)(nil)
	_ platforms.Preparer          = (*Reddit)(nil)
	_ platforms.Updater           = (*Reddit)(nil)
	_ platforms.Deleter           = (*Reddit)(nil)
	_ platforms.Finder            = (*Reddit)(nil)
	_ platforms.MetricsReader     = (*Reddit)(nil)
	_ platforms.RateLimitReporter = (*Reddit)(nil)
)

// New is the platforms.Constructor for Reddit. It reads the settings and
// does no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) { return NewReddit(s) }

// NewReddit is New returning the concrete type, for tests.
func NewReddit(s platforms.Settings) (*Reddit, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	r := &Reddit{s: s, base: s.BaseURL, tokenURL: s.String("token_url"), username: strings.TrimPrefix(strings.TrimPrefix(s.String("username"), "/"), "u/"),
		subreddit: cleanSub(s.String("subreddit")), userAgent: s.String("user_agent"), checkAbout: true, log: s.Logger, now: s.Now}
	if r.base == "" {
		r.base = DefaultBaseURL
	}
	if r.tokenURL == "" {
		r.tokenURL = DefaultTokenURL
	}
	for _, u := range []struct{ key, v string }{{"base URL", r.base}, {"token_url", r.tokenURL}} {
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("setting %s: %q is not an absolute http(s) URL", u.key, u.v)
		}
	}
	if r.username == "" {
		return nil, errors.New("setting username is required: the Reddit account's name (without u/), for the User-Agent and for finding its posts")
	}
	if r.userAgent == "" {
		r.userAgent = "herald:github.com/heraldhq/herald:" + Version + " (by /u/" + r.username + ")"
	}
	if !userAgentRule.MatchString(r.userAgent) {
		return nil, fmt.Errorf("setting user_agent: %q is not of Reddit's form <platform>:<app ID>:<version> (by /u/<username>); Reddit throttles other user agents", r.userAgent)
	}
	if v, ok := s.Values["check_subreddit"].(bool); ok {
		r.checkAbout = v
	}
	var err error
	if r.rules, err = parseRules(s.Values["rules"]); err != nil {
		return nil, err
	}
	if r.findPage, err = s.IntIn("find_page_size", 1, 100, DefaultFindPage); err != nil {
		return nil, err
	}
	if r.findPages, err = s.IntIn("find_max_pages", 1, 100, DefaultFindPages); err != nil {
		return nil, err
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.s.Tokens == nil {
		r.s.Tokens = &platforms.MemTokens{}
	}
	r.tokens = r.newTokens()
	return r, nil
}

// cleanSub strips r/ and /r/ from a subreddit's name.
func cleanSub(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "/")
	s = strings.TrimPrefix(s, "r/")
	return strings.TrimSuffix(s, "/")
}

// parseRules reads the rules setting: subreddit -> {submission_type,
// max_title, flair_required}.
func parseRules(v any) (map[string]Rule, error) {
	out := map[string]Rule{}
	if v == nil {
		return out, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("setting rules: want a map of subreddit names to rules, got %T", v)
	}
	for sub, raw := range m {
		fields, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("setting rules.%s: want submission_type, max_title or flair_required", sub)
		}
		var r Rule
		for k, x := range fields {
			switch k {
			case "submission_type":
				s, _ := x.(string)
				if !slices.Contains([]string{"any", "link", "self"}, s) {
					return nil, fmt.Errorf("setting rules.%s.submission_type: %v: want any, link or self", sub, x)
				}
				r.SubmissionType = s
			case "max_title":
				n, err := (platforms.Settings{Values: map[string]any{"v": x}}).IntIn("v", 1, MaxTitle, 0)
				if err != nil {
					return nil, fmt.Errorf("setting rules.%s.max_title: %v: want a whole number from 1 to %d", sub, x, MaxTitle)
				}
				r.MaxTitle = n
			case "flair_required":
				b, ok := x.(bool)
				if !ok {
					return nil, fmt.Errorf("setting rules.%s.flair_required: %v: want true or false", sub, x)
				}
				r.FlairRequired = b
			default:
				return nil, fmt.Errorf("setting rules.%s: unknown key %s (known: submission_type, max_title, flair_required)", sub, k)
			}
		}
		out[strings.ToLower(cleanSub(sub))] = r
	}
	return out, nil
}

// Name implements platforms.Publisher.
func (r *Reddit) Name() string { return Name }

// RateLimit implements platforms.RateLimitReporter with the latest
// X-Ratelimit-Remaining and X-Ratelimit-Reset.
func (r *Reddit) RateLimit() (int, time.Time, bool) { return r.limits.RateLimit() }

// client returns an httpx client for base with every known secret
// redacted and Reddit's User-Agent.
func (r *Reddit) client(base string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: r.s.HTTPClient, UserAgent: r.userAgent, Now: r.now, Logger: r.log,
		ErrorMessage: errorMessage, OnRateLimit: r.limits.Record}
	if t := r.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken, t.RefreshToken)
	}
	return c
}

// do sends one authenticated call and decodes a 2xx answer into out.
func (r *Reddit) do(ctx context.Context, req httpx.Request, out any) (*httpx.Response, error) {
	return oauthtoken.Retry(ctx, r.tokens, func() (*httpx.Response, error) {
		tok, err := r.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		c := r.client(r.base)
		c.Redact.Add(tok)
		h := http.Header{}
		for k, v := range req.Header {
			h[k] = v
		}
		h.Set("Authorization", "bearer "+tok)
		req.Header = h
		return c.DoJSON(ctx, req, out)
	})
}

// form posts a form with api_type=json and decodes the answer.
func (r *Reddit) form(ctx context.Context, path string, f url.Values, out any) (*httpx.Response, error) {
	f.Set("api_type", "json")
	return r.do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Body: []byte(f.Encode()), ContentType: "application/x-www-form-urlencoded"}, out)
}

// errorMessage reads Reddit's HTTP error body {"message", "error": n}
// and the token endpoint's {"error": "invalid_grant"}.
func errorMessage(status int, body []byte) (code, message string) {
	var e struct {
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
		Reason  string          `json:"reason"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return "", msg
	}
	var s string
	if json.Unmarshal(e.Error, &s) == nil {
		code = s
	}
	return cmp.Or(e.Reason, code), cmp.Or(e.Message, s, http.StatusText(status))
}

// notCreated wraps an error found before anything was sent.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// apiErr turns an httpx error into a *platforms.APIError saying what
// Reddit's answer means.
func (r *Reddit) apiErr(op string, err error) error {
	ae, _, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		ae.Message = "Reddit refused the access token (" + cmp.Or(ae.Message, "Unauthorized") + "): run herald auth " + r.s.Account + " to connect the account again"
		ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, ae.Message, err)
	case http.StatusForbidden:
		ae.Message = "Reddit says u/" + r.username + " may not do this (" + cmp.Or(ae.Message, "Forbidden") + "): the token needs the scopes identity, submit, edit, read and history, and the subreddit must let the account post"
	case http.StatusTooManyRequests:
		ae.Message = "Reddit's rate limit is used up (" + cmp.Or(ae.Message, "Too Many Requests") + "): 100 requests a minute per OAuth client, averaged over 10 minutes"
	}
	return fmt.Errorf("%s: %w", op, ae)
}

func statusOf(err error) int {
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
