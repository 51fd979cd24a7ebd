package facebook

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
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
	// PageID and PageName are the Page's (defaults "104000000000001",
	// "Herald Test Page").
	PageID, PageName string
	// PageToken is the live Page access token (default "page-token-0"),
	// UserToken the user token herald auth starts from ("user-token-0"),
	// and ExchangedToken the long-lived user token it is exchanged for
	// ("user-token-long").
	PageToken, UserToken string
	// OtherPages are more Pages the user manages, listed by /me/accounts.
	OtherPages map[string]string
	// VideoPolls is how many status checks an uploaded video stays
	// processing for (default 0: ready at once).
	VideoPolls int
	// Fetch fetches a video's file_url as Facebook's crawler would. nil
	// takes the type from the URL's extension; an error makes the video's
	// processing fail.
	Fetch func(rawURL string) (data []byte, contentType string, err error)
	// ChunkSize is the range the fake asks each resumable transfer for
	// (default 1 MiB; Facebook chooses it, a few MiB at most).
	ChunkSize int64
	// DropTransfer makes the Nth transfer of the fake's life (from 1)
	// arrive, then the connection break before its answer: the adapter
	// must resume from the offset the fake then names (error 1363037).
	DropTransfer int
	// Usage is the percentage the usage headers report (default 5).
	Usage int
	// NoInsights answers insights as for a Page with fewer than 100 likes.
	NoInsights bool
}

// Fake is a contract fake of the Graph API for a Facebook Page, for the
// endpoints herald uses: POST /{page-id}/photos (multipart, unpublished),
// POST /{page-id}/feed (message, link, attached_media), POST
// /{page-id}/videos (file_url, description), GET, POST and DELETE /{id},
// GET /{page-id}/published_posts and /videos, GET /{id}/insights, and, for
// herald auth, GET /oauth/access_token (fb_exchange_token) and GET
// /me/accounts. Every call needs a live token as the access_token query
// parameter; a revoked one gets code 190. It enforces Facebook's duplicate
// guard (code 506), refuses a photo attached twice or an unknown one, the
// insights metrics removed on 15 November 2025, and answers in Meta's
// error envelope with the usage headers. It imports no testing package,
// so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	r    platformtest.Reporter
	opts FakeOptions

	mu        sync.Mutex
	revoked   bool
	photos    map[string]*fakePhoto
	videos    map[string]*fakeVideo
	sessions  map[string]*fakeSession
	transfers int
}

// fakeSession is one resumable video upload: the bytes it holds, and
// whether finish published it.
type fakeSession struct {
	videoID  string
	size     int64
	data     []byte
	finished bool
}

type fakePhoto struct {
	item     platformtest.MediaItem
	attached bool
}

type fakeVideo struct {
	status string
	polls  int
	reason string
}

// Path under the fake's base: the API is versioned as graph.facebook.com's.
const (
	fakeBase    = "/facebook-fake/"
	fakeVersion = "v25.0"
)

