package pinterest

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeOptions configure a Fake. Zero values get the defaults named.
type FakeOptions struct {
	// Now is the fake's clock (default a fixed time).
	Now func() time.Time
	// Board is the board the account owns (default "900100").
	Board string
	// AccessToken is the live token (default "pina-0"), valid TokenTTL
	// (default 30 days) from Now at start.
	AccessToken string
	TokenTTL    time.Duration
	// RefreshToken (default "pinr-0") is traded at the token endpoint with
	// HTTP Basic ClientID:ClientSecret (defaults "herald-pin-app",
	// "herald-pin-secret") for a new access token and a new refresh token;
	// each refresh token lives 60 days.
	RefreshToken string
	ClientID     string
	ClientSecret string
	// ProcessingPolls is how many status reads an uploaded video stays
	// "processing" for (default 1).
	ProcessingPolls int
	// FailVideo makes video processing end "failed".
	FailVideo bool
}

// Fake is a contract fake of Pinterest API v5 for the endpoints herald
// uses: POST/GET/PATCH/DELETE /pins, GET /pins/{id}/analytics, GET
// /boards/{id}/pins, POST and GET /media with the signed upload form, and
// POST /oauth/token. Every API call needs a live bearer token (an expired
// one gets Pinterest's 401 {"code":2,...}); a pin needs a board the
// account owns and a media_source, and is held to Pinterest's limits
// (title 100, description 800, alt text 500, link 2048, 2 to 5 images).
// It imports no testing package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	opts FakeOptions

	mu        sync.Mutex
	access    map[string]time.Time
	refresh   map[string]time.Time
	issued    int
	refreshes int
	media     map[string]*fakeMedia
}

type fakeMedia struct {
	params   map[string]string
	data     []byte
	typ      string
	polls    int
	uploaded bool
}

// NewFake starts a Pinterest fake that lives until r's cleanup; URL() is
// the adapter's base URL (it ends in /v5) and TokenURL() its token_url.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.Board = cmp.Or(opts.Board, "900100")
	opts.AccessToken = cmp.Or(opts.AccessToken, "pina-0")
	opts.RefreshToken = cmp.Or(opts.RefreshToken, "pinr-0")
	opts.ClientID = cmp.Or(opts.ClientID, "herald-pin-app")
	opts.ClientSecret = cmp.Or(opts.ClientSecret, "herald-pin-secret")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 30 * 24 * time.Hour
	}
	if opts.ProcessingPolls == 0 {
		opts.ProcessingPolls = 1
	}
	start := opts.Now()
	f := &Fake{opts: opts, access: map[string]time.Time{opts.AccessToken: start.Add(opts.TokenTTL)},
		refresh: map[string]time.Time{opts.RefreshToken: start.Add(60 * 24 * time.Hour)}, media: map[string]*fakeMedia{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: "/v5/", Now: opts.Now,
		ErrorBody: errorBody,
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("X-RateLimit-Limit", "1000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		},
	})
	j := "application/json"
	f.Handle("POST /pins", platformtest.Contract{ContentType: j, Create: true,
		Required: []string{"board_id", "media_source.source_type"},
		Limits: []platformtest.Limit{{Path: "title", Max: MaxTitle}, {Path: "description", Max: MaxDescription},
			{Path: "alt_text", Max: MaxAltText}, {Path: "link", Max: MaxLink}, {Path: "media_source.items", Max: MaxImages}}}, f.authed(f.createPin))
	f.Handle("GET /pins/{id}", platformtest.Contract{}, f.authed(f.getPin))
	f.Handle("PATCH /pins/{id}", platformtest.Contract{ContentType: j,
		Limits: []platformtest.Limit{{Path: "title", Max: MaxTitle}, {Path: "description", Max: MaxDescription},
			{Path: "alt_text", Max: MaxAltText}, {Path: "link", Max: MaxLink}}}, f.authed(f.patchPin))
	f.Handle("DELETE /pins/{id}", platformtest.Contract{}, f.authed(f.deletePin))
	f.Handle("GET /pins/{id}/analytics", platformtest.Contract{}, f.authed(f.analytics))
	f.Handle("GET /boards/{board}/pins", platformtest.Contract{}, f.authed(f.boardPins))
	f.Handle("POST /media", platformtest.Contract{ContentType: j, Required: []string{"media_type"}}, f.authed(f.registerMedia))
	f.Handle("GET /media/{id}", platformtest.Contract{}, f.authed(f.mediaStatus))
	f.Handle("POST /uploads/{id}", platformtest.Contract{ContentType: "multipart/form-data"}, f.upload)
	f.Handle("POST /oauth/token", platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}, f.token)
	return f
}

