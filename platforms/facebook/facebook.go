package facebook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "facebook"

// DefaultBaseURL is the versioned Graph API.
const DefaultBaseURL = "https://graph.facebook.com/v25.0"

// Limits herald checks before sending anything.
const (
	// MaxChars is the longest message herald sends, in characters (the
	// figure every client quotes; Meta does not document one).
	MaxChars = 63206
	// MaxPhotos is the most photos herald attaches to one post.
	MaxPhotos = 10
	// MaxImageBytes is the largest photo herald uploads.
	MaxImageBytes = 10 << 20
	// MaxAltText is the longest alt text herald sends with a photo.
	MaxAltText = 1000
	// maxVideoWait bounds the wait for an uploaded video to be ready.
	maxVideoWait = 10 * time.Minute
)

// Find's scan: pages of DefaultFindPage posts, at most DefaultFindPages
// of them, a week back when the attempt's beginning is not recorded.
const (
	DefaultFindPage   = 100
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// Token.Extra keys that herald auth writes.
const (
	ExtraPageID   = "page_id"
	ExtraPageName = "page_name"
)

// Facebook is one Facebook Page. It publishes text, link, photo and video
// posts, edits their text, deletes them, reads their engagement, and looks
// up an attempt whose outcome is unknown among the Page's recent posts.
type Facebook struct {
	s         platforms.Settings
	base      string
	mediaBase string
	pageID    string
	findMax   int
	findPages int
	log       *slog.Logger
	now       func() time.Time
	// sleep waits between video status checks; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	tokens *oauthtoken.Source
	usage  *metagraph.Usage
	errs   metagraph.Errors
}

var (
	_ platforms.Publisher         = (*Facebook)(nil)
	_ platforms.Updater           = (*Facebook)(nil)
	_ platforms.Deleter           = (*Facebook)(nil)
	_ platforms.Finder            = (*Facebook)(nil)
	_ platforms.MetricsReader     = (*Facebook)(nil)
	_ platforms.RateLimitReporter = (*Facebook)(nil)
)

// New is the platforms.Constructor for Facebook Pages. It reads the
// settings and does no I/O; the token is read when the first call needs it.
func New(s platforms.Settings) (platforms.Publisher, error) { return NewFacebook(s) }

// NewFacebook is New returning the concrete type.
func NewFacebook(s platforms.Settings) (*Facebook, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	a := &Facebook{s: s, base: strings.TrimSuffix(s.BaseURL, "/"), log: s.Logger, now: s.Now,
		findMax: DefaultFindPage, findPages: DefaultFindPages, sleep: httpx.Sleep}
	if a.base == "" {
		a.base = DefaultBaseURL
	}
	var err error
	if a.pageID, err = metagraph.IDSetting(s, "page_id"); err != nil {
		return nil, err
	}
	if err := checkURL(a.base); err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
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
		Reconnect: "connect the Page again (herald auth " + s.Account + ", or a new Page token in the variable named by access_token_env)"}
	a.tokens = &oauthtoken.Source{Store: a.s.Tokens, Account: s.Account, Secret: s.Secret, Now: a.now, AccessKey: "access_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no Page access token: run herald auth %s, or set access_token_env to the variable holding one (%w)", s.Account, s.Account, err))
		},
		LoadFailed: notCreated,
	}
	return a, nil
}

// Name implements platforms.Publisher.
func (a *Facebook) Name() string { return Name }

// RateLimit reports Meta's usage headers (platforms.RateLimitReporter):
// remaining is percentage points left of the most used allowance.
func (a *Facebook) RateLimit() (int, time.Time, bool) { return a.usage.Report() }

func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	return nil
}

func notCreated(err error) error { return metagraph.NotCreated(Name, err) }

// accessToken is the Page token: the stored one (herald auth), else the
// one in the environment. A Page token made from a long-lived user token
// has no expiry; one with an expiry that has passed cannot be renewed
// without the person, so it wraps platforms.ErrNeedsReconnect.
func (a *Facebook) accessToken(ctx context.Context) (*platforms.Token, error) {
	t, err := a.tokens.Load(ctx)
	if err != nil {
		return nil, err
	}
	if !t.Expiry.IsZero() && !a.now().Before(t.Expiry) {
		msg := fmt.Sprintf("account %s: the Page token expired at %s; %s", a.s.Account, t.Expiry.UTC().Format(time.RFC3339), a.errs.Reconnect)
		return nil, &platforms.APIError{Platform: Name, Code: "190", Message: msg, Outcome: platforms.NotCreated,
			Err: fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)}
	}
	return t, nil
}

// page is the Page's ID: the page_id setting, else the one herald auth
// kept with the token.
func (a *Facebook) page(ctx context.Context) (string, error) {
	if a.pageID != "" {
		return a.pageID, nil
	}
	t, err := a.accessToken(ctx)
	if err != nil {
		return "", err
	}
	if id := t.Extra[ExtraPageID]; id != "" {
		return id, nil
	}
	return "", notCreated(fmt.Errorf("account %s names no Page: set page_id, or connect it with herald auth %s, which keeps the Page chosen", a.s.Account, a.s.Account))
}

// request is one Graph call: the token goes as the access_token query
// parameter, as Meta's documentation shows it (httpx redacts it); form,
// when set, is the body (url-encoded, or multipart with its content type).
type request struct {
	method, path string
	query        url.Values
	body         []byte
	contentType  string
	// base replaces the API base (video uploads go to their own host);
	// timeout, the client's timeout (a transfer of megabytes).
	base    string
	timeout time.Duration
}

func (a *Facebook) call(ctx context.Context, r request, out any) error {
	t, err := a.accessToken(ctx)
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, vs := range r.query {
		q[k] = vs
	}
	q.Set("access_token", t.AccessToken)
	base := a.base
	if r.base != "" {
		base = r.base
	}
	c := &httpx.Client{BaseURL: base, HTTP: a.s.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.log,
		ErrorMessage: metagraph.ErrorMessage}
	c.Redact.Add(t.AccessToken)
	resp, err := c.DoJSON(ctx, httpx.Request{Method: r.method, Path: r.path, Query: q, Body: r.body, ContentType: r.contentType, Timeout: r.timeout}, out)
	a.usage.NoteResponse(resp, err)
	return err
}

// get and post are call's common shapes.
func (a *Facebook) get(ctx context.Context, path string, q url.Values, out any) error {
	return a.call(ctx, request{method: http.MethodGet, path: path, query: q}, out)
}

func (a *Facebook) post(ctx context.Context, path string, form url.Values, out any) error {
	return a.call(ctx, request{method: http.MethodPost, path: path, body: []byte(form.Encode()), contentType: "application/x-www-form-urlencoded"}, out)
}

// MediaURL is the public URL Facebook fetches a repository file from: the
// media_base_url setting followed by the file's repository path, each
// segment escaped.
func (a *Facebook) MediaURL(path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return a.mediaBase + "/" + strings.Join(segs, "/")
}
