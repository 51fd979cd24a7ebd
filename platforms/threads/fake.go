package threads

import (
	"cmp"
	"encoding/base64"
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

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

// FakeOptions configure a Fake. Zero values get the defaults named on
// each field.
type FakeOptions struct {
	// Now is the fake's clock, for token expiry. Default: a fixed time.
	Now func() time.Time
	// UserID and Username are the account's (defaults "17841400000000001",
	// "herald_test").
	UserID   string
	Username string
	// AccessToken is the live long-lived token (default "threads-token-0").
	// It expires TokenTTL after it was issued (default 60 days) and was
	// issued TokenAge before the fake's Now at start (default 10 days).
	AccessToken string
	TokenTTL    time.Duration
	TokenAge    time.Duration
	// ProcessingPolls is how many status checks a new container stays
	// IN_PROGRESS for (default 0: FINISHED at once).
	ProcessingPolls int
	// Fetch fetches a media URL as Meta's crawler would, for the fake to
	// record the bytes and their type. nil records no bytes and takes the
	// type from the URL's extension. An error makes the container ERROR.
	Fetch func(rawURL string) (data []byte, contentType string, err error)
	// Usage is the percentage the X-App-Usage header reports on every
	// answer (default 5).
	Usage int
	// PostQuota and ReplyQuota are the posts and replies the account may
	// publish through the API in 24 hours (defaults 250 and 1000), which
	// threads_publishing_limit reports and threads_publish enforces.
	PostQuota, ReplyQuota int
	// NoManageReplies is a token without threads_manage_replies: reading
	// reply_quota_usage or reply_config is refused.
	NoManageReplies bool
}

// Fake is a contract fake of the Threads API for the endpoints herald
// uses: POST /{user-id}/threads (containers, carousel items), GET
// /{container-id}?fields=status, POST /{user-id}/threads_publish, GET
// /{media-id}, GET /{user-id}/threads and /replies, DELETE /{media-id},
// GET /{media-id}/insights, GET /me and GET /refresh_access_token. Every
// call needs a live token as the access_token query parameter; an expired
// one gets Meta's code 190 answer. It counts text with render.CountThreads
// against 500 and unique links against 5, validates container states and
// refuses to publish a container that is not FINISHED, and answers in
// Meta's error envelope. It imports no testing package, so herald demo can
// run it.
type Fake struct {
	*platformtest.Fake

	r    platformtest.Reporter
	opts FakeOptions

	mu         sync.Mutex
	tokens     map[string]fakeToken
	issued     int
	refreshes  int
	containers map[string]*fakeContainer
}

type fakeToken struct {
	issued, expiry time.Time
	revoked        bool
}

// fakeContainer is a media container as the fake keeps it.
type fakeContainer struct {
	id, mediaType, text, replyTo, replyControl string
	mediaURL, alt                              string
	carouselItem                               bool
	children                                   []string
	status, errorMessage                       string
	polls                                      int
	item                                       platformtest.MediaItem
}

// Paths under the fake's base: the API is versioned, the token endpoint
// is not, as on graph.threads.net.
const (
	fakeBase    = "/threads-fake/"
	fakeVersion = "v1.0"
)

// NewFake starts a Threads fake that lives until r's cleanup. APIURL is
// the adapter's BaseURL and AuthURL its auth_base_url.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.UserID = cmp.Or(opts.UserID, "17841400000000001")
	opts.Username = cmp.Or(opts.Username, "herald_test")
	opts.AccessToken = cmp.Or(opts.AccessToken, "threads-token-0")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = TokenLifetime
	}
	if opts.TokenAge == 0 {
		opts.TokenAge = 10 * 24 * time.Hour
	}
	if opts.Usage == 0 {
		opts.Usage = 5
	}
	if opts.PostQuota == 0 {
		opts.PostQuota = 250
	}
	if opts.ReplyQuota == 0 {
		opts.ReplyQuota = 1000
	}
	issued := opts.Now().Add(-opts.TokenAge)
	f := &Fake{r: r, opts: opts, containers: map[string]*fakeContainer{},
		tokens: map[string]fakeToken{opts.AccessToken: {issued: issued, expiry: issued.Add(opts.TokenTTL)}}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: fakeBase, Now: opts.Now,
		ErrorBody: fakeErrorBody,
		Headers: func(h http.Header) {
			h.Set(headerAppUsage, fmt.Sprintf(`{"call_count":%d,"total_cputime":1,"total_time":1}`, opts.Usage))
		},
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set(headerAppUsage, `{"call_count":100,"total_cputime":20,"total_time":20}`)
		},
	})
	form := platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}
	v := fakeVersion + "/"
	f.Handle("GET /refresh_access_token", platformtest.Contract{}, f.refresh)
	f.Handle("GET "+v+"me", platformtest.Contract{}, f.authed(f.me))
	f.Handle("POST "+v+"{uid}/threads", form, f.authed(f.createContainer))
	f.Handle("POST "+v+"{uid}/threads_publish", platformtest.Contract{ContentType: form.ContentType, Create: true}, f.authed(f.publish))
	f.Handle("GET "+v+"{uid}/threads", platformtest.Contract{}, f.authed(f.listEdge(false)))
	f.Handle("GET "+v+"{uid}/replies", platformtest.Contract{}, f.authed(f.listEdge(true)))
	f.Handle("GET "+v+"{id}", platformtest.Contract{}, f.authed(f.getObject))
	f.Handle("DELETE "+v+"{id}", platformtest.Contract{}, f.authed(f.deleteObject))
	f.Handle("GET "+v+"{id}/insights", platformtest.Contract{}, f.authed(f.insights))
	f.Handle("GET "+v+"{uid}/threads_publishing_limit", platformtest.Contract{}, f.authed(f.publishingLimit))
	return f
}

