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
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/instagram"
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

// TestAuthFacebook connects a Facebook Page: Facebook Login, the
// long-lived user token, the Pages listed, and only the chosen Page's
// token kept, with its ID, encrypted.
func TestAuthFacebook(t *testing.T) {
	f := facebook.NewFake(t, facebook.FakeOptions{OtherPages: map[string]string{"105000000000002": "Another Page"}})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dialog/oauth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("scope") != "pages_show_list,pages_read_engagement,pages_manage_posts,read_insights" || q.Get("client_id") != "fb-app" {
			t.Errorf("authorize: %v", q)
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {facebook.FakeCode}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	dialog := httptest.NewServer(mux)
	defer dialog.Close()
	connect := func(pageID string) (int, string, string) {
		remote := gittest.Bare(t, t.TempDir(), "content")
		cfg := "accounts:\n  facebook:\n    base_url: " + f.APIURL() + "\n    auth_url: " + dialog.URL + "/dialog/oauth\n" +
			"    client_id_env: FB_APP_ID\n    client_secret_env: FB_APP_SECRET\n"
		if pageID != "" {
			cfg += "    page_id: \"" + pageID + "\"\n"
		}
		gittest.Seed(t, remote, nil, map[string]string{"herald.yaml": cfg})
		dir := gittest.Clone(t, remote, nil)
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"HERALD_AGE_KEY": id.String(), "FB_APP_ID": "fb-app", "FB_APP_SECRET": "fb-secret-value",
			"HERALD_NOW": "2026-11-21T15:04:05Z"}
		out := &browserOut{}
		var stderr bytes.Buffer
		code := run(t.Context(), []string{"auth", "--repo", dir, "--listen", "127.0.0.1:0", "facebook"}, nil, out, &stderr,
			func(k string) string { return env[k] })
		out.wg.Wait()
		for _, s := range []string{f.PageToken(), "user-token-0", "user-token-long", "fb-secret-value"} {
			if strings.Contains(out.buf.String()+stderr.String(), s) {
				t.Errorf("output holds %q", s)
			}
		}
		if code == 0 {
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			got, err := tokenstore.New(tokenstore.Options{Root: root, Getenv: func(k string) string { return env[k] }}).Load(t.Context(), "facebook")
			if err != nil {
				t.Fatal(err)
			}
			want := &platforms.Token{AccessToken: f.PageToken(), Scope: got.Scope,
				Extra: map[string]string{facebook.ExtraPageID: f.PageID(), facebook.ExtraPageName: "Herald Test Page"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("kept token (-want +got):\n%s", diff)
			}
		}
		return code, out.buf.String(), stderr.String()
	}

	// Two Pages and no page_id: herald lists them and asks for one.
	code, stdout, stderr := connect("")
	if code == 0 || !strings.Contains(stdout, "Pages you manage:\n    104000000000001  Herald Test Page\n    105000000000002  Another Page\n") ||
		!strings.Contains(stderr, "set page_id on the account to one of the IDs listed above") {
		t.Errorf("without page_id: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// page_id chooses one: its token is kept.
	code, stdout, stderr = connect(f.PageID())
	if code != 0 || !strings.Contains(stdout, "  * 104000000000001  Herald Test Page\n") ||
		!strings.Contains(stdout, "Connected facebook: the access token has no expiry") {
		t.Errorf("with page_id: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestAuthInstagram connects an Instagram account: Business Login, the
// code exchanged for a one-hour token and the account's user ID, then the
// 60-day token kept with that ID.
func TestAuthInstagram(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	f := instagram.NewFake(t, instagram.FakeOptions{Now: func() time.Time { return now }})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("scope") != "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights" {
			t.Errorf("authorize: %v", q)
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"ig-code"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("code") != "ig-code" || r.FormValue("client_secret") != "ig-secret-value" {
			http.Error(w, `{"error_type":"OAuthException","code":400,"error_message":"Invalid code"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"ig-short-token","user_id":17841400000000002,"permissions":["instagram_business_basic"]}`)
	})
	login := httptest.NewServer(mux)
	defer login.Close()
	remote := gittest.Bare(t, t.TempDir(), "content")
	gittest.Seed(t, remote, nil, map[string]string{"herald.yaml": "accounts:\n  instagram:\n    auth_url: " + login.URL + "/oauth/authorize\n" +
		"    token_url: " + login.URL + "/oauth/access_token\n    auth_base_url: " + f.AuthURL() + "\n" +
		"    client_id_env: IG_APP_ID\n    client_secret_env: IG_APP_SECRET\n"})
	dir := gittest.Clone(t, remote, nil)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HERALD_AGE_KEY": id.String(), "IG_APP_ID": "ig-app", "IG_APP_SECRET": "ig-secret-value", "HERALD_NOW": "2026-11-21T15:04:05Z"}
	out := &browserOut{}
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"auth", "--repo", dir, "--listen", "127.0.0.1:0", "instagram"}, nil, out, &stderr,
		func(k string) string { return env[k] })
	out.wg.Wait()
	if code != 0 || !strings.Contains(out.buf.String(), "Connected instagram: the access token expires 2027-01-20 15:04 UTC") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.buf.String(), stderr.String())
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got, err := tokenstore.New(tokenstore.Options{Root: root, Getenv: func(k string) string { return env[k] }}).Load(t.Context(), "instagram")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != f.AccessToken() || got.Extra["user_id"] != f.UserID() {
		t.Errorf("kept token for %q with user_id %q; want the long-lived token and %s", got.AccessToken, got.Extra["user_id"], f.UserID())
	}
}
