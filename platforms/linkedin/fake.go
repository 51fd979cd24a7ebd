package linkedin

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

// FakeOptions configure a Fake: the author it serves and the credentials
// it accepts. Zero values get the defaults named on each field.
type FakeOptions struct {
	// Now is the fake's clock, for token expiry and quota resets.
	// Default: a fixed time.
	Now func() time.Time
	// Author is the URN the token may post as (default
	// "urn:li:person:8675309").
	Author string
	// Version is the LinkedIn-Version every call must send (default
	// DefaultVersion).
	Version string
	// AccessToken is the live token (default "li-access-0"); it lives
	// TokenTTL (default 60 days) from the fake's Now at start.
	AccessToken string
	TokenTTL    time.Duration
	// RefreshToken, when set, makes the account a partner's whose token
	// can be refreshed with ClientID and ClientSecret (defaults
	// "herald-client", "herald-client-secret"). The refresh token lives
	// RefreshTTL (default 365 days) from start and is not extended.
	RefreshToken string
	RefreshTTL   time.Duration
	ClientID     string
	ClientSecret string
	// ProcessingPolls is how many status reads an uploaded image stays
	// PROCESSING for (default 0).
	ProcessingPolls int
	// VideoPartSize is the size of each part of a video upload but the
	// last (default VideoPartSize, 4 MiB).
	VideoPartSize int64
	// VideoPolls is how many status reads a finalized video stays
	// PROCESSING for: 0 means 1, a negative number none.
	VideoPolls int
	// FailComments makes the Comments API answer 500.
	FailComments bool
	// IgnoreUpdates makes PARTIAL_UPDATE answer 204 and keep the old
	// text, as LinkedIn has been reported to do.
	IgnoreUpdates bool
}

// Fake is a contract fake of the LinkedIn REST API for the endpoints herald
// uses: POST/GET/DELETE /rest/posts, PARTIAL_UPDATE, the posts finder
// q=author, the Images API (initializeUpload, the upload URL, status),
// the Videos API (initializeUpload, the parts' upload URLs and their
// ETags, finalizeUpload, status; see fakevideo.go),
// the Comments API, organizationalEntityShareStatistics,
// memberCreatorPostAnalytics and the OAuth token endpoint. Every /rest
// call must carry the exact LinkedIn-Version and
// X-Restli-Protocol-Version: 2.0.0 headers and a live bearer token; an
// expired token gets LinkedIn's 401. URNs in paths must be URL-encoded.
//
// Commentary is little text: the fake records, as the post's Text, what
// LinkedIn would show, which is the text cut at the first reserved
// character that is not escaped (LinkedIn accepts such a post and
// truncates it silently); Fields["truncated"] says whether that
// happened and Fields["commentary"] holds the text as sent. Its length
// is counted with render.CountLinkedIn against 3000.
//
// LinkedIn answers a create with 201, an empty body and the URN in the
// x-restli-id header. The toolkit's handlers answer with bodies only, so
// the fake serves its API through a small proxy that moves the URN into
// the header. The toolkit's injected RateLimited fault carries a
// Retry-After that LinkedIn never sends; ExhaustQuota makes the fake
// answer the next create as LinkedIn does, 429 with no header at all.
// It imports no testing package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	r     platformtest.Reporter
	opts  FakeOptions
	front *httptest.Server

	mu        sync.Mutex
	access    map[string]time.Time
	refresh   string
	refreshAt time.Time
	issued    int
	refreshes int
	images    map[string]*fakeImage
	comments  map[string][]string // post URN -> comment texts, as shown
	exhausted bool

	videos       map[string]*fakeVideo
	videoOrder   []string
	partFaults   [][2]int // {part, status} for the next PUTs of that part
	videoFailure string   // processingFailureReason of the next video finalized
	partTokens   int      // part PUTs that carried an Authorization header
}

type fakeImage struct {
	owner string
	data  []byte
	typ   string
	polls int
	done  bool
}

// restliIDKey carries a created entity's URN from a handler to the proxy,
// which turns it into the x-restli-id header.
const restliIDKey = "__restli_id"

