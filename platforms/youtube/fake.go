package youtube

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
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeOptions configure a Fake. Zero values get the defaults named on
// each field.
type FakeOptions struct {
	// Now is the fake's clock, for token expiry and the quota day.
	// Default: a fixed time.
	Now func() time.Time
	// AccessToken is the live token (default "yt-access-0"), valid
	// TokenTTL (default one hour, as Google's) from Now at start.
	AccessToken string
	TokenTTL    time.Duration
	// RefreshToken (default "yt-refresh-0") renews it at the token
	// endpoint with ClientID and ClientSecret (defaults "herald-client",
	// "herald-client-secret"). Google does not rotate refresh tokens.
	RefreshToken string
	ClientID     string
	ClientSecret string
	// QuotaUnits is the project's daily allowance for every method but
	// videos.insert (default 10,000); UploadQuota the videos.insert
	// bucket (default 100). Spent, they answer 403 quotaExceeded.
	QuotaUnits  int
	UploadQuota int
	// DropAt, when positive, drops the connection of the upload chunk
	// that would carry byte DropAt, after the session kept the bytes
	// before it: a connection lost mid-upload. Drops is how many times
	// (default 1 when DropAt is set).
	DropAt int64
	Drops  int
	// Channel is the channel ID (default "UCherald0000000000000000").
	Channel string
}

// Fake is a contract fake of the YouTube Data API v3 for what herald
// calls: resumable uploads (POST /upload/youtube/v3/videos
// uploadType=resumable, then PUTs of chunks to the session URI with
// Content-Range, answered 308 with Range until the last, and the status
// query "bytes */total"), thumbnails.set, videos.update, videos.delete,
// videos.list part=statistics, channels.list mine=true, playlistItems.list
// and Google's token endpoint. It enforces bearer tokens that expire,
// chunk sizes in multiples of 256 KiB, resumption at exactly the next byte
// the session holds, the video resource's limits (title 100 characters,
// description 5000 bytes, no angle brackets, tags 500 characters), the
// daily quota in units with Google's 403 quotaExceeded, and answers in
// Google's error envelope. A video exists from its last byte. Seed fills
// the channel with videos uploaded outside herald. It imports
// no testing package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	opts FakeOptions

	mu        sync.Mutex
	access    map[string]time.Time
	issued    int
	refreshes int
	sessions  map[string]*session
	day       string
	units     int
	uploads   int
	drops     int
	videos    map[string]*fakeVideo // by video ID
	order     []string              // video IDs, oldest first
}

type session struct {
	size  int64
	typ   string
	data  []byte
	video map[string]any // the metadata sent at the start
	done  string         // the video's ID once complete
}

type fakeVideo struct {
	title, description, category, privacy string
	tags                                  []string
	kids                                  bool
	published                             time.Time
	views, likes, comments                int64
}

// NewFake starts a YouTube fake that lives until r's cleanup. URL() is
// the adapter's base_url (the googleapis host); TokenURL() its token_url.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.AccessToken = cmp.Or(opts.AccessToken, "yt-access-0")
	opts.RefreshToken = cmp.Or(opts.RefreshToken, "yt-refresh-0")
	opts.ClientID = cmp.Or(opts.ClientID, "herald-client")
	opts.ClientSecret = cmp.Or(opts.ClientSecret, "herald-client-secret")
	opts.Channel = cmp.Or(opts.Channel, "UCherald0000000000000000")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.QuotaUnits == 0 {
		opts.QuotaUnits = DefaultQuotaUnits
	}
	if opts.UploadQuota == 0 {
		opts.UploadQuota = DefaultUploadQuota
	}
	if opts.DropAt > 0 && opts.Drops == 0 {
		opts.Drops = 1
	}
	f := &Fake{opts: opts, access: map[string]time.Time{opts.AccessToken: opts.Now().Add(opts.TokenTTL)},
		sessions: map[string]*session{}, videos: map[string]*fakeVideo{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: "/googleapis/", Now: opts.Now,
		ErrorBody: func(status int, code, message string) any { return googleErr(status, code, message) },
	})
	resource := []platformtest.Limit{
		{Path: "snippet.title", Max: MaxTitle},
		{Path: "snippet.description", Max: MaxDescription, Count: func(s string) int { return len(s) }, Unit: "bytes"},
	}
	f.Handle("POST /upload/youtube/v3/videos", platformtest.Contract{ContentType: "application/json",
		Required: []string{"snippet.title", "status.privacyStatus"}, Limits: resource}, f.startUpload)
	f.Handle("PUT /upload/youtube/v3/videos", platformtest.Contract{Create: true}, f.uploadChunk)
	f.Handle("POST /upload/youtube/v3/thumbnails/set", platformtest.Contract{}, f.setThumbnail)
	f.Handle("PUT /youtube/v3/videos", platformtest.Contract{ContentType: "application/json",
		Required: []string{"id", "snippet.title", "snippet.categoryId", "status.privacyStatus"}, Limits: resource}, f.update)
	f.Handle("DELETE /youtube/v3/videos", platformtest.Contract{}, f.delete)
	f.Handle("GET /youtube/v3/videos", platformtest.Contract{}, f.list)
	f.Handle("GET /youtube/v3/channels", platformtest.Contract{}, f.channels)
	f.Handle("GET /youtube/v3/playlistItems", platformtest.Contract{}, f.playlistItems)
	f.Handle("POST /token", platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}, f.token)
	return f
}

