package devto

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeKey is the API key a Fake accepts when FakeOptions.Key is empty.
const FakeKey = "devto-fake-api-key"

// FakeOptions configure a Fake.
type FakeOptions struct {
	// Key is the api-key accepted; default FakeKey.
	Key string
	// Username is the account's, for article URLs; default herald.
	Username string
	// Site is the public address article URLs are built on; default
	// https://dev.to.
	Site string
	// Now is the server's clock, for created_at, published_at and the
	// five-minute title rule; default a fixed time.
	Now func() time.Time
}

// Counts are an article's counts, set with SetCounts.
type Counts struct {
	PageViews, Reactions, Comments int64
}

// Fake is a contract fake of the Forem API v1 routes herald uses, for one
// account: POST /api/articles, PUT /api/articles/{id} and GET
// /api/articles/me/all, with Forem's api-key check, its Accept header,
// its validations (title present and at most 128 characters, at most 4
// tags of letters and digits, http(s) URLs, one published article per
// canonical URL, no title twice within five minutes), its error
// envelope {"error": "...", "status": n}, and 429 with Retry-After.
type Fake struct {
	*platformtest.Fake
	opts FakeOptions

	mu     sync.Mutex
	counts map[string]Counts
}

var tagPattern = regexp.MustCompile(`^[[:alnum:]]+$`)

// NewFake starts a Fake that lives until r's cleanups run.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Key == "" {
		opts.Key = FakeKey
	}
	if opts.Username == "" {
		opts.Username = "herald"
	}
	if opts.Site == "" {
		opts.Site = "https://dev.to"
	}
	if opts.Now == nil {
		fixed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	f := &Fake{opts: opts, counts: map[string]Counts{}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform:  Name,
		BasePath:  "/devto-fake/api/",
		ErrorBody: errorBody,
		Now:       opts.Now,
	})
	accept := map[string]string{"Accept": Accept}
	write := func(create bool) platformtest.Contract {
		return platformtest.Contract{Header: accept, ContentType: "application/json", Required: []string{"article"}, Create: create}
	}
	f.Handle("POST /articles", write(true), f.authed(f.create))
	f.Handle("PUT /articles/{id}", write(false), f.authed(f.update))
	f.Handle("GET /articles/me/all", platformtest.Contract{Header: accept}, f.authed(f.list))
	return f
}

// errorBody is Forem's error envelope; a 401 says "unauthorized" and a
// 429 how long to wait, as Forem's ApiController does.
func errorBody(status int, code, message string) any {
	switch status {
	case http.StatusUnauthorized:
		message = "unauthorized"
	case http.StatusTooManyRequests:
		message = "Rate limit reached, try again in 30 seconds"
	case http.StatusInternalServerError:
		message = "Internal Server Error"
	}
	return map[string]any{"error": message, "status": status}
}

// authed answers a request without the account's api-key 401, as Forem
// does, before the route's handler runs.
func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		if c.R.Header.Get("Api-Key") != f.opts.Key {
			c.Error(http.StatusUnauthorized, "unauthorized", "unauthorized")
			return
		}
		h(c)
	}
}

// Posts returns the published articles, in creation order: an
// unpublished one is off the site, which is what a delete asks for.
func (f *Fake) Posts() []platformtest.Post {
	var out []platformtest.Post
	for _, p := range f.Store.Posts() {
		if p.Fields["published"] == true {
			out = append(out, p)
		}
	}
	return out
}

// Drafts returns the unpublished articles, in creation order.
func (f *Fake) Drafts() []platformtest.Post {
	var out []platformtest.Post
	for _, p := range f.Store.Posts() {
		if p.Fields["published"] != true {
			out = append(out, p)
		}
	}
	return out
}

// SetCounts sets what the account's list reports for the article id.
func (f *Fake) SetCounts(id string, c Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[id] = c
}

