package wordpress

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/blogtext"
)

// Name is the platform's name in configuration and the registry.
const Name = "wordpress"

// DefaultFindWindow is how far back Find accepts a post as the attempt's
// when the attempt's beginning is not recorded.
const DefaultFindWindow = 7 * 24 * time.Hour

// Limits herald holds posts to.
const (
	// MaxSlug is the length of wp_posts.post_name.
	MaxSlug = 200
	// MaxMedia is one: a post's image is its featured image.
	MaxMedia = 1
)

// Find reads a slug's family (the slug, then slug-2, slug-3, ... which
// WordPress gives a published post whose slug is taken) findBatch slugs
// a request, and goes on while a batch holds a post, at most
// findBatches requests: WordPress gives a post the first free suffix, so
// a post at slug-N means every slug before it was taken when it was
// published.
const (
	findBatch   = 10
	findBatches = 10
)

// statuses are the post statuses herald publishes with (future is
// WordPress's own, for a date ahead; herald schedules itself).
var statuses = map[string]bool{"publish": true, "draft": true, "pending": true, "private": true}

// WordPress is one WordPress site (or a WordPress.com site), reached
// through the core REST API.
type WordPress struct {
	account    string
	api        string // the wp/v2 namespace's URL, or the site's root with restRoute
	restRoute  bool   // routes go in ?rest_route= (plain permalinks)
	status     string
	force      bool // delete permanently instead of moving to the trash
	findWindow time.Duration
	settings   platforms.Settings
	logger     *slog.Logger
	now        func() time.Time

	mu     sync.Mutex
	client *httpx.Client
	terms  map[string]int // "tags/name" -> term ID, found or created this run
}

var (
	_ platforms.Publisher     = (*WordPress)(nil)
	_ platforms.Preparer      = (*WordPress)(nil)
	_ platforms.Updater       = (*WordPress)(nil)
	_ platforms.Deleter       = (*WordPress)(nil)
	_ platforms.Finder        = (*WordPress)(nil)
	_ platforms.MetricsReader = (*WordPress)(nil)
)

// APIBase reads a base_url setting into the URL of the REST API's wp/v2
// namespace and whether routes go in a rest_route query parameter. It
// takes the site's address (https://example.com, whose API is at
// /wp-json/wp/v2), the REST root itself (https://example.com/wp-json),
// the root for plain permalinks (https://example.com/?rest_route=), or a
// WordPress.com site's API (https://public-api.wordpress.com/wp/v2/sites/example.wordpress.com).
func APIBase(base string) (api string, restRoute bool, err error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false, fmt.Errorf("base_url %q is not an http(s) URL", base)
	}
	if u.Query().Has("rest_route") {
		u.RawQuery, u.Fragment = "", ""
		u.Path = strings.TrimSuffix(u.Path, "index.php")
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		return u.String(), true, nil
	}
	if u.RawQuery != "" {
		return "", false, fmt.Errorf("base_url %q has a query other than rest_route", base)
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case u.Host == "public-api.wordpress.com":
		if !strings.HasPrefix(p, "/wp/v2/sites/") {
			return "", false, fmt.Errorf("base_url %q: a WordPress.com site's API is https://public-api.wordpress.com/wp/v2/sites/{site}", base)
		}
	case strings.HasSuffix(p, "/wp-json/wp/v2"):
	case strings.HasSuffix(p, "/wp-json"):
		p += "/wp/v2"
	default:
		p += "/wp-json/wp/v2"
	}
	u.Path = p
	return u.String(), false, nil
}

