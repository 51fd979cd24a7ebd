package mastodon_test

import (
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// tokenEnv is the environment variable the tests' accounts name.
const tokenEnv = "MASTODON_TOKEN"

// newAdapter builds the adapter through a registry, as herald does, for
// the account on f, with the token in the environment.
func newAdapter(t *testing.T, f *mastodon.Fake, env platformtest.Env, values map[string]any) platforms.Publisher {
	t.Helper()
	v := map[string]any{"token_env": tokenEnv}
	for k, x := range values {
		v[k] = x
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"mastodon": mastodon.New})
	pub, err := reg.New(platforms.Settings{
		Account: "mastodon", Platform: "mastodon", BaseURL: f.URL(), Values: v,
		Getenv: func(name string) string {
			if name == tokenEnv {
				return mastodon.FakeToken
			}
			return ""
		},
		HTTPClient: f.Client(), Logger: env.Logger, Now: env.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	mastodon.SetPollInterval(pub, time.Millisecond)
	return pub
}

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: env.Now})
			return newAdapter(t, f, env, nil), f
		},
		Capabilities: platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		// Mastodon sets no limit on a reply chain.
		MaxParts:   25,
		FindPage:   mastodon.FindPageSize,
		FindPages:  mastodon.FindMaxPages,
		MaxMedia:   mastodon.MaxMedia,
		Idempotent: true,
		// Video is uploaded whole and processed in the background (202,
		// then 206 until it is ready); its description is kept.
		Video:    true,
		VideoAlt: true,
	})
}
