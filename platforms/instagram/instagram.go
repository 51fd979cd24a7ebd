package instagram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "instagram"

// Default base URLs: the versioned API of Instagram Login, and the host
// of its token endpoints, which are not versioned.
const (
	DefaultBaseURL     = "https://graph.instagram.com/v25.0"
	DefaultAuthBaseURL = "https://graph.instagram.com"
)

// Limits Instagram enforces that herald checks before sending anything.
const (
	MaxCaption    = 2200 // characters of caption
	MaxHashtags   = 30   // hashtags per caption
	MaxMentions   = 20   // @-mentions per caption
	MaxCarousel   = 10   // items in a carousel
	MaxAltText    = 1000 // characters of alt text per image
	MaxImageBytes = 8 << 20
	// maxContainerWait bounds the wait for a container to be FINISHED:
	// Meta recommends checking once a minute for no more than 5 minutes.
	maxContainerWait = 5 * time.Minute
)

// Token lifetimes: a long-lived token lasts 60 days, may be refreshed once
// it is a day old, and herald refreshes it when less than a week remains.
const (
	TokenLifetime = 60 * 24 * time.Hour
	RefreshMinAge = 24 * time.Hour
	RefreshWithin = 7 * 24 * time.Hour
)

// Find's scan: pages of DefaultFindPage media, at most DefaultFindPages
// of them, a week back when the attempt's beginning is not recorded.
const (
	DefaultFindPage   = 100
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// Token.Extra keys.
const (
	ExtraUserID   = "user_id"
	ExtraUsername = "username"
	extraIssuedAt = "issued_at"
)

// Instagram is one Instagram professional account, reached through
// Instagram Login (graph.instagram.com). It publishes images, carousels
// and Reels that Meta fetches from public URLs, reads their insights, and
// looks up an attempt whose outcome is unknown among the account's recent
// media. It has no Updater (Instagram has no caption edit through the
// API) and no Deleter (the API deletes nothing): the plan shows drift and
// says to remove a post by hand.
type Instagram struct {
	s         platforms.Settings
	base      string
	authBase  string
	mediaBase string
	findMax   int
	findPages int
	log       *slog.Logger
	now       func() time.Time
	// sleep waits between container status checks; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	authMu  sync.Mutex
	adopted bool
	tokens  *oauthtoken.Source
	usage   *metagraph.Usage
	errs    metagraph.Errors

	mu     sync.Mutex
	userID string
}

var (
	_ platforms.Publisher         = (*Instagram)(nil)
	_ platforms.Finder            = (*Instagram)(nil)
	_ platforms.MetricsReader     = (*Instagram)(nil)
	_ platforms.RateLimitReporter = (*Instagram)(nil)
)

// New is the platforms.Constructor for Instagram. It reads the settings
// and does no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) { return NewInstagram(s) }

// NewInstagram is New returning the concrete type.
func NewInstagram(s platforms.Settings) (*Instagram, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	a := &Instagram{s: s, base: strings.TrimSuffix(s.BaseURL, "/"), authBase: strings.TrimSuffix(s.String("auth_base_url"), "/"),
		log: s.Logger, now: s.Now, findMax: DefaultFindPage, findPages: DefaultFindPages, sleep: httpx.Sleep}
	if a.base == "" {
		a.base = DefaultBaseURL
	}
	var err error
	if a.userID, err = metagraph.IDSetting(s, "user_id"); err != nil {
		return nil, err
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
	if a.findMax, err = s.IntIn("find_limit", 1, 100, a.findMax); err != nil {
		return nil, err
	}
	if a.findPages, err = s.IntIn("find_max_pages", 1, 100, a.findPages); err != nil {
		return nil, err
	}
	a.usage = &metagraph.Usage{Now: a.now}
	a.errs = metagraph.Errors{Platform: Name, Usage: a.usage,
		Reconnect: "get a new long-lived token (herald auth " + s.Account + ", or the variable named by access_token_env)"}
	a.tokens = &oauthtoken.Source{
		Store: a.s.Tokens, Account: s.Account, Secret: s.Secret, Now: a.now, AccessKey: "access_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no Instagram token: run herald auth %s, or set access_token_env to the variable holding a long-lived token (%w)", s.Account, s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   a.exchange,
		Refreshed:  func(t *platforms.Token) { a.log.Info("refreshed Instagram token", "expiry", t.Expiry) },
	}
	return a, nil
}

// Name implements platforms.Publisher.
func (a *Instagram) Name() string { return Name }

// RateLimit reports Meta's usage headers (platforms.RateLimitReporter).
func (a *Instagram) RateLimit() (int, time.Time, bool) { return a.usage.Report() }

func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	return nil
}

func notCreated(err error) error { return metagraph.NotCreated(Name, err) }

// call sends one API call with the token as the access_token query
// parameter, as Meta's documentation shows it; form, when set, is the
// url-encoded body.
func (a *Instagram) call(ctx context.Context, method, path string, q, form url.Values, out any) error {
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
		r.Body, r.ContentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	resp, err := a.client(a.base, tok).DoJSON(ctx, r, out)
	a.usage.NoteResponse(resp, err)
	return err
}

func (a *Instagram) client(base string, secrets ...string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: a.s.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.log,
		ErrorMessage: metagraph.ErrorMessage}
	if t := a.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken)
	}
	c.Redact.Add(secrets...)
	return c
}