// New is the platforms.Constructor for WordPress. It checks the settings
// and does no I/O; the password or token is read at the first call.
func New(s platforms.Settings) (platforms.Publisher, error) {
	if s.BaseURL == "" {
		return nil, errors.New("setting base_url is required: the site's address, e.g. https://blog.example.com (or https://blog.example.com/?rest_route= where pretty permalinks are off)")
	}
	api, restRoute, err := APIBase(s.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("setting %w", err)
	}
	user, pass, tok := s.String("username"), s.String("password_env"), s.String("token_env")
	switch {
	case tok != "" && (user != "" || pass != ""):
		return nil, errors.New("set either username and password_env (an application password) or token_env (a WordPress.com OAuth token), not both")
	case tok == "" && (user == "" || pass == ""):
		return nil, errors.New("settings username and password_env are required: the user and the environment variable holding one of their application passwords (Users > Profile > Application Passwords); or token_env for a WordPress.com OAuth token")
	}
	status := s.String("status")
	if status == "" {
		status = "publish"
	}
	if !statuses[status] {
		return nil, fmt.Errorf("setting status %q: want publish, draft, pending or private", status)
	}
	force := false
	switch d := s.String("delete"); d {
	case "", "trash":
	case "force":
		force = true
	default:
		return nil, fmt.Errorf("setting delete %q: want trash (the default: WordPress keeps it 30 days) or force (deleted at once)", d)
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
	return &WordPress{account: s.Account, api: api, restRoute: restRoute, status: status, force: force,
		findWindow: findWindow, settings: s, logger: logger, now: s.Now, terms: map[string]int{}}, nil
}

// Name returns "wordpress".
func (w *WordPress) Name() string { return Name }

// secretKey is the setting that names the credential's variable.
func (w *WordPress) secretKey() string {
	if w.settings.String("token_env") != "" {
		return "token_env"
	}
	return "password_env"
}

// api returns the REST client, reading the credential on first use.
func (w *WordPress) rest() (*httpx.Client, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.client != nil {
		return w.client, nil
	}
	secret, err := w.settings.Secret(w.secretKey())
	if err != nil {
		return nil, notCreated("%v", err)
	}
	auth := "Bearer " + secret
	if w.secretKey() == "password_env" {
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(w.settings.String("username")+":"+secret))
	}
	c := &httpx.Client{
		BaseURL: w.api, HTTP: w.settings.HTTPClient, UserAgent: "herald",
		Header: http.Header{"Authorization": {auth}},
		Now:    w.now, Logger: w.logger, ErrorMessage: errorMessage,
	}
	c.Redact.Add(secret)
	w.client = c
	return c, nil
}

// req builds a request for route (relative to wp/v2, e.g. "posts/12"),
// in the URL form the site uses.
func (w *WordPress) req(method, route string, q url.Values) httpx.Request {
	if q == nil {
		q = url.Values{}
	}
	if w.restRoute {
		q.Set("rest_route", "/wp/v2/"+route)
		return httpx.Request{Method: method, Path: "/", Query: q}
	}
	return httpx.Request{Method: method, Path: "/" + route, Query: q}
}

// errorMessage reads WordPress's error envelope, {"code", "message",
// "data": {"status"}}.
func errorMessage(_ int, body []byte) (string, string) {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", line
	}
	return e.Code, html.UnescapeString(e.Message)
}

// notCreated is a failure before anything was sent.
func notCreated(format string, args ...any) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: fmt.Sprintf(format, args...)}
}

