package tiktok_test

import (
	"context"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/tiktok"
)

// withClip is the adapter as the suite sees it: the suite's posts are
// text, and a TikTok post is a video, so every payload it hands over
// gets the same short clip. The text becomes the caption, which the fake
// reads back as the post's text.
type withClip struct{ t *tiktok.TikTok }

var clip = videoBytes(64 << 10)

// add gives p the clip unless it already carries a video (the suite's
// own video case, whose file must be the one that arrives).
func (w withClip) add(p *platforms.Payload) *platforms.Payload {
	if hasVideo(p) {
		return p
	}
	return withVideo(p.Clone(), clip)
}

func (w withClip) Prepare(p *platforms.Payload) (*platforms.Payload, error) { return w.t.Prepare(p) }
func (w withClip) Name() string                                             { return w.t.Name() }
func (w withClip) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	return w.t.Publish(ctx, w.add(p), key)
}
func (w withClip) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	return w.t.Find(ctx, w.add(p), a)
}
func (w withClip) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	return w.t.Metrics(ctx, r)
}

const caps = platforms.CapPrepare | platforms.CapFind | platforms.CapMetrics

func TestConformance(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{}, nil)
	if got := platforms.Capabilities(s.tt); got != caps {
		t.Fatalf("adapter capabilities %s, want %s", got, caps)
	}
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			// No refresh token: a 401 is final, as the suite expects.
			s := newSetup(t, tiktok.FakeOptions{Now: e.Now}, map[string]any{"refresh_token_env": nil})
			return withClip{s.tt}, s.fake
		},
		Capabilities: caps,
		Video:        true,
		MaxParts:     1,
		MaxMedia:     0,
		Idempotent:   false,
		// find_busy fills the account with videos posted in the app
		// (Fake.Seed), more than Find's pages of video/list.
		FindPage:  tiktok.FindPage,
		FindPages: tiktok.DefaultFindPages,
	})
}
