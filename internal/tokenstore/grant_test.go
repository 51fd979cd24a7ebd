package tokenstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
)

// fakeAuth is an authorization server: /authorize checks the request
// (PKCE S256 included) and redirects the browser back with a code;
// /token checks the code, the redirect URI, the client's credentials and
// that the code_verifier hashes to the code_challenge sent for that code.
type fakeAuth struct {
	t   *testing.T
	srv *httptest.Server

	clientID, clientSecret string
	secretInBody           bool
	scope                  string

	// redirect changes the redirect's query (a forged state, a refusal).
	redirect func(q url.Values)
	// tokenStatus and tokenBody replace the token endpoint's answer.
	tokenStatus int
	tokenBody   string

	mu         sync.Mutex
	challenges map[string]string // code -> code_challenge
	redirects  map[string]string // code -> redirect_uri
	exchanged  int
}

func newFakeAuth(t *testing.T) *fakeAuth {
	f := &fakeAuth{t: t, clientID: "client-1", challenges: map[string]string{}, redirects: map[string]string{},
		scope: "tweet.read tweet.write offline.access"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", f.authorize)
	mux.HandleFunc("POST /oauth/token", f.token)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("fake auth: unexpected %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAuth) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := map[string]string{"response_type": "code", "client_id": f.clientID, "code_challenge_method": "S256", "scope": f.scope}
	for k, v := range want {
		if q.Get(k) != v {
			f.t.Errorf("authorize: %s = %q, want %q", k, q.Get(k), v)
		}
	}
	redirect := q.Get("redirect_uri")
	if !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, CallbackPath) {
		f.t.Errorf("authorize: redirect_uri %q is not a loopback callback", redirect)
	}
	if len(q.Get("state")) < 32 || len(q.Get("code_challenge")) != 43 {
		f.t.Errorf("authorize: state %q or code_challenge %q too short", q.Get("state"), q.Get("code_challenge"))
	}
	f.mu.Lock()
	code := "code-" + string(rune('a'+len(f.challenges)))
	f.challenges[code] = q.Get("code_challenge")
	f.redirects[code] = redirect
	f.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	if f.redirect != nil {
		f.redirect(back)
	}
	http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
}

func (f *fakeAuth) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.exchanged++
	f.mu.Unlock()
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("token: Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		f.t.Fatal(err)
	}
	fail := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	user, pass, basic := r.BasicAuth()
	switch {
	case f.clientSecret == "" && (basic || r.PostForm.Has("client_secret")):
		f.t.Errorf("token: a public client sent a secret")
	case f.clientSecret != "" && f.secretInBody && r.PostForm.Get("client_secret") != f.clientSecret:
		f.t.Errorf("token: client_secret not in the body")
		fail("invalid_client", "bad secret")
		return
	case f.clientSecret != "" && !f.secretInBody && (user != f.clientID || pass != f.clientSecret):
		f.t.Errorf("token: HTTP Basic = %q, %q, %v", user, pass, basic)
		fail("invalid_client", "bad secret")
		return
	}
	f.mu.Lock()
	code := r.PostForm.Get("code")
	challenge, known := f.challenges[code]
	redirect := f.redirects[code]
	delete(f.challenges, code)
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code":
		f.t.Errorf("token: grant_type %q", r.PostForm.Get("grant_type"))
	case r.PostForm.Get("client_id") != f.clientID:
		f.t.Errorf("token: client_id %q", r.PostForm.Get("client_id"))
	case !known:
		f.t.Errorf("token: unknown or reused code %q", code)
		fail("invalid_grant", "unknown code")
		return
	case r.PostForm.Get("redirect_uri") != redirect:
		f.t.Errorf("token: redirect_uri %q, authorized %q", r.PostForm.Get("redirect_uri"), redirect)
	case base64.RawURLEncoding.EncodeToString(sum[:]) != challenge:
		f.t.Errorf("token: code_verifier does not match the code_challenge")
		fail("invalid_grant", "PKCE verification failed")
		return
	}
	if f.tokenStatus != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.tokenStatus)
		io.WriteString(w, f.tokenBody)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	body := f.tokenBody
	if body == "" {
		body = `{"token_type":"bearer","access_token":"ACCESS-plaintext-1","refresh_token":"REFRESH-plaintext-1","expires_in":7200,"scope":"tweet.read tweet.write offline.access"}`
	}
	io.WriteString(w, body)
}

