package instagram_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/instagram"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			s := newSetup(t, config{})
			return s.a, s.fake
		},
		// No Updater and no Deleter: the API edits and deletes nothing.
		Capabilities: platforms.CapFind | platforms.CapMetrics,
		Video:        true,
		MaxParts:     1,
		MaxMedia:     instagram.MaxCarousel,
		FindPage:     instagram.DefaultFindPage,
		FindPages:    instagram.DefaultFindPages,
		// Instagram takes no post without media, and JPEG images only.
		MediaRequired: true,
		JPEG:          true,
	})
}
