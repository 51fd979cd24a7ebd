package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldhq/herald/internal/browsertest"
	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

const testSecret = "It's a Secret to Everybody"

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestWebhook(t *testing.T) {
	push := []byte(`{"ref":"refs/heads/main","after":"abc123"}`)
	form := []byte("payload=" + url.QueryEscape(string(push)))
	tests := []struct {
		name        string
		event       string
		contentType string
		body        []byte
		signature   string
		wantStatus  int
		wantTrigger bool
	}{
		{name: "right signature", event: "push", body: push, signature: sign(testSecret, push), wantStatus: 202, wantTrigger: true},
		{name: "right signature, form content type", event: "push", contentType: "application/x-www-form-urlencoded", body: form, signature: sign(testSecret, form), wantStatus: 202, wantTrigger: true},
		{name: "missing signature", event: "push", body: push, wantStatus: 401},
		{name: "signature with another secret", event: "push", body: push, signature: sign("guess", push), wantStatus: 401},
		{name: "signature of another body", event: "push", body: push, signature: sign(testSecret, []byte("{}")), wantStatus: 401},
		{name: "sha1 signature header format", event: "push", body: push, signature: strings.Replace(sign(testSecret, push), "sha256=", "sha1=", 1), wantStatus: 401},
		{name: "signature not hex", event: "push", body: push, signature: "sha256=zz", wantStatus: 401},
		{name: "signed body that is not an event", event: "push", body: []byte("not json"), signature: sign(testSecret, []byte("not json")), wantStatus: 400},
		{name: "form without payload", event: "push", contentType: "application/x-www-form-urlencoded", body: []byte("x=1"), signature: sign(testSecret, []byte("x=1")), wantStatus: 400},
		{name: "ping", event: "ping", body: []byte(`{"zen":"Keep it logically awesome."}`), signature: sign(testSecret, []byte(`{"zen":"Keep it logically awesome."}`)), wantStatus: 200},
		{name: "other event", event: "issues", body: push, signature: sign(testSecret, push), wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newController(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), []byte(testSecret), time.Hour, nil)
			req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(tt.body))
			req.Header.Set("X-GitHub-Event", tt.event)
			if tt.contentType == "" {
				tt.contentType = "application/json"
			}
			req.Header.Set("Content-Type", tt.contentType)
			if tt.signature != "" {
				req.Header.Set("X-Hub-Signature-256", tt.signature)
			}
			rec := httptest.NewRecorder()
			c.handler().ServeHTTP(rec, req)
			type got struct {
				Status  int
				Trigger bool
			}
			if diff := cmp.Diff(got{tt.wantStatus, tt.wantTrigger}, got{rec.Code, len(c.trigger) == 1}); diff != "" {
				t.Errorf("(-want +got):\n%s\nbody: %s", diff, rec.Body)
			}
		})
	}
}

func TestWebhookDisabledWithoutSecret(t *testing.T) {
	c := newController(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), nil, time.Hour, nil)
	body := []byte(`{"ref":"refs/heads/main"}`)
	req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", sign("", body))
	rec := httptest.NewRecorder()
	c.handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound || len(c.trigger) != 0 {
		t.Errorf("webhook without a secret: status %d, %d triggers; want 404 and none", rec.Code, len(c.trigger))
	}
}

func TestWebhookTriggersCoalesce(t *testing.T) {
	c := newController(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), []byte(testSecret), time.Hour, nil)
	body := []byte(`{"ref":"refs/heads/main"}`)
	for range 5 {
		req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
		rec := httptest.NewRecorder()
		c.handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("status %d, want 202", rec.Code)
		}
	}
	if len(c.trigger) != 1 {
		t.Errorf("5 pushes left %d pending reconciles, want 1", len(c.trigger))
	}
}

// gatedPublisher blocks every Publish until released: a slow platform
// holding a call while serve is asked to stop.
type gatedPublisher struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	posts   []string
}

func (g *gatedPublisher) Name() string { return "feed" }

func (g *gatedPublisher) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	g.posts = append(g.posts, p.PostID)
	return &platforms.Receipt{Provider: "feed", IDs: []string{p.PostID}, URLs: []string{"https://blog.example/" + p.PostID}}, nil
}

