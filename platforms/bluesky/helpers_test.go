package bluesky_test

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
)

const (
	passwordEnv = "BLUESKY_APP_PASSWORD"
	password    = "fake-app-pass-word"
)

var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

// newAdapter builds the adapter through a registry, as herald does, for
// the account on f.
func newAdapter(t *testing.T, f *bluesky.Fake, now func() time.Time, log *slog.Logger, tokens platforms.TokenStore) *bluesky.Bluesky {
	t.Helper()
	return newAdapterEnv(t, f, now, log, tokens, map[string]string{passwordEnv: password})
}

func newAdapterEnv(t *testing.T, f *bluesky.Fake, now func() time.Time, log *slog.Logger, tokens platforms.TokenStore, env map[string]string) *bluesky.Bluesky {
	t.Helper()
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"bluesky": bluesky.New})
	pub, err := reg.New(platforms.Settings{
		Account: "sky", Platform: "bluesky", BaseURL: f.URL(),
		Values: map[string]any{"handle": f.AccountHandle(), "password_env": passwordEnv, "appview_url": f.AppViewURL(),
			"video_service": f.VideoServiceURL()},
		Getenv: func(k string) string { return env[k] }, HTTPClient: f.Client(), Logger: log, Now: now, Tokens: tokens,
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub.(*bluesky.Bluesky)
}

// logTo returns a debug logger writing into buf.
func logTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
