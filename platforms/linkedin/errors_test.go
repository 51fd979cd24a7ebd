package linkedin_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/platformtest"
)

const liveToken = "li-live-access-token-9f8e7d"

// answer is what a stub LinkedIn answers to POST /rest/posts.
type answer struct {
	status int
	header map[string]string
	body   string
}

// stub is a one-route server that answers POST /rest/posts as given, for
// error bodies the fake has no reason to produce.
func stub(t *testing.T, a answer, author string) *linkedin.LinkedIn {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/rest/posts" || r.Header.Get("Authorization") != "Bearer "+liveToken {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		}
		io.Copy(io.Discard, r.Body)
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	tokens := &platforms.MemTokens{}
	tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: liveToken, Expiry: start.Add(time.Hour)})
	li, err := linkedin.NewLinkedIn(platforms.Settings{Account: "main", Platform: "linkedin", BaseURL: srv.URL + "/rest",
		Values: map[string]any{"author": author}, Getenv: env{}.Getenv, HTTPClient: srv.Client(),
		Now: func() time.Time { return start }, Tokens: tokens, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return li
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		answer     answer
		author     string
		status     int
		code       string
		outcome    platforms.Outcome
		retryable  bool
		retryAfter time.Duration
		reconnect  bool
		says       string
	}{
		{"invalid token", answer{401, nil, `{"status":401,"serviceErrorCode":65600,"code":"INVALID_ACCESS_TOKEN","message":"Invalid access token"}`},
			"urn:li:person:1", 401, "INVALID_ACCESS_TOKEN", platforms.NotCreated, false, 0, true, "LinkedIn tokens last 60 days; run herald auth linkedin"},
		{"expired token", answer{401, nil, `{"status":401,"serviceErrorCode":65601,"code":"EXPIRED_ACCESS_TOKEN","message":"The token used in the request has expired"}`},
			"urn:li:person:1", 401, "EXPIRED_ACCESS_TOKEN", platforms.NotCreated, false, 0, true, "has expired"},
		{"member lacks permission", answer{403, nil, `{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.CREATE.20240501"}`},
			"urn:li:person:1", 403, "ACCESS_DENIED", platforms.NotCreated, false, 0, false, "needs w_member_social"},
		{"page role missing", answer{403, nil, `{"status":403,"serviceErrorCode":100,"message":"Not enough permissions to access: partnerApiPostsExternal.CREATE.20240501"}`},
			"urn:li:organization:2", 403, "100", platforms.NotCreated, false, 0, false, "w_organization_social"},
		{"validation", answer{422, nil, `{"message":"ERROR :: /commentary :: field is required but not found and has no default value\n","status":422}`},
			"urn:li:person:1", 422, "", platforms.NotCreated, false, 0, false, "/commentary"},
		{"daily quota, no headers", answer{429, nil, `{"status":429,"message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}`},
			"urn:li:person:1", 429, "", platforms.NotCreated, true, 15 * time.Hour, false, "reset at midnight UTC"},
		{"429 with Retry-After is honoured", answer{429, map[string]string{"Retry-After": "60"}, `{"status":429,"message":"Too Many Requests"}`},
			"urn:li:person:1", 429, "", platforms.NotCreated, true, time.Minute, false, "midnight UTC"},
		{"server error", answer{500, nil, `{"message":"Internal Server Error","status":500}`},
			"urn:li:person:1", 500, "", platforms.Unknown, true, 0, false, "Internal Server Error"},
		{"gateway timeout", answer{504, nil, `<html>Gateway Timeout</html>`},
			"urn:li:person:1", 504, "", platforms.Unknown, true, 0, false, "Gateway Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			li := stub(t, tt.answer, tt.author)
			_, err := li.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			var ae *platforms.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if ae.Status != tt.status || ae.Code != tt.code || ae.Outcome != tt.outcome || ae.RetryAfter != tt.retryAfter {
				t.Errorf("APIError status %d code %q outcome %s retry after %v; want %d %q %s %v",
					ae.Status, ae.Code, ae.Outcome, ae.RetryAfter, tt.status, tt.code, tt.outcome, tt.retryAfter)
			}
			if got := platforms.IsRetryable(err); got != tt.retryable {
				t.Errorf("retryable = %v, want %v", got, tt.retryable)
			}
			if got := errors.Is(err, platforms.ErrNeedsReconnect); got != tt.reconnect {
				t.Errorf("needs reconnect = %v, want %v", got, tt.reconnect)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestCreatedWithoutRestliID(t *testing.T) {
	li := stub(t, answer{201, nil, ""}, "urn:li:person:1")
	_, err := li.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
	if platforms.OutcomeOf(err) != platforms.Unknown {
		t.Errorf("err = %v, outcome %s; want unknown, so that Find names the post", err, platforms.OutcomeOf(err))
	}
}

func TestFakeDailyQuota(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	s.fake.ExhaustQuota()
	_, err := s.li.Publish(t.Context(), platformtest.Payload("q", "Over quota"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != 15*time.Hour || ae.Outcome != platforms.NotCreated {
		t.Fatalf("err = %v, want a not_created 429 waiting 15h until midnight UTC", err)
	}
	if len(s.fake.Posts()) != 0 {
		t.Errorf("posts = %v, want none", s.fake.Posts())
	}
	if _, err := s.li.Publish(t.Context(), platformtest.Payload("q", "Over quota"), "k"); err != nil {
		t.Errorf("after the quota: %v", err)
	}
}

func TestNoRateLimitReporter(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	var pub platforms.Publisher = s.li
	if _, ok := pub.(platforms.RateLimitReporter); ok {
		t.Error("LinkedIn sends no rate-limit headers; the adapter must not claim to report them")
	}
}

func TestFakeEnforcesVersionHeaders(t *testing.T) {
	tests := []struct {
		name    string
		version string
	}{
		{"old version", "202401"},
		{"version with revision", "202605.01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			f := linkedin.NewFake(t, linkedin.FakeOptions{Now: c.Now})
			f.ExpectViolations()
			tokens := &platforms.MemTokens{}
			tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: f.AccessToken(), Expiry: start.Add(day)})
			li := newAdapter(t, f, c.Now, tokens, values(f, map[string]any{"version": tt.version}), env{}, &bytes.Buffer{})
			_, err := li.Publish(t.Context(), platformtest.Payload("v", "Versioned"), "k")
			if err == nil || len(f.Violations()) != 1 || !strings.Contains(f.Violations()[0], "LinkedIn-Version") {
				t.Errorf("publish = %v, violations %q; want the version header refused", err, f.Violations())
			}
		})
	}
}
