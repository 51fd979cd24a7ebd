package bluesky_test

import (
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			f := bluesky.NewFake(t, bluesky.FakeOptions{Now: env.Now})
			b := newAdapter(t, f, env.Now, env.Logger, &platforms.MemTokens{})
			bluesky.SetSleep(b, func(time.Duration) {})
			return b, f
		},
		Capabilities: platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		// A self-thread is a reply chain of any length.
		MaxParts: 25,
		MaxMedia: bluesky.MaxImages,
		// Record keys derive from the attempt key: the PDS refuses a
		// second record under one.
		Idempotent: true,
		// Through the video service: its job's blob, with the alt text.
		Video: true, VideoAlt: true,
	})
}
