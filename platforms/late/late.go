package late

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/relaytext"
)

// Name is the relay's name in providers and in state.
const Name = "late"

// DefaultBaseURL is Late's API under its new name.
const DefaultBaseURL = "https://zernio.com/api"

// DefaultPollFor bounds the wait for a post Late is still publishing.
const DefaultPollFor = 30 * time.Second

// Find's scan: pages of findPage posts, at most findPages of them.
const (
	findPage  = 100
	findPages = 10
)

// networks are Late's names for herald's platforms.
var networks = map[string]string{
	"x": "twitter", "bluesky": "bluesky", "linkedin": "linkedin", "threads": "threads", "instagram": "instagram",
	"facebook": "facebook", "tiktok": "tiktok", "youtube": "youtube", "pinterest": "pinterest", "reddit": "reddit",
}

// Late publishes to one account through Late (Zernio).
type Late struct {
	base      string
	accountID string
	network   string
	mediaBase string
	settings  platforms.Settings
	logger    *slog.Logger
	now       func() time.Time
	pollEvery time.Duration
	pollFor   time.Duration

	mu  sync.Mutex
	api *httpx.Client
}

var (
	_ platforms.Publisher     = (*Late)(nil)
	_ platforms.Preparer      = (*Late)(nil)
	_ platforms.Finder        = (*Late)(nil)
	_ platforms.MetricsReader = (*Late)(nil)
)

// New is the platforms.Constructor for the relay: s.Values is the
// account's late block, with network set to the account's platform. It
// does no I/O; the API key is read at the first call.
func New(s platforms.Settings) (platforms.Publisher, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("setting late.base_url %q is not an http(s) URL", s.BaseURL)
	}
	acct := s.String("account_id")
	if acct == "" {
		return nil, errors.New("setting late.account_id is required: the account's ID at Late")
	}
	if s.String("api_key_env") == "" {
		return nil, errors.New("setting late.api_key_env is required: the environment variable holding the Late API key")
	}
	network := s.String("network")
	if network != "" && networks[network] == "" {
		return nil, fmt.Errorf("Late does not publish to %s", network)
	}
	pollFor := DefaultPollFor
	if v := s.String("poll_for"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("setting late.poll_for %q is not a positive duration such as 30s", v)
		}
		pollFor = d
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		return nil, errors.New("settings lack a clock (Now)")
	}
	return &Late{base: base, accountID: acct, network: network, mediaBase: s.String("media_base_url"), settings: s,
		logger: logger, now: s.Now, pollEvery: time.Second, pollFor: pollFor}, nil
}

// Name returns "late": the provider recorded in state.
func (a *Late) Name() string { return Name }

func (a *Late) client() (*httpx.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.api != nil {
		return a.api, nil
	}
	key, err := a.settings.Secret("api_key_env")
	if err != nil {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
	}
	api := &httpx.Client{BaseURL: a.base, HTTP: a.settings.HTTPClient, UserAgent: "herald",
		Header: http.Header{"Authorization": {"Bearer " + key}}, Now: a.now, Logger: a.logger, ErrorMessage: errorMessage}
	api.Redact.Add(key)
	a.api = api
	return api, nil
}

// errorBody is Late's error envelope: {error, code?, details?}; a 429's
// details say when to come back.
type errorBody struct {
	Error   string `json:"error"`
	Code    string `json:"code"`
	Details struct {
		RetryAfterSeconds float64 `json:"retry_after_seconds"`
	} `json:"details"`
}

func errorMessage(_ int, body []byte) (string, string) {
	var e errorBody
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", line
	}
	return e.Code, e.Error
}

