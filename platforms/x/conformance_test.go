package x_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

func harness(auth string) platformtest.Harness {
	return platformtest.Harness{
		New: func(t *testing.T, e platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			var s *setup
			if auth == x.AuthOAuth1 {
				s = newOAuth1Setup(t)
			} else {
				s = newSetup(t, x.FakeOptions{}, nil, nil)
			}
			// Videos go in several segments, and X's processing polls
			// do not wait.
			x.SetChunkSize(s.x, 16<<10)
			x.SetSleep(s.x, func(time.Duration) {})
			return s.x, s.fake
		},
		Capabilities: platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		MaxParts:     25,
		FindPage:     x.DefaultFindPage,
		FindPages:    x.DefaultFindPages,
		MaxMedia:     x.MaxImages,
		Video:        true,
		// X keeps no alt text for videos.
		VideoAlt: false,
		// X has no idempotency key: an unknown outcome is settled by Find.
		Idempotent: false,
	}
}

func TestConformance(t *testing.T) {
	t.Run("oauth2", func(t *testing.T) { platformtest.Run(t, harness(x.AuthOAuth2)) })
	t.Run("oauth1", func(t *testing.T) { platformtest.Run(t, harness(x.AuthOAuth1)) })
}

// oauth1Creds is an OAuth 1.0a credential set the fake verifies.
var oauth1Creds = x.OAuth1{ConsumerKey: "ck-herald", ConsumerSecret: "cs-s3cret-value", Token: "12-at-herald", TokenSecret: "ts-s3cret-value"}

func newOAuth1Setup(t *testing.T) *setup {
	t.Helper()
	c := &clock{t: start}
	creds := oauth1Creds
	f := x.NewFake(t, x.FakeOptions{Now: c.Now, OAuth1: &creds})
	s := &setup{fake: f, clock: c, tokens: &platforms.MemTokens{}}
	values := map[string]any{"auth": "oauth1", "consumer_key_env": "X_CK", "consumer_secret_env": "X_CS",
		"access_token_env": "X_AT", "access_token_secret_env": "X_ATS"}
	e := env{"X_CK": creds.ConsumerKey, "X_CS": creds.ConsumerSecret, "X_AT": creds.Token, "X_ATS": creds.TokenSecret}
	s.logs = &bytes.Buffer{}
	s.x = newAdapter(t, f, c, s.tokens, values, e, s.logs)
	return s
}
