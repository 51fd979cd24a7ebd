package wordpress

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms/internal/blogtext"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// Default credentials of a Fake: a user and an application password in
// the form WordPress shows it, four-letter groups split by spaces.
const (
	FakeUser        = "herald"
	FakeAppPassword = "abcd EFGH 1234 ijkl MNOP 5678"
)

// User IDs of a Fake's site: herald's user, and two people who write on
// the same site in wp-admin, an Editor and a Contributor.
const (
	FakeUserID        = 1
	FakeEditorID      = 2
	FakeContributorID = 3
)

// FakeOptions configure a Fake. Zero values get the defaults named.
type FakeOptions struct {
	// Now is the fake's clock, for dates. Default: a fixed time.
	Now func() time.Time
	// User and AppPassword are the credentials the fake accepts over
	// HTTP Basic (defaults FakeUser and FakeAppPassword).
	User, AppPassword string
	// Author makes the user an Author: may create tags, not categories.
	// The default is an Administrator.
	Author bool
}

// Fake is a contract fake of the WordPress core REST API (wp/v2) for the
// endpoints herald uses: posts (create, edit, read, list by slug, trash
// and force delete), media (raw upload with Content-Disposition, alt
// text), tags and categories (search and create), and comments (the
// X-WP-Total count). The API lives under {SiteURL}/wp-json/wp/v2/; every
// call must carry the exact Basic credentials, or it gets WordPress's 401
// incorrect_password. Errors are WordPress's {"code", "message",
// "data": {"status"}}. Published slugs are kept unique with -2, -3, ...;
// a status outside publish, future, draft, pending and private, a tag or
// category that is not an existing term ID, a featured_media that is not
// an uploaded image, and a post with no title, content or excerpt are
// refused with 400 as WordPress refuses them. An Author's category
// creation gets 403 rest_cannot_create. Deleting moves a post to the
// trash (a second delete is 410 rest_already_trashed) unless force=true.
// A post's Text is the PlainText of its content; its Media is its
// featured image with the media item's current alt text; Fields hold
// title, slug, status, excerpt, tags and categories (as names) and the
// author's user ID. Seed and WriteInAdmin add posts written in wp-admin,
// by herald's user or by others.
// It imports no testing package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	now    func() time.Time
	author bool

	mu       sync.Mutex
	seq      int
	terms    map[string][]wpTerm // taxonomy -> terms
	comments map[string]int
	trashed  map[string]bool
	seeded   int
}

type wpTerm struct {
	ID   int
	Name string
}

// wpError is WordPress's error envelope.
func wpError(status int, code, message string) any {
	if wp, ok := map[string]string{"unauthorized": "incorrect_password", "rate_limited": "rest_too_many_requests",
		"internal": "internal_server_error", "missing_field": "rest_missing_callback_param", "too_long": "rest_invalid_param",
		"bad_header": "rest_invalid_header", "bad_json": "rest_invalid_json", "bad_body": "rest_invalid_param",
		"bad_content_type": "rest_invalid_param"}[code]; ok {
		code = wp
	}
	return map[string]any{"code": code, "message": message, "data": map[string]any{"status": status}}
}

// NewFake starts a Fake that lives until t ends.
func NewFake(t platformtest.Reporter, opts FakeOptions) *Fake {
	t.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	if opts.User == "" {
		opts.User = FakeUser
	}
	if opts.AppPassword == "" {
		opts.AppPassword = FakeAppPassword
	}
	f := &Fake{now: opts.Now, author: opts.Author, terms: map[string][]wpTerm{}, comments: map[string]int{}, trashed: map[string]bool{}}
	f.Fake = platformtest.New(t, platformtest.Config{Platform: "wordpress", BasePath: "/site/wp-json/wp/v2/", ErrorBody: wpError, Now: opts.Now})
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(opts.User+":"+opts.AppPassword))
	j := "application/json"
	f.Handle("POST /posts", platformtest.Contract{Auth: auth, ContentType: j, Create: true}, f.create)
	f.Handle("POST /posts/{id}", platformtest.Contract{Auth: auth, ContentType: j}, f.update)
	f.Handle("GET /posts/{id}", platformtest.Contract{Auth: auth}, f.read)
	f.Handle("GET /posts", platformtest.Contract{Auth: auth}, f.list)
	f.Handle("DELETE /posts/{id}", platformtest.Contract{Auth: auth}, f.delete)
	f.Handle("POST /media", platformtest.Contract{Auth: auth}, f.upload)
	f.Handle("POST /media/{id}", platformtest.Contract{Auth: auth, ContentType: j}, f.editMedia)
	for _, tax := range []string{"tags", "categories"} {
		f.Handle("GET /"+tax, platformtest.Contract{Auth: auth}, f.searchTerms(tax))
		f.Handle("POST /"+tax, platformtest.Contract{Auth: auth, ContentType: j, Required: []string{"name"}}, f.createTerm(tax))
	}
	f.Handle("GET /comments", platformtest.Contract{Auth: auth}, f.countComments)
	f.AddTerm("categories", "Uncategorized")
	return f
}