// apiErr turns an httpx error into a *platforms.APIError with what a
// person needs to act on it, wrapped with op.
func (w *WordPress) apiErr(op string, err error) error {
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
			// WordPress answers 401 to a request it could not
			// authenticate (rest_authorization_required_code), whatever
			// the code says (rest_cannot_create, incorrect_password).
			ae.Message += fmt.Sprintf(": WordPress did not accept the credentials; check the user (setting username) and the application password in %s (setting %s), and that the site serves its REST API over HTTPS",
				w.settings.String(w.secretKey()), w.secretKey())
			ae.Err = errors.Join(platforms.ErrNeedsReconnect, ae.Err)
		case http.StatusForbidden:
			ae.Message += fmt.Sprintf(": the user %s may not do this (their role lacks the capability)", w.settings.String("username"))
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// asNotCreated marks an error from a step that cannot have created a post
// (an upload, a term) as NotCreated, whatever its status says.
func asNotCreated(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return err
}

// rendered is a field WordPress returns as {raw, rendered}; raw only with
// context=edit.
type rendered struct {
	Raw      string `json:"raw"`
	Rendered string `json:"rendered"`
}

// wpPost is the part of WordPress's post resource herald reads.
type wpPost struct {
	ID            int      `json:"id"`
	Link          string   `json:"link"`
	Slug          string   `json:"slug"`
	Status        string   `json:"status"`
	DateGMT       *string  `json:"date_gmt"`
	ModifiedGMT   string   `json:"modified_gmt"`
	Title         rendered `json:"title"`
	Content       rendered `json:"content"`
	FeaturedMedia int      `json:"featured_media"`
}

// article is what herald sends for one payload.
type article struct {
	title, content, excerpt, status, slug string
	tags, categories                      []string
	image                                 *platforms.Media
}

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

func listOption(p *platforms.Payload, key string) ([]string, bool, error) {
	v, ok := p.Options[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false, fmt.Errorf("option %s: %v is not a list", key, v)
	}
	var out []string
	for _, x := range list {
		s, ok := x.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, false, fmt.Errorf("option %s: %v is not a name", key, x)
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out, true, nil
}

// article reads the prepared payload into what is sent. A canonical URL
// becomes a closing paragraph that links to it: WordPress core has no
// canonical URL field.
func (w *WordPress) article(p *platforms.Payload) (*article, error) {
	a := &article{title: p.Title, content: p.HTML, status: w.status, tags: p.Tags}
	var errs []error
	for key, dst := range map[string]*string{"status": &a.status, "slug": &a.slug, "excerpt": &a.excerpt} {
		v, err := stringOption(p, key)
		errs = append(errs, err)
		if v != "" {
			*dst = v
		}
	}
	canonical, err := stringOption(p, "canonical_url")
	errs = append(errs, err)
	if canonical == "" {
		// A cross-post's original: the blog the post waits for.
		canonical = p.CanonicalURL
	}
	if tags, ok, err := listOption(p, "tags"); ok || err != nil {
		a.tags, errs = tags, append(errs, err)
	}
	a.categories, _, err = listOption(p, "categories")
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if canonical != "" {
		u := html.EscapeString(canonical)
		a.content += "\n<p>Originally published at <a href=\"" + u + "\">" + u + "</a>.</p>\n"
	}
	if a.slug == "" {
		a.slug = blogtext.Slug(p.PostID, MaxSlug)
	}
	if len(p.Media) > 0 {
		a.image = &p.Media[0]
	}
	return a, nil
}

// Prepare gives the post what WordPress needs: HTML (built from the text's
// paragraphs when the renderer gave none), a title (the text's first line
// when the post has none), and a slug (the post's ID when the override
// sets none), and refuses what cannot be published, before anything is
// sent.
func (w *WordPress) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	if err := blogtext.Fill(p); err != nil {
		return nil, err
	}
	a, err := w.article(p)
	if err != nil {
		return nil, err
	}
	var errs []error
	if !statuses[a.status] {
		errs = append(errs, fmt.Errorf("option status %q: want publish, draft, pending or private", a.status))
	}
	if a.slug == "" || len(a.slug) > MaxSlug || a.slug != blogtext.Slug(a.slug, MaxSlug) {
		errs = append(errs, fmt.Errorf("slug %q: want lowercase letters, digits and hyphens, at most %d", a.slug, MaxSlug))
	}
	if len(p.Media) > MaxMedia {
		errs = append(errs, fmt.Errorf("%d media: WordPress takes one image, the post's featured image; put other images in the body", len(p.Media)))
	}
	if a.image != nil && !strings.HasPrefix(a.image.Type, "image/") {
		errs = append(errs, fmt.Errorf("%s is %s: a featured image must be an image", a.image.Path, a.image.Type))
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

// digest is a hash of everything a's post is made of, so that an update
// that would change nothing sends nothing.
func (a *article) digest(imageSHA string) string {
	alt := ""
	if a.image != nil {
		alt = a.image.Alt
	}
	return hash(a.postDigest(imageSHA), alt)
}

// postDigest is a hash of what the post itself holds: everything but the
// image's alt text, which belongs to the media item.
func (a *article) postDigest(imageSHA string) string {
	return hash(a.title, a.content, a.excerpt, a.status, a.slug, a.tags, a.categories, imageSHA)
}

func hash(v ...any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// body is the post's JSON, with its terms resolved to IDs.
func (a *article) body(tags, cats []int, media int) map[string]any {
	b := map[string]any{"title": a.title, "content": a.content, "excerpt": a.excerpt, "status": a.status,
		"slug": a.slug, "tags": tags, "featured_media": media}
	if len(cats) > 0 {
		// None leaves WordPress's default category in place.
		b["categories"] = cats
	}
	return b
}

// Publish uploads the featured image and sets its alt text, finds or
// creates the tags and categories, then creates the post.
func (w *WordPress) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	a, err := w.article(p)
	if err != nil {
		return nil, notCreated("%v", err)
	}
	api, err := w.rest()
	if err != nil {
		return nil, err
	}
	tags, cats, err := w.resolveTerms(ctx, api, a)
	if err != nil {
		return nil, asNotCreated(err)
	}
	extra := map[string]string{}
	media := 0
	if a.image != nil {
		if media, extra["image_sha256"], err = w.upload(ctx, api, a.image); err != nil {
			return nil, asNotCreated(err)
		}
		extra["featured_media"] = strconv.Itoa(media)
	}
	r := w.req(http.MethodPost, "posts", nil)
	r.JSON = a.body(tags, cats, media)
	var out wpPost
	if _, err := api.DoJSON(ctx, r, &out); err != nil {
		return nil, w.apiErr("create post", err)
	}
	if out.ID == 0 {
		return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: "create post: WordPress answered without a post ID"}
	}
	return w.receipt(out, a, extra), nil
}

// receipt records what later calls need: the post's modified_gmt (to
// tell an edit made in WordPress), its featured image and a digest of
// what was sent.
func (w *WordPress) receipt(p wpPost, a *article, extra map[string]string) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, IDs: []string{strconv.Itoa(p.ID)}, URLs: []string{p.Link}, Extra: extra}
	if p.DateGMT != nil {
		if t, err := time.Parse("2006-01-02T15:04:05", *p.DateGMT); err == nil {
			r.PublishedAt = t.UTC()
		}
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = w.now()
	}
	extra["modified_gmt"] = p.ModifiedGMT
	extra["status"] = p.Status
	extra["slug"] = p.Slug
	if a != nil {
		extra["digest"] = a.digest(extra["image_sha256"])
		extra["post_digest"] = a.postDigest(extra["image_sha256"])
		extra["title_sha256"], extra["body_sha256"] = blogtext.TitleHash(a.title), blogtext.BodyHash(a.content)
	}
	return r
}

