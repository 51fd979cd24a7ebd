package medium

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Name is the platform's name in configuration and the registry.
const Name = "medium"

// DefaultBaseURL is Medium's API.
const DefaultBaseURL = "https://api.medium.com/v1"

// Limits of a post (Medium's API documentation).
const (
	// MaxTitle is the longest title Medium uses, in characters.
	MaxTitle = 100
	// MaxTags is how many tags Medium uses: the first three.
	MaxTags = 3
	// MaxTagLength is the longest tag Medium keeps; longer ones are
	// ignored.
	MaxTagLength = 25
)

// Enumerations the create call accepts.
var (
	publishStatuses = []string{"public", "draft", "unlisted"}
	licenses        = []string{"all-rights-reserved", "cc-40-by", "cc-40-by-sa", "cc-40-by-nd", "cc-40-by-nc",
		"cc-40-by-nc-nd", "cc-40-by-nc-sa", "cc-40-zero", "public-domain"}
)

// Medium is one Medium account, reached with an integration token. It
// can only create posts: Medium's API has no edit, delete, list or
// metrics, so the plan shows an edit or a delete as something herald
// will not do, and an unknown outcome is left to a person.
type Medium struct {
	account     string
	base        string
	format      string
	publication string
	settings    platforms.Settings
	logger      *slog.Logger
	now         func() time.Time

	mu     sync.Mutex
	api    *httpx.Client
	author string
}

var (
	_ platforms.Publisher = (*Medium)(nil)
	_ platforms.Preparer  = (*Medium)(nil)
)

// New builds the adapter for one account. It checks the settings and
// does no I/O; the token is read at the first call.
func New(s platforms.Settings) (platforms.Publisher, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("setting base_url %q is not an http(s) URL", s.BaseURL)
	}
	if s.String("token_env") == "" {
		return nil, errors.New("setting token_env is required: the environment variable holding the account's Medium integration token (Medium issues no new ones: only a token made before it closed its API works)")
	}
	format := s.String("content_format")
	switch format {
	case "":
		format = "html"
	case "html", "markdown":
	default:
		return nil, fmt.Errorf("setting content_format %q is not html or markdown", format)
	}
	if s.Now == nil {
		return nil, errors.New("settings lack a clock (Now)")
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Medium{account: s.Account, base: base, format: format, publication: s.String("publication_id"),
		settings: s, logger: logger, now: s.Now}, nil
}

// Name returns "medium".
func (m *Medium) Name() string { return Name }

func (m *Medium) client() (*httpx.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.api != nil {
		return m.api, nil
	}
	token, err := m.settings.Secret("token_env")
	if err != nil {
		return nil, err
	}
	api := &httpx.Client{
		BaseURL: m.base, HTTP: m.settings.HTTPClient, UserAgent: "herald",
		Header: http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/json"}, "Accept-Charset": {"utf-8"}},
		Now:    m.now, Logger: m.logger, ErrorMessage: errorMessage,
	}
	api.Redact.Add(token)
	m.api = api
	return api, nil
}

// errorMessage reads Medium's error envelope, {"errors": [{"message":
// "...", "code": n}]}.
func errorMessage(_ int, body []byte) (string, string) {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		code := ""
		if e.Errors[0].Code != 0 {
			code = fmt.Sprint(e.Errors[0].Code)
		}
		return code, e.Errors[0].Message
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return "", line
}

func notCreated(format string, args ...any) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: fmt.Sprintf(format, args...)}
}

