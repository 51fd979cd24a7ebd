package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const token = "tok-5up3r-s3cret"

func TestDoSendsRequest(t *testing.T) {
	type got struct {
		Method, Path, Query, UA, Auth, Version, ContentType, Accept string
		Body                                                        map[string]any
	}
	var seen got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = got{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, UA: r.UserAgent(),
			Auth: r.Header.Get("Authorization"), Version: r.Header.Get("X-Api-Version"),
			ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept")}
		if err := json.NewDecoder(r.Body).Decode(&seen.Body); err != nil {
			t.Errorf("decode body: %v", err)
		}
		w.Header().Set("X-RateLimit-Remaining", "41")
		w.Header().Set("X-RateLimit-Limit", "42")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"7"}`)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/api/v1", HTTP: srv.Client(), UserAgent: "herald/test",
		Header: http.Header{"Authorization": {"Bearer " + token}}, Now: func() time.Time { return now }}
	var out struct{ ID string }
	resp, err := c.DoJSON(t.Context(), Request{Method: "POST", Path: "statuses?a=1", Query: map[string][]string{"b": {"2"}},
		Header: http.Header{"X-Api-Version": {"2026-01"}}, JSON: map[string]any{"status": "héllo"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := got{Method: "POST", Path: "/api/v1/statuses", Query: "a=1&b=2", UA: "herald/test", Auth: "Bearer " + token,
		Version: "2026-01", ContentType: "application/json", Accept: "application/json", Body: map[string]any{"status": "héllo"}}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if out.ID != "7" || resp.Status != 201 {
		t.Errorf("response = %d %+v", resp.Status, out)
	}
	if diff := cmp.Diff(RateLimit{Limit: 42, Remaining: 41}, resp.RateLimit); diff != "" {
		t.Errorf("rate limit (-want +got):\n%s", diff)
	}
}

func TestDoRefusesAbsolutePath(t *testing.T) {
	c := &Client{BaseURL: "http://127.0.0.1:1/api"}
	_, err := c.Do(t.Context(), Request{Method: "GET", Path: "https://evil.example/steal"})
	if err == nil || !strings.Contains(err.Error(), "absolute URL") {
		t.Fatalf("err = %v, want an absolute URL refusal", err)
	}
}

func TestStatusError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":"rate_limited","error_description":"slow down"}`)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client(), Now: func() time.Time { return now },
		ErrorMessage: func(status int, body []byte) (string, string) {
			var e struct {
				Error            string `json:"error"`
				ErrorDescription string `json:"error_description"`
			}
			json.Unmarshal(body, &e)
			return e.Error, e.ErrorDescription
		}}
	_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/statuses", JSON: map[string]string{}})
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *StatusError", err)
	}
	if se.Status != 429 || se.Code != "rate_limited" || se.Message != "slow down" || se.RetryAfter != 30*time.Second {
		t.Errorf("StatusError = %+v", se)
	}
	if want := "POST " + srv.URL + "/statuses: 429 rate_limited: slow down"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

// closedAddr returns an address on which nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestTransportErrorWritten(t *testing.T) {
	// hang reads the whole request, then never answers until the client
	// gives up: the platform may have acted on it.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)

	tests := []struct {
		name        string
		base        string
		wantWritten bool
		wantTimeout bool
	}{
		{"server hangs after reading the body", hang.URL, true, true},
		{"closed port", "http://" + closedAddr(t), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{BaseURL: tt.base, Timeout: 200 * time.Millisecond}
			_, err := c.Do(t.Context(), Request{Method: "POST", Path: "/statuses", JSON: map[string]string{"status": "hi"}})
			var te *TransportError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TransportError", err)
			}
			if te.RequestWritten() != tt.wantWritten {
				t.Errorf("RequestWritten = %v, want %v (err %v)", te.RequestWritten(), tt.wantWritten, err)
			}
			if te.Timeout() != tt.wantTimeout {
				t.Errorf("Timeout = %v, want %v (err %v)", te.Timeout(), tt.wantTimeout, err)
			}
		})
	}
}

func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	// echo answers 401 with the request's secrets in the body, as some
	// platforms do with the token they rejected.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "bad token "+r.Header.Get("Authorization")+" for "+r.URL.String())
	}))
	defer echo.Close()
	const appSecret = "app-s3cret/with+chars"

	tests := []struct {
		name string
		base string
		path string
	}{
		{"token in header echoed in body", echo.URL, "/me"},
		{"token in query, status error", echo.URL, "/me?access_token=" + token},
		{"token in query, transport error", "http://" + closedAddr(t), "/me?access_token=" + token},
		{"registered secret in unknown query key", "http://" + closedAddr(t), "/me?proof=" + url.QueryEscape(appSecret)},
		{"registered secret in path", echo.URL, "/keys/" + appSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c := &Client{BaseURL: tt.base, Timeout: time.Second,
				Header: http.Header{"Authorization": {"Bearer " + token}},
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			c.Redact.Add(appSecret)
			_, err := c.Do(t.Context(), Request{Method: "GET", Path: tt.path})
			if err == nil {
				t.Fatal("Do succeeded; want an error")
			}
			var se *StatusError
			body := ""
			if errors.As(err, &se) {
				body = string(se.Body) + se.Message + se.URL
			}
			for _, where := range []struct{ name, text string }{{"error", err.Error()}, {"status error", body}, {"logs", logs.String()}} {
				for _, secret := range []string{token, appSecret, "app-s3cret"} {
					if strings.Contains(where.text, secret) {
						t.Errorf("%s holds secret %q: %s", where.name, secret, where.text)
					}
				}
			}
			if !strings.Contains(err.Error()+logs.String(), Redacted) {
				t.Errorf("nothing was marked %s; error %q", Redacted, err)
			}
		})
	}
}

func TestRedactorURL(t *testing.T) {
	var r Redactor
	r.Add("abc", "longsecret") // "abc" is too short to redact safely
	u := mustParse(t, "https://user:pw@graph.example/v1/me?access_token=t0k&fields=id,abc&key=k&x=longsecret")
	want := "https://REDACTED@graph.example/v1/me?access_token=REDACTED&fields=id%2Cabc&key=REDACTED&x=REDACTED"
	if got := r.URL(u); got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