// errorBody is Pinterest's {"code": n, "message": text}. The numeric codes
// are modelled: 2 for authentication, 8 for rate limits, 50 for a pin
// that is not there, 1 otherwise.
func errorBody(status int, _ string, message string) any {
	code := 1
	switch status {
	case http.StatusUnauthorized:
		code = 2
	case http.StatusTooManyRequests:
		code = 8
	case http.StatusNotFound:
		code = 50
	}
	return map[string]any{"code": code, "message": message}
}

// TokenURL is the fake's token endpoint.
func (f *Fake) TokenURL() string { return f.URL() + "/oauth/token" }

// Board is the board the fake's account owns.
func (f *Fake) Board() string { return f.opts.Board }

// ClientID and ClientSecret are the app credentials the token endpoint
// accepts.
func (f *Fake) ClientID() string     { return f.opts.ClientID }
func (f *Fake) ClientSecret() string { return f.opts.ClientSecret }

// AccessToken is the newest access token the fake issued.
func (f *Fake) AccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.AccessToken
	}
	return "pina-" + strconv.Itoa(f.issued)
}

// RefreshToken is the newest refresh token the fake issued.
func (f *Fake) RefreshToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.RefreshToken
	}
	return "pinr-" + strconv.Itoa(f.issued)
}

// Refreshes counts the refreshes the fake granted.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		tok, ok := strings.CutPrefix(c.R.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		exp, known := f.access[tok]
		f.mu.Unlock()
		if !ok || !known || !f.opts.Now().Before(exp) {
			c.Reply(http.StatusUnauthorized, map[string]any{"code": 2, "message": "Authentication failed."})
			return
		}
		h(c)
	}
}

func (f *Fake) pinJSON(p platformtest.Post) map[string]any {
	out := map[string]any{"id": p.ID, "created_at": p.CreatedAt.UTC().Format("2006-01-02T15:04:05"),
		"description": p.Text, "board_owner": map[string]any{"username": "herald"}}
	for _, k := range []string{"title", "link", "board_id", "board_section_id", "alt_text"} {
		out[k], _ = p.Fields[k].(string)
	}
	return out
}

