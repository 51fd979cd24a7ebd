package tiktok

import (
	"cmp"
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
const Name = "tiktok"

// Defaults for the settings of the same purpose.
const (
	// DefaultBaseURL is TikTok's Open API host.
	DefaultBaseURL = "https://open.tiktokapis.com"
	// DefaultChunkSize is how many bytes one upload PUT carries.
	DefaultChunkSize = 10 << 20
)

// Modes of an account: DirectPost publishes the video (scope
// video.publish); Inbox uploads it to the creator's inbox, where the
// creator finishes the post in the app (scope video.upload).
const (
	DirectPost = "direct"
	Inbox      = "inbox"
)

// Chunk rules of FILE_UPLOAD (Media Transfer Guide).
const (
	MinChunk      = 5 << 20
	MaxChunk      = 64 << 20
	MaxFinalChunk = 128 << 20
	MaxChunks     = 1000
)

// Limits and rates herald checks before sending.
const (
	// MaxTitle is the caption's limit, in UTF-16 code units.
	MaxTitle = 2200
	// InitsPerMinute is the per-token limit of the init endpoints.
	InitsPerMinute = 6
)

// Privacy levels TikTok knows; creator_info/query says which of them a
// creator may use.
var PrivacyLevels = []string{"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"}

// Polling of post/publish/status/fetch: a growing wait, bounded.
const (
	maxPolls     = 30
	firstPoll    = 2 * time.Second
	maxPollDelay = 15 * time.Second
)

// Find's scan of video/list: 20 videos a page (TikTok's maximum).
const (
	findPage          = 20
	DefaultFindPages  = 5
	defaultFindWindow = 7 * 24 * time.Hour
)

// TikTok is one TikTok creator reached through the Content Posting API
// v2. It posts a video directly or to the creator's inbox, checks the
// privacy level against what the creator may use before uploading, polls
// the post's status until TikTok has published it, reads its counts, and
// looks up a post whose outcome is unknown among the creator's videos.
// TikTok's API has no edit and no delete.
type TikTok struct {
	s         platforms.Settings
	base      string
	tokenURL  string
	mode      string
	privacy   string
	chunk     int64
	findPages int
	log       *slog.Logger
	now       func() time.Time
	tokens    *oauthtoken.Source
	sleep     func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	inits []time.Time // init calls in the last minute
}

var (
	_ platforms.Preparer          = (*TikTok)(nil)
	_ platforms.Publisher         = (*TikTok)(nil)
	_ platforms.Finder            = (*TikTok)(nil)
	_ platforms.MetricsReader     = (*TikTok)(nil)
	_ platforms.RateLimitReporter = (*TikTok)(nil)
)

// New is the platforms.Constructor for TikTok. It reads the settings and
// does no I/O.
func New(s platforms.Settings) (platforms.Publisher, error) { return NewTikTok(s) }

// NewTikTok is New returning the concrete type.
func NewTikTok(s platforms.Settings) (*TikTok, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	t := &TikTok{s: s, base: strings.TrimSuffix(s.BaseURL, "/"), tokenURL: s.String("token_url"), mode: s.String("mode"),
		privacy: s.String("privacy_level"), log: s.Logger, now: s.Now, sleep: httpx.Sleep}
	if t.base == "" {
		t.base = DefaultBaseURL
	}
	if t.tokenURL == "" {
		t.tokenURL = t.base + "/v2/oauth/token/"
	}
	for _, u := range []struct{ key, v string }{{"base_url", t.base}, {"token_url", t.tokenURL}} {
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("setting %s: %q is not an absolute http(s) URL", u.key, u.v)
		}
	}
	switch t.mode {
	case "":
		t.mode = DirectPost
	case DirectPost, Inbox:
	default:
		return nil, fmt.Errorf("setting mode: %q: want direct (publish) or inbox (a draft the creator finishes in the app)", t.mode)
	}
	if t.privacy == "" {
		t.privacy = "PUBLIC_TO_EVERYONE"
	}
	if !validPrivacy(t.privacy) {
		return nil, fmt.Errorf("setting privacy_level: %q: want one of %s", t.privacy, strings.Join(PrivacyLevels, ", "))
	}
	chunk, err := s.IntIn("chunk_size", MinChunk, MaxChunk, DefaultChunkSize)
	if err != nil {
		return nil, fmt.Errorf("%w (TikTok takes chunks of 5 to 64 MiB)", err)
	}
	t.chunk = int64(chunk)
	if t.findPages, err = s.IntIn("find_max_pages", 1, 100, DefaultFindPages); err != nil {
		return nil, err
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.s.Tokens == nil {
		t.s.Tokens = &platforms.MemTokens{}
	}
	t.tokens = t.newTokens()
	return t, nil
}

// Name implements platforms.Publisher.
func (t *TikTok) Name() string { return Name }

func validPrivacy(p string) bool {
	for _, l := range PrivacyLevels {
		if l == p {
			return true
		}
	}
	return false
}

// client is an httpx client below base, with the tokens in use redacted.
func (t *TikTok) client(base string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: t.s.HTTPClient, UserAgent: "herald", Now: t.now, Logger: t.log,
		ErrorMessage: errorMessage, Timeout: 10 * time.Minute}
	if tok := t.tokens.Token(); tok != nil {
		c.Redact.Add(tok.AccessToken, tok.RefreshToken)
	}
	return c
}

