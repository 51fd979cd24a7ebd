package oauthtoken_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// secrets is the environment as Settings.Secret sees it: setting key to
// value.
type secrets map[string]string

func (e secrets) get(key string) (string, error) {
	v, ok := e[key]
	if !ok {
		return "", fmt.Errorf("%s is not set", key)
	}
	return v, nil
}

// failingStore is a token store whose Load or Save fails.
type failingStore struct {
	platforms.MemTokens
	loadErr, saveErr error
}

func (f *failingStore) Load(ctx context.Context, account string) (*platforms.Token, error) {
	if f.loadErr != nil {
		return nil, f.loadErr
	}
	return f.MemTokens.Load(ctx, account)
}

func (f *failingStore) Save(ctx context.Context, account string, t *platforms.Token) error {
	if f.saveErr != nil {
		return f.saveErr
	}
	return f.MemTokens.Save(ctx, account, t)
}

// newSource is a Source over store whose exchange issues "access-N" and
// "refresh-N" valid for an hour and counts its calls.
func newSource(store platforms.TokenStore, env secrets, calls *atomic.Int32) *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: store, Account: "acct", Secret: env.get, Now: func() time.Time { return start },
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		Exchange: func(_ context.Context, old *platforms.Token) (*platforms.Token, error) {
			if old == nil || old.RefreshToken == "" {
				return nil, errors.New("no refresh token")
			}
			n := calls.Add(1)
			return &platforms.Token{AccessToken: fmt.Sprintf("access-%d", n), RefreshToken: fmt.Sprintf("refresh-%d", n),
				Expiry: start.Add(time.Hour)}, nil
		},
	}
}

