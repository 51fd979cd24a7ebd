package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds one request, connection to last byte, when a
// Client sets none: long enough for a media upload, short enough that a
// hung platform does not stall a run.
const DefaultTimeout = 60 * time.Second

// maxBody is how much of a response body is read; platform answers are
// small JSON, and a misbehaving server must not exhaust memory.
const maxBody = 8 << 20

// NewHTTPClient returns an *http.Client with bounded dial, TLS handshake
// and response-header waits, for main to build once and pass to every
// adapter. It has no overall timeout: Client.Timeout bounds each request.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{Transport: t}
}

// Client is a JSON HTTP client for one platform account. Adapters embed
// one and get timeouts, a User-Agent, Retry-After and rate-limit parsing,
// secret redaction and a record of whether each failed request reached
// the server.
type Client struct {
	// BaseURL is joined with each Request's Path.
	BaseURL string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// UserAgent is sent on every request.
	UserAgent string
	// Header is added to every request (Authorization, API versions).
	Header http.Header
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// Redact holds the secrets to keep out of errors and logs. Values of
	// Header and of secret query parameters are redacted as well.
	Redact Redactor
	// Now is the clock used to read Retry-After dates and reset times.
	Now func() time.Time
	// Logger gets one debug line per request, redacted; nil logs nothing.
	Logger *slog.Logger
	// ErrorMessage reads the platform's error envelope from a failed
	// response's body. nil uses the body's first line.
	ErrorMessage func(status int, body []byte) (code, message string)

	// OnRateLimit, when set, is called with the rate-limit headers of
	// every response that has them, so an adapter that makes a client per
	// call can still remember the latest (see RateLimitMemo).
	OnRateLimit func(RateLimit)

	mu   sync.Mutex
	last RateLimit
	seen bool
}

// RateLimitMemo remembers the latest rate-limit headers reported to it;
// its Record method fits Client.OnRateLimit, and its RateLimit method is
// what platforms.RateLimitReporter asks for. Safe for concurrent use.
type RateLimitMemo struct {
	mu   sync.Mutex
	last RateLimit
	seen bool
}

// Record remembers rl as the latest.
func (m *RateLimitMemo) Record(rl RateLimit) {
	m.mu.Lock()
	m.last, m.seen = rl, true
	m.mu.Unlock()
}

// RateLimit returns how many requests remain and when the window resets,
// as the latest response said.
func (m *RateLimitMemo) RateLimit() (remaining int, reset time.Time, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last.Remaining, m.last.Reset, m.seen
}

// LastRateLimit is what the rate-limit headers of the latest response
// that had them said, so an adapter can tell the reconciler (through
// platforms.RateLimitReporter) to wait for the reset before the next call.
func (c *Client) LastRateLimit() (RateLimit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.seen
}

// Request is one API call.
type Request struct {
	Method string
	// Path is joined with the client's BaseURL; it may hold a query.
	Path  string
	Query url.Values
	// Header is added to the client's headers for this request.
	Header http.Header
	// JSON, when not nil, is encoded as the body with Content-Type
	// application/json.
	JSON any
	// Body and ContentType send raw bytes instead (uploads).
	Body        []byte
	ContentType string
	// Stream, when not nil, is the body instead, read as it is sent, for
	// files too large to hold (video); StreamLength is its size in bytes.
	// A streamed request is sent once: its body cannot be read again.
	Stream       io.Reader
	StreamLength int64
	// Timeout bounds this request instead of the client's Timeout (an
	// upload of hundreds of MiB takes longer than an API call).
	Timeout time.Duration
}

// Response is a successful (2xx) answer, read in full.
type Response struct {
	Status    int
	Header    http.Header
	Body      []byte
	RateLimit RateLimit // zero when the platform sent no rate-limit headers
}

// StatusError is a non-2xx answer: the platform saw the request and said
// no, or failed. Adapters turn it into a *platforms.APIError.
type StatusError struct {
	Method     string
	URL        string // redacted
	Status     int
	Code       string // from ErrorMessage
	Message    string // from ErrorMessage, redacted
	RetryAfter time.Duration
	RateLimit  RateLimit
	Header     http.Header
	Body       []byte // redacted
}

// Error reads "POST https://host/path: 429 code: message".
func (e *StatusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, msg)
}

// TransportError is a request that got no HTTP answer: refused, reset,
// timed out. Written says whether the whole request reached the
// connection, which decides whether the platform may have acted on it.
type TransportError struct {
	Method  string
	URL     string // redacted
	Written bool
	Err     error // the cause, with the URL already removed
	msg     string
}

// Error reads "POST https://host/path: cause (request sent|not sent)".
func (e *TransportError) Error() string { return e.msg }

// Unwrap returns the cause (a net.Error, context.DeadlineExceeded, ...).
func (e *TransportError) Unwrap() error { return e.Err }

// RequestWritten reports whether the request was written in full before
// the failure; platforms.OutcomeOf reads it to tell NotCreated from Unknown.
func (e *TransportError) RequestWritten() bool { return e.Written }

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &ne) && ne.Timeout())
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Time{}
	}
	return c.Now()
}

