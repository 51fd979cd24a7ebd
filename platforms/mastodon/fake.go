package mastodon

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

// FakeToken is the access token a Fake accepts when FakeOptions.Token is
// empty.
const FakeToken = "mastodon-fake-token"

// idempotencyTTL is how long Mastodon keeps an Idempotency-Key (a Redis
// key set for 3600 seconds after the status is created).
const idempotencyTTL = time.Hour

// FakeOptions configure a Fake: the server's limits and the account it
// holds.
type FakeOptions struct {
	// Token is the bearer token accepted; default FakeToken.
	Token string
	// MaxChars is the server's max_characters; default 500.
	MaxChars int
	// DescriptionLimit is the longest alt text accepted; default 1500.
	DescriptionLimit int
	// ProcessingPolls makes uploads asynchronous: POST /api/v2/media
	// answers 202 and GET /api/v1/media/:id answers 206 this many times
	// before the file is processed. 0 processes image uploads at once
	// (200); a video is always processed in the background (202, then at
	// least one 206), as Mastodon transcodes it.
	ProcessingPolls int
	// ImageSizeLimit and VideoSizeLimit are the server's
	// image_size_limit and video_size_limit; defaults 16 MiB and 99 MiB,
	// a stock server's.
	ImageSizeLimit int
	VideoSizeLimit int
	// FailProcessing makes the background processing of every video
	// fail: GET /api/v1/media/:id then answers 422, as Mastodon does for
	// a file ffmpeg cannot read.
	FailProcessing bool
	// Server is the public address status URLs are built on; default
	// https://social.example.
	Server string
	// Username and AccountID name the token's account; defaults herald
	// and 109000000000000001.
	Username  string
	AccountID string
	// NoQuotes leaves quotes_count out of statuses, as servers before
	// 4.5 do.
	NoQuotes bool
	// GoToSocial makes the fake answer edits as GoToSocial 0.19 does
	// where it differs from Mastodon: an edit that changes nothing is
	// 422 "Unprocessable Entity: status was not changed" (Mastodon
	// answers 200), an unknown media ID is 400 "Bad Request: media not
	// found: <id>" (Mastodon: 422), an edit without language resets the
	// status to the account's language (Mastodon keeps it), and without
	// sensitive clears the flag.
	GoToSocial bool
	// DeleteReads makes deletions happen in the background, as
	// GoToSocial's do: a deleted status is still served to this many GET
	// /api/v1/statuses/:id before it is gone.
	DeleteReads int
	// LoseDeletes makes the first so many DELETEs answer 200 and delete
	// nothing, as GoToSocial 0.19.2 was seen to lose a deletion queued
	// just after an edit.
	LoseDeletes int
	// Now is the server's clock, for created_at and Idempotency-Key
	// expiry; default a fixed time.
	Now func() time.Time
}

// Counts are a status's interaction counts, set with SetCounts. Replies
// are other accounts' replies: replies_count adds the account's own.
type Counts struct {
	Favourites, Reblogs, Replies, Quotes int64
}

// Fake is a contract fake of a Mastodon server's API for one account: the
// routes herald uses, with Mastodon's checks, error bodies, Idempotency-Key
// handling, length counting, asynchronous media and rate-limit headers. It
// runs in tests and, with a platformtest.LogReporter, in herald demo.
type Fake struct {
	*platformtest.Fake
	opts FakeOptions

	mu       sync.Mutex
	keys     map[string]idempotent
	pending  map[string]int    // media ID -> 206 answers left
	failed   map[string]bool   // media ID -> its processing failed
	attached map[string]string // media ID -> status ID
	counts   map[string]Counts
	dying    map[string]int // status ID -> reads before a background deletion is done
	lost     int            // deletions lost so far
}

type idempotent struct {
	id string
	at time.Time
}