// NewFake starts a LinkedIn fake that lives until r's cleanup. Its URL()
// is what the adapter's BaseURL is set to; it ends in /rest, as
// LinkedIn's does. TokenURL() is its token endpoint.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.Author = cmp.Or(opts.Author, "urn:li:person:8675309")
	opts.Version = cmp.Or(opts.Version, DefaultVersion)
	opts.AccessToken = cmp.Or(opts.AccessToken, "li-access-0")
	opts.ClientID = cmp.Or(opts.ClientID, "herald-client")
	opts.ClientSecret = cmp.Or(opts.ClientSecret, "herald-client-secret")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 60 * 24 * time.Hour
	}
	if opts.VideoPartSize <= 0 {
		opts.VideoPartSize = VideoPartSize
	}
	if opts.VideoPolls == 0 {
		opts.VideoPolls = 1
	}
	if opts.RefreshTTL == 0 {
		opts.RefreshTTL = 365 * 24 * time.Hour
	}
	start := opts.Now()
	f := &Fake{r: r, opts: opts, access: map[string]time.Time{opts.AccessToken: start.Add(opts.TokenTTL)},
		refresh: opts.RefreshToken, refreshAt: start.Add(opts.RefreshTTL),
		images: map[string]*fakeImage{}, comments: map[string][]string{}, videos: map[string]*fakeVideo{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: "/rest/", Now: opts.Now,
		ErrorBody: func(status int, code, message string) any { return errorBody(status, 0, message) },
	})
	versioned := map[string]string{"LinkedIn-Version": opts.Version, "X-Restli-Protocol-Version": RestliProtocol}
	jsonBody := "application/json"
	f.Handle("POST /posts", platformtest.Contract{Header: versioned, ContentType: jsonBody, Create: true,
		Required: []string{"author", "commentary", "visibility", "distribution.feedDistribution", "lifecycleState"},
		Limits: []platformtest.Limit{{Path: "commentary", Max: MaxLength, Count: render.CountLinkedIn, Unit: "UTF-16 code units"},
			{Path: "content.multiImage.images", Max: MaxImages}}}, f.authed(f.createPost))
	finder := map[string]string{"X-RestLi-Method": "FINDER"}
	for k, v := range versioned {
		finder[k] = v
	}
	f.Handle("GET /posts", platformtest.Contract{Header: finder}, f.authed(f.findPosts))
	f.Handle("GET /posts/{urn}", platformtest.Contract{Header: versioned}, f.authed(f.keyed(f.getPost)))
	f.Handle("POST /posts/{urn}", platformtest.Contract{Header: versioned, ContentType: jsonBody, Required: []string{"patch.$set"}},
		f.authed(f.keyed(f.updatePost)))
	f.Handle("DELETE /posts/{urn}", platformtest.Contract{Header: versioned}, f.authed(f.keyed(f.deletePost)))
	f.Handle("POST /images", platformtest.Contract{Header: versioned, ContentType: jsonBody, Required: []string{"initializeUploadRequest.owner"}},
		f.authed(f.initializeUpload))
	f.Handle("GET /images/{urn}", platformtest.Contract{Header: versioned}, f.authed(f.keyed(f.imageStatus)))
	f.Handle("PUT /dms-uploads/{id}", platformtest.Contract{}, f.authed(f.uploadBytes))
	f.registerVideos(versioned)
	f.Handle("POST /socialActions/{urn}/comments", platformtest.Contract{Header: versioned, ContentType: jsonBody,
		Required: []string{"actor", "object", "message.text"}}, f.authed(f.keyed(f.comment)))
	f.Handle("GET /organizationalEntityShareStatistics", platformtest.Contract{Header: versioned}, f.authed(f.orgStats))
	f.Handle("GET /memberCreatorPostAnalytics", platformtest.Contract{Header: versioned}, f.authed(f.memberStats))
	f.Handle("POST /oauth/v2/accessToken", platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}, f.token)

	back, _ := url.Parse(f.Fake.URL())
	back.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(back)
	proxy.Transport = f.Fake.Client().Transport
	proxy.ModifyResponse = moveRestliID
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	f.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if f.takeExhausted(req) {
			// LinkedIn's daily quota: 429, no Retry-After, no rate-limit
			// headers.
			writeJSON(w, http.StatusTooManyRequests, errorBody(http.StatusTooManyRequests, 0, "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."))
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	r.Cleanup(f.front.Close)
	return f
}

