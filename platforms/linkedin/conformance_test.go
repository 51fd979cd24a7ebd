package linkedin_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func harness(author string) platformtest.Harness {
	return platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			// Parts of 16 KiB, so that the suite's video goes in several.
			s := newSetup(t, linkedin.FakeOptions{Author: author, Now: e.Now, VideoPartSize: 16 << 10})
			return s.li, s.fake
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
		// LinkedIn has no threads: Prepare joins the parts into one post.
		MaxParts: 1,
		MaxMedia: linkedin.MaxImages,
		// The posts finder reads find_count posts a page.
		FindPage:  linkedin.DefaultFindPage,
		FindPages: linkedin.DefaultFindPages,
		// A partial update sets the commentary, never the content.
		FixedMedia: "LinkedIn's Posts API cannot change a published post's images",
		// Videos go through the Videos API; LinkedIn keeps no alt text
		// for a video (content.media takes its title).
		Video: true,
		// LinkedIn has no idempotency key: an unknown outcome is settled
		// by Find.
		Idempotent: false,
	}
}

func TestConformance(t *testing.T) {
	t.Run("member", func(t *testing.T) { platformtest.Run(t, harness("urn:li:person:8675309")) })
	t.Run("organization", func(t *testing.T) { platformtest.Run(t, harness("urn:li:organization:2414183")) })
}