func (f *Fake) createPin(c *platformtest.Call) {
	if b := c.String("board_id"); b != f.opts.Board {
		c.Reply(http.StatusNotFound, map[string]any{"code": 40, "message": "Board not found."})
		return
	}
	post := platformtest.Post{Text: c.String("description"), CreatedAt: f.opts.Now(), Fields: map[string]any{}}
	for _, k := range []string{"title", "link", "board_id", "board_section_id", "alt_text"} {
		post.Fields[k] = c.String(k)
	}
	alt := c.String("alt_text")
	st := c.String("media_source.source_type")
	post.Fields["source_type"] = st
	bad := func(msg string) { c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": msg}) }
	decode := func(path string) ([]byte, string, bool) {
		data, err := base64.StdEncoding.DecodeString(c.String(path + ".data"))
		ct := c.String(path + ".content_type")
		if err != nil || len(data) == 0 || !strings.HasPrefix(ct, "image/") {
			bad("Invalid parameters: " + path + " needs content_type image/* and base64 data.")
			return nil, "", false
		}
		return data, ct, true
	}
	switch st {
	case "image_base64":
		data, ct, ok := decode("media_source")
		if !ok {
			return
		}
		post.Media = []platformtest.MediaItem{{Type: ct, Alt: alt, Data: data}}
	case "multiple_image_base64":
		items, _ := c.JSON["media_source"].(map[string]any)["items"].([]any)
		n := len(items)
		if n < MinImages {
			bad(fmt.Sprintf("Invalid parameters: multiple_image_base64 takes %d to %d items, got %d.", MinImages, MaxImages, n))
			return
		}
		for i := range n {
			data, ct, ok := decode("media_source.items." + strconv.Itoa(i))
			if !ok {
				return
			}
			post.Media = append(post.Media, platformtest.MediaItem{Type: ct, Alt: alt, Data: data})
		}
	case "image_url":
		u, err := url.Parse(c.String("media_source.url"))
		if err != nil || u.Host == "" {
			bad("Invalid parameters: media_source.url is not a URL.")
			return
		}
		post.Media = []platformtest.MediaItem{{Type: "image/url", Alt: alt}}
		post.Fields["image_url"] = u.String()
	case "video_id":
		id := c.String("media_source.media_id")
		f.mu.Lock()
		m := f.media[id]
		ready := m != nil && m.uploaded && m.polls >= f.opts.ProcessingPolls && !f.opts.FailVideo
		f.mu.Unlock()
		if !ready {
			bad("Invalid parameters: media " + id + " is not a processed video.")
			return
		}
		ms, _ := c.JSON["media_source"].(map[string]any)
		if ms["cover_image_url"] == nil && ms["cover_image_key_frame_time"] == nil {
			bad("Invalid parameters: a video pin needs cover_image_url or cover_image_key_frame_time.")
			return
		}
		post.Media = []platformtest.MediaItem{{ID: id, Type: m.typ, Alt: alt, Data: m.data}}
	default:
		bad("Invalid parameters: media_source.source_type " + strconv.Quote(st) + " is not supported.")
		return
	}
	stored := f.Store.Add(post)
	c.Reply(http.StatusCreated, f.pinJSON(stored))
}

func (f *Fake) live(c *platformtest.Call) (platformtest.Post, bool) {
	p, ok := f.Store.Get(c.R.PathValue("id"))
	if !ok || p.Deleted {
		c.Reply(http.StatusNotFound, map[string]any{"code": 50, "message": "Pin not found."})
		return p, false
	}
	return p, true
}

func (f *Fake) getPin(c *platformtest.Call) {
	if p, ok := f.live(c); ok {
		c.Reply(http.StatusOK, f.pinJSON(p))
	}
}

func (f *Fake) patchPin(c *platformtest.Call) {
	p, ok := f.live(c)
	if !ok {
		return
	}
	if b, ok := c.JSON["board_id"].(string); ok && b != f.opts.Board {
		c.Reply(http.StatusNotFound, map[string]any{"code": 40, "message": "Board not found."})
		return
	}
	f.Store.Update(p.ID, func(p *platformtest.Post) {
		for k, v := range c.JSON {
			s, _ := v.(string)
			switch k {
			case "description":
				p.Text = s
			case "alt_text":
				p.Fields[k] = s
				for i := range p.Media {
					p.Media[i].Alt = s
				}
			case "title", "link", "board_id", "board_section_id":
				p.Fields[k] = s
			}
		}
		p.Edits++
	})
	p, _ = f.Store.Get(p.ID)
	c.Reply(http.StatusOK, f.pinJSON(p))
}

func (f *Fake) deletePin(c *platformtest.Call) {
	if p, ok := f.live(c); ok {
		f.Store.Delete(p.ID)
		c.Reply(http.StatusNoContent, nil)
	}
}

func (f *Fake) analytics(c *platformtest.Call) {
	q := c.R.URL.Query()
	start, err1 := time.Parse(time.DateOnly, q.Get("start_date"))
	end, err2 := time.Parse(time.DateOnly, q.Get("end_date"))
	if err1 != nil || err2 != nil || q.Get("metric_types") == "" {
		c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": "Invalid parameters: start_date, end_date and metric_types are required."})
		return
	}
	if end.Before(start) || f.opts.Now().Sub(start) > 90*24*time.Hour {
		c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": "Invalid parameters: start_date must be within the last 90 days and before end_date."})
		return
	}
	p, ok := f.live(c)
	if !ok {
		return
	}
	// As the spec's examples: window metrics in summary_metrics, the
	// lifetime comment and reaction counts in lifetime_metrics.
	sum, life := map[string]any{}, map[string]any{}
	for _, m := range strings.Split(q.Get("metric_types"), ",") {
		switch m {
		case "IMPRESSION":
			sum[m] = 40 + len(p.Text)
		case "SAVE":
			sum[m] = 3
		case "PIN_CLICK", "OUTBOUND_CLICK":
			sum[m] = 1
		case "TOTAL_COMMENTS", "TOTAL_REACTIONS":
			life[m] = 1
		default:
			c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": "Invalid parameters: unknown metric type " + m + "."})
			return
		}
	}
	c.Reply(http.StatusOK, map[string]any{"all": map[string]any{"summary_metrics": sum, "daily_metrics": []any{}, "lifetime_metrics": life}})
}

func (f *Fake) boardPins(c *platformtest.Call) {
	if c.R.PathValue("board") != f.opts.Board {
		c.Reply(http.StatusNotFound, map[string]any{"code": 40, "message": "Board not found."})
		return
	}
	size := 25
	if v := c.R.URL.Query().Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": "Invalid parameters: page_size must be 1 to 250."})
			return
		}
		size = n
	}
	posts := f.Posts()
	slices.Reverse(posts)
	from := 0
	if b := c.R.URL.Query().Get("bookmark"); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 0 || n > len(posts) {
			c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": "Invalid parameters: bookmark."})
			return
		}
		from = n
	}
	to := min(from+size, len(posts))
	items := []any{}
	for _, p := range posts[from:to] {
		items = append(items, f.pinJSON(p))
	}
	var bookmark any
	if to < len(posts) {
		bookmark = strconv.Itoa(to)
	}
	c.Reply(http.StatusOK, map[string]any{"items": items, "bookmark": bookmark})
}

// Seed implements platformtest.Seeder: n pins made in Pinterest's app.
func (f *Fake) Seed(n int, at time.Time) {
	for i := range n {
		f.Store.Add(platformtest.Post{Text: fmt.Sprintf("Seeded pin %d at %s", i, at.Format(time.RFC3339)), CreatedAt: at,
			Fields: map[string]any{"title": "", "link": "", "board_id": f.opts.Board, "source_type": "image_url"}})
	}
}