// SiteURL is the site's address, what an account's base_url is set to.
func (f *Fake) SiteURL() string { return strings.TrimSuffix(f.URL(), "/wp-json/wp/v2") }

// stamp is a GMT date in WordPress's form, one second later on every
// write, so that a fixed clock still tells two versions apart.
func (f *Fake) stamp() string {
	f.mu.Lock()
	f.seq++
	n := f.seq
	f.mu.Unlock()
	return f.now().UTC().Add(time.Duration(n) * time.Second).Format("2006-01-02T15:04:05")
}

// Posts returns the live posts (not trashed), each with its featured
// image and that image's current alt text.
func (f *Fake) Posts() []platformtest.Post {
	posts := f.Store.Posts()
	for i := range posts {
		posts[i].Media = nil
		if id, _ := posts[i].Fields["featured_media"].(string); id != "" {
			if m, ok := f.Store.Media(id); ok {
				posts[i].Media = []platformtest.MediaItem{m}
			}
		}
	}
	return posts
}

var _ platformtest.Seeder = (*Fake)(nil)

// Seed implements platformtest.Seeder: n posts written on the site in
// wp-admin at at, after every post the fake holds, each with a title and
// content of its own. They are what a busy blog holds besides herald's:
// posts published by herald's user and by an Editor, an Editor's draft
// and a Contributor's post pending review (both without a slug or a GMT
// date yet, as wp-admin leaves them until they are published), a post
// scheduled a week ahead and a private one.
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		f.mu.Lock()
		f.seeded++
		k := f.seeded
		f.mu.Unlock()
		title := fmt.Sprintf("Notes from the road, part %d", k)
		switch k % 6 {
		case 0:
			f.WriteInAdmin(title, "publish", FakeUserID, at)
		case 1:
			f.WriteInAdmin(fmt.Sprintf("Guest column %d", k), "publish", FakeEditorID, at)
		case 2:
			f.WriteInAdmin(fmt.Sprintf("Draft: ideas for issue %d", k), "draft", FakeEditorID, at)
		case 3:
			f.WriteInAdmin(fmt.Sprintf("Reader question %d", k), "pending", FakeContributorID, at)
		case 4:
			f.WriteInAdmin(fmt.Sprintf("Coming up next week (%d)", k), "future", FakeEditorID, at)
		default:
			f.WriteInAdmin(fmt.Sprintf("Team notes %d", k), "private", FakeUserID, at)
		}
	}
}

// WriteInAdmin adds a post as written and saved in wp-admin at at by the
// user author, with status, and returns its ID. A published, scheduled
// or private post gets a slug from its title, made unique as WordPress
// does; a draft or a post pending review has none and no GMT date until
// it is published; a scheduled post is dated a week after at.
func (f *Fake) WriteInAdmin(title, status string, author int, at time.Time) string {
	id := f.Store.NextID()
	content := "<p>" + title + ", as written in wp-admin (post " + id + ").</p>"
	p := platformtest.Post{ID: id, Text: blogtext.PlainText(content), CreatedAt: at,
		Fields: map[string]any{"title": title, "content": content, "excerpt": "", "status": status, "slug": "",
			"featured_media": "", "tags": []string{}, "categories": []string{"Uncategorized"}, "author": author,
			"date_gmt": nil, "modified_gmt": at.UTC().Format("2006-01-02T15:04:05")}}
	if status != "draft" && status != "pending" {
		date := at
		if status == "future" {
			date = at.Add(7 * 24 * time.Hour)
		}
		p.Fields["date_gmt"] = date.UTC().Format("2006-01-02T15:04:05")
		p.Fields["slug"] = f.uniqueSlug(blogtext.Slug(title, MaxSlug), status, "")
		p.URL = f.SiteURL() + "/" + p.Fields["slug"].(string) + "/"
	} else {
		p.URL = f.SiteURL() + "/?p=" + id
	}
	f.Store.Add(p)
	return id
}

