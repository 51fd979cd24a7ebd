package platformtest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// recorder is a testing.TB whose Errorf is recorded instead of failing the
// test, so that tests can assert that the fake fails a test when it must.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// thingsFake serves one create route with every kind of contract rule.
func thingsFake(t testing.TB) *platformtest.Fake {
	f := platformtest.New(t, platformtest.Config{
		Platform: "things",
		BasePath: "/api/v2",
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("x-rate-limit-remaining", "0")
			h.Set("x-rate-limit-reset", fmt.Sprint(reset.Unix()))
		},
	})
	f.Handle("POST /things", platformtest.Contract{
		Auth: "Bearer t0k", Header: map[string]string{"X-Version": "2"}, ContentType: "application/json",
		Required: []string{"text", "meta.lang"},
		Limits:   []platformtest.Limit{{Path: "text", Max: 5}, {Path: "items", Max: 2}},
		Create:   true,
	}, func(c *platformtest.Call) {
		p := f.Store.Add(platformtest.Post{Text: c.String("text")})
		c.Reply(http.StatusCreated, map[string]string{"id": p.ID})
	})
	f.Handle("GET /things/{id}", platformtest.Contract{Auth: "Bearer t0k"}, func(c *platformtest.Call) {
		c.Reply(http.StatusOK, map[string]string{"id": c.R.PathValue("id")})
	})
	return f
}

type req struct {
	method, path, body, contentType string
	header                          map[string]string
}

func send(t *testing.T, client *http.Client, url string, r req) (int, http.Header, string, error) {
	t.Helper()
	hr, err := http.NewRequestWithContext(t.Context(), r.method, url+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Authorization", "Bearer t0k")
	hr.Header.Set("X-Version", "2")
	hr.Header.Set("Content-Type", "application/json")
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := client.Do(hr)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), nil
}

func TestFakeEnforcesContract(t *testing.T) {
	const ok = `{"text":"héllo","meta":{"lang":"en"},"items":[1,2]}`
	tests := []struct {
		name       string
		r          req
		root       bool // send below the server root instead of the base path
		wantStatus int
		wantCode   string
		wantFail   string // substring of the test failure the fake reports; "" for none
	}{
		{"valid", req{method: "POST", path: "/things", body: ok}, false, 201, "", ""},
		{"valid read", req{method: "GET", path: "/things/7"}, false, 200, "", ""},
		{"no auth", req{method: "POST", path: "/things", body: ok, header: map[string]string{"Authorization": ""}}, false, 401, "unauthorized", "Authorization"},
		{"wrong header", req{method: "POST", path: "/things", body: ok, header: map[string]string{"X-Version": "1"}}, false, 400, "bad_header", `X-Version is "1"`},
		{"wrong content type", req{method: "POST", path: "/things", body: ok, contentType: "text/plain"}, false, 415, "bad_content_type", "Content-Type"},
		{"not json", req{method: "POST", path: "/things", body: `text=hi`}, false, 400, "bad_json", "not a JSON object"},
		{"missing field", req{method: "POST", path: "/things", body: `{"meta":{"lang":"en"}}`}, false, 422, "missing_field", "text is missing"},
		{"empty field", req{method: "POST", path: "/things", body: `{"text":"","meta":{"lang":"en"}}`}, false, 422, "missing_field", "text is missing"},
		{"missing nested field", req{method: "POST", path: "/things", body: `{"text":"hi","meta":{}}`}, false, 422, "missing_field", "meta.lang is missing"},
		{"text too long", req{method: "POST", path: "/things", body: `{"text":"héllo!","meta":{"lang":"en"}}`}, false, 422, "too_long", "text is 6 characters, the limit is 5"},
		{"too many items", req{method: "POST", path: "/things", body: `{"text":"hi","meta":{"lang":"en"},"items":[1,2,3]}`}, false, 422, "too_long", "items has 3 items, the limit is 2"},
		{"unknown path", req{method: "POST", path: "/others", body: ok}, false, 404, "not_found", "unexpected request POST /api/v2/others"},
		{"wrong method", req{method: "DELETE", path: "/things"}, false, 404, "not_found", "unexpected request DELETE /api/v2/things"},
		{"outside the base path", req{method: "POST", path: "/things", body: ok}, true, 404, "not_found", "unexpected request POST /things"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			f := thingsFake(rec)
			url := f.URL()
			if tt.root {
				url = strings.TrimSuffix(url, "/api/v2")
			}
			status, _, body, err := send(t, f.Client(), url, tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d (body %s)", status, tt.wantStatus, body)
			}
			if tt.wantCode != "" && !strings.Contains(body, `"error":"`+tt.wantCode+`"`) {
				t.Errorf("body %s lacks the envelope with code %s", body, tt.wantCode)
			}
			errs := rec.errors()
			switch {
			case tt.wantFail == "" && len(errs) > 0:
				t.Errorf("fake failed the test: %v", errs)
			case tt.wantFail != "" && (len(errs) != 1 || !strings.Contains(errs[0], tt.wantFail)):
				t.Errorf("fake reported %q, want one failure containing %q", errs, tt.wantFail)
			}
			if tt.wantStatus != 201 && len(f.Posts()) != 0 {
				t.Errorf("a refused request stored %+v", f.Posts())
			}
		})
	}
}

