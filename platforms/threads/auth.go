package threads

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// tokenResponse is the answer of GET /refresh_access_token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// accessToken returns the long-lived token to use now: the one in use,
// else the stored one, else the one in the environment. A token with
// less than RefreshWithin left (and at least RefreshMinAge old) is
// refreshed first, and a token from the environment, whose expiry herald
// does not know, is refreshed once so that its expiry becomes known and it
// is kept in the token store. A refresh that fails leaves the current
// token in use while it is valid: Meta answers for a token it refuses
// with code 190, which wraps platforms.ErrNeedsReconnect.
func (a *Threads) accessToken(ctx context.Context) (string, error) {
	a.authMu.Lock()
	defer a.authMu.Unlock()
	t, err := a.tokens.Load(ctx)
	if err != nil {
		return "", err
	}
	now := a.now()
	switch {
	case !t.Expiry.IsZero() && !now.Before(t.Expiry):
		return "", a.reconnect(fmt.Sprintf("the long-lived token expired at %s; Threads cannot refresh an expired token", t.Expiry.UTC().Format(time.RFC3339)))
	case t.Expiry.IsZero() && !a.adopted:
		a.adopted = true
		if nt, err := a.tokens.Refresh(ctx, t); err != nil {
			a.log.Warn("could not refresh the Threads token from the environment; using it as it is", "error", err.Error())
		} else {
			t = nt
		}
	case !t.Expiry.IsZero() && t.Expiry.Sub(now) < RefreshWithin && a.tokenAge(t, now) >= RefreshMinAge:
		if nt, err := a.tokens.Refresh(ctx, t); err != nil {
			a.log.Warn("could not refresh the Threads token; using it until it expires", "expiry", t.Expiry, "error", err.Error())
		} else {
			t = nt
		}
	}
	return t.AccessToken, nil
}

// tokenAge is how old t is: from its recorded issue time, else from its
// expiry less a long-lived token's lifetime.
func (a *Threads) tokenAge(t *platforms.Token, now time.Time) time.Duration {
	if at, err := time.Parse(time.RFC3339, t.Extra[extraIssuedAt]); err == nil {
		return now.Sub(at)
	}
	return now.Sub(t.Expiry.Add(-TokenLifetime))
}

// newTokens is the account's token source: the stored token, else the
// access_token_env secret; Threads has no refresh token, and a refreshed
// token the store cannot keep is not used (the old one stays valid until
// its own expiry). When to refresh is accessToken's rule.
func (a *Threads) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: a.s.Tokens, Account: a.s.Account, Secret: a.s.Secret, Now: a.now,
		AccessKey: "access_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no Threads token: run herald auth, or set access_token_env to the variable holding a long-lived token (%w)", a.s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   a.exchange,
		Refreshed:  func(t *platforms.Token) { a.log.Info("refreshed Threads token", "expiry", t.Expiry) },
	}
}

// exchange trades t for a new long-lived token at GET
// /refresh_access_token?grant_type=th_refresh_token.
func (a *Threads) exchange(ctx context.Context, t *platforms.Token) (*platforms.Token, error) {
	q := url.Values{"grant_type": {"th_refresh_token"}, "access_token": {t.AccessToken}}
	var tr tokenResponse
	_, err := a.client(a.authBase, t.AccessToken).DoJSON(ctx, httpxGet("refresh_access_token", q), &tr)
	if err != nil {
		return nil, a.apiError("refresh token", err, stageRead)
	}
	if tr.AccessToken == "" {
		return nil, errors.New("refresh token: Threads answered without an access token")
	}
	now := a.now()
	nt := &platforms.Token{AccessToken: tr.AccessToken, Extra: maps.Clone(t.Extra)}
	if nt.Extra == nil {
		nt.Extra = map[string]string{}
	}
	nt.Extra[extraIssuedAt] = now.UTC().Format(time.RFC3339)
	if tr.ExpiresIn > 0 {
		nt.Expiry = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	} else {
		nt.Expiry = now.Add(TokenLifetime)
	}
	return nt, nil
}

// reconnect is the error for an account whose token cannot be used or
// renewed.
func (a *Threads) reconnect(why string) error {
	msg := fmt.Sprintf("account %s: %s; get a new long-lived token (herald auth, or the variable named by access_token_env)", a.s.Account, why)
	return &platforms.APIError{Platform: Name, Code: "190", Message: msg, Outcome: platforms.NotCreated,
		Err: fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)}
}

// userIDFor returns the Threads user ID: the user_id setting, else the one
// kept in the token's Extra, else GET /me once, kept in the token's Extra
// and saved with it.
func (a *Threads) userIDFor(ctx context.Context) (string, error) {
	a.mu.Lock()
	id := a.userID
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if _, err := a.accessToken(ctx); err != nil {
		return "", err
	}
	t := a.tokens.Token()
	a.mu.Lock()
	if t != nil && t.Extra[extraUserID] != "" {
		a.userID = t.Extra[extraUserID]
	}
	id = a.userID
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if err := a.call(ctx, http.MethodGet, "me", url.Values{"fields": {"id,username"}}, nil, &me); err != nil {
		return "", a.apiError("read user id (GET /me)", err, stageContainer)
	}
	if me.ID == "" {
		return "", notCreated(errors.New("read user id: GET /me answered without an id"))
	}
	a.mu.Lock()
	a.userID = me.ID
	a.mu.Unlock()
	keep := a.tokens.Update(func(cur *platforms.Token) *platforms.Token {
		if cur == nil {
			return nil
		}
		nt := *cur
		nt.Extra = maps.Clone(nt.Extra)
		if nt.Extra == nil {
			nt.Extra = map[string]string{}
		}
		nt.Extra[extraUserID], nt.Extra[extraUsername] = me.ID, me.Username
		return &nt
	})
	if keep != nil && !keep.Expiry.IsZero() {
		// Only a token the store already keeps (one with a known expiry)
		// is saved again; a token from the environment stays there.
		if err := a.s.Tokens.Save(ctx, a.s.Account, keep); err != nil {
			a.log.Warn("could not keep the Threads user id with the token", "error", err.Error())
		}
	}
	return me.ID, nil
}