// term is a tag or category as the REST API lists it.
type term struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// resolveTerms returns the IDs of a's tags and categories, creating the
// ones the site lacks.
func (w *WordPress) resolveTerms(ctx context.Context, api *httpx.Client, a *article) ([]int, []int, error) {
	tags := []int{}
	for _, name := range a.tags {
		id, err := w.termID(ctx, api, "tags", name)
		if err != nil {
			return nil, nil, err
		}
		tags = append(tags, id)
	}
	var cats []int
	for _, name := range a.categories {
		id, err := w.termID(ctx, api, "categories", name)
		if err != nil {
			return nil, nil, err
		}
		cats = append(cats, id)
	}
	return tags, cats, nil
}

// termID finds the term named name in taxonomy ("tags", "categories"),
// ignoring case as WordPress does, or creates it. A user whose role may
// not create it (an Author may create tags, not categories) gets an error
// saying so.
func (w *WordPress) termID(ctx context.Context, api *httpx.Client, taxonomy, name string) (int, error) {
	key := taxonomy + "/" + strings.ToLower(name)
	w.mu.Lock()
	id, ok := w.terms[key]
	w.mu.Unlock()
	if ok {
		return id, nil
	}
	r := w.req(http.MethodGet, taxonomy, url.Values{"search": {name}, "per_page": {"100"}, "_fields": {"id,name"}})
	var found []term
	if _, err := api.DoJSON(ctx, r, &found); err != nil {
		return 0, w.apiErr("look up "+taxonomy+" "+name, err)
	}
	id = 0
	for _, t := range found {
		if strings.EqualFold(html.UnescapeString(t.Name), name) {
			id = t.ID
			break
		}
	}
	if id == 0 {
		r := w.req(http.MethodPost, taxonomy, nil)
		r.JSON = map[string]string{"name": name}
		var created term
		_, err := api.DoJSON(ctx, r, &created)
		var se *httpx.StatusError
		switch {
		case errors.As(err, &se) && se.Code == "term_exists":
			// Made by someone else since the look-up: WordPress says which.
			var e struct {
				Data struct {
					TermID int `json:"term_id"`
				} `json:"data"`
			}
			if json.Unmarshal(se.Body, &e) != nil || e.Data.TermID == 0 {
				return 0, w.apiErr("create "+taxonomy+" "+name, err)
			}
			created.ID = e.Data.TermID
		case errors.As(err, &se) && se.Status == http.StatusForbidden && se.Code == "rest_cannot_create":
			what := map[string]string{"tags": "tag", "categories": "category"}[taxonomy]
			return 0, &platforms.APIError{Platform: Name, Status: se.Status, Code: se.Code, Outcome: platforms.NotCreated, Err: err,
				Message: fmt.Sprintf("the %s %q does not exist on the site and the user %s may not create it (creating categories needs an Editor or Administrator): create it in WordPress, or remove it from the post",
					what, name, w.settings.String("username"))}
		case err != nil:
			return 0, w.apiErr("create "+taxonomy+" "+name, err)
		}
		id = created.ID
	}
	w.mu.Lock()
	w.terms[key] = id
	w.mu.Unlock()
	return id, nil
}