// NewFake starts a Fake that lives until r's cleanups run.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Token == "" {
		opts.Token = FakeToken
	}
	if opts.MaxChars == 0 {
		opts.MaxChars = 500
	}
	if opts.ImageSizeLimit == 0 {
		opts.ImageSizeLimit = 16 << 20
	}
	if opts.VideoSizeLimit == 0 {
		opts.VideoSizeLimit = 99 << 20
	}
	if opts.DescriptionLimit == 0 {
		opts.DescriptionLimit = 1500
	}
	if opts.Server == "" {
		opts.Server = "https://social.example"
	}
	if opts.Username == "" {
		opts.Username = "herald"
	}
	if opts.AccountID == "" {
		opts.AccountID = "109000000000000001"
	}
	if opts.Now == nil {
		fixed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	f := &Fake{opts: opts, keys: map[string]idempotent{}, pending: map[string]int{}, failed: map[string]bool{},
		attached: map[string]string{}, counts: map[string]Counts{}, dying: map[string]int{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform:  Name,
		BasePath:  "/mastodon-fake/",
		ErrorBody: errorBody,
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("X-RateLimit-Limit", "300")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
		},
		// Mastodon sends its rate-limit headers on every response; the
		// window is 300 requests per five minutes.
		Headers: func(h http.Header) {
			h.Set("X-RateLimit-Limit", "300")
			h.Set("X-RateLimit-Remaining", "299")
			h.Set("X-RateLimit-Reset", opts.Now().Add(5*time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z07:00"))
		},
		Now: opts.Now,
	})
	auth := "Bearer " + opts.Token
	jsonBody := "application/json"

	f.Handle("POST /api/v1/statuses", platformtest.Contract{Auth: auth, ContentType: jsonBody, Create: true}, f.create)
	f.Handle("GET /api/v1/statuses/{id}", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		p, ok := f.live(c)
		if !ok {
			return
		}
		f.mu.Lock()
		if n, dying := f.dying[p.ID]; dying {
			if n <= 1 {
				delete(f.dying, p.ID)
				f.Store.Delete(p.ID)
			} else {
				f.dying[p.ID] = n - 1
			}
		}
		f.mu.Unlock()
		c.Reply(http.StatusOK, f.statusJSON(p, false))
	})
	f.Handle("GET /api/v1/statuses/{id}/source", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		if p, ok := f.live(c); ok {
			c.Reply(http.StatusOK, map[string]any{"id": p.ID, "text": p.Text, "spoiler_text": field(p, "spoiler_text")})
		}
	})
	f.Handle("PUT /api/v1/statuses/{id}", platformtest.Contract{Auth: auth, ContentType: jsonBody}, f.edit)
	f.Handle("DELETE /api/v1/statuses/{id}", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		p, ok := f.live(c)
		if !ok {
			return
		}
		f.mu.Lock()
		switch {
		case f.lost < f.opts.LoseDeletes:
			f.lost++
		case f.opts.DeleteReads > 0:
			f.dying[p.ID] = f.opts.DeleteReads
		default:
			f.Store.Delete(p.ID)
		}
		f.mu.Unlock()
		c.Reply(http.StatusOK, f.statusJSON(p, true))
	})
	f.Handle("GET /api/v1/accounts/verify_credentials", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		c.Reply(http.StatusOK, f.accountJSON())
	})
	f.Handle("GET /api/v1/accounts/{id}/statuses", platformtest.Contract{Auth: auth}, f.list)
	f.Handle("POST /api/v2/media", platformtest.Contract{Auth: auth, ContentType: "multipart/form-data"}, f.upload)
	f.Handle("GET /api/v1/media/{id}", platformtest.Contract{Auth: auth}, f.media)
	return f
}

// errorBody is Mastodon's error envelope, {"error": "..."}, with the
// messages the server itself sends for the statuses every route can get.
func errorBody(status int, _, message string) any {
	switch status {
	case http.StatusUnauthorized:
		message = "The access token is invalid"
	case http.StatusTooManyRequests:
		message = "Too many requests"
	case http.StatusInternalServerError:
		message = "We're sorry, but something went wrong on our end."
	}
	return map[string]string{"error": message}
}

// SetCounts sets the interaction counts GET /api/v1/statuses/:id reports.
func (f *Fake) SetCounts(id string, c Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[id] = c
}

// Seed adds n public statuses the account posted from the app, created at
// at, each with a text of its own, so that a test holds an account busier
// than one page of a look-up (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		id := f.Store.NextID()
		f.Store.Add(platformtest.Post{ID: id, Text: "Posted from the app, number " + id, CreatedAt: at, URL: f.URLOf(id),
			Fields: map[string]any{"spoiler_text": "", "visibility": "public", "language": "", "sensitive": false}})
	}
}

// replies counts the account's own public and unlisted statuses that
// reply to id, which replies_count includes, as Mastodon's
// Status#increment_counter_caches does, with the replies SetCounts gives.
func (f *Fake) replies(id string) int64 {
	var n int64
	for _, p := range f.Store.Posts() {
		if v := field(p, "visibility"); p.ReplyTo == id && (v == "public" || v == "unlisted") {
			n++
		}
	}
	return n
}