// URL is the API's base URL, ending in /rest.
func (f *Fake) URL() string { return f.front.URL + "/rest" }

// TokenURL is the fake's OAuth token endpoint, for the token_url setting.
func (f *Fake) TokenURL() string { return f.front.URL + "/rest/oauth/v2/accessToken" }

// Client is an *http.Client for the fake.
func (f *Fake) Client() *http.Client { return f.front.Client() }

// Author is the URN the fake lets the token post as.
func (f *Fake) Author() string { return f.opts.Author }

// AccessToken returns the newest access token the fake issued.
func (f *Fake) AccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.AccessToken
	}
	return "li-access-" + strconv.Itoa(f.issued)
}

// Refreshes counts successful refreshes.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// ExpireAccessTokens makes every access token issued so far lapse, as 60
// days passing would.
func (f *Fake) ExpireAccessTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.access {
		f.access[k] = time.Time{}
	}
}

// RevokeRefreshToken makes the refresh token unusable.
func (f *Fake) RevokeRefreshToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh = ""
}

// ExhaustQuota makes the next create answer 429 as LinkedIn does when
// a daily quota is used up: no Retry-After, no rate-limit headers.
func (f *Fake) ExhaustQuota() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exhausted = true
}

// Comments returns the comments on a post, as LinkedIn shows them.
func (f *Fake) Comments(urn string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.comments[urn])
}

func (f *Fake) takeExhausted(req *http.Request) bool {
	if req.Method != http.MethodPost || req.URL.Path != "/rest/posts" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	was := f.exhausted
	f.exhausted = false
	return was
}

// errorBody is LinkedIn's error envelope.
func errorBody(status, serviceCode int, message string) map[string]any {
	body := map[string]any{"status": status, "message": message}
	if serviceCode != 0 {
		body["serviceErrorCode"] = serviceCode
	}
	return body
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// moveRestliID turns a handler's {"__restli_id": urn, "body": ...} into
// LinkedIn's answer: the URN in x-restli-id, and the body (empty for a
// post).
func moveRestliID(resp *http.Response) error {
	if resp.StatusCode != http.StatusCreated {
		return nil
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var env map[string]json.RawMessage
	if json.Unmarshal(data, &env) == nil {
		if raw, ok := env[restliIDKey]; ok {
			var id string
			json.Unmarshal(raw, &id)
			resp.Header.Set("X-Restli-Id", id)
			data = nil
			if b, ok := env["body"]; ok {
				data = b
			} else {
				resp.Header.Del("Content-Type")
			}
		}
	}
	resp.Body = io.NopCloser(strings.NewReader(string(data)))
	resp.ContentLength = int64(len(data))
	resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
	return nil
}

// authed wraps a handler with LinkedIn's bearer authentication: a missing
// header is a contract violation, an unknown token gets
// INVALID_ACCESS_TOKEN and an expired one EXPIRED_ACCESS_TOKEN.
func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		auth := c.R.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			f.r.Errorf("linkedin fake: contract violation: %s %s: no Bearer Authorization header", c.R.Method, c.R.URL.Path)
			c.Reply(http.StatusUnauthorized, map[string]any{"status": 401, "serviceErrorCode": 65604, "code": "EMPTY_ACCESS_TOKEN", "message": "Empty oauth2 access token"})
			return
		}
		f.mu.Lock()
		exp, known := f.access[tok]
		f.mu.Unlock()
		switch {
		case !known:
			c.Reply(http.StatusUnauthorized, map[string]any{"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"})
		case !f.opts.Now().Before(exp):
			c.Reply(http.StatusUnauthorized, map[string]any{"status": 401, "serviceErrorCode": 65601, "code": "EXPIRED_ACCESS_TOKEN", "message": "The token used in the request has expired"})
		default:
			h(c)
		}
	}
}

