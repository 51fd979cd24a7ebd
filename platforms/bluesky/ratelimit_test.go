package bluesky_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
)

// TestRateLimitReported: after a call, the adapter reports the RateLimit
// headers the PDS sent, for the reconciler to wait on.
func TestRateLimitReported(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f := bluesky.NewFake(t, bluesky.FakeOptions{Now: func() time.Time { return now }})
	pub, err := bluesky.New(platforms.Settings{Account: "bluesky", Platform: bluesky.Name, BaseURL: f.URL(),
		Values: map[string]any{"handle": f.AccountHandle(), "password_env": "PW", "appview_url": f.AppViewURL()},
		Getenv: func(string) string { return "fake-app-pass-word" }, HTTPClient: f.Client(), Now: func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler), Tokens: &platforms.MemTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	rr := pub.(platforms.RateLimitReporter)
	if _, err := pub.Publish(t.Context(), &platforms.Payload{PostID: "p", Target: "bluesky", Platform: bluesky.Name, Parts: []platforms.Part{{Text: "hello"}}}, "k"); err != nil {
		t.Fatal(err)
	}
	remaining, reset, ok := rr.RateLimit()
	if !ok || remaining != 4999 || !reset.Equal(now.Add(time.Hour)) {
		t.Errorf("RateLimit = %d, %v, %v; want 4999 until %v", remaining, reset, ok, now.Add(time.Hour))
	}
}
