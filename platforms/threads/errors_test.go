package threads_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// canned answers requests whose path ends in suffix (and whose method is
// method) with status, body and headers, and sends the rest to the fake.
func canned(method, suffix string, status int, body string, h http.Header) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == method && strings.HasSuffix(r.URL.Path, suffix) {
				hh := http.Header{"Content-Type": {"application/json"}}
				for k, v := range h {
					hh[k] = v
				}
				return &http.Response{StatusCode: status, Header: hh, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
			}
			return rt.RoundTrip(r)
		})
	}
}

// TestErrorMapping holds Meta's real error bodies against what the
// reconciler needs: status, code, retryable, outcome, wait.
func TestErrorMapping(t *testing.T) {
	const (
		expired     = `{"error":{"message":"Error validating access token: Session has expired on Sunday, 01-Mar-26 08:00:00 PST. The current time is Sunday, 01-Mar-26 09:00:00 PST.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AXS25JPViBb5AY5tP5EzTnD"}}`
		appLimit    = `{"error":{"message":"Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"A1"}}`
		userLimit   = `{"error":{"message":"User request limit reached","type":"OAuthException","code":17,"fbtrace_id":"A1"}}`
		pageLimit   = `{"error":{"message":"Page request limit reached","type":"OAuthException","code":32,"fbtrace_id":"A1"}}`
		apiLimit    = `{"error":{"message":"Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"A1"}}`
		unexpected  = `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"fbtrace_id":"A1"}}`
		invalid     = `{"error":{"message":"Invalid parameter","type":"THApiException","code":100,"error_user_msg":"The image URL could not be reached.","fbtrace_id":"A1"}}`
		noPerm      = `{"error":{"message":"Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"A1"}}`
		buc5Minutes = `{"17841400000000001":[{"type":"threads","call_count":100,"total_cputime":40,"total_time":40,"estimated_time_to_regain_access":5}]}`
	)
	tests := []struct {
		name          string
		method, path  string
		status        int
		body          string
		header        http.Header
		wantStatus    int
		wantCode      string
		wantRetryable bool
		wantOutcome   platforms.Outcome
		wantWait      time.Duration
		wantReconnect bool
	}{
		{"expired token on container", "POST", "/threads", 400, expired, nil, 400, "190/463", false, platforms.NotCreated, 0, true},
		{"app limit on publish, estimate given", "POST", "/threads_publish", 400, appLimit, http.Header{"X-Business-Use-Case-Usage": {buc5Minutes}}, 429, "4", true, platforms.NotCreated, 5 * time.Minute, false},
		{"user limit, usage exhausted without estimate", "POST", "/threads_publish", 400, userLimit, http.Header{"X-App-Usage": {`{"call_count":100,"total_cputime":3,"total_time":3}`}}, 429, "17", true, platforms.NotCreated, time.Hour, false},
		{"page limit", "POST", "/threads_publish", 400, pageLimit, nil, 429, "32", true, platforms.NotCreated, 0, false},
		{"api limit with Retry-After", "POST", "/threads_publish", 400, apiLimit, http.Header{"Retry-After": {"120"}}, 429, "613", true, platforms.NotCreated, 2 * time.Minute, false},
		{"5xx on publish may have posted", "POST", "/threads_publish", 500, unexpected, nil, 500, "2", true, platforms.Unknown, 0, false},
		{"5xx on container posted nothing", "POST", "/threads", 500, unexpected, nil, 500, "2", true, platforms.NotCreated, 0, false},
		{"invalid parameter", "POST", "/threads", 400, invalid, nil, 400, "100", false, platforms.NotCreated, 0, false},
		{"no permission", "POST", "/threads_publish", 403, noPerm, nil, 403, "10", false, platforms.NotCreated, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, config{values: map[string]any{"user_id": "17841400000000001"},
				wrap: canned(tt.method, tt.path, tt.status, tt.body, tt.header)})
			_, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			var ae *platforms.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if ae.Status != tt.wantStatus || ae.Code != tt.wantCode {
				t.Errorf("status %d code %q, want %d %q (%v)", ae.Status, ae.Code, tt.wantStatus, tt.wantCode, err)
			}
			if got := platforms.IsRetryable(err); got != tt.wantRetryable {
				t.Errorf("retryable = %v, want %v (%v)", got, tt.wantRetryable, err)
			}
			if got := platforms.OutcomeOf(err); got != tt.wantOutcome {
				t.Errorf("outcome = %s, want %s", got, tt.wantOutcome)
			}
			if ae.RetryAfter != tt.wantWait {
				t.Errorf("RetryAfter = %v, want %v", ae.RetryAfter, tt.wantWait)
			}
			if got := errors.Is(err, platforms.ErrNeedsReconnect); got != tt.wantReconnect {
				t.Errorf("ErrNeedsReconnect = %v, want %v", got, tt.wantReconnect)
			}
			if len(s.fake.Posts()) != 0 {
				t.Errorf("the fake holds posts: %+v", s.fake.Posts())
			}
		})
	}
}

// TestGone: Meta's answer for a post that no longer exists (code 100
// subcode 33, or a 404) is drift for metrics and nothing for delete.
func TestGone(t *testing.T) {
	gone := `{"error":{"message":"Unsupported get request. Object with ID '1' does not exist, cannot be loaded due to missing permissions, or does not support this operation","type":"THApiException","code":100,"error_subcode":33,"fbtrace_id":"A1"}}`
	for _, tt := range []struct {
		name   string
		status int
	}{{"code 100/33", 400}, {"404", 404}} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, config{})
			r, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			if err != nil {
				t.Fatal(err)
			}
			id := r.IDs[0]
			s2 := newSetup(t, config{wrap: func(rt http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(req *http.Request) (*http.Response, error) {
					if strings.Contains(req.URL.Path, id) {
						return &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {"application/json"}},
							Body: io.NopCloser(strings.NewReader(gone)), Request: req}, nil
					}
					return rt.RoundTrip(req)
				})
			}})
			if _, err := s2.a.Metrics(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) {
				t.Errorf("metrics = %v, want ErrDeletedRemotely", err)
			}
			if err := s2.a.Delete(t.Context(), r); err != nil {
				t.Errorf("delete of a gone post = %v, want nil", err)
			}
		})
	}
}