// envelope is every Open API answer: data, and error with code "ok" on
// success.
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		LogID   string `json:"log_id"`
	} `json:"error"`
}

// api sends one authenticated JSON call and decodes the answer's data
// into out. An answer whose error.code is not "ok" is an error even with
// a 2xx status.
func (t *TikTok) api(ctx context.Context, path string, query url.Values, body any, out any) error {
	var env envelope
	_, err := oauthtoken.Retry(ctx, t.tokens, func() (*httpx.Response, error) {
		tok, err := t.tokens.AccessToken(ctx)
		if err != nil {
			return nil, err
		}
		c := t.client(t.base)
		c.Redact.Add(tok)
		if body == nil {
			body = struct{}{}
		}
		return c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: path, Query: query, JSON: body,
			Header: http.Header{"Authorization": {"Bearer " + tok}}}, &env)
	})
	if err != nil {
		return err
	}
	if env.Error.Code != "" && env.Error.Code != "ok" {
		return &platforms.APIError{Platform: Name, Status: http.StatusOK, Code: env.Error.Code, Message: env.Error.Message, Outcome: platforms.Unknown,
			Err: fmt.Errorf("TikTok answered %s: %s", env.Error.Code, env.Error.Message)}
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return fmt.Errorf("decode the answer's data: %w", err)
		}
	}
	return nil
}

// errorMessage reads TikTok's error envelope, and the OAuth endpoint's
// {"error", "error_description"}.
func errorMessage(_ int, body []byte) (code, message string) {
	var v struct {
		Error json.RawMessage `json:"error"`
		Desc  string          `json:"error_description"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.Error) == 0 {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return s, v.Desc
	}
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	json.Unmarshal(v.Error, &e)
	return e.Code, e.Message
}

// notCreated wraps an error found before anything was sent.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// apiError turns an httpx error into a *platforms.APIError with what
// TikTok's answer means for the reconciler.
func (t *TikTok) apiError(op string, err error) error {
	ae, se, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	if se == nil {
		return fmt.Errorf("%s: %w", op, ae)
	}
	switch {
	case se.Status == http.StatusUnauthorized:
		ae.Message = "TikTok refused the access token (" + cmp.Or(se.Code, "unauthorized") + ": " + se.Message + "); run herald auth " + t.s.Account
		ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, ae.Message, err)
	case se.Status == http.StatusTooManyRequests:
		if ae.RetryAfter == 0 {
			// TikTok's windows are one minute, sliding.
			ae.RetryAfter = time.Minute
		}
		ae.Message = "TikTok's rate limit (" + cmp.Or(se.Code, "rate_limit_exceeded") + "): " + se.Message
	case se.Code == "unaudited_client_can_only_post_to_private_accounts":
		ae.Message = "TikTok lets an app that has not passed its audit post only as SELF_ONLY to private accounts (" + se.Message + "): set privacy_level: SELF_ONLY or have the app audited"
	case se.Code == "spam_risk_too_many_posts" || se.Code == "spam_risk_user_banned_from_posting":
		ae.Message = "TikTok refuses more posts from this creator for now (" + se.Code + ": " + se.Message + ")"
	}
	return fmt.Errorf("%s: %w", op, ae)
}

// noteInit counts an init call for RateLimit.
func (t *TikTok) noteInit() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inits = append(t.recentInits(t.now()), t.now())
}

func (t *TikTok) recentInits(now time.Time) []time.Time {
	var out []time.Time
	for _, at := range t.inits {
		if now.Sub(at) < time.Minute {
			out = append(out, at)
		}
	}
	return out
}

// RateLimit implements platforms.RateLimitReporter for the init
// endpoints' 6 calls a minute per token: how many are left in the
// sliding minute, and when the oldest leaves it. TikTok sends no
// rate-limit headers, so the count is herald's.
func (t *TikTok) RateLimit() (remaining int, reset time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	recent := t.recentInits(now)
	if len(recent) == 0 {
		return InitsPerMinute, now, true
	}
	return InitsPerMinute - len(recent), recent[0].Add(time.Minute), true
}
