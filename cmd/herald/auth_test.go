package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/internal/tokenstore"
	"github.com/heraldhq/herald/platforms"
)

// browserOut is herald's stdout that plays the person: when herald prints
// the authorization address, it follows it, and the redirect to herald's
// loopback server, as a browser would.
type browserOut struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen bool
	wg   sync.WaitGroup
}

var authLine = regexp.MustCompile(`(?m)^  (http://\S+)$`)

func (b *browserOut) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if m := authLine.FindStringSubmatch(b.buf.String()); m != nil && !b.seen {
		b.seen = true
		b.wg.Go(func() {
			if resp, err := http.Get(m[1]); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	return len(p), nil
}

// TestAuthX connects an X account end to end: herald auth, a fake X
// authorization server and token endpoint, the browser, and the token
// committed encrypted and pushed.
func TestAuthX(t *testing.T) {
	var mu sync.Mutex
	challenge := ""
	mux := http.NewServeMux()
	mux.HandleFunc("GET /i/oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("scope") != "tweet.read tweet.write users.read media.write offline.access" || q.Get("client_id") != "x-client" {
			t.Errorf("authorize: %v", q)
		}
		mu.Lock()
		challenge = q.Get("code_challenge")
		mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"x-code"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /2/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
		mu.Lock()
		ok := base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
		mu.Unlock()
		if user != "x-client" || pass != "x-secret-value" || r.FormValue("code") != "x-code" || !ok {
			t.Errorf("token: user %q, code %q, PKCE ok %v", user, r.FormValue("code"), ok)
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"token_type":"bearer","expires_in":7200,"access_token":"ACCESS-x-plain","refresh_token":"REFRESH-x-plain","scope":"tweet.write offline.access"}`)
	})
	fake := httptest.NewServer(mux)
	defer fake.Close()

	remote := gittest.Bare(t, t.TempDir(), "content")
	gittest.Seed(t, remote, nil, map[string]string{
		"herald.yaml": "accounts:\n  x:\n    base_url: " + fake.URL + "/2\n    auth_url: " + fake.URL + "/i/oauth2/authorize\n" +
			"    client_id_env: X_CLIENT_ID\n    client_secret_env: X_CLIENT_SECRET\n",
	})
	dir := gittest.Clone(t, remote, nil)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HERALD_AGE_KEY": id.String(), "X_CLIENT_ID": "x-client", "X_CLIENT_SECRET": "x-secret-value",
		"HERALD_NOW": "2026-11-21T15:04:05Z"}
	out := &browserOut{}
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"auth", "--repo", dir, "--listen", "127.0.0.1:0", "--push", "x"}, nil, out, &stderr,
		func(k string) string { return env[k] })
	out.wg.Wait()
	if code != 0 {
		t.Fatalf("herald auth x: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.buf.String(), stderr.String())
	}
	for _, s := range []string{"ACCESS-x-plain", "REFRESH-x-plain", "x-secret-value", id.String()} {
		if strings.Contains(out.buf.String()+stderr.String(), s) {
			t.Errorf("output holds %q", s)
		}
	}
	if !strings.Contains(out.buf.String(), "Connected x: the access token expires 2026-11-21 17:04 UTC, refreshed by herald apply.") {
		t.Errorf("stdout:\n%s", out.buf.String())
	}

	// The pushed commit holds the token; a fresh checkout decrypts it.
	fresh := gittest.Clone(t, remote, nil)
	info, err := os.Stat(filepath.Join(dir, ".herald", "tokens", "x.age"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	root, err := os.OpenRoot(fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got, err := tokenstore.New(tokenstore.Options{Root: root, Getenv: func(k string) string { return env[k] }}).Load(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := &platforms.Token{AccessToken: "ACCESS-x-plain", RefreshToken: "REFRESH-x-plain",
		Expiry: time.Date(2026, 11, 21, 17, 4, 5, 0, time.UTC), Scope: "tweet.write offline.access"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pushed token (-want +got):\n%s", diff)
	}
}
