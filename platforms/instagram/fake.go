package instagram

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/internal/metagraph"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeOptions configure a Fake. Zero values get the defaults named on
// each field.
type FakeOptions struct {
	// Now is the fake's clock. Default: a fixed time.
	Now func() time.Time
	// UserID and Username are the account's (defaults "17841400000000002",
	// "herald_test").
	UserID, Username string
	// AccessToken is the live long-lived token (default "ig-token-0"). It
	// expires TokenTTL after it was issued (default 60 days) and was issued
	// TokenAge before the fake's Now at start (default 10 days).
	AccessToken string
	TokenTTL    time.Duration
	TokenAge    time.Duration
	// VideoPolls is how many status checks a video container stays
	// IN_PROGRESS for (default 0: FINISHED at once).
	VideoPolls int
	// Fetch fetches a media URL as Meta's crawler would. nil takes the
	// type from the URL's extension and records no bytes. An error makes
	// the container ERROR.
	Fetch func(rawURL string) (data []byte, contentType string, err error)
	// Quota is the posts the account may publish through the API in 24
	// hours (default 50), which content_publishing_limit reports and
	// media_publish enforces.
	Quota int
	// Usage is the percentage X-App-Usage reports (default 5).
	Usage int
}

// Fake is a contract fake of the Instagram API with Instagram Login
// (graph.instagram.com) for the endpoints herald uses: POST
// /{ig-user-id}/media (image, REELS, carousel items and CAROUSEL), GET
// /{container-id}?fields=status_code, POST /{ig-user-id}/media_publish,
// GET /{ig-user-id}/content_publishing_limit, GET /{ig-media-id}, GET
// /{ig-user-id}/media, GET /{ig-media-id}/insights, GET /me, and the
// token endpoints GET /refresh_access_token and GET /access_token. It has
// no delete and no edit route, as the API has none: a request to one
// fails the test. Every call needs a live token as the access_token query
// parameter; an expired one gets code 190. It takes JPEG images only,
// caps captions (2,200 characters, 30 hashtags, 20 mentions) and
// carousels (2 to 10 items), refuses to publish a container that is not
// FINISHED, enforces the publishing limit (code 9), and answers in
// Meta's error envelope. It imports no testing package, so herald demo
// can run it.
type Fake struct {
	*platformtest.Fake

	r    platformtest.Reporter
	opts FakeOptions

	mu         sync.Mutex
	tokens     map[string]fakeToken
	issued     int
	containers map[string]*fakeContainer
}

type fakeToken struct{ issued, expiry time.Time }

type fakeContainer struct {
	id, mediaType, caption, mediaURL, alt string
	carouselItem                          bool
	children                              []string
	status, reason                        string
	polls                                 int
	item                                  platformtest.MediaItem
}

const (
	fakeBase    = "/instagram-fake/"
	fakeVersion = "v25.0"
)

// NewFake starts an Instagram fake that lives until r's cleanup. APIURL is
// the adapter's BaseURL and AuthURL its auth_base_url.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.UserID = cmpOr(opts.UserID, "17841400000000002")
	opts.Username = cmpOr(opts.Username, "herald_test")
	opts.AccessToken = cmpOr(opts.AccessToken, "ig-token-0")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = TokenLifetime
	}
	if opts.TokenAge == 0 {
		opts.TokenAge = 10 * 24 * time.Hour
	}
	if opts.Quota == 0 {
		opts.Quota = 50
	}
	if opts.Usage == 0 {
		opts.Usage = 5
	}
	issued := opts.Now().Add(-opts.TokenAge)
	f := &Fake{r: r, opts: opts, containers: map[string]*fakeContainer{},
		tokens: map[string]fakeToken{opts.AccessToken: {issued: issued, expiry: issued.Add(opts.TokenTTL)}}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: fakeBase, Now: opts.Now, ErrorBody: metagraph.FaultBody,
		Headers: func(h http.Header) {
			h.Set(metagraph.HeaderAppUsage, fmt.Sprintf(`{"call_count":%d,"total_cputime":1,"total_time":1}`, opts.Usage))
		},
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set(metagraph.HeaderAppUsage, `{"call_count":100,"total_cputime":20,"total_time":20}`)
		},
	})
	form := platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}
	v := fakeVersion + "/"
	f.Handle("GET refresh_access_token", platformtest.Contract{}, f.refresh)
	f.Handle("GET access_token", platformtest.Contract{}, f.exchange)
	f.Handle("GET "+v+"me", platformtest.Contract{}, f.authed(f.me))
	f.Handle("POST "+v+"{uid}/media", form, f.authed(f.createContainer))
	f.Handle("POST "+v+"{uid}/media_publish", platformtest.Contract{ContentType: form.ContentType, Create: true}, f.authed(f.publish))
	f.Handle("GET "+v+"{uid}/content_publishing_limit", platformtest.Contract{}, f.authed(f.publishingLimit))
	f.Handle("GET "+v+"{uid}/media", platformtest.Contract{}, f.authed(f.listMedia))
	f.Handle("GET "+v+"{id}", platformtest.Contract{}, f.authed(f.getObject))
	f.Handle("GET "+v+"{id}/insights", platformtest.Contract{}, f.authed(f.insights))
	return f
}