// upload sends the image to /wp/v2/media as the raw body with its
// filename in Content-Disposition, then sets its alt text. It returns
// the media ID and the SHA-256 of the bytes.
func (w *WordPress) upload(ctx context.Context, api *httpx.Client, m *platforms.Media) (int, string, error) {
	data, err := readMedia(m)
	if err != nil {
		return 0, "", notCreated("%v", err)
	}
	sum := sha256.Sum256(data)
	r := w.req(http.MethodPost, "media", nil)
	r.Body, r.ContentType = data, m.Type
	r.Header = http.Header{"Content-Disposition": {`attachment; filename="` + fileName(m.Path) + `"`}}
	var out struct {
		ID int `json:"id"`
	}
	if _, err := api.DoJSON(ctx, r, &out); err != nil {
		return 0, "", w.apiErr("upload "+m.Path, err)
	}
	if out.ID == 0 {
		return 0, "", notCreated("upload %s: WordPress answered without a media ID", m.Path)
	}
	if err := w.setAlt(ctx, api, out.ID, m.Alt); err != nil {
		return 0, "", err
	}
	return out.ID, hex.EncodeToString(sum[:]), nil
}

// fileName is the upload's file name: the file's own, with anything but
// ASCII letters, digits, dots, hyphens and underscores made a hyphen,
// because WordPress reads Content-Disposition by splitting it at ';' and
// '=' and knows no RFC 2231 encoding.
func fileName(p string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return r
		}
		return '-'
	}, path.Base(p))
}

