package linkedin_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// TestSecretsNeverLeak drives every path that handles a credential
// against a server that echoes the request's Authorization header and
// body into its error answers, and requires that no error and no log
// line carries the access token, the refresh token, the client secret or
// the signature of an upload URL.
func TestSecretsNeverLeak(t *testing.T) {
	const (
		access       = "acc3ss-token-value-1234"
		refresh      = "r3fresh-token-value-5678"
		clientSecret = "cl1ent-secret-value-9012"
		uploadSig    = "AQJupl0adSignature77"
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("action") == "initializeUpload" {
			// Hand out an upload URL on a closed port, so that the PUT
			// fails with the URL in the transport error.
			fmt.Fprintf(w, `{"value":{"uploadUrl":"http://%s/dms-uploads/1?m=%s","image":"urn:li:image:1"}}`, closed, uploadSig)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"status":401,"message":"bad credentials %s %s"}`, strings.ReplaceAll(r.Header.Get("Authorization"), `"`, `'`), body)
	}))
	defer echo.Close()

	tests := []struct {
		name  string
		token *platforms.Token
		env   env
		// upload says the image upload gets as far as the PUT.
		upload bool
	}{
		{"stored token echoed", &platforms.Token{AccessToken: access, RefreshToken: refresh, Expiry: start.Add(time.Hour)}, env{}, true},
		{"refresh request echoed", &platforms.Token{AccessToken: access, RefreshToken: refresh, Expiry: start.Add(-time.Hour)},
			env{"LI_CLIENT_ID": "herald-client", "LI_CLIENT_SECRET": clientSecret}, false},
		{"environment token echoed, then the refresh", nil,
			env{"LI_ACCESS_TOKEN": access, "LI_REFRESH_TOKEN": refresh, "LI_CLIENT_ID": "herald-client", "LI_CLIENT_SECRET": clientSecret}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens := &platforms.MemTokens{}
			if tt.token != nil {
				tokens.Save(t.Context(), "main", tt.token)
			}
			var logs bytes.Buffer
			settings := func(author string) platforms.Settings {
				return platforms.Settings{Account: "main", Platform: "linkedin", BaseURL: echo.URL + "/rest",
					Values: map[string]any{"author": author, "token_url": echo.URL + "/oauth/v2/accessToken",
						"access_token_env": "LI_ACCESS_TOKEN", "refresh_token_env": "LI_REFRESH_TOKEN",
						"client_id_env": "LI_CLIENT_ID", "client_secret_env": "LI_CLIENT_SECRET"},
					Getenv: tt.env.Getenv, HTTPClient: echo.Client(), Now: func() time.Time { return start }, Tokens: tokens,
					Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			}
			var texts []string
			for _, author := range []string{"urn:li:person:1", "urn:li:organization:2"} {
				li, err := linkedin.NewLinkedIn(settings(author))
				if err != nil {
					t.Fatal(err)
				}
				r := &platforms.Receipt{IDs: []string{"urn:li:share:1"}}
				_, err = li.Publish(t.Context(), platformtest.WithImage(platformtest.Payload("p", "Hello"), "alt"), "k")
				texts = append(texts, errText(err))
				_, err = li.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
				texts = append(texts, errText(err))
				_, err = li.Find(t.Context(), platformtest.Payload("p", "Hello"), platforms.Attempt{Key: "k"})
				texts = append(texts, errText(err))
				_, err = li.Metrics(t.Context(), r)
				texts = append(texts, errText(err))
				_, err = li.Update(t.Context(), r, platformtest.Payload("p", "Hello again"))
				texts = append(texts, errText(err), errText(li.Delete(t.Context(), r)))
			}
			all := strings.Join(append(texts, logs.String()), "\n")
			if !strings.Contains(all, "bad credentials") || tt.upload != strings.Contains(all, "dms-uploads") {
				t.Fatalf("the echo server's answers never surfaced; the test proves nothing:\n%s", all)
			}
			for _, s := range []string{access, refresh, clientSecret, uploadSig} {
				if strings.Contains(all, s) {
					t.Errorf("secret %q leaked:\n%s", s, all)
				}
			}
		})
	}
}
