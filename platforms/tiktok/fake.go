package tiktok

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeOptions configure a Fake. Zero values get the defaults named on
// each field.
type FakeOptions struct {
	// Now is the fake's clock. Default: a fixed time.
	Now func() time.Time
	// AccessToken is the live token (default "tt-access-0"), valid
	// TokenTTL (default 2 hours, TikTok's) from Now at start.
	AccessToken string
	TokenTTL    time.Duration
	// RefreshToken (default "tt-refresh-0") is rotated by every refresh:
	// the old one is refused afterwards. It lives RefreshTTL (default 180
	// days). ClientKey and ClientSecret default to "herald-client-key"
	// and "herald-client-secret".
	RefreshToken string
	RefreshTTL   time.Duration
	ClientKey    string
	ClientSecret string
	// Username is the creator's (default "herald.test").
	Username string
	// PrivacyOptions are the levels creator_info/query offers (default
	// all four).
	PrivacyOptions []string
	// Unaudited makes the app one TikTok has not audited: a direct post
	// that is not SELF_ONLY is refused.
	Unaudited bool
	// ProcessingPolls is how many status reads a video stays in
	// PROCESSING_UPLOAD for (default 1).
	ProcessingPolls int
	// FailReason, when set, makes processing end FAILED with it.
	FailReason string
}

// Fake is a contract fake of TikTok's Content Posting API v2 for what
// herald calls: creator_info/query, the direct and inbox video inits
// with FILE_UPLOAD, the chunked PUTs to the upload URL (Content-Range,
// chunk sizes and count as the Media Transfer Guide requires, in order),
// post/publish/status/fetch with its processing states, video/list,
// video/query and the token endpoint with rotating refresh tokens. Every
// call needs a live bearer token; inits are limited to 6 a minute per
// token (429 rate_limit_exceeded); errors come in TikTok's envelope
// {"data":{},"error":{"code","message","log_id"}}. A direct post exists
// from its last chunk; an inbox upload never becomes a post here (the
// creator finishes it in the app). Seed fills the account with videos
// posted in the app. It imports no testing package, so
// herald demo can run it.
type Fake struct {
	*platformtest.Fake

	opts FakeOptions

	mu        sync.Mutex
	access    map[string]time.Time
	refresh   string
	refreshAt time.Time
	issued    int
	refreshes int
	inits     map[string][]time.Time // per token
	uploads   map[string]*upload     // by publish ID
	seq       int
	stats     map[string][4]int64 // likes, comments, shares, views
}

type upload struct {
	inbox       bool
	info        map[string]any
	size, chunk int64
	count       int64
	typ         string
	data        []byte
	polls       int
	postID      string
}

// NewFake starts a TikTok fake that lives until r's cleanup. URL() is the
// adapter's base_url; TokenURL() its token endpoint.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.AccessToken = cmp.Or(opts.AccessToken, "tt-access-0")
	opts.RefreshToken = cmp.Or(opts.RefreshToken, "tt-refresh-0")
	opts.ClientKey = cmp.Or(opts.ClientKey, "herald-client-key")
	opts.ClientSecret = cmp.Or(opts.ClientSecret, "herald-client-secret")
	opts.Username = cmp.Or(opts.Username, "herald.test")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 2 * time.Hour
	}
	if opts.RefreshTTL == 0 {
		opts.RefreshTTL = 180 * 24 * time.Hour
	}
	if opts.PrivacyOptions == nil {
		opts.PrivacyOptions = PrivacyLevels
	}
	if opts.ProcessingPolls == 0 {
		opts.ProcessingPolls = 1
	}
	f := &Fake{opts: opts, access: map[string]time.Time{opts.AccessToken: opts.Now().Add(opts.TokenTTL)},
		refresh: opts.RefreshToken, refreshAt: opts.Now().Add(opts.RefreshTTL),
		inits: map[string][]time.Time{}, uploads: map[string]*upload{}, stats: map[string][4]int64{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: "/tiktok/", Now: opts.Now,
		ErrorBody: func(_ int, code, message string) any {
			return map[string]any{"data": map[string]any{}, "error": map[string]any{"code": code, "message": message, "log_id": "202603010900000000"}}
		},
	})
	js := "application/json"
	caption := []platformtest.Limit{{Path: "post_info.title", Max: MaxTitle, Unit: "UTF-16 code units", Count: func(s string) int { return len(utf16.Encode([]rune(s))) }}}
	f.Handle("POST /v2/post/publish/creator_info/query/", platformtest.Contract{ContentType: js}, f.creatorInfo)
	f.Handle("POST /v2/post/publish/video/init/", platformtest.Contract{ContentType: js,
		Required: []string{"post_info.privacy_level", "source_info.source"}, Limits: caption}, f.init(false))
	f.Handle("POST /v2/post/publish/inbox/video/init/", platformtest.Contract{ContentType: js,
		Required: []string{"source_info.source"}}, f.init(true))
	f.Handle("PUT /upload/", platformtest.Contract{Create: true}, f.put)
	f.Handle("POST /v2/post/publish/status/fetch/", platformtest.Contract{ContentType: js, Required: []string{"publish_id"}}, f.status)
	f.Handle("POST /v2/video/query/", platformtest.Contract{ContentType: js, Required: []string{"filters.video_ids"}}, f.query)
	f.Handle("POST /v2/video/list/", platformtest.Contract{ContentType: js}, f.list)
	f.Handle("POST /v2/oauth/token/", platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}, f.token)
	return f
}

