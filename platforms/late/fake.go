package late

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

// ReplayWindow is how long Late answers a repeated x-request-id with the
// first post.
const ReplayWindow = 5 * time.Minute

// FakeOptions describes the profile a Fake serves.
type FakeOptions struct {
	// APIKey is the key the API takes; default "sk_" and 64 hex digits.
	APIKey string
	// Accounts are the connected accounts: ID -> Late's platform name.
	// Default: acc_twitter (twitter) and acc_bluesky (bluesky).
	Accounts map[string]string
	// Now is the fake's clock, for the replay window and Find's
	// startDate; default a fixed time.
	Now func() time.Time
	// Publishing is how many reads of a new post answer "publishing"
	// before it is published; default 0 (published in the create's
	// answer, as publishNow does for most platforms).
	Publishing int
	// Refuse, when set, makes every post fail on the platform with this
	// errorMessage.
	Refuse string
}

// Fake is a contract fake of Late's (Zernio's) posts API: posts created
// now for one account with x-request-id replay within ReplayWindow
// (200 and existingPost), read and listed by page and startDate, and
// analytics, with Late's {error} bodies, 429 with Retry-After and
// details.retry_after_seconds, and a post stored before a timeout when
// told to. Its Store holds the posts that reached the platform: ID is
// Late's _id, Key the x-request-id, URL the platformPostUrl.
type Fake struct {
	*platformtest.Fake

	opts FakeOptions

	mu       sync.Mutex
	seq      int
	requests map[string]request // x-request-id -> first post
	reads    map[string]int
	failed   map[string]failedPost
}

type request struct {
	id string
	at time.Time
}

type failedPost struct {
	content, account, reason string
	at                       time.Time
}

// NewFake starts a Late fake that lives until r ends.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.APIKey == "" {
		opts.APIKey = "sk_" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	}
	if opts.Accounts == nil {
		opts.Accounts = map[string]string{"acc_twitter": "twitter", "acc_bluesky": "bluesky"}
	}
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	f := &Fake{opts: opts, requests: map[string]request{}, reads: map[string]int{}, failed: map[string]failedPost{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name,
		BasePath: "/late/",
		Now:      opts.Now,
		ErrorBody: func(status int, code, message string) any {
			switch code {
			case "rate_limited":
				return map[string]any{"error": "Rate limit exceeded", "details": map[string]any{
					"current_count": 61, "limit": 60, "retry_after_seconds": 30, "scope": "api_key", "window": "1m"}}
			case "unauthorized":
				return map[string]any{"error": "Invalid API key"}
			}
			return map[string]any{"error": message}
		},
	})
	f.routes()
	return f
}

// APIKey is the key the fake takes.
func (f *Fake) APIKey() string { return f.opts.APIKey }

// Seed adds n posts made outside herald to the first account, created at
// at.
func (f *Fake) Seed(n int, at time.Time) {
	acct := f.firstAccount()
	for i := range n {
		id := f.nextID()
		f.Store.Add(platformtest.Post{ID: id, Text: fmt.Sprintf("seeded post %d", i), CreatedAt: at,
			URL: "https://" + f.opts.Accounts[acct] + ".example/p/" + id, Fields: map[string]any{"account": acct}})
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

func (f *Fake) nextID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return fmt.Sprintf("65f1c0a9e2b5af00%08d", f.seq)
}

// contentLimits are the platforms' limits Late validates content against.
var contentLimits = map[string]struct {
	max   int
	count func(string) int
}{
	"twitter": {280, render.CountX},
	"bluesky": {300, render.CountBluesky},
	"threads": {500, render.CountThreads},
}

func (f *Fake) routes() {
	auth := "Bearer " + f.opts.APIKey
	f.Handle("POST /v1/posts", platformtest.Contract{Auth: auth, ContentType: "application/json", Required: []string{"content", "platforms.0.platform", "platforms.0.accountId"}, Create: true}, f.create)
	f.Handle("GET /v1/posts/{id}", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		ps, ok := f.post(c.R.PathValue("id"))
		if !ok {
			c.Reply(http.StatusNotFound, map[string]any{"error": "Post not found"})
			return
		}
		c.Reply(http.StatusOK, map[string]any{"post": ps})
	})
	f.Handle("GET /v1/posts", platformtest.Contract{Auth: auth}, f.list)
	f.Handle("GET /v1/analytics", platformtest.Contract{Auth: auth}, func(c *platformtest.Call) {
		p, ok := f.Store.Get(c.R.URL.Query().Get("postId"))
		if !ok || p.Deleted {
			c.Reply(http.StatusNotFound, map[string]any{"error": "Post not found"})
			return
		}
		c.Reply(http.StatusOK, map[string]any{"postId": p.ID, "status": "published", "platformPostUrl": p.URL,
			"analytics": map[string]any{"impressions": 120, "reach": 90, "likes": 7, "comments": 2, "shares": 1, "clicks": 4, "views": 0, "engagementRate": 8.3}})
	})
}

