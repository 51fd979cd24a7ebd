package platformtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Config describes the platform a Fake stands for: where its API lives and
// how it says no.
type Config struct {
	// Platform names the platform in test failures.
	Platform string
	// BasePath is where the API lives on the fake server. It must not be
	// "/", so that an adapter that ignores its base URL is caught, as in
	// go-github's tests. Default "/api-fake/".
	BasePath string
	// ErrorBody is the platform's error envelope for status, code and
	// message. Default {"error": code, "message": message}.
	ErrorBody func(status int, code, message string) any
	// RateLimitHeaders sets the platform's rate-limit headers on a 429,
	// for a limit that resets at reset. Default: none (only Retry-After).
	RateLimitHeaders func(h http.Header, reset time.Time)
	// Headers sets headers the platform sends on every response to a
	// route, such as its rate-limit headers while requests remain, before
	// the route's handler or a fault answers. Default: none.
	Headers func(h http.Header)
	// Now is the fake's clock, for reset times. Default: a fixed time.
	Now func() time.Time
}

// Contract is what one route of the real API demands of a request. A
// request that breaks it is answered the way the platform would answer it,
// and fails the test unless ExpectViolations was called.
type Contract struct {
	// Auth is the exact Authorization header required; "" requires none.
	Auth string
	// Auths are other Authorization headers the route also accepts: a
	// second identity's token.
	Auths []string
	// Header holds other required headers and their exact values
	// (LinkedIn-Version, X-Restli-Protocol-Version).
	Header map[string]string
	// ContentType is the media type the body must have ("application/json"
	// makes the body parsed as JSON into Call.JSON).
	ContentType string
	// Required lists JSON fields that must be present, not null and not
	// "", as dotted paths ("record.text", "media.0.alt").
	Required []string
	// Limits are the platform's limits on JSON fields.
	Limits []Limit
	// Create marks the route that creates posts: injected faults apply to
	// the next request on a Create route.
	Create bool
}

// Limit caps a JSON field: a string's length as Count counts it (runes by
// default), or an array's number of items.
type Limit struct {
	Path  string
	Max   int
	Count func(string) int
	Unit  string // for the error message, default "characters"
}

// Call is one request that passed its route's contract, for the route's
// handler to answer.
type Call struct {
	R    *http.Request
	Body []byte
	// JSON is the decoded body when the route's ContentType is JSON.
	JSON map[string]any
	w    http.ResponseWriter
	f    *Fake
}

// String returns the JSON field at a dotted path as a string, "" when
// absent or not a string.
func (c *Call) String(path string) string {
	v, _ := lookup(c.JSON, path)
	s, _ := v.(string)
	return s
}

// Strings returns the JSON array at a dotted path as strings.
func (c *Call) Strings(path string) []string {
	v, _ := lookup(c.JSON, path)
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Header is the response's header map, for headers a route sends with
// its answer (GitHub's Link header for the next page). Set it before Reply.
func (c *Call) Header() http.Header { return c.w.Header() }

// Reply answers with status and v encoded as JSON (no body when v is nil).
func (c *Call) Reply(status int, v any) {
	writeJSON(c.w, status, v)
}

// Error answers with the platform's error envelope.
func (c *Call) Error(status int, code, message string) {
	c.f.writeError(c.w, status, code, message)
}

// Handler answers a Call on a route.
type Handler func(c *Call)

// FaultKind is a failure a Fake can be told to produce.
type FaultKind int

// Faults a Fake injects on the next request to a Create route.
const (
	// RateLimited answers 429 with Retry-After and the platform's
	// rate-limit headers; nothing is stored.
	RateLimited FaultKind = iota + 1
	// Unauthorized answers 401 as for a revoked token; nothing is stored.
	Unauthorized
	// ServerError answers 500; nothing is stored.
	ServerError
	// AcceptThenTimeout runs the handler, so that the post is stored, then
	// sends nothing until the client gives up.
	AcceptThenTimeout
)

// String names the fault for subtest names.
func (k FaultKind) String() string {
	switch k {
	case RateLimited:
		return "rate_limited"
	case Unauthorized:
		return "unauthorized"
	case ServerError:
		return "server_error"
	case AcceptThenTimeout:
		return "accept_then_timeout"
	}
	return "fault_" + strconv.Itoa(int(k))
}

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// RetryAfter is the wait a RateLimited fault asks for (default 30s).
	RetryAfter time.Duration
	// After lets this many requests to Create routes through before the
	// fault applies, so that a thread fails at a later part, as a crash
	// between two parts leaves it.
	After int
}

