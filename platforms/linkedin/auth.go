package linkedin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// tokenResponse is the token endpoint's answer to a refresh.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	Scope                 string `json:"scope"`
}

// newTokens is the account's token source: the stored token (herald
// auth), else the access_token_env (and, for partners, refresh_token_env)
// secrets, refreshed at the token_url once it lapses and can be refreshed.
func (a *LinkedIn) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: a.s.Tokens, Account: a.s.Account, Secret: a.s.Secret, Now: a.now,
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no LinkedIn token: run herald auth linkedin, or set access_token_env (%v)", a.s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   a.exchange,
		SaveFailed: func(err error) error {
			return notCreated(fmt.Errorf("save refreshed token for %s: %w", a.s.Account, err))
		},
		// Keep the new token for this run; the error says the next run lacks it.
		KeepUnsaved: true,
		Refreshed: func(t *platforms.Token) {
			a.log.Info("refreshed LinkedIn token", "expiry", t.Expiry, "refresh_expiry", t.RefreshExpiry)
		},
	}
}

// accessToken returns an access token that is valid now.
func (a *LinkedIn) accessToken(ctx context.Context) (string, error) {
	return a.tokens.AccessToken(ctx)
}

// exchange trades the refresh token for a new access token at the
// token_url setting (grant_type=refresh_token with the client ID and
// secret). Only LinkedIn's approved partners get refresh tokens; without
// one, or with one that has lapsed or been refused, the error wraps
// platforms.ErrNeedsReconnect and gives the expiry date.
func (a *LinkedIn) exchange(ctx context.Context, old *platforms.Token) (*platforms.Token, error) {
	now := a.now()
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
		return nil, a.reconnect(s, se.Code, "LinkedIn refused the refresh token ("+cmp.Or(se.Message, se.Code)+")", err)
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