// APIURL is the versioned API base, the adapter's Settings.BaseURL.
func (f *Fake) APIURL() string { return f.URL() + "/" + fakeVersion }

// AuthURL is the token endpoints' base, the adapter's auth_base_url.
func (f *Fake) AuthURL() string { return f.URL() }

// metaError is Meta's error envelope.
func metaError(typ string, code, subcode int, message string) map[string]any {
	e := map[string]any{"message": message, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjKlMnOp"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	return map[string]any{"error": e}
}

// fakeErrorBody is Meta's envelope for the toolkit's own answers (faults
// and contract violations).
func fakeErrorBody(status int, code, message string) any {
	switch status {
	case http.StatusUnauthorized:
		return metaError("OAuthException", 190, 460, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.")
	case http.StatusTooManyRequests:
		return metaError("OAuthException", 4, 0, "Application request limit reached")
	case http.StatusInternalServerError:
		return metaError("OAuthException", 2, 0, "An unexpected error has occurred. Please retry your request later.")
	}
	return metaError("THApiException", 100, 0, code+": "+message)
}

func invalidParam(c *platformtest.Call, message string) {
	c.Reply(http.StatusBadRequest, metaError("THApiException", 100, 0, message))
}

func noSuchObject(c *platformtest.Call, method, id string) {
	c.Reply(http.StatusBadRequest, metaError("THApiException", 100, 33,
		fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", method, id)))
}

// AccessToken returns the newest token the fake issued.
func (f *Fake) AccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.AccessToken
	}
	return "threads-token-" + strconv.Itoa(f.issued)
}

// Refreshes counts successful token refreshes.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// ExpireTokens makes every token issued so far lapse, as 60 days without
// a refresh would.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, t := range f.tokens {
		t.expiry = f.opts.Now().Add(-time.Hour)
		f.tokens[k] = t
	}
}

// ExpireContainers makes every unpublished container EXPIRED, as a day
// passing would.
func (f *Fake) ExpireContainers() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.status != StatusPublished {
			c.status = StatusExpired
		}
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

// authed wraps a handler with Meta's authentication: a live token in the
// access_token query parameter, the way herald sends it.
func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		tok := c.R.URL.Query().Get("access_token")
		if tok == "" {
			f.r.Errorf("threads fake: contract violation: %s %s: no access_token query parameter", c.R.Method, c.R.URL.Path)
			c.Reply(http.StatusBadRequest, metaError("OAuthException", 104, 0, "An access token is required to request this resource."))
			return
		}
		if msg, sub := f.tokenProblem(tok); msg != "" {
			c.Reply(http.StatusBadRequest, metaError("OAuthException", 190, sub, msg))
			return
		}
		h(c)
	}
}

// tokenProblem says why tok is refused, with Meta's subcode; "" when it
// is live.
func (f *Fake) tokenProblem(tok string) (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tokens[tok]
	switch {
	case !ok || t.revoked:
		return "Invalid OAuth access token - Cannot parse access token", 0
	case !f.opts.Now().Before(t.expiry):
		return "Error validating access token: Session has expired on " + t.expiry.Format("Monday, 02-Jan-06 15:04:05 MST") +
			". The current time is " + f.opts.Now().Format("Monday, 02-Jan-06 15:04:05 MST") + ".", 463
	}
	return "", 0
}

