package platforms

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/heraldhq/herald/schema"
)

// Settings is what a constructor gets to reach one account: everything an
// adapter needs from the outside world is passed in here, so that tests
// point it at an httptest server with a fixed clock.
type Settings struct {
	Account  string // the account's name, as written in `to:`
	Platform string // the platform's name, the registry key
	// BaseURL is the API's base URL; empty means the platform's public API.
	BaseURL string
	// Values are the account's other configuration keys, as written.
	// Secrets are never here, only the names of the environment variables
	// that hold them (see Secret).
	Values map[string]any
	// Getenv reads the environment variables that hold secrets.
	Getenv     func(string) string
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// Tokens keeps OAuth tokens that adapters refresh; nil means an
	// in-memory store (tokens are then not kept between runs).
	Tokens TokenStore
}

// String returns the string setting key, or "" when it is absent or not a
// string.
func (s Settings) String(key string) string {
	v, _ := s.Values[key].(string)
	return v
}

// Secret returns the value of the environment variable named by the
// setting key (e.g. `token_env: MASTODON_TOKEN`). The error names the
// setting and the variable, never a value. Adapters read secrets when they
// first need them, not in their constructors, so that plan and preview run
// without secrets (on pull requests from forks).
func (s Settings) Secret(key string) (string, error) {
	name := s.String(key)
	if name == "" {
		return "", fmt.Errorf("account %s: setting %s: names no environment variable", s.Account, key)
	}
	if !schema.IsEnvName(name) {
		// validate refuses it; never echo it: it is likely the secret.
		return "", fmt.Errorf("account %s: setting %s is not the name of an environment variable (it looks like a pasted secret)", s.Account, key)
	}
	if s.Getenv == nil {
		return "", fmt.Errorf("account %s: setting %s: no environment to read %s from", s.Account, key, name)
	}
	v := s.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("account %s: environment variable %s (setting %s) is empty or unset", s.Account, name, key)
	}
	return v, nil
}

// Constructor builds an adapter for one account. It must not do I/O and
// must not fail for a missing secret: see Settings.Secret.
type Constructor func(Settings) (Publisher, error)

// Registry maps platform names to constructors. It is built by one
// function that lists every adapter (NewRegistry with a map literal), not
// filled by init functions, so that what is registered is visible in one
// place and tests can build a registry of fakes.
type Registry struct {
	ctors map[string]Constructor
}

// NewRegistry returns a registry of the given constructors, keyed by
// platform name.
func NewRegistry(ctors map[string]Constructor) *Registry {
	return &Registry{ctors: maps.Clone(ctors)}
}

// Names returns the registered platform names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.ctors))
	for name := range r.ctors {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Has reports whether the registry has an adapter for platform.
func (r *Registry) Has(platform string) bool {
	_, ok := r.ctors[platform]
	return ok
}

// New builds the adapter for s.Platform. An unknown platform is an error
// wrapping ErrUnknownPlatform that lists the known ones. A nil Logger
// becomes a logger that discards; a nil HTTPClient, Getenv or Now is an
// error, because defaulting them would reach the real network, environment
// or clock behind the caller's back.
func (r *Registry) New(s Settings) (Publisher, error) {
	ctor, ok := r.ctors[s.Platform]
	if !ok {
		return nil, fmt.Errorf("account %s: %w %q (known: %s)", s.Account, ErrUnknownPlatform, s.Platform, strings.Join(r.Names(), ", "))
	}
	var missing []string
	if s.HTTPClient == nil {
		missing = append(missing, "HTTPClient")
	}
	if s.Getenv == nil {
		missing = append(missing, "Getenv")
	}
	if s.Now == nil {
		missing = append(missing, "Now")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("account %s: settings lack %s", s.Account, strings.Join(missing, ", "))
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Tokens == nil {
		s.Tokens = &MemTokens{}
	}
	s.Logger = s.Logger.With("platform", s.Platform, "account", s.Account)
	p, err := ctor(s)
	if err != nil {
		return nil, fmt.Errorf("account %s: new %s: %w", s.Account, s.Platform, err)
	}
	if p == nil {
		return nil, fmt.Errorf("account %s: new %s: %w", s.Account, s.Platform, errors.New("constructor returned no adapter"))
	}
	return p, nil
}

// IntIn returns the whole-number setting key, which must lie in [lo, hi],
// or def when the account does not set it. YAML and CUE give numbers as
// int, int64, uint64 or float64; a fraction is refused.
func (s Settings) IntIn(key string, lo, hi, def int) (int, error) {
	v, ok := s.Values[key]
	if !ok {
		return def, nil
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case uint64:
		n = int(x)
	case float64:
		if x != float64(int(x)) {
			return 0, fmt.Errorf("setting %s: %v: want a whole number from %d to %d", key, v, lo, hi)
		}
		n = int(x)
	default:
		return 0, fmt.Errorf("setting %s: %v: want a whole number from %d to %d", key, v, lo, hi)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("setting %s: %v: want a whole number from %d to %d", key, v, lo, hi)
	}
	return n, nil
}
