package tiktok_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/tiktok"
)

var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type setup struct {
	fake   *tiktok.Fake
	tt     *tiktok.TikTok
	tokens *platforms.MemTokens
}

func newSetup(t *testing.T, opts tiktok.FakeOptions, values map[string]any) *setup {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return clock }
	}
	f := tiktok.NewFake(t, opts)
	env := map[string]string{"TT_TOKEN": f.AccessToken(), "TT_REFRESH": f.RefreshToken(),
		"TT_CLIENT_KEY": "herald-client-key", "TT_CLIENT_SECRET": "herald-client-secret"}
	vals := map[string]any{"access_token_env": "TT_TOKEN", "refresh_token_env": "TT_REFRESH",
		"client_key_env": "TT_CLIENT_KEY", "client_secret_env": "TT_CLIENT_SECRET"}
	for k, v := range values {
		if v == nil {
			delete(vals, k)
			continue
		}
		vals[k] = v
	}
	tokens := &platforms.MemTokens{}
	tt, err := tiktok.NewTikTok(platforms.Settings{Account: "creator", Platform: tiktok.Name, BaseURL: f.URL(), Values: vals,
		Getenv: func(k string) string { return env[k] }, HTTPClient: f.Client(), Now: opts.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	tiktok.NoSleep(tt)
	return &setup{fake: f, tt: tt, tokens: tokens}
}

func videoBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + i/241)
	}
	return b
}

func withVideo(p *platforms.Payload, data []byte) *platforms.Payload {
	p.Media = append(p.Media, platforms.Media{Path: "posts/clip.mp4", Type: "video/mp4", Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	return p
}

// hasVideo reports whether p carries a video already.
func hasVideo(p *platforms.Payload) bool {
	for _, m := range p.Media {
		if strings.HasPrefix(m.Type, "video/") {
			return true
		}
	}
	return false
}
