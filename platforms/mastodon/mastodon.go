package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Name is the platform's name in configuration and the registry.
const Name = "mastodon"

// MaxMedia is how many attachments a status may carry on a stock server
// (Status::MEDIA_ATTACHMENTS_LIMIT).
const MaxMedia = 4

// Defaults for the settings that bound lookups and media processing.
const (
	// DefaultFindWindow is how far back Find reads the account's statuses
	// when it looks an attempt up: longer than any gap between two runs.
	DefaultFindWindow = 7 * 24 * time.Hour
	// DefaultMediaWait bounds the wait for a 202 upload to finish
	// processing (video can take a while; images are synchronous).
	DefaultMediaWait = 2 * time.Minute
)

// Find's scan of the account's statuses: pages of FindPageSize, the
// largest GET /api/v1/accounts/:id/statuses gives, and at most
// FindMaxPages of them when the scan has not reached the attempt's
// beginning (1,000 statuses; 25 requests, a twelfth of the 300 Mastodon
// allows in five minutes, spent only on an account that busy).
const (
	FindPageSize = 40
	FindMaxPages = 25
)

const (
	pageSize = FindPageSize
	maxPages = FindMaxPages
	// maxPollInterval caps the back-off between media polls.
	maxPollInterval = 5 * time.Second
)

// visibilities are the values POST /api/v1/statuses accepts.
var visibilities = map[string]bool{"public": true, "unlisted": true, "private": true, "direct": true}

// Mastodon is one account on one Mastodon server: it posts statuses with
// an Idempotency-Key, threads them by in_reply_to_id, uploads media with
// their descriptions, edits, deletes, looks attempts up and reads counts.
type Mastodon struct {
	account    string
	base       string
	settings   platforms.Settings
	logger     *slog.Logger
	now        func() time.Time
	findWindow time.Duration
	mediaWait  time.Duration
	pollEvery  time.Duration
	deleteWait time.Duration

	mu        sync.Mutex
	api       *httpx.Client
	accountID string
}

var (
	_ platforms.Publisher     = (*Mastodon)(nil)
	_ platforms.Updater       = (*Mastodon)(nil)
	_ platforms.Deleter       = (*Mastodon)(nil)
	_ platforms.Finder        = (*Mastodon)(nil)
	_ platforms.MetricsReader = (*Mastodon)(nil)
	_ platforms.Resumer       = (*Mastodon)(nil)
)

// New is the platforms.Constructor for Mastodon. It checks the settings
// and does no I/O; the token is read from the environment at the first
// call, so that plan and preview run without it.
func New(s platforms.Settings) (platforms.Publisher, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		return nil, errors.New("setting base_url is required: the server's address, e.g. https://mastodon.social")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("setting base_url %q is not an http(s) URL", s.BaseURL)
	}
	if s.String("token_env") == "" {
		return nil, errors.New("setting token_env is required: the environment variable holding the access token")
	}
	findWindow, err := duration(s, "find_window", DefaultFindWindow)
	if err != nil {
		return nil, err
	}
	mediaWait, err := duration(s, "media_wait", DefaultMediaWait)
	if err != nil {
		return nil, err
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := s.Now
	if now == nil {
		return nil, errors.New("settings lack a clock (Now)")
	}
	return &Mastodon{account: s.Account, base: base, settings: s, logger: logger, now: now,
		findWindow: findWindow, mediaWait: mediaWait, pollEvery: 500 * time.Millisecond, deleteWait: DefaultDeleteWait}, nil
}

func duration(s platforms.Settings, key string, def time.Duration) (time.Duration, error) {
	v := s.String(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("setting %s %q is not a positive duration such as 72h", key, v)
	}
	return d, nil
}

// Name returns "mastodon".
func (m *Mastodon) Name() string { return Name }

// client returns the API client, reading the token on first use.
func (m *Mastodon) client() (*httpx.Client, error) {
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
		Header: http.Header{"Authorization": {"Bearer " + token}},
		Now:    m.now, Logger: m.logger,
		ErrorMessage: errorMessage,
	}
	api.Redact.Add(token)
	m.api = api
	return api, nil
}

// errorMessage reads Mastodon's error envelope, {"error": "...",
// "error_description": "..."} (the latter on OAuth errors).
func errorMessage(_ int, body []byte) (string, string) {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", line
	}
	if e.Description != "" {
		return "", e.Error + ": " + e.Description
	}
	return "", e.Error
}

// notCreated is a failure before anything was sent: bad options, a
// missing token, an unreadable file. Nothing was posted and trying again
// will not help until something changes.
func notCreated(format string, args ...any) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: fmt.Sprintf(format, args...)}
}

