package bluesky_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// movingClock is a clock tests advance.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movingClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func publishOne(t *testing.T, b *bluesky.Bluesky, key platforms.AttemptKey) error {
	t.Helper()
	_, err := b.Publish(t.Context(), platformtest.Payload(string(key), "post "+string(key)), key)
	return err
}

func stored(t *testing.T, tokens *platforms.MemTokens) *platforms.Token {
	t.Helper()
	tok, err := tokens.Load(t.Context(), "sky")
	if err != nil {
		t.Fatalf("no stored session: %v", err)
	}
	return tok
}

func TestSession(t *testing.T) {
	t.Run("a new session is saved with the DID and PDS", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		tokens := &platforms.MemTokens{}
		if err := publishOne(t, newAdapter(t, f, fixedNow, nil, tokens), "a"); err != nil {
			t.Fatal(err)
		}
		tok := stored(t, tokens)
		if diff := cmp.Diff(map[string]string{"did": f.DID(), "handle": f.AccountHandle(), "pds": f.URL(),
			"pds_endpoint": f.PDSEndpoint()}, tok.Extra); diff != "" {
			t.Errorf("token extra (-want +got):\n%s", diff)
		}
		if tok.AccessToken == "" || tok.RefreshToken == "" || !tok.Expiry.Equal(clock.Add(2*time.Hour)) || !tok.RefreshExpiry.Equal(clock.Add(90*24*time.Hour)) {
			t.Errorf("token = %+v, want both JWTs with their exp", tok)
		}
		if f.Sessions() != 1 || tokens.Saves != 1 {
			t.Errorf("sessions %d, saves %d; want 1 and 1", f.Sessions(), tokens.Saves)
		}
	})

	t.Run("a stored session is reused across runs", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		tokens := &platforms.MemTokens{}
		if err := publishOne(t, newAdapter(t, f, fixedNow, nil, tokens), "a"); err != nil {
			t.Fatal(err)
		}
		if err := publishOne(t, newAdapterEnv(t, f, fixedNow, nil, tokens, nil), "b"); err != nil {
			t.Fatalf("second run without the password: %v", err)
		}
		if f.Sessions() != 1 || f.Refreshes() != 0 {
			t.Errorf("sessions %d, refreshes %d; want 1 and 0", f.Sessions(), f.Refreshes())
		}
	})

	t.Run("ExpiredToken refreshes, and the rotated refresh token is saved", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		tokens := &platforms.MemTokens{}
		b := newAdapter(t, f, fixedNow, nil, tokens)
		if err := publishOne(t, b, "a"); err != nil {
			t.Fatal(err)
		}
		before := *stored(t, tokens)
		f.ExpireAccess()
		if err := publishOne(t, b, "b"); err != nil {
			t.Fatalf("publish after the access token expired: %v", err)
		}
		after := stored(t, tokens)
		if after.RefreshToken == before.RefreshToken || after.AccessToken == before.AccessToken {
			t.Error("the rotated tokens were not saved")
		}
		if f.Refreshes() != 1 || f.Sessions() != 1 || tokens.Saves != 2 {
			t.Errorf("refreshes %d, sessions %d, saves %d; want 1, 1, 2", f.Refreshes(), f.Sessions(), tokens.Saves)
		}
		// The next run starts from the saved refresh token: the spent one
		// would be refused.
		f.ExpireAccess()
		if err := publishOne(t, newAdapterEnv(t, f, fixedNow, nil, tokens, nil), "c"); err != nil {
			t.Fatalf("next run from the saved tokens: %v", err)
		}
		if f.Refreshes() != 2 || f.Sessions() != 1 {
			t.Errorf("refreshes %d, sessions %d; want 2 and 1", f.Refreshes(), f.Sessions())
		}
	})

	t.Run("a lapsed stored access token is refreshed before use", func(t *testing.T) {
		c := &movingClock{t: clock}
		f := bluesky.NewFake(t, bluesky.FakeOptions{Now: c.Now})
		tokens := &platforms.MemTokens{}
		if err := publishOne(t, newAdapter(t, f, c.Now, nil, tokens), "a"); err != nil {
			t.Fatal(err)
		}
		c.Advance(3 * time.Hour)
		if err := publishOne(t, newAdapterEnv(t, f, c.Now, nil, tokens, nil), "b"); err != nil {
			t.Fatal(err)
		}
		if f.Refreshes() != 1 || f.Sessions() != 1 || f.Violations() != nil {
			t.Errorf("refreshes %d, sessions %d, violations %v", f.Refreshes(), f.Sessions(), f.Violations())
		}
	})

	t.Run("an expired refresh token falls back to the app password", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		tokens := &platforms.MemTokens{}
		b := newAdapter(t, f, fixedNow, nil, tokens)
		if err := publishOne(t, b, "a"); err != nil {
			t.Fatal(err)
		}
		f.ExpireAccess()
		f.ExpireRefresh()
		if err := publishOne(t, b, "b"); err != nil {
			t.Fatal(err)
		}
		if f.Sessions() != 2 || f.Refreshes() != 0 {
			t.Errorf("sessions %d, refreshes %d; want 2 and 0", f.Sessions(), f.Refreshes())
		}
	})

	reconnect := []struct {
		name string
		env  map[string]string
	}{
		{"an expired refresh token and no password", nil},
		{"an expired refresh token and a revoked app password", map[string]string{passwordEnv: "revoked-app-password"}},
	}
	for _, tt := range reconnect {
		t.Run(tt.name+" needs a reconnect", func(t *testing.T) {
			f := bluesky.NewFake(t, bluesky.FakeOptions{})
			tokens := &platforms.MemTokens{}
			if err := publishOne(t, newAdapter(t, f, fixedNow, nil, tokens), "a"); err != nil {
				t.Fatal(err)
			}
			f.ExpireAccess()
			f.ExpireRefresh()
			err := publishOne(t, newAdapterEnv(t, f, fixedNow, nil, tokens, tt.env), "b")
			if !errors.Is(err, platforms.ErrNeedsReconnect) {
				t.Fatalf("err = %v, want ErrNeedsReconnect", err)
			}
			if !strings.Contains(err.Error(), "app password") {
				t.Errorf("error %q does not say what to do", err)
			}
			if platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Errorf("retryable %v, outcome %s; want false, not_created", platforms.IsRetryable(err), platforms.OutcomeOf(err))
			}
			if len(f.Posts()) != 1 {
				t.Errorf("fake holds %d posts, want the first run's 1", len(f.Posts()))
			}
		})
	}
}