// accessToken returns the long-lived token to use now: the stored one,
// else the environment's. A token with less than RefreshWithin left and
// at least RefreshMinAge old is refreshed first (GET
// /refresh_access_token?grant_type=ig_refresh_token), and a token from the
// environment, whose expiry herald does not know, is refreshed once so
// that its expiry becomes known and it is kept. A failed refresh leaves
// the current token in use while it is valid; a token past its expiry
// wraps platforms.ErrNeedsReconnect.
func (a *Instagram) accessToken(ctx context.Context) (string, error) {
	a.authMu.Lock()
	defer a.authMu.Unlock()
	t, err := a.tokens.Load(ctx)
	if err != nil {
		return "", err
	}
	now := a.now()
	switch {
	case !t.Expiry.IsZero() && !now.Before(t.Expiry):
		msg := fmt.Sprintf("account %s: the long-lived token expired at %s and cannot be refreshed; %s", a.s.Account, t.Expiry.UTC().Format(time.RFC3339), a.errs.Reconnect)
		return "", &platforms.APIError{Platform: Name, Code: "190", Message: msg, Outcome: platforms.NotCreated,
			Err: fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)}
	case t.Expiry.IsZero() && !a.adopted:
		a.adopted = true
		if nt, err := a.tokens.Refresh(ctx, t); err != nil {
			a.log.Warn("could not refresh the Instagram token from the environment; using it as it is", "error", err.Error())
		} else {
			t = nt
		}
	case !t.Expiry.IsZero() && t.Expiry.Sub(now) < RefreshWithin && a.tokenAge(t, now) >= RefreshMinAge:
		if nt, err := a.tokens.Refresh(ctx, t); err != nil {
			a.log.Warn("could not refresh the Instagram token; using it until it expires", "expiry", t.Expiry, "error", err.Error())
		} else {
			t = nt
		}
	}
	return t.AccessToken, nil
}

func (a *Instagram) tokenAge(t *platforms.Token, now time.Time) time.Duration {
	if at, err := time.Parse(time.RFC3339, t.Extra[extraIssuedAt]); err == nil {
		return now.Sub(at)
	}
	return now.Sub(t.Expiry.Add(-TokenLifetime))
}

// exchange trades t for a new long-lived token at GET
// /refresh_access_token?grant_type=ig_refresh_token.
func (a *Instagram) exchange(ctx context.Context, t *platforms.Token) (*platforms.Token, error) {
	q := url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {t.AccessToken}}
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	_, err := a.client(a.authBase, t.AccessToken).DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "refresh_access_token", Query: q}, &tr)
	if err != nil {
		return nil, a.errs.Wrap("refresh token", err, true)
	}
	if tr.AccessToken == "" {
		return nil, errors.New("refresh token: Instagram answered without an access token")
	}
	now := a.now()
	nt := &platforms.Token{AccessToken: tr.AccessToken, Extra: maps.Clone(t.Extra)}
	if nt.Extra == nil {
		nt.Extra = map[string]string{}
	}
	nt.Extra[extraIssuedAt] = now.UTC().Format(time.RFC3339)
	nt.Expiry = now.Add(TokenLifetime)
	if tr.ExpiresIn > 0 {
		nt.Expiry = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return nt, nil
}

// userIDFor returns the professional account's ID: the user_id setting,
// else the one kept with the token, else GET /me?fields=user_id,username
// once.
func (a *Instagram) userIDFor(ctx context.Context) (string, error) {
	a.mu.Lock()
	id := a.userID
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if _, err := a.accessToken(ctx); err != nil {
		return "", err
	}
	if t := a.tokens.Token(); t != nil && t.Extra[ExtraUserID] != "" {
		a.mu.Lock()
		a.userID = t.Extra[ExtraUserID]
		a.mu.Unlock()
		return t.Extra[ExtraUserID], nil
	}
	var me struct {
		ID       string `json:"id"`
		UserID   string `json:"user_id"`
		Username string `json:"username"`
	}
	if err := a.call(ctx, http.MethodGet, "me", url.Values{"fields": {"user_id,username"}}, nil, &me); err != nil {
		return "", a.errs.Wrap("read the account's user id (GET /me)", err, true)
	}
	id = me.UserID
	if id == "" {
		id = me.ID
	}
	if id == "" {
		return "", notCreated(errors.New("read user id: GET /me answered without one"))
	}
	a.mu.Lock()
	a.userID = id
	a.mu.Unlock()
	return id, nil
}
