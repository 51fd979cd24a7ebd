package ghost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/blogtext"
)

// Name is the platform's name in configuration and the registry.
const Name = "ghost"

// DefaultAcceptVersion is the Accept-Version header sent when the account
// does not set accept_version: the API version herald is written against.
const DefaultAcceptVersion = "v5.0"

// DefaultFindWindow is how far back Find accepts a post as the attempt's
// when the attempt's beginning is not recorded.
const DefaultFindWindow = 7 * 24 * time.Hour

// Limits Ghost's validation enforces on the fields herald sends.
const (
	MaxTitle      = 255 // posts.title
	MaxExcerpt    = 300 // posts.custom_excerpt
	MaxFeatureAlt = 191 // posts_meta.feature_image_alt (125 before Ghost 6)
	MaxSlug       = 191 // posts.slug
	// MaxMedia is one: a post's image is its feature image.
	MaxMedia = 1
)

// Find reads a slug's family (the slug, then slug-2, slug-3, ... which
// Ghost gives a post whose slug is taken) findBatch slugs a request, and
// goes on while a batch holds a post, at most findBatches requests: Ghost
// gives a post the first free suffix, so a post at slug-N means every
// slug before it was taken when it was made.
const (
	findBatch   = 10
	findBatches = 10
)

// statuses are the post statuses herald publishes with.
var statuses = map[string]bool{"published": true, "draft": true}

// Ghost is one Ghost site, reached through its Admin API with an
// integration's Admin API key.
type Ghost struct {
	account    string
	site       string // the site's admin URL, without a trailing slash
	version    string
	status     string
	findWindow time.Duration
	settings   platforms.Settings
	logger     *slog.Logger
	now        func() time.Time

	mu  sync.Mutex
	key *AdminKey
}

var (
	_ platforms.Publisher = (*Ghost)(nil)
	_ platforms.Preparer  = (*Ghost)(nil)
	_ platforms.Updater   = (*Ghost)(nil)
	_ platforms.Deleter   = (*Ghost)(nil)
	_ platforms.Finder    = (*Ghost)(nil)
)

// New is the platforms.Constructor for Ghost. It checks the settings and
// does no I/O; the Admin API key is read at the first call.
func New(s platforms.Settings) (platforms.Publisher, error) {
	site := strings.TrimRight(s.BaseURL, "/")
	if site == "" {
		return nil, errors.New("setting base_url is required: the site's admin address, e.g. https://blog.example.com (the Admin API lives under /ghost/api/admin/ below it)")
	}
	u, err := url.Parse(site)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("setting base_url %q is not an http(s) URL of a site", s.BaseURL)
	}
	site = strings.TrimSuffix(strings.TrimSuffix(site, "/ghost/api/admin"), "/ghost")
	if s.String("admin_key_env") == "" {
		return nil, errors.New("setting admin_key_env is required: the environment variable holding the Admin API key ({id}:{secret}, from Settings > Integrations)")
	}
	version := s.String("accept_version")
	if version == "" {
		version = DefaultAcceptVersion
	}
	if !strings.HasPrefix(version, "v") {
		return nil, fmt.Errorf("setting accept_version %q: want a version such as v5.0", version)
	}
	status := s.String("status")
	if status == "" {
		status = "published"
	}
	if !statuses[status] {
		return nil, fmt.Errorf("setting status %q: want published or draft", status)
	}
	findWindow := DefaultFindWindow
	if v := s.String("find_window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("setting find_window %q is not a positive duration such as 72h", v)
		}
		findWindow = d
	}
	if s.Now == nil {
		return nil, errors.New("settings lack a clock (Now)")
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Ghost{account: s.Account, site: site, version: version, status: status, findWindow: findWindow,
		settings: s, logger: logger, now: s.Now}, nil
}

// Name returns "ghost".
func (g *Ghost) Name() string { return Name }

