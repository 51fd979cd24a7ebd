package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/internal/tokenstore"
	"github.com/heraldhq/herald/platforms"
)

// TestAuthVideoPlatforms connects a YouTube and a TikTok account through
// fake authorization servers: Google's offline access and consent
// prompt, TikTok's client_key and refresh_expires_in.
func TestAuthVideoPlatforms(t *testing.T) {
	for _, c := range []struct {
		platform, idEnv string
		authQuery       map[string]string
		tokenForm       map[string]string
		answer          string
		want            platforms.Token
	}{
		{
			platform: "youtube", idEnv: "client_id_env",
			authQuery: map[string]string{"client_id": "the-client", "access_type": "offline", "prompt": "consent",
				"scope": "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube", "response_type": "code"},
			tokenForm: map[string]string{"client_id": "the-client", "client_secret": "the-secret", "grant_type": "authorization_code"},
			answer:    `{"access_token":"ACCESS-yt","expires_in":3599,"refresh_token":"REFRESH-yt","scope":"https://www.googleapis.com/auth/youtube","token_type":"Bearer"}`,
			want: platforms.Token{AccessToken: "ACCESS-yt", RefreshToken: "REFRESH-yt", Scope: "https://www.googleapis.com/auth/youtube",
				Expiry: time.Date(2026, 11, 21, 16, 4, 4, 0, time.UTC)},
		},
		{
			platform: "tiktok", idEnv: "client_key_env",
			authQuery: map[string]string{"client_key": "the-client", "scope": "user.info.basic,video.publish,video.upload,video.list", "response_type": "code"},
			tokenForm: map[string]string{"client_key": "the-client", "client_secret": "the-secret", "grant_type": "authorization_code"},
			answer:    `{"access_token":"ACCESS-tt","expires_in":7200,"open_id":"o1","refresh_expires_in":15552000,"refresh_token":"REFRESH-tt","scope":"video.publish","token_type":"Bearer"}`,
			want: platforms.Token{AccessToken: "ACCESS-tt", RefreshToken: "REFRESH-tt", Scope: "video.publish",
				Expiry: time.Date(2026, 11, 21, 17, 4, 5, 0, time.UTC), RefreshExpiry: time.Date(2027, 5, 20, 15, 4, 5, 0, time.UTC)},
		},
	} {
		t.Run(c.platform, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				for k, v := range c.authQuery {
					if q.Get(k) != v {
						t.Errorf("authorize: %s = %q, want %q", k, q.Get(k), v)
					}
				}
				if q.Get("code_challenge") == "" {
					t.Error("authorize: no PKCE code_challenge")
				}
				http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"the-code"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
			})
			mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range c.tokenForm {
					if r.FormValue(k) != v {
						t.Errorf("token: %s = %q, want %q", k, r.FormValue(k), v)
					}
				}
				if r.FormValue("code_verifier") == "" || r.FormValue("code") != "the-code" {
					t.Error("token: no code or code_verifier")
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, c.answer)
			})
			fake := httptest.NewServer(mux)
			defer fake.Close()
			remote := gittest.Bare(t, t.TempDir(), "content")
			gittest.Seed(t, remote, nil, map[string]string{
				"herald.yaml": "accounts:\n  main:\n    platform: " + c.platform + "\n    auth_url: " + fake.URL + "/authorize\n    token_url: " + fake.URL + "/token\n" +
					"    " + c.idEnv + ": CLIENT_ID\n    client_secret_env: CLIENT_SECRET\n",
			})
			dir := gittest.Clone(t, remote, nil)
			id, err := age.GenerateX25519Identity()
			if err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"HERALD_AGE_KEY": id.String(), "CLIENT_ID": "the-client", "CLIENT_SECRET": "the-secret",
				"HERALD_NOW": "2026-11-21T15:04:05Z"}
			out := &browserOut{}
			var stderr bytes.Buffer
			code := run(t.Context(), []string{"auth", "--repo", dir, "--listen", "127.0.0.1:0", "main"}, nil, out, &stderr,
				func(k string) string { return env[k] })
			out.wg.Wait()
			if code != 0 {
				t.Fatalf("herald auth: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.buf.String(), stderr.String())
			}
			if strings.Contains(out.buf.String()+stderr.String(), "REFRESH-") || strings.Contains(out.buf.String()+stderr.String(), "the-secret") {
				t.Errorf("output holds a secret:\n%s%s", out.buf.String(), stderr.String())
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			got, err := tokenstore.New(tokenstore.Options{Root: root, Getenv: func(k string) string { return env[k] }}).Load(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&c.want, got); diff != "" {
				t.Errorf("kept token (-want +got):\n%s", diff)
			}
		})
	}
}