// Do sends r and reads the answer. A 2xx is a *Response; any other status
// is a *StatusError; no answer is a *TransportError. No error carries a
// secret.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	redact := c.redactor()
	u, err := c.url(r)
	if err != nil {
		return nil, fmt.Errorf("build url %s: %s", r.Path, redact.String(err.Error()))
	}
	var body []byte
	contentType := r.ContentType
	switch {
	case r.JSON != nil:
		body, err = json.Marshal(r.JSON)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", r.Method, redact.URL(u), err)
		}
		contentType = "application/json"
	default:
		body = r.Body
	}

	timeout := c.Timeout
	if r.Timeout > 0 {
		timeout = r.Timeout
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var written atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				written.Store(true)
			}
		},
	})
	var reqBody io.Reader = bytes.NewReader(body)
	if r.Stream != nil {
		reqBody = r.Stream
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), reqBody)
	if err != nil {
		return nil, fmt.Errorf("new request %s %s: %s", r.Method, redact.URL(u), redact.String(err.Error()))
	}
	if r.Stream != nil {
		req.ContentLength = r.StreamLength
	}
	for k, vs := range c.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}

	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	start := c.now()
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message holds the unredacted URL
		}
		te := &TransportError{Method: r.Method, URL: redact.URL(u), Written: written.Load(), Err: err}
		sent := "request not sent"
		if te.Written {
			sent = "request sent, no answer"
		}
		te.msg = redact.String(fmt.Sprintf("%s %s: %v (%s)", te.Method, te.URL, err, sent))
		c.log(ctx, r.Method, te.URL, 0, c.now().Sub(start), te.msg)
		return nil, te
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		// The status line came, so the request was received and the
		// outcome is whatever the status said; the body is lost.
		te := &TransportError{Method: r.Method, URL: redact.URL(u), Written: true, Err: err}
		te.msg = redact.String(fmt.Sprintf("%s %s: read %d response: %v (request sent)", te.Method, te.URL, resp.StatusCode, err))
		return nil, te
	}
	now := c.now()
	rl, hasRL := ParseRateLimit(resp.Header, now)
	if hasRL {
		c.mu.Lock()
		c.last, c.seen = rl, true
		c.mu.Unlock()
		if c.OnRateLimit != nil {
			c.OnRateLimit(rl)
		}
	}
	c.log(ctx, r.Method, redact.URL(u), resp.StatusCode, c.now().Sub(start), "")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{
			Method: r.Method, URL: redact.URL(u), Status: resp.StatusCode,
			RetryAfter: Wait(resp.Header, now), RateLimit: rl,
			Header: resp.Header, Body: []byte(redact.String(string(data))),
		}
		if c.ErrorMessage != nil {
			se.Code, se.Message = c.ErrorMessage(resp.StatusCode, data)
		} else {
			se.Message, _, _ = strings.Cut(strings.TrimSpace(string(data)), "\n")
		}
		se.Code, se.Message = redact.String(se.Code), redact.String(se.Message)
		return nil, se
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, RateLimit: rl}, nil
}

// DoJSON sends r and decodes a 2xx answer's body into out (when out is not
// nil and the body is not empty).
func (c *Client) DoJSON(ctx context.Context, r Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, fmt.Errorf("decode %s %s: %w", r.Method, r.Path, err)
		}
	}
	return resp, nil
}

// redactor returns the client's redactor extended with its header values,
// so that an Authorization token never shows even if a server echoes it.
func (c *Client) redactor() *Redactor {
	red := &Redactor{secrets: append([]string(nil), c.Redact.secrets...)}
	for _, vs := range c.Header {
		for _, v := range vs {
			red.Add(v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				red.Add(cred)
			}
		}
	}
	return red
}

func (c *Client) url(r Request) (*url.URL, error) {
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil, err
	}
	ref, err := url.Parse(r.Path)
	if err != nil {
		return nil, err
	}
	if ref.IsAbs() {
		return nil, fmt.Errorf("path %q is an absolute URL; requests go below the base URL", r.Path)
	}
	u := base.JoinPath(ref.Path)
	q := u.Query()
	for k, vs := range ref.Query() {
		q[k] = append(q[k], vs...)
	}
	for k, vs := range r.Query {
		q[k] = append(q[k], vs...)
	}
	u.RawQuery = q.Encode()
	return u, nil
}

func (c *Client) log(ctx context.Context, method, u string, status int, d time.Duration, errMsg string) {
	if c.Logger == nil {
		return
	}
	attrs := []slog.Attr{slog.String("method", method), slog.String("url", u), slog.Int("status", status), slog.Duration("duration", d)}
	if errMsg != "" {
		attrs = append(attrs, slog.String("error", errMsg))
	}
	c.Logger.LogAttrs(ctx, slog.LevelDebug, "http request", attrs...)
}

// Sleep waits d, or returns ctx's error as soon as ctx is done: the wait
// adapters use between polls of a platform's processing.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