// NewFake starts a Facebook fake that lives until r's cleanup. APIURL is
// the adapter's BaseURL.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.PageID = cmpOr(opts.PageID, "104000000000001")
	opts.PageName = cmpOr(opts.PageName, "Herald Test Page")
	opts.PageToken = cmpOr(opts.PageToken, "page-token-0")
	opts.UserToken = cmpOr(opts.UserToken, "user-token-0")
	if opts.Usage == 0 {
		opts.Usage = 5
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 1 << 20
	}
	f := &Fake{r: r, opts: opts, photos: map[string]*fakePhoto{}, videos: map[string]*fakeVideo{}, sessions: map[string]*fakeSession{}}
	pageID := opts.PageID
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: fakeBase, Now: opts.Now, ErrorBody: metagraph.FaultBody,
		Headers: func(h http.Header) {
			h.Set(metagraph.HeaderAppUsage, fmt.Sprintf(`{"call_count":%d,"total_cputime":1,"total_time":1}`, opts.Usage))
			h.Set(metagraph.HeaderBUCUsage, fmt.Sprintf(`{%q:[{"type":"pages","call_count":%d,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0}]}`, pageID, opts.Usage))
		},
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			mins := int(reset.Sub(opts.Now()).Minutes() + 0.999)
			h.Set(metagraph.HeaderBUCUsage, fmt.Sprintf(`{%q:[{"type":"pages","call_count":100,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":%d}]}`, pageID, mins))
		},
	})
	form := platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}
	create := platformtest.Contract{ContentType: form.ContentType, Create: true}
	v := fakeVersion + "/"
	f.Handle("GET "+v+"oauth/access_token", platformtest.Contract{}, f.exchange)
	f.Handle("POST "+v+"oauth/access_token", form, f.codeGrant)
	f.Handle("GET "+v+"me/accounts", platformtest.Contract{}, f.accounts)
	f.Handle("POST "+v+"{page}/photos", platformtest.Contract{ContentType: "multipart/form-data"}, f.authed(f.uploadPhoto))
	f.Handle("POST "+v+"{page}/feed", create, f.authed(f.createPost))
	// The video edge takes a form (file_url, and the resumable upload's
	// start and finish) or multipart (its transfers): createVideo checks.
	f.Handle("POST "+v+"{page}/videos", platformtest.Contract{Create: true}, f.authed(f.createVideo))
	f.Handle("GET "+v+"{page}/published_posts", platformtest.Contract{}, f.authed(f.list(false)))
	f.Handle("GET "+v+"{page}/videos", platformtest.Contract{}, f.authed(f.list(true)))
	f.Handle("GET "+v+"{id}", platformtest.Contract{}, f.authed(f.getObject))
	f.Handle("POST "+v+"{id}", form, f.authed(f.updateObject))
	f.Handle("DELETE "+v+"{id}", platformtest.Contract{}, f.authed(f.deleteObject))
	f.Handle("GET "+v+"{id}/insights", platformtest.Contract{}, f.authed(f.insights))
	return f
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// APIURL is the versioned API base, the adapter's Settings.BaseURL.
func (f *Fake) APIURL() string { return f.URL() + "/" + fakeVersion }

// PageID is the Page's ID.
func (f *Fake) PageID() string { return f.opts.PageID }

// PageToken is the Page's live access token.
func (f *Fake) PageToken() string { return f.opts.PageToken }

// RevokeTokens makes the Page token invalid, as a password change does.
func (f *Fake) RevokeTokens() {
	f.mu.Lock()
	f.revoked = true
	f.mu.Unlock()
}

func param(c *platformtest.Call, message string) {
	c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 100, 0, "(#100) "+message))
}

// authed wraps a handler with the Page token check.
func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		tok := c.R.URL.Query().Get("access_token")
		f.mu.Lock()
		revoked := f.revoked
		f.mu.Unlock()
		switch {
		case tok == "":
			f.r.Errorf("facebook fake: contract violation: %s %s: no access_token query parameter", c.R.Method, c.R.URL.Path)
			c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 104, 0, "An access token is required to request this resource."))
			return
		case tok == f.opts.UserToken || tok == "user-token-long":
			c.Reply(http.StatusForbidden, metagraph.Error("OAuthException", 200, 0, "(#200) The permission(s) pages_manage_posts are not available. It requires a Page access token: a user access token cannot publish as the Page."))
			return
		case tok != f.opts.PageToken || revoked:
			c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 190, 460, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."))
			return
		}
		h(c)
	}
}

