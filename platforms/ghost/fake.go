package ghost

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/internal/blogtext"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeAdminKey is the Admin API key a Fake accepts by default: a 24-hex
// ID and a 64-hex secret, the shape Ghost issues.
const FakeAdminKey = "6650aa11bb22cc33dd44ee55:" +
	"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

// FakeOptions configure a Fake. Zero values get the defaults named.
type FakeOptions struct {
	// Now is the fake's clock, for token expiry and timestamps.
	// Default: a fixed time.
	Now func() time.Time
	// AdminKey is the {id}:{secret} key whose tokens the fake accepts
	// (default FakeAdminKey).
	AdminKey string
	// AcceptVersion is the Accept-Version every call must send (default
	// DefaultAcceptVersion).
	AcceptVersion string
	// Newsletters are the active newsletters' slugs (default
	// ["default-newsletter"]).
	Newsletters []string
}

// Fake is a contract fake of Ghost's Admin API for the endpoints herald
// uses: POST /posts/ and PUT /posts/{id}/ (with ?source=html, and
// ?newsletter= and ?email_segment= to send email), GET /posts/{id}/, GET
// /posts/ filtered by slug, DELETE /posts/{id}/ and POST /images/upload/.
// The API lives under {SiteURL}/ghost/api/admin/. Every call must carry
// the Accept-Version header and "Authorization: Ghost <jwt>", a token
// signed with the Admin API key's hex-decoded secret (HS256, kid = the
// key's ID, aud /admin/, exp at most five minutes after iat, not
// expired); a bad token gets Ghost's 401 UnauthorizedError. A PUT must
// send the post's current updated_at, or it gets 409
// UpdateCollisionError, as when someone edited the post in Ghost Admin
// (EditRemotely). Slugs are kept unique with -2, -3, ... Titles over
// 255 characters, custom excerpts over 300 and feature image alt texts
// over 125 get Ghost's 422 ValidationError. A post's Text is the
// PlainText of its HTML; Fields hold title, slug, status, tags,
// custom_excerpt, canonical_url, feature_image_caption, and newsletter
// and email_segment when the post was sent by email.
// It imports no testing package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	t           platformtest.Reporter
	key         AdminKey
	now         func() time.Time
	newsletters []string

	mu     sync.Mutex
	seq    int
	images map[string]string // URL -> media ID in the store
	viols  []string
	expect bool
}

// ghostError is Ghost's error envelope.
func ghostError(status int, code, message string) any {
	typ := map[string]string{
		"unauthorized": "UnauthorizedError", "rate_limited": "TooManyRequestsError", "internal": "InternalServerError",
		"not_found": "NotFoundError", "too_long": "ValidationError", "missing_field": "ValidationError",
		"bad_header": "BadRequestError", "bad_json": "BadRequestError", "bad_body": "BadRequestError",
		"bad_content_type": "UnsupportedMediaTypeError",
	}[code]
	if typ == "" {
		typ = code
	}
	var ctx any
	msg := message
	if typ == "ValidationError" {
		msg, ctx = "Validation error, cannot save post.", message
	}
	return map[string]any{"errors": []map[string]any{{
		"message": msg, "context": ctx, "type": typ, "details": nil, "property": nil, "help": nil,
		"code": nil, "id": "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", status),
	}}}
}

