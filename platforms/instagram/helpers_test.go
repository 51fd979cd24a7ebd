package instagram_test

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/instagram"
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
	fake   *instagram.Fake
	a      *instagram.Instagram
	clock  *clock
	tokens *platforms.MemTokens
	logs   *bytes.Buffer
	sleeps []time.Duration
}

type config struct {
	opts   instagram.FakeOptions
	values map[string]any
	env    map[string]string
	// stored is the token kept; nil keeps the fake's live token, valid 50
	// more days, issued 10 days ago.
	stored  *platforms.Token
	noStore bool
}

func newSetup(t *testing.T, cfg config) *setup {
	t.Helper()
	c := &clock{t: start}
	if cfg.opts.Now == nil {
		cfg.opts.Now = c.Now
	}
	f := instagram.NewFake(t, cfg.opts)
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}, logs: &bytes.Buffer{}}
	if !cfg.noStore {
		tok := cfg.stored
		if tok == nil {
			tok = &platforms.Token{AccessToken: f.AccessToken(), Expiry: start.Add(50 * 24 * time.Hour),
				Extra: map[string]string{"issued_at": start.Add(-10 * 24 * time.Hour).Format(time.RFC3339)}}
		}
		s.tokens.Save(t.Context(), "ig", tok)
		s.tokens.Saves = 0
	}
	values := map[string]any{"media_base_url": mediaBase, "auth_base_url": f.AuthURL()}
	for k, v := range cfg.values {
		values[k] = v
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"instagram": instagram.New})
	pub, err := reg.New(platforms.Settings{Account: "ig", Platform: "instagram", BaseURL: f.APIURL(), Values: values,
		Getenv: func(k string) string { return cfg.env[k] }, HTTPClient: f.Client(), Now: c.Now, Tokens: s.tokens,
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	s.a = pub.(*instagram.Instagram)
	instagram.SetSleep(s.a, func(d time.Duration) { s.sleeps = append(s.sleeps, d); c.Add(d) })
	return s
}

func media(path, typ, alt string) platforms.Media {
	data := []byte("\xff\xd8\xff\xe0 media of " + path)
	return platforms.Media{Path: path, Type: typ, Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}