// APIURL is the versioned API base, the adapter's Settings.BaseURL.
func (f *Fake) APIURL() string { return f.URL() + "/" + fakeVersion }

// AuthURL is the token endpoints' base, the adapter's auth_base_url.
func (f *Fake) AuthURL() string { return f.URL() }

// UserID is the account's ID.
func (f *Fake) UserID() string { return f.opts.UserID }

// AccessToken returns the newest token the fake issued.
func (f *Fake) AccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.AccessToken
	}
	return "ig-token-" + strconv.Itoa(f.issued)
}

// ExpireTokens makes every token issued so far lapse.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, t := range f.tokens {
		t.expiry = f.opts.Now().Add(-time.Hour)
		f.tokens[k] = t
	}
}

// ContainerStatuses returns each container's status by ID.
func (f *Fake) ContainerStatuses() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for id, c := range f.containers {
		out[id] = c.status
	}
	return out
}

func param(c *platformtest.Call, message string) {
	c.Reply(http.StatusBadRequest, metagraph.Error("IGApiException", 100, 0, message))
}

func (f *Fake) tokenProblem(tok string) (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[tok]
	switch {
	case !ok:
		return "Invalid OAuth access token - Cannot parse access token", 0
	case !f.opts.Now().Before(t.expiry):
		return "Error validating access token: Session has expired on " + t.expiry.Format("Monday, 02-Jan-06 15:04:05 MST") + ".", 463
	}
	return "", 0
}

func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		tok := c.R.URL.Query().Get("access_token")
		if tok == "" {
			f.r.Errorf("instagram fake: contract violation: %s %s: no access_token query parameter", c.R.Method, c.R.URL.Path)
			c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 104, 0, "An access token is required to request this resource."))
			return
		}
		if msg, sub := f.tokenProblem(tok); msg != "" {
			c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 190, sub, msg))
			return
		}
		h(c)
	}
}

// refresh is GET /refresh_access_token?grant_type=ig_refresh_token: a
// live token at least a day old gets a new one valid TokenTTL.
func (f *Fake) refresh(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("grant_type") != "ig_refresh_token" {
		param(c, "Unsupported grant_type: "+q.Get("grant_type"))
		return
	}
	tok := q.Get("access_token")
	if msg, sub := f.tokenProblem(tok); msg != "" {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 190, sub, msg))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.opts.Now()
	if now.Sub(f.tokens[tok].issued) < RefreshMinAge {
		param(c, "The access token must be at least 24 hours old to be refreshed.")
		return
	}
	f.issued++
	nt := "ig-token-" + strconv.Itoa(f.issued)
	f.tokens[nt] = fakeToken{issued: now, expiry: now.Add(f.opts.TokenTTL)}
	c.Reply(http.StatusOK, map[string]any{"access_token": nt, "token_type": "bearer", "expires_in": int(f.opts.TokenTTL / time.Second)})
}

// exchange is GET /access_token?grant_type=ig_exchange_token: the
// short-lived token "ig-short-token" becomes a long-lived one.
func (f *Fake) exchange(c *platformtest.Call) {
	q := c.R.URL.Query()
	switch {
	case q.Get("grant_type") != "ig_exchange_token":
		param(c, "Unsupported grant_type: "+q.Get("grant_type"))
	case q.Get("client_secret") == "":
		param(c, "Missing client_secret")
	case q.Get("access_token") != "ig-short-token":
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 190, 0, "Invalid OAuth access token - Cannot parse access token"))
	default:
		f.mu.Lock()
		now := f.opts.Now()
		f.issued++
		nt := "ig-token-" + strconv.Itoa(f.issued)
		f.tokens[nt] = fakeToken{issued: now, expiry: now.Add(f.opts.TokenTTL)}
		f.mu.Unlock()
		c.Reply(http.StatusOK, map[string]any{"access_token": nt, "token_type": "bearer", "expires_in": int(f.opts.TokenTTL / time.Second)})
	}
}

