package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		v    string
		want time.Duration
		ok   bool
	}{
		{"seconds", "120", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"padded", " 5 ", 5 * time.Second, true},
		{"http date", "Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"rfc850 date", "Sunday, 01-Mar-26 12:01:00 GMT", time.Minute, true},
		{"date in the past", "Sun, 01 Mar 2026 11:00:00 GMT", 0, true},
		{"negative", "-3", 0, false},
		{"empty", "", 0, false},
		{"garbage", "soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.v, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseRateLimit(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want RateLimit
		ok   bool
	}{
		{"x epoch reset", header("x-rate-limit-limit", "300", "x-rate-limit-remaining", "0", "x-rate-limit-reset", "1772367300"),
			RateLimit{300, 0, time.Unix(1772367300, 0).UTC()}, true},
		{"mastodon iso reset", header("X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "299", "X-RateLimit-Reset", "2026-03-01T12:05:00.123Z"),
			RateLimit{300, 299, time.Date(2026, 3, 1, 12, 5, 0, 123e6, time.UTC)}, true},
		{"bluesky epoch reset", header("RateLimit-Limit", "3000", "RateLimit-Remaining", "2999", "RateLimit-Reset", "1772367600", "RateLimit-Policy", "3000;w=300"),
			RateLimit{3000, 2999, time.Unix(1772367600, 0).UTC()}, true},
		{"reddit seconds until reset", header("X-Ratelimit-Used", "2", "X-Ratelimit-Remaining", "598.0", "X-Ratelimit-Reset", "300"),
			RateLimit{600, 598, now.Add(5 * time.Minute)}, true},
		{"limit only", header("X-RateLimit-Limit", "10"), RateLimit{Limit: 10}, true},
		{"none", header("Content-Type", "application/json"), RateLimit{}, false},
		{"malformed", header("X-RateLimit-Remaining", "lots", "X-RateLimit-Reset", "later"), RateLimit{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRateLimit(tt.h, now)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRateLimit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWait(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"retry-after wins", header("Retry-After", "7", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "2026-03-01T13:00:00Z"), 7 * time.Second},
		{"exhausted limit waits for reset", header("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "2026-03-01T12:01:00Z"), time.Minute},
		{"remaining budget does not wait", header("X-RateLimit-Remaining", "3", "X-RateLimit-Reset", "2026-03-01T12:01:00Z"), 0},
		{"nothing", header(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Wait(tt.h, now); got != tt.want {
				t.Errorf("Wait = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestClientRemembersRateLimit: the client keeps what the latest response
// with rate-limit headers said, for the reconciler to wait on.
func TestClientRemembersRateLimit(t *testing.T) {
	reset := time.Date(2026, 11, 21, 12, 15, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/limited" {
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset.Format(time.RFC3339))
		}
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, Now: func() time.Time { return reset.Add(-10 * time.Minute) }}
	if _, ok := c.LastRateLimit(); ok {
		t.Fatal("a rate limit before any response")
	}
	if _, err := c.Do(t.Context(), Request{Method: "GET", Path: "limited"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), Request{Method: "GET", Path: "plain"}); err != nil {
		t.Fatal(err)
	}
	rl, ok := c.LastRateLimit()
	if !ok || rl.Remaining != 0 || !rl.Reset.Equal(reset) || rl.Limit != 300 {
		t.Errorf("LastRateLimit = %+v, %v; want 0 of 300 until %v", rl, ok, reset)
	}
}
