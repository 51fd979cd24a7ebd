package x_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

// orderedTokens records, for each Save, whether the saved access token had
// already been used against the fake: it must not have been.
type orderedTokens struct {
	platforms.MemTokens
	fake      *x.Fake
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

func TestRefreshRotatesAndSavesBeforeUse(t *testing.T) {
	for _, tc := range []struct {
		name         string
		clientSecret string
	}{
		{"public client", ""},
		{"confidential client with basic auth", "client-s3cret-value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: start}
			f := x.NewFake(t, x.FakeOptions{Now: c.Now, ClientSecret: tc.clientSecret})
			store := &orderedTokens{fake: f}
			// The stored token expired an hour ago.
			if err := store.MemTokens.Save(t.Context(), "main", &platforms.Token{AccessToken: f.AccessToken(),
				RefreshToken: f.RefreshToken(), Expiry: start.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			f.ExpireAccessTokens()
			values := map[string]any{"client_id_env": "X_CLIENT_ID", "client_secret_env": "X_CLIENT_SECRET"}
			a := newAdapter(t, f, c, store, values, env{"X_CLIENT_ID": "herald-client", "X_CLIENT_SECRET": tc.clientSecret}, &strings.Builder{})

			if _, err := a.Publish(t.Context(), platformtest.Payload("p1", "After a refresh"), "k1"); err != nil {
				t.Fatalf("publish: %v", err)
			}
			if f.Refreshes() != 1 {
				t.Errorf("refreshes = %d, want 1", f.Refreshes())
			}
			if len(store.saved) != 1 || store.usedFirst {
				t.Fatalf("saves = %+v (used before saved: %v), want one save before the post", store.saved, store.usedFirst)
			}
			want := platforms.Token{AccessToken: f.AccessToken(), RefreshToken: f.RefreshToken(),
				Expiry: start.Add(2 * time.Hour), Scope: "tweet.read tweet.write users.read media.write offline.access"}
			if diff := cmp.Diff(want, store.saved[0]); diff != "" {
				t.Errorf("saved token (-want +got):\n%s", diff)
			}
			if store.saved[0].RefreshToken == "x-refresh-0" {
				t.Error("the spent refresh token was saved instead of the rotated one")
			}
			// A second call uses the saved token without refreshing again.
			if _, err := a.Publish(t.Context(), platformtest.Payload("p2", "No second refresh"), "k2"); err != nil {
				t.Fatal(err)
			}
			if f.Refreshes() != 1 {
				t.Errorf("refreshes after a second call = %d, want 1", f.Refreshes())
			}
		})
	}
}

func TestEnvTokenRefreshedOn401(t *testing.T) {
	c := &clock{t: start}
	f := x.NewFake(t, x.FakeOptions{Now: c.Now})
	e := env{"X_CLIENT_ID": "herald-client", "X_ACCESS_TOKEN": f.AccessToken(), "X_REFRESH_TOKEN": f.RefreshToken()}
	f.ExpireAccessTokens()
	tokens := &platforms.MemTokens{}
	a := newAdapter(t, f, c, tokens, oauth2Values, e, &strings.Builder{})
	r, err := a.Publish(t.Context(), platformtest.Payload("p", "From the environment"), "k")
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if len(r.IDs) != 1 || len(f.Posts()) != 1 {
		t.Errorf("receipt %v, posts %v: want one post", r.IDs, f.Posts())
	}
	saved, err := tokens.Load(t.Context(), "main")
	if err != nil || saved.RefreshToken != f.RefreshToken() || saved.AccessToken != f.AccessToken() {
		t.Errorf("stored token %+v, %v; want the fake's rotated pair", saved, err)
	}
}

func TestRefreshRefusedNeedsReconnect(t *testing.T) {
	tests := []struct {
		name   string
		breakf func(f *x.Fake)
		token  func(f *x.Fake) *platforms.Token
	}{
		{"refresh token revoked", func(f *x.Fake) { f.RevokeRefreshToken() },
			func(f *x.Fake) *platforms.Token {
				return &platforms.Token{AccessToken: f.AccessToken(), RefreshToken: f.RefreshToken(), Expiry: start.Add(-time.Minute)}
			}},
		{"refresh token already spent", func(f *x.Fake) {},
			func(f *x.Fake) *platforms.Token {
				return &platforms.Token{AccessToken: f.AccessToken(), RefreshToken: "x-refresh-spent", Expiry: start.Add(-time.Minute)}
			}},
		{"no refresh token", func(f *x.Fake) {},
			func(f *x.Fake) *platforms.Token {
				return &platforms.Token{AccessToken: f.AccessToken(), Expiry: start.Add(-time.Minute)}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			f := x.NewFake(t, x.FakeOptions{Now: c.Now})
			tokens := &platforms.MemTokens{}
			tokens.Save(t.Context(), "main", tt.token(f))
			tt.breakf(f)
			a := newAdapter(t, f, c, tokens, oauth2Values, env{"X_CLIENT_ID": "herald-client"}, &strings.Builder{})
			_, err := a.Publish(t.Context(), platformtest.Payload("p", "Never sent"), "k")
			if !errors.Is(err, platforms.ErrNeedsReconnect) {
				t.Fatalf("err = %v, want ErrNeedsReconnect", err)
			}
			if platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Errorf("retryable %v, outcome %s; want not retryable, not_created", platforms.IsRetryable(err), platforms.OutcomeOf(err))
			}
			if !strings.Contains(err.Error(), "herald auth") {
				t.Errorf("error %q does not say how to reconnect", err)
			}
			if len(f.Posts()) != 0 {
				t.Errorf("posts = %v, want none", f.Posts())
			}
		})
	}
}

func TestMissingSecretsSayWhich(t *testing.T) {
	c := &clock{t: start}
	f := x.NewFake(t, x.FakeOptions{Now: c.Now})
	a := newAdapter(t, f, c, &platforms.MemTokens{}, oauth2Values, env{}, &strings.Builder{})
	_, err := a.Publish(t.Context(), platformtest.Payload("p", "No token"), "k")
	if err == nil || !strings.Contains(err.Error(), "X_ACCESS_TOKEN") || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("err = %v, want a not_created error naming X_ACCESS_TOKEN", err)
	}
}