func (f *Fake) me(c *platformtest.Call) {
	c.Reply(http.StatusOK, map[string]string{"id": "app-scoped-" + f.opts.UserID, "user_id": f.opts.UserID, "username": f.opts.Username})
}

func (f *Fake) ownUser(c *platformtest.Call) bool {
	if uid := c.R.PathValue("uid"); uid != f.opts.UserID {
		c.Reply(http.StatusBadRequest, metagraph.NoSuchObject(strings.ToLower(c.R.Method), uid))
		return false
	}
	return true
}

func (f *Fake) newID() string {
	n, _ := strconv.Atoi(f.Store.NextID())
	return strconv.FormatInt(17900000000000000+int64(n), 10)
}

// createContainer is POST /{ig-user-id}/media.
func (f *Fake) createContainer(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	form, err := url.ParseQuery(string(c.Body))
	if err != nil {
		param(c, "The request body is not a valid form")
		return
	}
	ct := &fakeContainer{mediaType: form.Get("media_type"), caption: form.Get("caption"), alt: form.Get("alt_text"),
		carouselItem: form.Get("is_carousel_item") == "true"}
	switch ct.mediaType {
	case "", "IMAGE":
		ct.mediaType, ct.mediaURL = "IMAGE", form.Get("image_url")
	case "REELS":
		ct.mediaURL = form.Get("video_url")
		if ct.carouselItem {
			param(c, "A carousel item that is a video has media_type VIDEO.")
			return
		}
	case "VIDEO":
		ct.mediaURL = form.Get("video_url")
		if !ct.carouselItem {
			param(c, "The VIDEO media type is only for carousel items; a single video is published as REELS.")
			return
		}
	case "CAROUSEL":
	default:
		param(c, "Invalid media_type: "+ct.mediaType)
		return
	}
	if ct.carouselItem && ct.caption != "" {
		param(c, "Carousel items have no caption; the caption goes on the CAROUSEL container.")
		return
	}
	if ct.alt != "" && ct.mediaType != "IMAGE" {
		param(c, "alt_text is supported for images only.")
		return
	}
	if utf8.RuneCountInString(ct.alt) > MaxAltText {
		param(c, "Param alt_text is too long.")
		return
	}
	if utf8.RuneCountInString(ct.caption) > MaxCaption {
		c.Reply(http.StatusBadRequest, metagraph.Error("IGApiException", 100, 2207035, fmt.Sprintf("The caption is longer than %d characters.", MaxCaption)))
		return
	}
	if tags, mentions := Counts(ct.caption); tags > MaxHashtags || mentions > MaxMentions {
		c.Reply(http.StatusBadRequest, metagraph.Error("IGApiException", 100, 2207028, "The caption has more than 30 hashtags or 20 mentions."))
		return
	}
	if ct.mediaType != "CAROUSEL" {
		if u, err := url.Parse(ct.mediaURL); ct.mediaURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			param(c, "The media URL is missing or not a public URL: "+ct.mediaURL)
			return
		}
	}
	ct.status = StatusFinished
	f.mu.Lock()
	if ct.mediaType == "CAROUSEL" {
		ct.children = strings.Split(form.Get("children"), ",")
		if form.Get("children") == "" || len(ct.children) < 2 || len(ct.children) > MaxCarousel {
			f.mu.Unlock()
			param(c, fmt.Sprintf("A carousel needs 2 to %d children.", MaxCarousel))
			return
		}
		for _, id := range ct.children {
			child, ok := f.containers[id]
			if !ok || !child.carouselItem || child.status != StatusFinished {
				f.mu.Unlock()
				param(c, "Child "+id+" is not a finished carousel item container.")
				return
			}
		}
	}
	f.mu.Unlock()
	if ct.mediaURL != "" {
		ct.item = f.fetch(ct.mediaURL, ct.alt)
		switch {
		case ct.item.Type == "":
			ct.status, ct.reason = StatusError, "Error: Media download has failed. The media URI doesn't meet our requirements. (2207052)"
		case ct.mediaType == "IMAGE" && ct.item.Type != "image/jpeg":
			ct.status, ct.reason = StatusError, "Error: The image format is not supported. Only JPEG is supported. (2207026)"
		case ct.mediaType != "IMAGE" && !videoTypes[ct.item.Type]:
			ct.status, ct.reason = StatusError, "Error: The video format is not supported. (2207026)"
		}
	}
	ct.id = f.newID()
	f.mu.Lock()
	if ct.status == StatusFinished && ct.mediaType != "IMAGE" && ct.mediaType != "CAROUSEL" && f.opts.VideoPolls > 0 {
		ct.status, ct.polls = StatusInProgress, f.opts.VideoPolls
	}
	f.containers[ct.id] = ct
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]string{"id": ct.id})
}

