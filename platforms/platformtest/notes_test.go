package platformtest_test

// This file defines "notes", a minimal JSON API that exists only to prove
// the conformance suite: a contract fake built with the toolkit, a correct
// adapter that passes every check, and broken variants that the suite must
// catch. Real adapters follow the same shape.
//
// The notes API, below its base path:
//
//	POST   /media             {type, data (base64), alt}  -> 201 {id}
//	POST   /notes             {text, reply_to?, media_ids?, key}
//	                          -> 201 {id, url, created_at}; 200 with the
//	                             existing note when key was seen before
//	GET    /notes?key=K       -> 200 {notes: [...]}
//	GET    /notes/{id}        -> 200 {id, url, created_at, text, media}
//	PUT    /notes/{id}        {text, media_ids?} -> 200 {id, url, created_at};
//	                          the note's media become media_ids (none
//	                          when absent, as Mastodon does)
//	DELETE /notes/{id}        -> 204; 404 when gone
//	GET    /notes/{id}/stats  -> 200 {likes, reposts}; 404 when gone
//
// Every route needs "Authorization: Bearer notes-token". Errors are
// {"error": {"code", "message"}}; a 429 carries Retry-After and
// Mastodon-style X-RateLimit-* headers. Text is at most 500 characters.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

const notesToken = "notes-token"

type noteJSON struct {
	ID        string          `json:"id"`
	URL       string          `json:"url"`
	CreatedAt string          `json:"created_at"`
	Text      string          `json:"text"`
	Media     []noteMediaJSON `json:"media,omitempty"`
}

type noteMediaJSON struct {
	ID  string `json:"id"`
	Alt string `json:"alt"`
}

// newNotesFake starts the notes contract fake.
func newNotesFake(t testingTB) *platformtest.Fake {
	f := platformtest.New(t, platformtest.Config{
		Platform: "notes",
		BasePath: "/notes-api/v1/",
		ErrorBody: func(_ int, code, message string) any {
			return map[string]any{"error": map[string]string{"code": code, "message": message}}
		},
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("X-RateLimit-Limit", "300")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", reset.UTC().Format(time.RFC3339))
		},
	})
	auth := "Bearer " + notesToken
	asJSON := func(p platformtest.Post) noteJSON {
		n := noteJSON{ID: p.ID, URL: "https://notes.example/n/" + p.ID, CreatedAt: p.CreatedAt.Format(time.RFC3339), Text: p.Text}
		for _, m := range p.Media {
			n.Media = append(n.Media, noteMediaJSON{ID: m.ID, Alt: m.Alt})
		}
		return n
	}
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	f.Handle("POST /media", platformtest.Contract{
		Auth: auth, ContentType: "application/json", Required: []string{"type", "data"},
		Limits: []platformtest.Limit{{Path: "alt", Max: 1000}},
	}, func(c *platformtest.Call) {
		data, err := base64.StdEncoding.DecodeString(c.String("data"))
		if err != nil {
			c.Error(http.StatusUnprocessableEntity, "bad_data", "data is not base64")
			return
		}
		id := f.Store.AddMedia(platformtest.MediaItem{Type: c.String("type"), Alt: c.String("alt"), Data: data})
		c.Reply(http.StatusCreated, map[string]string{"id": id})
	})

	f.Handle("POST /notes", platformtest.Contract{
		Auth: auth, ContentType: "application/json", Required: []string{"text", "key"},
		Limits: []platformtest.Limit{{Path: "text", Max: 500}, {Path: "media_ids", Max: 4}},
		Create: true,
	}, func(c *platformtest.Call) {
		replyTo := c.String("reply_to")
		if replyTo != "" {
			if _, ok := f.Store.Get(replyTo); !ok {
				c.Error(http.StatusUnprocessableEntity, "bad_reply", "reply_to names no note")
				return
			}
		}
		var media []platformtest.MediaItem
		for _, id := range c.Strings("media_ids") {
			m, ok := f.Store.Media(id)
			if !ok {
				c.Error(http.StatusUnprocessableEntity, "bad_media", "no media "+id)
				return
			}
			media = append(media, m)
		}
		p, isNew := f.Store.AddOnce(platformtest.Post{Text: c.String("text"), ReplyTo: replyTo, Media: media,
			Key: c.String("key"), CreatedAt: created})
		status := http.StatusCreated
		if !isNew {
			status = http.StatusOK
		}
		c.Reply(status, asJSON(p))
	})

	f.Handle("GET /notes", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		key := c.R.URL.Query().Get("key")
		if key == "" {
			c.Error(http.StatusBadRequest, "missing_key", "key is required")
			return
		}
		notes := []noteJSON{}
		for _, p := range f.Store.Posts() {
			if p.Key == key {
				notes = append(notes, asJSON(p))
			}
		}
		c.Reply(http.StatusOK, map[string]any{"notes": notes})
	})

	f.Handle("GET /notes/{id}", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		id := c.R.PathValue("id")
		p, ok := f.Store.Get(id)
		if !ok || p.Deleted {
			c.Error(http.StatusNotFound, "not_found", "no note "+id)
			return
		}
		c.Reply(http.StatusOK, asJSON(p))
	})

	f.Handle("PUT /notes/{id}", platformtest.Contract{
		Auth: auth, ContentType: "application/json", Required: []string{"text"},
		Limits: []platformtest.Limit{{Path: "text", Max: 500}, {Path: "media_ids", Max: 4}},
	}, func(c *platformtest.Call) {
		id := c.R.PathValue("id")
		var media []platformtest.MediaItem
		for _, mid := range c.Strings("media_ids") {
			m, ok := f.Store.Media(mid)
			if !ok {
				c.Error(http.StatusUnprocessableEntity, "bad_media", "no media "+mid)
				return
			}
			media = append(media, m)
		}
		if !f.Store.Update(id, func(p *platformtest.Post) { p.Text, p.Media = c.String("text"), media; p.Edits++ }) {
			c.Error(http.StatusNotFound, "not_found", "no note "+id)
			return
		}
		p, _ := f.Store.Get(id)
		c.Reply(http.StatusOK, asJSON(p))
	})

	f.Handle("DELETE /notes/{id}", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		if !f.Store.Delete(c.R.PathValue("id")) {
			c.Error(http.StatusNotFound, "not_found", "no note "+c.R.PathValue("id"))
			return
		}
		c.Reply(http.StatusNoContent, nil)
	})

	f.Handle("GET /notes/{id}/stats", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		id := c.R.PathValue("id")
		if p, ok := f.Store.Get(id); !ok || p.Deleted {
			c.Error(http.StatusNotFound, "not_found", "no note "+id)
			return
		}
		c.Reply(http.StatusOK, map[string]int{"likes": 3, "reposts": 1})
	})
	return f
}