// apiErr turns an httpx error into a *platforms.APIError with what a
// person needs to act on it, wrapped with op.
func (m *Mastodon) apiErr(op string, err error) error {
	if err == nil {
		return nil
	}
	e := platforms.FromHTTP(Name, err)
	var ae *platforms.APIError
	if errors.As(e, &ae) {
		env := m.settings.String("token_env")
		switch ae.Status {
		case http.StatusUnauthorized:
			// Tokens do not expire: a 401 is a revoked or mistyped token,
			// which only a person can replace.
			ae.Message = fmt.Sprintf("%s: the server rejected the access token; check the token in %s (setting token_env) and replace it if it was revoked", ae.Message, env)
			ae.Err = errors.Join(platforms.ErrNeedsReconnect, ae.Err)
		case http.StatusForbidden:
			ae.Message = fmt.Sprintf("%s: the token in %s lacks a scope (write:statuses, write:media, read:statuses, read:accounts) or the account is suspended", ae.Message, env)
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// asNotCreated marks an error from a step that cannot have posted a status
// (media upload and processing) as NotCreated, whatever its status says.
func asNotCreated(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return err
}

// status is the part of Mastodon's Status entity herald reads.
type status struct {
	ID              string    `json:"id"`
	CreatedAt       time.Time `json:"created_at"`
	InReplyToID     *string   `json:"in_reply_to_id"`
	URL             *string   `json:"url"`
	URI             string    `json:"uri"`
	Content         string    `json:"content"`
	SpoilerText     string    `json:"spoiler_text"`
	Visibility      string    `json:"visibility"`
	Reblog          *struct{} `json:"reblog"`
	RepliesCount    int64     `json:"replies_count"`
	ReblogsCount    int64     `json:"reblogs_count"`
	FavouritesCount int64     `json:"favourites_count"`
	QuotesCount     *int64    `json:"quotes_count"`
}

func (s *status) link() string {
	if s.URL != nil && *s.URL != "" {
		return *s.URL
	}
	return s.URI
}

func (s *status) replyTo() string {
	if s.InReplyToID == nil {
		return ""
	}
	return *s.InReplyToID
}

// options are the per-target front-matter keys a status takes.
type options struct {
	visibility string
	spoiler    string
	sensitive  *bool
	language   string
}

func readOptions(p *platforms.Payload) (options, error) {
	var o options
	o.visibility, _ = p.Option("visibility")
	if o.visibility != "" && !visibilities[o.visibility] {
		return o, fmt.Errorf("option visibility %q is not one of public, unlisted, private, direct", o.visibility)
	}
	if v, ok := p.Options["spoiler_text"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return o, fmt.Errorf("option spoiler_text must be text, not %T", v)
		}
		o.spoiler = s
	}
	if v, ok := p.Options["sensitive"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			return o, fmt.Errorf("option sensitive must be true or false, not %v", v)
		}
		o.sensitive = &b
	}
	o.language, _ = p.Option("language")
	return o, nil
}

// body is the JSON body of a create or an edit of part text.
func (o options) body(text string, create bool) map[string]any {
	b := map[string]any{"status": text}
	if o.spoiler != "" || !create {
		// An edit always sends spoiler_text, so that a warning removed
		// from the post is removed from the status.
		b["spoiler_text"] = o.spoiler
	}
	if o.visibility != "" && create {
		// Visibility cannot be edited.
		b["visibility"] = o.visibility
	}
	if o.sensitive != nil {
		b["sensitive"] = *o.sensitive
	}
	if o.language != "" {
		b["language"] = o.language
	}
	return b
}

// IdempotencyKey is the Idempotency-Key header of part i of an attempt:
// the attempt key and the part's index, so that a retry of the attempt
// lands on the statuses the first try created, part by part, for the hour
// Mastodon keeps the keys.
func IdempotencyKey(key platforms.AttemptKey, part int) string {
	return "herald-" + string(key) + "-" + strconv.Itoa(part)
}

// Publish posts each part as a status replying to the previous one, with
// the media on the first. Each status carries IdempotencyKey, so a retry
// with the same attempt key within the hour returns the statuses already
// created instead of posting them again.
func (m *Mastodon) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, notCreated("publish: the post has no text parts")
	}
	if key == "" {
		return nil, notCreated("publish: no attempt key, so a retry could post twice")
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("publish: %v", err)
	}
	if len(p.Media) > MaxMedia {
		return nil, notCreated("publish: %d media attached; a status takes at most %d", len(p.Media), MaxMedia)
	}
	if err := checkVideo(p.Media); err != nil {
		return nil, notCreated("publish: %v", err)
	}
	api, err := m.client()
	if err != nil {
		return nil, notCreated("publish: %v", err)
	}
	var mediaIDs []string
	for i, md := range p.Media {
		id, err := m.upload(ctx, api, md)
		if err != nil {
			return nil, fmt.Errorf("publish: media %d of %d (%s): %w", i+1, len(p.Media), md.Path, asNotCreated(err))
		}
		mediaIDs = append(mediaIDs, id)
	}

	// The media's fingerprints go with the receipt, so that an edit
	// keeps the attachments whose files did not change.
	return m.post(ctx, api, o, p, key, &platforms.Receipt{Provider: Name, Extra: mediaExtra(mediaIDs, p.Media)}, mediaIDs)
}

