package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of serve's HTTP server, so that no client, however slow or
// however many, can hold it: GitHub delivers a webhook in well under its
// own 10 s timeout, and everything else serve answers is small.
const (
	// maxConns caps the connections open at once: past it, new ones wait
	// in the listen queue instead of taking file descriptors.
	maxConns = 512
	// maxWebhooksInFlight caps the webhook bodies read at once; more
	// deliveries get 503 with Retry-After, as GitHub retries.
	maxWebhooksInFlight = 8
	// maxHeaderBytes is far above what GitHub sends.
	maxHeaderBytes = 64 << 10
	// webhookRetryAfter is the Retry-After of a 503, in seconds.
	webhookRetryAfter = "10"
)

// httpLimits are the server's timeouts; tests shorten them.
type httpLimits struct {
	// readHeader, read, write and idle are http.Server's timeouts.
	readHeader, read, write, idle time.Duration
	// shutdownGrace is how long a shutdown lets requests in flight
	// finish before it closes their connections: serve's handlers take
	// milliseconds, so a request still going is a slow client.
	shutdownGrace time.Duration
}

var defaultHTTPLimits = httpLimits{
	readHeader:    5 * time.Second,
	read:          15 * time.Second,
	write:         30 * time.Second,
	idle:          60 * time.Second,
	shutdownGrace: time.Second,
}

// server is the HTTP server serve runs, with its limits.
func (c *controller) server() *http.Server {
	srv := &http.Server{
		Handler:           c.handler(),
		ReadHeaderTimeout: c.limits.readHeader,
		ReadTimeout:       c.limits.read,
		WriteTimeout:      c.limits.write,
		IdleTimeout:       c.limits.idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         c.conns.track,
	}
	// Shutdown closes idle connections at once and waits for the busy
	// ones; after the grace, the busy ones are slow clients: close them.
	srv.RegisterOnShutdown(func() {
		time.AfterFunc(c.limits.shutdownGrace, c.conns.closeBusy)
	})
	return srv
}

// connTracker knows the state of every connection of a server.
type connTracker struct {
	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

func (t *connTracker) track(conn net.Conn, state http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns == nil {
		t.conns = map[net.Conn]http.ConnState{}
	}
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, conn)
	default:
		t.conns[conn] = state
	}
}

// closeBusy closes every connection that is not idle.
func (t *connTracker) closeBusy() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for conn, state := range t.conns {
		if state != http.StateIdle {
			conn.Close()
		}
	}
}

// webhook verifies a GitHub delivery and triggers a reconcile on a push.
// It never holds a body: the body streams, in chunks, through the HMAC
// and through a scanner that keeps only the fields herald logs, so that
// a delivery costs the same memory whatever its size, signed or not.
func (c *controller) webhook(w http.ResponseWriter, r *http.Request) {
	refuse := func(status int, msg string) {
		w.Header().Set("Connection", "close")
		http.Error(w, msg, status)
	}
	sig, ok := parseSignature(r.Header.Get("X-Hub-Signature-256"))
	if !ok {
		c.log.Warn("webhook refused: missing or malformed signature", "remote", r.RemoteAddr)
		refuse(http.StatusUnauthorized, "missing or wrong X-Hub-Signature-256")
		return
	}
	if r.ContentLength > maxWebhookBody {
		refuse(http.StatusRequestEntityTooLarge, "the body is over GitHub's 25 MB")
		return
	}
	select {
	case c.bodies <- struct{}{}:
		defer func() { <-c.bodies }()
	default:
		c.log.Warn("webhook refused: too many deliveries at once", "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", webhookRetryAfter)
		refuse(http.StatusServiceUnavailable, "too many deliveries at once: retry later")
		return
	}

	mac := hmac.New(sha256.New, c.secret)
	scan := &eventScanner{}
	var sink io.Writer = scan
	if isForm(r.Header.Get("Content-Type")) {
		sink = &formPayload{next: scan}
	}
	if _, err := io.Copy(io.MultiWriter(mac, sink), http.MaxBytesReader(w, r.Body, maxWebhookBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, "the body is over GitHub's 25 MB")
			return
		}
		refuse(http.StatusBadRequest, "cannot read the body")
		return
	}
	if !hmac.Equal(sig, mac.Sum(nil)) {
		c.log.Warn("webhook refused: wrong signature", "remote", r.RemoteAddr)
		refuse(http.StatusUnauthorized, "missing or wrong X-Hub-Signature-256")
		return
	}
	if f, ok := sink.(*formPayload); ok && !f.found {
		http.Error(w, "a form delivery without a payload field", http.StatusBadRequest)
		return
	}
	if err := scan.finish(); err != nil {
		http.Error(w, "the body is not a JSON event", http.StatusBadRequest)
		return
	}
	switch kind := r.Header.Get("X-GitHub-Event"); kind {
	case "ping":
		io.WriteString(w, "pong\n")
	case "push":
		c.log.Info("webhook: push, reconciling", "ref", scan.fields["ref"], "after", scan.fields["after"],
			"delivery", r.Header.Get("X-GitHub-Delivery"))
		c.poke()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "reconcile triggered\n")
	default:
		io.WriteString(w, "ignored: herald acts on push events\n")
	}
}