// browser plays the person's browser: it follows the authorization URL
// and its redirect to herald's loopback server, and returns what the
// loopback server answered.
type browser struct {
	mu     sync.Mutex
	status int
	body   string
	err    error
	done   chan struct{}
}

func (b *browser) open(authURL string) {
	go func() {
		defer close(b.done)
		resp, err := http.Get(authURL)
		b.mu.Lock()
		defer b.mu.Unlock()
		if err != nil {
			b.err = err
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		b.status, b.body = resp.StatusCode, string(data)
	}()
}

func TestGrant(t *testing.T) {
	now := func() time.Time { return t0 }
	tests := []struct {
		name  string
		setup func(f *fakeAuth, g *Grant)
		want  *platforms.Token
		// wantErr is in the error; wantPage in what the browser shows.
		wantErr, wantPage string
		wantExchanges     int
	}{
		{
			name: "confidential client with HTTP Basic",
			setup: func(f *fakeAuth, g *Grant) {
				f.clientSecret, g.ClientSecret = "SECRET-client-1", "SECRET-client-1"
			},
			want: &platforms.Token{AccessToken: "ACCESS-plaintext-1", RefreshToken: "REFRESH-plaintext-1",
				Expiry: t0.Add(2 * time.Hour), Scope: "tweet.read tweet.write offline.access"},
			wantPage: "You can close this window", wantExchanges: 1,
		},
		{
			name:  "public client",
			setup: func(f *fakeAuth, g *Grant) {},
			want: &platforms.Token{AccessToken: "ACCESS-plaintext-1", RefreshToken: "REFRESH-plaintext-1",
				Expiry: t0.Add(2 * time.Hour), Scope: "tweet.read tweet.write offline.access"},
			wantPage: "You can close this window", wantExchanges: 1,
		},
		{
			name: "secret in the body, refresh expiry and user id",
			setup: func(f *fakeAuth, g *Grant) {
				f.clientSecret, g.ClientSecret = "SECRET-client-1", "SECRET-client-1"
				f.secretInBody, g.SecretInBody = true, true
				f.tokenBody = `{"access_token":"ACCESS-plaintext-1","expires_in":5184000,"refresh_token":"REFRESH-plaintext-1","refresh_token_expires_in":31536000,"user_id":17841400000000001}`
			},
			want: &platforms.Token{AccessToken: "ACCESS-plaintext-1", RefreshToken: "REFRESH-plaintext-1",
				Expiry: t0.Add(60 * 24 * time.Hour), RefreshExpiry: t0.Add(365 * 24 * time.Hour),
				Extra: map[string]string{"user_id": "17841400000000001"}},
			wantPage: "You can close this window", wantExchanges: 1,
		},
		{
			name:    "forged state",
			setup:   func(f *fakeAuth, g *Grant) { f.redirect = func(q url.Values) { q.Set("state", "forged") } },
			wantErr: ErrStateMismatch.Error(), wantPage: "state does not match",
		},
		{
			name: "person refuses",
			setup: func(f *fakeAuth, g *Grant) {
				f.redirect = func(q url.Values) {
					q.Del("code")
					q.Set("error", "access_denied")
					q.Set("error_description", "The user denied the request")
				}
			},
			wantErr: "the authorization server refused: access_denied: The user denied the request", wantPage: "refused",
		},
		{
			name: "token endpoint refuses the exchange",
			setup: func(f *fakeAuth, g *Grant) {
				f.clientSecret, g.ClientSecret = "SECRET-client-1", "SECRET-client-1"
				f.tokenStatus = http.StatusBadRequest
				f.tokenBody = `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`
			},
			wantErr:  "exchange the code for a token: POST " + "{{server}}/oauth/token: 400 invalid_request: Value passed for the token was invalid.",
			wantPage: "You can close this window", wantExchanges: 1,
		},
		{
			name: "token endpoint answers without a token",
			setup: func(f *fakeAuth, g *Grant) {
				f.tokenBody = `{"token_type":"bearer"}`
			},
			wantErr: "the answer has no access_token", wantPage: "You can close this window", wantExchanges: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAuth(t)
			b := &browser{done: make(chan struct{})}
			g := &Grant{
				AuthURL: f.srv.URL + "/oauth/authorize", TokenURL: f.srv.URL + "/oauth/token",
				ClientID: f.clientID, Scopes: strings.Fields(f.scope), Listen: "127.0.0.1:0",
				Show: b.open, HTTPClient: f.srv.Client(), Now: now,
			}
			tt.setup(f, g)
			got, err := g.Run(t.Context())
			<-b.done
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "{{server}}", f.srv.URL)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("Run: err = %v, want it to contain %q", err, want)
				}
				for _, s := range []string{"SECRET-client", "code-a"} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error holds %q: %v", s, err)
					}
				}
			} else {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("token (-want +got):\n%s", diff)
				}
			}
			if b.err != nil || !strings.Contains(b.body, tt.wantPage) {
				t.Errorf("browser got %d %q (err %v), want a page containing %q", b.status, b.body, b.err, tt.wantPage)
			}
			if f.exchanged != tt.wantExchanges {
				t.Errorf("token endpoint called %d times, want %d", f.exchanged, tt.wantExchanges)
			}
		})
	}
}

