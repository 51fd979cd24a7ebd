package wordpress_test

import (
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/wordpress"
)

// passwordEnv is the environment variable the tests' accounts name.
const passwordEnv = "WORDPRESS_APP_PASSWORD"

// newAdapter builds the adapter through a registry, as herald does, for
// the site on f, with the application password in the environment.
func newAdapter(t *testing.T, f *wordpress.Fake, env platformtest.Env, values map[string]any) platforms.Publisher {
	t.Helper()
	v := map[string]any{"username": wordpress.FakeUser, "password_env": passwordEnv}
	for k, x := range values {
		v[k] = x
	}
	base := f.SiteURL()
	if b, ok := v["base_url"].(string); ok {
		base = b
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"wordpress": wordpress.New})
	pub, err := reg.New(platforms.Settings{
		Account: "blog", Platform: "wordpress", BaseURL: base, Values: v,
		Getenv: func(name string) string {
			if name == passwordEnv {
				return wordpress.FakeAppPassword
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

func harness(values map[string]any) platformtest.Harness {
	return platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			f := wordpress.NewFake(t, wordpress.FakeOptions{Now: env.Now})
			return newAdapter(t, f, env, values), f
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
		// A blog post is one article: no replies.
		MaxParts: 1,
		// Find reads by slug, not by pages: find_busy's account (the
		// suite's default 20 × 5 and more) holds posts of every status
		// and of other authors, written in wp-admin (Fake.Seed).
		MaxMedia: wordpress.MaxMedia,
	}
}

func TestConformance(t *testing.T) {
	t.Run("trash", func(t *testing.T) { platformtest.Run(t, harness(nil)) })
	t.Run("force", func(t *testing.T) { platformtest.Run(t, harness(map[string]any{"delete": "force"})) })
}