// broken names the ways a notes adapter can be wrong, for the meta-test.
type broken string

const (
	correct         broken = ""
	mangledText     broken = "mangled_text"
	unchainedThread broken = "unchained_thread"
	droppedAlt      broken = "dropped_alt"
	lostRetryAfter  broken = "lost_retry_after"
	retriesAuth     broken = "retries_auth"
	freshKey        broken = "fresh_key"
	timeoutNotSent  broken = "timeout_not_created"
	blindFinder     broken = "blind_finder"
	noopUpdate      broken = "noop_update"
	noopDelete      broken = "noop_delete"
	ignores404      broken = "ignores_404"
	skipsMedia      broken = "skips_media_bytes"
	wrongBasePath   broken = "wrong_base_path"
	restartsThread  broken = "restarts_thread"
	editDropsMedia  broken = "edit_drops_media"
	editsEverything broken = "edits_everything"
)

// notes is the example adapter: what a real adapter looks like, in about
// a hundred lines, with switches that break it.
type notes struct {
	api    *httpx.Client
	now    func() time.Time
	broken broken
	seq    int
}

var (
	_ platforms.Publisher     = (*notes)(nil)
	_ platforms.Updater       = (*notes)(nil)
	_ platforms.Deleter       = (*notes)(nil)
	_ platforms.Finder        = (*notes)(nil)
	_ platforms.MetricsReader = (*notes)(nil)
	_ platforms.Resumer       = (*notes)(nil)
	_ platformtest.Seeder     = notesBackend{}
)

// notesBackend is the notes fake as the suite's Backend, with the posts a
// busy account made from the app.
type notesBackend struct{ *platformtest.Fake }

// Seed adds n notes written in the app, which carry no key.
func (b notesBackend) Seed(n int, at time.Time) {
	for range n {
		id := b.Store.NextID()
		b.Store.Add(platformtest.Post{ID: id, Text: "A note from the app, number " + id, CreatedAt: at})
	}
}