// exchange is GET /oauth/access_token?grant_type=fb_exchange_token: a
// short-lived user token becomes a long-lived one (60 days).
func (f *Fake) exchange(c *platformtest.Call) {
	q := c.R.URL.Query()
	switch {
	case q.Get("grant_type") != "fb_exchange_token":
		param(c, "Unsupported grant_type: "+q.Get("grant_type"))
	case q.Get("client_id") == "" || q.Get("client_secret") == "":
		param(c, "Missing client_id or client_secret")
	case q.Get("fb_exchange_token") != f.opts.UserToken:
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 190, 0, "Invalid OAuth access token - Cannot parse access token"))
	default:
		c.Reply(http.StatusOK, map[string]any{"access_token": "user-token-long", "token_type": "bearer", "expires_in": 5183944})
	}
}

// FakeCode is the authorization code the fake's token endpoint accepts
// (herald auth's code exchange).
const FakeCode = "facebook-code"

// codeGrant is POST /oauth/access_token with an authorization code: it
// answers the short-lived user token.
func (f *Fake) codeGrant(c *platformtest.Call) {
	form, ok := f.form(c)
	if !ok {
		return
	}
	switch {
	case form.Get("client_id") == "" || form.Get("client_secret") == "" || form.Get("redirect_uri") == "":
		param(c, "Missing client_id, client_secret or redirect_uri")
	case form.Get("code") != FakeCode:
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 100, 36007, "Invalid verification code format."))
	default:
		c.Reply(http.StatusOK, map[string]any{"access_token": f.opts.UserToken, "token_type": "bearer", "expires_in": 5183})
	}
}

// accounts is GET /me/accounts: the Pages the user manages, with their
// Page tokens.
func (f *Fake) accounts(c *platformtest.Call) {
	if tok := c.R.URL.Query().Get("access_token"); tok != "user-token-long" && tok != f.opts.UserToken {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 190, 0, "Invalid OAuth access token - Cannot parse access token"))
		return
	}
	data := []map[string]any{{"id": f.opts.PageID, "name": f.opts.PageName, "access_token": f.opts.PageToken,
		"category": "Software", "tasks": []string{"ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"}}}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for k := range f.opts.OtherPages {
			if !yield(k) {
				return
			}
		}
	}) {
		data = append(data, map[string]any{"id": id, "name": f.opts.OtherPages[id], "access_token": "page-token-" + id,
			"category": "Community", "tasks": []string{"CREATE_CONTENT"}})
	}
	c.Reply(http.StatusOK, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "QVFI", "after": "QVFI"}}})
}

func (f *Fake) ownPage(c *platformtest.Call) bool {
	if pg := c.R.PathValue("page"); pg != f.opts.PageID {
		c.Reply(http.StatusBadRequest, metagraph.NoSuchObject(strings.ToLower(c.R.Method), pg))
		return false
	}
	return true
}

func (f *Fake) newID() string {
	n, _ := strconv.Atoi(f.Store.NextID())
	return strconv.FormatInt(122100000000000000+int64(n), 10)
}

// uploadPhoto is POST /{page-id}/photos with multipart source.
func (f *Fake) uploadPhoto(c *platformtest.Call) {
	if !f.ownPage(c) {
		return
	}
	_, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	mr := multipart.NewReader(strings.NewReader(string(c.Body)), params["boundary"])
	fields := map[string]string{}
	var item platformtest.MediaItem
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			param(c, "The multipart body cannot be read")
			return
		}
		data, _ := io.ReadAll(p)
		if p.FormName() == "source" {
			item.Data, item.Type = data, p.Header.Get("Content-Type")
			if item.Type == "" || item.Type == "application/octet-stream" {
				item.Type = http.DetectContentType(data)
			}
			continue
		}
		fields[p.FormName()] = string(data)
	}
	switch {
	case item.Data == nil && fields["url"] == "":
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 324, 0, "(#324) Requires upload file"))
		return
	case len(item.Data) > MaxImageBytes:
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 100, 0, "(#100) The photo is too large"))
		return
	case !photoTypes[item.Type]:
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 324, 2069019, "(#324) Missing or invalid image file"))
		return
	case fields["published"] != "false":
		f.r.Errorf("facebook fake: contract violation: herald uploads photos unpublished, then attaches them (published=%q)", fields["published"])
	}
	item.Alt = fields["alt_text_custom"]
	if utf8.RuneCountInString(item.Alt) > MaxAltText {
		param(c, "alt_text_custom is too long")
		return
	}
	id := f.newID()
	item.ID = id
	f.mu.Lock()
	f.photos[id] = &fakePhoto{item: item}
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]string{"id": id})
}