// Resume posts the parts of p that r lacks, the first as a reply to r's
// last part (platforms.Resumer). Part i carries IdempotencyKey(key, i),
// so a retry of the resume lands on what it created. The media went with
// part 1, so nothing is uploaded again.
func (m *Mastodon) Resume(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	switch {
	case r == nil || len(r.IDs) == 0:
		return nil, notCreated("resume: the receipt names no status to reply to")
	case len(r.IDs) >= len(p.Parts):
		return nil, notCreated("resume: %d of %d parts are already posted: nothing to resume", len(r.IDs), len(p.Parts))
	case key == "":
		return nil, notCreated("resume: no attempt key, so a retry could post twice")
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("resume: %v", err)
	}
	api, err := m.client()
	if err != nil {
		return nil, notCreated("resume: %v", err)
	}
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs),
		PublishedAt: r.PublishedAt, Extra: maps.Clone(r.Extra)}
	for len(out.URLs) < len(out.IDs) {
		out.URLs = append(out.URLs, "")
	}
	return m.post(ctx, api, o, p, key, out, nil)
}

// post creates the parts of p from the first that r does not hold, each
// as a status replying to the part before, with mediaIDs on part 1, and
// returns r with them. When a part fails it returns r with the parts that
// exist, or nil when there are none, with the error.
func (m *Mastodon) post(ctx context.Context, api *httpx.Client, o options, p *platforms.Payload, key platforms.AttemptKey, r *platforms.Receipt, mediaIDs []string) (*platforms.Receipt, error) {
	for i := len(r.IDs); i < len(p.Parts); i++ {
		body := o.body(p.Parts[i].Text, true)
		if i > 0 {
			body["in_reply_to_id"] = r.IDs[i-1]
		}
		if i == 0 && len(mediaIDs) > 0 {
			body["media_ids"] = mediaIDs
		}
		var st status
		_, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "api/v1/statuses", JSON: body,
			Header: http.Header{"Idempotency-Key": {IdempotencyKey(key, i)}}}, &st)
		if err == nil && st.ID == "" {
			err = errors.New("the answer holds no status id")
		}
		if err != nil {
			op := "publish"
			if len(p.Parts) > 1 {
				op = fmt.Sprintf("publish part %d of %d", i+1, len(p.Parts))
			}
			if !isHTTP(err) {
				// A 2xx whose body cannot be read: the status exists but
				// its ID is lost, so only a lookup can tell which it is.
				err = &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: err.Error(), Err: err}
			}
			if len(r.IDs) > 0 {
				return r, m.apiErr(op, err)
			}
			return nil, m.apiErr(op, err)
		}
		if i == 0 {
			r.PublishedAt = st.CreatedAt
		}
		r.IDs = append(r.IDs, st.ID)
		r.URLs = append(r.URLs, st.link())
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = m.now()
	}
	return r, nil
}

// isHTTP reports whether err came from httpx: a status or transport error.
func isHTTP(err error) bool {
	var se *httpx.StatusError
	var te *httpx.TransportError
	return errors.As(err, &se) || errors.As(err, &te)
}

// mediaAttachment is the part of MediaAttachment herald reads.
type mediaAttachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

// checkVideo refuses a video beside other media, which Mastodon refuses
// ("Cannot attach a video to a post that already contains images").
func checkVideo(media []platforms.Media) error {
	for _, md := range media {
		if len(media) > 1 && (strings.HasPrefix(md.Type, "video/") || strings.HasPrefix(md.Type, "audio/")) {
			return fmt.Errorf("%s is a video beside %d other media; a Mastodon status takes a video alone", md.Path, len(media)-1)
		}
	}
	return nil
}

// uploadTimeout bounds one upload request: a video of tens of MiB on a
// slow link takes longer than an API call.
const uploadTimeout = 15 * time.Minute