// URLOf is the public URL of the status with id.
func (f *Fake) URLOf(id string) string {
	return f.opts.Server + "/@" + f.opts.Username + "/" + id
}

func (f *Fake) create(c *platformtest.Call) {
	now := f.opts.Now()
	key := c.R.Header.Get("Idempotency-Key")
	// PostStatusService answers a known key before it validates anything.
	if key != "" {
		f.mu.Lock()
		prev, seen := f.keys[key]
		f.mu.Unlock()
		if seen && now.Before(prev.at.Add(idempotencyTTL)) {
			p, ok := f.Store.Get(prev.id)
			if !ok || p.Deleted {
				c.Error(http.StatusNotFound, "not_found", "Record not found")
				return
			}
			c.Reply(http.StatusOK, f.statusJSON(p, false))
			return
		}
	}
	replyTo := c.String("in_reply_to_id")
	if replyTo != "" {
		if p, ok := f.Store.Get(replyTo); !ok || p.Deleted {
			c.Error(http.StatusNotFound, "not_found", "The post you are trying to reply to does not appear to exist.")
			return
		}
	}
	ids := c.Strings("media_ids")
	if len(ids) > MaxMedia {
		c.Error(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("Cannot attach more than %d files", MaxMedia))
		return
	}
	media, ok := f.attachable(c, ids, "")
	if !ok {
		return
	}
	text, spoiler := rubyStrip(c.String("status")), rubyStrip(c.String("spoiler_text"))
	if text == "" && len(media) == 0 {
		c.Error(http.StatusUnprocessableEntity, "validation", "Validation failed: Text can't be blank")
		return
	}
	if msg := f.tooLong(text, spoiler); msg != "" {
		c.Error(http.StatusUnprocessableEntity, "validation", msg)
		return
	}
	visibility := c.String("visibility")
	if visibility == "" {
		visibility = "public"
	}
	if !visibilities[visibility] {
		c.Error(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("'%s' is not a valid visibility", visibility))
		return
	}
	language := c.String("language")
	if language == "" && f.opts.GoToSocial {
		language = "en" // the account's default language
	}
	fields := map[string]any{"spoiler_text": spoiler, "visibility": visibility, "language": language}
	sensitive, _ := c.JSON["sensitive"].(bool)
	fields["sensitive"] = sensitive || spoiler != ""
	p := f.Store.Add(platformtest.Post{Text: text, ReplyTo: replyTo, Media: media, Key: key, CreatedAt: now, Fields: fields})
	p.URL = f.URLOf(p.ID)
	f.Store.Update(p.ID, func(q *platformtest.Post) { q.URL = p.URL })
	f.mu.Lock()
	for _, m := range media {
		f.attached[m.ID] = p.ID
	}
	if key != "" {
		f.keys[key] = idempotent{id: p.ID, at: now}
	}
	f.mu.Unlock()
	c.Reply(http.StatusOK, f.statusJSON(p, false))
}

// tooLong applies StatusLengthValidator: the content warning and the text,
// counted as Mastodon counts, against max_characters.
func (f *Fake) tooLong(text, spoiler string) string {
	if render.CountMastodon(text)+render.CountMastodon(spoiler) > f.opts.MaxChars {
		return fmt.Sprintf("Validation failed: Text character limit of %d exceeded", f.opts.MaxChars)
	}
	return ""
}

// attachable returns the media ids name, in order, if each is the
// account's, processed, and unattached or attached to status (for an
// edit); otherwise it answers as the server does and returns false.
func (f *Fake) attachable(c *platformtest.Call, ids []string, status string) ([]platformtest.MediaItem, bool) {
	var media []platformtest.MediaItem
	var missing []string
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		m, ok := f.Store.Media(id)
		if !ok || f.attached[id] != "" && f.attached[id] != status {
			missing = append(missing, id)
			continue
		}
		media = append(media, m)
	}
	if len(missing) > 0 {
		if f.opts.GoToSocial {
			c.Error(http.StatusBadRequest, "bad_request", "Bad Request: media not found: "+missing[0])
		} else {
			// UpdateStatusService and PostStatusService#validate_media!
			// (media_attachments.validations.not_found).
			c.Error(http.StatusUnprocessableEntity, "validation", "Media "+strings.Join(missing, ", ")+" not found or already attached to another post")
		}
		return nil, false
	}
	for _, m := range media {
		if f.pending[m.ID] > 0 || f.failed[m.ID] {
			c.Error(http.StatusUnprocessableEntity, "validation", "Cannot attach files that have not finished processing. Try again in a moment!")
			return nil, false
		}
		// PostStatusService#validate_media!
		// (media_attachments.validations.images_and_video).
		if len(media) > 1 && (strings.HasPrefix(m.Type, "video/") || strings.HasPrefix(m.Type, "audio/")) {
			c.Error(http.StatusUnprocessableEntity, "validation", "Cannot attach a video to a post that already contains images")
			return nil, false
		}
	}
	return media, true
}