func (f *Fake) form(c *platformtest.Call) (url.Values, bool) {
	form, err := url.ParseQuery(string(c.Body))
	if err != nil {
		param(c, "The request body is not a valid form")
		return nil, false
	}
	return form, true
}

// latestMessage is the message of the Page's latest live post.
func (f *Fake) latestMessage() (string, bool) {
	posts := f.Store.Posts()
	if len(posts) == 0 {
		return "", false
	}
	return posts[len(posts)-1].Text, true
}

// createPost is POST /{page-id}/feed.
func (f *Fake) createPost(c *platformtest.Call) {
	if !f.ownPage(c) {
		return
	}
	form, ok := f.form(c)
	if !ok {
		return
	}
	msg, link := form.Get("message"), form.Get("link")
	var ids []string
	for i := 0; ; i++ {
		v := form.Get("attached_media[" + strconv.Itoa(i) + "]")
		if v == "" {
			break
		}
		var am struct {
			MediaFBID string `json:"media_fbid"`
		}
		if json.Unmarshal([]byte(v), &am) != nil || am.MediaFBID == "" {
			param(c, "Invalid attached_media["+strconv.Itoa(i)+"]: want {\"media_fbid\":\"...\"}")
			return
		}
		ids = append(ids, am.MediaFBID)
	}
	switch {
	case msg == "" && link == "" && len(ids) == 0:
		param(c, "Missing message or attachment")
		return
	case utf8.RuneCountInString(msg) > MaxChars:
		param(c, "Message is too long")
		return
	case link != "" && len(ids) > 0:
		param(c, "A link post cannot have attached_media")
		return
	}
	if last, ok := f.latestMessage(); ok && msg != "" && last == msg && len(ids) == 0 {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 506, 0, "Duplicate status message"))
		return
	}
	var media []platformtest.MediaItem
	f.mu.Lock()
	for _, id := range ids {
		ph, ok := f.photos[id]
		if !ok || ph.attached {
			f.mu.Unlock()
			param(c, "Invalid media_fbid "+id+": not an unpublished photo of this Page, or already attached")
			return
		}
		media = append(media, ph.item)
	}
	for _, id := range ids {
		f.photos[id].attached = true
	}
	f.mu.Unlock()
	id := f.opts.PageID + "_" + f.newID()
	f.Store.Add(platformtest.Post{ID: id, Text: msg, Media: media, CreatedAt: f.opts.Now(),
		URL:    "https://www.facebook.com/" + f.opts.PageID + "/posts/" + strings.TrimPrefix(id, f.opts.PageID+"_"),
		Fields: map[string]any{"kind": "feed", "link": link}})
	c.Reply(http.StatusOK, map[string]string{"id": id})
}

