package linkedin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// orderedTokens records each saved token and whether a post existed
// before it was saved: a refreshed token must be saved before it is used.
type orderedTokens struct {
	platforms.MemTokens
	fake      *linkedin.Fake
	saved     []platforms.Token
	usedFirst bool
}

func (o *orderedTokens) Save(ctx context.Context, account string, t *platforms.Token) error {
	o.saved = append(o.saved, *t)
	if len(o.fake.Posts()) > 0 {
		o.usedFirst = true
	}
	return o.MemTokens.Save(ctx, account, t)
}

const day = 24 * time.Hour

func TestPartnerRefreshSavesBeforeUse(t *testing.T) {
	c := &clock{t: start}
	f := linkedin.NewFake(t, linkedin.FakeOptions{Now: c.Now, RefreshToken: "li-refresh-0", TokenTTL: 60 * day})
	store := &orderedTokens{fake: f}
	refreshExpiry := start.Add(365 * day)
	store.MemTokens.Save(t.Context(), "main", &platforms.Token{AccessToken: f.AccessToken(), RefreshToken: "li-refresh-0",
		Expiry: start.Add(60 * day), RefreshExpiry: refreshExpiry})
	c.Add(61 * day) // the access token has lapsed
	f.ExpireAccessTokens()
	a := newAdapter(t, f, c.Now, store, values(f, nil), partnerEnv, &strings.Builder{})

	if _, err := a.Publish(t.Context(), platformtest.Payload("p1", "After a refresh"), "k1"); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if f.Refreshes() != 1 || len(store.saved) != 1 || store.usedFirst {
		t.Fatalf("refreshes %d, saves %+v, used before saved %v: want one refresh saved before the post", f.Refreshes(), store.saved, store.usedFirst)
	}
	now := start.Add(61 * day)
	want := platforms.Token{AccessToken: f.AccessToken(), RefreshToken: "li-refresh-0", Expiry: now.Add(60 * day),
		RefreshExpiry: refreshExpiry, Scope: "r_basicprofile,w_member_social"}
	if diff := cmp.Diff(want, store.saved[0]); diff != "" {
		t.Errorf("saved token (-want +got):\n%s", diff)
	}
	if _, err := a.Publish(t.Context(), platformtest.Payload("p2", "No second refresh"), "k2"); err != nil {
		t.Fatal(err)
	}
	if f.Refreshes() != 1 {
		t.Errorf("refreshes after a second call = %d, want 1", f.Refreshes())
	}
}

func TestEnvTokenRefreshedOn401(t *testing.T) {
	c := &clock{t: start}
	f := linkedin.NewFake(t, linkedin.FakeOptions{Now: c.Now, RefreshToken: "li-refresh-0"})
	e := env{"LI_ACCESS_TOKEN": f.AccessToken(), "LI_REFRESH_TOKEN": "li-refresh-0", "LI_CLIENT_ID": "herald-client", "LI_CLIENT_SECRET": "herald-client-secret"}
	f.ExpireAccessTokens()
	tokens := &platforms.MemTokens{}
	a := newAdapter(t, f, c.Now, tokens, values(f, nil), e, &strings.Builder{})
	if _, err := a.Publish(t.Context(), platformtest.Payload("p", "From the environment"), "k"); err != nil {
		t.Fatalf("publish: %v", err)
	}
	saved, err := tokens.Load(t.Context(), "main")
	if err != nil || saved.AccessToken != f.AccessToken() || saved.Expiry.IsZero() {
		t.Errorf("stored token %+v, %v; want the fake's new token with its expiry", saved, err)
	}
}

