package medium_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/medium"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// tokenEnv is the environment variable the tests' accounts name.
const tokenEnv = "MEDIUM_TOKEN"

// newAdapter builds the adapter through a registry, as herald does.
func newAdapter(t *testing.T, f *medium.Fake, env platformtest.Env, token string, values map[string]any) platforms.Publisher {
	t.Helper()
	v := map[string]any{"token_env": tokenEnv}
	for k, x := range values {
		v[k] = x
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{medium.Name: medium.New})
	pub, err := reg.New(platforms.Settings{
		Account: "medium", Platform: medium.Name, BaseURL: f.URL(), Values: v,
		Getenv: func(name string) string {
			if name == tokenEnv {
				return token
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
	for _, format := range []string{"html", "markdown"} {
		t.Run(format, func(t *testing.T) {
			platformtest.Run(t, platformtest.Harness{
				New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
					f := medium.NewFake(t, medium.FakeOptions{Now: env.Now})
					return newAdapter(t, f, env, medium.FakeToken, map[string]any{"content_format": format}), f
				},
				// Create only: Medium's API has no edit, delete, list or
				// metrics, and an unknown outcome is left to a person.
				Capabilities: platforms.CapPrepare,
				MaxParts:     1,
				// Integration tokens lack the uploadImage scope; images
				// in the content are side-loaded by URL.
				MaxMedia:   0,
				Idempotent: false,
			})
		})
	}
}
