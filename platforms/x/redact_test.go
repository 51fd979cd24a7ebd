package x_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

// TestSecretsNeverLeak drives every path that handles a credential against
// a server that echoes the request's Authorization header and body into
// its error answers, and requires that no error and no log line carries a
// token, a refresh token, a client secret or an OAuth 1.0a secret.
func TestSecretsNeverLeak(t *testing.T) {
	const (
		access       = "acc3ss-token-value-1234"
		refresh      = "r3fresh-token-value-5678"
		clientSecret = "cl1ent-secret-value-9012"
	)
	secrets := []string{access, refresh, clientSecret, oauth1Creds.ConsumerSecret, oauth1Creds.TokenSecret, oauth1Creds.Token,
		base64.StdEncoding.EncodeToString([]byte("herald-client:" + clientSecret))}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		body.ReadFrom(r.Body)
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"bad credentials ` +
			strings.ReplaceAll(r.Header.Get("Authorization"), `"`, `'`) + " " + body.String() + `"}`))
	}))
	defer echo.Close()

	tests := []struct {
		name   string
		values map[string]any
		env    env
		token  *platforms.Token
	}{
		{"bearer token echoed", oauth2Values, env{"X_CLIENT_ID": "herald-client"},
			&platforms.Token{AccessToken: access, RefreshToken: refresh, Expiry: start.Add(time.Hour)}},
		{"refresh request echoed", map[string]any{"client_id_env": "X_CLIENT_ID", "client_secret_env": "X_CLIENT_SECRET"},
			env{"X_CLIENT_ID": "herald-client", "X_CLIENT_SECRET": clientSecret},
			&platforms.Token{AccessToken: access, RefreshToken: refresh, Expiry: start.Add(-time.Hour)}},
		{"oauth 1.0a header echoed", map[string]any{"consumer_key_env": "X_CK", "consumer_secret_env": "X_CS",
			"access_token_env": "X_AT", "access_token_secret_env": "X_ATS"},
			env{"X_CK": oauth1Creds.ConsumerKey, "X_CS": oauth1Creds.ConsumerSecret, "X_AT": oauth1Creds.Token, "X_ATS": oauth1Creds.TokenSecret}, nil},
		{"environment token echoed, then refresh echoed", oauth2Values,
			env{"X_CLIENT_ID": "herald-client", "X_ACCESS_TOKEN": access, "X_REFRESH_TOKEN": refresh}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens := &platforms.MemTokens{}
			if tt.token != nil {
				tokens.Save(t.Context(), "main", tt.token)
			}
			var logs bytes.Buffer
			a, err := x.NewX(platforms.Settings{Account: "main", Platform: "x", BaseURL: echo.URL + "/2", Values: tt.values,
				Getenv: tt.env.Getenv, HTTPClient: echo.Client(), Now: func() time.Time { return start }, Tokens: tokens,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			_, err = a.Publish(t.Context(), platformtest.WithImage(platformtest.Payload("p", "Hello"), "alt"), "k")
			texts = append(texts, errText(err))
			_, err = a.Find(t.Context(), platformtest.Payload("p", "Hello"), platforms.Attempt{Key: "k"})
			texts = append(texts, errText(err))
			_, err = a.Metrics(t.Context(), &platforms.Receipt{IDs: []string{"1"}})
			texts = append(texts, errText(err))
			err = a.Delete(t.Context(), &platforms.Receipt{IDs: []string{"1"}})
			texts = append(texts, errText(err), logs.String())
			all := strings.Join(texts, "\n")
			if !strings.Contains(all, "REDACTED") && !strings.Contains(all, "bad credentials") {
				t.Fatalf("the echo server's answer never surfaced; the test proves nothing:\n%s", all)
			}
			for _, s := range secrets {
				if strings.Contains(all, s) {
					t.Errorf("secret %q leaked:\n%s", s, all)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
