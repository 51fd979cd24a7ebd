package devto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Name is the platform's name in configuration and the registry.
const Name = "devto"

// DefaultBaseURL is the API of dev.to itself; another Forem instance sets
// base_url.
const DefaultBaseURL = "https://dev.to/api"

// Accept is the header that selects version 1 of the Forem API. Without
// it Forem answers with the deprecated version 0.
const Accept = "application/vnd.forem.api-v1+json"

// Limits Forem enforces on an article (Article model validations).
const (
	// MaxTags is how many tags an article takes (MAX_TAG_LIST_SIZE).
	MaxTags = 4
	// MaxTitle is the longest title of a full post, in characters.
	MaxTitle = 128
)

// Look-up bounds: Find reads the account's articles FindPageSize a page
// (Forem's default per_page is 30, its maximum 1000), at most
// FindMaxPages pages, back to when the attempt began.
const (
	FindPageSize = 30
	FindMaxPages = 10
	// DefaultFindWindow is how far back Find reaches when the attempt's
	// beginning is not recorded.
	DefaultFindWindow = 7 * 24 * time.Hour
)

// DeleteMeans is what `delete: true` does on dev.to, for the plan and the
// result: Forem has no delete endpoint for authors.
const DeleteMeans = "unpublishes the article: dev.to has no delete, so it stays as a draft only its author sees"

// duplicateTitle is the message Forem's title_unique_for_user_past_five_minutes
// validation answers a second article with the same title within five
// minutes with.
const duplicateTitle = "has already been used in the last five minutes"

// DevTo is one dev.to (or other Forem) account: it publishes a post's
// Markdown as an article, edits it, unpublishes it for a delete, looks
// attempts up among the account's articles, and reads their counts.
type DevTo struct {
	account  string
	base     string
	settings platforms.Settings
	logger   *slog.Logger
	now      func() time.Time
	window   time.Duration

	mu  sync.Mutex
	api *httpx.Client
}

var (
	_ platforms.Publisher     = (*DevTo)(nil)
	_ platforms.Preparer      = (*DevTo)(nil)
	_ platforms.Updater       = (*DevTo)(nil)
	_ platforms.Deleter       = (*DevTo)(nil)
	_ platforms.Finder        = (*DevTo)(nil)
	_ platforms.MetricsReader = (*DevTo)(nil)
)

// New builds the adapter for one account. It checks the settings and
// does no I/O; the API key is read at the first call.
func New(s platforms.Settings) (platforms.Publisher, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("setting base_url %q is not an http(s) URL", s.BaseURL)
	}
	if s.String("api_key_env") == "" {
		return nil, errors.New("setting api_key_env is required: the environment variable holding the dev.to API key (dev.to/settings/extensions)")
	}
	if s.Now == nil {
		return nil, errors.New("settings lack a clock (Now)")
	}
	window := DefaultFindWindow
	if v := s.String("find_window"); v != "" {
		if window, err = time.ParseDuration(v); err != nil || window <= 0 {
			return nil, fmt.Errorf("setting find_window %q is not a positive duration such as 72h", v)
		}
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &DevTo{account: s.Account, base: base, settings: s, logger: logger, now: s.Now, window: window}, nil
}

// Name returns "devto".
func (d *DevTo) Name() string { return Name }

// DeleteMeans says that a delete unpublishes (see DeleteMeans).
func (d *DevTo) DeleteMeans() string { return DeleteMeans }

func (d *DevTo) client() (*httpx.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.api != nil {
		return d.api, nil
	}
	key, err := d.settings.Secret("api_key_env")
	if err != nil {
		return nil, err
	}
	api := &httpx.Client{
		BaseURL: d.base, HTTP: d.settings.HTTPClient, UserAgent: "herald",
		Header: http.Header{"Api-Key": {key}, "Accept": {Accept}},
		Now:    d.now, Logger: d.logger, ErrorMessage: errorMessage,
	}
	api.Redact.Add(key)
	d.api = api
	return api, nil
}