func TestExpiredTokenNeedsReconnect(t *testing.T) {
	tests := []struct {
		name     string
		refresh  string // the fake's live refresh token
		token    platforms.Token
		revoke   bool
		wantSays string
	}{
		{"no refresh token (not a partner)", "",
			platforms.Token{AccessToken: "li-access-0", Expiry: start.Add(-2 * day)},
			false, "expired on 2026-02-27"},
		{"refresh token revoked", "li-refresh-0",
			platforms.Token{AccessToken: "li-access-0", RefreshToken: "li-refresh-0", Expiry: start.Add(-time.Minute)},
			true, "LinkedIn refused the refresh token"},
		{"refresh token lapsed after 365 days", "li-refresh-0",
			platforms.Token{AccessToken: "li-access-0", RefreshToken: "li-refresh-0", Expiry: start.Add(-time.Minute), RefreshExpiry: start.Add(-day)},
			false, "refresh token expired on 2026-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			f := linkedin.NewFake(t, linkedin.FakeOptions{Now: c.Now, RefreshToken: tt.refresh})
			f.ExpireAccessTokens()
			if tt.revoke {
				f.RevokeRefreshToken()
			}
			tokens := &platforms.MemTokens{}
			tokens.Save(t.Context(), "main", &tt.token)
			a := newAdapter(t, f, c.Now, tokens, values(f, nil), partnerEnv, &strings.Builder{})
			_, err := a.Publish(t.Context(), platformtest.Payload("p", "Never sent"), "k")
			if !errors.Is(err, platforms.ErrNeedsReconnect) {
				t.Fatalf("err = %v, want ErrNeedsReconnect", err)
			}
			if platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Errorf("retryable %v, outcome %s; want not retryable, not_created", platforms.IsRetryable(err), platforms.OutcomeOf(err))
			}
			for _, says := range []string{tt.wantSays, "LinkedIn tokens last 60 days", "run herald auth linkedin"} {
				if !strings.Contains(err.Error(), says) {
					t.Errorf("error %q does not say %q", err, says)
				}
			}
			if len(f.Posts()) != 0 {
				t.Errorf("posts = %v, want none", f.Posts())
			}
		})
	}
}

func TestTokenRefusedByLinkedInNeedsReconnect(t *testing.T) {
	// A token herald thinks is valid but LinkedIn refuses (revoked in the
	// member's settings), with no refresh token: a human must reconnect.
	s := newSetup(t, linkedin.FakeOptions{})
	s.fake.ExpireAccessTokens()
	_, err := s.li.Publish(t.Context(), platformtest.Payload("p", "Refused"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "EXPIRED_ACCESS_TOKEN" || !errors.Is(err, platforms.ErrNeedsReconnect) {
		t.Fatalf("err = %v, want a 401 EXPIRED_ACCESS_TOKEN wrapping ErrNeedsReconnect", err)
	}
	if !strings.Contains(err.Error(), "run herald auth linkedin") {
		t.Errorf("error %q does not say how to reconnect", err)
	}
}

func TestMissingSecretSaysWhich(t *testing.T) {
	c := &clock{t: start}
	f := linkedin.NewFake(t, linkedin.FakeOptions{Now: c.Now})
	a := newAdapter(t, f, c.Now, &platforms.MemTokens{}, values(f, nil), env{}, &strings.Builder{})
	_, err := a.Publish(t.Context(), platformtest.Payload("p", "No token"), "k")
	if err == nil || !strings.Contains(err.Error(), "LI_ACCESS_TOKEN") || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("err = %v, want a not_created error naming LI_ACCESS_TOKEN", err)
	}
}

func TestSettingsValidated(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		says   string
	}{
		{"no author", map[string]any{}, "setting author"},
		{"author not a urn", map[string]any{"author": "someone"}, "setting author"},
		{"bad version", map[string]any{"author": "urn:li:person:1", "version": "2026-05"}, "setting version"},
		{"bad find_count", map[string]any{"author": "urn:li:person:1", "find_count": 500}, "setting find_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := linkedin.New(platforms.Settings{Account: "main", Values: tt.values, Now: func() time.Time { return start }})
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("New = %v, want an error about %s", err, tt.says)
			}
		})
	}
}