// keyed checks that the {urn} path key came URL-encoded, as LinkedIn
// requires, before the handler sees it.
func (f *Fake) keyed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		urn := c.R.PathValue("urn")
		if !strings.Contains(c.R.URL.EscapedPath(), url.QueryEscape(urn)) {
			f.r.Errorf("linkedin fake: contract violation: %s %s: the URN in the path is not URL-encoded", c.R.Method, c.R.URL.EscapedPath())
			c.Reply(http.StatusBadRequest, errorBody(http.StatusBadRequest, 100, "Syntax exception in path variables"))
			return
		}
		h(c)
	}
}

func (f *Fake) live(urn string) (platformtest.Post, bool) {
	p, ok := f.Store.Get(urn)
	return p, ok && !p.Deleted
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// createPost is POST /rest/posts.
func (f *Fake) createPost(c *platformtest.Call) {
	if author := c.String("author"); author != f.opts.Author {
		c.Reply(http.StatusForbidden, errorBody(http.StatusForbidden, 100, "Not enough permissions to access: partnerApiPostsExternal.CREATE.20240501"))
		return
	}
	if v := c.String("visibility"); !slices.Contains([]string{"PUBLIC", "CONNECTIONS", "LOGGED_IN"}, v) {
		c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, "ERROR :: /visibility :: \""+v+"\" is not an enum symbol"))
		return
	}
	if c.String("distribution.feedDistribution") != "MAIN_FEED" || c.String("lifecycleState") != "PUBLISHED" {
		c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, "ERROR :: /distribution/feedDistribution or /lifecycleState :: unsupported value"))
		return
	}
	if _, ok := c.JSON["isReshareDisabledByAuthor"].(bool); !ok {
		c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, "ERROR :: /isReshareDisabledByAuthor :: field is required but not found and has no default value"))
		return
	}
	var refs []map[string]any
	if m, ok := c.JSON["content"].(map[string]any); ok {
		if media, ok := m["media"].(map[string]any); ok {
			refs = append(refs, media)
		}
		if multi, ok := m["multiImage"].(map[string]any); ok {
			imgs, _ := multi["images"].([]any)
			if len(imgs) < 2 {
				c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, "ERROR :: /content/multiImage/images :: a multi-image post needs 2 to 20 images"))
				return
			}
			for _, x := range imgs {
				im, _ := x.(map[string]any)
				refs = append(refs, im)
			}
		}
	}
	var media []platformtest.MediaItem
	videoTitle := ""
	for _, ref := range refs {
		id, alt := str(ref["id"]), str(ref["altText"])
		if strings.HasPrefix(id, "urn:li:video:") {
			data, ok := f.availableVideo(id)
			if !ok || len(refs) > 1 {
				c.Reply(http.StatusBadRequest, errorBody(400, 0, "Invalid or unavailable media "+id))
				return
			}
			// LinkedIn shows a video with its title, and no alt text.
			videoTitle = str(ref["title"])
			media = append(media, platformtest.MediaItem{ID: id, Type: "video/mp4", Data: data})
			continue
		}
		if utf8.RuneCountInString(alt) > MaxAltText {
			c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, fmt.Sprintf("ERROR :: altText :: length exceeds %d", MaxAltText)))
			return
		}
		f.mu.Lock()
		img, ok := f.images[id]
		f.mu.Unlock()
		if !ok || !img.done || img.polls > 0 || img.owner != f.opts.Author {
			c.Reply(http.StatusBadRequest, errorBody(400, 0, "Invalid or unavailable media "+id))
			return
		}
		media = append(media, platformtest.MediaItem{ID: id, Type: img.typ, Alt: alt, Data: slices.Clone(img.data)})
	}
	raw := c.String("commentary")
	for _, p := range f.Store.Posts() {
		// LinkedIn's duplicate guard: a post whose commentary an
		// existing post of the author has is refused, naming it.
		if p.Fields["commentary"] == raw && raw != "" {
			c.Reply(http.StatusUnprocessableEntity, map[string]any{
				"errorDetailType": "com.linkedin.common.error.BadRequest",
				"message":         "com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of " + p.ID,
				"errorDetails": map[string]any{"inputErrors": []any{map[string]any{
					"description": "Duplicate post is detected", "input": map[string]any{}, "code": "DUPLICATE_POST"}}},
				"status": 422,
			})
			return
		}
	}
	shown, truncated := littleShown(raw)
	urn := "urn:li:share:" + strconv.Itoa(7100000000000000000+atoi(f.Store.NextID()))
	f.Store.Add(platformtest.Post{ID: urn, Text: shown, Media: media, URL: PostURL(urn), CreatedAt: f.opts.Now(),
		Fields: map[string]any{"commentary": raw, "truncated": truncated, "visibility": c.String("visibility"), "video_title": videoTitle}})
	c.Reply(http.StatusCreated, map[string]any{restliIDKey: urn})
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func postJSON(p platformtest.Post, author string) map[string]any {
	out := map[string]any{"id": p.ID, "author": author, "commentary": p.Fields["commentary"], "visibility": p.Fields["visibility"],
		"lifecycleState": "PUBLISHED", "createdAt": p.CreatedAt.UnixMilli(), "publishedAt": p.CreatedAt.UnixMilli()}
	var images []map[string]any
	for _, m := range p.Media {
		if strings.HasPrefix(m.ID, "urn:li:video:") {
			images = append(images, map[string]any{"id": m.ID, "title": p.Fields["video_title"]})
			continue
		}
		images = append(images, map[string]any{"id": m.ID, "altText": m.Alt})
	}
	switch len(images) {
	case 0:
	case 1:
		out["content"] = map[string]any{"media": images[0]}
	default:
		out["content"] = map[string]any{"multiImage": map[string]any{"images": images}}
	}
	return out
}