// TokenURL is the fake's token endpoint.
func (f *Fake) TokenURL() string { return f.URL() + "/token" }

// AccessToken is the token the fake accepts at start.
func (f *Fake) AccessToken() string { return f.opts.AccessToken }

// RefreshToken is the refresh token the fake accepts.
func (f *Fake) RefreshToken() string { return f.opts.RefreshToken }

// Refreshes counts the refreshes the token endpoint granted.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// UnitsSpent is what the day's calls cost in the general bucket, and
// Uploads the videos.insert calls.
func (f *Fake) UnitsSpent() (units, uploads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.units, f.uploads
}

// SpendQuota spends units of today's quota, as another program on the
// same project would.
func (f *Fake) SpendQuota(units, uploads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roll()
	f.units += units
	f.uploads += uploads
}

// SetStatistics sets a video's counts.
func (f *Fake) SetStatistics(id string, views, likes, comments int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.videos[id]; ok {
		v.views, v.likes, v.comments = views, likes, comments
	}
}

// Expire makes every access token issued so far lapse.
func (f *Fake) Expire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.access {
		f.access[k] = f.opts.Now().Add(-time.Second)
	}
}

func googleErr(status int, reason, message string) map[string]any {
	return map[string]any{"error": map[string]any{"code": status, "message": message,
		"errors": []map[string]any{{"message": message, "domain": "youtube", "reason": reason}}}}
}

func (f *Fake) roll() {
	if d := day(f.opts.Now()); d != f.day {
		f.day, f.units, f.uploads = d, 0, 0
	}
}