// createVideo is POST /{page-id}/videos: with file_url, or one phase of
// the resumable upload (upload_phase start, transfer or finish).
func (f *Fake) createVideo(c *platformtest.Call) {
	if !f.ownPage(c) {
		return
	}
	mt, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		f.transferVideo(c, params["boundary"])
		return
	}
	if mt != "application/x-www-form-urlencoded" {
		f.r.Errorf("facebook fake: contract violation: POST /{page-id}/videos with Content-Type %q: a form, or multipart for a transfer", mt)
		param(c, "The request body is not a form")
		return
	}
	form, ok := f.form(c)
	if !ok {
		return
	}
	switch form.Get("upload_phase") {
	case "":
	case "start":
		f.startVideo(c, form)
		return
	case "finish":
		f.finishVideo(c, form)
		return
	case "transfer":
		f.r.Errorf("facebook fake: contract violation: upload_phase=transfer must be multipart with video_file_chunk")
		param(c, "video_file_chunk is required for the transfer phase")
		return
	default:
		param(c, "Param upload_phase must be one of {start, transfer, finish, cancel}")
		return
	}
	fileURL := form.Get("file_url")
	if u, err := url.Parse(fileURL); fileURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 100, 0, "(#100) file_url must be a public http(s) URL"))
		return
	}
	item := platformtest.MediaItem{}
	fv := &fakeVideo{status: VideoReady, polls: f.opts.VideoPolls}
	if f.opts.Fetch == nil {
		u, _ := url.Parse(fileURL)
		item.Type = mime.TypeByExtension(path.Ext(u.Path))
	} else if data, typ, err := f.opts.Fetch(fileURL); err != nil {
		fv.status, fv.reason = VideoError, "The video file could not be downloaded from file_url"
	} else {
		item.Data, item.Type = data, cmpOr(typ, http.DetectContentType(data))
	}
	if fv.status == VideoReady && !strings.HasPrefix(item.Type, "video/") {
		fv.status, fv.reason = VideoError, "The file at file_url is not a video"
	}
	if fv.status == VideoReady && fv.polls > 0 {
		fv.status = VideoProcessing
	}
	id := f.newID()
	item.ID = id
	f.mu.Lock()
	f.videos[id] = fv
	f.mu.Unlock()
	f.Store.Add(platformtest.Post{ID: id, Text: form.Get("description"), Media: []platformtest.MediaItem{item}, CreatedAt: f.opts.Now(),
		URL: "/" + f.opts.PageID + "/videos/" + id + "/", Fields: map[string]any{"kind": "video", "title": form.Get("title")}})
	c.Reply(http.StatusOK, map[string]string{"id": id})
}

