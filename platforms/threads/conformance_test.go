package threads_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/threads"
)

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			s := newSetup(t, config{})
			return s.a, s.fake
		},
		// No Updater: Threads has no edit.
		Capabilities: platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		Video:        true,
		MaxParts:     25,
		FindPage:     threads.DefaultFindPage,
		FindPages:    threads.DefaultFindPages,
		MaxMedia:     threads.MaxCarousel,
		// Threads has no idempotency key: an unknown outcome is settled by
		// Find.
		Idempotent: false,
	})
}