// Fake is a contract fake of a platform's API: an httptest server that
// serves only the routes registered on it, checks each request against the
// route's Contract, injects faults on demand, and keeps a Store of what it
// accepted.
type Fake struct {
	// Store is what the fake accepted; handlers add to it.
	Store *Store

	t      Reporter
	cfg    Config
	srv    *httptest.Server
	mux    *http.ServeMux
	done   chan struct{}
	mu     sync.Mutex
	faults []Fault
	viols  []string
	expect bool
}

// Reporter is what a Fake reports contract violations to: a *testing.T in
// tests, a LogReporter when the fakes run for a demonstration.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

var _ Reporter = (testing.TB)(nil)

// New starts a Fake that lives until t ends. Any request to a path or
// method that no route was registered for fails t.
func New(t Reporter, cfg Config) *Fake {
	t.Helper()
	if cfg.BasePath == "" {
		cfg.BasePath = "/api-fake/"
	}
	if cfg.BasePath == "/" || !strings.HasPrefix(cfg.BasePath, "/") {
		t.Fatalf("platformtest: BasePath %q must be an absolute path other than /", cfg.BasePath)
	}
	if !strings.HasSuffix(cfg.BasePath, "/") {
		cfg.BasePath += "/"
	}
	if cfg.Now == nil {
		fixed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		cfg.Now = func() time.Time { return fixed }
	}
	if cfg.ErrorBody == nil {
		cfg.ErrorBody = func(_ int, code, message string) any {
			return map[string]string{"error": code, "message": message}
		}
	}
	f := &Fake{Store: NewStore(), t: t, cfg: cfg, mux: http.NewServeMux(), done: make(chan struct{})}
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.t.Errorf("%s fake: unexpected request %s %s", f.cfg.Platform, r.Method, r.URL)
		f.writeError(w, http.StatusNotFound, "not_found", "no such route: "+r.Method+" "+r.URL.Path)
	})
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(func() {
		close(f.done)
		f.srv.Close()
	})
	return f
}

// URL is the API's base URL on the fake: what an adapter's BaseURL is set
// to. It has no trailing slash.
func (f *Fake) URL() string { return f.srv.URL + strings.TrimSuffix(f.cfg.BasePath, "/") }

// Client is an *http.Client for the fake.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// Handle registers a route: pattern is "METHOD path" relative to the base
// path, with net/http wildcards ("GET /notes/{id}"; Call.R.PathValue reads
// them).
func (f *Fake) Handle(pattern string, c Contract, h Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" {
		f.t.Fatalf("platformtest: pattern %q needs a method", pattern)
	}
	f.handle(method+" "+f.cfg.BasePath+strings.TrimPrefix(path, "/"), c, h)
}

// HandleRoot is Handle for a route outside the base path, at an absolute
// path on the server (GitHub Enterprise's /api/graphql beside /api/v3).
func (f *Fake) HandleRoot(pattern string, c Contract, h Handler) {
	if _, path, ok := strings.Cut(pattern, " "); !ok || !strings.HasPrefix(path, "/") {
		f.t.Fatalf("platformtest: pattern %q needs a method and an absolute path", pattern)
	}
	f.handle(pattern, c, h)
}

func (f *Fake) handle(full string, c Contract, h Handler) {
	f.mux.HandleFunc(full, func(w http.ResponseWriter, r *http.Request) {
		if f.cfg.Headers != nil {
			f.cfg.Headers(w.Header())
		}
		f.serve(w, r, c, h)
	})
}

// Inject makes the next request to a Create route fail with fault. Faults
// queue: each applies to one request.
func (f *Fake) Inject(fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fault)
}

// ExpectViolations stops contract violations from failing the test, for
// tests that send bad requests on purpose. Violations still get the
// platform's error answer and are listed by Violations.
func (f *Fake) ExpectViolations() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expect = true
}

// Violations lists every contract violation seen, in order.
func (f *Fake) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.viols...)
}

// Posts returns the live posts the fake accepted, in creation order.
func (f *Fake) Posts() []Post { return f.Store.Posts() }

// RemoveRemotely deletes a post on the platform's side, as its author
// would in the app.
func (f *Fake) RemoveRemotely(id string) { f.Store.Delete(id) }