// refresh is GET /refresh_access_token?grant_type=th_refresh_token: a
// live token at least a day old gets a new one valid TokenTTL.
func (f *Fake) refresh(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("grant_type") != "th_refresh_token" {
		invalidParam(c, "Unsupported grant_type: "+q.Get("grant_type"))
		return
	}
	tok := q.Get("access_token")
	if msg, sub := f.tokenProblem(tok); msg != "" {
		c.Reply(http.StatusBadRequest, metaError("OAuthException", 190, sub, msg))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.opts.Now()
	if now.Sub(f.tokens[tok].issued) < RefreshMinAge {
		c.Reply(http.StatusBadRequest, metaError("OAuthException", 100, 0, "The access token must be at least 24 hours old to be refreshed."))
		return
	}
	f.issued++
	f.refreshes++
	nt := "threads-token-" + strconv.Itoa(f.issued)
	f.tokens[nt] = fakeToken{issued: now, expiry: now.Add(f.opts.TokenTTL)}
	c.Reply(http.StatusOK, map[string]any{"access_token": nt, "token_type": "bearer", "expires_in": int(f.opts.TokenTTL / time.Second)})
}

func (f *Fake) me(c *platformtest.Call) {
	c.Reply(http.StatusOK, map[string]string{"id": f.opts.UserID, "username": f.opts.Username})
}

func (f *Fake) ownUser(c *platformtest.Call) bool {
	if uid := c.R.PathValue("uid"); uid != f.opts.UserID && uid != "me" {
		noSuchObject(c, strings.ToLower(c.R.Method), uid)
		return false
	}
	return true
}

func (f *Fake) newID() string {
	n, _ := strconv.Atoi(f.Store.NextID())
	return strconv.FormatInt(18000000000000000+int64(n), 10)
}

// createContainer is POST /{user-id}/threads.
func (f *Fake) createContainer(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	form, err := url.ParseQuery(string(c.Body))
	if err != nil {
		invalidParam(c, "The request body is not a valid form")
		return
	}
	ct := &fakeContainer{mediaType: form.Get("media_type"), text: form.Get("text"), replyTo: form.Get("reply_to_id"),
		replyControl: form.Get("reply_control"), alt: form.Get("alt_text"), carouselItem: form.Get("is_carousel_item") == "true"}
	switch ct.mediaType {
	case "TEXT":
		if ct.text == "" {
			invalidParam(c, "The parameter text is required for media_type TEXT.")
			return
		}
	case "IMAGE":
		ct.mediaURL = form.Get("image_url")
	case "VIDEO":
		ct.mediaURL = form.Get("video_url")
	case "CAROUSEL":
		if ct.carouselItem {
			invalidParam(c, "A CAROUSEL container cannot be a carousel item.")
			return
		}
	case "":
		invalidParam(c, "The parameter media_type is required.")
		return
	default:
		invalidParam(c, "Invalid media_type: "+ct.mediaType)
		return
	}
	if (ct.mediaType == "IMAGE" || ct.mediaType == "VIDEO") && ct.mediaURL == "" {
		invalidParam(c, "The parameter "+strings.ToLower(ct.mediaType)+"_url is required for media_type "+ct.mediaType+".")
		return
	}
	if ct.mediaURL != "" {
		if u, err := url.Parse(ct.mediaURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			invalidParam(c, "The media URL is not a valid public URL: "+ct.mediaURL)
			return
		}
	}
	if n := render.CountThreads(ct.text); n > MaxChars {
		invalidParam(c, fmt.Sprintf("Param text must be at most %d characters long.", MaxChars))
		return
	}
	if n := countLinksText(ct.text); n > MaxLinks {
		c.Reply(http.StatusBadRequest, metaError("THApiException", 100, 0,
			fmt.Sprintf("THREADS_API__LINK_LIMIT_EXCEEDED: the post contains %d links; at most %d are allowed.", n, MaxLinks)))
		return
	}
	if utf8.RuneCountInString(ct.alt) > MaxAltText {
		invalidParam(c, fmt.Sprintf("Param alt_text must be at most %d characters long.", MaxAltText))
		return
	}
	if ct.replyControl != "" && !slices.Contains(replyControls, ct.replyControl) {
		invalidParam(c, "Invalid reply_control: "+ct.replyControl)
		return
	}
	if ct.replyTo != "" {
		if p, ok := f.Store.Get(ct.replyTo); !ok || p.Deleted {
			invalidParam(c, "The post to reply to ("+ct.replyTo+") does not exist.")
			return
		}
	}
	f.mu.Lock()
	if ct.mediaType == "CAROUSEL" {
		ct.children = strings.Split(form.Get("children"), ",")
		if form.Get("children") == "" || len(ct.children) < 2 || len(ct.children) > MaxCarousel {
			f.mu.Unlock()
			invalidParam(c, fmt.Sprintf("A carousel needs 2 to %d children.", MaxCarousel))
			return
		}
		for _, id := range ct.children {
			child, ok := f.containers[id]
			if !ok || !child.carouselItem || child.status != StatusFinished {
				f.mu.Unlock()
				invalidParam(c, "Child "+id+" is not a finished carousel item container.")
				return
			}
		}
	}
	f.mu.Unlock()
	ct.status = StatusFinished
	if ct.mediaURL != "" {
		ct.item = f.fetch(ct.mediaURL, ct.alt)
		if ct.item.Type == "" {
			ct.status, ct.errorMessage = StatusError, "UNKNOWN"
		}
	}
	ct.id = f.newID()
	f.mu.Lock()
	if ct.status == StatusFinished && f.opts.ProcessingPolls > 0 {
		ct.status, ct.polls = StatusInProgress, f.opts.ProcessingPolls
	}
	f.containers[ct.id] = ct
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]string{"id": ct.id})
}