// xrpcServer answers createSession and getRecord as a PDS does, and
// createRecord with the given status, body and headers: real error
// answers, byte for byte.
func xrpcServer(t *testing.T, status int, body string, header http.Header) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/xrpc/com.atproto.server.createSession":
			io.WriteString(w, `{"accessJwt":"acc-`+accessTok+`","refreshJwt":"ref-`+refreshTok+`","handle":"herald.test","did":"did:plc:x","active":true}`)
		case "/xrpc/com.atproto.repo.getRecord":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"RecordNotFound","message":"Could not locate record: at://did:plc:x/app.bsky.feed.post/`+r.URL.Query().Get("rkey")+`"}`)
		case "/xrpc/com.atproto.repo.createRecord":
			for k, vs := range header {
				w.Header()[k] = vs
			}
			w.WriteHeader(status)
			io.WriteString(w, strings.ReplaceAll(body, "{auth}", r.Header.Get("Authorization")))
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotImplemented)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

const (
	accessTok  = "eyJhY2Nlc3MiOnRydWV9.c2VjcmV0LWFjY2Vzcw"
	refreshTok = "eyJyZWZyZXNoIjp0cnVlfQ.c2VjcmV0LXJlZnJlc2g"
)

func rawAdapter(t *testing.T, srv *httptest.Server, logs *bytes.Buffer) *bluesky.Bluesky {
	t.Helper()
	b, err := bluesky.NewBluesky(platforms.Settings{Account: "sky", Platform: "bluesky", BaseURL: srv.URL,
		Values:     map[string]any{"handle": "herald.test", "password_env": passwordEnv, "appview_url": srv.URL},
		Getenv:     func(k string) string { return map[string]string{passwordEnv: password}[k] },
		HTTPClient: srv.Client(), Logger: logTo(logs), Now: fixedNow, Tokens: &platforms.MemTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestErrorMapping(t *testing.T) {
	reset := strconv.FormatInt(clock.Add(120*time.Second).Unix(), 10)
	tests := []struct {
		name      string
		status    int
		body      string
		header    http.Header
		code      string
		retryable bool
		outcome   platforms.Outcome
		wait      time.Duration
	}{
		{"text too long", 400, `{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"}`,
			nil, "InvalidRequest", false, platforms.NotCreated, 0},
		{"rate limited, reset in epoch seconds", 429, `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`,
			http.Header{"Ratelimit-Limit": {"5000"}, "Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {reset}, "Ratelimit-Policy": {"5000;w=3600"}},
			"RateLimitExceeded", true, platforms.NotCreated, 120 * time.Second},
		{"authentication required", 401, `{"error":"AuthenticationRequired","message":"Authentication Required"}`,
			nil, "AuthenticationRequired", false, platforms.NotCreated, 0},
		{"taken down", 400, `{"error":"AccountTakedown","message":"Account has been taken down"}`,
			nil, "AccountTakedown", false, platforms.NotCreated, 0},
		{"internal error, no record under the key", 500, `{"error":"InternalServerError","message":"Internal Server Error"}`,
			nil, "InternalServerError", true, platforms.NotCreated, 0},
		{"upstream failure, no record under the key", 502, `{"error":"UpstreamFailure","message":"Upstream Failure"}`,
			nil, "UpstreamFailure", true, platforms.NotCreated, 0},
		{"not XRPC", 503, "<html>Service Unavailable</html>", nil, "", true, platforms.NotCreated, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			b := rawAdapter(t, xrpcServer(t, tt.status, tt.body, tt.header), &logs)
			err := publishOne(t, b, "a")
			var ae *platforms.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			got := []any{ae.Status, ae.Code, platforms.IsRetryable(err), platforms.OutcomeOf(err), ae.RetryAfter}
			want := []any{tt.status, tt.code, tt.retryable, tt.outcome, tt.wait}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status, code, retryable, outcome, wait (-want +got):\n%s\nerr: %v", diff, err)
			}
		})
	}
}