// SetComments sets the approved comment count of the post id.
func (f *Fake) SetComments(id string, n int) {
	f.mu.Lock()
	f.comments[id] = n
	f.mu.Unlock()
}

// EditRemotely changes the post's title as someone in wp-admin would,
// which moves its modified_gmt on, and reports whether there was one.
func (f *Fake) EditRemotely(id, title string) bool {
	stamp := f.stamp()
	return f.Store.Update(id, func(p *platformtest.Post) {
		fields := map[string]any{}
		for k, v := range p.Fields {
			fields[k] = v
		}
		fields["title"], fields["modified_gmt"] = title, stamp
		p.Fields = fields
		p.Edits++
	})
}

func (f *Fake) termName(tax string, id int) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.terms[tax] {
		if t.ID == id {
			return t.Name, true
		}
	}
	return "", false
}

func (f *Fake) termIDs(tax string, names []string) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := []int{}
	for _, n := range names {
		for _, t := range f.terms[tax] {
			if t.Name == n {
				ids = append(ids, t.ID)
			}
		}
	}
	return ids
}

var postStatuses = []string{"publish", "future", "draft", "pending", "private"}

// apply sets the post's fields from a create or edit body, refusing what
// WordPress refuses.
func (f *Fake) apply(c *platformtest.Call, p *platformtest.Post) bool {
	in := c.JSON
	for _, k := range []string{"title", "content", "excerpt", "status", "slug"} {
		v, ok := in[k]
		if !ok {
			continue
		}
		s, isString := v.(string)
		if !isString {
			c.Error(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): "+k)
			return false
		}
		p.Fields[k] = s
	}
	if st := p.Fields["status"].(string); !slices.Contains(postStatuses, st) {
		c.Error(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): status (status is not one of "+strings.Join(postStatuses, ", ")+".)")
		return false
	}
	for _, tax := range []string{"tags", "categories"} {
		raw, ok := in[tax]
		if !ok {
			continue
		}
		list, isList := raw.([]any)
		if !isList {
			c.Error(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): "+tax)
			return false
		}
		var names []string
		for _, x := range list {
			n, isNum := x.(float64)
			name, known := f.termName(tax, int(n))
			if !isNum || !known {
				c.Error(http.StatusBadRequest, "rest_invalid_param", fmt.Sprintf("Invalid parameter(s): %s (%v is not a term ID)", tax, x))
				return false
			}
			names = append(names, name)
		}
		p.Fields[tax] = names
	}
	if raw, ok := in["featured_media"]; ok {
		n, isNum := raw.(float64)
		if !isNum {
			c.Error(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): featured_media")
			return false
		}
		id := ""
		if n != 0 {
			id = strconv.Itoa(int(n))
			if m, ok := f.Store.Media(id); !ok || !strings.HasPrefix(m.Type, "image/") {
				c.Error(http.StatusBadRequest, "rest_invalid_featured_media", "Invalid featured media ID.")
				return false
			}
		}
		p.Fields["featured_media"] = id
	}
	if p.Fields["title"] == "" && p.Fields["content"] == "" && p.Fields["excerpt"] == "" {
		c.Error(http.StatusBadRequest, "empty_content", "Content, title, and excerpt are empty.")
		return false
	}
	p.Text = blogtext.PlainText(p.Fields["content"].(string))
	return true
}

