package youtube_test

import (
	"context"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/youtube"
)

// withClip is the adapter as the suite sees it: the suite's posts are
// text, and a YouTube post is a video, so every payload it hands over
// gets the same short clip, as a post's media would carry it. The text
// becomes the video's description, which the fake reads back as the
// post's text.
type withClip struct{ y *youtube.YouTube }

// clip goes in one chunk, so that the suite's faults on the upload route
// meet the request that completes the video.
var clip = videoBytes(100 << 10)

// add gives p the clip unless it already carries a video (the suite's
// own video case, whose file must be the one that arrives).
func (w withClip) add(p *platforms.Payload) *platforms.Payload {
	if hasVideo(p) {
		return p
	}
	return withVideo(p.Clone(), clip)
}

func (w withClip) Prepare(p *platforms.Payload) (*platforms.Payload, error) { return w.y.Prepare(p) }
func (w withClip) Name() string                                             { return w.y.Name() }
func (w withClip) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	return w.y.Publish(ctx, w.add(p), key)
}
func (w withClip) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	return w.y.Update(ctx, r, w.add(p))
}
func (w withClip) Delete(ctx context.Context, r *platforms.Receipt) error { return w.y.Delete(ctx, r) }
func (w withClip) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	return w.y.Find(ctx, w.add(p), a)
}
func (w withClip) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	return w.y.Metrics(ctx, r)
}

const caps = platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics

func TestConformance(t *testing.T) {
	// The wrapper forwards exactly the adapter's abilities: hold the
	// adapter itself to them, so that a lost method is not hidden.
	s := newSetup(t, youtube.FakeOptions{}, nil)
	if got := platforms.Capabilities(s.yt); got != caps {
		t.Fatalf("adapter capabilities %s, want %s", got, caps)
	}
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			// An access token without a refresh token: a 401 is then
			// final, as the suite expects (refresh has its own tests).
			s := newSetup(t, youtube.FakeOptions{Now: e.Now}, map[string]any{"refresh_token_env": nil})
			return withClip{s.yt}, s.fake
		},
		Capabilities: caps,
		Video:        true,
		// A video has one description: a thread's parts are joined.
		MaxParts: 1,
		// The video is the post; images are its thumbnail, tested on
		// their own.
		MaxMedia:   0,
		Idempotent: false,
		// find_busy fills the channel with uploads made in YouTube
		// Studio (Fake.Seed), more than Find's pages of the playlist.
		FindPage:  youtube.DefaultFindPage,
		FindPages: youtube.DefaultFindPages,
	})
}
