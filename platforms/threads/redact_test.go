package threads_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// TestTokenNeverLeaks: whatever fails, no error or log line holds the
// token, although it travels in the URL.
func TestTokenNeverLeaks(t *testing.T) {
	const token = "threads-token-0"
	echo := func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/threads_publish") {
				body := `{"error":{"message":"bad token ` + r.URL.Query().Get("access_token") + ` in ` + r.URL.String() + `","type":"OAuthException","code":190,"fbtrace_id":"A1"}}`
				return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
			}
			return rt.RoundTrip(r)
		})
	}
	refused := func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/threads_publish") {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "refused " + r.URL.String()}}
			}
			return rt.RoundTrip(r)
		})
	}
	tests := []struct {
		name string
		cfg  config
		prep func(*setup)
	}{
		{"server echoes the token", config{wrap: echo}, nil},
		{"transport error with the URL", config{wrap: refused}, nil},
		{"token expired", config{}, func(s *setup) { s.fake.ExpireTokens() }},
		{"environment token refreshed", config{noStore: true, values: map[string]any{"access_token_env": "T"}, env: env{"T": token},
			wrap: echo}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, tt.cfg)
			if tt.prep != nil {
				tt.prep(s)
			}
			_, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			if err == nil {
				t.Fatal("publish succeeded; want an error")
			}
			var ae *platforms.APIError
			msg := err.Error()
			if ok := asAPI(err, &ae); ok {
				msg += ae.Message
			}
			for _, secret := range []string{token, s.fake.AccessToken()} {
				if strings.Contains(msg, secret) {
					t.Errorf("error holds the token %q: %s", secret, msg)
				}
				if strings.Contains(s.logs.String(), secret) {
					t.Errorf("logs hold the token %q:\n%s", secret, s.logs)
				}
			}
			if !strings.Contains(s.logs.String(), "REDACTED") {
				t.Errorf("logs show no redacted URL:\n%s", s.logs)
			}
		})
	}
}

func asAPI(err error, ae **platforms.APIError) bool { return errors.As(err, ae) }
