package x_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

const liveToken = "x-live-access-token-9f8e7d"

// answer is what a stub X answers to POST /2/tweets.
type answer struct {
	status int
	header map[string]string
	body   string
}

// stub is a one-route server that answers POST /2/tweets as given, for
// error bodies the fake has no reason to produce.
func stub(t *testing.T, a answer) *x.X {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/2/tweets" || r.Header.Get("Authorization") != "Bearer "+liveToken {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		}
		io.Copy(io.Discard, r.Body)
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	tokens := &platforms.MemTokens{}
	tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: liveToken, Expiry: start.Add(time.Hour)})
	a2, err := x.NewX(platforms.Settings{Account: "main", Platform: "x", BaseURL: srv.URL + "/2", Values: oauth2Values,
		Getenv: env{}.Getenv, HTTPClient: srv.Client(), Now: func() time.Time { return start }, Tokens: tokens,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return a2
}

func TestErrorMapping(t *testing.T) {
	reset := strconv.FormatInt(start.Add(45*time.Second).Unix(), 10)
	tests := []struct {
		name       string
		answer     answer
		status     int
		code       string
		outcome    platforms.Outcome
		retryable  bool
		retryAfter time.Duration
		says       string
	}{
		{"duplicate content", answer{403, nil, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`},
			403, "duplicate-content", platforms.Unknown, false, 0, "may have gone through"},
		{"credits depleted", answer{402, nil, `{"type":"https://api.twitter.com/2/problems/credits","title":"CreditsDepleted","detail":"Your enrolled account does not have any credits to fulfill this request."}`},
			402, "credits", platforms.NotCreated, false, 0, "add credits"},
		{"client not enrolled", answer{403, nil, `{"client_id":"12262375","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`},
			403, "client-not-enrolled", platforms.NotCreated, false, 0, "attach the app to a Project"},
		{"unsupported authentication", answer{403, nil, `{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}`},
			403, "unsupported-authentication", platforms.NotCreated, false, 0, "not an app-only bearer token"},
		{"unauthorized", answer{401, nil, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`},
			401, "Unauthorized", platforms.NotCreated, false, 0, "refused the credentials"},
		{"rate limited, reset in epoch seconds", answer{429, map[string]string{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset},
			`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`},
			429, "Too Many Requests", platforms.NotCreated, true, 45 * time.Second, "Too Many Requests"},
		{"rate limited, v1.1 body", answer{429, map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}, `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`},
			429, "88", platforms.NotCreated, true, 45 * time.Second, "Rate limit exceeded"},
		{"usage capped", answer{429, nil, `{"title":"UsageCapped","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","status":429}`},
			429, "usage-capped", platforms.NotCreated, true, 0, "Monthly product cap"},
		{"text too long", answer{400, nil, `{"title":"Invalid Request","detail":"One or more parameters to your request was invalid: Tweet text is too long.","type":"https://api.twitter.com/2/problems/invalid-request"}`},
			400, "invalid-request", platforms.NotCreated, false, 0, "too long"},
		{"server error", answer{503, nil, `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`},
			503, "Service Unavailable", platforms.Unknown, true, 0, "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := stub(t, tt.answer)
			r, err := a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			if r != nil {
				t.Errorf("receipt %+v for a refused post", r)
			}
			var ae *platforms.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if ae.Status != tt.status || ae.Code != tt.code || ae.Outcome != tt.outcome || ae.RetryAfter != tt.retryAfter {
				t.Errorf("APIError{Status %d, Code %q, Outcome %s, RetryAfter %s}, want {%d, %q, %s, %s}",
					ae.Status, ae.Code, ae.Outcome, ae.RetryAfter, tt.status, tt.code, tt.outcome, tt.retryAfter)
			}
			if got := platforms.IsRetryable(err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestRefreshErrorBodies(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		reconnect bool
	}{
		{"invalid_grant", 400, `{"error":"invalid_grant","error_description":"Value passed for the token was invalid."}`, true},
		{"spent token as invalid_request", 400, `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`, true},
		{"missing client id is not the token's fault", 400, `{"error":"invalid_request","error_description":"Missing required parameter [client_id]."}`, false},
		{"token endpoint down", 503, `{"title":"Service Unavailable","type":"about:blank","status":503}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/2/oauth2/token" {
					t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			tokens := &platforms.MemTokens{}
			tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: "old-access-token", RefreshToken: "old-refresh-token", Expiry: start.Add(-time.Hour)})
			a, err := x.NewX(platforms.Settings{Account: "main", Platform: "x", BaseURL: srv.URL + "/2", Values: oauth2Values,
				Getenv: env{"X_CLIENT_ID": "herald-client"}.Getenv, HTTPClient: srv.Client(), Now: func() time.Time { return start }, Tokens: tokens})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			if got := errors.Is(err, platforms.ErrNeedsReconnect); got != tt.reconnect {
				t.Errorf("ErrNeedsReconnect = %v, want %v: %v", got, tt.reconnect, err)
			}
			if platforms.OutcomeOf(err) == platforms.Created {
				t.Errorf("outcome created for a refresh failure: %v", err)
			}
			if strings.Contains(err.Error(), "old-refresh-token") {
				t.Errorf("error carries the refresh token: %v", err)
			}
		})
	}
}