// uniqueSlug returns want, or want-2, want-3, ... when a published post
// other than self holds it; drafts and pending posts keep theirs, as in
// wp_unique_post_slug.
func (f *Fake) uniqueSlug(want, status, self string) string {
	if status == "draft" || status == "pending" {
		return want
	}
	taken := map[string]bool{}
	for _, p := range f.Store.Posts() {
		if p.ID != self {
			taken[p.Fields["slug"].(string)] = true
		}
	}
	slug := want
	for i := 2; taken[slug]; i++ {
		slug = want + "-" + strconv.Itoa(i)
	}
	return slug
}

// resource is the post as the REST API answers in context, "edit" with
// raw fields.
func (f *Fake) resource(p platformtest.Post, context string) map[string]any {
	field := func(k string) map[string]any {
		s, _ := p.Fields[k].(string)
		out := map[string]any{"rendered": s}
		if context == "edit" {
			out["raw"] = s
		}
		return out
	}
	media, _ := strconv.Atoi(fmt.Sprint(p.Fields["featured_media"]))
	status := p.Fields["status"]
	if f.isTrashed(p.ID) {
		status = "trash"
	}
	return map[string]any{"id": mustAtoi(p.ID), "link": p.URL, "slug": p.Fields["slug"], "status": status, "author": p.Fields["author"],
		"date_gmt": p.Fields["date_gmt"], "modified_gmt": p.Fields["modified_gmt"],
		"title": field("title"), "content": field("content"), "excerpt": field("excerpt"), "featured_media": media,
		"tags": f.termIDs("tags", asStrings(p.Fields["tags"])), "categories": f.termIDs("categories", asStrings(p.Fields["categories"]))}
}

func asStrings(v any) []string {
	s, _ := v.([]string)
	return s
}

func (f *Fake) isTrashed(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.trashed[id]
}

func (f *Fake) create(c *platformtest.Call) {
	p := platformtest.Post{Fields: map[string]any{"title": "", "content": "", "excerpt": "", "status": "draft", "slug": "",
		"featured_media": "", "tags": []string{}, "categories": []string{"Uncategorized"}, "author": FakeUserID}}
	if !f.apply(c, &p) {
		return
	}
	p.ID = f.Store.NextID()
	slug := p.Fields["slug"].(string)
	if slug == "" {
		slug = blogtext.Slug(p.Fields["title"].(string), MaxSlug)
	}
	p.Fields["slug"] = f.uniqueSlug(slug, p.Fields["status"].(string), "")
	p.URL = f.SiteURL() + "/" + p.Fields["slug"].(string) + "/"
	stamp := f.stamp()
	p.Fields["date_gmt"], p.Fields["modified_gmt"] = stamp, stamp
	p.CreatedAt = f.now()
	stored := f.Store.Add(p)
	c.Reply(http.StatusCreated, f.resource(stored, "edit"))
}

