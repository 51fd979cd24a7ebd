package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/internal/tokenstore"
	"github.com/heraldhq/herald/platforms/pinterest"
	"github.com/heraldhq/herald/platforms/reddit"
)

// authorizer is an authorization endpoint that checks the query and
// sends the browser back with a code.
func authorizer(t *testing.T, check func(q url.Values)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		check(q)
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"the-code"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// connect runs herald auth ACCOUNT on a repository holding config, with
// env, and returns stdout.
func connect(t *testing.T, config, account string, env map[string]string) string {
	t.Helper()
	remote := gittest.Bare(t, t.TempDir(), "content")
	gittest.Seed(t, remote, nil, map[string]string{"herald.yaml": config})
	dir := gittest.Clone(t, remote, nil)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	env["HERALD_AGE_KEY"], env["HERALD_NOW"] = id.String(), "2026-11-21T15:04:05Z"
	out := &browserOut{}
	var stderr bytes.Buffer
	code := run(t.Context(), []string{"auth", "--repo", dir, "--listen", "127.0.0.1:0", account}, nil, out, &stderr, func(k string) string { return env[k] })
	out.wg.Wait()
	if code != 0 {
		t.Fatalf("herald auth %s: exit %d\nstdout:\n%s\nstderr:\n%s", account, code, out.buf.String(), stderr.String())
	}
	root, err := os.OpenRoot(dir)
	if err == nil {
		defer root.Close()
		if tok, err := tokenstore.New(tokenstore.Options{Root: root, Getenv: func(k string) string { return env[k] }}).Load(t.Context(), account); err == nil {
			out.buf.WriteString("\nstored: access " + tok.AccessToken + ", refresh " + tok.RefreshToken + ", refresh expiry " + tok.RefreshExpiry.Format(time.RFC3339) + "\n")
		}
	}
	return out.buf.String()
}

func TestAuthPinterest(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	f := pinterest.NewFake(t, pinterest.FakeOptions{Now: func() time.Time { return now }})
	auth := authorizer(t, func(q url.Values) {
		if q.Get("scope") != "boards:read,pins:read,pins:write,user_accounts:read" || q.Get("client_id") != f.ClientID() || q.Get("response_type") != "code" {
			t.Errorf("authorize: %v", q)
		}
	})
	out := connect(t, "accounts:\n  pinterest:\n    board_id: \""+f.Board()+"\"\n    auth_url: "+auth.URL+"/oauth/\n    token_url: "+f.TokenURL()+
		"\n    client_id_env: PIN_ID\n    client_secret_env: PIN_SECRET\n", "pinterest",
		map[string]string{"PIN_ID": f.ClientID(), "PIN_SECRET": f.ClientSecret()})
	for _, want := range []string{"Connected pinterest: the access token expires 2026-12-21 15:04 UTC, refreshed by herald apply until 2027-01-20 15:04 UTC.",
		"stored: access pina-1, refresh pinr-1, refresh expiry 2027-01-20T15:04:05Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, f.ClientSecret()) {
		t.Error("the client secret is in the output")
	}
}

func TestAuthRedditInstalledApp(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	f := reddit.NewFake(t, reddit.FakeOptions{Now: func() time.Time { return now }})
	auth := authorizer(t, func(q url.Values) {
		if q.Get("duration") != "permanent" || q.Get("scope") != "identity submit edit read history flair" || q.Get("client_id") != f.ClientID() {
			t.Errorf("authorize: %v", q)
		}
	})
	out := connect(t, "accounts:\n  reddit:\n    username: heraldbot\n    auth_url: "+auth.URL+"/api/v1/authorize\n    token_url: "+f.TokenURL()+
		"\n    client_id_env: RD_ID\n", "reddit", map[string]string{"RD_ID": f.ClientID()})
	if !strings.Contains(out, "Connected reddit: the access token expires 2026-11-22 15:04 UTC, refreshed by herald apply.") ||
		!strings.Contains(out, "stored: access rd-access-1, refresh rd-refresh-0") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestAuthRedditScript(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	f := reddit.NewFake(t, reddit.FakeOptions{Now: func() time.Time { return now }, Password: "correct horse", ClientSecret: "rd-script-secret"})
	out := connect(t, "accounts:\n  reddit:\n    username: heraldbot\n    base_url: "+f.URL()+"\n    token_url: "+f.TokenURL()+
		"\n    client_id_env: RD_ID\n    client_secret_env: RD_SECRET\n    password_env: RD_PASSWORD\n", "reddit",
		map[string]string{"RD_ID": f.ClientID(), "RD_SECRET": "rd-script-secret", "RD_PASSWORD": "correct horse"})
	if !strings.Contains(out, "Verified u/heraldbot (a script app logs in with its password at every run: nothing to keep).") || strings.Contains(out, "stored:") {
		t.Errorf("stdout:\n%s", out)
	}
}