// TokenURL is the fake's token endpoint.
func (f *Fake) TokenURL() string { return f.URL() + "/v2/oauth/token/" }

// AccessToken is the token the fake accepts at start.
func (f *Fake) AccessToken() string { return f.opts.AccessToken }

// RefreshToken is the refresh token the fake accepts now: it changes with
// every refresh.
func (f *Fake) RefreshToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refresh
}

// Refreshes counts the refreshes granted.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// Inbox lists the publish IDs of uploads waiting in the creator's inbox.
func (f *Fake) Inbox() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, u := range f.uploads {
		if u.inbox && int64(len(u.data)) == u.size {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// SetCounts sets a video's likes, comments, shares and views.
func (f *Fake) SetCounts(id string, likes, comments, shares, views int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats[id] = [4]int64{likes, comments, shares, views}
}

// authorize checks the bearer token and answers 401 access_token_invalid
// when it is unknown or has lapsed. It returns the token.
func (f *Fake) authorize(c *platformtest.Call) (string, bool) {
	tok, ok := strings.CutPrefix(c.R.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	exp, known := f.access[tok]
	f.mu.Unlock()
	if !ok || !known || !f.opts.Now().Before(exp) {
		c.Error(http.StatusUnauthorized, "access_token_invalid", "The access token is invalid or not found in the request.")
		return "", false
	}
	return tok, true
}

func (f *Fake) reply(c *platformtest.Call, data any) {
	c.Reply(http.StatusOK, map[string]any{"data": data, "error": map[string]any{"code": "ok", "message": "", "log_id": "202603010900000000"}})
}

func (f *Fake) creatorInfo(c *platformtest.Call) {
	if _, ok := f.authorize(c); !ok {
		return
	}
	f.reply(c, map[string]any{"creator_avatar_url": "https://p16.tiktokcdn.com/avatar.jpeg", "creator_username": f.opts.Username,
		"creator_nickname": "Herald", "privacy_level_options": f.opts.PrivacyOptions, "comment_disabled": false,
		"duet_disabled": false, "stitch_disabled": false, "max_video_post_duration_sec": 600})
}

func num(c *platformtest.Call, path string) (int64, bool) {
	var cur any = c.JSON
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false
		}
		cur = m[k]
	}
	f, ok := cur.(float64)
	return int64(f), ok && f == float64(int64(f))
}

func (f *Fake) init(inbox bool) platformtest.Handler {
	return func(c *platformtest.Call) {
		tok, ok := f.authorize(c)
		if !ok {
			return
		}
		if c.String("source_info.source") != "FILE_UPLOAD" {
			c.Error(http.StatusBadRequest, "invalid_params", "source_info.source must be FILE_UPLOAD or PULL_FROM_URL (the fake serves FILE_UPLOAD)")
			return
		}
		size, ok1 := num(c, "source_info.video_size")
		chunk, ok2 := num(c, "source_info.chunk_size")
		count, ok3 := num(c, "source_info.total_chunk_count")
		if !ok1 || !ok2 || !ok3 {
			c.Error(http.StatusBadRequest, "invalid_params", "FILE_UPLOAD needs video_size, chunk_size and total_chunk_count")
			return
		}
		if msg := checkChunks(size, chunk, count); msg != "" {
			c.Error(http.StatusBadRequest, "invalid_params", msg)
			return
		}
		if !inbox {
			level := c.String("post_info.privacy_level")
			if !slices.Contains(f.opts.PrivacyOptions, level) {
				c.Error(http.StatusBadRequest, "privacy_level_option_mismatch", "privacy_level "+level+" is not one of the creator's privacy_level_options")
				return
			}
			if f.opts.Unaudited && level != "SELF_ONLY" {
				c.Error(http.StatusForbidden, "unaudited_client_can_only_post_to_private_accounts", "Unaudited clients can only post to a private account")
				return
			}
		}
		now := f.opts.Now()
		f.mu.Lock()
		var recent []time.Time
		for _, at := range f.inits[tok] {
			if now.Sub(at) < time.Minute {
				recent = append(recent, at)
			}
		}
		if len(recent) >= InitsPerMinute {
			f.mu.Unlock()
			c.Error(http.StatusTooManyRequests, "rate_limit_exceeded", "The API rate limit was exceeded. Please try again later.")
			return
		}
		f.inits[tok] = append(recent, now)
		f.seq++
		id := fmt.Sprintf("v_pub_file~v2-1.%d", 7300000000000000000+f.seq)
		f.uploads[id] = &upload{inbox: inbox, info: c.JSON, size: size, chunk: chunk, count: count}
		f.mu.Unlock()
		scheme := "http"
		if c.R.TLS != nil {
			scheme = "https"
		}
		f.reply(c, map[string]any{"publish_id": id, "upload_url": scheme + "://" + c.R.Host + "/tiktok/upload/?upload_id=" + url.QueryEscape(id) + "&upload_token=fake-upload-token"})
	}
}

// checkChunks holds an init's sizes to the Media Transfer Guide's rules.
func checkChunks(size, chunk, count int64) string {
	switch {
	case size <= 0:
		return "video_size must be positive"
	case size < MinChunk && (chunk != size || count != 1):
		return fmt.Sprintf("a video under 5 MB (%d bytes) is uploaded whole: chunk_size must be video_size and total_chunk_count 1", size)
	case size >= MinChunk && (chunk < MinChunk || chunk > MaxChunk) && !(chunk == size && count == 1 && size <= MaxChunk):
		return fmt.Sprintf("chunk_size %d must be from 5 MB to 64 MB", chunk)
	case size > MaxChunk && count < 2:
		return "a video over 64 MB must be uploaded in chunks"
	case count < 1 || count > MaxChunks:
		return fmt.Sprintf("total_chunk_count %d must be from 1 to 1000", count)
	case count != max(size/chunk, 1):
		return fmt.Sprintf("total_chunk_count %d must be video_size / chunk_size rounded down (%d)", count, size/chunk)
	case size-(count-1)*chunk > MaxFinalChunk:
		return "the final chunk would exceed 128 MB"
	}
	return ""
}

func (f *Fake) put(c *platformtest.Call) {
	q := c.R.URL.Query()
	f.mu.Lock()
	u := f.uploads[q.Get("upload_id")]
	f.mu.Unlock()
	if u == nil || q.Get("upload_token") == "" {
		c.Error(http.StatusNotFound, "invalid_upload_url", "the upload URL is unknown or expired")
		return
	}
	typ := c.R.Header.Get("Content-Type")
	if typ != "video/mp4" && typ != "video/quicktime" && typ != "video/webm" {
		c.Error(http.StatusBadRequest, "invalid_file_upload", "Content-Type must be video/mp4, video/quicktime or video/webm, not "+strconv.Quote(typ))
		return
	}
	cr := c.R.Header.Get("Content-Range")
	var first, last, total int64
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil || total != u.size || last < first || last >= total {
		c.Error(http.StatusBadRequest, "invalid_file_upload", fmt.Sprintf("Content-Range %q must be bytes FIRST-LAST/%d", cr, u.size))
		return
	}
	f.mu.Lock()
	held := int64(len(u.data))
	f.mu.Unlock()
	index := held / u.chunk
	final := index == u.count-1
	want := u.chunk
	if final {
		want = u.size - held
	}
	switch {
	case first != held:
		c.Error(http.StatusBadRequest, "invalid_file_upload", fmt.Sprintf("chunks go in order: the next starts at byte %d, not %d", held, first))
		return
	case last-first+1 != want || int64(len(c.Body)) != want:
		c.Error(http.StatusBadRequest, "invalid_file_upload", fmt.Sprintf("chunk %d of %d must have %d bytes, not %d", index+1, u.count, want, len(c.Body)))
		return
	}
	f.mu.Lock()
	u.data = append(u.data, c.Body...)
	u.typ = typ
	f.mu.Unlock()
	if !final {
		c.Reply(http.StatusPartialContent, nil)
		return
	}
	if !u.inbox && f.opts.FailReason == "" {
		f.publish(u)
	}
	c.Reply(http.StatusCreated, nil)
}

// publish makes a direct post's video.
func (f *Fake) publish(u *upload) {
	f.mu.Lock()
	f.seq++
	id := strconv.FormatInt(7400000000000000000+int64(f.seq), 10)
	u.postID = id
	f.mu.Unlock()
	info := &platformtest.Call{JSON: u.info}
	f.Store.Add(platformtest.Post{ID: id, Text: info.String("post_info.title"), URL: VideoURL(f.opts.Username, id), CreatedAt: f.opts.Now(),
		Media:  []platformtest.MediaItem{{ID: id, Type: u.typ, Data: u.data}},
		Fields: map[string]any{"privacy_level": info.String("post_info.privacy_level"), "post_info": u.info["post_info"]}})
}

var _ platformtest.Seeder = (*Fake)(nil)

// seedCaptions are captions as creators write them in the app: a line
// and hashtags, or hashtags alone.
var seedCaptions = []string{"day %d of learning to cook 🍳 #cooking #fyp", "#fyp #foryou #dance (%d)",
	"POV: it's Monday again, part %d #relatable", "replying to comments, round %d 💬"}

// Seed implements platformtest.Seeder: n videos the creator posted in
// TikTok's app, at at, after every post the fake holds, so that
// video/list gives them with herald's, newest first. Each has a caption
// of its own in the app's style: emoji and hashtags, some of hashtags
// alone.
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		f.mu.Lock()
		k := f.seq + 1
		f.mu.Unlock()
		f.PostInApp(fmt.Sprintf(seedCaptions[k%len(seedCaptions)], k), at)
	}
}