// Seed adds n published articles the account wrote on dev.to, published
// at at (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		id := f.Store.NextID()
		f.Store.Add(platformtest.Post{ID: id, Text: "Written on dev.to, number " + id, CreatedAt: at, URL: f.urlOf(id, "seeded-"+id),
			Fields: map[string]any{"title": "Seeded article " + id, "published": true, "published_at": at, "tags": []string{}}})
	}
}

func (f *Fake) urlOf(id, title string) string {
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(title), "-"), "-")
	return f.opts.Site + "/" + f.opts.Username + "/" + slug + "-" + id
}

// validate applies Forem's article validations to a create (id "") or to
// an update of the article id, and returns the message Forem's
// errors_as_sentence would give, "" when valid.
func (f *Fake) validate(id string, a map[string]any, published bool) string {
	var errs []string
	if title, ok := a["title"]; ok || id == "" {
		t, _ := title.(string)
		t = strings.Join(strings.Fields(t), " ")
		switch {
		case t == "":
			errs = append(errs, "Title can't be blank")
		case len([]rune(t)) > MaxTitle:
			errs = append(errs, fmt.Sprintf("Title is too long (maximum is %d characters for full_post)", MaxTitle))
		case id == "":
			for _, p := range f.Store.Posts() {
				if p.Fields["title"] == t && f.opts.Now().Sub(p.CreatedAt) < 5*time.Minute {
					errs = append(errs, "Title "+duplicateTitle)
					break
				}
			}
		}
	}
	if raw, ok := a["tags"]; ok && raw != nil {
		list, ok := stringList(raw)
		switch {
		case !ok:
			errs = append(errs, "Tag list must be a list of tags")
		case len(list) > MaxTags:
			errs = append(errs, "Tag list exceed the maximum of 4 tags")
		default:
			for _, t := range list {
				if !tagPattern.MatchString(t) {
					errs = append(errs, fmt.Sprintf("Tag %q contains non-alphanumeric or prohibited unicode characters", t))
				}
			}
		}
	}
	for _, key := range []string{"main_image", "canonical_url"} {
		s, _ := a[key].(string)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(s, " \t\n") {
			name := map[string]string{"main_image": "Main image", "canonical_url": "Canonical url"}[key]
			errs = append(errs, name+" is not a valid URL")
		}
	}
	if c, _ := a["canonical_url"].(string); c != "" && published {
		for _, p := range f.Store.Posts() {
			if p.ID != id && p.Fields["published"] == true && p.Fields["canonical_url"] == c {
				errs = append(errs, "Canonical url has already been taken. Email support@dev.to for further details.")
				break
			}
		}
	}
	return strings.Join(errs, ", ")
}

func (f *Fake) create(c *platformtest.Call) {
	a, ok := c.JSON["article"].(map[string]any)
	if !ok {
		c.Error(http.StatusUnprocessableEntity, "", "article param must be a JSON object. You provided article as a "+fmt.Sprintf("%T", c.JSON["article"]))
		return
	}
	published, _ := a["published"].(bool)
	f.mu.Lock()
	defer f.mu.Unlock()
	if msg := f.validate("", a, published); msg != "" {
		c.Error(http.StatusUnprocessableEntity, "", msg)
		return
	}
	now := f.opts.Now()
	id := f.Store.NextID()
	title := strings.Join(strings.Fields(a["title"].(string)), " ")
	p := platformtest.Post{ID: id, Text: str(a["body_markdown"]), CreatedAt: now, URL: f.urlOf(id, title),
		Fields: map[string]any{"title": title, "published": published, "tags": tagList(a["tags"])}}
	for _, k := range []string{"series", "main_image", "canonical_url", "description"} {
		p.Fields[k] = str(a[k])
	}
	if published {
		p.Fields["published_at"] = now
	}
	p = f.Store.Add(p)
	c.Reply(http.StatusCreated, articleJSON(f.opts.Site, f.opts.Username, p, f.counts[id]))
}

