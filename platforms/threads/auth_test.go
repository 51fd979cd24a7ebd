package threads_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/threads"
)

func TestTokenRefresh(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name          string
		expiry        time.Duration // from start, as the store says
		issuedAgo     time.Duration
		wantRefreshes int
	}{
		{"less than 7 days left is refreshed", 5 * day, 55 * day, 1},
		{"more than 7 days left is not", 8 * day, 52 * day, 0},
		{"a token younger than a day is not", 5 * day, 12 * time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, config{stored: &platforms.Token{AccessToken: "threads-token-0", Expiry: start.Add(tt.expiry),
				Extra: map[string]string{"issued_at": start.Add(-tt.issuedAgo).Format(time.RFC3339), "user_id": "17841400000000001"}}})
			if _, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k"); err != nil {
				t.Fatal(err)
			}
			if got := s.fake.Refreshes(); got != tt.wantRefreshes {
				t.Fatalf("refreshes = %d, want %d", got, tt.wantRefreshes)
			}
			stored, err := s.tokens.Load(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantRefreshes == 0 {
				if s.tokens.Saves != 0 {
					t.Errorf("token saved %d times without a refresh", s.tokens.Saves)
				}
				return
			}
			if stored.AccessToken != s.fake.AccessToken() || stored.AccessToken == "threads-token-0" {
				t.Errorf("stored token %q, want the refreshed %q", stored.AccessToken, s.fake.AccessToken())
			}
			if want := start.Add(threads.TokenLifetime); !stored.Expiry.Equal(want) {
				t.Errorf("stored expiry %v, want %v", stored.Expiry, want)
			}
			if stored.Extra["user_id"] != "17841400000000001" || stored.Extra["issued_at"] != start.Format(time.RFC3339) {
				t.Errorf("stored extra %v lost the user id or the issue time", stored.Extra)
			}
			// The old token must not be what the publish used: revoke
			// nothing, but check that the refreshed token is in use.
			s.fake.ExpireTokens()
			if _, err := s.a.Publish(t.Context(), platformtest.Payload("p2", "Again"), "k2"); !errors.Is(err, platforms.ErrNeedsReconnect) {
				t.Errorf("after the fake expired every token, publish = %v; want ErrNeedsReconnect", err)
			}
		})
	}
}

func TestEnvironmentToken(t *testing.T) {
	values := map[string]any{"access_token_env": "THREADS_TOKEN"}
	t.Run("adopted: refreshed once and kept", func(t *testing.T) {
		s := newSetup(t, config{noStore: true, values: values, env: env{"THREADS_TOKEN": "threads-token-0"}})
		if _, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.a.Publish(t.Context(), platformtest.Payload("p2", "Hello again"), "k2"); err != nil {
			t.Fatal(err)
		}
		if n := s.fake.Refreshes(); n != 1 {
			t.Errorf("refreshes = %d, want 1", n)
		}
		stored, err := s.tokens.Load(t.Context(), "main")
		if err != nil {
			t.Fatalf("the adopted token was not kept: %v", err)
		}
		if stored.AccessToken != s.fake.AccessToken() || stored.Expiry.IsZero() || stored.Extra["user_id"] == "" {
			t.Errorf("stored token %+v, want the refreshed token with its expiry and user id", stored)
		}
	})
	t.Run("too new to refresh: used as it is", func(t *testing.T) {
		s := newSetup(t, config{noStore: true, values: values, env: env{"THREADS_TOKEN": "threads-token-0"},
			opts: threads.FakeOptions{TokenAge: time.Hour}})
		if _, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k"); err != nil {
			t.Fatal(err)
		}
		if n := s.fake.Refreshes(); n != 0 {
			t.Errorf("refreshes = %d, want 0", n)
		}
		if _, err := s.tokens.Load(t.Context(), "main"); !errors.Is(err, platforms.ErrNoToken) {
			t.Errorf("store = %v, want nothing kept", err)
		}
		if !strings.Contains(s.logs.String(), "using it as it is") {
			t.Errorf("logs do not say the token is used as it is:\n%s", s.logs)
		}
	})
	t.Run("missing", func(t *testing.T) {
		s := newSetup(t, config{noStore: true, values: values, env: env{}})
		_, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
		if err == nil || !strings.Contains(err.Error(), "THREADS_TOKEN") || platforms.OutcomeOf(err) != platforms.NotCreated {
			t.Errorf("err = %v, want a NotCreated error naming THREADS_TOKEN", err)
		}
	})
}

func TestCannotRefresh(t *testing.T) {
	tests := []struct {
		name   string
		stored *platforms.Token
		expire bool // the fake expires every token
	}{
		{"stored token expired", &platforms.Token{AccessToken: "threads-token-0", Expiry: start.Add(-time.Hour)}, false},
		{"Meta says the token expired", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, config{stored: tt.stored})
			if tt.expire {
				s.fake.ExpireTokens()
			}
			_, err := s.a.Publish(t.Context(), platformtest.Payload("p", "Hello"), "k")
			if !errors.Is(err, platforms.ErrNeedsReconnect) {
				t.Fatalf("err = %v, want ErrNeedsReconnect", err)
			}
			if platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Errorf("err %v is retryable or not NotCreated", err)
			}
			if !strings.Contains(err.Error(), "herald auth") {
				t.Errorf("err %q does not say how to reconnect", err)
			}
			if s.fake.Refreshes() != 0 || len(s.fake.Posts()) != 0 {
				t.Errorf("refreshes %d, posts %d; want none", s.fake.Refreshes(), len(s.fake.Posts()))
			}
		})
	}
}

// TestUserID: the user ID comes from the setting, else GET /me once,
// kept in the token's Extra.
func TestUserID(t *testing.T) {
	for _, tt := range []struct {
		name    string
		values  map[string]any
		wantMes int
	}{
		{"read from GET /me once", nil, 1},
		{"from the user_id setting", map[string]any{"user_id": "17841400000000001"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mes := 0
			s := newSetup(t, config{values: tt.values, wrap: func(rt http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(r *http.Request) (*http.Response, error) {
					if strings.HasSuffix(r.URL.Path, "/me") {
						mes++
					}
					return rt.RoundTrip(r)
				})
			}})
			for _, k := range []string{"a", "b"} {
				if _, err := s.a.Publish(t.Context(), platformtest.Payload(k, "Post "+k), platforms.AttemptKey(k)); err != nil {
					t.Fatal(err)
				}
			}
			if mes != tt.wantMes {
				t.Errorf("GET /me called %d times, want %d", mes, tt.wantMes)
			}
			if tt.wantMes > 0 {
				stored, _ := s.tokens.Load(t.Context(), "main")
				if stored.Extra["user_id"] != "17841400000000001" || stored.Extra["username"] != "herald_test" {
					t.Errorf("stored extra %v, want the user id and username", stored.Extra)
				}
			}
		})
	}
}
