package threads_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/threads"
)

func TestParseUsage(t *testing.T) {
	now := start
	tests := []struct {
		name          string
		h             http.Header
		wantRemaining int
		wantReset     time.Time
		wantOK        bool
	}{
		{"app usage", http.Header{"X-App-Usage": {`{"call_count":28,"total_time":25,"total_cputime":25}`}}, 72, time.Time{}, true},
		{"fraction rounds up", http.Header{"X-App-Usage": {`{"call_count":99.2,"total_time":1,"total_cputime":1}`}}, 0, now.Add(time.Hour), true},
		{"exhausted without estimate", http.Header{"X-App-Usage": {`{"call_count":100,"total_time":1,"total_cputime":1}`}}, 0, now.Add(time.Hour), true},
		{"business usage with estimate", http.Header{"X-Business-Use-Case-Usage": {`{"123":[{"type":"threads","call_count":10,"total_cputime":100,"total_time":40,"estimated_time_to_regain_access":15}]}`}},
			0, now.Add(15 * time.Minute), true},
		{"highest of both headers", http.Header{"X-App-Usage": {`{"call_count":10}`}, "X-Business-Use-Case-Usage": {`{"1":[{"call_count":60}]}`}}, 40, time.Time{}, true},
		{"none", http.Header{}, 0, time.Time{}, false},
		{"malformed", http.Header{"X-App-Usage": {`lots`}}, 0, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remaining, reset, ok := threads.ParseUsage(tt.h, now)
			if remaining != tt.wantRemaining || !reset.Equal(tt.wantReset) || ok != tt.wantOK {
				t.Errorf("ParseUsage = %d, %v, %v; want %d, %v, %v", remaining, reset, ok, tt.wantRemaining, tt.wantReset, tt.wantOK)
			}
		})
	}
}

// TestRateLimitReporter: the adapter reports what the latest answer's
// X-App-Usage said.
func TestRateLimitReporter(t *testing.T) {
	s := newSetup(t, config{opts: threads.FakeOptions{Usage: 100}})
	if _, _, ok := s.a.RateLimit(); ok {
		t.Fatal("a rate limit before any call")
	}
	if _, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k"); err != nil {
		t.Fatal(err)
	}
	remaining, reset, ok := s.a.RateLimit()
	if !ok || remaining != 0 || !reset.Equal(start.Add(time.Hour)) {
		t.Errorf("RateLimit = %d, %v, %v; want 0 until %v", remaining, reset, ok, start.Add(time.Hour))
	}
}