// contentRepo seeds a remote with a feed account and two posts, due at
// the fixed clock, and returns the remote and a clone of it.
func contentRepo(t *testing.T) (remote, dir string) {
	t.Helper()
	remote = gittest.Bare(t, t.TempDir(), "content")
	gittest.Seed(t, remote, nil, map[string]string{
		"herald.yaml":    "timezone: UTC\naccounts:\n  site:\n    platform: feed\n    atom: public/feed.atom\n",
		"posts/first.md": "---\ntitle: First\nto: [site]\n---\nThe first post.\n",
		"posts/later.md": "---\ntitle: Later\nto: [site]\n---\nThe second post.\n",
	})
	return remote, gittest.Clone(t, remote, nil)
}

// gatedServe is serve's environment and options for the repository at
// dir, at a fixed clock, logging to logs, publishing through a gated
// publisher, and telling the address it listens on.
func gatedServe(dir string, logs *bytes.Buffer, vars map[string]string) (*env, *gatedPublisher, *serveOptions, chan string) {
	now := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)
	e := &env{stdin: strings.NewReader(""), stdout: &syncWriter{w: logs}, stderr: &syncWriter{w: logs},
		getenv: func(k string) string { return vars[k] }, now: func() time.Time { return now },
		log: slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil)),
	}
	gate := &gatedPublisher{entered: make(chan struct{}), release: make(chan struct{})}
	addr := make(chan string, 1)
	o := &serveOptions{
		listen: "127.0.0.1:0", interval: time.Hour,
		hooks: reconcileHooks{providers: func(*env, *reconcile.Repo, state.Store) reconcile.Providers {
			return func(string) ([]platforms.Publisher, error) { return []platforms.Publisher{gate}, nil }
		}},
		listening: func(a string) { addr <- a },
	}
	o.apply.plan.repo = dir
	o.apply.plan.noCache = true
	o.apply.concurrency = 1
	return e, gate, o, addr
}

func TestServeShutsDownCleanlyMidReconcile(t *testing.T) {
	remote, dir := contentRepo(t)
	var logs bytes.Buffer
	e, gate, o, addr := gatedServe(dir, &logs, map[string]string{"HERALD_WEBHOOK_SECRET": testSecret})
	o.apply.push = true

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, e, o) }()
	base := "http://" + <-addr

	// The first reconcile is in its first platform call.
	select {
	case <-gate.entered:
	case <-time.After(30 * time.Second):
		t.Fatalf("the first reconcile made no platform call in 30s\nlogs:\n%s", logs.String())
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(metrics, []byte("herald_due_targets 2")) {
		t.Errorf("/metrics during the reconcile lacks the plan gauge herald_due_targets 2:\n%s", metrics)
	}
	promtoolCheck(t, metrics)

	// SIGTERM: the context is cancelled while the call is in flight.
	cancel()
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) before the call in flight finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(gate.release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\nlogs:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after the call was released")
	}

	// The server is down.
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("/healthz still answers after serve returned")
	}

	// Only the call in flight was made; its result is committed, and the
	// post not sent is recorded as such, to be sent at once next time.
	if diff := cmp.Diff([]string{"first"}, gate.posts); diff != "" {
		t.Errorf("posts sent (-want +got):\n%s", diff)
	}
	// What the remote has, as a fresh checkout sees it.
	store, err := state.OpenGit(state.GitOptions{Dir: gittest.Clone(t, remote, nil)})
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		Status, ErrorKind string
		IDs               []string
		NextRetryAt       time.Time
	}
	got := map[string]target{}
	for _, id := range []string{"first", "later"} {
		rec, err := store.Load(context.Background(), id)
		if err != nil {
			t.Fatalf("load %s: %v", id, err)
		}
		ts := rec.Targets["site"]
		tg := target{Status: string(ts.Status), IDs: ts.IDs, NextRetryAt: ts.NextRetryAt}
		if ts.LastError != nil {
			tg.ErrorKind = string(ts.LastError.Kind)
		}
		got[id] = tg
	}
	want := map[string]target{
		"first": {Status: "published", IDs: []string{"first"}},
		"later": {Status: "failed", ErrorKind: string(state.KindDeferred), NextRetryAt: e.now()},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state after shutdown (-want +got):\n%s", diff)
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	st, err := wt.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsClean() {
		t.Errorf("the work tree is not clean after shutdown: everything must be committed:\n%s", st)
	}

	// The next run sends the deferred post, and nothing else.
	gate2 := &gatedPublisher{entered: make(chan struct{}), release: make(chan struct{})}
	close(gate2.release)
	f := o.apply
	err = reconcileOnce(context.Background(), e, &f, reconcileHooks{providers: func(*env, *reconcile.Repo, state.Store) reconcile.Providers {
		return func(string) ([]platforms.Publisher, error) { return []platforms.Publisher{gate2}, nil }
	}})
	if err != nil {
		t.Fatalf("next run: %v", err)
	}
	if diff := cmp.Diff([]string{"later"}, gate2.posts); diff != "" {
		t.Errorf("next run sent (-want +got):\n%s", diff)
	}
}

