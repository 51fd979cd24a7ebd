package reddit_test

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/reddit"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

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

type setup struct {
	fake   *reddit.Fake
	rd     *reddit.Reddit
	clock  *clock
	tokens *platforms.MemTokens
	logs   *bytes.Buffer
}

// newSetup builds an adapter on a fake. stored, when true, puts the
// fake's tokens in the store as herald auth would (an installed app);
// extra settings are merged in.
func newSetup(t *testing.T, opts reddit.FakeOptions, stored bool, extra map[string]any, e env) *setup {
	t.Helper()
	c := &clock{t: start}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	f := reddit.NewFake(t, opts)
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}, logs: &bytes.Buffer{}}
	if stored {
		if err := s.tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: f.AccessToken(), RefreshToken: f.RefreshToken(),
			Expiry: opts.Now().Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		s.tokens.Saves = 0
	}
	v := map[string]any{"username": f.Username(), "subreddit": "heraldtest", "token_url": f.TokenURL(), "client_id_env": "RD_CLIENT_ID"}
	for k, x := range extra {
		v[k] = x
	}
	ev := env{"RD_CLIENT_ID": f.ClientID()}
	for k, x := range e {
		ev[k] = x
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"reddit": reddit.New})
	pub, err := reg.New(platforms.Settings{Account: "main", Platform: "reddit", BaseURL: f.URL(), Values: v, Getenv: ev.Getenv,
		HTTPClient: f.Client(), Now: opts.Now, Tokens: s.tokens,
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	s.rd = pub.(*reddit.Reddit)
	return s
}