func (f *Fake) create(c *platformtest.Call) {
	content := c.String("content")
	if c.JSON["publishNow"] != true {
		c.Reply(http.StatusBadRequest, map[string]any{"error": "herald's fake takes only publishNow posts"})
		return
	}
	entries, _ := c.JSON["platforms"].([]any)
	if len(entries) != 1 {
		c.Reply(http.StatusBadRequest, map[string]any{"error": "the fake takes one platform per post"})
		return
	}
	e, _ := entries[0].(map[string]any)
	acct, _ := e["accountId"].(string)
	network, _ := e["platform"].(string)
	if f.opts.Accounts[acct] == "" || f.opts.Accounts[acct] != network {
		c.Reply(http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("Account %s not found or not a %s account", acct, network)})
		return
	}
	if l, ok := contentLimits[network]; ok && l.count(content) > l.max {
		c.Reply(http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("Content exceeds %d characters for %s", l.max, network)})
		return
	}
	for i, it := range anySlice(c.JSON["mediaItems"]) {
		m, _ := it.(map[string]any)
		if u, _ := m["url"].(string); u == "" {
			c.Reply(http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("mediaItems[%d].url is required", i)})
			return
		}
	}
	now := f.opts.Now()
	rid := c.R.Header.Get("X-Request-Id")
	f.mu.Lock()
	prev, replay := f.requests[rid]
	f.mu.Unlock()
	if rid != "" && replay && now.Sub(prev.at) < ReplayWindow {
		ps, _ := f.post(prev.id)
		c.Reply(http.StatusOK, map[string]any{"message": "Duplicate request: returning the existing post", "existingPost": ps})
		return
	}
	id := f.nextID()
	if f.opts.Refuse != "" {
		f.mu.Lock()
		f.failed[id] = failedPost{content: content, account: acct, reason: f.opts.Refuse, at: now}
		f.requests[rid] = request{id: id, at: now}
		f.mu.Unlock()
	} else {
		f.Store.Add(platformtest.Post{ID: id, Text: content, Key: rid, CreatedAt: now,
			URL: "https://" + network + ".example/p/" + id, Fields: map[string]any{"account": acct}})
		f.mu.Lock()
		f.requests[rid] = request{id: id, at: now}
		f.mu.Unlock()
	}
	ps, _ := f.post(id)
	c.Reply(http.StatusCreated, map[string]any{"message": "Post created", "post": ps})
}

func anySlice(v any) []any { s, _ := v.([]any); return s }

// post is the JSON of post id as Late shows it, published, publishing
// (while Publishing reads remain) or failed.
func (f *Fake) post(id string) (map[string]any, bool) {
	f.mu.Lock()
	fp, failed := f.failed[id]
	f.mu.Unlock()
	if failed {
		return map[string]any{"_id": id, "content": fp.content, "status": "failed", "createdAt": fp.at.UTC().Format(time.RFC3339),
			"platforms": []any{map[string]any{"platform": f.opts.Accounts[fp.account], "accountId": fp.account, "status": "failed",
				"errorMessage": fp.reason, "errorCategory": "platform_rejected"}}}, true
	}
	p, ok := f.Store.Get(id)
	if !ok || p.Deleted {
		return nil, false
	}
	acct := fmt.Sprint(p.Fields["account"])
	f.mu.Lock()
	f.reads[id]++
	publishing := f.reads[id] <= f.opts.Publishing
	f.mu.Unlock()
	entry := map[string]any{"platform": f.opts.Accounts[acct], "accountId": acct, "status": "published",
		"platformPostId": "lp-" + id, "platformPostUrl": p.URL}
	status := "published"
	if publishing {
		entry = map[string]any{"platform": f.opts.Accounts[acct], "accountId": acct, "status": "publishing"}
		status = "publishing"
	}
	return map[string]any{"_id": id, "content": p.Text, "status": status, "createdAt": p.CreatedAt.UTC().Format(time.RFC3339),
		"platforms": []any{entry}}, true
}

func (f *Fake) list(c *platformtest.Call) {
	q := c.R.URL.Query()
	pg, limit := 1, 10
	if v := q.Get("page"); v != "" {
		pg, _ = strconv.Atoi(v)
	}
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if pg < 1 || limit < 1 || limit > 100 {
		c.Reply(http.StatusBadRequest, map[string]any{"error": "page must be at least 1 and limit from 1 to 100"})
		return
	}
	var since time.Time
	if v := q.Get("startDate"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			c.Reply(http.StatusBadRequest, map[string]any{"error": "startDate must be ISO 8601"})
			return
		}
		since = t
	}
	var all []map[string]any
	posts := f.Store.Posts()
	for i := len(posts) - 1; i >= 0; i-- { // newest first
		p := posts[i]
		if p.CreatedAt.Before(since) {
			continue
		}
		ps, ok := f.post(p.ID)
		if !ok {
			continue
		}
		// Listed posts carry the account as an object.
		entry := ps["platforms"].([]any)[0].(map[string]any)
		entry["accountId"] = map[string]any{"_id": entry["accountId"], "platform": entry["platform"], "username": "@herald"}
		all = append(all, ps)
	}
	pages := max(1, (len(all)+limit-1)/limit)
	lo, hi := min((pg-1)*limit, len(all)), min(pg*limit, len(all))
	c.Reply(http.StatusOK, map[string]any{"posts": all[lo:hi], "pagination": map[string]any{"page": pg, "limit": limit, "total": len(all), "pages": pages}})
}