func TestSecretsNeverShow(t *testing.T) {
	secrets := []string{password, accessTok, refreshTok}
	check := func(t *testing.T, err error, logs *bytes.Buffer) {
		t.Helper()
		text := logs.String()
		if err != nil {
			text += err.Error()
			var ae *platforms.APIError
			if errors.As(err, &ae) {
				text += ae.Message
			}
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("secret %q shows in:\n%s", s, text)
			}
		}
	}
	t.Run("a PDS echoing the token", func(t *testing.T) {
		var logs bytes.Buffer
		b := rawAdapter(t, xrpcServer(t, 400, `{"error":"InvalidRequest","message":"bad header {auth}"}`, nil), &logs)
		err := publishOne(t, b, "a")
		if err == nil || !strings.Contains(err.Error(), "REDACTED") {
			t.Fatalf("err = %v, want the echoed token redacted", err)
		}
		check(t, err, &logs)
	})
	t.Run("a refused password", func(t *testing.T) {
		var logs bytes.Buffer
		f := bluesky.NewFake(t, bluesky.FakeOptions{Password: "the-real-password"})
		b := newAdapterEnv(t, f, fixedNow, logTo(&logs), &platforms.MemTokens{}, map[string]string{passwordEnv: password})
		err := publishOne(t, b, "a")
		if !errors.Is(err, platforms.ErrNeedsReconnect) {
			t.Fatalf("err = %v, want ErrNeedsReconnect", err)
		}
		check(t, err, &logs)
	})
	t.Run("a refresh after ExpiredToken", func(t *testing.T) {
		var logs bytes.Buffer
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		tokens := &platforms.MemTokens{}
		b := newAdapter(t, f, fixedNow, logTo(&logs), tokens)
		if err := publishOne(t, b, "a"); err != nil {
			t.Fatal(err)
		}
		tok := stored(t, tokens)
		secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
		f.ExpireAccess()
		if err := publishOne(t, b, "b"); err != nil {
			t.Fatal(err)
		}
		f.Inject(platformtest.Fault{Kind: platformtest.Unauthorized})
		err := publishOne(t, b, "c")
		if err == nil {
			t.Fatal("publish under a 401 succeeded")
		}
		tok = stored(t, tokens)
		secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
		check(t, err, &logs)
		if !strings.Contains(logs.String(), "refreshSession") {
			t.Errorf("the logs show no refresh:\n%s", logs.String())
		}
	})
}

// TestFakeRejects checks the fake answers what the PDS answers to
// requests herald's adapter never sends.
func TestFakeRejects(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	post := func(path, auth string, body any) (int, map[string]string) {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	_, sess := post("/xrpc/com.atproto.server.createSession", "", map[string]string{"identifier": "herald.test", "password": "fake-app-pass-word"})
	tok := sess["accessJwt"]
	rec := func(text string) map[string]any {
		return map[string]any{"repo": f.DID(), "collection": "app.bsky.feed.post", "rkey": "3kaaaaaaaaaaa",
			"record": map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-03-01T09:00:00.000Z"}}
	}
	tests := []struct {
		name       string
		auth       string
		body       any
		wantStatus int
		wantError  string
	}{
		{"no token", "", rec("hi"), 401, "AuthMissing"},
		{"unknown token", "nope", rec("hi"), 400, "InvalidToken"},
		{"301 graphemes", tok, rec(strings.Repeat("é", 301)), 400, "InvalidRequest"},
		{"3001 bytes", tok, rec(strings.Repeat("日", 100) + strings.Repeat("x", 2701)), 400, "InvalidRequest"},
		{"another repo", tok, map[string]any{"repo": "did:plc:someoneelse", "collection": "app.bsky.feed.post",
			"record": map[string]any{"$type": "app.bsky.feed.post", "text": "x", "createdAt": "2026-03-01T09:00:00.000Z"}}, 401, "AuthenticationRequired"},
		{"created", tok, rec("hi"), 200, ""},
		{"the same record key again", tok, rec("hi again"), 500, "InternalServerError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post("/xrpc/com.atproto.repo.createRecord", tt.auth, tt.body)
			if status != tt.wantStatus || out["error"] != tt.wantError {
				t.Errorf("answer %d %v, want %d %s", status, out, tt.wantStatus, tt.wantError)
			}
		})
	}
	if n := len(f.Posts()); n != 1 {
		t.Errorf("fake holds %d posts, want 1", n)
	}
}