// findPosts is the posts finder, GET /rest/posts?q=author&author=...
// with X-RestLi-Method: FINDER: the author's posts newest first by
// sortBy (LAST_MODIFIED by default, or CREATED), count (default 10, at
// most 100) from start, with Rest.li paging.
func (f *Fake) findPosts(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("q") != "author" || q.Get("author") == "" {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Missing or unknown finder: q=author&author= is required"))
		return
	}
	if q.Get("author") != f.opts.Author {
		c.Reply(http.StatusForbidden, errorBody(403, 100, "Not enough permissions to access: partnerApiPostsExternal.FINDER-author.20240501"))
		return
	}
	n, start := 10, 0
	for _, p := range []struct {
		key      string
		dst      *int
		min, max int
	}{{"count", &n, 1, 100}, {"start", &start, 0, 1 << 30}} {
		if v := q.Get(p.key); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil || x < p.min || x > p.max {
				c.Reply(http.StatusBadRequest, errorBody(400, 0, fmt.Sprintf("%s must be between %d and %d", p.key, p.min, p.max)))
				return
			}
			*p.dst = x
		}
	}
	sortBy := cmp.Or(q.Get("sortBy"), "LAST_MODIFIED")
	if sortBy != "LAST_MODIFIED" && sortBy != "CREATED" {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "sortBy must be LAST_MODIFIED or CREATED"))
		return
	}
	// The fake keeps no modification time: both orders are by creation.
	posts := f.Store.Posts()
	slices.Reverse(posts)
	slices.SortStableFunc(posts, func(a, b platformtest.Post) int { return b.CreatedAt.Compare(a.CreatedAt) })
	elements := []map[string]any{}
	for _, p := range posts[min(start, len(posts)):min(start+n, len(posts))] {
		elements = append(elements, postJSON(p, f.opts.Author))
	}
	paging := map[string]any{"start": start, "count": n, "total": len(posts), "links": []any{}}
	if start+n < len(posts) {
		next := *c.R.URL
		nq := next.Query()
		nq.Set("start", strconv.Itoa(start+n))
		next.RawQuery = nq.Encode()
		paging["links"] = []any{map[string]any{"rel": "next", "type": "application/json", "href": next.RequestURI()}}
	}
	c.Reply(http.StatusOK, map[string]any{"elements": elements, "paging": paging})
}

// Seed adds n posts the author made in the app, created at at, each with
// a text of its own, so that a test holds a busy author
// (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		urn := "urn:li:share:" + strconv.Itoa(7100000000000000000+atoi(f.Store.NextID()))
		text := "Posted from the app, " + urn
		f.Store.Add(platformtest.Post{ID: urn, Text: text, URL: PostURL(urn), CreatedAt: at,
			Fields: map[string]any{"commentary": text, "truncated": false, "visibility": "PUBLIC"}})
	}
}

