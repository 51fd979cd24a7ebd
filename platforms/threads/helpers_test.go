package threads_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/threads"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// mediaBase is where the tests' repository files are "served".
const mediaBase = "https://media.example.org/site/"

// clock is a settable clock shared by an adapter and its fake.
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

// env maps environment variable names to values, for Settings.Getenv.
type env map[string]string

func (e env) Getenv(k string) string { return e[k] }

// setup is an adapter on a fake with a shared clock and captured logs.
type setup struct {
	fake   *threads.Fake
	a      *threads.Threads
	clock  *clock
	tokens *platforms.MemTokens
	logs   *bytes.Buffer
	sleeps []time.Duration
}

// config says how a test's adapter is built.
type config struct {
	opts   threads.FakeOptions
	values map[string]any
	env    env
	// stored is the token in the store; nil stores the fake's live token
	// valid for 50 more days, issued 10 days ago.
	stored *platforms.Token
	// noStore leaves the token store empty.
	noStore bool
	// wrap, when set, wraps the HTTP transport to the fake.
	wrap func(http.RoundTripper) http.RoundTripper
}

func newSetup(t *testing.T, cfg config) *setup {
	t.Helper()
	c := &clock{t: start}
	if cfg.opts.Now == nil {
		cfg.opts.Now = c.Now
	}
	f := threads.NewFake(t, cfg.opts)
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}, logs: &bytes.Buffer{}}
	if !cfg.noStore {
		tok := cfg.stored
		if tok == nil {
			tok = &platforms.Token{AccessToken: f.AccessToken(), Expiry: start.Add(50 * 24 * time.Hour),
				Extra: map[string]string{"issued_at": start.Add(-10 * 24 * time.Hour).Format(time.RFC3339)}}
		}
		if err := s.tokens.Save(t.Context(), "main", tok); err != nil {
			t.Fatal(err)
		}
		s.tokens.Saves = 0
	}
	values := map[string]any{"media_base_url": mediaBase, "auth_base_url": f.AuthURL()}
	for k, v := range cfg.values {
		if v == nil {
			delete(values, k)
			continue
		}
		values[k] = v
	}
	hc := f.Client()
	if cfg.wrap != nil {
		hc = &http.Client{Transport: cfg.wrap(hc.Transport)}
	}
	s.a = newAdapter(t, f, hc, c, s.tokens, values, cfg.env, s.logs)
	threads.SetSleep(s.a, func(d time.Duration) {
		s.sleeps = append(s.sleeps, d)
		c.Add(d)
	})
	return s
}

func newAdapter(t *testing.T, f *threads.Fake, hc *http.Client, c *clock, tokens platforms.TokenStore, values map[string]any, e env, logs io.Writer) *threads.Threads {
	t.Helper()
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"threads": threads.New})
	pub, err := reg.New(platforms.Settings{
		Account: "main", Platform: "threads", BaseURL: f.APIURL(), Values: values, Getenv: e.Getenv,
		HTTPClient: hc, Now: c.Now, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub.(*threads.Threads)
}
