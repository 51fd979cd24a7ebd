package postforme

import (
	"fmt"

	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

// FakeOptions describes the project a Fake serves.
type FakeOptions struct {
	// APIKey is the key the API takes; default "pfm-fake-key".
	APIKey string
	// Accounts are the connected social accounts: ID -> platform.
	// Default: spc_x (x) and spc_bluesky (bluesky).
	Accounts map[string]string
	// Now is the fake's clock; default a fixed time.
	Now func() time.Time
	// Pending is how many reads of a post's results answer with none
	// before its result appears, as Post for Me's background processing
	// does; default 0.
	Pending int
	// Refuse, when set, makes every post's result fail with this error
	// for the platform, as when the platform rejects the post.
	Refuse string
}

// Fake is a contract fake of Post for Me's API: media upload URLs and the
// signed upload, social posts created with a caption, accounts and an
// external_id, listed by external_id, and their results, with the
// NestJS error bodies ({statusCode, message}) the server sends, 429 with
// Retry-After, and a post stored before a timeout when told to. Its
// Store holds the posts that reached the platform: ID is the Post for Me
// post ID, Key its external_id, URL the platform's URL, and Fields the
// account and the platform's own ID.
type Fake struct {
	*platformtest.Fake

	opts FakeOptions

	mu      sync.Mutex
	seq     int
	uploads map[string]upload // upload token -> file
	reads   map[string]int    // post ID -> result reads so far
	failed  map[string]string // post ID -> refusal
}

type upload struct {
	mime string
	data []byte
	done bool
}

// NewFake starts a Post for Me fake that lives until r ends.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.APIKey == "" {
		opts.APIKey = "pfm-fake-key"
	}
	if opts.Accounts == nil {
		opts.Accounts = map[string]string{"spc_x": "x", "spc_bluesky": "bluesky"}
	}
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	f := &Fake{opts: opts, uploads: map[string]upload{}, reads: map[string]int{}, failed: map[string]string{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name,
		BasePath: "/pfm/",
		Now:      opts.Now,
		ErrorBody: func(status int, code, message string) any {
			if code == "rate_limited" {
				message = "ThrottlerException: Too Many Requests"
			}
			if code == "unauthorized" {
				message = "Unauthorized"
			}
			return map[string]any{"statusCode": status, "message": message}
		},
	})
	f.routes()
	return f
}

// APIKey is the key the fake takes.
func (f *Fake) APIKey() string { return f.opts.APIKey }

// Seed adds n posts made outside herald (from Post for Me's dashboard) to
// the first account, each with a text of its own, created at at.
func (f *Fake) Seed(n int, at time.Time) {
	acct := f.firstAccount()
	for i := range n {
		id := f.nextID("sp_")
		f.Store.Add(platformtest.Post{ID: id, Text: fmt.Sprintf("seeded post %d", i), CreatedAt: at,
			URL: "https://" + f.opts.Accounts[acct] + ".example/p/" + id, Fields: map[string]any{"account": acct, "platform_id": "pf-" + id}})
	}
}

func (f *Fake) firstAccount() string {
	ids := make([]string, 0, len(f.opts.Accounts))
	for id := range f.opts.Accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids[0]
}

func (f *Fake) nextID(prefix string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return prefix + strconv.Itoa(f.seq)
}

// captionLimits are the platforms' limits the fake holds captions to, as
// Post for Me's validation does before it accepts a post.
var captionLimits = map[string]struct {
	max   int
	count func(string) int
}{
	"x":       {280, render.CountX},
	"bluesky": {300, render.CountBluesky},
	"threads": {500, render.CountThreads},
}

func (f *Fake) routes() {
	auth := "Bearer " + f.opts.APIKey
	f.Handle("POST /v1/media/create-upload-url", platformtest.Contract{Auth: auth, ContentType: "application/json", Required: []string{"mime_type"}}, func(c *platformtest.Call) {
		mt := c.String("mime_type")
		if !mediaTypes[mt] {
			c.Reply(http.StatusBadRequest, map[string]any{"statusCode": 400, "message": []string{"mime_type must be one of the following values: image/png, image/jpeg, video/mp4, video/quicktime"}, "error": "Bad Request"})
			return
		}
		token := f.nextID("up")
		f.mu.Lock()
		f.uploads[token] = upload{mime: mt}
		f.mu.Unlock()
		c.Reply(http.StatusCreated, map[string]string{"upload_url": f.URL() + "/storage/upload/" + token + "?signature=fake", "media_url": f.URL() + "/storage/media/" + token})
	})
	// The signed upload URL: no Authorization, the file as the body.
	f.Handle("PUT /storage/upload/{token}", platformtest.Contract{}, func(c *platformtest.Call) {
		if c.R.Header.Get("Authorization") != "" {
			c.Error(http.StatusBadRequest, "bad_header", "a signed upload URL takes no Authorization header")
			return
		}
		token := c.R.PathValue("token")
		f.mu.Lock()
		u, ok := f.uploads[token]
		if ok && c.R.URL.Query().Get("signature") == "fake" && c.R.Header.Get("Content-Type") == u.mime {
			u.data, u.done = c.Body, true
			f.uploads[token] = u
		}
		f.mu.Unlock()
		if !ok || !u.done {
			c.Error(http.StatusForbidden, "forbidden", "signature does not match, or Content-Type differs from the mime_type asked for")
			return
		}
		c.Reply(http.StatusOK, nil)
	})
	f.Handle("POST /v1/social-posts", platformtest.Contract{Auth: auth, ContentType: "application/json", Required: []string{"caption", "social_accounts"}, Create: true}, f.create)
	f.Handle("GET /v1/social-posts", platformtest.Contract{Auth: auth}, f.list)
	f.Handle("GET /v1/social-post-results", platformtest.Contract{Auth: auth}, f.results)
	f.Handle("GET /v1/social-posts/{id}", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		p, ok := f.Store.Get(c.R.PathValue("id"))
		if !ok || p.Deleted {
			c.Reply(http.StatusNotFound, map[string]any{"statusCode": 404, "message": "Post not found"})
			return
		}
		c.Reply(http.StatusOK, f.dto(p))
	})
}

