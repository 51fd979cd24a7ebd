package platforms

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNoToken is what a TokenStore returns for an account it holds no token
// for: the adapter falls back to the secret in the environment, or the
// account needs connecting (herald auth).
var ErrNoToken = errors.New("no stored token")

// Token is an account's credentials as a platform issued them: an access
// token that expires, and the refresh token that renews it. X rotates
// refresh tokens on every use, so the newest must always be kept.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// RefreshExpiry is when the refresh token itself lapses (LinkedIn,
	// TikTok), so herald can say when a person must reconnect.
	RefreshExpiry time.Time `json:"refresh_expiry,omitzero"`
	Scope         string    `json:"scope,omitempty"`
	// Extra holds what else the platform returned that later calls need
	// (Bluesky's DID and PDS, Threads' user ID); never a secret beyond
	// the tokens themselves.
	Extra map[string]string `json:"extra,omitempty"`
}

// Valid reports whether the access token can still be used at now, with a
// margin so that a call does not start with a token about to lapse.
func (t *Token) Valid(now time.Time) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(time.Minute).Before(t.Expiry))
}

// TokenStore keeps refreshed tokens between runs. herald's store writes
// them encrypted (age) under .herald/tokens/ and commits them with the
// state; adapters only see this interface. Save must be called with every
// token a platform returns, before it is used, because a rotated refresh
// token that is lost locks the account out.
type TokenStore interface {
	Load(ctx context.Context, account string) (*Token, error)
	Save(ctx context.Context, account string, t *Token) error
}

// MemTokens is a TokenStore in memory, for tests and for accounts whose
// tokens are not kept.
type MemTokens struct {
	mu     sync.Mutex
	tokens map[string]Token
	// Saves counts Save calls, so tests can see a refresh was persisted.
	Saves int
}

// Load implements TokenStore.
func (m *MemTokens) Load(_ context.Context, account string) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[account]
	if !ok {
		return nil, ErrNoToken
	}
	return &t, nil
}

// Save implements TokenStore.
func (m *MemTokens) Save(_ context.Context, account string, t *Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tokens == nil {
		m.tokens = map[string]Token{}
	}
	m.tokens[account] = *t
	m.Saves++
	return nil
}

var _ TokenStore = (*MemTokens)(nil)