// promtoolCheck lints an exposition with promtool check metrics. Without
// promtool the check is skipped locally, and fails under CI=true, where
// .ci/run installs it.
func promtoolCheck(t *testing.T, exposition []byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Errorf("promtool is not installed, and CI must lint /metrics: apt-get install prometheus (.ci/run does)")
		} else {
			t.Log("promtool is not installed (apt-get install prometheus): /metrics not linted")
		}
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics on /metrics: %v\n%s", err, out)
	}
}

// syncWriter serialises writes from the server's and the loop's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestServeStopsAfterAnEvaluationPastItsLimit: an evaluation past its
// limit is abandoned, not stopped, and keeps its memory, so serve stops
// (for its supervisor to start a fresh process) instead of reconciling
// again; any other failure leaves the loop running.
func TestServeStopsAfterAnEvaluationPastItsLimit(t *testing.T) {
	calls := 0
	rf := func(context.Context) error {
		calls++
		if calls == 1 {
			return errors.New("push state: refused")
		}
		return &schema.EvalLimitError{What: "herald.cue", Heap: schema.MaxEvalHeap}
	}
	c := newController(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), nil, time.Millisecond, rf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.run(t.Context(), ln) }()
	select {
	case err := <-done:
		if !errors.Is(err, schema.ErrEvalLimit) || !strings.Contains(err.Error(), "herald.cue: evaluation exceeded 512 MB") {
			t.Errorf("run = %v; want the evaluation limit error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve kept running after an evaluation past its limit")
	}
	if calls != 2 {
		t.Errorf("%d reconciles; want 2: the first failure is not fatal, the second is", calls)
	}
}

// TestServeDashboard shows serve's page at /: the calendar page, rebuilt
// after each reconcile, self-contained under a strict CSP, drawn in
// headless Chromium without a console message.
func TestServeDashboard(t *testing.T) {
	_, dir := contentRepo(t)
	var logs bytes.Buffer
	e, gate, o, addr := gatedServe(dir, &logs, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, e, o) }()
	defer func() {
		cancel()
		<-done
	}()
	base := "http://" + <-addr

	// Before the first reconcile has finished: 503, with when to ask again.
	<-gate.entered
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("/ before the first reconcile: %s, Retry-After %q; want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
	}
	close(gate.release)

	var page []byte
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"Content calendar", "First", "Later", `<table class="month">`, "published"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks %q\nlogs:\n%s", want, logs.String())
		}
	}
	if resp, err := http.Post(base+"/", "text/plain", nil); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST /: %s, want 405: the page is read-only", resp.Status)
		}
	}

	browser := browsertest.Chromium(t)
	file := filepath.Join(t.TempDir(), "dashboard.html")
	write(t, file, page)
	dom, images, broken, console := loadInChromium(t, browser, file)
	if len(console) > 0 {
		t.Errorf("console messages: %q", console)
	}
	if broken != "" {
		t.Errorf("%d images, broken: %q", images, broken)
	}
	if !strings.Contains(dom, `<table class="month">`) {
		t.Error("the month grid is not in the DOM Chromium drew")
	}
}