// upload sends one file to POST /api/v2/media with its alt text as the
// description, streamed from the file (a video is never held whole), and
// waits for a 202 to finish processing (see waitProcessed).
func (m *Mastodon) upload(ctx context.Context, api *httpx.Client, md platforms.Media) (string, error) {
	if md.Open == nil {
		return "", notCreated("no way to read %s", md.Path)
	}
	rc, err := md.Open()
	if err != nil {
		return "", notCreated("open %s: %v", md.Path, err)
	}
	defer rc.Close()
	var file io.Reader = rc
	mimeType := md.Type
	if mimeType == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(rc, head)
		mimeType = http.DetectContentType(head[:n])
		file = io.MultiReader(bytes.NewReader(head[:n]), rc)
	}
	// The form is its head (the file part's headers), the file, and its
	// tail (the description and the closing boundary), so that its length
	// is known before the file is read.
	var head, tail bytes.Buffer
	sw := &switchWriter{w: &head}
	w := multipart.NewWriter(sw)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", path.Base(md.Path)))
	h.Set("Content-Type", mimeType)
	if _, err := w.CreatePart(h); err != nil {
		return "", notCreated("encode %s: %v", md.Path, err)
	}
	sw.w = &tail
	if md.Alt != "" {
		err = w.WriteField("description", md.Alt)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", notCreated("encode %s: %v", md.Path, err)
	}
	size := md.Size
	if size <= 0 {
		data, err := io.ReadAll(file)
		if err != nil {
			return "", notCreated("read %s: %v", md.Path, err)
		}
		file, size = bytes.NewReader(data), int64(len(data))
	}
	body := &countingReader{r: io.MultiReader(&head, upload.ProgressReader(ctx, Name, md.Path, io.LimitReader(file, size), size), &tail)}
	length := int64(head.Len()) + size + int64(tail.Len())
	m.logger.Info("upload", "file", md.Path, "size_bytes", size)
	var att mediaAttachment
	resp, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: "api/v2/media",
		Stream: body, StreamLength: length, ContentType: w.FormDataContentType(), Timeout: uploadTimeout}, &att)
	if err != nil {
		if !isHTTP(err) {
			err = &platforms.APIError{Platform: Name, Message: err.Error(), Err: err}
		}
		return "", m.apiErr("upload", err)
	}
	if body.n != length {
		return "", notCreated("upload %s: sent %d bytes of %d: the file changed while it was read", md.Path, body.n, length)
	}
	if att.ID == "" {
		return "", notCreated("upload %s: the answer holds no media id", md.Path)
	}
	if resp.Status == http.StatusAccepted || att.URL == nil {
		if err := m.waitProcessed(ctx, api, md.Path, att.ID); err != nil {
			return "", err
		}
	}
	return att.ID, nil
}

// switchWriter writes to w, which may be changed between writes.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// waitProcessed polls GET /api/v1/media/:id until the server has processed
// the file (200 with a url; 206, or a null url, while processing; 422
// when it could not), with the shared back-off (platforms/internal/upload)
// from pollEvery up to maxPollInterval, giving up after mediaWait.
func (m *Mastodon) waitProcessed(ctx context.Context, api *httpx.Client, file, id string) error {
	poll := func(ctx context.Context) (upload.Status, error) {
		var att mediaAttachment
		resp, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/media/" + url.PathEscape(id)}, &att)
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnprocessableEntity {
			msg := se.Message
			if msg == "" {
				msg = se.Code
			}
			return upload.Status{State: upload.Failed, Message: msg}, nil
		}
		if err != nil {
			if !isHTTP(err) {
				err = &platforms.APIError{Platform: Name, Message: err.Error(), Err: err}
			}
			return upload.Status{}, m.apiErr("media "+id, err)
		}
		if resp.Status == http.StatusPartialContent || att.URL == nil {
			return upload.Status{State: upload.Processing}, nil
		}
		return upload.Status{State: upload.Done}, nil
	}
	err := upload.Await(ctx, poll, upload.Status{State: upload.Processing}, upload.Options{Platform: Name, Name: file,
		PollFirst: max(m.pollEvery, time.Millisecond), PollMax: maxPollInterval, PollTotal: m.mediaWait, Logger: m.logger})
	if err != nil {
		return asNotCreated(fmt.Errorf("media %s: %w (setting media_wait bounds the wait)", id, err))
	}
	return nil
}

// RateLimit reports what Mastodon's X-RateLimit headers said on the
// latest response, so the reconciler waits for the reset instead of
// meeting a 429 (platforms.RateLimitReporter).
func (m *Mastodon) RateLimit() (remaining int, reset time.Time, ok bool) {
	m.mu.Lock()
	api := m.api
	m.mu.Unlock()
	if api == nil {
		return 0, time.Time{}, false
	}
	rl, ok := api.LastRateLimit()
	return rl.Remaining, rl.Reset, ok
}

var _ platforms.RateLimitReporter = (*Mastodon)(nil)