// countLinksText counts unique links in text as the fake's Threads does.
func countLinksText(text string) int {
	return countLinks(partOf(text))
}

// fetch fetches a media URL as Meta's crawler does; an item without a
// Type means the fetch failed.
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
	item.Data = data
	item.Type = cmp.Or(typ, http.DetectContentType(data))
	return item
}

// publish is POST /{user-id}/threads_publish with creation_id: only a
// FINISHED container that is not a carousel item is published, once.
func (f *Fake) publish(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	form, _ := url.ParseQuery(string(c.Body))
	id := form.Get("creation_id")
	if id == "" {
		invalidParam(c, "The parameter creation_id is required.")
		return
	}
	f.mu.Lock()
	ct, ok := f.containers[id]
	if !ok {
		f.mu.Unlock()
		noSuchObject(c, "post", id)
		return
	}
	switch {
	case ct.carouselItem:
		f.mu.Unlock()
		invalidParam(c, "A carousel item cannot be published on its own.")
		return
	case ct.status == StatusInProgress:
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, metaError("OAuthException", 9007, 2207027, "Media Not Ready: The media is not ready to be published. Please wait a moment."))
		return
	case ct.status != StatusFinished:
		status := ct.status
		f.mu.Unlock()
		invalidParam(c, "The container "+id+" cannot be published: its status is "+status+".")
		return
	}
	if posts, replies := f.usage(); (ct.replyTo == "" && posts >= f.opts.PostQuota) || (ct.replyTo != "" && replies >= f.opts.ReplyQuota) {
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, metaError("OAuthException", 4, 2207042,
			"Application request limit reached: the account has reached its limit of API-published posts or replies in 24 hours"))
		return
	}
	var media []platformtest.MediaItem
	switch ct.mediaType {
	case "IMAGE", "VIDEO":
		media = append(media, ct.item)
	case "CAROUSEL":
		for _, cid := range ct.children {
			media = append(media, f.containers[cid].item)
		}
	}
	ct.status = StatusPublished
	f.mu.Unlock()
	postID := f.newID()
	shortcode := "C" + postID
	f.Store.Add(platformtest.Post{ID: postID, Text: ct.text, ReplyTo: ct.replyTo, Media: media, CreatedAt: f.opts.Now(),
		URL:    "https://www.threads.com/@" + f.opts.Username + "/post/" + shortcode,
		Fields: map[string]any{"media_type": ct.mediaType, "reply_control": ct.replyControl, "container_id": id, "shortcode": shortcode}})
	c.Reply(http.StatusOK, map[string]string{"id": postID})
}

// fields is a request's comma-separated fields parameter.
func fields(c *platformtest.Call) []string {
	return strings.Split(c.R.URL.Query().Get("fields"), ",")
}