func (f *Fake) fetch(rawURL, alt string) platformtest.MediaItem {
	item := platformtest.MediaItem{Alt: alt}
	if f.opts.Fetch == nil {
		u, _ := url.Parse(rawURL)
		item.Type = mime.TypeByExtension(path.Ext(u.Path))
		return item
	}
	data, typ, err := f.opts.Fetch(rawURL)
	if err != nil {
		return item
	}
	item.Data, item.Type = data, cmpOr(typ, http.DetectContentType(data))
	return item
}

// usage counts the posts published through the API in the 24 hours
// before the fake's now.
func (f *Fake) usage() int {
	since, n := f.opts.Now().Add(-24*time.Hour), 0
	for _, p := range f.Store.Posts() {
		if app, _ := p.Fields["app"].(bool); !app && !p.CreatedAt.Before(since) {
			n++
		}
	}
	return n
}

// publish is POST /{ig-user-id}/media_publish with creation_id.
func (f *Fake) publish(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	form, _ := url.ParseQuery(string(c.Body))
	id := form.Get("creation_id")
	if id == "" {
		param(c, "The parameter creation_id is required.")
		return
	}
	f.mu.Lock()
	ct, ok := f.containers[id]
	switch {
	case !ok:
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, metagraph.NoSuchObject("post", id))
		return
	case ct.carouselItem:
		f.mu.Unlock()
		param(c, "A carousel item cannot be published on its own.")
		return
	case ct.status == StatusInProgress:
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 9007, 2207027, "Media ID is not available: The media is not ready for publishing, please wait for a moment"))
		return
	case ct.status != StatusFinished:
		status := ct.status
		f.mu.Unlock()
		param(c, "The container "+id+" cannot be published: its status is "+status+".")
		return
	}
	if f.usage() >= f.opts.Quota {
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 9, 2207042, "Application request limit reached: the account has reached its limit of API-published posts in 24 hours"))
		return
	}
	var media []platformtest.MediaItem
	if ct.mediaType == "CAROUSEL" {
		for _, cid := range ct.children {
			media = append(media, f.containers[cid].item)
		}
	} else {
		media = append(media, ct.item)
	}
	ct.status = StatusPublished
	f.mu.Unlock()
	mediaID := f.newID()
	shortcode := "C" + mediaID
	kind := "/p/"
	if ct.mediaType == "REELS" {
		kind = "/reel/"
	}
	f.Store.Add(platformtest.Post{ID: mediaID, Text: ct.caption, Media: media, CreatedAt: f.opts.Now(),
		URL:    "https://www.instagram.com" + kind + shortcode + "/",
		Fields: map[string]any{"media_type": ct.mediaType, "container_id": id, "shortcode": shortcode}})
	c.Reply(http.StatusOK, map[string]string{"id": mediaID})
}

// publishingLimit is GET /{ig-user-id}/content_publishing_limit.
func (f *Fake) publishingLimit(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	out := map[string]any{}
	fields := strings.Split(cmpOr(c.R.URL.Query().Get("fields"), "quota_usage"), ",")
	for _, fl := range fields {
		switch fl {
		case "quota_usage":
			out[fl] = f.usage()
		case "config":
			out[fl] = map[string]int{"quota_total": f.opts.Quota, "quota_duration": 86400}
		default:
			param(c, "Tried accessing nonexisting field ("+fl+") on node type (ContentPublishingLimit)")
			return
		}
	}
	c.Reply(http.StatusOK, map[string]any{"data": []any{out}})
}

