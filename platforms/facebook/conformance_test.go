package facebook_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			// No media_base_url: videos are uploaded, so the fake holds
			// their bytes.
			s := newSetup(t, config{values: map[string]any{"media_base_url": ""}})
			return s.a, s.fake
		},
		Capabilities: platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
		// Facebook has no threads: a thread's parts go as one message.
		MaxParts:   1,
		MaxMedia:   facebook.MaxPhotos,
		FindPage:   facebook.DefaultFindPage,
		FindPages:  facebook.DefaultFindPages,
		FixedMedia: "Facebook cannot change a published post's photos or their alt text",
		Idempotent: false,
		Video:      true,
	})
}
