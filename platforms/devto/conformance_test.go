package devto_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/devto"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// keyEnv is the environment variable the tests' accounts name.
const keyEnv = "DEVTO_API_KEY"

// newAdapter builds the adapter through a registry, as herald does, for
// the account on f, with the key in the environment.
func newAdapter(t *testing.T, f *devto.Fake, env platformtest.Env, key string) platforms.Publisher {
	t.Helper()
	reg := platforms.NewRegistry(map[string]platforms.Constructor{devto.Name: devto.New})
	pub, err := reg.New(platforms.Settings{
		Account: "devto", Platform: devto.Name, BaseURL: f.URL(), Values: map[string]any{"api_key_env": keyEnv},
		Getenv: func(name string) string {
			if name == keyEnv {
				return key
			}
			return ""
		},
		HTTPClient: f.Client(), Logger: env.Logger, Now: env.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			f := devto.NewFake(t, devto.FakeOptions{Now: env.Now})
			return newAdapter(t, f, env, devto.FakeKey), f
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
		// An article is one post; the cover image goes by URL
		// (main_image), never uploaded.
		MaxParts:  1,
		MaxMedia:  0,
		FindPage:  devto.FindPageSize,
		FindPages: devto.FindMaxPages,
		// dev.to has no idempotency key: an unknown outcome is settled by
		// Find, and a second create with the same title within five
		// minutes by the look-up Publish makes.
		Idempotent: false,
	})
}
