package late

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func newRelay(t *testing.T, f *Fake, env platformtest.Env, values map[string]any) *Late {
	t.Helper()
	v := map[string]any{"account_id": "acc_twitter", "api_key_env": "LATE_KEY", "network": "x"}
	for k, x := range values {
		v[k] = x
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	pub, err := New(platforms.Settings{Account: "x", Platform: Name, BaseURL: f.URL(), Values: v,
		Getenv:     func(k string) string { return map[string]string{"LATE_KEY": f.APIKey()}[k] },
		HTTPClient: f.Client(), Logger: env.Logger, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := pub.(*Late)
	a.pollEvery = time.Millisecond
	return a
}

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			f := NewFake(t, FakeOptions{Now: env.Now})
			return newRelay(t, f, env, nil), f
		},
		Capabilities: platforms.CapPrepare | platforms.CapFind | platforms.CapMetrics,
		MaxParts:     1,
		// Media go by URL from media_base_url; TestMedia checks them.
		MaxMedia:   0,
		Idempotent: true,
		FindPage:   findPage,
		FindPages:  findPages,
	})
}

func TestMedia(t *testing.T) {
	f := NewFake(t, FakeOptions{})
	p := platformtest.Payload("pic", "With a picture")
	p.Media = []platforms.Media{{Path: "posts/my pic.png", Alt: "a pixel", Type: "image/png", Size: 4,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte("1234"))), nil }}}
	a := newRelay(t, f, platformtest.Env{}, nil)
	if _, err := platforms.Prepare(a, p); err == nil || !strings.Contains(err.Error(), "media_base_url") {
		t.Fatalf("media without media_base_url: %v", err)
	}
	a = newRelay(t, f, platformtest.Env{}, map[string]any{"media_base_url": "https://site.example/"})
	if got := a.MediaURL("posts/my pic.png"); got != "https://site.example/posts/my%20pic.png" {
		t.Errorf("media URL %q", got)
	}
	p, err := platforms.Prepare(a, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(t.Context(), p, "k1"); err != nil {
		t.Fatal(err)
	}
}

// TestReplayWindow: the same x-request-id within five minutes lands on
// the first post; after them, Late takes it as a new post.
func TestReplayWindow(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f := NewFake(t, FakeOptions{Now: func() time.Time { return now }})
	a := newRelay(t, f, platformtest.Env{}, nil)
	p := platformtest.Payload("a", "Once")
	r1, err := a.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(4 * time.Minute)
	r2, err := a.Publish(t.Context(), p, "k1")
	if err != nil || r2.IDs[0] != r1.IDs[0] || len(f.Posts()) != 1 {
		t.Fatalf("replay within the window: %+v, %v; %d posts", r2, err, len(f.Posts()))
	}
	now = now.Add(2 * time.Minute)
	if _, err := a.Publish(t.Context(), p, "k1"); err != nil || len(f.Posts()) != 2 {
		t.Fatalf("after the window: %v; %d posts", err, len(f.Posts()))
	}
}

func TestPlatformFailedAndPublishing(t *testing.T) {
	f := NewFake(t, FakeOptions{Refuse: "Tweet needs to be a bit shorter"})
	a := newRelay(t, f, platformtest.Env{}, nil)
	_, err := a.Publish(t.Context(), platformtest.Payload("a", "Refused"), "k1")
	if platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "a bit shorter") {
		t.Fatalf("refused: %v (%s)", err, platforms.OutcomeOf(err))
	}
	if _, err := a.Find(t.Context(), platformtest.Payload("a", "Refused"), platforms.Attempt{Key: "k1"}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of a failed post = %v, want ErrNotFound", err)
	}
	f = NewFake(t, FakeOptions{Publishing: 2})
	a = newRelay(t, f, platformtest.Env{}, nil)
	r, err := a.Publish(t.Context(), platformtest.Payload("b", "Slow"), "k2")
	if err != nil || len(r.URLs) != 1 || r.Extra["platform_id"] == "" {
		t.Fatalf("publishing then published: %+v, %v", r, err)
	}
	f = NewFake(t, FakeOptions{Publishing: 1000})
	a = newRelay(t, f, platformtest.Env{}, map[string]any{"poll_for": "20ms"})
	_, err = a.Publish(t.Context(), platformtest.Payload("c", "Stuck"), "k3")
	if platforms.OutcomeOf(err) != platforms.Unknown {
		t.Fatalf("still publishing: %v", err)
	}
}

func TestErrors(t *testing.T) {
	f := NewFake(t, FakeOptions{})
	a := newRelay(t, f, platformtest.Env{}, map[string]any{"account_id": "acc_bluesky"})
	_, err := a.Publish(t.Context(), platformtest.Payload("a", "Wrong network"), "k1")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Outcome != platforms.NotCreated || !strings.Contains(ae.Message, "not a twitter account") {
		t.Fatalf("err = %v", err)
	}
	f.Inject(platformtest.Fault{Kind: platformtest.Unauthorized})
	a = newRelay(t, f, platformtest.Env{}, nil)
	_, err = a.Publish(t.Context(), platformtest.Payload("a", "Refused key"), "k2")
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Message, "Invalid API key: Late refused the API key in LATE_KEY") || strings.Contains(err.Error(), f.APIKey()) {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(platforms.Settings{Values: map[string]any{"account_id": "a", "api_key_env": "K", "network": "mastodon"}, Now: time.Now}); err == nil {
		t.Error("a network Late does not reach was accepted")
	}
}

// TestRateLimitBody: a 429 whose wait is only in the body's
// details.retry_after_seconds (Late's documented shape) still says when
// to come back.
func TestRateLimitBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":"Rate limit exceeded","details":{"current_count":61,"limit":60,"retry_after_seconds":42,"scope":"api_key","window":"1m"}}`)
	}))
	defer srv.Close()
	pub, err := New(platforms.Settings{Account: "x", Platform: Name, BaseURL: srv.URL,
		Values:     map[string]any{"account_id": "acc_twitter", "api_key_env": "K", "network": "x"},
		Getenv:     func(string) string { return "sk_test" },
		HTTPClient: srv.Client(), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pub.Publish(t.Context(), platformtest.Payload("a", "Slow down"), "k1")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != 42*time.Second || ae.Outcome != platforms.NotCreated || !platforms.IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
}
