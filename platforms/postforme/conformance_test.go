package postforme

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// newRelay builds the adapter for the fake's x account.
func newRelay(t *testing.T, f *Fake, env platformtest.Env, values map[string]any) *PostForMe {
	t.Helper()
	v := map[string]any{"account_id": "spc_x", "api_key_env": "PFM_KEY", "network": "x"}
	for k, x := range values {
		v[k] = x
	}
	now := env.Now
	if now == nil {
		now = time.Now
	}
	pub, err := New(platforms.Settings{Account: "x", Platform: Name, BaseURL: f.URL(), Values: v,
		Getenv:     func(k string) string { return map[string]string{"PFM_KEY": f.APIKey()}[k] },
		HTTPClient: f.Client(), Logger: env.Logger, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := pub.(*PostForMe)
	a.pollEvery = time.Millisecond
	return a
}

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			f := NewFake(t, FakeOptions{Now: env.Now})
			return newRelay(t, f, env, nil), f
		},
		Capabilities: platforms.CapPrepare | platforms.CapFind,
		MaxParts:     1,
		// Post for Me's media carry no alt text: the media check, which
		// requires it, is TestMedia's to make without it.
		MaxMedia: 0,
	})
}

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestMedia(t *testing.T) {
	f := NewFake(t, FakeOptions{})
	a := newRelay(t, f, platformtest.Env{}, nil)
	p := platformtest.Payload("pic", "With a picture")
	p.Media = []platforms.Media{{Path: "posts/pic.png", Alt: "a pixel", Type: "image/png", Size: int64(len(png)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(png)), nil }}}
	p, err := platforms.Prepare(a, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 || len(posts[0].Media) != 1 || !bytes.Equal(posts[0].Media[0].Data, png) || posts[0].Media[0].Type != "image/png" {
		t.Fatalf("posts %+v", posts)
	}
	if r.URLs[0] != posts[0].URL || r.Extra["platform_id"] != "pf-"+posts[0].ID || r.Extra["network"] != "x" {
		t.Errorf("receipt %+v", r)
	}
	p.Media[0].Type = "image/webp"
	if _, err := platforms.Prepare(a, p); err == nil || !strings.Contains(err.Error(), "is image/webp") {
		t.Errorf("webp: %v", err)
	}
}

// TestPlatformRefused: Post for Me accepted the post and the platform
// refused it; the result says so, and the error is NotCreated, so that
// the reconciler may fail over.
func TestPlatformRefused(t *testing.T) {
	f := NewFake(t, FakeOptions{Refuse: "Duplicate content"})
	a := newRelay(t, f, platformtest.Env{}, nil)
	_, err := a.Publish(t.Context(), platformtest.Payload("dup", "Same again"), "k1")
	if platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "Duplicate content") {
		t.Fatalf("err = %v (%s)", err, platforms.OutcomeOf(err))
	}
	if _, err := a.Find(t.Context(), platformtest.Payload("dup", "Same again"), platforms.Attempt{Key: "k1"}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of a refused attempt = %v, want ErrNotFound", err)
	}
}

// TestPending: the result comes after a few reads; publish waits for it,
// and gives up as unknown after poll_for.
func TestPending(t *testing.T) {
	f := NewFake(t, FakeOptions{Pending: 2})
	a := newRelay(t, f, platformtest.Env{}, nil)
	r, err := a.Publish(t.Context(), platformtest.Payload("slow", "Processed later"), "k1")
	if err != nil || len(r.URLs) != 1 {
		t.Fatalf("publish = %+v, %v", r, err)
	}
	f = NewFake(t, FakeOptions{Pending: 1000})
	a = newRelay(t, f, platformtest.Env{}, map[string]any{"poll_for": "20ms"})
	_, err = a.Publish(t.Context(), platformtest.Payload("slow", "Never processed"), "k2")
	if platforms.OutcomeOf(err) != platforms.Unknown || !strings.Contains(err.Error(), "no result") {
		t.Fatalf("err = %v", err)
	}
	if _, err := a.Find(t.Context(), platformtest.Payload("slow", "Never processed"), platforms.Attempt{Key: "k2"}); err == nil || errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of an attempt without a result = %v, want cannot tell", err)
	}
}

func TestErrors(t *testing.T) {
	f := NewFake(t, FakeOptions{})
	a := newRelay(t, f, platformtest.Env{}, map[string]any{"account_id": "spc_nope"})
	_, err := a.Publish(t.Context(), platformtest.Payload("bad", "To an account not connected"), "k1")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Outcome != platforms.NotCreated ||
		!strings.Contains(ae.Message, "Invalid Request: social account spc_nope is not connected") {
		t.Fatalf("err = %#v", err)
	}
	f.Inject(platformtest.Fault{Kind: platformtest.Unauthorized})
	a = newRelay(t, f, platformtest.Env{}, nil)
	_, err = a.Publish(context.Background(), platformtest.Payload("bad", "Refused key"), "k2")
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Message, "Unauthorized: Post for Me refused the API key in PFM_KEY") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), f.APIKey()) {
		t.Error("the error holds the key")
	}
	thread := platformtest.Payload("t", "one", "two")
	if _, err := platforms.Prepare(a, thread); err == nil || !strings.Contains(err.Error(), "thread of 2 parts") {
		t.Errorf("thread: %v", err)
	}
}
