package pinterest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "pinterest"

// Defaults for the settings of the same purpose.
const (
	// DefaultBaseURL is Pinterest's REST API, version 5.
	DefaultBaseURL = "https://api.pinterest.com/v5"
	// DefaultTokenURL is where refresh tokens are traded for access
	// tokens (HTTP Basic with the app's ID and secret).
	DefaultTokenURL = "https://api.pinterest.com/v5/oauth/token"
)

// Limits Pinterest enforces on a pin, checked before anything is sent.
const (
	MaxTitle       = 100
	MaxDescription = 800
	MaxAltText     = 500
	MaxLink        = 2048
	// MinImages and MaxImages bound a multi-image pin
	// (multiple_image_base64).
	MinImages = 2
	MaxImages = 5
)

// Find's scan of the board's pins, newest first: pages of DefaultFindPage
// pins, at most DefaultFindPages of them, a week back when the attempt's
// beginning is not recorded.
const (
	DefaultFindPage   = 25
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// refreshAhead is how long before its expiry an access token is
// refreshed: a run never starts a publish with a token about to lapse,
// and every refresh also renews the 60-day continuous refresh token.
const refreshAhead = 24 * time.Hour

// Video processing: Publish polls GET /media/{id} every pollEvery, for
// at most maxProcessingWait.
const (
	pollEvery         = 2 * time.Second
	maxProcessingWait = 10 * time.Minute
)

// Pinterest is one Pinterest account reached through API v5: it creates
// pins on a board (one image, two to five, or a video), edits their
// text, deletes them, reads their analytics and looks up an attempt whose
// outcome is unknown among the board's newest pins.
type Pinterest struct {
	s         platforms.Settings
	base      string
	tokenURL  string
	board     string
	section   string
	defImage  string
	findPage  int
	findPages int
	log       *slog.Logger
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	tokens    *oauthtoken.Source
	limits    httpx.RateLimitMemo
}

var (
	_ platforms.Publisher         = (*Pinterest)(nil)
	_ platforms.Preparer          = (*Pinterest)(nil)
	_ platforms.Updater           = (*Pinterest)(nil)
	_ platforms.Deleter           = (*Pinterest)(nil)
	_ platforms.Finder            = (*Pinterest)(nil)
	_ platforms.MetricsReader     = (*Pinterest)(nil)
	_ platforms.RateLimitReporter = (*Pinterest)(nil)
)

// New is the platforms.Constructor for Pinterest. It reads the settings
// and does no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) { return NewPinterest(s) }

// NewPinterest is New returning the concrete type, for tests.
func NewPinterest(s platforms.Settings) (*Pinterest, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	p := &Pinterest{s: s, base: s.BaseURL, tokenURL: s.String("token_url"), board: s.String("board_id"),
		section: s.String("board_section_id"), defImage: s.String("default_image_url"), log: s.Logger, now: s.Now, sleep: httpx.Sleep}
	if p.base == "" {
		p.base = DefaultBaseURL
	}
	if p.tokenURL == "" {
		p.tokenURL = DefaultTokenURL
	}
	for _, u := range []struct{ key, v string }{{"base URL", p.base}, {"token_url", p.tokenURL}} {
		if err := absURL(u.v); err != nil {
			return nil, fmt.Errorf("setting %s: %w", u.key, err)
		}
	}
	if p.defImage != "" {
		if err := absURL(p.defImage); err != nil {
			return nil, fmt.Errorf("setting default_image_url: %w", err)
		}
	}
	var err error
	if p.findPage, err = s.IntIn("find_page_size", 1, 250, DefaultFindPage); err != nil {
		return nil, err
	}
	if p.findPages, err = s.IntIn("find_max_pages", 1, 100, DefaultFindPages); err != nil {
		return nil, err
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.s.Tokens == nil {
		p.s.Tokens = &platforms.MemTokens{}
	}
	p.tokens = p.newTokens()
	return p, nil
}

func absURL(v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	return nil
}

// Name implements platforms.Publisher.
func (p *Pinterest) Name() string { return Name }

// RateLimit implements platforms.RateLimitReporter with the X-RateLimit
// headers of the latest answer.
func (p *Pinterest) RateLimit() (int, time.Time, bool) { return p.limits.RateLimit() }

// PinURL is a pin's public page.
func PinURL(id string) string { return "https://www.pinterest.com/pin/" + id + "/" }

// client returns an httpx client with every known secret redacted.
func (p *Pinterest) client(base string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: p.s.HTTPClient, UserAgent: "herald", Now: p.now, Logger: p.log,
		ErrorMessage: errorMessage, OnRateLimit: p.limits.Record}
	if t := p.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken, t.RefreshToken)
	}
	return c
}

// do sends one authenticated call and decodes a 2xx answer into out.
func (p *Pinterest) do(ctx context.Context, r httpx.Request, out any) (*httpx.Response, error) {
	return oauthtoken.Retry(ctx, p.tokens, func() (*httpx.Response, error) {
		tok, err := p.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		c := p.client(p.base)
		c.Redact.Add(tok)
		h := http.Header{}
		for k, v := range r.Header {
			h[k] = v
		}
		h.Set("Authorization", "Bearer "+tok)
		r.Header = h
		return c.DoJSON(ctx, r, out)
	})
}

// apiError is Pinterest's {"code": n, "message": text}.
type apiError struct {
	Code    json.Number `json:"code"`
	Message string      `json:"message"`
	// The token endpoint answers RFC 6749's envelope.
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func errorMessage(_ int, body []byte) (code, message string) {
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	if e.Code != "" {
		return e.Code.String(), e.Message
	}
	return e.Error, cmp.Or(e.Message, e.Description)
}

// notCreated wraps an error found before anything was sent.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// apiErr turns an httpx error into a *platforms.APIError that says what
// Pinterest's answer means.
func (p *Pinterest) apiErr(op string, err error) error {
	ae, _, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		ae.Message = "Pinterest refused the access token (" + cmp.Or(ae.Message, "Unauthorized") + "): it has expired or was revoked; run herald auth " + p.s.Account + " to connect the account again"
		ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, ae.Message, err)
	case http.StatusForbidden:
		ae.Message = "Pinterest says the token may not do this (" + cmp.Or(ae.Message, "Forbidden") + "): it needs the scopes boards:read, pins:read and pins:write, and the board must be the account's own"
	case http.StatusTooManyRequests:
		ae.Message = "Pinterest's rate limit for this app and account is used up (" + cmp.Or(ae.Message, "Too Many Requests") + "); trial apps get 1,000 calls a day"
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

// fp fingerprints parts of what was published: 8 bytes of SHA-256 in hex.
func fp(parts ...[]byte) string {
	h := sha256.New()
	for _, b := range parts {
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