// PostInApp adds a post with text, as if written in LinkedIn's app at
// at: the app does not stop a member repeating an earlier post's text,
// which the API's duplicate guard refuses.
func (f *Fake) PostInApp(text string, at time.Time) string {
	urn := "urn:li:share:" + strconv.Itoa(7100000000000000000+atoi(f.Store.NextID()))
	f.Store.Add(platformtest.Post{ID: urn, Text: text, URL: PostURL(urn), CreatedAt: at,
		Fields: map[string]any{"commentary": text, "truncated": false, "visibility": "PUBLIC"}})
	return urn
}

func (f *Fake) getPost(c *platformtest.Call) {
	p, ok := f.live(c.R.PathValue("urn"))
	if !ok {
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found"))
		return
	}
	c.Reply(http.StatusOK, postJSON(p, f.opts.Author))
}

// updatePost is POST /rest/posts/{urn} with X-RestLi-Method:
// PARTIAL_UPDATE.
func (f *Fake) updatePost(c *platformtest.Call) {
	if m := c.R.Header.Get("X-RestLi-Method"); m != "PARTIAL_UPDATE" {
		f.r.Errorf("linkedin fake: contract violation: POST %s without X-RestLi-Method: PARTIAL_UPDATE (got %q)", c.R.URL.Path, m)
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Unsupported method: X-RestLi-Method must be PARTIAL_UPDATE"))
		return
	}
	set, _ := c.JSON["patch"].(map[string]any)["$set"].(map[string]any)
	raw, ok := set["commentary"].(string)
	if !ok {
		c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, "ERROR :: /patch/$set :: only commentary may be set"))
		return
	}
	if n := render.CountLinkedIn(raw); n > MaxLength {
		c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, fmt.Sprintf("commentary is %d UTF-16 code units, the limit is %d", n, MaxLength)))
		return
	}
	urn := c.R.PathValue("urn")
	ok = f.Store.Update(urn, func(p *platformtest.Post) {
		if f.opts.IgnoreUpdates {
			return
		}
		shown, truncated := littleShown(raw)
		p.Text = shown
		p.Fields["commentary"], p.Fields["truncated"] = raw, truncated
		p.Edits++
	})
	if !ok {
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found"))
		return
	}
	c.Reply(http.StatusNoContent, nil)
}

// deletePost is DELETE /rest/posts/{urn}; LinkedIn's deletes are
// idempotent, but a post that was never there is a 404.
func (f *Fake) deletePost(c *platformtest.Call) {
	urn := c.R.PathValue("urn")
	p, ok := f.Store.Get(urn)
	if !ok {
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found"))
		return
	}
	if !p.Deleted {
		f.Store.Delete(urn)
	}
	c.Reply(http.StatusNoContent, nil)
}

// initializeUpload is POST /rest/images?action=initializeUpload.
func (f *Fake) initializeUpload(c *platformtest.Call) {
	if c.R.URL.Query().Get("action") != "initializeUpload" {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Unknown action"))
		return
	}
	owner := c.String("initializeUploadRequest.owner")
	if owner != f.opts.Author {
		c.Reply(http.StatusForbidden, errorBody(403, 100, "Not enough permissions to upload on behalf of "+owner))
		return
	}
	n := f.Store.NextID()
	urn := "urn:li:image:D4E10AQ" + n
	f.mu.Lock()
	f.images[urn] = &fakeImage{owner: owner, polls: f.opts.ProcessingPolls}
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]any{"value": map[string]any{
		"uploadUrlExpiresAt": f.opts.Now().Add(time.Hour).UnixMilli(),
		"uploadUrl":          f.URL() + "/dms-uploads/" + n + "?ca=vector_feedshare&cn=uploads&m=AQJfake" + n + "sig&app=1&sync=0&v=beta",
		"image":              urn,
	}})
}