// errorMessage reads Forem's error envelope, {"error": "...", "status":
// 422}; the unpublish route answers {"message": [...]} instead.
func errorMessage(_ int, body []byte) (string, string) {
	var e struct {
		Error   string          `json:"error"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Error != "" {
			return "", e.Error
		}
		var msgs []string
		if json.Unmarshal(e.Message, &msgs) == nil && len(msgs) > 0 {
			return "", strings.Join(msgs, "; ")
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return "", line
}

// notCreated is a failure before anything was sent.
func notCreated(format string, args ...any) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: fmt.Sprintf(format, args...)}
}

// apiErr turns an httpx error into a *platforms.APIError that says what to
// do, wrapped with op.
func (d *DevTo) apiErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *httpx.StatusError
	var te *httpx.TransportError
	if !errors.As(err, &se) && !errors.As(err, &te) {
		// A 2xx whose body cannot be read: the call was acted on.
		err = &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: err.Error(), Err: err}
	}
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	if errors.As(e, &ae) {
		env := d.settings.String("api_key_env")
		switch ae.Status {
		case http.StatusUnauthorized:
			ae.Message = fmt.Sprintf("%s: dev.to rejected the API key; check the key in %s (setting api_key_env) and create a new one at dev.to/settings/extensions if it was revoked", ae.Message, env)
			ae.Err = errors.Join(platforms.ErrNeedsReconnect, ae.Err)
		case http.StatusNotFound:
			ae.Err = errors.Join(platforms.ErrDeletedRemotely, ae.Err)
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// article is what herald sends in {"article": {...}}.
type article struct {
	Title        string   `json:"title"`
	BodyMarkdown string   `json:"body_markdown"`
	Published    bool     `json:"published"`
	Tags         []string `json:"tags"`
	Series       string   `json:"series,omitempty"`
	MainImage    string   `json:"main_image,omitempty"`
	CanonicalURL string   `json:"canonical_url,omitempty"`
	Description  string   `json:"description,omitempty"`
}

// answer is the part of Forem's article JSON herald reads, from a create,
// an update or the account's list.
type answer struct {
	ID                   int64      `json:"id"`
	Title                string     `json:"title"`
	URL                  string     `json:"url"`
	Published            bool       `json:"published"`
	PublishedAt          *time.Time `json:"published_at"`
	CanonicalURL         *string    `json:"canonical_url"`
	BodyMarkdown         string     `json:"body_markdown"`
	PageViewsCount       *int64     `json:"page_views_count"`
	PublicReactionsCount *int64     `json:"public_reactions_count"`
	CommentsCount        *int64     `json:"comments_count"`
}

// Prepare builds the article from the post (platforms.Preparer): the body
// is the post's Markdown as written, so that what the plan shows is what
// dev.to receives; the title is the post's (or its first line, cut to
// MaxTitle); tags are lowercased to letters and digits, as Forem keeps
// them; and the options are checked. It changes only its copy.
func (d *DevTo) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	return Prepare(p)
}

// Prepare is DevTo.Prepare without an account, for golden tests.
func Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	body := p.Markdown
	if strings.TrimSpace(body) == "" {
		body = p.Text()
	}
	if strings.TrimSpace(body) == "" {
		return nil, errors.New("the post has no body")
	}
	if strings.HasPrefix(body, "---\n") {
		// Forem reads a leading --- block as Jekyll front matter, whose
		// keys override the article's fields: a blank line keeps a
		// leading thematic break a break.
		body = "\n" + body
	}
	p.Parts = []platforms.Part{{Text: body}}
	p.Title = articleTitle(p.Title, body)
	tags := p.Tags
	if v, ok := p.Options["tags"]; ok && v != nil {
		list, ok := stringList(v)
		if !ok {
			return nil, fmt.Errorf("option tags must be a list of words, not %v", v)
		}
		tags = list
	}
	norm, err := normalizeTags(tags)
	if err != nil {
		return nil, err
	}
	p.Tags = norm
	if _, err := readOptions(p); err != nil {
		return nil, err
	}
	return p, nil
}

// stringList reads a decoded list of strings.
func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// articleTitle is the post's title, or the first line of its body, with
// whitespace collapsed as Forem's normalize_title does, cut to MaxTitle.
func articleTitle(title, body string) string {
	if strings.TrimSpace(title) == "" {
		for line := range strings.SplitSeq(body, "\n") {
			line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#>-*"))
			if line != "" {
				title = line
				break
			}
		}
	}
	title = strings.Join(strings.Fields(title), " ")
	if r := []rune(title); len(r) > MaxTitle {
		cut := string(r[:MaxTitle-1])
		if i := strings.LastIndex(cut, " "); i > MaxTitle/2 {
			cut = cut[:i]
		}
		title = cut + "…"
	}
	return title
}

// normalizeTags lowercases each tag and keeps its letters and digits, as
// dev.to's tags are; empty and repeated tags go. More than MaxTags is an
// error that names them, because Forem refuses the whole article.
func normalizeTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		var b strings.Builder
		for _, r := range strings.ToLower(t) {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
		if s := b.String(); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("dev.to takes at most %d tags, and the post has %d (%s): choose them with the target's tags option", MaxTags, len(out), strings.Join(out, ", "))
	}
	return out, nil
}

// options are the target's front-matter keys an article takes.
type options struct {
	series, mainImage, canonical, description string
	published                                 bool
}

func readOptions(p *platforms.Payload) (options, error) {
	o := options{published: true}
	for key, dst := range map[string]*string{"series": &o.series, "main_image": &o.mainImage,
		"canonical_url": &o.canonical, "description": &o.description} {
		v, ok := p.Options[key]
		if !ok || v == nil {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return o, fmt.Errorf("option %s must be text, not %v", key, v)
		}
		*dst = strings.TrimSpace(s)
	}
	if o.canonical == "" {
		// A cross-post's original: the blog the post waits for.
		o.canonical = p.CanonicalURL
	}
	for key, v := range map[string]string{"main_image": o.mainImage, "canonical_url": o.canonical} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsFunc(v, unicode.IsSpace) {
			return o, fmt.Errorf("option %s %q is not an absolute http(s) URL", key, v)
		}
	}
	if v, ok := p.Options["published"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return o, fmt.Errorf("option published must be true or false, not %v", v)
		}
		o.published = b
	}
	return o, nil
}

func (o options) article(p *platforms.Payload) article {
	body := ""
	if len(p.Parts) > 0 {
		body = p.Parts[0].Text
	}
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return article{Title: p.Title, BodyMarkdown: body, Published: o.published, Tags: tags,
		Series: o.series, MainImage: o.mainImage, CanonicalURL: o.canonical, Description: o.description}
}

func (a *answer) receipt(now time.Time) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, IDs: []string{strconv.FormatInt(a.ID, 10)}, URLs: []string{a.URL}, PublishedAt: now}
	if a.PublishedAt != nil && !a.PublishedAt.IsZero() {
		r.PublishedAt = *a.PublishedAt
	}
	return r
}

// Publish creates the article with POST /api/articles. dev.to has no
// idempotency key; when it refuses the title as used in the last five
// minutes, an earlier attempt of this post may be that article, and
// Publish looks it up instead of failing (see Find).
func (d *DevTo) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("publish: %v", err)
	}
	if len(p.Parts) == 0 || p.Title == "" {
		return nil, notCreated("publish: the article has no body or no title (was it prepared?)")
	}
	api, err := d.client()
	if err != nil {
		return nil, notCreated("publish: %v", err)
	}
	began := d.now()
	var a answer
	_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "articles",
		JSON: map[string]any{"article": o.article(p)}}, &a)
	if err == nil && a.ID == 0 {
		err = errors.New("the answer holds no article id")
	}
	if err == nil {
		return a.receipt(d.now()), nil
	}
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusUnprocessableEntity && strings.Contains(se.Message, duplicateTitle) {
		// The same title within five minutes: an earlier attempt (a
		// timeout after dev.to accepted it) may be this article.
		r, ferr := d.Find(ctx, p, platforms.Attempt{Key: key, Began: began.Add(-5 * time.Minute)})
		if ferr == nil {
			d.logger.Info("dev.to refused a second article with this title; found the earlier attempt", "post_id", p.PostID, "article_id", r.IDs[0])
			return r, nil
		}
		return nil, &platforms.APIError{Platform: Name, Status: se.Status, Outcome: platforms.Unknown, Err: err,
			Message: fmt.Sprintf("dev.to refused the title %q as used in the last five minutes, and the look-up among the account's articles did not settle it (%v): an earlier attempt may have landed; herald looks again at the next run", p.Title, ferr)}
	}
	return nil, d.apiErr("publish", err)
}

// Update sends the article again with PUT /api/articles/{id}: title,
// body, tags, series, cover, canonical URL and published, so that the
// article is what the post says.
func (d *DevTo) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, notCreated("update: the receipt names no article")
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	api, err := d.client()
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	var a answer
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPut, Path: "articles/" + url.PathEscape(r.IDs[0]),
		JSON: map[string]any{"article": o.article(p)}}, &a); err != nil {
		return nil, d.apiErr("update article "+r.IDs[0], err)
	}
	out := a.receipt(r.PublishedAt)
	if a.ID == 0 {
		out.IDs = r.IDs
	}
	if a.URL == "" && len(r.URLs) > 0 {
		out.URLs = r.URLs
	}
	if !r.PublishedAt.IsZero() {
		out.PublishedAt = r.PublishedAt
	}
	return out, nil
}

// Delete unpublishes the article: dev.to has no delete for its author,
// so PUT /api/articles/{id} with published false takes it off the site
// and leaves a draft (see DeleteMeans). An article already gone (404)
// wraps platforms.ErrDeletedRemotely.
func (d *DevTo) Delete(ctx context.Context, r *platforms.Receipt) error {
	if r == nil || len(r.IDs) == 0 {
		return notCreated("unpublish: the receipt names no article")
	}
	api, err := d.client()
	if err != nil {
		return notCreated("unpublish: %v", err)
	}
	_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodPut, Path: "articles/" + url.PathEscape(r.IDs[0]),
		JSON: map[string]any{"article": map[string]any{"published": false}}}, nil)
	return d.apiErr("unpublish article "+r.IDs[0], err)
}

// Find looks an attempt up among the account's articles, GET
// /api/articles/me/all (drafts first, then newest published first), for
// one whose title is the payload's and, when the payload sets one, whose
// canonical URL is too. Reaching an article published before the attempt
// began (less platforms.ClockSkew) without a match proves it absent.
func (d *DevTo) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	// The reconciler hands Find the payload as rendered: prepare a copy
	// (Prepare is idempotent) to compare what Publish sent.
	p, err := Prepare(p.Clone())
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	api, err := d.client()
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	since := at.Since(d.now(), d.window)
	title := articleTitle(p.Title, "")
	body := ""
	if len(p.Parts) > 0 {
		body = strings.TrimSpace(p.Parts[0].Text)
	}
	var matches []answer
	read, reached := 0, false
	for page := 1; page <= FindMaxPages && !reached; page++ {
		var list []answer
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(FindPageSize)}}
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "articles/me/all", Query: q}, &list); err != nil {
			return nil, d.apiErr("find", err)
		}
		for _, a := range list {
			read++
			if a.PublishedAt != nil && a.PublishedAt.Before(since) {
				// Newest published first: everything from here on was
				// published before the attempt began.
				reached = true
				break
			}
			canonical := ""
			if a.CanonicalURL != nil {
				canonical = *a.CanonicalURL
			}
			if articleTitle(a.Title, "") == title && (o.canonical == "" || canonical == o.canonical) {
				matches = append(matches, a)
			}
		}
		if len(list) < FindPageSize {
			reached = true
		}
	}
	if len(matches) > 1 {
		// Prefer the one whose body is the payload's.
		var same []answer
		for _, a := range matches {
			if strings.TrimSpace(a.BodyMarkdown) == body {
				same = append(same, a)
			}
		}
		if len(same) != 1 {
			ids := make([]string, len(matches))
			for i, a := range matches {
				ids[i] = strconv.FormatInt(a.ID, 10)
			}
			return nil, fmt.Errorf("find: %d articles titled %q (%s) could be the attempt: look at them on dev.to and run herald resolve", len(matches), title, strings.Join(ids, ", "))
		}
		matches = same
	}
	if len(matches) == 1 {
		return matches[0].receipt(d.now()), nil
	}
	if !reached {
		return nil, fmt.Errorf("find: no article titled %q among the %d most recent, which do not reach back to %s: cannot tell whether the attempt landed",
			title, read, at.DescribeSince(since, "the find_window"))
	}
	return nil, fmt.Errorf("find: no article titled %q since %s: %w", title, at.DescribeSince(since, "the find_window"), platforms.ErrNotFound)
}

// Metrics reads the article's counts from the account's list, GET
// /api/articles/me/all, which alone carries page_views_count: reactions
// as likes, comments as replies, page views as impressions. An article
// the list no longer holds (deleted on dev.to) wraps
// platforms.ErrDeletedRemotely.
func (d *DevTo) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no article")
	}
	id, err := strconv.ParseInt(r.IDs[0], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("metrics: article id %q is not a number", r.IDs[0])
	}
	api, err := d.client()
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	const perPage = 1000 // Forem's API_PER_PAGE_MAX
	for page := 1; ; page++ {
		var list []answer
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
		if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "articles/me/all", Query: q}, &list); err != nil {
			return nil, d.apiErr("metrics", err)
		}
		for _, a := range list {
			if a.ID == id {
				return &platforms.Metrics{Likes: a.PublicReactionsCount, Replies: a.CommentsCount, Impressions: a.PageViewsCount}, nil
			}
		}
		if len(list) < perPage {
			return nil, fmt.Errorf("metrics: article %d is not among the account's articles: %w", id, platforms.ErrDeletedRemotely)
		}
	}
}
