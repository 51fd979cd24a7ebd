package tiktok

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

// tokenResponse is the token endpoint's answer: TikTok gives the refresh
// token's lifetime as refresh_expires_in.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	OpenID           string `json:"open_id"`
	Scope            string `json:"scope"`
}

// newTokens is the account's token source: the stored token (herald
// auth), else access_token_env and refresh_token_env, refreshed before
// use once it lapses. TikTok rotates refresh tokens (the old one stops
// working when a new one is issued), so a refreshed pair is saved before
// it is used and kept for this run even when the store refuses it.
func (t *TikTok) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: t.s.Tokens, Account: t.s.Account, Secret: t.s.Secret, Now: t.now,
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no TikTok token: run herald auth %s, or set access_token_env (%v)", t.s.Account, t.s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   t.exchange,
		SaveFailed: func(err error) error {
			return notCreated(fmt.Errorf("save refreshed token for %s: %w (TikTok has rotated the refresh token: without it the account must be reconnected)", t.s.Account, err))
		},
		KeepUnsaved: true,
		Refreshed: func(tok *platforms.Token) {
			t.log.Info("refreshed TikTok token", "expiry", tok.Expiry, "refresh_expiry", tok.RefreshExpiry)
		},
	}
}

// exchange trades the refresh token for a new pair at token_url
// (client_key, client_secret, grant_type=refresh_token, refresh_token).
func (t *TikTok) exchange(ctx context.Context, old *platforms.Token) (*platforms.Token, error) {
	now := t.now()
	switch {
	case old == nil || old.RefreshToken == "":
		return nil, t.reconnect(0, "", "the access token has expired and there is no refresh token", nil)
	case !old.RefreshExpiry.IsZero() && !now.Before(old.RefreshExpiry):
		return nil, t.reconnect(0, "", "the refresh token expired on "+old.RefreshExpiry.UTC().Format(time.DateOnly), nil)
	}
	key, err := t.s.Secret("client_key_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	secret, err := t.s.Secret("client_secret_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	form := url.Values{"client_key": {key}, "client_secret": {secret}, "grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}}
	c := &httpx.Client{BaseURL: t.tokenURL, HTTP: t.s.HTTPClient, UserAgent: "herald", Now: t.now, Logger: t.log, ErrorMessage: errorMessage}
	c.Redact.Add(old.AccessToken, old.RefreshToken, secret)
	var tr tokenResponse
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"}, &tr)
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusUnauthorized) {
		return nil, t.reconnect(se.Status, se.Code, "TikTok refused the refresh token ("+cmp.Or(se.Message, se.Code)+")", err)
	}
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", platforms.FromHTTP(Name, err))
	}
	if tr.AccessToken == "" {
		return nil, notCreated(errors.New("refresh token: TikTok answered without an access token"))
	}
	nt := &platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope, RefreshExpiry: old.RefreshExpiry, Extra: old.Extra}
	if nt.RefreshToken == "" {
		nt.RefreshToken = old.RefreshToken
	}
	if nt.Scope == "" {
		nt.Scope = old.Scope
	}
	if tr.ExpiresIn > 0 {
		nt.Expiry = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.RefreshExpiresIn > 0 {
		nt.RefreshExpiry = now.Add(time.Duration(tr.RefreshExpiresIn) * time.Second)
	}
	return nt, nil
}

// reconnect is the error for an account whose token cannot be renewed.
func (t *TikTok) reconnect(status int, code, why string, cause error) error {
	msg := fmt.Sprintf("account %s: %s; run herald auth %s to connect it again", t.s.Account, why, t.s.Account)
	inner := fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)
	if cause != nil {
		inner = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, cause)
	}
	return &platforms.APIError{Platform: Name, Status: status, Code: code, Message: msg, Outcome: platforms.NotCreated, Err: inner}
}