// parseSignature reads an X-Hub-Signature-256 header: "sha256=" and the
// hex of 32 bytes.
func parseSignature(header string) ([]byte, bool) {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return nil, false
	}
	sig, err := hex.DecodeString(hexSig)
	return sig, err == nil
}

func isForm(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// scannedFields are the top-level fields of an event herald keeps.
var scannedFields = map[string]bool{"ref": true, "after": true}

// maxScannedValue is the longest field value kept; a ref or a commit
// hash is far shorter.
const maxScannedValue = 1024

// eventScanner reads a JSON event as it streams by, keeping only the
// top-level string fields herald logs, in memory that does not grow with
// the body. It checks the body's shape (one object, strings closed,
// brackets balanced), not every detail of JSON: what it reads is trusted
// only once the signature proved GitHub sent it.
type eventScanner struct {
	err     error
	started bool
	ended   bool
	depth   int
	inStr   bool
	esc     bool
	isKey   bool // the string being read is a key of the top object
	keep    bool // the string being read is a value herald keeps
	over    bool // it outgrew maxScannedValue
	buf     []byte
	key     string // the last key of the top object
	wantKey bool
	fields  map[string]string
}

var errNotEvent = errors.New("not a JSON object")

func (s *eventScanner) Write(p []byte) (int, error) {
	for _, c := range p {
		if s.err != nil {
			break
		}
		s.step(c)
	}
	return len(p), nil
}

func (s *eventScanner) step(c byte) {
	if s.inStr {
		switch {
		case s.esc:
			s.esc = false
		case c == '\\':
			s.esc = true
		case c == '"':
			s.inStr = false
			s.endString()
			return
		}
		if s.isKey || s.keep {
			if len(s.buf) < maxScannedValue {
				s.buf = append(s.buf, c)
			} else {
				s.over = true
			}
		}
		return
	}
	switch c {
	case ' ', '\t', '\n', '\r':
		return
	}
	if s.ended || (!s.started && c != '{') {
		s.err = errNotEvent
		return
	}
	switch c {
	case '"':
		s.inStr, s.buf, s.over = true, s.buf[:0], false
		s.isKey = s.depth == 1 && s.wantKey
		s.keep = s.depth == 1 && !s.wantKey && scannedFields[s.key]
	case '{', '[':
		s.started = true
		s.depth++
		if s.depth == 1 {
			s.wantKey = true
		}
	case '}', ']':
		s.depth--
		if s.depth < 0 {
			s.err = errNotEvent
		}
		if s.depth == 0 {
			s.ended = true
		}
	case ',':
		if s.depth == 1 {
			s.wantKey, s.key = true, ""
		}
	case ':':
		if s.depth == 1 {
			s.wantKey = false
		}
	}
}

func (s *eventScanner) endString() {
	switch {
	case s.isKey:
		s.key = ""
		if !s.over {
			s.key = unquoteJSON(s.buf)
		}
	case s.keep && !s.over:
		if s.fields == nil {
			s.fields = map[string]string{}
		}
		s.fields[s.key] = unquoteJSON(s.buf)
	}
	s.isKey, s.keep = false, false
}

// finish reports whether the body was one whole JSON object.
func (s *eventScanner) finish() error {
	if s.err != nil {
		return s.err
	}
	if !s.ended || s.inStr {
		return errNotEvent
	}
	return nil
}

// unquoteJSON decodes the escapes of a JSON string's contents; what it
// cannot decode it keeps as written.
func unquoteJSON(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	s, err := strconv.Unquote(`"` + strings.ReplaceAll(string(raw), `\/`, `/`) + `"`)
	if err != nil {
		return string(raw)
	}
	return s
}

// formPayload decodes, as it streams by, the payload field of a form
// delivery (payload=<the event, URL-encoded>) into next, skipping every
// other field.
type formPayload struct {
	next  io.Writer
	name  []byte // the field name being read, up to a few bytes
	inVal bool
	in    bool // in the payload's value
	found bool
	pct   int // hex digits of a %XX still to read
	hi    byte
	out   []byte
}

func (f *formPayload) Write(p []byte) (int, error) {
	f.out = f.out[:0]
	for _, c := range p {
		switch {
		case c == '&':
			f.name, f.inVal, f.in, f.pct = f.name[:0], false, false, 0
		case !f.inVal && c == '=':
			f.inVal = true
			f.in = string(f.name) == "payload"
			f.found = f.found || f.in
		case !f.inVal:
			if len(f.name) < 16 {
				f.name = append(f.name, c)
			}
		case !f.in:
		case f.pct > 0:
			v, ok := unhex(c)
			if !ok {
				f.pct = 0
				continue
			}
			if f.pct == 2 {
				f.hi, f.pct = v, 1
			} else {
				f.out, f.pct = append(f.out, f.hi<<4|v), 0
			}
		case c == '%':
			f.pct = 2
		case c == '+':
			f.out = append(f.out, ' ')
		default:
			f.out = append(f.out, c)
		}
	}
	if len(f.out) > 0 {
		f.next.Write(f.out)
	}
	return len(p), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