// client returns an Admin API client carrying a token signed now: Ghost's
// tokens live five minutes, so each call signs its own.
func (g *Ghost) client() (*httpx.Client, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.key == nil {
		raw, err := g.settings.Secret("admin_key_env")
		if err != nil {
			return nil, notCreated("%v", err)
		}
		k, err := ParseAdminKey(raw)
		if err != nil {
			return nil, notCreated("%s (setting admin_key_env names %s)", err, g.settings.String("admin_key_env"))
		}
		g.key = &k
	}
	api := &httpx.Client{
		BaseURL: g.site + "/ghost/api/admin", HTTP: g.settings.HTTPClient, UserAgent: "herald",
		Header: http.Header{"Authorization": {"Ghost " + g.key.Token(g.now())}, "Accept-Version": {g.version}},
		Now:    g.now, Logger: g.logger, ErrorMessage: errorMessage,
	}
	api.Redact.Add(hex.EncodeToString(g.key.Secret))
	return api, nil
}

// errorMessage reads Ghost's error envelope, {"errors": [{"message",
// "context", "type", "code"}]}: the type is the code, the context says
// what exactly was wrong.
func errorMessage(_ int, body []byte) (string, string) {
	var e struct {
		Errors []struct {
			Message string  `json:"message"`
			Context *string `json:"context"`
			Type    string  `json:"type"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", line
	}
	first := e.Errors[0]
	msg := first.Message
	if first.Context != nil && *first.Context != "" && *first.Context != msg {
		msg += ": " + *first.Context
	}
	return first.Type, msg
}

// notCreated is a failure before anything was sent.
func notCreated(format string, args ...any) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: fmt.Sprintf(format, args...)}
}

// apiErr turns an httpx error into a *platforms.APIError with what a
// person needs to act on it, wrapped with op.
func (g *Ghost) apiErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae0 *platforms.APIError
	if errors.As(err, &ae0) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	if errors.As(e, &ae) {
		switch ae.Status {
		case http.StatusUnauthorized:
			ae.Message = fmt.Sprintf("%s: Ghost rejected the Admin API token; check the key in %s (setting admin_key_env), and that the integration was not deleted or its key regenerated",
				ae.Message, g.settings.String("admin_key_env"))
			ae.Err = errors.Join(platforms.ErrNeedsReconnect, ae.Err)
		case http.StatusForbidden:
			ae.Message = fmt.Sprintf("%s: the integration may not do this on %s", ae.Message, g.site)
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// asNotCreated marks an error from a step that cannot have created a post
// (an image upload) as NotCreated, whatever its status says.
func asNotCreated(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return err
}

// post is the part of Ghost's post resource herald sends and reads.
type post struct {
	ID                  string      `json:"id,omitempty"`
	UUID                string      `json:"uuid,omitempty"`
	Title               string      `json:"title,omitempty"`
	Slug                string      `json:"slug,omitempty"`
	HTML                string      `json:"html,omitempty"`
	Status              string      `json:"status,omitempty"`
	URL                 string      `json:"url,omitempty"`
	Tags                []tag       `json:"tags,omitempty"`
	CustomExcerpt       *nullString `json:"custom_excerpt,omitempty"`
	CanonicalURL        *nullString `json:"canonical_url,omitempty"`
	FeatureImage        *nullString `json:"feature_image,omitempty"`
	FeatureImageAlt     *nullString `json:"feature_image_alt,omitempty"`
	FeatureImageCaption *nullString `json:"feature_image_caption,omitempty"`
	UpdatedAt           string      `json:"updated_at,omitempty"`
	CreatedAt           string      `json:"created_at,omitempty"`
	PublishedAt         string      `json:"published_at,omitempty"`
	Email               *struct{}   `json:"email,omitempty"`
}

// nullString is a field herald always sends: an empty one is null, which
// clears it in Ghost (an empty canonical URL or image is not a valid one).
type nullString string

// MarshalJSON writes "" as null.
func (n nullString) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(n))
}

// UnmarshalJSON reads null as "".
func (n *nullString) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*n = ""
	if s != nil {
		*n = nullString(*s)
	}
	return nil
}

type tag struct {
	Name string `json:"name"`
}

type postsEnvelope struct {
	Posts []post `json:"posts"`
}

// article is what herald sends for one payload: the post's fields, the
// newsletter it asks for, and its image.
type article struct {
	title, html, status, slug string
	tags                      []string
	excerpt, canonical        string
	caption                   string
	newsletter, segment       string
	image                     *platforms.Media
}

// stringOption returns the option key as a string, "" when absent, and an
// error when it is set to something else.
func stringOption(p *platforms.Payload, key string) (string, error) {
	v, ok := p.Options[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("option %s: %v is not a string", key, v)
	}
	return strings.TrimSpace(s), nil
}

// article reads the prepared payload into what is sent.
func (g *Ghost) article(p *platforms.Payload) (*article, error) {
	a := &article{title: p.Title, html: p.HTML, status: g.status, tags: p.Tags}
	var err error
	for key, dst := range map[string]*string{"status": &a.status, "slug": &a.slug, "excerpt": &a.excerpt,
		"canonical_url": &a.canonical, "feature_image_caption": &a.caption, "newsletter": &a.newsletter, "email_segment": &a.segment} {
		v, e := stringOption(p, key)
		if e != nil {
			err = errors.Join(err, e)
		}
		if v != "" {
			*dst = v
		}
	}
	if a.canonical == "" {
		// A cross-post's original: the blog the post waits for.
		a.canonical = p.CanonicalURL
	}
	if err != nil {
		return nil, err
	}
	if v, ok := p.Options["tags"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("option tags: %v is not a list", v)
		}
		a.tags = nil
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("option tags: %v is not a string", x)
			}
			a.tags = append(a.tags, s)
		}
	}
	if a.slug == "" {
		a.slug = blogtext.Slug(p.PostID, MaxSlug)
	}
	if len(p.Media) > 0 {
		a.image = &p.Media[0]
	}
	return a, nil
}

// Prepare gives the post what Ghost needs: HTML (built from the text's
// paragraphs when the renderer gave none), a title (the text's first line
// when the post has none), and a slug (the post's ID when the override
// sets none), and refuses what Ghost would refuse, before anything is
// sent.
func (g *Ghost) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	if err := blogtext.Fill(p); err != nil {
		return nil, err
	}
	a, err := g.article(p)
	if err != nil {
		return nil, err
	}
	var errs []error
	if !statuses[a.status] {
		errs = append(errs, fmt.Errorf("option status %q: want published or draft", a.status))
	}
	if n := len([]rune(a.title)); n > MaxTitle {
		errs = append(errs, fmt.Errorf("the title is %d characters; Ghost allows %d", n, MaxTitle))
	}
	if n := len([]rune(a.excerpt)); n > MaxExcerpt {
		errs = append(errs, fmt.Errorf("option excerpt is %d characters; Ghost allows %d", n, MaxExcerpt))
	}
	if a.slug == "" || len(a.slug) > MaxSlug || a.slug != blogtext.Slug(a.slug, MaxSlug) {
		errs = append(errs, fmt.Errorf("slug %q: want lowercase letters, digits and hyphens, at most %d", a.slug, MaxSlug))
	}
	if len(p.Media) > MaxMedia {
		errs = append(errs, fmt.Errorf("%d media: Ghost takes one image, the post's feature image; put other images in the body", len(p.Media)))
	}
	if a.image != nil {
		if !strings.HasPrefix(a.image.Type, "image/") {
			errs = append(errs, fmt.Errorf("%s is %s: a feature image must be an image", a.image.Path, a.image.Type))
		}
		if n := len([]rune(a.image.Alt)); n > MaxFeatureAlt {
			errs = append(errs, fmt.Errorf("the alt text of %s is %d characters; Ghost allows %d for a feature image", a.image.Path, n, MaxFeatureAlt))
		}
	}
	if a.segment != "" && a.newsletter == "" {
		errs = append(errs, errors.New("option email_segment needs option newsletter: Ghost sends email only to a newsletter"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if p.Options == nil {
		p.Options = map[string]any{}
	}
	p.Options["slug"] = a.slug
	return p, nil
}

// Publish uploads the feature image, then creates the post from HTML.
// Email goes out only when the post names a newsletter and is published.
func (g *Ghost) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	a, err := g.article(p)
	if err != nil {
		return nil, notCreated("%v", err)
	}
	api, err := g.client()
	if err != nil {
		return nil, err
	}
	extra := map[string]string{}
	var image string
	if a.image != nil {
		image, extra["image_sha256"], err = g.upload(ctx, api, a.image)
		if err != nil {
			return nil, asNotCreated(err)
		}
	}
	body := a.post(image)
	emailed := a.status == "published" && a.newsletter != ""
	if emailed {
		// Ghost takes ?newsletter= only on an edit that publishes: the
		// post is created as a draft, then published with it.
		body.Status = "draft"
	}
	var out postsEnvelope
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "/posts/", Query: url.Values{"source": {"html"}}, JSON: postsEnvelope{Posts: []post{body}}}, &out); err != nil {
		return nil, g.apiErr("create post", err)
	}
	if len(out.Posts) == 0 || out.Posts[0].ID == "" {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: "create post: Ghost answered without a post"}
	}
	if !emailed {
		return g.receipt(out.Posts[0], a, image, extra), nil
	}
	return g.publishEmailed(ctx, api, out.Posts[0], a, image, extra)
}

// publishEmailed publishes the draft d with the newsletter a names, which
// sends the email. When Ghost refuses, the draft (never published, never
// emailed) is deleted, so that nothing is left and the error is
// NotCreated; when the answer is lost, the draft is read to tell.
func (g *Ghost) publishEmailed(ctx context.Context, api *httpx.Client, d post, a *article, image string, extra map[string]string) (*platforms.Receipt, error) {
	q := url.Values{"source": {"html"}, "newsletter": {a.newsletter}}
	if a.segment != "" {
		q.Set("email_segment", a.segment)
	}
	body := a.post(image)
	body.UpdatedAt = d.UpdatedAt
	var out postsEnvelope
	_, perr := api.DoJSON(ctx, httpx.Request{Method: http.MethodPut, Path: "/posts/" + url.PathEscape(d.ID) + "/", Query: q, JSON: postsEnvelope{Posts: []post{body}}}, &out)
	if perr == nil && len(out.Posts) > 0 {
		return g.receipt(out.Posts[0], a, image, extra), nil
	}
	if perr == nil {
		perr = &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: "Ghost answered without the post"}
	}
	perr = g.newsletterErr("publish post "+d.ID+" with newsletter "+a.newsletter, a.newsletter, perr)
	cur, err := g.get(ctx, api, d.ID)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w (and reading the post back failed: %v)", perr, err)
	case cur.Status == "published":
		return g.receipt(*cur, a, image, extra), nil
	case cur.Status != "draft" || cur.Email != nil:
		return nil, perr
	}
	if _, err := api.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: "/posts/" + url.PathEscape(d.ID) + "/"}); err != nil {
		return nil, fmt.Errorf("%w (and deleting the draft %s herald made failed: %v)", perr, d.ID, err)
	}
	var ae *platforms.APIError
	if errors.As(perr, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return nil, fmt.Errorf("%w; the draft herald made was deleted", perr)
}

// newsletterErr is apiErr, explaining Ghost's answer to a newsletter it
// does not have (an EmailError: "The post does not have a newsletter
// relation").
func (g *Ghost) newsletterErr(op, newsletter string, err error) error {
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	if newsletter != "" && errors.As(e, &ae) && ae.Code == "EmailError" {
		ae.Message += fmt.Sprintf(" (is %q the slug of an active newsletter? See Settings > Newsletters)", newsletter)
	}
	return g.apiErr(op, e)
}

// post builds the post resource for a, with its feature image's URL.
func (a *article) post(image string) post {
	tags := []tag{}
	for _, t := range a.tags {
		tags = append(tags, tag{Name: t})
	}
	p := post{Title: a.title, HTML: a.html, Status: a.status, Slug: a.slug, Tags: tags,
		CustomExcerpt: nullable(a.excerpt), CanonicalURL: nullable(a.canonical),
		FeatureImage: nullable(""), FeatureImageAlt: nullable(""), FeatureImageCaption: nullable("")}
	if image != "" {
		p.FeatureImage, p.FeatureImageAlt, p.FeatureImageCaption = nullable(image), nullable(a.image.Alt), nullable(a.caption)
	}
	return p
}

// nullable returns s to send; an empty one is sent as null.
func nullable(s string) *nullString { n := nullString(s); return &n }

// digest is a hash of everything a's post is made of, so that an update
// that would change nothing sends nothing.
func (a *article) digest(imageSHA string) string {
	alt := ""
	if a.image != nil {
		alt = a.image.Alt
	}
	b, _ := json.Marshal([]any{a.title, a.html, a.status, a.slug, a.tags, a.excerpt, a.canonical, a.caption, imageSHA, alt})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// receipt records what later calls need: the post's updated_at (Ghost's
// edit guard), its status, its feature image and a digest of what was
// sent.
func (g *Ghost) receipt(p post, a *article, image string, extra map[string]string) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, IDs: []string{p.ID}, URLs: []string{p.URL}, Extra: extra}
	for _, s := range []string{p.PublishedAt, p.CreatedAt} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			r.PublishedAt = t
			break
		}
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = g.now()
	}
	extra["updated_at"] = p.UpdatedAt
	extra["status"] = p.Status
	extra["slug"] = p.Slug
	if image != "" {
		extra["feature_image"] = image
	} else {
		delete(extra, "feature_image")
		delete(extra, "image_sha256")
	}
	if a != nil {
		extra["digest"] = a.digest(extra["image_sha256"])
		extra["title_sha256"], extra["body_sha256"] = blogtext.TitleHash(a.title), blogtext.BodyHash(a.html)
	}
	return r
}

// upload sends an image to /images/upload/ and returns its URL and the
// SHA-256 of its bytes.
func (g *Ghost) upload(ctx context.Context, api *httpx.Client, m *platforms.Media) (string, string, error) {
	data, err := readMedia(m)
	if err != nil {
		return "", "", notCreated("%v", err)
	}
	sum := sha256.Sum256(data)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, path.Base(m.Path)))
	h.Set("Content-Type", m.Type)
	fw, err := w.CreatePart(h)
	if err != nil {
		return "", "", notCreated("upload %s: %v", m.Path, err)
	}
	fw.Write(data)
	w.WriteField("purpose", "image")
	w.WriteField("ref", m.Path)
	w.Close()
	var out struct {
		Images []struct {
			URL string `json:"url"`
			Ref string `json:"ref"`
		} `json:"images"`
	}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "/images/upload/", Body: buf.Bytes(), ContentType: w.FormDataContentType()}, &out); err != nil {
		return "", "", g.apiErr("upload "+m.Path, err)
	}
	if len(out.Images) == 0 || out.Images[0].URL == "" {
		return "", "", notCreated("upload %s: Ghost answered without the image's URL", m.Path)
	}
	return out.Images[0].URL, hex.EncodeToString(sum[:]), nil
}

func readMedia(m *platforms.Media) ([]byte, error) {
	if m.Open == nil {
		return nil, fmt.Errorf("%s cannot be opened", m.Path)
	}
	rc, err := m.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", m.Path, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", m.Path, err)
	}
	return data, nil
}

// ErrEditedInGhost is what Update's error wraps when someone edited the
// post in Ghost after herald's last write and what readers see differs
// from both herald's last version and its new one: herald does not
// overwrite their edit. It is not platforms.ErrNotEditable, whose drift
// is for good: this one settles itself once the person brings the edit
// into the post's file or undoes it, and the next apply edits the post.
var ErrEditedInGhost = errors.New("edited in Ghost since herald's last write")

// Update edits the post in place. It sends the updated_at that herald's
// last write returned: when someone has edited the post in Ghost since,
// Ghost answers 409 UpdateCollisionError, and Update fails with
// ErrEditedInGhost (NotCreated: nothing changed) instead of overwriting
// their edit, unless what readers see shows nothing of theirs to lose. An
// update that would change nothing sends nothing.
func (g *Ghost) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) != 1 {
		return nil, fmt.Errorf("update: the receipt names %d posts, want 1", len(r.IDs))
	}
	a, err := g.article(p)
	if err != nil {
		return nil, notCreated("%v", err)
	}
	extra := map[string]string{}
	for k, v := range r.Extra {
		extra[k] = v
	}
	imageSHA := ""
	var data []byte
	if a.image != nil {
		if data, err = readMedia(a.image); err != nil {
			return nil, notCreated("%v", err)
		}
		sum := sha256.Sum256(data)
		imageSHA = hex.EncodeToString(sum[:])
	}
	if extra["digest"] != "" && extra["digest"] == a.digest(imageSHA) {
		return r, nil
	}
	api, err := g.client()
	if err != nil {
		return nil, err
	}
	id := r.IDs[0]
	updatedAt := extra["updated_at"]
	if updatedAt == "" {
		// A receipt without it (written by hand): the post as it is now
		// is what herald edits.
		cur, err := g.get(ctx, api, id)
		if err != nil {
			return nil, err
		}
		updatedAt, extra["status"] = cur.UpdatedAt, cur.Status
	}
	image := ""
	if a.image != nil {
		if imageSHA == extra["image_sha256"] && extra["feature_image"] != "" {
			image = extra["feature_image"]
		} else {
			if image, extra["image_sha256"], err = g.upload(ctx, api, a.image); err != nil {
				return nil, err
			}
		}
	}
	body := a.post(image)
	body.UpdatedAt = updatedAt
	q := url.Values{"source": {"html"}}
	if a.status == "published" && extra["status"] != "published" && a.newsletter != "" {
		q.Set("newsletter", a.newsletter)
		if a.segment != "" {
			q.Set("email_segment", a.segment)
		}
	}
	put := func() (postsEnvelope, error) {
		var out postsEnvelope
		_, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPut, Path: "/posts/" + url.PathEscape(id) + "/", Query: q, JSON: postsEnvelope{Posts: []post{body}}}, &out)
		return out, err
	}
	out, err := put()
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		// Someone saved the post in Ghost since herald's last write.
		// When each of the title and the body readers see is still
		// herald's last version (not edited, or the edit undone) or
		// already the new one (the edit brought into the file),
		// nothing of theirs is lost: the edit goes ahead on the current
		// version.
		cur, gerr := g.get(ctx, api, id)
		if gerr != nil {
			return nil, gerr
		}
		if blogtext.Lost(cur.Title, cur.HTML, extra["title_sha256"], extra["body_sha256"], a.title, a.html) {
			return nil, g.edited(id, fmt.Sprintf("someone edited it in Ghost after herald last wrote it (updated_at %s, now %s), and Ghost refused herald's edit (409 UpdateCollisionError)",
				updatedAt, cur.UpdatedAt), se)
		}
		body.UpdatedAt = cur.UpdatedAt
		out, err = put()
	}
	switch {
	case errors.As(err, &se) && se.Status == http.StatusConflict:
		return nil, g.edited(id, "it is being edited in Ghost right now, and Ghost refused herald's edit (409 UpdateCollisionError)", se)
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return nil, fmt.Errorf("update post %s: %w: %w", id, platforms.ErrDeletedRemotely, g.apiErr("update", err))
	case err != nil:
		return nil, g.newsletterErr("update post "+id, a.newsletter, err)
	}
	if len(out.Posts) == 0 {
		return nil, fmt.Errorf("update post %s: Ghost answered without the post", id)
	}
	got := g.receipt(out.Posts[0], a, image, extra)
	got.PublishedAt = r.PublishedAt
	return got, nil
}

// edited is the error of an edit refused because someone edited the post
// in Ghost: NotCreated, not retried within the run, and tried again by
// the next apply.
func (g *Ghost) edited(id, why string, se *httpx.StatusError) error {
	return &platforms.APIError{Platform: Name, Status: se.Status, Code: "edited_in_ghost", Outcome: platforms.NotCreated,
		Message: fmt.Sprintf("update post %s: %s: herald does not overwrite their edit. To keep it, bring it into the post's file; to drop it, undo it in Ghost; the next apply then edits the post", id, why),
		Err:     errors.Join(ErrEditedInGhost, se)}
}

// get reads the post with id; a 404 wraps platforms.ErrDeletedRemotely.
func (g *Ghost) get(ctx context.Context, api *httpx.Client, id string) (*post, error) {
	var out postsEnvelope
	_, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/posts/" + url.PathEscape(id) + "/", Query: url.Values{"include": {"email"}, "formats": {"html"}}}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil, fmt.Errorf("read post %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, g.apiErr("read post "+id, err)
	}
	if len(out.Posts) == 0 {
		return nil, fmt.Errorf("read post %s: Ghost answered without the post", id)
	}
	return &out.Posts[0], nil
}

// Delete deletes the post (Ghost answers 204). A post already gone is
// platforms.ErrDeletedRemotely. The feature image stays in the site's
// content folder: Ghost has no API to delete an image.
func (g *Ghost) Delete(ctx context.Context, r *platforms.Receipt) error {
	if len(r.IDs) != 1 {
		return fmt.Errorf("delete: the receipt names %d posts, want 1", len(r.IDs))
	}
	api, err := g.client()
	if err != nil {
		return err
	}
	_, err = api.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: "/posts/" + url.PathEscape(r.IDs[0]) + "/"})
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return fmt.Errorf("delete post %s: %w", r.IDs[0], platforms.ErrDeletedRemotely)
	}
	return g.apiErr("delete post "+r.IDs[0], err)
}

// Find looks the attempt up by its slug. Ghost keeps slugs unique by
// giving a post whose slug is taken the first free one of -2, -3, ...,
// so Find reads the posts whose slug is the payload's or one of its
// de-duplicated forms, as far as the family goes, and takes the one
// with the payload's title created since the attempt began (less
// platforms.ClockSkew). None is platforms.ErrNotFound; more than one
// cannot be told apart and is an error for a person.
func (g *Ghost) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	a, err := g.article(p)
	if err != nil {
		return nil, err
	}
	api, err := g.client()
	if err != nil {
		return nil, err
	}
	var posts []post
	last := 0 // the last suffix read; the slug itself is 1
	for batch := 0; ; batch++ {
		if batch == findBatches {
			return nil, fmt.Errorf("find: Ghost holds posts at every slug from %s to %s-%d; cannot tell whether the attempt landed past them: look for a post titled %q in Ghost Admin, then resolve the post",
				a.slug, a.slug, last, a.title)
		}
		slugs := blogtext.Slugs(a.slug, last+1, findBatch)
		last += findBatch
		q := url.Values{"filter": {"slug:[" + strings.Join(slugs, ",") + "]"}, "limit": {"all"}, "include": {"email"}}
		var out postsEnvelope
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "/posts/", Query: q}, &out); err != nil {
			return nil, g.apiErr("find post by slug "+a.slug, err)
		}
		if len(out.Posts) == 0 {
			break
		}
		posts = append(posts, out.Posts...)
	}
	since := at.Since(g.now(), g.findWindow)
	var found []post
	for _, c := range posts {
		created, err := time.Parse(time.RFC3339Nano, c.CreatedAt)
		if err != nil || created.Before(since) || c.Title != a.title {
			continue
		}
		found = append(found, c)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no post titled %q with slug %s (or %s-2 to -%d) created since %s: %w",
			a.title, a.slug, a.slug, last, at.DescribeSince(since, "the find_window"), platforms.ErrNotFound)
	case 1:
		f := found[0]
		if f.Status == "draft" && f.Email == nil && a.status == "published" && a.newsletter != "" {
			// The attempt stopped between creating the draft and
			// publishing it with the newsletter: the draft, never
			// published nor emailed, goes, and the retry makes the
			// post again and sends the email once.
			if _, err := api.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: "/posts/" + url.PathEscape(f.ID) + "/"}); err != nil {
				return nil, g.apiErr("delete the unpublished draft "+f.ID+" the attempt left", err)
			}
			return nil, fmt.Errorf("the attempt left the draft %s, never published nor emailed, which was deleted: %w", f.ID, platforms.ErrNotFound)
		}
		// The image's digest is unknown: the next update sends it again.
		return g.receipt(f, nil, "", map[string]string{}), nil
	default:
		ids := make([]string, len(found))
		for i, f := range found {
			ids[i] = f.ID + " (" + f.Slug + ")"
		}
		return nil, fmt.Errorf("%d posts titled %q were created since %s: %s; delete the extra ones in Ghost, then resolve the post",
			len(found), a.title, at.DescribeSince(since, "the find_window"), strings.Join(ids, ", "))
	}
}