func (f *Fake) mediumJSON(p platformtest.Post, fields []string) map[string]any {
	out := map[string]any{"id": p.ID}
	for _, fl := range fields {
		switch fl {
		case "caption":
			if p.Text != "" {
				out["caption"] = p.Text
			}
		case "timestamp":
			out["timestamp"] = p.CreatedAt.UTC().Format(metagraph.TimeLayout)
		case "permalink":
			out["permalink"] = p.URL
		case "shortcode":
			out["shortcode"] = p.Fields["shortcode"]
		case "media_type":
			out["media_type"] = p.Fields["media_type"]
		case "username":
			out["username"] = f.opts.Username
		}
	}
	return out
}

// getObject is GET /{id}: a container's status, or a medium's fields.
func (f *Fake) getObject(c *platformtest.Call) {
	id := c.R.PathValue("id")
	f.mu.Lock()
	if ct, ok := f.containers[id]; ok {
		if ct.status == StatusInProgress {
			if ct.polls--; ct.polls <= 0 {
				ct.status = StatusFinished
			}
		}
		out := map[string]any{"id": id, "status_code": ct.status}
		if ct.reason != "" {
			out["status"] = ct.reason
		} else {
			out["status"] = strings.ToLower(strings.ReplaceAll(ct.status, "_", " "))
		}
		f.mu.Unlock()
		c.Reply(http.StatusOK, out)
		return
	}
	f.mu.Unlock()
	p, ok := f.Store.Get(id)
	if !ok || p.Deleted {
		c.Reply(http.StatusBadRequest, metagraph.NoSuchObject("get", id))
		return
	}
	c.Reply(http.StatusOK, f.mediumJSON(p, strings.Split(c.R.URL.Query().Get("fields"), ",")))
}

// listMedia is GET /{ig-user-id}/media, newest first, limit (default 25,
// at most 100) and cursor paging with after.
func (f *Fake) listMedia(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	q := c.R.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			param(c, "Invalid limit: "+v)
			return
		}
		limit = n
	}
	posts := f.Store.Posts()
	slices.Reverse(posts)
	start := 0
	if cur := q.Get("after"); cur != "" {
		n, ok := metagraph.DecodeCursor(cur)
		if !ok || n > len(posts) {
			param(c, "Invalid cursor: "+cur)
			return
		}
		start = n
	}
	end := min(start+limit, len(posts))
	data := []map[string]any{}
	for _, p := range posts[start:end] {
		data = append(data, f.mediumJSON(p, strings.Split(q.Get("fields"), ",")))
	}
	paging := map[string]any{"cursors": map[string]string{"before": metagraph.EncodeCursor(start), "after": metagraph.EncodeCursor(end)}}
	if end < len(posts) {
		next := *c.R.URL
		nq := next.Query()
		nq.Set("after", metagraph.EncodeCursor(end))
		next.RawQuery = nq.Encode()
		paging["next"] = "https://graph.instagram.com" + next.RequestURI()
	}
	c.Reply(http.StatusOK, map[string]any{"data": data, "paging": paging})
}

// Seed adds n posts the account made in the app, created at at, each with
// a caption of its own; they count against no API limit
// (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		id := f.newID()
		f.Store.Add(platformtest.Post{ID: id, Text: "Posted from the app, " + id, CreatedAt: at,
			URL:    "https://www.instagram.com/p/A" + id + "/",
			Fields: map[string]any{"media_type": "IMAGE", "shortcode": "A" + id, "app": true}})
	}
}

// insightValues are the media insights the fake reports. impressions,
// plays and video_views were removed in April 2025 (v22).
var insightValues = map[string]int{"views": 410, "reach": 300, "likes": 21, "comments": 4, "shares": 2, "saved": 5, "total_interactions": 32}

// insights is GET /{ig-media-id}/insights?metric=...
func (f *Fake) insights(c *platformtest.Call) {
	id := c.R.PathValue("id")
	if p, ok := f.Store.Get(id); !ok || p.Deleted {
		c.Reply(http.StatusBadRequest, metagraph.NoSuchObject("get", id))
		return
	}
	ms := c.R.URL.Query().Get("metric")
	if ms == "" {
		param(c, "The parameter metric is required.")
		return
	}
	data := []map[string]any{}
	for _, m := range strings.Split(ms, ",") {
		v, ok := insightValues[m]
		if !ok {
			param(c, "(#100) metric["+m+"] must be one of the following values: views, reach, likes, comments, shares, saved, total_interactions")
			return
		}
		data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []map[string]int{{"value": v}},
			"id": id + "/insights/" + m + "/lifetime"})
	}
	c.Reply(http.StatusOK, map[string]any{"data": data})
}
