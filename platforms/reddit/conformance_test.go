package reddit_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/reddit"
)

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			s := newSetup(t, reddit.FakeOptions{Now: e.Now}, true, nil, nil)
			return s.rd, s.fake
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
		// A Reddit post is one submission: Prepare joins a thread's parts.
		MaxParts: 1,
		// herald submits self and link posts; Reddit's native image and
		// video uploads are undocumented.
		MaxMedia:  0,
		FindPage:  reddit.DefaultFindPage,
		FindPages: reddit.DefaultFindPages,
	})
}
