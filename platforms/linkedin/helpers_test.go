package linkedin_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

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

// partnerEnv holds a partner app's client credentials.
var partnerEnv = env{"LI_CLIENT_ID": "herald-client", "LI_CLIENT_SECRET": "herald-client-secret"}

// values are an account's settings on f, with extra keys merged in.
func values(f *linkedin.Fake, extra map[string]any) map[string]any {
	v := map[string]any{"author": f.Author(), "token_url": f.TokenURL(), "access_token_env": "LI_ACCESS_TOKEN",
		"refresh_token_env": "LI_REFRESH_TOKEN", "client_id_env": "LI_CLIENT_ID", "client_secret_env": "LI_CLIENT_SECRET"}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// setup is an adapter on a fake with a shared clock and captured logs.
type setup struct {
	fake   *linkedin.Fake
	li     *linkedin.LinkedIn
	clock  *clock
	tokens *platforms.MemTokens
	logs   *bytes.Buffer
}

// newSetup builds an adapter whose token store holds the fake's live
// token with its 60-day expiry.
func newSetup(t *testing.T, opts linkedin.FakeOptions) *setup {
	t.Helper()
	c := &clock{t: start}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	f := linkedin.NewFake(t, opts)
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}, logs: &bytes.Buffer{}}
	if err := s.tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: f.AccessToken(), Expiry: start.Add(60 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s.tokens.Saves = 0
	s.li = newAdapter(t, f, c.Now, s.tokens, values(f, nil), partnerEnv, s.logs)
	return s
}

func newAdapter(t *testing.T, f *linkedin.Fake, now func() time.Time, tokens platforms.TokenStore, v map[string]any, e env, logs io.Writer) *linkedin.LinkedIn {
	t.Helper()
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"linkedin": linkedin.New})
	pub, err := reg.New(platforms.Settings{
		Account: "main", Platform: "linkedin", BaseURL: f.URL(), Values: v, Getenv: e.Getenv,
		HTTPClient: f.Client(), Now: now, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	li := pub.(*linkedin.LinkedIn)
	linkedin.SetSleep(li, func(context.Context, time.Duration) error { return nil })
	return li
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
