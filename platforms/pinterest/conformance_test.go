package pinterest_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/pinterest"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			s := newSetup(t, pinterest.FakeOptions{Now: e.Now}, nil)
			return s.pin, s.fake
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
		Video:        true,
		// A pin is one post: Prepare joins a thread's parts.
		MaxParts:  1,
		MaxMedia:  pinterest.MaxImages,
		FindPage:  pinterest.DefaultFindPage,
		FindPages: pinterest.DefaultFindPages,
		// No idempotency key: an unknown outcome is settled by Find.
		Idempotent: false,
	})
}