func (f *Fake) violate(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	f.mu.Lock()
	f.viols = append(f.viols, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, msg))
	expect := f.expect
	f.mu.Unlock()
	if !expect {
		f.t.Errorf("%s fake: contract violation: %s %s: %s", f.cfg.Platform, r.Method, r.URL.Path, msg)
	}
	f.writeError(w, status, code, msg)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request, c Contract, h Handler) {
	if got := r.Header.Get("Authorization"); c.Auth != "" && got != c.Auth && !slices.Contains(c.Auths, got) {
		// The expected token is not echoed: fakes keep secrets too.
		f.violate(w, r, http.StatusUnauthorized, "unauthorized", "missing or wrong Authorization header")
		return
	}
	for k, v := range c.Header {
		if got := r.Header.Get(k); got != v {
			f.violate(w, r, http.StatusBadRequest, "bad_header", fmt.Sprintf("header %s is %q, want %q", k, got, v))
			return
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.violate(w, r, http.StatusBadRequest, "bad_body", "read body: "+err.Error())
		return
	}
	call := &Call{R: r, Body: body, w: w, f: f}
	if c.ContentType != "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != c.ContentType {
			f.violate(w, r, http.StatusUnsupportedMediaType, "bad_content_type", fmt.Sprintf("Content-Type is %q, want %q", mt, c.ContentType))
			return
		}
		if mt == "application/json" {
			if err := json.Unmarshal(body, &call.JSON); err != nil {
				f.violate(w, r, http.StatusBadRequest, "bad_json", "body is not a JSON object: "+err.Error())
				return
			}
		}
	}
	for _, p := range c.Required {
		v, ok := lookup(call.JSON, p)
		if !ok || v == nil || v == "" {
			f.violate(w, r, http.StatusUnprocessableEntity, "missing_field", "required field "+p+" is missing")
			return
		}
	}
	for _, l := range c.Limits {
		if msg := l.check(call.JSON); msg != "" {
			f.violate(w, r, http.StatusUnprocessableEntity, "too_long", msg)
			return
		}
	}
	if c.Create {
		if fault, ok := f.nextFault(); ok {
			f.fail(w, call, fault, h)
			return
		}
	}
	h(call)
}

func (f *Fake) nextFault() (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return Fault{}, false
	}
	if f.faults[0].After > 0 {
		f.faults[0].After--
		return Fault{}, false
	}
	fault := f.faults[0]
	f.faults = f.faults[1:]
	return fault, true
}

func (f *Fake) fail(w http.ResponseWriter, call *Call, fault Fault, h Handler) {
	switch fault.Kind {
	case RateLimited:
		wait := fault.RetryAfter
		if wait == 0 {
			wait = 30 * time.Second
		}
		if f.cfg.RateLimitHeaders != nil {
			f.cfg.RateLimitHeaders(w.Header(), f.cfg.Now().Add(wait))
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		f.writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests")
	case Unauthorized:
		f.writeError(w, http.StatusUnauthorized, "unauthorized", "the access token was revoked")
	case ServerError:
		f.writeError(w, http.StatusInternalServerError, "internal", "internal server error")
	case AcceptThenTimeout:
		call.w = discard{h: http.Header{}}
		h(call)
		select {
		case <-call.R.Context().Done():
		case <-f.done:
		}
	default:
		f.t.Errorf("platformtest: unknown fault %v", fault.Kind)
		f.writeError(w, http.StatusInternalServerError, "internal", "unknown fault")
	}
}

func (f *Fake) writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, f.cfg.ErrorBody(status, code, message))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// discard is the ResponseWriter an accepted-then-timed-out request's
// handler writes to: the answer is never sent.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

func (l Limit) check(doc map[string]any) string {
	v, ok := lookup(doc, l.Path)
	if !ok {
		return ""
	}
	switch v := v.(type) {
	case string:
		count := l.Count
		if count == nil {
			count = utf8.RuneCountInString
		}
		unit := l.Unit
		if unit == "" {
			unit = "characters"
		}
		if n := count(v); n > l.Max {
			return fmt.Sprintf("%s is %d %s, the limit is %d", l.Path, n, unit, l.Max)
		}
	case []any:
		if len(v) > l.Max {
			return fmt.Sprintf("%s has %d items, the limit is %d", l.Path, len(v), l.Max)
		}
	}
	return ""
}

// lookup finds a dotted path in decoded JSON; numeric segments index
// arrays.
func lookup(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for _, seg := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