// authorize checks the bearer token and charges cost units (and uploads
// videos.insert calls); it answers and returns false when either fails.
func (f *Fake) authorize(c *platformtest.Call, cost, uploads int) bool {
	tok, ok := strings.CutPrefix(c.R.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	exp, known := f.access[tok]
	f.mu.Unlock()
	if !ok || !known || !f.opts.Now().Before(exp) {
		c.Error(http.StatusUnauthorized, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return false
	}
	f.mu.Lock()
	f.roll()
	over := f.units+cost > f.opts.QuotaUnits || f.uploads+uploads > f.opts.UploadQuota
	if !over {
		f.units += cost
		f.uploads += uploads
	}
	f.mu.Unlock()
	if over {
		c.Error(http.StatusForbidden, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.")
		return false
	}
	return true
}

func (f *Fake) startUpload(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("uploadType") != "resumable" || !partHas(q.Get("part"), "snippet", "status") {
		c.Error(http.StatusBadRequest, "badRequest", "want uploadType=resumable and part=snippet,status")
		return
	}
	size, err := strconv.ParseInt(c.R.Header.Get("X-Upload-Content-Length"), 10, 64)
	typ := c.R.Header.Get("X-Upload-Content-Type")
	if err != nil || size <= 0 {
		c.Error(http.StatusBadRequest, "badRequest", "X-Upload-Content-Length must give the file's size in bytes")
		return
	}
	if !strings.HasPrefix(typ, "video/") && typ != "application/octet-stream" {
		c.Error(http.StatusBadRequest, "mediaBodyRequired", "X-Upload-Content-Type must be video/* or application/octet-stream, not "+strconv.Quote(typ))
		return
	}
	if msg := checkResource(c); msg != "" {
		c.Error(http.StatusBadRequest, msg, "invalid video metadata: "+msg)
		return
	}
	if !f.authorize(c, 0, 1) {
		return
	}
	f.mu.Lock()
	id := strconv.Itoa(len(f.sessions) + 1)
	f.sessions[id] = &session{size: size, typ: typ, video: c.JSON}
	f.mu.Unlock()
	scheme := "http"
	if c.R.TLS != nil {
		scheme = "https"
	}
	c.Header().Set("Location", scheme+"://"+c.R.Host+"/googleapis/upload/youtube/v3/videos?uploadType=resumable&upload_id="+id)
	c.Reply(http.StatusOK, nil)
}

// checkResource checks what the API refuses in a video resource that the
// contract's limits do not say: angle brackets, the privacy status and the
// tags' total length. It returns the reason, "" when the resource is fine.
func checkResource(c *platformtest.Call) string {
	for _, p := range []string{"snippet.title", "snippet.description"} {
		if strings.ContainsAny(c.String(p), "<>") {
			return "invalid" + strings.ToUpper(p[8:9]) + p[9:]
		}
	}
	if p := c.String("status.privacyStatus"); p != "public" && p != "unlisted" && p != "private" {
		return "invalidPrivacyStatus"
	}
	total := 0
	for i, t := range c.Strings("snippet.tags") {
		total += utf8.RuneCountInString(t)
		if strings.Contains(t, " ") {
			total += 2
		}
		if i > 0 {
			total++
		}
	}
	if total > MaxTags {
		return "invalidTags"
	}
	return ""
}

func partHas(part string, want ...string) bool {
	have := strings.Split(part, ",")
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (f *Fake) uploadChunk(c *platformtest.Call) {
	if !f.authorize(c, 0, 0) {
		return
	}
	f.mu.Lock()
	s := f.sessions[c.R.URL.Query().Get("upload_id")]
	f.mu.Unlock()
	if s == nil {
		c.Error(http.StatusNotFound, "notFound", "no such upload session")
		return
	}
	cr := c.R.Header.Get("Content-Range")
	spec, ok := strings.CutPrefix(cr, "bytes ")
	rng, total, ok2 := strings.Cut(spec, "/")
	if !ok || !ok2 || total != strconv.FormatInt(s.size, 10) {
		c.Error(http.StatusBadRequest, "badContent", fmt.Sprintf("Content-Range %q must be bytes FIRST-LAST/%d or bytes */%d", cr, s.size, s.size))
		return
	}
	if rng == "*" {
		if len(c.Body) != 0 {
			c.Error(http.StatusBadRequest, "badContent", "a status query carries no body")
			return
		}
		f.answer(c, s)
		return
	}
	a, b, ok := strings.Cut(rng, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	f.mu.Lock()
	held := int64(len(s.data))
	done := s.done
	f.mu.Unlock()
	switch {
	case !ok || err1 != nil || err2 != nil || last < first || last >= s.size:
		c.Error(http.StatusBadRequest, "badContent", fmt.Sprintf("Content-Range %q is not a range of the file's %d bytes", cr, s.size))
		return
	case done != "":
		f.answer(c, s)
		return
	case first != held:
		c.Error(http.StatusBadRequest, "badContent", fmt.Sprintf("the chunk starts at byte %d but the session holds %d bytes: resume from the Range of a status query", first, held))
		return
	case int64(len(c.Body)) != last-first+1:
		c.Error(http.StatusBadRequest, "badContent", fmt.Sprintf("the body has %d bytes, Content-Range says %d", len(c.Body), last-first+1))
		return
	case last+1 < s.size && len(c.Body)%ChunkUnit != 0:
		c.Error(http.StatusBadRequest, "badContent", fmt.Sprintf("a chunk that is not the last must be a multiple of 256 KiB (262144 bytes), not %d", len(c.Body)))
		return
	}
	body := c.Body
	f.mu.Lock()
	drop := f.opts.DropAt > first && f.opts.DropAt <= last && f.drops < f.opts.Drops
	if drop {
		f.drops++
		body = body[:f.opts.DropAt-first]
	}
	s.data = append(s.data, body...)
	f.mu.Unlock()
	if drop {
		// The connection breaks with part of the chunk kept: the client
		// hears nothing.
		panic(http.ErrAbortHandler)
	}
	if int64(len(s.data)) == s.size {
		f.complete(s)
	}
	f.answer(c, s)
}

// complete makes the session's video.
func (f *Fake) complete(s *session) {
	meta := &platformtest.Call{JSON: s.video}
	v := &fakeVideo{title: meta.String("snippet.title"), description: meta.String("snippet.description"),
		category: meta.String("snippet.categoryId"), privacy: meta.String("status.privacyStatus"),
		tags: meta.Strings("snippet.tags"), published: f.opts.Now()}
	v.kids, _ = lookupBool(s.video, "status", "selfDeclaredMadeForKids")
	f.mu.Lock()
	id := fmt.Sprintf("hrld%07d", len(f.order)+1)
	f.videos[id] = v
	f.order = append(f.order, id)
	s.done = id
	f.mu.Unlock()
	f.Store.Add(platformtest.Post{ID: id, Text: v.description, URL: VideoURL(id), CreatedAt: v.published,
		Media:  []platformtest.MediaItem{{ID: id, Type: s.typ, Data: s.data}},
		Fields: map[string]any{"title": v.title, "categoryId": v.category, "privacyStatus": v.privacy, "tags": v.tags, "madeForKids": v.kids}})
}

func lookupBool(doc map[string]any, keys ...string) (bool, bool) {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return false, false
		}
		cur = m[k]
	}
	b, ok := cur.(bool)
	return b, ok
}

// answer is a session's answer: 308 with the Range it holds, or the
// video resource once complete.
func (f *Fake) answer(c *platformtest.Call, s *session) {
	f.mu.Lock()
	id, held := s.done, int64(len(s.data))
	f.mu.Unlock()
	if id == "" {
		if held > 0 {
			c.Header().Set("Range", fmt.Sprintf("bytes=0-%d", held-1))
		}
		c.Reply(http.StatusPermanentRedirect, nil)
		return
	}
	c.Reply(http.StatusOK, f.resource(id))
}

func (f *Fake) resource(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.videos[id]
	return map[string]any{"kind": "youtube#video", "id": id,
		"snippet": map[string]any{"publishedAt": v.published.UTC().Format(time.RFC3339), "channelId": f.opts.Channel,
			"title": v.title, "description": v.description, "tags": v.tags, "categoryId": v.category},
		"status": map[string]any{"uploadStatus": "uploaded", "privacyStatus": v.privacy, "selfDeclaredMadeForKids": v.kids}}
}

var _ platformtest.Seeder = (*Fake)(nil)

// Seed implements platformtest.Seeder: n videos uploaded to the channel
// outside herald (YouTube Studio, the app), published at at, after every
// video the fake holds, so that the uploads playlist lists them with
// herald's, newest first. Each has a title and description of its own:
// some keep the file's name as their title, as a Studio upload does until
// it is retitled, some are Shorts; they are public, unlisted or private
// in turn, as the owner's uploads playlist lists all three.
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		f.mu.Lock()
		k := len(f.order) + 1
		f.mu.Unlock()
		title, desc := fmt.Sprintf("Behind the scenes, part %d", k), fmt.Sprintf("Filmed on the road, part %d.\n\nMusic licensed from the YouTube Audio Library.", k)
		switch k % 4 {
		case 1:
			title, desc = fmt.Sprintf("VID_%s_%04d", at.UTC().Format("20060102"), k), fmt.Sprintf("Uploaded from a phone (%d)", k)
		case 2:
			title, desc = fmt.Sprintf("Quick tip #%d #shorts", k), fmt.Sprintf("Tip %d in under a minute. #shorts", k)
		}
		f.UploadInStudio(title, desc, at)
	}
}

// UploadInStudio adds a video uploaded to the channel outside herald at
// at, with title and description, and returns its ID. It is public,
// unlisted or private in turn.
func (f *Fake) UploadInStudio(title, description string, at time.Time) string {
	privacy := []string{"public", "unlisted", "private"}
	f.mu.Lock()
	k := len(f.order) + 1
	id := fmt.Sprintf("stud%07d", k)
	v := &fakeVideo{title: title, description: description, category: "22", privacy: privacy[k%len(privacy)], published: at}
	f.videos[id] = v
	f.order = append(f.order, id)
	f.mu.Unlock()
	f.Store.Add(platformtest.Post{ID: id, Text: v.description, URL: VideoURL(id), CreatedAt: at,
		Media:  []platformtest.MediaItem{{ID: id, Type: "video/mp4"}},
		Fields: map[string]any{"title": v.title, "categoryId": v.category, "privacyStatus": v.privacy, "tags": v.tags, "madeForKids": false}})
	return id
}

// live reports whether the video exists (not deleted on the fake).
func (f *Fake) live(id string) bool {
	p, ok := f.Store.Get(id)
	return ok && !p.Deleted
}

func (f *Fake) setThumbnail(c *platformtest.Call) {
	typ := c.R.Header.Get("Content-Type")
	if typ != "image/png" && typ != "image/jpeg" && typ != "application/octet-stream" {
		c.Error(http.StatusBadRequest, "invalidImage", "the thumbnail must be a JPEG or PNG image, not "+strconv.Quote(typ))
		return
	}
	if len(c.Body) > MaxThumbnailBytes {
		c.Error(http.StatusRequestEntityTooLarge, "mediaBodyTooLarge", "the thumbnail is larger than 2 MB")
		return
	}
	if !f.authorize(c, CostThumbnail, 0) {
		return
	}
	id := c.R.URL.Query().Get("videoId")
	if !f.Store.Update(id, func(p *platformtest.Post) {
		p.Media = append(p.Media[:1], platformtest.MediaItem{ID: id + "-thumbnail", Type: typ, Data: c.Body})
	}) {
		c.Error(http.StatusNotFound, "videoNotFound", "The video that you are trying to update cannot be found.")
		return
	}
	c.Reply(http.StatusOK, map[string]any{"kind": "youtube#thumbnailSetResponse", "items": []any{map[string]any{"default": map[string]any{"url": "https://i.ytimg.com/vi/" + id + "/default.jpg"}}}})
}

func (f *Fake) update(c *platformtest.Call) {
	if !partHas(c.R.URL.Query().Get("part"), "snippet", "status") {
		c.Error(http.StatusBadRequest, "badRequest", "part must name snippet and status, the parts herald sends")
		return
	}
	if msg := checkResource(c); msg != "" {
		c.Error(http.StatusBadRequest, msg, "invalid video metadata: "+msg)
		return
	}
	if !f.authorize(c, CostUpdate, 0) {
		return
	}
	id := c.String("id")
	if !f.live(id) {
		c.Error(http.StatusNotFound, "videoNotFound", "The video that you are trying to update cannot be found.")
		return
	}
	f.mu.Lock()
	v := f.videos[id]
	v.title, v.description, v.category = c.String("snippet.title"), c.String("snippet.description"), c.String("snippet.categoryId")
	v.privacy, v.tags = c.String("status.privacyStatus"), c.Strings("snippet.tags")
	v.kids, _ = lookupBool(c.JSON, "status", "selfDeclaredMadeForKids")
	f.mu.Unlock()
	f.Store.Update(id, func(p *platformtest.Post) {
		p.Text = v.description
		p.Edits++
		p.Fields = map[string]any{"title": v.title, "categoryId": v.category, "privacyStatus": v.privacy, "tags": v.tags, "madeForKids": v.kids}
	})
	c.Reply(http.StatusOK, f.resource(id))
}

func (f *Fake) delete(c *platformtest.Call) {
	if !f.authorize(c, CostDelete, 0) {
		return
	}
	id := c.R.URL.Query().Get("id")
	if !f.Store.Delete(id) {
		c.Error(http.StatusNotFound, "videoNotFound", "The video that you are trying to delete cannot be found.")
		return
	}
	c.Reply(http.StatusNoContent, nil)
}

func (f *Fake) list(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("part") != "statistics" || q.Get("id") == "" {
		c.Error(http.StatusBadRequest, "badRequest", "want part=statistics and id")
		return
	}
	if !f.authorize(c, CostList, 0) {
		return
	}
	items := []any{}
	for id := range strings.SplitSeq(q.Get("id"), ",") {
		if !f.live(id) {
			continue
		}
		f.mu.Lock()
		v := f.videos[id]
		items = append(items, map[string]any{"kind": "youtube#video", "id": id, "statistics": map[string]any{
			"viewCount": strconv.FormatInt(v.views, 10), "likeCount": strconv.FormatInt(v.likes, 10),
			"favoriteCount": "0", "commentCount": strconv.FormatInt(v.comments, 10)}})
		f.mu.Unlock()
	}
	c.Reply(http.StatusOK, map[string]any{"kind": "youtube#videoListResponse", "items": items})
}

func (f *Fake) channels(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("mine") != "true" || !partHas(q.Get("part"), "contentDetails") {
		c.Error(http.StatusBadRequest, "badRequest", "want mine=true and part=contentDetails")
		return
	}
	if !f.authorize(c, CostList, 0) {
		return
	}
	c.Reply(http.StatusOK, map[string]any{"items": []any{map[string]any{"id": f.opts.Channel,
		"contentDetails": map[string]any{"relatedPlaylists": map[string]any{"uploads": "UU" + f.opts.Channel[2:]}}}}})
}

func (f *Fake) playlistItems(c *platformtest.Call) {
	q := c.R.URL.Query()
	if q.Get("playlistId") != "UU"+f.opts.Channel[2:] || !partHas(q.Get("part"), "snippet") {
		c.Error(http.StatusNotFound, "playlistNotFound", "The playlist identified with the request's playlistId parameter cannot be found.")
		return
	}
	max, err := strconv.Atoi(cmp.Or(q.Get("maxResults"), "5"))
	if err != nil || max < 0 || max > 50 {
		c.Error(http.StatusBadRequest, "invalidValue", "maxResults must be from 0 to 50")
		return
	}
	start := 0
	if t := q.Get("pageToken"); t != "" {
		if start, err = strconv.Atoi(strings.TrimPrefix(t, "p")); err != nil {
			c.Error(http.StatusBadRequest, "invalidPageToken", "The request specifies an invalid page token.")
			return
		}
	}
	if !f.authorize(c, CostList, 0) {
		return
	}
	f.mu.Lock()
	var live []string
	for i := len(f.order) - 1; i >= 0; i-- { // newest first
		if p, ok := f.Store.Get(f.order[i]); ok && !p.Deleted {
			live = append(live, f.order[i])
		}
	}
	out := map[string]any{}
	items := []any{}
	for i := start; i < len(live) && i < start+max; i++ {
		v := f.videos[live[i]]
		items = append(items, map[string]any{"snippet": map[string]any{"publishedAt": v.published.UTC().Format(time.RFC3339),
			"title": v.title, "description": v.description, "resourceId": map[string]any{"kind": "youtube#video", "videoId": live[i]}}})
	}
	if start+max < len(live) {
		out["nextPageToken"] = "p" + strconv.Itoa(start+max)
	}
	f.mu.Unlock()
	out["items"] = items
	c.Reply(http.StatusOK, out)
}

func (f *Fake) token(c *platformtest.Call) {
	form, err := url.ParseQuery(string(c.Body))
	if err != nil || form.Get("grant_type") != "refresh_token" {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
		return
	}
	if form.Get("client_id") != f.opts.ClientID || form.Get("client_secret") != f.opts.ClientSecret {
		c.Reply(http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "The OAuth client was not found."})
		return
	}
	if form.Get("refresh_token") != f.opts.RefreshToken {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
		return
	}
	f.mu.Lock()
	f.issued++
	f.refreshes++
	tok := fmt.Sprintf("yt-access-%d", f.issued)
	f.access[tok] = f.opts.Now().Add(f.opts.TokenTTL)
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]any{"access_token": tok, "expires_in": int(f.opts.TokenTTL / time.Second),
		"scope": "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube", "token_type": "Bearer"})
}
