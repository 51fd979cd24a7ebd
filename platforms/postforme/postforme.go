package postforme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/relaytext"
)

// Name is the relay's name in providers and in state.
const Name = "postforme"

// DefaultBaseURL is Post for Me's API.
const DefaultBaseURL = "https://api.postforme.dev"

// DefaultPollFor bounds the wait for a post's result after Post for Me
// accepted it: it publishes in the background, within seconds.
const DefaultPollFor = 30 * time.Second

// mediaTypes are the MIME types create-upload-url takes (MediaMimeType).
var mediaTypes = map[string]bool{"image/png": true, "image/jpeg": true, "video/mp4": true, "video/quicktime": true}

// PostForMe publishes to one social account through Post for Me.
type PostForMe struct {
	base      string
	accountID string
	network   string
	settings  platforms.Settings
	logger    *slog.Logger
	now       func() time.Time
	pollEvery time.Duration
	pollFor   time.Duration
	sleep     func(ctx context.Context, d time.Duration) error

	mu  sync.Mutex
	api *httpx.Client
}

var (
	_ platforms.Publisher = (*PostForMe)(nil)
	_ platforms.Preparer  = (*PostForMe)(nil)
	_ platforms.Finder    = (*PostForMe)(nil)
)

// New is the platforms.Constructor for the relay: s.Values is the
// account's postforme block, with network set to the account's platform.
// It does no I/O; the API key is read at the first call.
func New(s platforms.Settings) (platforms.Publisher, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("setting postforme.base_url %q is not an http(s) URL", s.BaseURL)
	}
	acct := s.String("account_id")
	if acct == "" {
		return nil, errors.New("setting postforme.account_id is required: the social account's ID at Post for Me (spc_...)")
	}
	if s.String("api_key_env") == "" {
		return nil, errors.New("setting postforme.api_key_env is required: the environment variable holding the Post for Me API key")
	}
	pollFor := DefaultPollFor
	if v := s.String("poll_for"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("setting postforme.poll_for %q is not a positive duration such as 30s", v)
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
	return &PostForMe{base: base, accountID: acct, network: s.String("network"), settings: s, logger: logger, now: s.Now,
		pollEvery: time.Second, pollFor: pollFor, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Name returns "postforme": the provider recorded in state.
func (a *PostForMe) Name() string { return Name }

func (a *PostForMe) client() (*httpx.Client, error) {
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

// errorMessage reads Post for Me's (NestJS) error body: {statusCode,
// message, errors?}, where message is a string or a list of strings.
func errorMessage(_ int, body []byte) (string, string) {
	var e struct {
		Message json.RawMessage `json:"message"`
		Error   string          `json:"error"`
		Errors  []string        `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", line
	}
	var msg string
	if json.Unmarshal(e.Message, &msg) != nil {
		var list []string
		_ = json.Unmarshal(e.Message, &list)
		msg = strings.Join(list, "; ")
	}
	if msg == "" {
		msg = e.Error
	}
	if len(e.Errors) > 0 {
		msg += ": " + strings.Join(e.Errors, "; ")
	}
	return "", msg
}

// apiErr is an httpx error as a *platforms.APIError, with what a person
// does about a refused key, wrapped with op.
func (a *PostForMe) apiErr(op string, err error) error {
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	if errors.As(e, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
		ae.Message += fmt.Sprintf(": Post for Me refused the API key in %s (setting postforme.api_key_env)", a.settings.String("api_key_env"))
	}
	return fmt.Errorf("%s: %w", op, e)
}

// notCreated marks err, from a step that cannot have posted (an upload),
// NotCreated whatever its status says.
func notCreated(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
		return err
	}
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// Prepare makes the payload one caption with its links in full, and
// refuses media Post for Me does not take, before anything is sent.
func (a *PostForMe) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	for _, m := range p.Media {
		if !mediaTypes[m.Type] {
			return nil, fmt.Errorf("%s is %s, and Post for Me takes PNG, JPEG, MP4 and QuickTime files only", m.Path, m.Type)
		}
	}
	return relaytext.Prepare("Post for Me", p)
}

// post is a Post for Me post (SocialPostDto), as far as herald reads it.
type post struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Caption    string `json:"caption"`
	Status     string `json:"status"`
	CreatedAt  string `json:"created_at"`
}

// result is one account's outcome of a post (SocialPostResultDto).
type result struct {
	ID              string  `json:"id"`
	SocialAccountID string  `json:"social_account_id"`
	PostID          string  `json:"post_id"`
	Success         bool    `json:"success"`
	Error           *string `json:"error"`
	PlatformData    *struct {
		ID  *string `json:"id"`
		URL *string `json:"url"`
	} `json:"platform_data"`
}

type page[T any] struct {
	Data []T `json:"data"`
	Meta struct {
		Total  int     `json:"total"`
		Offset int     `json:"offset"`
		Limit  int     `json:"limit"`
		Next   *string `json:"next"`
	} `json:"meta"`
}

// Publish uploads the media, creates the post with the attempt key as
// its external_id, and waits for Post for Me's result for the account.
func (a *PostForMe) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	api, err := a.client()
	if err != nil {
		return nil, err
	}
	caption, err := relaytext.Caption("Post for Me", p)
	if err != nil {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
	}
	media := []map[string]any{}
	for _, m := range p.Media {
		u, err := a.upload(ctx, api, m)
		if err != nil {
			return nil, notCreated(fmt.Errorf("upload %s: %w", m.Path, err))
		}
		media = append(media, map[string]any{"url": u})
	}
	body := map[string]any{"caption": caption, "social_accounts": []string{a.accountID}, "external_id": string(key), "media": media}
	var created post
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "/v1/social-posts", JSON: body}, &created); err != nil {
		return nil, a.apiErr("create post", err)
	}
	if created.ID == "" {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: "create post: Post for Me answered without a post ID"}
	}
	return a.await(ctx, api, created.ID)
}

// upload asks for a signed upload URL, PUTs the file to it, and returns
// the media URL the post names.
func (a *PostForMe) upload(ctx context.Context, api *httpx.Client, m platforms.Media) (string, error) {
	var out struct {
		UploadURL string `json:"upload_url"`
		MediaURL  string `json:"media_url"`
	}
	req := map[string]any{"mime_type": m.Type}
	if m.Size > 0 {
		req["size_bytes"] = m.Size
	}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "/v1/media/create-upload-url", JSON: req}, &out); err != nil {
		return "", a.apiErr("create upload URL", err)
	}
	if out.UploadURL == "" || out.MediaURL == "" {
		return "", errors.New("create upload URL: the answer lacks upload_url or media_url")
	}
	rc, err := m.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	// The file is streamed (a video is never held whole) when its size is
	// known, as the reconciler's media always have.
	put := httpx.Request{Method: http.MethodPut, Stream: io.LimitReader(rc, m.Size), StreamLength: m.Size, ContentType: m.Type}
	if m.Size <= 0 {
		data, err := io.ReadAll(rc)
		if err != nil {
			return "", err
		}
		put = httpx.Request{Method: http.MethodPut, Body: data, ContentType: m.Type}
	}
	// The signed URL carries its own authorization: the API key is not
	// sent to the storage host.
	signed := &httpx.Client{BaseURL: out.UploadURL, HTTP: a.settings.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.logger}
	if _, err := signed.Do(ctx, put); err != nil {
		return "", platforms.FromHTTP(Name, err)
	}
	return out.MediaURL, nil
}

// await polls the post's results until the account's is in: success is
// the receipt; failure is NotCreated, naming Post for Me's error; none
// within pollFor is Unknown.
func (a *PostForMe) await(ctx context.Context, api *httpx.Client, postID string) (*platforms.Receipt, error) {
	deadline := time.Now().Add(a.pollFor)
	for {
		res, err := a.result(ctx, api, postID)
		switch {
		case err != nil:
			ae := platforms.FromHTTP(Name, err)
			var e *platforms.APIError
			if errors.As(ae, &e) {
				// The post was accepted: whatever failed now, it may
				// be out.
				e.Outcome = platforms.Unknown
			}
			return nil, fmt.Errorf("read the result of post %s: %w", postID, ae)
		case res != nil && res.Success:
			return a.receipt(postID, res), nil
		case res != nil:
			msg := "no reason given"
			if res.Error != nil && *res.Error != "" {
				msg = *res.Error
			}
			return nil, &platforms.APIError{Platform: Name, Code: "result_failed", Outcome: platforms.NotCreated,
				Message: fmt.Sprintf("Post for Me could not publish post %s to %s: %s", postID, a.network, msg)}
		}
		if time.Now().After(deadline) {
			return nil, &platforms.APIError{Platform: Name, Code: "no_result", Outcome: platforms.Unknown,
				Message: fmt.Sprintf("Post for Me accepted post %s but gave no result for the account within %s", postID, a.pollFor)}
		}
		if err := a.sleep(ctx, a.pollEvery); err != nil {
			return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown,
				Message: fmt.Sprintf("Post for Me accepted post %s; waiting for its result: %v", postID, err), Err: err}
		}
	}
}

// result returns the account's result of a post, nil while there is none.
func (a *PostForMe) result(ctx context.Context, api *httpx.Client, postID string) (*result, error) {
	var out page[result]
	q := url.Values{"post_id": {postID}, "social_account_id": {a.accountID}}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/v1/social-post-results", Query: q}, &out); err != nil {
		return nil, err
	}
	for i := range out.Data {
		if out.Data[i].SocialAccountID == a.accountID && out.Data[i].PostID == postID {
			return &out.Data[i], nil
		}
	}
	return nil, nil
}

func (a *PostForMe) receipt(postID string, res *result) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, IDs: []string{postID}, PublishedAt: a.now().UTC(), Extra: map[string]string{}}
	if pd := res.PlatformData; pd != nil {
		if pd.URL != nil && *pd.URL != "" {
			r.URLs = []string{*pd.URL}
		}
		if pd.ID != nil && *pd.ID != "" {
			r.Extra["platform_id"] = *pd.ID
		}
	}
	if a.network != "" {
		r.Extra["network"] = a.network
	}
	return r
}

// Find looks the attempt up by its external_id: a post whose result
// succeeded is it; none, or only failed ones, means it did not land.
func (a *PostForMe) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	api, err := a.client()
	if err != nil {
		return nil, err
	}
	var out page[post]
	q := url.Values{"external_id": {string(at.Key)}, "social_account_id": {a.accountID}, "limit": {"100"}}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/v1/social-posts", Query: q}, &out); err != nil {
		return nil, a.apiErr("look up posts", err)
	}
	pending := ""
	for _, ps := range out.Data {
		if ps.ExternalID != string(at.Key) {
			continue
		}
		res, err := a.result(ctx, api, ps.ID)
		if err != nil {
			return nil, a.apiErr("read the result of post "+ps.ID, err)
		}
		switch {
		case res == nil:
			pending = ps.ID
		case res.Success:
			return a.receipt(ps.ID, res), nil
		}
	}
	if pending != "" {
		return nil, fmt.Errorf("post %s of attempt %s is at Post for Me without a result yet: the next run asks again", pending, at.Key)
	}
	return nil, fmt.Errorf("no Post for Me post with external_id %s reached %s: %w", at.Key, a.network, platforms.ErrNotFound)
}