func (f *Fake) invalid(c *platformtest.Call, errs ...string) {
	c.Reply(http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Invalid Request", "errors": errs})
}

func (f *Fake) create(c *platformtest.Call) {
	accounts := c.Strings("social_accounts")
	if len(accounts) == 0 {
		f.invalid(c, "social_accounts must hold at least one account")
		return
	}
	caption := c.String("caption")
	for _, a := range accounts {
		platform, ok := f.opts.Accounts[a]
		if !ok {
			f.invalid(c, "social account "+a+" is not connected to this project")
			return
		}
		if l, ok := captionLimits[platform]; ok && l.count(caption) > l.max {
			f.invalid(c, fmt.Sprintf("caption is %d characters for %s, the limit is %d", l.count(caption), platform, l.max))
			return
		}
	}
	var media []platformtest.MediaItem
	items, _ := c.JSON["media"].([]any)
	for i, it := range items {
		m, _ := it.(map[string]any)
		u, _ := m["url"].(string)
		token, found := strings.CutPrefix(u, f.URL()+"/storage/media/")
		f.mu.Lock()
		up, ok := f.uploads[token]
		f.mu.Unlock()
		if !found || !ok || !up.done {
			f.invalid(c, fmt.Sprintf("media.%d.url %q is not a file uploaded to this project", i, u))
			return
		}
		media = append(media, platformtest.MediaItem{ID: token, Type: up.mime, Data: up.data})
	}
	id := f.nextID("sp_")
	ext := c.String("external_id")
	acct := accounts[0]
	if f.opts.Refuse != "" {
		// Accepted by Post for Me, refused by the platform: the post
		// exists at the relay, nothing on the platform.
		f.mu.Lock()
		f.failed[id] = f.opts.Refuse
		f.mu.Unlock()
		c.Reply(http.StatusCreated, map[string]any{"id": id, "external_id": ext, "caption": caption, "status": "processing",
			"created_at": f.opts.Now().UTC().Format(time.RFC3339), "social_accounts": []any{}})
		return
	}
	p := f.Store.Add(platformtest.Post{ID: id, Text: caption, Key: ext, Media: media, CreatedAt: f.opts.Now(),
		URL:    "https://" + f.opts.Accounts[acct] + ".example/p/" + id,
		Fields: map[string]any{"account": acct, "platform_id": "pf-" + id}})
	out := f.dto(p)
	out["status"] = "processing"
	c.Reply(http.StatusCreated, out)
}

func (f *Fake) dto(p platformtest.Post) map[string]any {
	var ext any
	if p.Key != "" {
		ext = p.Key
	}
	return map[string]any{"id": p.ID, "external_id": ext, "caption": p.Text, "status": "processed",
		"created_at": p.CreatedAt.UTC().Format(time.RFC3339), "social_accounts": []any{}}
}

func (f *Fake) list(c *platformtest.Call) {
	q := c.R.URL.Query()
	if l := q.Get("limit"); l != "" {
		if n, err := strconv.Atoi(l); err != nil || n < 1 || n > 100 {
			c.Reply(http.StatusBadRequest, map[string]any{"statusCode": 400, "message": []string{"limit must not be greater than 100"}, "error": "Bad Request"})
			return
		}
	}
	exts, accts := q["external_id"], q["social_account_id"]
	data := []any{}
	for _, p := range f.Store.Posts() {
		if len(exts) > 0 && !slices.Contains(exts, p.Key) {
			continue
		}
		if len(accts) > 0 && !slices.Contains(accts, fmt.Sprint(p.Fields["account"])) {
			continue
		}
		data = append(data, f.dto(p))
	}
	c.Reply(http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"total": len(data), "offset": 0, "limit": 50, "next_cursor": nil, "next": nil}})
}

func (f *Fake) results(c *platformtest.Call) {
	q := c.R.URL.Query()
	data := []any{}
	for _, id := range q["post_id"] {
		f.mu.Lock()
		f.reads[id]++
		early := f.reads[id] <= f.opts.Pending
		refusal, refused := f.failed[id]
		f.mu.Unlock()
		if early {
			continue
		}
		if refused {
			data = append(data, map[string]any{"id": "spr_" + id, "post_id": id, "social_account_id": q.Get("social_account_id"),
				"success": false, "error": refusal, "details": map[string]any{}, "platform_data": nil})
			continue
		}
		p, ok := f.Store.Get(id)
		if !ok {
			continue
		}
		acct := fmt.Sprint(p.Fields["account"])
		if a := q["social_account_id"]; len(a) > 0 && !slices.Contains(a, acct) {
			continue
		}
		data = append(data, map[string]any{"id": "spr_" + id, "post_id": id, "social_account_id": acct, "success": true,
			"error": nil, "details": map[string]any{}, "platform_data": map[string]any{"id": p.Fields["platform_id"], "url": p.URL}})
	}
	c.Reply(http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"total": len(data), "offset": 0, "limit": 50, "next_cursor": nil, "next": nil}})
}