// edit is PUT /api/v1/statuses/:id as UpdateStatusService does it: the
// controller passes every key, so an edit without media_ids leaves the
// status with no media, one without sensitive clears the flag unless
// there is a content warning, and one without spoiler_text removes the
// warning. media_attributes change the descriptions of the media the
// edit keeps. An edit that changes nothing is answered with the status
// as it is (GoToSocial: 422).
func (f *Fake) edit(c *platformtest.Call) {
	p, ok := f.live(c)
	if !ok {
		return
	}
	ids := c.Strings("media_ids")
	if len(ids) > MaxMedia {
		c.Error(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("Cannot attach more than %d files", MaxMedia))
		return
	}
	media, ok := f.attachable(c, ids, p.ID)
	if !ok {
		return
	}
	attrs, _ := c.JSON["media_attributes"].([]any)
	described := map[string]string{}
	for _, a := range attrs {
		attr, _ := a.(map[string]any)
		id, _ := attr["id"].(string)
		desc, hasDesc := attr["description"].(string)
		kept := slices.ContainsFunc(media, func(m platformtest.MediaItem) bool { return m.ID == id })
		if !kept {
			if f.opts.GoToSocial {
				c.Error(http.StatusBadRequest, "bad_request", "Bad Request: media not found: "+id)
				return
			}
			continue // Mastodon skips attributes of media the edit does not keep
		}
		if hasDesc {
			if n := utf8.RuneCountInString(desc); n > f.opts.DescriptionLimit {
				c.Error(http.StatusUnprocessableEntity, "validation",
					fmt.Sprintf("Validation failed: Description is too long (maximum is %d characters)", f.opts.DescriptionLimit))
				return
			}
			described[id] = desc
		}
	}
	for i := range media {
		if d, ok := described[media[i].ID]; ok {
			media[i].Alt = d
		}
	}
	text := rubyStrip(c.String("status"))
	spoiler := rubyStrip(c.String("spoiler_text"))
	if text == "" && len(media) == 0 {
		c.Error(http.StatusUnprocessableEntity, "validation", "Validation failed: Text can't be blank")
		return
	}
	if msg := f.tooLong(text, spoiler); msg != "" {
		c.Error(http.StatusUnprocessableEntity, "validation", msg)
		return
	}
	sensitive, _ := c.JSON["sensitive"].(bool)
	if !f.opts.GoToSocial {
		sensitive = sensitive || spoiler != ""
	}
	language := c.String("language")
	if language == "" {
		language = field(p, "language")
		if f.opts.GoToSocial {
			language = "en" // the account's default language
		}
	}
	same := text == p.Text && spoiler == field(p, "spoiler_text") && sensitive == p.Fields["sensitive"] &&
		language == field(p, "language") && slices.EqualFunc(media, p.Media, func(a, b platformtest.MediaItem) bool {
		return a.ID == b.ID && a.Alt == b.Alt
	})
	if same {
		if f.opts.GoToSocial {
			c.Error(http.StatusUnprocessableEntity, "unprocessable", "Unprocessable Entity: status was not changed")
			return
		}
		c.Reply(http.StatusOK, f.statusJSON(p, false))
		return
	}
	now := f.opts.Now()
	f.mu.Lock()
	for _, m := range media {
		f.attached[m.ID] = p.ID
		if d, ok := described[m.ID]; ok {
			f.Store.SetMediaAlt(m.ID, d)
		}
	}
	f.mu.Unlock()
	f.Store.Update(p.ID, func(q *platformtest.Post) {
		fields := make(map[string]any, len(q.Fields)+1)
		for k, v := range q.Fields {
			fields[k] = v
		}
		q.Text, q.Media = text, media
		fields["spoiler_text"] = spoiler
		fields["sensitive"] = sensitive
		fields["language"] = language
		fields["edited_at"] = now
		q.Fields = fields
		q.Edits++
	})
	p, _ = f.Store.Get(p.ID)
	c.Reply(http.StatusOK, f.statusJSON(p, false))
}