// postJSON renders a post with the requested fields.
func (f *Fake) postJSON(p platformtest.Post, fs []string) map[string]any {
	out := map[string]any{"id": p.ID}
	for _, fl := range fs {
		switch fl {
		case "text":
			if p.Text != "" {
				out["text"] = p.Text
			}
		case "timestamp":
			out["timestamp"] = p.CreatedAt.UTC().Format(timestampLayout)
		case "permalink":
			out["permalink"] = p.URL
		case "username":
			out["username"] = f.opts.Username
		case "shortcode":
			out["shortcode"] = p.Fields["shortcode"]
		case "replied_to":
			if p.ReplyTo != "" {
				out["replied_to"] = map[string]string{"id": p.ReplyTo}
			}
		case "is_reply":
			out["is_reply"] = p.ReplyTo != ""
		}
	}
	return out
}

// getObject is GET /{id}: a container's status, or a post's fields.
func (f *Fake) getObject(c *platformtest.Call) {
	id := c.R.PathValue("id")
	f.mu.Lock()
	if ct, ok := f.containers[id]; ok {
		if ct.status == StatusInProgress {
			if ct.polls--; ct.polls <= 0 {
				ct.status = StatusFinished
			}
		}
		out := map[string]any{"id": id, "status": ct.status}
		if ct.errorMessage != "" {
			out["error_message"] = ct.errorMessage
		}
		f.mu.Unlock()
		c.Reply(http.StatusOK, out)
		return
	}
	f.mu.Unlock()
	p, ok := f.Store.Get(id)
	if !ok || p.Deleted {
		noSuchObject(c, "get", id)
		return
	}
	c.Reply(http.StatusOK, f.postJSON(p, fields(c)))
}

// listEdge is GET /{user-id}/threads (top-level posts) or /replies,
// newest first: limit (default 25, at most 100), since and until (Unix
// timestamps, or dates; since at least 1688540400), and cursor paging
// with after (or before), paging.next present only when a page follows.
func (f *Fake) listEdge(replies bool) platformtest.Handler {
	return func(c *platformtest.Call) {
		if !f.ownUser(c) {
			return
		}
		q := c.R.URL.Query()
		limit := 25
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				invalidParam(c, "Invalid limit: "+v)
				return
			}
			limit = n
		}
		var bounds [2]time.Time
		for i, k := range []string{"since", "until"} {
			v := q.Get(k)
			if v == "" {
				continue
			}
			t, ok := parseGraphTime(v)
			if !ok || (k == "since" && t.Unix() < 1688540400) {
				invalidParam(c, "Invalid "+k+": "+v)
				return
			}
			bounds[i] = t
		}
		if !bounds[0].IsZero() && !bounds[1].IsZero() && !bounds[0].Before(bounds[1]) {
			invalidParam(c, "since must be less than until")
			return
		}
		if q.Get("after") != "" && q.Get("before") != "" {
			invalidParam(c, "The parameters after and before cannot be passed at the same time.")
			return
		}
		posts := f.Store.Posts()
		slices.Reverse(posts)
		var edge []platformtest.Post
		for _, p := range posts {
			if (p.ReplyTo != "") != replies || (!bounds[0].IsZero() && p.CreatedAt.Before(bounds[0])) ||
				(!bounds[1].IsZero() && p.CreatedAt.After(bounds[1])) {
				continue
			}
			edge = append(edge, p)
		}
		start := 0
		if cur := q.Get("after"); cur != "" {
			n, ok := decodeCursor(cur)
			if !ok || n > len(edge) {
				invalidParam(c, "Invalid cursor: "+cur)
				return
			}
			start = n
		}
		end := min(start+limit, len(edge))
		data := []map[string]any{}
		for _, p := range edge[start:end] {
			data = append(data, f.postJSON(p, fields(c)))
		}
		paging := map[string]any{"cursors": map[string]string{"before": encodeCursor(start), "after": encodeCursor(end)}}
		if end < len(edge) {
			next := *c.R.URL
			nq := next.Query()
			nq.Set("after", encodeCursor(end))
			next.RawQuery = nq.Encode()
			paging["next"] = "https://graph.threads.net" + next.RequestURI()
		}
		c.Reply(http.StatusOK, map[string]any{"data": data, "paging": paging})
	}
}

