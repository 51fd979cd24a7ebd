package pinterest_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/pinterest"
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

type env map[string]string

func (e env) Getenv(k string) string { return e[k] }

// setup is an adapter on a fake with a shared clock and captured logs.
type setup struct {
	fake   *pinterest.Fake
	pin    *pinterest.Pinterest
	clock  *clock
	tokens *platforms.MemTokens
	logs   *bytes.Buffer
}

// newSetup builds an adapter whose token store holds the fake's tokens
// with their expiries, and the fake's board.
func newSetup(t *testing.T, opts pinterest.FakeOptions, extra map[string]any) *setup {
	t.Helper()
	c := &clock{t: start}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	f := pinterest.NewFake(t, opts)
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}, logs: &bytes.Buffer{}}
	tok := &platforms.Token{AccessToken: f.AccessToken(), RefreshToken: f.RefreshToken(),
		Expiry: opts.Now().Add(30 * 24 * time.Hour), RefreshExpiry: opts.Now().Add(60 * 24 * time.Hour)}
	if err := s.tokens.Save(t.Context(), "main", tok); err != nil {
		t.Fatal(err)
	}
	s.tokens.Saves = 0
	v := map[string]any{"board_id": f.Board(), "token_url": f.TokenURL(), "client_id_env": "PIN_CLIENT_ID",
		"client_secret_env": "PIN_CLIENT_SECRET", "access_token_env": "PIN_ACCESS_TOKEN",
		"default_image_url": "https://cdn.example.com/brand/card.png"}
	for k, x := range extra {
		v[k] = x
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"pinterest": pinterest.New})
	pub, err := reg.New(platforms.Settings{Account: "main", Platform: "pinterest", BaseURL: f.URL(), Values: v,
		Getenv:     env{"PIN_CLIENT_ID": f.ClientID(), "PIN_CLIENT_SECRET": f.ClientSecret()}.Getenv,
		HTTPClient: f.Client(), Now: opts.Now, Tokens: s.tokens,
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	s.pin = pub.(*pinterest.Pinterest)
	pinterest.SetSleep(s.pin, func(context.Context, time.Duration) error { c.Add(2 * time.Second); return nil })
	return s
}
