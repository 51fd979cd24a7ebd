package x_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/x"
)

// TestRateLimitReported: after a call, the adapter reports the
// x-rate-limit headers X sent, for the reconciler to wait on.
func TestRateLimitReported(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f := x.NewFake(t, x.FakeOptions{Now: func() time.Time { return now }})
	env := map[string]string{"CID": "herald-client", "AT": f.AccessToken(), "RT": f.RefreshToken()}
	pub, err := x.New(platforms.Settings{Account: "x", Platform: x.Name, BaseURL: f.URL(),
		Values: map[string]any{"client_id_env": "CID", "access_token_env": "AT", "refresh_token_env": "RT"},
		Getenv: func(k string) string { return env[k] }, HTTPClient: f.Client(), Now: func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler), Tokens: &platforms.MemTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	rr := pub.(platforms.RateLimitReporter)
	if _, _, ok := rr.RateLimit(); ok {
		t.Fatal("a rate limit before any call")
	}
	if _, err := pub.Publish(t.Context(), &platforms.Payload{PostID: "p", Target: "x", Platform: x.Name, Parts: []platforms.Part{{Text: "hello"}}}, "k"); err != nil {
		t.Fatal(err)
	}
	remaining, reset, ok := rr.RateLimit()
	if !ok || remaining != 99 || !reset.Equal(now.Add(15*time.Minute)) {
		t.Errorf("RateLimit = %d, %v, %v; want 99 until %v", remaining, reset, ok, now.Add(15*time.Minute))
	}
}
