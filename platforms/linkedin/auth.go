package linkedin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// tokenResponse is the token endpoint's answer to a refresh.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	Scope                 string `json:"scope"`
}

// accessToken returns an access token that is valid now: the one in use,
// else the stored one (herald auth), else the one in the environment;
// refreshed first when it has lapsed and can be refreshed.
func (a *LinkedIn) accessToken(ctx context.Context) (string, error) {
	a.mu.Lock()
	t := a.token
	a.mu.Unlock()
	if t == nil {
		var err error
		if t, err = a.loadToken(ctx); err != nil {
			return "", err
		}
		a.mu.Lock()
		a.token = t
		a.mu.Unlock()
	}
	if t.Valid(a.now()) {
		return t.AccessToken, nil
	}
	nt, err := a.refresh(ctx, t)
	if err != nil {
		return "", err
	}
	return nt.AccessToken, nil
}

// loadToken reads the account's token from the token store, or from the
// access_token_env (and, for partners, refresh_token_env) secrets when the
// store has none.
func (a *LinkedIn) loadToken(ctx context.Context) (*platforms.Token, error) {
	t, err := a.s.Tokens.Load(ctx, a.s.Account)
	switch {
	case err == nil && t != nil && (t.AccessToken != "" || t.RefreshToken != ""):
		return t, nil
	case err != nil && !errors.Is(err, platforms.ErrNoToken):
		return nil, notCreated(fmt.Errorf("load token: %w", err))
	}
	access, aerr := a.s.Secret("access_token_env")
	refresh, rerr := a.s.Secret("refresh_token_env")
	if aerr != nil && rerr != nil {
		return nil, notCreated(fmt.Errorf("account %s has no LinkedIn token: run herald auth linkedin, or set access_token_env (%v)", a.s.Account, aerr))
	}
	// A token from the environment has no known expiry: it is used until
	// LinkedIn refuses it (see do).
	return &platforms.Token{AccessToken: access, RefreshToken: refresh}, nil
}

// mayRefreshOn401 says whether a 401 may be a lapsed token that a refresh
// would fix: only for a token whose expiry herald does not know.
func (a *LinkedIn) mayRefreshOn401() (*platforms.Token, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token, a.token != nil && a.token.Expiry.IsZero() && a.token.RefreshToken != ""
}

// refresh trades the refresh token for a new access token at the
// token_url setting (grant_type=refresh_token with the client ID and
// secret). Only LinkedIn's approved partners get refresh tokens; without
// one, or with one that has lapsed or been refused, the error wraps
// platforms.ErrNeedsReconnect and gives the expiry date. The new token is
// saved through the token store before it is used.
//
// stale is the token the caller found wanting: when another call has
// already replaced it with a valid one, that one is returned.
func (a *LinkedIn) refresh(ctx context.Context, stale *platforms.Token) (*platforms.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if a.token != nil && a.token != stale && a.token.Valid(now) {
		return a.token, nil
	}
	old := a.token
	if old == nil {
		old = stale
	}
	switch {
	case old == nil || old.RefreshToken == "":
		return nil, a.reconnect(0, "", expiredWhy("the access token", old, now)+" and there is no refresh token (LinkedIn gives them to approved partners only)", nil)
	case !old.RefreshExpiry.IsZero() && !now.Before(old.RefreshExpiry):
		return nil, a.reconnect(0, "", "the refresh token expired on "+old.RefreshExpiry.UTC().Format(time.DateOnly)+" (LinkedIn refresh tokens last 365 days from the first authorization)", nil)
	}
	clientID, err := a.s.Secret("client_id_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	clientSecret, err := a.s.Secret("client_secret_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken},
		"client_id": {clientID}, "client_secret": {clientSecret}}
	c := &httpx.Client{BaseURL: a.tokenURL, HTTP: a.s.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.log, ErrorMessage: errorMessage}
	c.Redact.Add(old.AccessToken, old.RefreshToken, clientSecret)
	var tr tokenResponse
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Body: []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded"}, &tr)
	if s := statusOf(err); s == http.StatusBadRequest || s == http.StatusUnauthorized {
		var se *httpx.StatusError
		errors.As(err, &se)
		return nil, a.reconnect(s, se.Code, "LinkedIn refused the refresh token ("+firstNonEmpty(se.Message, se.Code)+")", err)
	}
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", platforms.FromHTTP(Name, err))
	}
	if tr.AccessToken == "" {
		return nil, notCreated(errors.New("refresh token: LinkedIn answered without an access token"))
	}
	nt := &platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope,
		RefreshExpiry: old.RefreshExpiry, Extra: old.Extra}
	if nt.RefreshToken == "" {
		nt.RefreshToken = old.RefreshToken
	}
	if nt.Scope == "" {
		nt.Scope = old.Scope
	}
	if tr.ExpiresIn > 0 {
		nt.Expiry = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.RefreshTokenExpiresIn > 0 {
		nt.RefreshExpiry = now.Add(time.Duration(tr.RefreshTokenExpiresIn) * time.Second)
	}
	if err := a.s.Tokens.Save(ctx, a.s.Account, nt); err != nil {
		// Keep the new token for this run, and say the next run lacks it.
		a.token = nt
		return nil, notCreated(fmt.Errorf("save refreshed token for %s: %w", a.s.Account, err))
	}
	a.token = nt
	a.log.Info("refreshed LinkedIn token", "expiry", nt.Expiry, "refresh_expiry", nt.RefreshExpiry)
	return nt, nil
}

// expiredWhy says when the access token lapsed, when herald knows.
func expiredWhy(what string, t *platforms.Token, now time.Time) string {
	switch {
	case t == nil || t.Expiry.IsZero():
		return what + " was refused or has expired"
	case now.Before(t.Expiry):
		return what + " expires on " + t.Expiry.UTC().Format(time.DateOnly)
	default:
		return what + " expired on " + t.Expiry.UTC().Format(time.DateOnly)
	}
}

// reconnect is the error for an account whose token cannot be renewed.
func (a *LinkedIn) reconnect(status int, code, why string, cause error) error {
	msg := fmt.Sprintf("account %s: %s; LinkedIn tokens last 60 days; run herald auth linkedin", a.s.Account, why)
	inner := fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)
	if cause != nil {
		inner = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, cause)
	}
	return &platforms.APIError{Platform: Name, Status: status, Code: code, Message: msg, Outcome: platforms.NotCreated, Err: inner}
}