// uploadBytes is the PUT to an upload URL.
func (f *Fake) uploadBytes(c *platformtest.Call) {
	urn := "urn:li:image:D4E10AQ" + c.R.PathValue("id")
	if !strings.Contains(c.R.URL.RawQuery, "m=AQJfake"+c.R.PathValue("id")+"sig") {
		c.Reply(http.StatusForbidden, nil)
		return
	}
	f.mu.Lock()
	img, ok := f.images[urn]
	if ok {
		img.data, img.done = slices.Clone(c.Body), true
		img.typ = http.DetectContentType(c.Body)
	}
	f.mu.Unlock()
	if !ok || len(c.Body) == 0 {
		c.Reply(http.StatusBadRequest, nil)
		return
	}
	c.Reply(http.StatusCreated, nil)
}

// imageStatus is GET /rest/images/{urn}.
func (f *Fake) imageStatus(c *platformtest.Call) {
	urn := c.R.PathValue("urn")
	f.mu.Lock()
	img, ok := f.images[urn]
	status := "WAITING_UPLOAD"
	if ok && img.done {
		status = "AVAILABLE"
		if img.polls > 0 {
			img.polls--
			status = "PROCESSING"
		}
	}
	f.mu.Unlock()
	if !ok {
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found"))
		return
	}
	c.Reply(http.StatusOK, map[string]any{"id": urn, "owner": img.owner, "status": status})
}

// SetFailComments turns the Comments API's 500 (FakeOptions.FailComments)
// on or off.
func (f *Fake) SetFailComments(on bool) {
	f.mu.Lock()
	f.opts.FailComments = on
	f.mu.Unlock()
}

// comment is POST /rest/socialActions/{urn}/comments.
func (f *Fake) comment(c *platformtest.Call) {
	urn := c.R.PathValue("urn")
	f.mu.Lock()
	failing := f.opts.FailComments
	f.mu.Unlock()
	if failing {
		c.Reply(http.StatusInternalServerError, errorBody(500, 0, "Internal Server Error"))
		return
	}
	if c.String("object") != urn || c.String("actor") != f.opts.Author {
		c.Reply(http.StatusUnprocessableEntity, errorBody(422, 0, "object must be the post in the path and actor the authenticated author"))
		return
	}
	if _, ok := f.live(urn); !ok {
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found"))
		return
	}
	shown, _ := littleShown(c.String("message.text"))
	f.mu.Lock()
	f.comments[urn] = append(f.comments[urn], shown)
	n := len(f.comments[urn])
	f.mu.Unlock()
	id := "urn:li:comment:(" + urn + "," + strconv.Itoa(n) + ")"
	c.Reply(http.StatusCreated, map[string]any{restliIDKey: id, "body": map[string]any{
		"$URN": id, "actor": f.opts.Author, "object": urn, "message": map[string]string{"text": c.String("message.text")}}})
}

// restliListParam reads a Rest.li 2.0 list query parameter from the raw
// query: key=List(urn%3A...,...). A list whose parentheses were
// percent-encoded is not a list to Rest.li.
func restliListParam(rawQuery, key string) ([]string, bool) {
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k != key {
			continue
		}
		inner, ok := strings.CutPrefix(v, "List(")
		if !ok || !strings.HasSuffix(inner, ")") {
			return nil, false
		}
		var out []string
		for _, item := range strings.Split(strings.TrimSuffix(inner, ")"), ",") {
			u, err := url.QueryUnescape(item)
			if err != nil || !strings.HasPrefix(u, "urn:li:") {
				return nil, false
			}
			out = append(out, u)
		}
		return out, true
	}
	return nil, false
}

// fakeStats are the fake's fixed statistics of a live post.
var fakeStats = map[string]int{"REACTION": 7, "COMMENT": 2, "RESHARE": 1, "IMPRESSION": 120}

