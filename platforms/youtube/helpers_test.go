package youtube_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/youtube"
)

var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// setup is an adapter pointed at a fresh fake.
type setup struct {
	fake   *youtube.Fake
	yt     *youtube.YouTube
	tokens *platforms.MemTokens
	sent   *counter
}

// counter counts the body bytes of upload PUTs, so that a test can tell
// a resumed upload from one sent again from the start.
type counter struct {
	next http.RoundTripper
	mu   sync.Mutex
	puts int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		c.mu.Lock()
		c.puts += int64(len(b))
		c.mu.Unlock()
	}
	return c.next.RoundTrip(r)
}

func (c *counter) sentBytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.puts
}

func newSetup(t *testing.T, opts youtube.FakeOptions, values map[string]any) *setup {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return clock }
	}
	f := youtube.NewFake(t, opts)
	env := map[string]string{"YT_TOKEN": f.AccessToken(), "YT_REFRESH": f.RefreshToken(),
		"YT_CLIENT_ID": "herald-client", "YT_CLIENT_SECRET": "herald-client-secret"}
	vals := map[string]any{"access_token_env": "YT_TOKEN", "refresh_token_env": "YT_REFRESH",
		"client_id_env": "YT_CLIENT_ID", "client_secret_env": "YT_CLIENT_SECRET", "token_url": f.TokenURL()}
	for k, v := range values {
		if v == nil {
			delete(vals, k)
			continue
		}
		vals[k] = v
	}
	hc := f.Client()
	cnt := &counter{next: hc.Transport}
	hc.Transport = cnt
	tokens := &platforms.MemTokens{}
	y, err := youtube.NewYouTube(platforms.Settings{Account: "channel", Platform: youtube.Name, BaseURL: f.URL(), Values: vals,
		Getenv: func(k string) string { return env[k] }, HTTPClient: hc, Now: opts.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	youtube.NoSleep(y)
	return &setup{fake: f, yt: y, tokens: tokens, sent: cnt}
}

// videoBytes is n bytes of a recognisable pattern.
func videoBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
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