// parseGraphTime reads since and until: a Unix timestamp or a date.
func parseGraphTime(v string) (time.Time, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// encodeCursor and decodeCursor make an opaque cursor of a position in
// an edge, as Meta's cursors are opaque.
func encodeCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("pos:" + strconv.Itoa(n)))
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "pos:"))
	return n, err == nil && strings.HasPrefix(string(b), "pos:") && n >= 0
}

// usage counts the posts and replies published through the API in the 24
// hours before the fake's now. Callers hold f.mu or not; it reads only
// the Store.
func (f *Fake) usage() (posts, replies int) {
	since := f.opts.Now().Add(-24 * time.Hour)
	for _, p := range f.Store.Posts() {
		if app, _ := p.Fields["app"].(bool); app || p.CreatedAt.Before(since) {
			continue
		}
		if p.ReplyTo == "" {
			posts++
		} else {
			replies++
		}
	}
	return posts, replies
}

// publishingLimit is GET /{user-id}/threads_publishing_limit: the posts
// and replies published through the API in the last 24 hours and the
// quotas, as the fields parameter asks. The reply fields need
// threads_manage_replies.
func (f *Fake) publishingLimit(c *platformtest.Call) {
	if !f.ownUser(c) {
		return
	}
	posts, replies := f.usage()
	out := map[string]any{}
	for _, fl := range fields(c) {
		switch fl {
		case "quota_usage":
			out[fl] = posts
		case "config":
			out[fl] = map[string]int{"quota_total": f.opts.PostQuota, "quota_duration": 86400}
		case "reply_quota_usage", "reply_config":
			if f.opts.NoManageReplies {
				c.Reply(http.StatusForbidden, metaError("OAuthException", 10, 0, "(#10) Application does not have permission for this action"))
				return
			}
			if fl == "reply_quota_usage" {
				out[fl] = replies
			} else {
				out[fl] = map[string]int{"quota_total": f.opts.ReplyQuota, "quota_duration": 86400}
			}
		case "":
		default:
			invalidParam(c, "Tried accessing nonexisting field ("+fl+") on node type (ThreadsPublishingLimit)")
			return
		}
	}
	c.Reply(http.StatusOK, map[string]any{"data": []any{out}})
}

// Seed adds n posts the account made in the app, created at at, each with
// a text of its own; they count against no API quota
// (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		id := f.newID()
		f.Store.Add(platformtest.Post{ID: id, Text: "Posted from the app, " + id, CreatedAt: at,
			URL:    "https://www.threads.com/@" + f.opts.Username + "/post/A" + id,
			Fields: map[string]any{"media_type": "TEXT", "reply_control": "", "shortcode": "A" + id, "app": true}})
	}
}

// deleteObject is DELETE /{media-id}.
func (f *Fake) deleteObject(c *platformtest.Call) {
	id := c.R.PathValue("id")
	if !f.Store.Delete(id) {
		noSuchObject(c, "delete", id)
		return
	}
	c.Reply(http.StatusOK, map[string]any{"success": true, "deleted_id": id})
}

// insightMetrics are the media insights the fake knows, with the counts
// it reports.
var insightMetrics = map[string]int{"views": 120, "likes": 7, "replies": 1, "reposts": 2, "quotes": 0, "shares": 3}

// directReplies counts the live posts that reply to id: Threads' replies
// insight counts direct replies, the author's own included.
func (f *Fake) directReplies(id string) int {
	n := 0
	for _, p := range f.Store.Posts() {
		if p.ReplyTo == id {
			n++
		}
	}
	return n
}

// insights is GET /{media-id}/insights?metric=...
func (f *Fake) insights(c *platformtest.Call) {
	id := c.R.PathValue("id")
	if p, ok := f.Store.Get(id); !ok || p.Deleted {
		noSuchObject(c, "get", id)
		return
	}
	ms := c.R.URL.Query().Get("metric")
	if ms == "" {
		invalidParam(c, "The parameter metric is required.")
		return
	}
	data := []map[string]any{}
	for _, m := range strings.Split(ms, ",") {
		v, ok := insightMetrics[m]
		if m == "replies" {
			v += f.directReplies(id)
		}
		if !ok {
			invalidParam(c, "(#100) metric["+m+"] must be one of the following values: views, likes, replies, reposts, quotes, shares")
			return
		}
		data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []map[string]int{{"value": v}},
			"title": strings.ToUpper(m[:1]) + m[1:], "id": id + "/insights/" + m + "/lifetime"})
	}
	c.Reply(http.StatusOK, map[string]any{"data": data})
}
