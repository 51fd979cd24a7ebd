package main

import (
	"fmt"
	"maps"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/late"
	"github.com/heraldhq/herald/platforms/postforme"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
)

// relays are the providers that publish to an account of another
// platform, by the name an account lists in providers.
var relays = map[string]platforms.Constructor{
	postforme.Name: postforme.New,
	late.Name:      late.New,
}

// DefaultCallTimeout bounds one API call of an account that sets no
// timeout.
const DefaultCallTimeout = 60 * time.Second

// callTimeout is how long one API call of account a may take.
func callTimeout(a *schema.Account) time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return DefaultCallTimeout
}

// relaySettings are the settings of relay name for account a: the
// account's block for the relay, with network, the account's platform.
func relaySettings(e *env, target string, a *schema.Account, name string) platforms.Settings {
	s := accountSettings(e, target, a)
	block, _ := a.Settings[name].(map[string]any)
	values := maps.Clone(block)
	if values == nil {
		values = map[string]any{}
	}
	values["network"] = a.Platform
	s.Platform, s.Values, s.BaseURL = name, values, ""
	if u, ok := block["base_url"].(string); ok {
		s.BaseURL = u
	}
	return s
}

// newRelay builds relay name's adapter for account a.
func newRelay(e *env, target string, a *schema.Account, name string) (platforms.Publisher, error) {
	ctor, ok := relays[name]
	if !ok {
		return nil, fmt.Errorf("account %s: unknown provider %q", target, name)
	}
	pub, err := ctor(relaySettings(e, target, a, name))
	if err != nil {
		return nil, fmt.Errorf("account %s: provider %s: %w", target, name, err)
	}
	return pub, nil
}

// providerCaps tells the plan what a relay can do with a post it
// published, from adapters built without credentials.
func providerCaps() func(provider string) (reconcile.Capabilities, bool) {
	caps := map[string]reconcile.Capabilities{}
	for name, ctor := range relays {
		pub, err := ctor(platforms.Settings{Platform: name, Values: map[string]any{"account_id": "-", "api_key_env": "UNSET"}, Now: func() time.Time { return time.Time{} }})
		if err != nil {
			continue
		}
		c := platforms.Capabilities(pub)
		caps[name] = reconcile.Capabilities{Update: c.Has(platforms.CapUpdate), Delete: c.Has(platforms.CapDelete)}
	}
	return func(provider string) (reconcile.Capabilities, bool) {
		c, ok := caps[provider]
		return c, ok
	}
}