// PostInApp adds a public video the creator posted in TikTok's app at
// at, with caption ("" for none), and returns its ID.
func (f *Fake) PostInApp(caption string, at time.Time) string {
	f.mu.Lock()
	f.seq++
	id := strconv.FormatInt(7400000000000000000+int64(f.seq), 10)
	f.mu.Unlock()
	f.Store.Add(platformtest.Post{ID: id, Text: caption, URL: VideoURL(f.opts.Username, id), CreatedAt: at,
		Media:  []platformtest.MediaItem{{ID: id, Type: "video/mp4"}},
		Fields: map[string]any{"privacy_level": "PUBLIC_TO_EVERYONE"}})
	return id
}

func (f *Fake) status(c *platformtest.Call) {
	if _, ok := f.authorize(c); !ok {
		return
	}
	f.mu.Lock()
	u := f.uploads[c.String("publish_id")]
	var data map[string]any
	if u != nil {
		data = map[string]any{"uploaded_bytes": len(u.data)}
		switch {
		case int64(len(u.data)) < u.size:
			data["status"] = "PROCESSING_UPLOAD"
		case u.polls < f.opts.ProcessingPolls:
			u.polls++
			data["status"] = "PROCESSING_UPLOAD"
		case f.opts.FailReason != "":
			data["status"], data["fail_reason"] = "FAILED", f.opts.FailReason
		case u.inbox:
			data["status"] = "SEND_TO_USER_INBOX"
		default:
			data["status"] = "PUBLISH_COMPLETE"
			if n, err := strconv.ParseInt(u.postID, 10, 64); err == nil {
				data["publicaly_available_post_id"] = []int64{n}
			}
		}
	}
	f.mu.Unlock()
	if u == nil {
		c.Error(http.StatusBadRequest, "invalid_publish_id", "publish_id does not exist")
		return
	}
	f.reply(c, data)
}

