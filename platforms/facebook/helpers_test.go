package facebook_test

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/facebook"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const mediaBase = "https://media.example.org/site/"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type setup struct {
	fake   *facebook.Fake
	a      *facebook.Facebook
	clock  *clock
	logs   *bytes.Buffer
	sleeps []time.Duration
}

type config struct {
	opts   facebook.FakeOptions
	values map[string]any
	env    map[string]string
	// noStore leaves the token store empty.
	noStore bool
}

func newSetup(t *testing.T, cfg config) *setup {
	t.Helper()
	c := &clock{t: start}
	if cfg.opts.Now == nil {
		cfg.opts.Now = c.Now
	}
	f := facebook.NewFake(t, cfg.opts)
	s := &setup{fake: f, clock: c, logs: &bytes.Buffer{}}
	tokens := &platforms.MemTokens{}
	if !cfg.noStore {
		tokens.Save(t.Context(), "page", &platforms.Token{AccessToken: f.PageToken(),
			Extra: map[string]string{facebook.ExtraPageID: f.PageID(), facebook.ExtraPageName: "Herald Test Page"}})
	}
	values := map[string]any{"media_base_url": mediaBase}
	for k, v := range cfg.values {
		values[k] = v
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"facebook": facebook.New})
	pub, err := reg.New(platforms.Settings{Account: "page", Platform: "facebook", BaseURL: f.APIURL(), Values: values,
		Getenv: func(k string) string { return cfg.env[k] }, HTTPClient: f.Client(), Now: c.Now, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	s.a = pub.(*facebook.Facebook)
	facebook.SetSleep(s.a, func(d time.Duration) { s.sleeps = append(s.sleeps, d); c.Add(d) })
	return s
}

// media is a file in memory.
func media(path, typ, alt string, data []byte) platforms.Media {
	return platforms.Media{Path: path, Type: typ, Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}