func TestFakeExpectViolations(t *testing.T) {
	rec := &recorder{TB: t}
	f := thingsFake(rec)
	f.ExpectViolations()
	status, _, _, err := send(t, f.Client(), f.URL(), req{method: "POST", path: "/things", body: `{}`})
	if err != nil || status != 422 {
		t.Fatalf("status %d, err %v; want 422", status, err)
	}
	if errs := rec.errors(); len(errs) != 0 {
		t.Errorf("an expected violation failed the test: %v", errs)
	}
	if diff := cmp.Diff([]string{"POST /api/v2/things: required field text is missing"}, f.Violations()); diff != "" {
		t.Errorf("Violations (-want +got):\n%s", diff)
	}
}

func TestFakeFaults(t *testing.T) {
	const body = `{"text":"hi","meta":{"lang":"en"}}`
	tests := []struct {
		name       string
		fault      platformtest.Fault
		wantStatus int
		wantHeader map[string]string
		wantPosts  int
	}{
		{"rate limited", platformtest.Fault{Kind: platformtest.RateLimited, RetryAfter: 90 * time.Second}, 429,
			map[string]string{"Retry-After": "90", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "1767268890"}, 0},
		{"unauthorized", platformtest.Fault{Kind: platformtest.Unauthorized}, 401, nil, 0},
		{"server error", platformtest.Fault{Kind: platformtest.ServerError}, 500, nil, 0},
		{"accept then timeout", platformtest.Fault{Kind: platformtest.AcceptThenTimeout}, 0, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := thingsFake(t)
			f.Inject(tt.fault)
			// A read is not a create: the fault waits for the create.
			if status, _, _, err := send(t, f.Client(), f.URL(), req{method: "GET", path: "/things/1"}); err != nil || status != 200 {
				t.Fatalf("read under a pending fault: %d, %v", status, err)
			}
			client := &http.Client{Timeout: 200 * time.Millisecond}
			status, h, _, err := send(t, client, f.URL(), req{method: "POST", path: "/things", body: body})
			if tt.wantStatus == 0 {
				if err == nil {
					t.Fatalf("accept-then-timeout answered %d", status)
				}
			} else if err != nil || status != tt.wantStatus {
				t.Fatalf("status %d, err %v; want %d", status, err, tt.wantStatus)
			}
			for k, v := range tt.wantHeader {
				if got := h.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if n := len(f.Posts()); n != tt.wantPosts {
				t.Errorf("fake holds %d posts, want %d", n, tt.wantPosts)
			}
			// The fault is spent: the next create succeeds.
			if status, _, _, err := send(t, f.Client(), f.URL(), req{method: "POST", path: "/things", body: body}); err != nil || status != 201 {
				t.Errorf("create after the fault: %d, %v; want 201", status, err)
			}
		})
	}
}

// TestFakeFaultAfter fails the second create, as a crash between the
// parts of a thread does.
func TestFakeFaultAfter(t *testing.T) {
	const body = `{"text":"hi","meta":{"lang":"en"}}`
	f := thingsFake(t)
	f.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	for i, want := range []int{201, 500, 201} {
		status, _, _, err := send(t, f.Client(), f.URL(), req{method: "POST", path: "/things", body: body})
		if err != nil || status != want {
			t.Errorf("create %d: status %d, err %v; want %d", i+1, status, err, want)
		}
	}
	if n := len(f.Posts()); n != 2 {
		t.Errorf("fake holds %d posts, want 2", n)
	}
}

func TestStore(t *testing.T) {
	s := platformtest.NewStore()
	a, isNew := s.AddOnce(platformtest.Post{Text: "a", Key: "k1"})
	if !isNew || a.ID != "1" {
		t.Fatalf("first AddOnce = %+v, %v", a, isNew)
	}
	again, isNew := s.AddOnce(platformtest.Post{Text: "a again", Key: "k1"})
	if isNew || again.ID != a.ID || again.Text != "a" {
		t.Errorf("AddOnce with a seen key = %+v, %v; want the first post", again, isNew)
	}
	mid := s.AddMedia(platformtest.MediaItem{Type: "image/png", Alt: "x"})
	b := s.Add(platformtest.Post{Text: "b"})
	if mid != "2" || b.ID != "3" {
		t.Errorf("IDs media %s, post %s; want 2, 3", mid, b.ID)
	}
	if !s.Delete(a.ID) || s.Delete(a.ID) {
		t.Error("Delete: want true once, then false")
	}
	if got, ok := s.Get(a.ID); !ok || !got.Deleted {
		t.Errorf("Get of a deleted post = %+v, %v", got, ok)
	}
	if readded, isNew := s.AddOnce(platformtest.Post{Text: "a", Key: "k1"}); !isNew || readded.ID == a.ID {
		t.Errorf("AddOnce after delete = %+v, %v; want a new post", readded, isNew)
	}
	var texts []string
	for _, p := range s.Posts() {
		texts = append(texts, p.Text)
	}
	if diff := cmp.Diff([]string{"b", "a"}, texts); diff != "" {
		t.Errorf("live posts (-want +got):\n%s", diff)
	}
	if m, ok := s.Media(mid); !ok || m.Alt != "x" {
		t.Errorf("Media = %+v, %v", m, ok)
	}
}