// NewFake starts a Fake that lives until t ends.
func NewFake(t platformtest.Reporter, opts FakeOptions) *Fake {
	t.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	if opts.AdminKey == "" {
		opts.AdminKey = FakeAdminKey
	}
	if opts.AcceptVersion == "" {
		opts.AcceptVersion = DefaultAcceptVersion
	}
	if opts.Newsletters == nil {
		opts.Newsletters = []string{"default-newsletter"}
	}
	key, err := ParseAdminKey(opts.AdminKey)
	if err != nil {
		t.Fatalf("ghost fake: %v", err)
	}
	f := &Fake{t: t, key: key, now: opts.Now, newsletters: opts.Newsletters, images: map[string]string{}}
	f.Fake = platformtest.New(t, platformtest.Config{
		Platform: "ghost", BasePath: "/site/ghost/api/admin/", ErrorBody: ghostError, Now: opts.Now,
	})
	hdr := map[string]string{"Accept-Version": opts.AcceptVersion}
	limits := []platformtest.Limit{
		{Path: "posts.0.title", Max: MaxTitle},
		{Path: "posts.0.custom_excerpt", Max: MaxExcerpt},
		{Path: "posts.0.feature_image_alt", Max: MaxFeatureAlt},
		{Path: "posts.0.slug", Max: MaxSlug},
	}
	f.Handle("POST /posts/", platformtest.Contract{Header: hdr, ContentType: "application/json",
		Required: []string{"posts.0.title"}, Limits: limits, Create: true}, f.authed(f.create))
	f.Handle("PUT /posts/{id}/", platformtest.Contract{Header: hdr, ContentType: "application/json",
		Required: []string{"posts.0.updated_at"}, Limits: limits}, f.authed(f.update))
	f.Handle("GET /posts/{id}/", platformtest.Contract{Header: hdr}, f.authed(f.read))
	f.Handle("GET /posts/", platformtest.Contract{Header: hdr}, f.authed(f.browse))
	f.Handle("DELETE /posts/{id}/", platformtest.Contract{Header: hdr}, f.authed(f.delete))
	f.Handle("POST /images/upload/", platformtest.Contract{Header: hdr, ContentType: "multipart/form-data"}, f.authed(f.upload))
	return f
}

// SiteURL is the site's address, what an account's base_url is set to.
func (f *Fake) SiteURL() string { return strings.TrimSuffix(f.URL(), "/ghost/api/admin") }

// ExpectViolations stops contract violations, of the token's too, from
// failing the test.
func (f *Fake) ExpectViolations() {
	f.mu.Lock()
	f.expect = true
	f.mu.Unlock()
	f.Fake.ExpectViolations()
}

// Violations lists every contract violation seen, the token's first.
func (f *Fake) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(slices.Clone(f.viols), f.Fake.Violations()...)
}

func (f *Fake) violate(c *platformtest.Call, status int, code, msg string) {
	f.mu.Lock()
	f.viols = append(f.viols, fmt.Sprintf("%s %s: %s", c.R.Method, c.R.URL.Path, msg))
	expect := f.expect
	f.mu.Unlock()
	if !expect {
		f.t.Errorf("ghost fake: contract violation: %s %s: %s", c.R.Method, c.R.URL.Path, msg)
	}
	c.Error(status, code, msg)
}

// authed checks the Admin API token before h runs.
func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		tok, ok := strings.CutPrefix(c.R.Header.Get("Authorization"), "Ghost ")
		if !ok {
			f.violate(c, http.StatusUnauthorized, "unauthorized", "Authorization header format is Authorization: Ghost [token]")
			return
		}
		if _, err := VerifyToken(tok, f.key, f.now()); err != nil {
			f.violate(c, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		}
		h(c)
	}
}