func (f *Fake) fields(c *platformtest.Call) bool {
	if c.R.URL.Query().Get("fields") == "" {
		c.Error(http.StatusBadRequest, "invalid_params", "fields is required")
		return false
	}
	return true
}

func (f *Fake) videoJSON(p platformtest.Post) map[string]any {
	f.mu.Lock()
	s := f.stats[p.ID]
	f.mu.Unlock()
	return map[string]any{"id": p.ID, "title": p.Text, "video_description": p.Text, "create_time": p.CreatedAt.Unix(),
		"share_url": p.URL, "like_count": s[0], "comment_count": s[1], "share_count": s[2], "view_count": s[3]}
}

func (f *Fake) query(c *platformtest.Call) {
	if _, ok := f.authorize(c); !ok || !f.fields(c) {
		return
	}
	ids := c.Strings("filters.video_ids")
	if len(ids) > 20 {
		c.Error(http.StatusBadRequest, "invalid_params", "at most 20 video_ids")
		return
	}
	videos := []any{}
	for _, id := range ids {
		if p, ok := f.Store.Get(id); ok && !p.Deleted {
			videos = append(videos, f.videoJSON(p))
		}
	}
	f.reply(c, map[string]any{"videos": videos, "cursor": 0, "has_more": false})
}

func (f *Fake) list(c *platformtest.Call) {
	if _, ok := f.authorize(c); !ok || !f.fields(c) {
		return
	}
	n, ok := num(c, "max_count")
	if !ok {
		n = 10
	}
	if n < 1 || n > 20 {
		c.Error(http.StatusBadRequest, "invalid_params", "max_count must be from 1 to 20")
		return
	}
	start, _ := num(c, "cursor")
	posts := f.Posts()
	slices.Reverse(posts) // newest first
	videos := []any{}
	for i := start; i < int64(len(posts)) && i < start+n; i++ {
		videos = append(videos, f.videoJSON(posts[i]))
	}
	f.reply(c, map[string]any{"videos": videos, "cursor": start + n, "has_more": start+n < int64(len(posts))})
}