func TestLoad(t *testing.T) {
	stored := &platforms.Token{AccessToken: "stored", RefreshToken: "stored-refresh", Expiry: start.Add(time.Hour)}
	tests := []struct {
		name       string
		stored     *platforms.Token
		loadErr    error
		env        secrets
		refreshKey string
		want       *platforms.Token
		wantErr    string
	}{
		{"stored token first", stored, nil, secrets{"access_token_env": "env"}, "refresh_token_env", stored, ""},
		{"empty store falls back to both secrets", nil, nil,
			secrets{"access_token_env": "env", "refresh_token_env": "env-refresh"}, "refresh_token_env",
			&platforms.Token{AccessToken: "env", RefreshToken: "env-refresh"}, ""},
		{"a refresh token alone is enough", nil, nil, secrets{"refresh_token_env": "env-refresh"}, "refresh_token_env",
			&platforms.Token{RefreshToken: "env-refresh"}, ""},
		{"stored refresh token alone counts", &platforms.Token{RefreshToken: "r"}, nil, secrets{}, "refresh_token_env",
			&platforms.Token{RefreshToken: "r"}, ""},
		{"without refresh tokens a stored refresh token alone does not count", &platforms.Token{RefreshToken: "r"}, nil,
			secrets{"access_token_env": "env", "refresh_token_env": "ignored"}, "",
			&platforms.Token{AccessToken: "env"}, ""},
		{"no token anywhere", nil, nil, secrets{}, "refresh_token_env", nil, "no token for acct: access_token_env is not set"},
		{"store fails", nil, errors.New("disk on fire"), secrets{"access_token_env": "env"}, "refresh_token_env", nil,
			"load failed: load token: disk on fire"},
		{"store says no token", nil, fmt.Errorf("read: %w", platforms.ErrNoToken), secrets{"access_token_env": "env"}, "",
			&platforms.Token{AccessToken: "env"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &failingStore{loadErr: tt.loadErr}
			if tt.stored != nil {
				store.MemTokens.Save(t.Context(), "acct", tt.stored)
			}
			var calls atomic.Int32
			s := newSource(store, tt.env, &calls)
			s.RefreshKey = tt.refreshKey
			s.NoToken = func(err error) error { return fmt.Errorf("no token for acct: %w", err) }
			s.LoadFailed = func(err error) error { return fmt.Errorf("load failed: %w", err) }
			got, err := s.Load(t.Context())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Load error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, s.Token()); diff != "" {
				t.Errorf("token in memory (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccessToken(t *testing.T) {
	tests := []struct {
		name      string
		stored    *platforms.Token
		want      string
		exchanges int32
	}{
		{"valid token used as it is", &platforms.Token{AccessToken: "a", RefreshToken: "r", Expiry: start.Add(time.Hour)}, "a", 0},
		{"unknown expiry used as it is", &platforms.Token{AccessToken: "a", RefreshToken: "r"}, "a", 0},
		{"lapsed token refreshed", &platforms.Token{AccessToken: "a", RefreshToken: "r", Expiry: start.Add(-time.Hour)}, "access-1", 1},
		{"token within a minute of expiry refreshed", &platforms.Token{AccessToken: "a", RefreshToken: "r", Expiry: start.Add(30 * time.Second)}, "access-1", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &platforms.MemTokens{}
			store.Save(t.Context(), "acct", tt.stored)
			var calls atomic.Int32
			s := newSource(store, secrets{}, &calls)
			got, err := s.AccessToken(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || calls.Load() != tt.exchanges {
				t.Errorf("AccessToken = %q after %d exchanges, want %q after %d", got, calls.Load(), tt.want, tt.exchanges)
			}
		})
	}
}

func TestConcurrentRefreshesExchangeOnce(t *testing.T) {
	store := &platforms.MemTokens{}
	store.Save(t.Context(), "acct", &platforms.Token{AccessToken: "a", RefreshToken: "r", Expiry: start.Add(-time.Hour)})
	var calls atomic.Int32
	s := newSource(store, secrets{}, &calls)
	const n = 16
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.AccessToken(t.Context()) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != "access-1" {
			t.Errorf("caller %d got %q, %v; want access-1", i, got[i], errs[i])
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d exchanges, want 1", calls.Load())
	}
	if store.Saves != 2 { // the seed and the one refresh
		t.Errorf("%d saves, want 2", store.Saves)
	}
}

// orderStore records, at each Save, which token the Source had in memory.
type orderStore struct {
	platforms.MemTokens
	src     *oauthtoken.Source
	inUse   []string
	saveErr error
}

func (o *orderStore) Save(ctx context.Context, account string, t *platforms.Token) error {
	cur := o.src.Token()
	o.inUse = append(o.inUse, cur.AccessToken)
	if o.saveErr != nil {
		return o.saveErr
	}
	return o.MemTokens.Save(ctx, account, t)
}

func TestRefreshSavesBeforeUse(t *testing.T) {
	tests := []struct {
		name        string
		saveErr     error
		keepUnsaved bool
		wantErr     string
		wantInUse   string
	}{
		{"saved, then used", nil, false, "", "access-1"},
		{"a failed save is not used", errors.New("disk full"), false, "save refreshed token for acct: disk full", "old"},
		{"a failed save is kept when asked", errors.New("disk full"), true, "kept but not saved: disk full", "access-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &orderStore{}
			var calls atomic.Int32
			s := newSource(store, secrets{"access_token_env": "old", "refresh_token_env": "r"}, &calls)
			store.src = s
			s.KeepUnsaved = tt.keepUnsaved
			if tt.keepUnsaved {
				s.SaveFailed = func(err error) error { return fmt.Errorf("kept but not saved: %w", err) }
			}
			var refreshed []string
			s.Refreshed = func(t *platforms.Token) { refreshed = append(refreshed, t.AccessToken) }
			old, err := s.Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			store.saveErr = tt.saveErr
			nt, err := s.Refresh(t.Context(), old)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, tt.saveErr) {
					t.Fatalf("Refresh error %v, want %q wrapping %v", err, tt.wantErr, tt.saveErr)
				}
				if nt != nil || len(refreshed) != 0 {
					t.Errorf("Refresh returned %v and reported %v for a token it did not save", nt, refreshed)
				}
			} else if err != nil || nt.AccessToken != "access-1" || !cmp.Equal(refreshed, []string{"access-1"}) {
				t.Fatalf("Refresh = %v, %v, reported %v; want access-1", nt, err, refreshed)
			}
			if diff := cmp.Diff([]string{"old"}, store.inUse); diff != "" {
				t.Errorf("token in use at each save (-want +got):\n%s", diff)
			}
			if got := s.Token().AccessToken; got != tt.wantInUse {
				t.Errorf("token in use after the refresh %q, want %q", got, tt.wantInUse)
			}
		})
	}
}

func TestRefreshKeepsAnotherCallersToken(t *testing.T) {
	store := &platforms.MemTokens{}
	var calls atomic.Int32
	s := newSource(store, secrets{"access_token_env": "old", "refresh_token_env": "r"}, &calls)
	stale, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Refresh(t.Context(), stale)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Refresh(t.Context(), stale)
	if err != nil {
		t.Fatal(err)
	}
	if second != first || calls.Load() != 1 {
		t.Errorf("second refresh of the same stale token gave %v after %d exchanges, want %v after 1", second, calls.Load(), first)
	}
	third, err := s.Refresh(t.Context(), first)
	if err != nil || third.AccessToken != "access-2" {
		t.Errorf("refresh of the current token gave %v, %v; want access-2", third, err)
	}
}

func TestRetry(t *testing.T) {
	unauthorized := &httpx.StatusError{Status: http.StatusUnauthorized, Message: "Unauthorized"}
	tests := []struct {
		name      string
		stored    *platforms.Token
		first     error
		wantErr   error
		wantCalls int
		exchanges int32
	}{
		{"unknown expiry refreshed on 401", &platforms.Token{AccessToken: "a", RefreshToken: "r"}, unauthorized, nil, 2, 1},
		{"unknown expiry not refreshed on 403", &platforms.Token{AccessToken: "a", RefreshToken: "r"},
			&httpx.StatusError{Status: http.StatusForbidden}, &httpx.StatusError{Status: http.StatusForbidden}, 1, 0},
		{"unknown expiry not refreshed on success", &platforms.Token{AccessToken: "a", RefreshToken: "r"}, nil, nil, 1, 0},
		{"known expiry not refreshed on 401", &platforms.Token{AccessToken: "a", RefreshToken: "r", Expiry: start.Add(time.Hour)},
			unauthorized, unauthorized, 1, 0},
		{"no refresh token not refreshed on 401", &platforms.Token{AccessToken: "a"}, unauthorized, unauthorized, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &platforms.MemTokens{}
			store.Save(t.Context(), "acct", tt.stored)
			var calls atomic.Int32
			s := newSource(store, secrets{}, &calls)
			n := 0
			got, err := oauthtoken.Retry(t.Context(), s, func() (string, error) {
				n++
				tok, err := s.AccessToken(t.Context())
				if err != nil {
					return "", err
				}
				if n == 1 && tt.first != nil {
					return "", tt.first
				}
				return tok, nil
			})
			if diff := cmp.Diff(tt.wantErr, err, cmp.Comparer(func(a, b error) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if n != tt.wantCalls || calls.Load() != tt.exchanges {
				t.Errorf("%d calls and %d exchanges, want %d and %d", n, calls.Load(), tt.wantCalls, tt.exchanges)
			}
			if tt.exchanges > 0 && got != "access-1" {
				t.Errorf("the retried call used %q, want the refreshed access-1", got)
			}
		})
	}
}

func TestRetryReturnsRefreshError(t *testing.T) {
	store := &platforms.MemTokens{}
	store.Save(t.Context(), "acct", &platforms.Token{AccessToken: "a", RefreshToken: "r"})
	refused := errors.New("refresh token refused")
	s := &oauthtoken.Source{Store: store, Account: "acct", Secret: secrets{}.get, Now: func() time.Time { return start },
		Exchange: func(context.Context, *platforms.Token) (*platforms.Token, error) { return nil, refused }}
	if _, err := s.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := 0
	_, err := oauthtoken.Retry(t.Context(), s, func() (int, error) {
		n++
		return 0, &httpx.StatusError{Status: http.StatusUnauthorized}
	})
	if !errors.Is(err, refused) || n != 1 {
		t.Errorf("Retry = %v after %d calls, want the refresh error after 1", err, n)
	}
}