func (m *Medium) apiErr(op string, err error) error {
	var se *httpx.StatusError
	var te *httpx.TransportError
	if !errors.As(err, &se) && !errors.As(err, &te) {
		err = &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: err.Error(), Err: err}
	}
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	if errors.As(e, &ae) {
		env := m.settings.String("token_env")
		switch ae.Status {
		case http.StatusUnauthorized:
			ae.Message = fmt.Sprintf("%s: Medium rejected the integration token in %s (setting token_env); it may have been revoked, and Medium issues no new tokens, so a revoked one cannot be replaced", ae.Message, env)
			ae.Err = errors.Join(platforms.ErrNeedsReconnect, ae.Err)
		case http.StatusForbidden:
			ae.Message = fmt.Sprintf("%s: the account of the token in %s may not publish here (a publication's writer may only create drafts)", ae.Message, env)
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// options are the target's front-matter keys a post takes.
type options struct {
	publishStatus, license, canonical string
	notify                            *bool
}

func readOptions(p *platforms.Payload) (options, error) {
	var o options
	for key, dst := range map[string]*string{"publish_status": &o.publishStatus, "license": &o.license, "canonical_url": &o.canonical} {
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
	if o.publishStatus != "" && !contains(publishStatuses, o.publishStatus) {
		return o, fmt.Errorf("option publish_status %q is not one of %s", o.publishStatus, strings.Join(publishStatuses, ", "))
	}
	if o.license != "" && !contains(licenses, o.license) {
		return o, fmt.Errorf("option license %q is not one of %s", o.license, strings.Join(licenses, ", "))
	}
	if o.canonical == "" {
		// A cross-post's original: the blog the post waits for.
		o.canonical = p.CanonicalURL
	}
	if o.canonical != "" {
		u, err := url.Parse(o.canonical)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return o, fmt.Errorf("option canonical_url %q is not an absolute http(s) URL", o.canonical)
		}
	}
	if v, ok := p.Options["notify_followers"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return o, fmt.Errorf("option notify_followers must be true or false, not %v", v)
		}
		o.notify = &b
	}
	return o, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Prepare builds the post's content (platforms.Preparer): Medium does not
// show the title field in the post, so the content starts with the title
// as a heading, then the body as HTML (herald's rendering) or as the
// Markdown written, per content_format. Tags are the first three of at
// most 25 characters, which is what Medium keeps. It changes only its
// copy.
func (m *Medium) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	return Prepare(p, m.format)
}

// Prepare is Medium.Prepare for a content format, without an account,
// for golden tests.
func Prepare(p *platforms.Payload, format string) (*platforms.Payload, error) {
	title := strings.Join(strings.Fields(p.Title), " ")
	if title == "" {
		title = firstLine(p.Text())
	}
	if title == "" {
		return nil, errors.New("the post has no title and no text")
	}
	if n := len([]rune(title)); n > MaxTitle {
		return nil, fmt.Errorf("the title is %d characters; Medium ignores a title over %d", n, MaxTitle)
	}
	p.Title = title
	var content string
	switch format {
	case "markdown":
		body := p.Markdown
		if strings.TrimSpace(body) == "" {
			body = p.Text()
		}
		content = "# " + title + "\n\n" + body
	default:
		body := p.HTML
		if strings.TrimSpace(body) == "" {
			for _, part := range p.Parts {
				for para := range strings.SplitSeq(part.Text, "\n\n") {
					if para = strings.TrimSpace(para); para != "" {
						body += "<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>\n"
					}
				}
			}
		}
		content = "<h1>" + html.EscapeString(title) + "</h1>\n" + body
	}
	p.Parts = []platforms.Part{{Text: content}}
	tags := p.Tags
	if v, ok := p.Options["tags"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("option tags must be a list of words, not %v", v)
		}
		tags = nil
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("option tags must be a list of words, not %v", v)
			}
			tags = append(tags, s)
		}
	}
	var kept []string
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" && len([]rune(t)) <= MaxTagLength && len(kept) < MaxTags {
			kept = append(kept, t)
		}
	}
	p.Tags = kept
	if _, err := readOptions(p); err != nil {
		return nil, err
	}
	return p, nil
}

func firstLine(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			if r := []rune(line); len(r) > MaxTitle {
				line = string(r[:MaxTitle-1]) + "…"
			}
			return line
		}
	}
	return ""
}

// post is the part of Medium's Post object herald reads.
type post struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	PublishedAt int64  `json:"publishedAt"` // Unix milliseconds; absent for a draft
}

// Publish creates the post: GET /me for the author's ID (once per run),
// then POST /users/{authorId}/posts, or POST
// /publications/{publication_id}/posts when the account sets one.
func (m *Medium) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("publish: %v", err)
	}
	if len(p.Parts) == 0 || p.Title == "" {
		return nil, notCreated("publish: the post has no content or no title (was it prepared?)")
	}
	api, err := m.client()
	if err != nil {
		return nil, notCreated("publish: %v", err)
	}
	path := ""
	if m.publication != "" {
		path = "publications/" + url.PathEscape(m.publication) + "/posts"
	} else {
		author, err := m.authorID(ctx, api)
		if err != nil {
			return nil, err
		}
		path = "users/" + url.PathEscape(author) + "/posts"
	}
	body := map[string]any{"title": p.Title, "contentFormat": m.format, "content": p.Parts[0].Text}
	if len(p.Tags) > 0 {
		body["tags"] = p.Tags
	}
	if o.canonical != "" {
		body["canonicalUrl"] = o.canonical
	}
	if o.publishStatus != "" {
		body["publishStatus"] = o.publishStatus
	}
	if o.license != "" {
		body["license"] = o.license
	}
	if o.notify != nil {
		body["notifyFollowers"] = *o.notify
	}
	var out struct {
		Data post `json:"data"`
	}
	_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: path, JSON: body}, &out)
	if err == nil && out.Data.ID == "" {
		err = errors.New("the answer holds no post id")
	}
	if err != nil {
		return nil, m.apiErr("publish", err)
	}
	r := &platforms.Receipt{Provider: Name, IDs: []string{out.Data.ID}, URLs: []string{out.Data.URL}, PublishedAt: m.now()}
	if out.Data.PublishedAt > 0 {
		r.PublishedAt = time.UnixMilli(out.Data.PublishedAt).UTC()
	}
	return r, nil
}

// authorID reads the token's user from GET /me, once. A failure here
// surely posted nothing.
func (m *Medium) authorID(ctx context.Context, api *httpx.Client) (string, error) {
	m.mu.Lock()
	id := m.author
	m.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var me struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "me"}, &me); err != nil {
		e := m.apiErr("read the token's user (GET /me)", err)
		var ae *platforms.APIError
		if errors.As(e, &ae) {
			ae.Outcome = platforms.NotCreated
		}
		return "", e
	}
	if me.Data.ID == "" {
		return "", notCreated("GET /me: the answer holds no user id")
	}
	m.mu.Lock()
	m.author = me.Data.ID
	m.mu.Unlock()
	return me.Data.ID, nil
}