func (f *Fake) postJSON(p platformtest.Post, fields []string) map[string]any {
	out := map[string]any{"id": p.ID}
	for _, fl := range fields {
		name, _, _ := strings.Cut(fl, ".")
		switch name {
		case "message":
			if p.Fields["kind"] == "feed" && p.Text != "" {
				out["message"] = p.Text
			}
		case "description":
			if p.Fields["kind"] == "video" && p.Text != "" {
				out["description"] = p.Text
			}
		case "created_time":
			out["created_time"] = p.CreatedAt.UTC().Format(metagraph.TimeLayout)
		case "permalink_url":
			out["permalink_url"] = p.URL
		case "status":
			f.mu.Lock()
			if v, ok := f.videos[p.ID]; ok {
				if v.status == VideoProcessing {
					if v.polls--; v.polls <= 0 {
						v.status = VideoReady
					}
				}
				st := map[string]any{"video_status": v.status, "processing_progress": map[bool]int{true: 100, false: 50}[v.status == VideoReady]}
				if v.status == VideoError {
					st["processing_phase"] = map[string]any{"status": "error", "error": map[string]string{"message": v.reason}}
				}
				out["status"] = st
			}
			f.mu.Unlock()
		case "reactions":
			out["reactions"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": 12, "viewer_reaction": "NONE"}}
		case "comments":
			out["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"order": "ranked", "total_count": 3, "can_comment": true}}
		case "shares":
			out["shares"] = map[string]int{"count": 2}
		}
	}
	return out
}

func fieldsOf(c *platformtest.Call) []string {
	// Nested fields hold commas inside parentheses: split at top level.
	s := c.R.URL.Query().Get("fields")
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func (f *Fake) live(c *platformtest.Call, method string) (platformtest.Post, bool) {
	id := c.R.PathValue("id")
	p, ok := f.Store.Get(id)
	if !ok || p.Deleted {
		c.Reply(http.StatusBadRequest, metagraph.NoSuchObject(method, id))
		return p, false
	}
	return p, true
}

// getObject is GET /{id}.
func (f *Fake) getObject(c *platformtest.Call) {
	if p, ok := f.live(c, "get"); ok {
		c.Reply(http.StatusOK, f.postJSON(p, fieldsOf(c)))
	}
}

// updateObject is POST /{id}: a feed post's message, a video's
// description.
func (f *Fake) updateObject(c *platformtest.Call) {
	p, ok := f.live(c, "post")
	if !ok {
		return
	}
	form, ok := f.form(c)
	if !ok {
		return
	}
	field := "message"
	if p.Fields["kind"] == "video" {
		field = "description"
	}
	if !form.Has(field) {
		param(c, "Nothing to update: "+field+" is required")
		return
	}
	if utf8.RuneCountInString(form.Get(field)) > MaxChars {
		param(c, "Message is too long")
		return
	}
	f.Store.Update(p.ID, func(p *platformtest.Post) { p.Text = form.Get(field); p.Edits++ })
	c.Reply(http.StatusOK, map[string]bool{"success": true})
}

func (f *Fake) deleteObject(c *platformtest.Call) {
	if p, ok := f.live(c, "delete"); ok {
		f.Store.Delete(p.ID)
		c.Reply(http.StatusOK, map[string]bool{"success": true})
	}
}

// list is GET /{page-id}/published_posts or /videos, newest first: limit
// (default 25, at most 100), since and until as Unix times, and cursor
// paging with after, paging.next present only when a page follows.
func (f *Fake) list(videos bool) platformtest.Handler {
	return func(c *platformtest.Call) {
		if !f.ownPage(c) {
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
		var since time.Time
		if v := q.Get("since"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				param(c, "Invalid since: "+v)
				return
			}
			since = time.Unix(n, 0)
		}
		posts := f.Store.Posts()
		slices.Reverse(posts)
		var edge []platformtest.Post
		for _, p := range posts {
			if (p.Fields["kind"] == "video") != videos || (!since.IsZero() && p.CreatedAt.Before(since)) {
				continue
			}
			edge = append(edge, p)
		}
		start := 0
		if cur := q.Get("after"); cur != "" {
			n, ok := metagraph.DecodeCursor(cur)
			if !ok || n > len(edge) {
				param(c, "Invalid cursor: "+cur)
				return
			}
			start = n
		}
		end := min(start+limit, len(edge))
		data := []map[string]any{}
		for _, p := range edge[start:end] {
			data = append(data, f.postJSON(p, fieldsOf(c)))
		}
		paging := map[string]any{"cursors": map[string]string{"before": metagraph.EncodeCursor(start), "after": metagraph.EncodeCursor(end)}}
		if end < len(edge) {
			next := *c.R.URL
			nq := next.Query()
			nq.Set("after", metagraph.EncodeCursor(end))
			next.RawQuery = nq.Encode()
			paging["next"] = "https://graph.facebook.com" + next.RequestURI()
		}
		c.Reply(http.StatusOK, map[string]any{"data": data, "paging": paging})
	}
}

// Seed adds n posts the Page made in Facebook itself, created at at, each
// with a text of its own (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		id := f.opts.PageID + "_" + f.newID()
		f.Store.Add(platformtest.Post{ID: id, Text: "Posted from Facebook, " + id, CreatedAt: at,
			URL: "https://www.facebook.com/" + id, Fields: map[string]any{"kind": "feed"}})
	}
}

// insightValues are the post insights the fake knows. The impressions
// metrics were removed on 15 November 2025: asking for one is an invalid
// metric error, as Facebook answers it.
var insightValues = map[string]int{"post_total_media_view_unique": 340, "post_clicks": 17, "post_reactions_by_type_total": 12}

var removedMetrics = []string{"post_impressions", "post_impressions_unique", "post_impressions_paid", "post_impressions_organic", "post_engaged_users"}

// insights is GET /{id}/insights?metric=...
func (f *Fake) insights(c *platformtest.Call) {
	p, ok := f.live(c, "get")
	if !ok {
		return
	}
	if f.opts.NoInsights {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 100, 0, "(#100) Insights are not available for Pages with fewer than 100 likes"))
		return
	}
	ms := c.R.URL.Query().Get("metric")
	if ms == "" {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 3001, 1504028, "No metric was specified to be fetched. Please specify one or more metrics to be fetched and try again."))
		return
	}
	data := []map[string]any{}
	for _, m := range strings.Split(ms, ",") {
		v, ok := insightValues[m]
		if !ok || slices.Contains(removedMetrics, m) {
			param(c, "The value must be a valid insights metric: "+m)
			return
		}
		data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []map[string]int{{"value": v}},
			"id": p.ID + "/insights/" + m + "/lifetime"})
	}
	c.Reply(http.StatusOK, map[string]any{"data": data})
}