// newNotes is the adapter's constructor, as the registry would call it.
func newNotes(s platforms.Settings, b broken) (*notes, error) {
	token, err := s.Secret("token_env")
	if err != nil {
		return nil, err
	}
	api := &httpx.Client{
		BaseURL: s.BaseURL, HTTP: s.HTTPClient, UserAgent: "herald-notes-test", Now: s.Now, Logger: s.Logger,
		Header: http.Header{"Authorization": {"Bearer " + token}},
		ErrorMessage: func(_ int, body []byte) (string, string) {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			json.Unmarshal(body, &e)
			return e.Error.Code, e.Error.Message
		},
	}
	if b == wrongBasePath {
		api.BaseURL = strings.TrimSuffix(s.BaseURL, "/notes-api/v1")
	}
	return &notes{api: api, now: s.Now, broken: b}, nil
}

func (n *notes) Name() string { return "notes" }

// err turns an httpx error into the platform's *APIError.
func (n *notes) err(op string, err error) error {
	if err == nil {
		return nil
	}
	switch n.broken {
	case lostRetryAfter:
		return fmt.Errorf("%s: %s", op, err)
	case retriesAuth:
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			return fmt.Errorf("%s: %w", op, &platforms.APIError{Platform: "notes", Status: 503, Outcome: platforms.NotCreated, Err: err})
		}
	case timeoutNotSent:
		var te *httpx.TransportError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: %w", op, &platforms.APIError{Platform: "notes", Outcome: platforms.NotCreated, Err: err})
		}
	}
	return fmt.Errorf("%s: %w", op, platforms.FromHTTP("notes", err))
}

func (n *notes) receipt(ids, urls []string, created string) *platforms.Receipt {
	at, err := time.Parse(time.RFC3339, created)
	if err != nil {
		at = n.now()
	}
	return &platforms.Receipt{Provider: n.Name(), IDs: ids, URLs: urls, PublishedAt: at}
}

func (n *notes) uploadMedia(ctx context.Context, m platforms.Media) (string, error) {
	rc, err := m.Open()
	if err != nil {
		return "", fmt.Errorf("open %s: %w", m.Path, err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return "", fmt.Errorf("read %s: %w", m.Path, err)
	}
	if n.broken == skipsMedia {
		data = data[:len(data)/2]
	}
	alt := m.Alt
	if n.broken == droppedAlt {
		alt = ""
	}
	var out struct{ ID string }
	_, err = n.api.DoJSON(ctx, httpx.Request{Method: "POST", Path: "media",
		JSON: map[string]string{"type": m.Type, "data": base64.StdEncoding.EncodeToString(data), "alt": alt}}, &out)
	return out.ID, n.err("upload media", err)
}

// Publish posts each part as a note replying to the previous one. The
// attempt key, suffixed with the part's index, is the API's idempotency
// key, so a retry lands on the notes the first attempt created.
func (n *notes) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	var mediaIDs []string
	for _, m := range p.Media {
		id, err := n.uploadMedia(ctx, m)
		if err != nil {
			return nil, err
		}
		mediaIDs = append(mediaIDs, id)
	}
	return n.post(ctx, &platforms.Receipt{Provider: n.Name()}, p, key, mediaIDs)
}

// Resume posts the parts r lacks, the first replying to r's last part.
// The media went with part 1, so nothing is uploaded.
func (n *notes) Resume(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if len(r.IDs) == 0 || len(r.IDs) >= len(p.Parts) {
		return nil, fmt.Errorf("resume: the receipt holds %d of %d parts", len(r.IDs), len(p.Parts))
	}
	out := &platforms.Receipt{Provider: n.Name(), IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs), PublishedAt: r.PublishedAt}
	if n.broken == restartsThread {
		out.IDs, out.URLs = nil, nil
	}
	return n.post(ctx, out, p, key, nil)
}

// post posts p's parts from the first that r does not hold, each replying
// to the part before, and returns r with them.
func (n *notes) post(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, key platforms.AttemptKey, mediaIDs []string) (*platforms.Receipt, error) {
	for i := len(r.IDs); i < len(p.Parts); i++ {
		text := p.Parts[i].Text
		if n.broken == mangledText {
			text = strings.ToValidUTF8(text[:len(text)-1], "")
		}
		k := string(key) + "/" + strconv.Itoa(i)
		if n.broken == freshKey {
			n.seq++
			k += "/" + strconv.Itoa(n.seq)
		}
		body := map[string]any{"text": text, "key": k}
		if i > 0 && n.broken != unchainedThread {
			body["reply_to"] = r.IDs[i-1]
		}
		if i == 0 && len(mediaIDs) > 0 {
			body["media_ids"] = mediaIDs
		}
		var out noteJSON
		if _, err := n.api.DoJSON(ctx, httpx.Request{Method: "POST", Path: "notes", JSON: body}, &out); err != nil {
			if len(r.IDs) > 0 {
				return r, n.err("publish part "+strconv.Itoa(i+1), err)
			}
			return nil, n.err("publish", err)
		}
		if i == 0 {
			r.PublishedAt = n.receipt(nil, nil, out.CreatedAt).PublishedAt
		}
		r.IDs, r.URLs = append(r.IDs, out.ID), append(r.URLs, out.URL)
	}
	return r, nil
}