func (f *Fake) token(c *platformtest.Call) {
	form, err := url.ParseQuery(string(c.Body))
	if err != nil || form.Get("grant_type") != "refresh_token" {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "grant_type must be refresh_token", "log_id": "1"})
		return
	}
	if form.Get("client_key") != f.opts.ClientKey || form.Get("client_secret") != f.opts.ClientSecret {
		c.Reply(http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client key or secret is incorrect.", "log_id": "1"})
		return
	}
	now := f.opts.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if form.Get("refresh_token") != f.refresh || !now.Before(f.refreshAt) {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "1"})
		return
	}
	f.issued++
	f.refreshes++
	tok := fmt.Sprintf("tt-access-%d", f.issued)
	f.access[tok] = now.Add(f.opts.TokenTTL)
	// Rotation: the old refresh token stops working.
	f.refresh = fmt.Sprintf("tt-refresh-%d", f.issued)
	f.refreshAt = now.Add(f.opts.RefreshTTL)
	c.Reply(http.StatusOK, map[string]any{"access_token": tok, "expires_in": int(f.opts.TokenTTL / time.Second), "open_id": "open-herald",
		"refresh_token": f.refresh, "refresh_expires_in": int(f.opts.RefreshTTL / time.Second), "scope": "user.info.basic,video.publish,video.upload,video.list", "token_type": "Bearer"})
}
