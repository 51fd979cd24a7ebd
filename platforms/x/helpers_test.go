package x_test

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/x"
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

// oauth2Values are the settings of an OAuth 2.0 account whose secrets are
// in env.
var oauth2Values = map[string]any{
	"client_id_env": "X_CLIENT_ID", "access_token_env": "X_ACCESS_TOKEN", "refresh_token_env": "X_REFRESH_TOKEN",
}

// setup is an adapter on a fake with a shared clock and captured logs.
type setup struct {
	fake   *x.Fake
	x      *x.X
	clock  *clock
	tokens *platforms.MemTokens
	logs   *bytes.Buffer
}

// newSetup builds an OAuth 2.0 adapter whose token store holds the fake's
// live token, valid for two hours.
func newSetup(t *testing.T, opts x.FakeOptions, values map[string]any, e env) *setup {
	t.Helper()
	c := &clock{t: start}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	f := x.NewFake(t, opts)
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}, logs: &bytes.Buffer{}}
	if values == nil {
		values = oauth2Values
		if e == nil {
			e = env{"X_CLIENT_ID": "herald-client"}
		}
		if err := s.tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: f.AccessToken(), RefreshToken: f.RefreshToken(), Expiry: start.Add(2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		s.tokens.Saves = 0
	}
	s.x = newAdapter(t, f, c, s.tokens, values, e, s.logs)
	return s
}

func newAdapter(t *testing.T, f *x.Fake, c *clock, tokens platforms.TokenStore, values map[string]any, e env, logs io.Writer) *x.X {
	t.Helper()
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"x": x.New})
	pub, err := reg.New(platforms.Settings{
		Account: "main", Platform: "x", BaseURL: f.URL(), Values: values, Getenv: e.Getenv,
		HTTPClient: f.Client(), Now: c.Now, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub.(*x.X)
}