func (f *Fake) update(c *platformtest.Call) {
	id := c.R.PathValue("id")
	a, ok := c.JSON["article"].(map[string]any)
	if !ok {
		c.Error(http.StatusUnprocessableEntity, "", "article param must be a JSON object")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.Store.Get(id)
	if !ok || p.Deleted {
		c.Error(http.StatusNotFound, "", "not found")
		return
	}
	published, _ := p.Fields["published"].(bool)
	if v, ok := a["published"].(bool); ok {
		published = v
	}
	if msg := f.validate(id, a, published); msg != "" {
		c.Error(http.StatusUnprocessableEntity, "", msg)
		return
	}
	now := f.opts.Now()
	f.Store.Update(id, func(p *platformtest.Post) {
		changed := false
		if v, ok := a["body_markdown"]; ok && str(v) != p.Text {
			p.Text, changed = str(v), true
		}
		if v, ok := a["title"]; ok {
			p.Fields["title"] = strings.Join(strings.Fields(str(v)), " ")
		}
		if v, ok := a["tags"]; ok {
			p.Fields["tags"] = tagList(v)
		}
		for _, k := range []string{"series", "main_image", "canonical_url", "description"} {
			if v, ok := a[k]; ok {
				p.Fields[k] = str(v)
			}
		}
		if published && p.Fields["published_at"] == nil {
			p.Fields["published_at"] = now
		}
		p.Fields["published"] = published
		if changed {
			p.Edits++
		}
	})
	p, _ = f.Store.Get(id)
	c.Reply(http.StatusOK, articleJSON(f.opts.Site, f.opts.Username, p, f.counts[id]))
}

// list is GET /api/articles/me/all: drafts first, then newest published
// first (Forem orders by published_at desc, nulls first, then
// created_at desc), page and per_page (default 30, at most 1000).
func (f *Fake) list(c *platformtest.Call) {
	q := c.R.URL.Query()
	per := 30
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		per = min(n, 1000)
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	posts := f.Store.Posts()
	at := func(p platformtest.Post) (time.Time, bool) {
		t, ok := p.Fields["published_at"].(time.Time)
		return t, ok
	}
	slices.SortStableFunc(posts, func(a, b platformtest.Post) int {
		ta, oka := at(a)
		tb, okb := at(b)
		switch {
		case oka != okb:
			if !oka {
				return -1
			}
			return 1
		case oka && !ta.Equal(tb):
			return tb.Compare(ta)
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		ia, _ := strconv.Atoi(a.ID)
		ib, _ := strconv.Atoi(b.ID)
		return ib - ia
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []any{}
	for i := (page - 1) * per; i < len(posts) && i < page*per; i++ {
		out = append(out, articleJSON(f.opts.Site, f.opts.Username, posts[i], f.counts[posts[i].ID]))
	}
	c.Reply(http.StatusOK, out)
}

// articleJSON is an article as Forem serialises it; cn is what
// SetCounts gave it.
func articleJSON(site, user string, p platformtest.Post, cn Counts) map[string]any {
	id, _ := strconv.Atoi(p.ID)
	var publishedAt any
	if t, ok := p.Fields["published_at"].(time.Time); ok {
		publishedAt = t.UTC().Format(time.RFC3339)
	}
	var canonical any
	if s := str(p.Fields["canonical_url"]); s != "" {
		canonical = s
	}
	return map[string]any{
		"type_of": "article", "id": id, "title": p.Fields["title"], "description": str(p.Fields["description"]),
		"published": p.Fields["published"], "published_at": publishedAt, "slug": strings.TrimPrefix(p.URL, site+"/"+user+"/"),
		"path": strings.TrimPrefix(p.URL, site), "url": p.URL, "canonical_url": canonical,
		"main_image": str(p.Fields["main_image"]), "tag_list": p.Fields["tags"], "body_markdown": p.Text,
		"comments_count": cn.Comments, "public_reactions_count": cn.Reactions, "page_views_count": cn.PageViews,
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func tagList(v any) []string {
	list, _ := stringList(v)
	if list == nil {
		list = []string{}
	}
	return list
}