// stamp is a timestamp in Ghost's form, unique to each write: the clock
// plus a millisecond per write, so that a fixed clock still tells two
// versions of a post apart.
func (f *Fake) stamp() string {
	f.mu.Lock()
	f.seq++
	n := f.seq
	f.mu.Unlock()
	return f.now().UTC().Add(time.Duration(n) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// record is the post resource the fake answers with, with its html and
// its email relation when the request asks for them (formats=html,
// include=email).
func (f *Fake) record(p platformtest.Post, r *http.Request) map[string]any {
	formats, include := r.URL.Query().Get("formats"), r.URL.Query().Get("include")
	out := map[string]any{"id": p.ID, "uuid": p.Key, "url": p.URL, "created_at": p.Fields["created_at"],
		"comment_id": p.ID}
	for _, k := range []string{"title", "slug", "status", "custom_excerpt", "canonical_url", "feature_image",
		"feature_image_alt", "feature_image_caption", "updated_at", "published_at"} {
		out[k] = p.Fields[k]
	}
	var tags []map[string]any
	for _, name := range p.Fields["tags"].([]string) {
		tags = append(tags, map[string]any{"name": name, "slug": blogtext.Slug(name, MaxSlug)})
	}
	out["tags"] = tags
	if strings.Contains(formats, "html") {
		out["html"] = p.Fields["html"]
	}
	if nl, ok := p.Fields["newsletter"]; ok && strings.Contains(include, "newsletter") {
		out["newsletter"] = map[string]any{"slug": nl}
	}
	if strings.Contains(include, "email") {
		out["email"] = nil
		if _, ok := p.Fields["newsletter"]; ok {
			out["email"] = map[string]any{"status": "submitted", "recipient_filter": p.Fields["email_segment"]}
		}
	}
	return out
}

// apply sets the post's fields from a create or update body.
func (f *Fake) apply(c *platformtest.Call, p *platformtest.Post) bool {
	in := c.JSON["posts"].([]any)[0].(map[string]any)
	html, hasHTML := in["html"].(string)
	if hasHTML && c.R.URL.Query().Get("source") != "html" {
		f.violate(c, http.StatusBadRequest, "bad_body", "html is ignored unless the request has ?source=html (the post would be saved empty)")
		return false
	}
	if hasHTML {
		p.Fields["html"] = html
		p.Text = blogtext.PlainText(html)
	}
	for _, k := range []string{"title", "status", "custom_excerpt", "canonical_url", "feature_image", "feature_image_alt", "feature_image_caption"} {
		if v, ok := in[k]; ok {
			if v == "" {
				v = nil
			}
			p.Fields[k] = v
		}
	}
	if st, _ := p.Fields["status"].(string); st != "published" && st != "draft" && st != "scheduled" {
		f.violate(c, http.StatusUnprocessableEntity, "too_long", fmt.Sprintf("Value in [posts.status] must be one of published, draft, scheduled, sent; got %q", st))
		return false
	}
	if raw, ok := in["tags"]; ok {
		var names []string
		for _, t := range raw.([]any) {
			switch t := t.(type) {
			case string:
				names = append(names, t)
			case map[string]any:
				n, _ := t["name"].(string)
				names = append(names, n)
			}
		}
		p.Fields["tags"] = names
	}
	p.Media = nil
	if img, _ := p.Fields["feature_image"].(string); img != "" {
		f.mu.Lock()
		id, ok := f.images[img]
		f.mu.Unlock()
		if !ok {
			f.violate(c, http.StatusUnprocessableEntity, "too_long", "feature_image "+img+" was not uploaded to this site")
			return false
		}
		m, _ := f.Store.Media(id)
		alt, _ := p.Fields["feature_image_alt"].(string)
		p.Media = []platformtest.MediaItem{{ID: m.ID, Type: m.Type, Alt: alt, Data: m.Data}}
	}
	return true
}

// uniqueSlug returns want, or want-2, want-3, ... when a live post other
// than self holds it, as Ghost de-duplicates slugs.
func (f *Fake) uniqueSlug(want, self string) string {
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

// email records a send when the request asks for one and the post is
// published: Ghost sends only then, to an active newsletter.
func (f *Fake) email(c *platformtest.Call, p *platformtest.Post, wasPublished bool) bool {
	nl := c.R.URL.Query().Get("newsletter")
	if nl == "" {
		if c.R.URL.Query().Get("email_segment") != "" {
			f.violate(c, http.StatusBadRequest, "bad_body", "email_segment without newsletter sends nothing")
			return false
		}
		return true
	}
	if c.R.Method == http.MethodPost {
		f.violate(c, http.StatusBadRequest, "bad_body", "Ghost ignores ?newsletter= on a create (no email is sent): publish with an edit that carries it")
		return false
	}
	if p.Fields["status"] == "published" && !wasPublished {
		if !slices.Contains(f.newsletters, nl) {
			// Ghost finds no newsletter, then fails the send.
			c.Reply(http.StatusInternalServerError, map[string]any{"errors": []map[string]any{{
				"message": "Error sending email!", "context": "The post does not have a newsletter relation", "type": "EmailError",
				"details": nil, "property": nil, "help": nil, "code": nil, "id": "00000000-0000-4000-8000-000000000500"}}})
			return false
		}
		p.Fields["newsletter"] = nl
		seg := c.R.URL.Query().Get("email_segment")
		if seg == "" {
			seg = "all"
		}
		p.Fields["email_segment"] = seg
	}
	return true
}

func (f *Fake) create(c *platformtest.Call) {
	id := fmt.Sprintf("%024x", 0x6650000000+mustAtoi(f.Store.NextID()))
	now := f.stamp()
	p := platformtest.Post{ID: id, Key: "uuid-" + id, Fields: map[string]any{"status": "draft", "tags": []string{}, "created_at": now, "updated_at": now}}
	if !f.apply(c, &p) {
		return
	}
	want, _ := c.JSON["posts"].([]any)[0].(map[string]any)["slug"].(string)
	if want == "" {
		want = blogtext.Slug(p.Fields["title"].(string), MaxSlug)
	}
	p.Fields["slug"] = f.uniqueSlug(blogtext.Slug(want, MaxSlug), "")
	p.URL = f.SiteURL() + "/" + p.Fields["slug"].(string) + "/"
	if p.Fields["status"] == "published" {
		p.Fields["published_at"] = now
	}
	if !f.email(c, &p, false) {
		return
	}
	p.CreatedAt = f.now()
	stored := f.Store.Add(p)
	c.Reply(http.StatusCreated, map[string]any{"posts": []any{f.record(stored, c.R)}})
}

func (f *Fake) update(c *platformtest.Call) {
	id := c.R.PathValue("id")
	cur, ok := f.Store.Get(id)
	if !ok || cur.Deleted {
		c.Error(http.StatusNotFound, "not_found", "Post not found.")
		return
	}
	in := c.JSON["posts"].([]any)[0].(map[string]any)
	if in["updated_at"] != cur.Fields["updated_at"] {
		c.Error(http.StatusConflict, "UpdateCollisionError", "Saving failed! Someone else is editing this post.")
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
	if s, _ := in["slug"].(string); s != "" && s != cur.Fields["slug"] {
		next.Fields["slug"] = f.uniqueSlug(blogtext.Slug(s, MaxSlug), id)
		next.URL = f.SiteURL() + "/" + next.Fields["slug"].(string) + "/"
	}
	wasPublished := cur.Fields["status"] == "published"
	if next.Fields["status"] == "published" && !wasPublished {
		next.Fields["published_at"] = f.stamp()
	}
	if !f.email(c, &next, wasPublished) {
		return
	}
	next.Fields["updated_at"] = f.stamp()
	f.Store.Update(id, func(p *platformtest.Post) {
		p.Text, p.URL, p.Media, p.Fields = next.Text, next.URL, next.Media, next.Fields
		p.Edits++
	})
	got, _ := f.Store.Get(id)
	c.Reply(http.StatusOK, map[string]any{"posts": []any{f.record(got, c.R)}})
}

func (f *Fake) read(c *platformtest.Call) {
	p, ok := f.Store.Get(c.R.PathValue("id"))
	if !ok || p.Deleted {
		c.Error(http.StatusNotFound, "not_found", "Post not found.")
		return
	}
	c.Reply(http.StatusOK, map[string]any{"posts": []any{f.record(p, c.R)}})
}

// browse lists posts, newest first. The fake understands the filters
// herald sends: slug:x and slug:[x,y,...].
func (f *Fake) browse(c *platformtest.Call) {
	filter := c.R.URL.Query().Get("filter")
	var slugs []string
	if filter != "" {
		v, ok := strings.CutPrefix(filter, "slug:")
		if !ok {
			f.violate(c, http.StatusBadRequest, "bad_body", "the fake understands only slug filters, got "+filter)
			return
		}
		if inner, ok := strings.CutPrefix(v, "["); ok {
			slugs = strings.Split(strings.TrimSuffix(inner, "]"), ",")
		} else {
			slugs = []string{v}
		}
	}
	var out []any
	posts := f.Store.Posts()
	for _, p := range slices.Backward(posts) {
		if filter == "" || slices.Contains(slugs, p.Fields["slug"].(string)) {
			out = append(out, f.record(p, c.R))
		}
	}
	limit := 15
	if l := c.R.URL.Query().Get("limit"); l == "all" {
		limit = len(out)
	} else if n, err := strconv.Atoi(l); err == nil && n > 0 {
		limit = n
	}
	if len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []any{}
	}
	c.Reply(http.StatusOK, map[string]any{"posts": out, "meta": map[string]any{"pagination": map[string]any{"page": 1, "limit": limit, "total": len(out)}}})
}

func (f *Fake) delete(c *platformtest.Call) {
	if !f.Store.Delete(c.R.PathValue("id")) {
		c.Error(http.StatusNotFound, "not_found", "Resource not found error, cannot delete post.")
		return
	}
	c.Reply(http.StatusNoContent, nil)
}

// imageTypes are the image types Ghost's upload accepts, by extension.
var imageTypes = map[string]string{".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".svg": "image/svg+xml", ".svgz": "image/svg+xml", ".ico": "image/x-icon"}

func (f *Fake) upload(c *platformtest.Call) {
	_, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	r := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
	var data []byte
	var name, typ, purpose, ref string
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.violate(c, http.StatusBadRequest, "bad_body", "unreadable multipart body: "+err.Error())
			return
		}
		b, _ := io.ReadAll(part)
		switch part.FormName() {
		case "file":
			data, name, typ = b, part.FileName(), part.Header.Get("Content-Type")
		case "purpose":
			purpose = string(b)
		case "ref":
			ref = string(b)
		}
	}
	if data == nil {
		f.violate(c, http.StatusUnprocessableEntity, "missing_field", "Please select an image.")
		return
	}
	if purpose != "" && purpose != "image" && purpose != "profile_image" && purpose != "icon" {
		f.violate(c, http.StatusUnprocessableEntity, "missing_field", "purpose "+purpose+" is not image, profile_image or icon")
		return
	}
	ext := strings.ToLower(path.Ext(name))
	if want, ok := imageTypes[ext]; !ok || want != typ {
		f.violate(c, http.StatusUnsupportedMediaType, "bad_content_type",
			fmt.Sprintf("Please select a valid image file: %q sent as %q", name, typ))
		return
	}
	if !utf8.ValidString(name) || strings.ContainsAny(name, "/\\") {
		f.violate(c, http.StatusBadRequest, "bad_body", "bad file name")
		return
	}
	id := f.Store.AddMedia(platformtest.MediaItem{Type: typ, Data: data})
	u := fmt.Sprintf("%s/content/images/%s/%s-%s%s", f.SiteURL(), f.now().UTC().Format("2006/01"),
		strings.TrimSuffix(name, path.Ext(name)), id, ext)
	f.mu.Lock()
	f.images[u] = id
	f.mu.Unlock()
	c.Reply(http.StatusCreated, map[string]any{"images": []any{map[string]any{"url": u, "ref": nilIfEmpty(ref)}}})
}

// EditRemotely changes the post's title as someone in Ghost Admin would,
// which moves its updated_at on, and reports whether there was one.
func (f *Fake) EditRemotely(id, title string) bool {
	stamp := f.stamp()
	return f.Store.Update(id, func(p *platformtest.Post) {
		fields := map[string]any{}
		for k, v := range p.Fields {
			fields[k] = v
		}
		fields["title"], fields["updated_at"] = title, stamp
		p.Fields = fields
		p.Edits++
	})
}

// Key is the fake's Admin API key, for accounts to use.
func (f *Fake) Key() string { return f.key.ID + ":" + hex.EncodeToString(f.key.Secret) }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Seed adds n published posts made in Ghost Admin, created at at, each
// with a title and slug of its own: a busy site for Find to look on.
func (f *Fake) Seed(n int, at time.Time) {
	stamp := at.UTC().Format("2006-01-02T15:04:05.000Z")
	for range n {
		id := fmt.Sprintf("%024x", 0x6650000000+mustAtoi(f.Store.NextID()))
		slug := "seeded-" + id
		f.Store.Add(platformtest.Post{ID: id, Key: "uuid-" + id, Text: "Seeded " + id, URL: f.SiteURL() + "/" + slug + "/", CreatedAt: at,
			Fields: map[string]any{"title": "Seeded " + id, "slug": slug, "status": "published", "tags": []string{},
				"html": "<p>Seeded " + id + "</p>", "created_at": stamp, "updated_at": stamp, "published_at": stamp}})
	}
}

var _ platformtest.Seeder = (*Fake)(nil)
