package ghost_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/ghost"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// keyEnv is the environment variable the tests' accounts name.
const keyEnv = "GHOST_ADMIN_API_KEY"

// newAdapter builds the adapter through a registry, as herald does, for
// the site on f, with the Admin API key in the environment.
func newAdapter(t *testing.T, f *ghost.Fake, env platformtest.Env, values map[string]any) platforms.Publisher {
	t.Helper()
	v := map[string]any{"admin_key_env": keyEnv}
	for k, x := range values {
		v[k] = x
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"ghost": ghost.New})
	pub, err := reg.New(platforms.Settings{
		Account: "blog", Platform: "ghost", BaseURL: f.SiteURL(), Values: v,
		Getenv: func(name string) string {
			if name == keyEnv {
				return f.Key()
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
			f := ghost.NewFake(t, ghost.FakeOptions{Now: env.Now})
			return newAdapter(t, f, env, nil), f
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind,
		// A blog post is one article: no replies.
		MaxParts: 1,
		MaxMedia: ghost.MaxMedia,
	})
}
