package oauthtoken

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Source is one account's OAuth token as an adapter uses it. It exists so
// that every adapter loads, refreshes and saves tokens the same way: the
// fields say what differs between platforms. The zero value of the
// unexported state is ready; set the fields before the first call and do
// not change them afterwards.
type Source struct {
	// Store keeps tokens between runs; Load reads it first and Refresh
	// saves every new token to it before the token is used.
	Store platforms.TokenStore
	// Account is the account's name, the store's key.
	Account string
	// Secret reads a secret named by a setting (platforms.Settings.Secret).
	Secret func(key string) (string, error)
	// Now is the clock for Token.Valid.
	Now func() time.Time
	// AccessKey is the setting naming the access token's variable, read
	// when the store has no token (for example "access_token_env").
	AccessKey string
	// RefreshKey is the setting naming the refresh token's variable, or
	// empty for a platform without refresh tokens. With it, a stored
	// token with only a refresh token counts as a token.
	RefreshKey string
	// NoToken is the error for an account with no token anywhere; err is
	// why the AccessKey secret could not be read. Nil gives a plain one.
	NoToken func(err error) error
	// LoadFailed wraps an error from Store.Load other than
	// platforms.ErrNoToken (already prefixed "load token"). Nil leaves it.
	LoadFailed func(err error) error
	// Exchange trades old for a new token: the platform's HTTP call and
	// its error mapping. old may lack a refresh token, or be nil when no
	// token was ever loaded; Exchange says why that cannot be refreshed.
	Exchange func(ctx context.Context, old *platforms.Token) (*platforms.Token, error)
	// SaveFailed is the error when Store.Save refuses a refreshed token.
	// Nil gives "save refreshed token for ACCOUNT: err".
	SaveFailed func(err error) error
	// KeepUnsaved keeps a refreshed token the store refused in memory for
	// the calls that follow (the call that refreshed still fails). A
	// platform that spends the old refresh token on every exchange (X)
	// needs it, because the old token no longer works; otherwise a token
	// that is not saved is not used.
	KeepUnsaved bool
	// Refreshed, when set, is called with each refreshed token once it
	// is saved, for logging.
	Refreshed func(t *platforms.Token)

	// refreshMu serialises refreshes, so that concurrent callers holding
	// the same stale token make one exchange.
	refreshMu sync.Mutex
	mu        sync.Mutex
	token     *platforms.Token
}

// Token returns the token in memory, or nil before the first Load. It
// exists for redaction: every token in use must be scrubbed from logs.
func (s *Source) Token() *platforms.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Update replaces the token in memory with what fn returns for the
// current one, atomically; it exists for adapters that keep facts (a user
// ID) in Token.Extra. It returns the new token.
func (s *Source) Update(fn func(cur *platforms.Token) *platforms.Token) *platforms.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = fn(s.token)
	return s.token
}

func (s *Source) set(t *platforms.Token) {
	s.mu.Lock()
	s.token = t
	s.mu.Unlock()
}

// Load returns the token in memory, else the stored one, else the one in
// the AccessKey and RefreshKey secrets, and keeps it in memory. It does
// not check or refresh it. A token from the environment has no known
// expiry: it is used until the platform refuses it (see Retry).
func (s *Source) Load(ctx context.Context) (*platforms.Token, error) {
	if t := s.Token(); t != nil {
		return t, nil
	}
	t, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.set(t)
	return t, nil
}

func (s *Source) load(ctx context.Context) (*platforms.Token, error) {
	t, err := s.Store.Load(ctx, s.Account)
	switch {
	case err == nil && t != nil && (t.AccessToken != "" || (s.RefreshKey != "" && t.RefreshToken != "")):
		return t, nil
	case err != nil && !errors.Is(err, platforms.ErrNoToken):
		err = fmt.Errorf("load token: %w", err)
		if s.LoadFailed != nil {
			err = s.LoadFailed(err)
		}
		return nil, err
	}
	access, aerr := s.Secret(s.AccessKey)
	refresh, rerr := "", error(errNoRefreshKey)
	if s.RefreshKey != "" {
		refresh, rerr = s.Secret(s.RefreshKey)
	}
	if aerr != nil && rerr != nil {
		if s.NoToken != nil {
			return nil, s.NoToken(aerr)
		}
		return nil, fmt.Errorf("account %s has no token: %w", s.Account, aerr)
	}
	return &platforms.Token{AccessToken: access, RefreshToken: refresh}, nil
}

var errNoRefreshKey = errors.New("no refresh token setting")

// AccessToken returns an access token that is valid now: Load's, refreshed
// first when it is no longer Valid.
func (s *Source) AccessToken(ctx context.Context) (string, error) {
	t, err := s.Load(ctx)
	if err != nil {
		return "", err
	}
	if t.Valid(s.Now()) {
		return t.AccessToken, nil
	}
	nt, err := s.Refresh(ctx, t)
	if err != nil {
		return "", err
	}
	return nt.AccessToken, nil
}

// MayRefreshOn401 says whether a 401 may be a lapsed token that a refresh
// would fix: only for a token whose expiry herald does not know and that
// has a refresh token. It returns the token in use, for Refresh.
func (s *Source) MayRefreshOn401() (*platforms.Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.token != nil && s.token.Expiry.IsZero() && s.token.RefreshToken != ""
}

// Refresh trades the token in use for a new one through Exchange, saves
// it through the store and only then keeps it in memory and returns it.
// stale is the token the caller found wanting: when another call has
// already replaced it with a valid one, that one is returned instead of
// spending the refresh token again.
func (s *Source) Refresh(ctx context.Context, stale *platforms.Token) (*platforms.Token, error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	old := s.Token()
	if old != nil && old != stale && old.Valid(s.Now()) {
		return old, nil
	}
	if old == nil {
		old = stale
	}
	nt, err := s.Exchange(ctx, old)
	if err != nil {
		return nil, err
	}
	if err := s.Store.Save(ctx, s.Account, nt); err != nil {
		if s.KeepUnsaved {
			s.set(nt)
		}
		if s.SaveFailed != nil {
			return nil, s.SaveFailed(err)
		}
		return nil, fmt.Errorf("save refreshed token for %s: %w", s.Account, err)
	}
	s.set(nt)
	if s.Refreshed != nil {
		s.Refreshed(nt)
	}
	return nt, nil
}

// Retry calls fn, and when it fails with an HTTP 401 and MayRefreshOn401
// allows, refreshes the token and calls fn once more. A 401 means the
// platform did nothing, so sending again is safe. An error from the
// refresh is returned instead of the 401.
func Retry[T any](ctx context.Context, s *Source, fn func() (T, error)) (T, error) {
	v, err := fn()
	var se *httpx.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		return v, err
	}
	stale, ok := s.MayRefreshOn401()
	if !ok {
		return v, err
	}
	if _, rerr := s.Refresh(ctx, stale); rerr != nil {
		var zero T
		return zero, rerr
	}
	return fn()
}