// setAlt sets the alt text of the media item id.
func (w *WordPress) setAlt(ctx context.Context, api *httpx.Client, id int, alt string) error {
	r := w.req(http.MethodPost, "media/"+strconv.Itoa(id), nil)
	r.JSON = map[string]string{"alt_text": alt}
	if _, err := api.Do(ctx, r); err != nil {
		return w.apiErr(fmt.Sprintf("set the alt text of media %d", id), err)
	}
	return nil
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

// get reads the post with id in the edit context. A post that is gone or
// in the trash wraps platforms.ErrDeletedRemotely.
func (w *WordPress) get(ctx context.Context, api *httpx.Client, id string) (*wpPost, error) {
	var out wpPost
	_, err := api.DoJSON(ctx, w.req(http.MethodGet, "posts/"+url.PathEscape(id), url.Values{"context": {"edit"}}), &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusGone) {
		return nil, fmt.Errorf("read post %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, w.apiErr("read post "+id, err)
	}
	if out.Status == "trash" {
		return nil, fmt.Errorf("post %s is in the trash: %w", id, platforms.ErrDeletedRemotely)
	}
	return &out, nil
}

// ErrEditedInWordPress is what Update's error wraps when someone edited
// the post in WordPress after herald's last write and what readers see
// differs from both herald's last version and its new one: herald does
// not overwrite their edit. It is not platforms.ErrNotEditable, whose
// drift is for good: this one settles itself once the person brings the
// edit into the post's file or undoes it, and the next apply edits the
// post.
var ErrEditedInWordPress = errors.New("edited in WordPress since herald's last write")

// Update edits the post in place. It first reads the post's modified_gmt:
// when it is not what herald's last write left, someone edited the post
// in WordPress, and Update fails with ErrEditedInWordPress (NotCreated:
// nothing changed) instead of overwriting their edit, unless what readers
// see shows nothing of theirs to lose. WordPress has no edit guard of its
// own, so an edit made between that read and the write is still lost. An
// update that would change nothing sends nothing; a changed alt text alone
// is set on the media item.
func (w *WordPress) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) != 1 {
		return nil, fmt.Errorf("update: the receipt names %d posts, want 1", len(r.IDs))
	}
	a, err := w.article(p)
	if err != nil {
		return nil, notCreated("%v", err)
	}
	extra := map[string]string{}
	for k, v := range r.Extra {
		extra[k] = v
	}
	imageSHA := ""
	if a.image != nil {
		data, err := readMedia(a.image)
		if err != nil {
			return nil, notCreated("%v", err)
		}
		sum := sha256.Sum256(data)
		imageSHA = hex.EncodeToString(sum[:])
	}
	if extra["digest"] != "" && extra["digest"] == a.digest(imageSHA) {
		return r, nil
	}
	api, err := w.rest()
	if err != nil {
		return nil, err
	}
	id := r.IDs[0]
	cur, err := w.get(ctx, api, id)
	if err != nil {
		return nil, err
	}
	if m := extra["modified_gmt"]; m != "" && cur.ModifiedGMT != m {
		// Someone saved the post in WordPress since herald's last write.
		// When each of the title and the body readers see is still
		// herald's last version (not edited, or the edit undone) or
		// already the new one (the edit brought into the file), nothing
		// of theirs is lost, and the edit goes ahead.
		if blogtext.Lost(html.UnescapeString(cur.Title.Raw), cur.Content.Raw, extra["title_sha256"], extra["body_sha256"], a.title, a.content) {
			return nil, &platforms.APIError{Platform: Name, Code: "edited_in_wordpress", Outcome: platforms.NotCreated, Err: ErrEditedInWordPress,
				Message: fmt.Sprintf("update post %s: someone edited it in WordPress after herald last wrote it (modified %s, herald's write %s): herald does not overwrite their edit. To keep it, bring it into the post's file; to drop it, undo it in WordPress; the next apply then edits the post",
					id, cur.ModifiedGMT, m)}
		}
	}
	media := 0
	switch {
	case a.image == nil:
		delete(extra, "featured_media")
		delete(extra, "image_sha256")
	case imageSHA == extra["image_sha256"] && extra["featured_media"] != "":
		media, _ = strconv.Atoi(extra["featured_media"])
		if err := w.setAlt(ctx, api, media, a.image.Alt); err != nil {
			return nil, err
		}
	default:
		if media, extra["image_sha256"], err = w.upload(ctx, api, a.image); err != nil {
			return nil, err
		}
		extra["featured_media"] = strconv.Itoa(media)
	}
	got := *cur
	if r.Extra["post_digest"] == "" || r.Extra["post_digest"] != a.postDigest(imageSHA) || media != cur.FeaturedMedia {
		// More than the alt text changed (which is set on the media item).
		tags, cats, err := w.resolveTerms(ctx, api, a)
		if err != nil {
			return nil, err
		}
		req := w.req(http.MethodPost, "posts/"+url.PathEscape(id), nil)
		req.JSON = a.body(tags, cats, media)
		if _, err := api.DoJSON(ctx, req, &got); err != nil {
			return nil, w.apiErr("update post "+id, err)
		}
	}
	out := w.receipt(got, a, extra)
	out.PublishedAt = r.PublishedAt
	return out, nil
}

// Delete moves the post to the trash, or deletes it for good with delete:
// force. A post already gone (or already in the trash) is
// platforms.ErrDeletedRemotely. The featured image stays in the media
// library.
func (w *WordPress) Delete(ctx context.Context, r *platforms.Receipt) error {
	if len(r.IDs) != 1 {
		return fmt.Errorf("delete: the receipt names %d posts, want 1", len(r.IDs))
	}
	api, err := w.rest()
	if err != nil {
		return err
	}
	q := url.Values{}
	if w.force {
		q.Set("force", "true")
	}
	_, err = api.Do(ctx, w.req(http.MethodDelete, "posts/"+url.PathEscape(r.IDs[0]), q))
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusGone) {
		return fmt.Errorf("delete post %s (%s): %w", r.IDs[0], se.Code, platforms.ErrDeletedRemotely)
	}
	return w.apiErr("delete post "+r.IDs[0], err)
}