// Find looks each part up by its idempotency key. A key no note carries
// proves the part absent, so a thread found up to part k is an
// IncompleteError with the receipt of the k parts.
func (n *notes) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	key := a.Key
	var ids, urls []string
	var created string
	for i := range p.Parts {
		var out struct{ Notes []noteJSON }
		k := string(key) + "/" + strconv.Itoa(i)
		if _, err := n.api.DoJSON(ctx, httpx.Request{Method: "GET", Path: "notes", Query: map[string][]string{"key": {k}}}, &out); err != nil {
			return nil, n.err("find", err)
		}
		if len(out.Notes) == 0 || n.broken == blindFinder {
			if i == 0 {
				return nil, fmt.Errorf("find %s: %w", key, platforms.ErrNotFound)
			}
			return n.receipt(ids, urls, created), fmt.Errorf("find %s: %w", key, &platforms.IncompleteError{Found: i, Total: len(p.Parts)})
		}
		if i == 0 {
			created = out.Notes[0].CreatedAt
		}
		ids, urls = append(ids, out.Notes[0].ID), append(urls, out.Notes[0].URL)
	}
	return n.receipt(ids, urls, created), nil
}

// Update edits in place the parts whose text, or (first part) media and
// alt text, differ from the note the API holds; the notes API keeps IDs.
// The first part's edit names its media again, reusing what is already
// attached, because the API drops the media an edit does not name.
func (n *notes) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) == 0 || len(p.Parts) == 0 {
		return nil, errors.New("update: nothing to update")
	}
	if n.broken == noopUpdate {
		return r, nil
	}
	for i, id := range r.IDs {
		if i >= len(p.Parts) {
			break
		}
		var live noteJSON
		if _, err := n.api.DoJSON(ctx, httpx.Request{Method: "GET", Path: "notes/" + id}, &live); err != nil {
			return nil, n.err("update", err)
		}
		var media []platforms.Media
		if i == 0 {
			media = p.Media
		}
		same := live.Text == p.Parts[i].Text && len(live.Media) == len(media)
		for k := range media {
			same = same && live.Media[k].Alt == media[k].Alt
		}
		if same && n.broken != editsEverything {
			continue
		}
		body := map[string]any{"text": p.Parts[i].Text}
		var ids []string
		for k, m := range media {
			if k < len(live.Media) && live.Media[k].Alt == m.Alt {
				ids = append(ids, live.Media[k].ID)
				continue
			}
			id, err := n.uploadMedia(ctx, m)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		if len(ids) > 0 && n.broken != editDropsMedia {
			body["media_ids"] = ids
		}
		if _, err := n.api.Do(ctx, httpx.Request{Method: "PUT", Path: "notes/" + id, JSON: body}); err != nil {
			return nil, n.err("update", err)
		}
	}
	return r, nil
}

// Delete deletes every part; a part already gone is not an error.
func (n *notes) Delete(ctx context.Context, r *platforms.Receipt) error {
	if n.broken == noopDelete {
		return nil
	}
	for _, id := range r.IDs {
		_, err := n.api.Do(ctx, httpx.Request{Method: "DELETE", Path: "notes/" + id})
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			return n.err("delete", err)
		}
	}
	return nil
}

// Metrics reads the first part's stats; the API has no impressions.
func (n *notes) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	var out struct{ Likes, Reposts int64 }
	_, err := n.api.DoJSON(ctx, httpx.Request{Method: "GET", Path: "notes/" + r.IDs[0] + "/stats"}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		if n.broken == ignores404 {
			return &platforms.Metrics{}, nil
		}
		return nil, fmt.Errorf("metrics %s: %w", r.IDs[0], platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, n.err("metrics", err)
	}
	return &platforms.Metrics{Likes: &out.Likes, Reposts: &out.Reposts}, nil
}