// uploadError is Meta's error for a resumable upload (code 6000 or 6001,
// with a subcode), with error_data when it names the range to send.
func uploadError(code, sub int, message string, data map[string]any) map[string]any {
	e := metagraph.Error("OAuthException", code, sub, message)
	inner := e["error"].(map[string]any)
	inner["is_transient"] = false
	inner["error_user_title"] = "Error Uploading Video"
	if data != nil {
		inner["error_data"] = data
	}
	return e
}

// nextRange is the range a session asks for next, as Facebook writes it
// (strings); equal offsets say it has the whole file.
func (f *Fake) nextRange(s *fakeSession) map[string]any {
	have := int64(len(s.data))
	return map[string]any{"start_offset": strconv.FormatInt(have, 10), "end_offset": strconv.FormatInt(min(have+f.opts.ChunkSize, s.size), 10)}
}

// startVideo is upload_phase=start: file_size opens a session.
func (f *Fake) startVideo(c *platformtest.Call, form url.Values) {
	size, err := strconv.ParseInt(form.Get("file_size"), 10, 64)
	switch {
	case err != nil || size <= 0:
		param(c, "Param file_size must be a positive integer")
		return
	case size > MaxVideoBytes:
		c.Reply(http.StatusBadRequest, uploadError(6000, 1363023, "The video file you tried to upload is too large. Please try again with a file that is under 10GB.", nil))
		return
	}
	f.mu.Lock()
	sid := "upload-session-" + f.newID()
	s := &fakeSession{videoID: f.newID(), size: size}
	f.sessions[sid] = s
	out := f.nextRange(s)
	f.mu.Unlock()
	out["video_id"], out["upload_session_id"] = s.videoID, sid
	c.Reply(http.StatusOK, out)
}