// Find looks the attempt up by its slug. WordPress keeps published slugs
// unique by giving a post whose slug is taken the first free one of -2,
// -3, ..., so Find reads the posts (of any status but trash) whose slug
// is the payload's or one of its de-duplicated forms, as far as the
// family goes, and takes the one with the payload's title dated since
// the attempt began (less platforms.ClockSkew). None is
// platforms.ErrNotFound; more than one is an error for a person.
func (w *WordPress) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	a, err := w.article(p)
	if err != nil {
		return nil, err
	}
	api, err := w.rest()
	if err != nil {
		return nil, err
	}
	var posts []wpPost
	last := 0 // the last suffix read; the slug itself is 1
	for batch := 0; ; batch++ {
		if batch == findBatches {
			return nil, fmt.Errorf("find: WordPress holds posts at every slug from %s to %s-%d; cannot tell whether the attempt landed past them: look for a post titled %q in wp-admin, then resolve the post",
				a.slug, a.slug, last, a.title)
		}
		slugs := blogtext.Slugs(a.slug, last+1, findBatch)
		last += findBatch
		q := url.Values{"slug": {strings.Join(slugs, ",")}, "status": {"any"}, "context": {"edit"}, "per_page": {"100"}}
		var page []wpPost
		if _, err := api.DoJSON(ctx, w.req(http.MethodGet, "posts", q), &page); err != nil {
			return nil, w.apiErr("find post by slug "+a.slug, err)
		}
		if len(page) == 0 {
			break
		}
		posts = append(posts, page...)
	}
	since := at.Since(w.now(), w.findWindow)
	var found []wpPost
	for _, c := range posts {
		stamp := c.ModifiedGMT
		if c.DateGMT != nil {
			stamp = *c.DateGMT
		}
		t, err := time.Parse("2006-01-02T15:04:05", stamp)
		if err != nil || t.Before(since) || html.UnescapeString(c.Title.Raw) != html.UnescapeString(a.title) {
			continue
		}
		found = append(found, c)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no post titled %q with slug %s (or %s-2 to -%d) dated since %s: %w",
			a.title, a.slug, a.slug, last, at.DescribeSince(since, "the find_window"), platforms.ErrNotFound)
	case 1:
		extra := map[string]string{}
		if found[0].FeaturedMedia != 0 {
			extra["featured_media"] = strconv.Itoa(found[0].FeaturedMedia)
		}
		return w.receipt(found[0], nil, extra), nil
	default:
		ids := make([]string, len(found))
		for i, f := range found {
			ids[i] = strconv.Itoa(f.ID) + " (" + f.Slug + ")"
		}
		return nil, fmt.Errorf("%d posts titled %q were dated since %s: %s; trash the extra ones in WordPress, then resolve the post",
			len(found), a.title, at.DescribeSince(since, "the find_window"), strings.Join(ids, ", "))
	}
}

// Metrics reads the post's approved comments (X-WP-Total of
// GET /wp/v2/comments?post=id), the one count core WordPress keeps; views
// need a statistics plugin. A post gone or in the trash is
// platforms.ErrDeletedRemotely.
func (w *WordPress) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) != 1 {
		return nil, fmt.Errorf("metrics: the receipt names %d posts, want 1", len(r.IDs))
	}
	api, err := w.rest()
	if err != nil {
		return nil, err
	}
	if _, err := w.get(ctx, api, r.IDs[0]); err != nil {
		return nil, err
	}
	resp, err := api.Do(ctx, w.req(http.MethodGet, "comments", url.Values{"post": {r.IDs[0]}, "per_page": {"1"}, "_fields": {"id"}}))
	if err != nil {
		return nil, w.apiErr("read the comments of post "+r.IDs[0], err)
	}
	n, err := strconv.ParseInt(resp.Header.Get("X-WP-Total"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("read the comments of post %s: X-WP-Total %q is not a count", r.IDs[0], resp.Header.Get("X-WP-Total"))
	}
	return &platforms.Metrics{Replies: &n}, nil
}