func (f *Fake) update(c *platformtest.Call) {
	id := c.R.PathValue("id")
	cur, ok := f.Store.Get(id)
	if !ok || cur.Deleted {
		c.Error(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
		return
	}
	next := cur
	next.Fields = map[string]any{}
	for k, v := range cur.Fields {
		next.Fields[k] = v
	}
	if !f.apply(c, &next) {
		return
	}
	next.Fields["slug"] = f.uniqueSlug(next.Fields["slug"].(string), next.Fields["status"].(string), id)
	next.URL = f.SiteURL() + "/" + next.Fields["slug"].(string) + "/"
	next.Fields["modified_gmt"] = f.stamp()
	f.Store.Update(id, func(p *platformtest.Post) {
		p.Text, p.URL, p.Fields = next.Text, next.URL, next.Fields
		p.Edits++
	})
	got, _ := f.Store.Get(id)
	c.Reply(http.StatusOK, f.resource(got, "edit"))
}

func (f *Fake) read(c *platformtest.Call) {
	id := c.R.PathValue("id")
	p, ok := f.Store.Get(id)
	if !ok || (p.Deleted && !f.isTrashed(id)) {
		c.Error(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
		return
	}
	c.Reply(http.StatusOK, f.resource(p, c.R.URL.Query().Get("context")))
}

// list answers GET /posts, newest first, filtered by slug (a comma-
// separated list) and status (a list, or "any": every status but trash;
// the default is publish), per_page posts (default 10, at most 100) a
// page. An Author sees other users' posts only once published: their
// drafts, pending, scheduled and private posts need edit_others_posts or
// read_private_posts, which an Author lacks
// (WP_REST_Posts_Controller::check_read_permission).
func (f *Fake) list(c *platformtest.Call) {
	q := c.R.URL.Query()
	statuses := []string{"publish"}
	if s := q.Get("status"); s == "any" {
		statuses = postStatuses
	} else if s != "" {
		statuses = strings.Split(s, ",")
	}
	var slugs []string
	if s := q.Get("slug"); s != "" {
		slugs = strings.Split(s, ",")
	}
	out := []any{}
	for _, p := range slices.Backward(f.Store.Posts()) {
		status := p.Fields["status"].(string)
		if !slices.Contains(statuses, status) || (slugs != nil && !slices.Contains(slugs, p.Fields["slug"].(string))) {
			continue
		}
		if f.author && status != "publish" && p.Fields["author"] != FakeUserID {
			continue
		}
		out = append(out, f.resource(p, q.Get("context")))
	}
	per, page := 10, 1
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil {
		if n < 1 || n > 100 {
			c.Error(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): per_page (per_page must be between 1 (inclusive) and 100 (inclusive))")
			return
		}
		per = n
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil {
		if n < 1 {
			c.Error(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): page (page must be greater than or equal to 1)")
			return
		}
		page = n
	}
	pages := (len(out) + per - 1) / per
	if page > 1 && page > pages {
		c.Error(http.StatusBadRequest, "rest_post_invalid_page_number", "The page number requested is larger than the number of pages available.")
		return
	}
	c.Header().Set("X-WP-Total", strconv.Itoa(len(out)))
	c.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	out = out[min((page-1)*per, len(out)):min(page*per, len(out))]
	c.Reply(http.StatusOK, out)
}

func (f *Fake) delete(c *platformtest.Call) {
	id := c.R.PathValue("id")
	p, ok := f.Store.Get(id)
	if !ok || (p.Deleted && !f.isTrashed(id)) {
		c.Error(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
		return
	}
	if c.R.URL.Query().Get("force") == "true" {
		prev := f.resource(p, "edit")
		f.Store.Delete(id)
		f.mu.Lock()
		delete(f.trashed, id)
		f.mu.Unlock()
		c.Reply(http.StatusOK, map[string]any{"deleted": true, "previous": prev})
		return
	}
	if f.isTrashed(id) {
		c.Error(http.StatusGone, "rest_already_trashed", "The post has already been deleted.")
		return
	}
	f.Store.Delete(id)
	f.mu.Lock()
	f.trashed[id] = true
	f.mu.Unlock()
	p, _ = f.Store.Get(id)
	c.Reply(http.StatusOK, f.resource(p, "edit"))
}

// RemoveRemotely deletes the post for good, as emptying the trash does.
func (f *Fake) RemoveRemotely(id string) {
	f.Store.Delete(id)
	f.mu.Lock()
	delete(f.trashed, id)
	f.mu.Unlock()
}

// imageTypes are the image types WordPress allows by default, by
// extension (get_allowed_mime_types).
var imageTypes = map[string]string{".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".ico": "image/x-icon", ".heic": "image/heic", ".avif": "image/avif"}

func (f *Fake) upload(c *platformtest.Call) {
	if len(c.Body) == 0 {
		c.Error(http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
		return
	}
	cd := c.R.Header.Get("Content-Disposition")
	if cd == "" {
		c.Error(http.StatusBadRequest, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
		return
	}
	name := filenameFromDisposition(cd)
	if name == "" {
		c.Error(http.StatusBadRequest, "rest_upload_invalid_disposition", "Invalid Content-Disposition supplied. Content-Disposition needs to be formatted as `attachment; filename=\"image.png\"` or similar.")
		return
	}
	typ, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if want, ok := imageTypes[strings.ToLower(path.Ext(name))]; !ok || want != typ {
		c.Error(http.StatusInternalServerError, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.")
		return
	}
	id := f.Store.AddMedia(platformtest.MediaItem{Type: typ, Data: c.Body})
	c.Reply(http.StatusCreated, map[string]any{"id": mustAtoi(id), "mime_type": typ, "alt_text": "",
		"source_url": f.SiteURL() + "/wp-content/uploads/" + f.now().UTC().Format("2006/01") + "/" + id + "-" + name})
}

// filenameFromDisposition reads the filename as WordPress does
// (get_filename_from_disposition): split at ';', each attribute at the
// first '=', trimmed, and unquoted when it is wrapped in double quotes.
func filenameFromDisposition(v string) string {
	_, attrs, ok := strings.Cut(strings.TrimSpace(v), ";")
	if !ok {
		return ""
	}
	name := ""
	for _, part := range strings.Split(attrs, ";") {
		k, val, ok := strings.Cut(part, "=")
		if ok && strings.TrimSpace(k) == "filename" {
			name = strings.TrimSpace(val)
		}
	}
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = name[1 : len(name)-1]
	}
	return name
}

func (f *Fake) editMedia(c *platformtest.Call) {
	id := c.R.PathValue("id")
	m, ok := f.Store.Media(id)
	if !ok {
		c.Error(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
		return
	}
	if alt, ok := c.JSON["alt_text"].(string); ok {
		f.Store.SetMediaAlt(id, alt)
		m.Alt = alt
	}
	c.Reply(http.StatusOK, map[string]any{"id": mustAtoi(id), "mime_type": m.Type, "alt_text": m.Alt})
}

func (f *Fake) searchTerms(tax string) platformtest.Handler {
	return func(c *platformtest.Call) {
		search := strings.ToLower(c.R.URL.Query().Get("search"))
		out := []any{}
		f.mu.Lock()
		for _, t := range f.terms[tax] {
			if strings.Contains(strings.ToLower(t.Name), search) || strings.Contains(blogtext.Slug(t.Name, 200), search) {
				// Names come back HTML-escaped, as WordPress stores them.
				out = append(out, map[string]any{"id": t.ID, "name": strings.ReplaceAll(t.Name, "&", "&amp;")})
			}
		}
		f.mu.Unlock()
		c.Reply(http.StatusOK, out)
	}
}

func (f *Fake) createTerm(tax string) platformtest.Handler {
	return func(c *platformtest.Call) {
		if tax == "categories" && f.author {
			c.Error(http.StatusForbidden, "rest_cannot_create", "Sorry, you are not allowed to create terms in this taxonomy.")
			return
		}
		name := strings.TrimSpace(c.String("name"))
		f.mu.Lock()
		for _, t := range f.terms[tax] {
			if strings.EqualFold(t.Name, name) {
				f.mu.Unlock()
				c.Reply(http.StatusBadRequest, map[string]any{"code": "term_exists", "message": "A term with the name provided already exists in this taxonomy.",
					"data": map[string]any{"status": 400, "term_id": t.ID}})
				return
			}
		}
		f.mu.Unlock()
		id := mustAtoi(f.Store.NextID())
		f.mu.Lock()
		f.terms[tax] = append(f.terms[tax], wpTerm{ID: id, Name: name})
		f.mu.Unlock()
		c.Reply(http.StatusCreated, map[string]any{"id": id, "name": name})
	}
}

// AddTerm adds a tag or category ("tags", "categories") as made in
// wp-admin and returns its ID.
func (f *Fake) AddTerm(tax, name string) int {
	id := mustAtoi(f.Store.NextID())
	f.mu.Lock()
	f.terms[tax] = append(f.terms[tax], wpTerm{ID: id, Name: name})
	f.mu.Unlock()
	return id
}

func (f *Fake) countComments(c *platformtest.Call) {
	id := c.R.URL.Query().Get("post")
	f.mu.Lock()
	n := f.comments[id]
	f.mu.Unlock()
	c.Header().Set("X-WP-Total", strconv.Itoa(n))
	c.Header().Set("X-WP-TotalPages", strconv.Itoa(min(n, 1)))
	out := []any{}
	if n > 0 {
		out = append(out, map[string]any{"id": 1})
	}
	c.Reply(http.StatusOK, out)
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