// transferVideo is upload_phase=transfer: the range the session asked
// for, exactly, at the offset it holds up to. A transfer at another
// offset is answered 1363037 with the range to send.
func (f *Fake) transferVideo(c *platformtest.Call, boundary string) {
	mr := multipart.NewReader(strings.NewReader(string(c.Body)), boundary)
	fields := map[string]string{}
	var chunk []byte
	hasChunk := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			param(c, "The multipart body cannot be read")
			return
		}
		data, _ := io.ReadAll(p)
		if p.FormName() == "video_file_chunk" {
			if p.FileName() == "" {
				f.r.Errorf("facebook fake: contract violation: video_file_chunk must be a file part")
			}
			chunk, hasChunk = data, true
			continue
		}
		fields[p.FormName()] = string(data)
	}
	if fields["upload_phase"] != "transfer" {
		f.r.Errorf("facebook fake: contract violation: a multipart POST /{page-id}/videos is upload_phase=transfer, got %q", fields["upload_phase"])
		param(c, "Param upload_phase must be transfer for a file chunk")
		return
	}
	if !hasChunk {
		c.Reply(http.StatusBadRequest, metagraph.Error("OAuthException", 100, 0, "(#100) video_file_chunk is required for the transfer phase"))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[fields["upload_session_id"]]
	if s == nil {
		c.Reply(http.StatusBadRequest, uploadError(6000, 1363030, "Your video upload session has expired or is invalid. Please start the upload again.", nil))
		return
	}
	if s.finished {
		param(c, "The upload session is finished")
		return
	}
	at, err := strconv.ParseInt(fields["start_offset"], 10, 64)
	if err != nil {
		param(c, "Param start_offset must be an integer")
		return
	}
	want := f.nextRange(s)
	have := int64(len(s.data))
	if at != have {
		c.Reply(http.StatusBadRequest, uploadError(6001, 1363037, "There was a problem uploading your video. Please try again.",
			map[string]any{"start_offset": have, "end_offset": min(have+f.opts.ChunkSize, s.size)}))
		return
	}
	if n := min(have+f.opts.ChunkSize, s.size) - have; int64(len(chunk)) != n {
		f.r.Errorf("facebook fake: contract violation: transfer at %d sent %d bytes; the session asked for %d (start_offset %v to end_offset %v)", at, len(chunk), n, want["start_offset"], want["end_offset"])
		c.Reply(http.StatusBadRequest, uploadError(6001, 1363037, "There was a problem uploading your video. Please try again.",
			map[string]any{"start_offset": have, "end_offset": have + n}))
		return
	}
	s.data = append(s.data, chunk...)
	f.transfers++
	if f.transfers == f.opts.DropTransfer {
		// The chunk arrived; its answer never does.
		panic(http.ErrAbortHandler)
	}
	c.Reply(http.StatusOK, f.nextRange(s))
}

// finishVideo is upload_phase=finish: a session that holds the whole
// file publishes its video, once.
func (f *Fake) finishVideo(c *platformtest.Call, form url.Values) {
	f.mu.Lock()
	s := f.sessions[form.Get("upload_session_id")]
	switch {
	case s == nil:
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, uploadError(6000, 1363030, "Your video upload session has expired or is invalid. Please start the upload again.", nil))
		return
	case s.finished:
		f.mu.Unlock()
		f.r.Errorf("facebook fake: contract violation: upload session finished twice (video %s would be posted twice)", s.videoID)
		param(c, "The upload session is already finished")
		return
	case int64(len(s.data)) != s.size:
		f.mu.Unlock()
		c.Reply(http.StatusBadRequest, uploadError(6000, 1363041, fmt.Sprintf("Video upload is missing bytes: %d of %d arrived", len(s.data), s.size), nil))
		return
	}
	if form.Get("published") == "false" {
		f.r.Errorf("facebook fake: contract violation: herald publishes a video when it finishes (published=false leaves it unpublished)")
	}
	s.finished = true
	fv := &fakeVideo{status: VideoReady, polls: f.opts.VideoPolls}
	typ := http.DetectContentType(s.data)
	if len(s.data) >= 12 && string(s.data[4:8]) == "ftyp" {
		typ = "video/mp4"
	}
	if !strings.HasPrefix(typ, "video/") {
		fv.status, fv.reason = VideoError, "The uploaded file is not a video"
	} else if fv.polls > 0 {
		fv.status = VideoProcessing
	}
	f.videos[s.videoID] = fv
	data := s.data
	f.mu.Unlock()
	f.Store.Add(platformtest.Post{ID: s.videoID, Text: form.Get("description"), CreatedAt: f.opts.Now(),
		Media:  []platformtest.MediaItem{{ID: s.videoID, Type: typ, Data: data}},
		URL:    "/" + f.opts.PageID + "/videos/" + s.videoID + "/",
		Fields: map[string]any{"kind": "video", "title": form.Get("title")}})
	c.Reply(http.StatusOK, map[string]bool{"success": true})
}