func TestGrantRefusesNonLoopback(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:8787", "example.com:8787", "8787"} {
		t.Run(listen, func(t *testing.T) {
			g := &Grant{Listen: listen, Now: func() time.Time { return t0 }}
			if _, err := g.Run(t.Context()); err == nil {
				t.Fatal("Run listened on a non-loopback address")
			}
		})
	}
}

func TestGrantCancelled(t *testing.T) {
	ctx, cancel := contextWithCancel(t)
	g := &Grant{AuthURL: "http://127.0.0.1:1/authorize", TokenURL: "http://127.0.0.1:1/token", ClientID: "c",
		Listen: "127.0.0.1:0", Now: func() time.Time { return t0 }, Show: func(string) { cancel() }}
	_, err := g.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "waiting for the redirect") {
		t.Fatalf("Run: err = %v, want a wait that was cancelled", err)
	}
}

func TestExchange(t *testing.T) {
	var refuse bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		want := url.Values{"grant_type": {"th_exchange_token"}, "client_secret": {"SECRET-app"}, "access_token": {"ACCESS-plaintext-short"}}
		if r.Method != http.MethodGet || r.URL.Path != "/access_token" || !cmp.Equal(q, want) {
			t.Errorf("exchange: %s %s %v", r.Method, r.URL.Path, q)
		}
		w.Header().Set("Content-Type", "application/json")
		if refuse {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190}}`)
			return
		}
		io.WriteString(w, `{"access_token":"ACCESS-plaintext-long","token_type":"bearer","expires_in":5183944}`)
	}))
	defer srv.Close()
	g := &Grant{ClientSecret: "SECRET-app", HTTPClient: srv.Client(), Now: func() time.Time { return t0 }}
	short := &platforms.Token{AccessToken: "ACCESS-plaintext-short", Expiry: t0.Add(time.Hour), Extra: map[string]string{"user_id": "42"}}
	query := url.Values{"grant_type": {"th_exchange_token"}, "client_secret": {"SECRET-app"}, "access_token": {short.AccessToken}}

	t.Run("long-lived token", func(t *testing.T) {
		got, err := g.Exchange(t.Context(), srv.URL+"/access_token", query, short)
		if err != nil {
			t.Fatal(err)
		}
		want := &platforms.Token{AccessToken: "ACCESS-plaintext-long", Expiry: t0.Add(5183944 * time.Second), Extra: map[string]string{"user_id": "42"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("token (-want +got):\n%s", diff)
		}
	})
	t.Run("refused, secrets redacted", func(t *testing.T) {
		refuse = true
		_, err := g.Exchange(t.Context(), srv.URL+"/access_token", query, short)
		if err == nil || !strings.Contains(err.Error(), "OAuthException 190: Error validating access token") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "SECRET-app") || strings.Contains(err.Error(), "ACCESS-plaintext") {
			t.Errorf("error holds a secret: %v", err)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			t.Errorf("error is a transport error: %v", err)
		}
	})
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	return ctx, cancel
}