func (f *Fake) registerMedia(c *platformtest.Call) {
	if t := c.String("media_type"); t != "video" {
		c.Reply(http.StatusBadRequest, map[string]any{"code": 1, "message": "Invalid parameters: media_type must be video."})
		return
	}
	id := f.Store.NextID()
	params := map[string]string{"key": "uploads/" + id + "/video.mp4", "policy": "eyJleHBpcmF0aW9uIjoi", "x-amz-signature": "sig-" + id,
		"x-amz-algorithm": "AWS4-HMAC-SHA256", "Content-Type": "multipart/form-data"}
	f.mu.Lock()
	f.media[id] = &fakeMedia{params: params}
	f.mu.Unlock()
	c.Reply(http.StatusCreated, map[string]any{"media_id": id, "media_type": "video",
		"upload_url": "http://" + c.R.Host + "/v5/uploads/" + id, "upload_parameters": params})
}

func (f *Fake) upload(c *platformtest.Call) {
	id := c.R.PathValue("id")
	f.mu.Lock()
	m := f.media[id]
	f.mu.Unlock()
	if m == nil {
		c.Reply(http.StatusForbidden, nil)
		return
	}
	_, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	c.R.Body = http.NoBody
	r, err := newMultipart(c.Body, params["boundary"])
	if err != nil {
		c.Reply(http.StatusBadRequest, nil)
		return
	}
	for k, v := range m.params {
		if r.fields[k] != v {
			// S3 refuses a form without every signed field.
			c.Reply(http.StatusForbidden, nil)
			return
		}
	}
	if len(r.file) == 0 {
		c.Reply(http.StatusBadRequest, nil)
		return
	}
	f.mu.Lock()
	m.data, m.typ, m.uploaded = r.file, r.fileType, true
	f.mu.Unlock()
	c.Reply(http.StatusNoContent, nil)
}

func (f *Fake) mediaStatus(c *platformtest.Call) {
	id := c.R.PathValue("id")
	f.mu.Lock()
	m := f.media[id]
	status := "registered"
	if m != nil && m.uploaded {
		status = "processing"
		if m.polls >= f.opts.ProcessingPolls {
			status = "succeeded"
			if f.opts.FailVideo {
				status = "failed"
			}
		}
		m.polls++
	}
	f.mu.Unlock()
	if m == nil {
		c.Reply(http.StatusNotFound, map[string]any{"code": 50, "message": "Media not found."})
		return
	}
	c.Reply(http.StatusOK, map[string]any{"media_id": id, "media_type": "video", "status": status})
}

func (f *Fake) token(c *platformtest.Call) {
	user, pass, ok := c.R.BasicAuth()
	if !ok || user != f.opts.ClientID || pass != f.opts.ClientSecret {
		c.Reply(http.StatusUnauthorized, map[string]any{"code": 2, "message": "Authentication failed: the client credentials are wrong."})
		return
	}
	form, err := url.ParseQuery(string(c.Body))
	grant := form.Get("grant_type")
	if err != nil || (grant != "refresh_token" && grant != "authorization_code") {
		c.Reply(http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type", "error_description": "grant_type must be authorization_code or refresh_token"})
		return
	}
	now := f.opts.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	exp, known := f.refresh[form.Get("refresh_token")]
	if grant == "authorization_code" {
		exp, known = now.Add(time.Minute), form.Get("code") != "" && form.Get("redirect_uri") != ""
	}
	if !known || !now.Before(exp) {
		c.Reply(http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "The refresh token is invalid or has expired."})
		return
	}
	f.issued++
	f.refreshes++
	access, refresh := "pina-"+strconv.Itoa(f.issued), "pinr-"+strconv.Itoa(f.issued)
	f.access[access] = now.Add(f.opts.TokenTTL)
	f.refresh[refresh] = now.Add(60 * 24 * time.Hour)
	c.Reply(http.StatusOK, map[string]any{"access_token": access, "refresh_token": refresh, "response_type": "refresh_token",
		"token_type": "bearer", "expires_in": int(f.opts.TokenTTL / time.Second), "refresh_token_expires_in": 60 * 24 * 3600,
		"refresh_token_expires_at": now.Add(60 * 24 * time.Hour).Unix(), "scope": "boards:read,pins:read,pins:write"})
}

// form is a parsed multipart upload: its fields and its one file.
type form struct {
	fields   map[string]string
	file     []byte
	fileType string
}

func newMultipart(body []byte, boundary string) (*form, error) {
	out := &form{fields: map[string]string{}}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		if part.FileName() != "" {
			out.file, out.fileType = data, part.Header.Get("Content-Type")
			continue
		}
		out.fields[part.FormName()] = string(data)
	}
}