func (f *Fake) list(c *platformtest.Call) {
	if c.R.PathValue("id") != f.opts.AccountID {
		c.Error(http.StatusNotFound, "not_found", "Record not found")
		return
	}
	q := c.R.URL.Query()
	limit := 20
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 40)
	}
	maxID, _ := strconv.Atoi(q.Get("max_id"))
	excludeReplies := q.Get("exclude_replies") == "true"
	posts := f.Store.Posts()
	out := []any{}
	for _, p := range slices.Backward(posts) {
		id, _ := strconv.Atoi(p.ID)
		if maxID > 0 && id >= maxID || excludeReplies && p.ReplyTo != "" {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, f.statusJSON(p, false))
	}
	c.Reply(http.StatusOK, out)
}

func (f *Fake) upload(c *platformtest.Call) {
	_, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
	var data []byte
	var fileType, description string
	hasFile := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.Error(http.StatusUnprocessableEntity, "validation", "Validation failed: File is invalid")
			return
		}
		b, err := io.ReadAll(part)
		if err != nil {
			c.Error(http.StatusUnprocessableEntity, "validation", "Validation failed: File is invalid")
			return
		}
		switch part.FormName() {
		case "file":
			hasFile, data, fileType = true, b, part.Header.Get("Content-Type")
		case "description":
			description = string(b)
		}
	}
	if !hasFile || len(data) == 0 {
		c.Error(http.StatusUnprocessableEntity, "validation", "Validation failed: File can't be blank")
		return
	}
	if !supportedTypes[fileType] {
		c.Error(http.StatusUnprocessableEntity, "validation", "Validation failed: File content type is invalid, File is invalid")
		return
	}
	if n := utf8.RuneCountInString(description); n > f.opts.DescriptionLimit {
		c.Error(http.StatusUnprocessableEntity, "validation",
			fmt.Sprintf("Validation failed: Description is too long (maximum is %d characters)", f.opts.DescriptionLimit))
		return
	}
	video := strings.HasPrefix(fileType, "video/")
	limit, unit := f.opts.ImageSizeLimit, "image"
	if video {
		limit, unit = f.opts.VideoSizeLimit, "video"
	}
	if len(data) > limit {
		c.Error(http.StatusUnprocessableEntity, "validation",
			fmt.Sprintf("Validation failed: File file size must be less than %d MB (the %s limit)", limit>>20, unit))
		return
	}
	id := f.Store.AddMedia(platformtest.MediaItem{Type: fileType, Alt: description, Data: data})
	if polls := f.opts.ProcessingPolls; polls > 0 || video {
		f.mu.Lock()
		f.pending[id] = max(polls, 1)
		f.failed[id] = video && f.opts.FailProcessing
		f.mu.Unlock()
		c.Reply(http.StatusAccepted, f.mediaJSON(id, fileType, description, false))
		return
	}
	c.Reply(http.StatusOK, f.mediaJSON(id, fileType, description, true))
}

func (f *Fake) media(c *platformtest.Call) {
	id := c.R.PathValue("id")
	m, ok := f.Store.Media(id)
	if !ok {
		c.Error(http.StatusNotFound, "not_found", "Record not found")
		return
	}
	f.mu.Lock()
	left := f.pending[id]
	if left > 0 {
		f.pending[id] = left - 1
	}
	failed := f.failed[id]
	f.mu.Unlock()
	if left > 0 {
		c.Reply(http.StatusPartialContent, nil)
		return
	}
	if failed {
		// Api::V1::MediaController#check_processing.
		c.Error(http.StatusUnprocessableEntity, "processing", "Error processing thumbnail for uploaded media")
		return
	}
	c.Reply(http.StatusOK, f.mediaJSON(id, m.Type, m.Alt, true))
}

// supportedTypes are the image and video types a stock server accepts.
var supportedTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/heic": true,
	"image/heif": true, "image/avif": true, "video/mp4": true, "video/webm": true, "video/quicktime": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/wav": true,
}

// live returns the status named by the path, answering 404 as Mastodon
// does when it is missing or deleted.
func (f *Fake) live(c *platformtest.Call) (platformtest.Post, bool) {
	p, ok := f.Store.Get(c.R.PathValue("id"))
	if !ok || p.Deleted {
		c.Error(http.StatusNotFound, "not_found", "Record not found")
		return platformtest.Post{}, false
	}
	return p, true
}

func field(p platformtest.Post, key string) string {
	s, _ := p.Fields[key].(string)
	return s
}