// orgStats is GET /rest/organizationalEntityShareStatistics.
func (f *Fake) orgStats(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("q") != "organizationalEntity" || q.Get("organizationalEntity") != f.opts.Author || !strings.HasPrefix(f.opts.Author, "urn:li:organization:") {
		c.Reply(http.StatusForbidden, errorBody(403, 100, "Not enough permissions to access: organizationalEntityShareStatistics.FINDER-organizationalEntity"))
		return
	}
	key := "shares"
	urns, ok := restliListParam(c.R.URL.RawQuery, key)
	if !ok {
		key = "ugcPosts"
		urns, ok = restliListParam(c.R.URL.RawQuery, key)
	}
	if !ok {
		f.r.Errorf("linkedin fake: contract violation: GET %s?%s: shares or ugcPosts is not a Rest.li List(...) of encoded URNs", c.R.URL.Path, c.R.URL.RawQuery)
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Invalid query parameter"))
		return
	}
	var elements []map[string]any
	for _, urn := range urns {
		if _, ok := f.live(urn); !ok {
			c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found: "+urn))
			return
		}
		el := map[string]any{"organizationalEntity": f.opts.Author, "totalShareStatistics": map[string]any{
			"likeCount": fakeStats["REACTION"], "commentCount": fakeStats["COMMENT"], "shareCount": fakeStats["RESHARE"],
			"impressionCount": fakeStats["IMPRESSION"], "uniqueImpressionsCount": 95, "clickCount": 11, "engagement": 0.17}}
		el[strings.TrimSuffix(key, "s")] = urn
		elements = append(elements, el)
	}
	c.Reply(http.StatusOK, map[string]any{"elements": elements, "paging": map[string]any{"start": 0, "count": 10}})
}

// memberStats is GET /rest/memberCreatorPostAnalytics?q=entity.
func (f *Fake) memberStats(c *platformtest.Call) {
	raw := c.R.URL.RawQuery
	var entity, queryType string
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "entity":
			entity = v
		case "queryType":
			queryType = v
		}
	}
	q := c.R.URL.Query()
	inner, ok := strings.CutPrefix(entity, "(share:")
	if !ok {
		inner, ok = strings.CutPrefix(entity, "(ugc:")
	}
	urn, err := url.QueryUnescape(strings.TrimSuffix(inner, ")"))
	if q.Get("q") != "entity" || !ok || !strings.HasSuffix(inner, ")") || err != nil || !strings.HasPrefix(urn, "urn:li:") {
		f.r.Errorf("linkedin fake: contract violation: GET %s?%s: entity must be (share:<encoded urn>) or (ugc:<encoded urn>)", c.R.URL.Path, raw)
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Invalid query parameter entity"))
		return
	}
	count, known := fakeStats[queryType]
	if !known && queryType != "MEMBERS_REACHED" {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Invalid queryType "+queryType))
		return
	}
	if !strings.HasPrefix(f.opts.Author, "urn:li:person:") {
		c.Reply(http.StatusForbidden, errorBody(403, 100, "Not enough permissions to access: memberCreatorPostAnalytics"))
		return
	}
	if _, ok := f.live(urn); !ok {
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found: "+urn))
		return
	}
	c.Reply(http.StatusOK, map[string]any{"elements": []map[string]any{{"count": count, "metricType": map[string]string{"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": queryType}}},
		"paging": map[string]any{"start": 0, "count": 10}})
}

// token is POST /oauth/v2/accessToken with grant_type=refresh_token.
// LinkedIn does not extend the refresh token: its expiry stays that of
// the first authorization.
func (f *Fake) token(c *platformtest.Call) {
	form, _ := url.ParseQuery(string(c.Body))
	if form.Get("grant_type") != "refresh_token" {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "grant_type is not supported"})
		return
	}
	if form.Get("client_id") != f.opts.ClientID || form.Get("client_secret") != f.opts.ClientSecret {
		c.Reply(http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	}
	now := f.opts.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refresh == "" || form.Get("refresh_token") != f.refresh || !now.Before(f.refreshAt) {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The provided authorization grant or refresh token is invalid, expired or revoked"})
		return
	}
	f.issued++
	f.refreshes++
	access := "li-access-" + strconv.Itoa(f.issued)
	f.access[access] = now.Add(f.opts.TokenTTL)
	c.Reply(http.StatusOK, map[string]any{"access_token": access, "expires_in": int(f.opts.TokenTTL / time.Second),
		"refresh_token": f.refresh, "refresh_token_expires_in": int(f.refreshAt.Sub(now) / time.Second),
		"scope": "r_basicprofile,w_member_social"})
}