// apiErr is an httpx error as a *platforms.APIError: a 429 without
// Retry-After takes its wait from the body, a refused key says which
// variable held it.
func (a *Late) apiErr(op string, err error) error {
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	var se *httpx.StatusError
	if errors.As(e, &ae) {
		switch ae.Status {
		case http.StatusTooManyRequests:
			if ae.RetryAfter == 0 && errors.As(err, &se) {
				var b errorBody
				if json.Unmarshal(se.Body, &b) == nil && b.Details.RetryAfterSeconds > 0 {
					ae.RetryAfter = time.Duration(b.Details.RetryAfterSeconds * float64(time.Second))
				}
			}
		case http.StatusUnauthorized, http.StatusForbidden:
			ae.Message += fmt.Sprintf(": Late refused the API key in %s (setting late.api_key_env)", a.settings.String("api_key_env"))
		case http.StatusPaymentRequired:
			ae.Message += ": Late's analytics are a paid add-on"
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// Prepare makes the payload one caption with its links in full, and
// refuses media when Late cannot be given a URL for them.
func (a *Late) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	if len(p.Media) > 0 && a.mediaBase == "" {
		return nil, errors.New("Late fetches media by URL: set late.media_base_url to where the repository's files are served")
	}
	return relaytext.Prepare("Late", p)
}

// MediaURL is the public URL Late fetches a repository file from.
func (a *Late) MediaURL(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(a.mediaBase, "/") + "/" + strings.Join(segs, "/")
}

// post is a Late post as herald reads it.
type post struct {
	ID        string     `json:"_id"`
	Content   string     `json:"content"`
	Status    string     `json:"status"`
	CreatedAt string     `json:"createdAt"`
	Platforms []platform `json:"platforms"`
}

type platform struct {
	Platform        string          `json:"platform"`
	AccountID       json.RawMessage `json:"accountId"` // an ID, or the account object when listed
	Status          string          `json:"status"`
	PlatformPostID  string          `json:"platformPostId"`
	PlatformPostURL string          `json:"platformPostUrl"`
	ErrorMessage    string          `json:"errorMessage"`
}

// account returns the entry's account ID, given as a string or as an
// object with _id.
func (p platform) account() string {
	var s string
	if json.Unmarshal(p.AccountID, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"_id"`
	}
	_ = json.Unmarshal(p.AccountID, &o)
	return o.ID
}

// entry returns the post's entry for the account.
func (a *Late) entry(p *post) *platform {
	for i := range p.Platforms {
		if p.Platforms[i].account() == a.accountID {
			return &p.Platforms[i]
		}
	}
	return nil
}

// Publish creates the post now, with the attempt key as x-request-id,
// and waits while Late is still publishing it.
func (a *Late) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	api, err := a.client()
	if err != nil {
		return nil, err
	}
	caption, err := relaytext.Caption("Late", p)
	if err != nil {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
	}
	body := map[string]any{"content": caption, "publishNow": true,
		"platforms": []map[string]string{{"platform": networks[a.network], "accountId": a.accountID}}}
	var items []map[string]string
	for _, m := range p.Media {
		kind := "image"
		if strings.HasPrefix(m.Type, "video/") {
			kind = "video"
		}
		items = append(items, map[string]string{"type": kind, "url": a.MediaURL(m.Path), "altText": m.Alt})
	}
	if len(items) > 0 {
		body["mediaItems"] = items
	}
	var out struct {
		Post         *post `json:"post"`
		ExistingPost *post `json:"existingPost"`
	}
	req := httpx.Request{Method: http.MethodPost, Path: "/v1/posts", JSON: body, Header: http.Header{"X-Request-Id": {string(key)}}}
	if _, err := api.DoJSON(ctx, req, &out); err != nil {
		return nil, a.apiErr("create post", err)
	}
	ps := out.Post
	if ps == nil {
		ps = out.ExistingPost // a replay of the same x-request-id
	}
	if ps == nil || ps.ID == "" {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: "create post: Late answered without a post"}
	}
	return a.settle(ctx, api, ps)
}

// settle turns the account's entry of a post into a receipt, reading the
// post again while it is pending or publishing, for pollFor.
func (a *Late) settle(ctx context.Context, api *httpx.Client, ps *post) (*platforms.Receipt, error) {
	deadline := time.Now().Add(a.pollFor)
	for {
		e := a.entry(ps)
		switch {
		case e == nil:
			return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown,
				Message: fmt.Sprintf("Late's post %s names no entry for account %s", ps.ID, a.accountID)}
		case e.Status == "published":
			return a.receipt(ps, e), nil
		case e.Status == "failed":
			msg := e.ErrorMessage
			if msg == "" {
				msg = "no reason given"
			}
			return nil, &platforms.APIError{Platform: Name, Code: "platform_failed", Outcome: platforms.NotCreated,
				Message: fmt.Sprintf("Late could not publish post %s to %s: %s", ps.ID, a.network, msg)}
		}
		if time.Now().After(deadline) {
			return nil, &platforms.APIError{Platform: Name, Code: "still_" + e.Status, Outcome: platforms.Unknown,
				Message: fmt.Sprintf("Late accepted post %s but it was still %s after %s", ps.ID, e.Status, a.pollFor)}
		}
		t := time.NewTimer(a.pollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Err: ctx.Err(),
				Message: fmt.Sprintf("Late accepted post %s; waiting for it: %v", ps.ID, ctx.Err())}
		case <-t.C:
		}
		var out struct {
			Post *post `json:"post"`
		}
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/v1/posts/" + url.PathEscape(ps.ID)}, &out); err != nil {
			e := a.apiErr("read post "+ps.ID, err)
			var ae *platforms.APIError
			if errors.As(e, &ae) {
				ae.Outcome = platforms.Unknown // accepted: it may be out
			}
			return nil, e
		}
		if out.Post != nil {
			ps = out.Post
		}
	}
}

func (a *Late) receipt(ps *post, e *platform) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, IDs: []string{ps.ID}, PublishedAt: a.now().UTC(), Extra: map[string]string{}}
	if e.PlatformPostURL != "" {
		r.URLs = []string{e.PlatformPostURL}
	}
	if e.PlatformPostID != "" {
		r.Extra["platform_id"] = e.PlatformPostID
	}
	if a.network != "" {
		r.Extra["network"] = a.network
	}
	return r
}

// Find reads the posts created since the attempt began for a published
// post to the account with the payload's caption.
func (a *Late) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	api, err := a.client()
	if err != nil {
		return nil, err
	}
	caption, err := relaytext.Caption("Late", p)
	if err != nil {
		return nil, err
	}
	since := at.Since(a.now(), 7*24*time.Hour)
	pending := ""
	for pg := 1; pg <= findPages; pg++ {
		var out struct {
			Posts      []post `json:"posts"`
			Pagination struct {
				Page  int `json:"page"`
				Pages int `json:"pages"`
			} `json:"pagination"`
		}
		q := url.Values{"page": {strconv.Itoa(pg)}, "limit": {strconv.Itoa(findPage)}, "startDate": {since.UTC().Format(time.RFC3339)}}
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/v1/posts", Query: q}, &out); err != nil {
			return nil, a.apiErr("list posts", err)
		}
		for i := range out.Posts {
			ps := &out.Posts[i]
			e := a.entry(ps)
			if e == nil || ps.Content != caption {
				continue
			}
			switch e.Status {
			case "published":
				return a.receipt(ps, e), nil
			case "failed":
			default:
				pending = ps.ID
			}
		}
		if pg >= out.Pagination.Pages {
			if pending != "" {
				return nil, fmt.Errorf("post %s with this caption is still being published by Late: the next run asks again", pending)
			}
			return nil, fmt.Errorf("no published Late post to account %s with this caption since %s: %w",
				a.accountID, at.DescribeSince(since, "a week back"), platforms.ErrNotFound)
		}
	}
	return nil, fmt.Errorf("Late lists more than %d posts since %s: cannot tell whether the attempt landed", findPage*findPages, since.UTC().Format(time.RFC3339))
}

// Metrics reads the post's analytics.
func (a *Late) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	api, err := a.client()
	if err != nil {
		return nil, err
	}
	if len(r.IDs) == 0 {
		return nil, errors.New("the receipt names no Late post")
	}
	var out struct {
		Analytics struct {
			Impressions *int64 `json:"impressions"`
			Likes       *int64 `json:"likes"`
			Comments    *int64 `json:"comments"`
			Shares      *int64 `json:"shares"`
			Clicks      *int64 `json:"clicks"`
		} `json:"analytics"`
	}
	_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/v1/analytics", Query: url.Values{"postId": {r.IDs[0]}}}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil, fmt.Errorf("post %s at Late: %w", r.IDs[0], platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.apiErr("read analytics", err)
	}
	an := out.Analytics
	return &platforms.Metrics{Likes: an.Likes, Reposts: an.Shares, Replies: an.Comments, Impressions: an.Impressions, Clicks: an.Clicks}, nil
}