func (f *Fake) accountJSON() map[string]any {
	return map[string]any{"id": f.opts.AccountID, "username": f.opts.Username, "acct": f.opts.Username,
		"display_name": f.opts.Username, "url": f.opts.Server + "/@" + f.opts.Username}
}

func (f *Fake) mediaJSON(id, typ, description string, processed bool) map[string]any {
	kind, _, _ := strings.Cut(typ, "/")
	file := f.opts.Server + "/system/media_attachments/files/" + id + "/original/file"
	var u any
	if processed {
		u = file
	}
	var desc any
	if description != "" {
		desc = description
	}
	return map[string]any{"id": id, "type": kind, "url": u, "preview_url": file + "-small", "remote_url": nil,
		"description": desc, "meta": map[string]any{}, "blurhash": nil}
}

// statusJSON is the Status entity; deleted adds the source text, as the
// answer to DELETE does.
func (f *Fake) statusJSON(p platformtest.Post, deleted bool) map[string]any {
	var reply any
	if p.ReplyTo != "" {
		reply = p.ReplyTo
	}
	media := []any{}
	for _, m := range p.Media {
		media = append(media, f.mediaJSON(m.ID, m.Type, m.Alt, true))
	}
	f.mu.Lock()
	counts := f.counts[p.ID]
	f.mu.Unlock()
	s := map[string]any{
		"id": p.ID, "created_at": p.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id": reply, "in_reply_to_account_id": nil,
		"sensitive": p.Fields["sensitive"], "spoiler_text": field(p, "spoiler_text"),
		"visibility": field(p, "visibility"), "language": nilIfEmpty(field(p, "language")),
		"uri":     f.opts.Server + "/users/" + f.opts.Username + "/statuses/" + p.ID,
		"url":     f.URLOf(p.ID),
		"content": contentHTML(p.Text, f.opts.Server),
		"reblog":  nil, "account": f.accountJSON(), "media_attachments": media,
		"mentions": []any{}, "tags": []any{}, "emojis": []any{}, "card": nil, "poll": nil,
		"replies_count": counts.Replies + f.replies(p.ID), "reblogs_count": counts.Reblogs, "favourites_count": counts.Favourites,
		"edited_at": nil,
	}
	if t, ok := p.Fields["edited_at"].(time.Time); ok {
		s["edited_at"] = t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !f.opts.NoQuotes {
		s["quotes_count"] = counts.Quotes
	}
	if deleted {
		s["text"] = p.Text
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// linkRE finds what Mastodon's formatter links in plain text: http(s)
// URLs, hashtags and mentions (local or remote).
var linkRE = regexp.MustCompile(`https?://[^\s<>"]*[^\s<>".,;:!?)'\]]|#[\p{L}\p{N}_]+|@[a-zA-Z0-9_]+(?:@[a-zA-Z0-9.-]+[a-zA-Z0-9])?`)

// paragraphRE separates paragraphs, as Rails' simple_format does.
var paragraphRE = regexp.MustCompile(`\n\n+`)

// contentHTML renders a status's text as Mastodon's TextFormatter does
// closely enough to matter: paragraphs on blank lines, <br /> on single
// newlines, URLs linked with the scheme in an invisible span, hashtags
// and mentions linked, remote mentions shown without their domain.
func contentHTML(text, server string) string {
	var b strings.Builder
	for _, para := range paragraphRE.Split(text, -1) {
		b.WriteString("<p>")
		last := 0
		for _, loc := range linkRE.FindAllStringIndex(para, -1) {
			b.WriteString(escapeLines(para[last:loc[0]]))
			tok := para[loc[0]:loc[1]]
			switch tok[0] {
			case 'h':
				scheme, rest, _ := strings.Cut(tok, "://")
				fmt.Fprintf(&b, `<a href="%s" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">%s://</span><span class="">%s</span><span class="invisible"></span></a>`,
					html.EscapeString(tok), scheme, html.EscapeString(rest))
			case '#':
				fmt.Fprintf(&b, `<a href="%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a>`, server, html.EscapeString(tok[1:]), html.EscapeString(tok[1:]))
			default:
				user, _, _ := strings.Cut(tok[1:], "@")
				fmt.Fprintf(&b, `<span class="h-card" translate="no"><a href="%s/@%s" class="u-url mention">@<span>%s</span></a></span>`, server, html.EscapeString(tok[1:]), html.EscapeString(user))
			}
			last = loc[1]
		}
		b.WriteString(escapeLines(para[last:]))
		b.WriteString("</p>")
	}
	return b.String()
}

func escapeLines(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br />")
}
