package youtube

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

// tokenResponse is Google's token endpoint's answer to a refresh. Google
// keeps the refresh token (it sends none back), except for a grant with
// time-limited access, which gives refresh_token_expires_in.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	Scope                 string `json:"scope"`
}

// newTokens is the account's token source: the stored token (herald
// auth), else the access_token_env and refresh_token_env secrets,
// refreshed at token_url before use once it lapses (Google's access
// tokens last an hour).
func (y *YouTube) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: y.s.Tokens, Account: y.s.Account, Secret: y.s.Secret, Now: y.now,
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no Google token: run herald auth %s, or set access_token_env (%v)", y.s.Account, y.s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   y.exchange,
		SaveFailed: func(err error) error {
			return notCreated(fmt.Errorf("save refreshed token for %s: %w", y.s.Account, err))
		},
		KeepUnsaved: true,
		Refreshed:   func(t *platforms.Token) { y.log.Info("refreshed Google token", "expiry", t.Expiry) },
	}
}

// exchange trades the refresh token for a new access token
// (grant_type=refresh_token with the client's ID and secret in the
// form). invalid_grant means the refresh token was revoked or has lapsed
// (a consent screen left in "Testing" issues refresh tokens that last 7
// days): the account must be connected again.
func (y *YouTube) exchange(ctx context.Context, old *platforms.Token) (*platforms.Token, error) {
	if old == nil || old.RefreshToken == "" {
		return nil, y.reconnect(0, "", "the access token has expired and there is no refresh token", nil)
	}
	if !old.RefreshExpiry.IsZero() && !y.now().Before(old.RefreshExpiry) {
		return nil, y.reconnect(0, "", "the refresh token expired on "+old.RefreshExpiry.UTC().Format(time.DateOnly), nil)
	}
	clientID, err := y.s.Secret("client_id_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	clientSecret, err := y.s.Secret("client_secret_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}, "client_id": {clientID}, "client_secret": {clientSecret}}
	c := &httpx.Client{BaseURL: y.tokenURL, HTTP: y.s.HTTPClient, UserAgent: "herald", Now: y.now, Logger: y.log, ErrorMessage: errorMessage}
	c.Redact.Add(old.AccessToken, old.RefreshToken, clientSecret)
	var tr tokenResponse
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"}, &tr)
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusUnauthorized) {
		return nil, y.reconnect(se.Status, se.Code, "Google refused the refresh token ("+cmp.Or(se.Message, se.Code)+")", err)
	}
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", platforms.FromHTTP(Name, err))
	}
	if tr.AccessToken == "" {
		return nil, notCreated(errors.New("refresh token: Google answered without an access token"))
	}
	nt := &platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope, RefreshExpiry: old.RefreshExpiry, Extra: old.Extra}
	if nt.RefreshToken == "" {
		nt.RefreshToken = old.RefreshToken
	}
	if nt.Scope == "" {
		nt.Scope = old.Scope
	}
	if tr.ExpiresIn > 0 {
		nt.Expiry = y.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.RefreshTokenExpiresIn > 0 {
		nt.RefreshExpiry = y.now().Add(time.Duration(tr.RefreshTokenExpiresIn) * time.Second)
	}
	return nt, nil
}

// reconnect is the error for an account whose token cannot be renewed.
func (y *YouTube) reconnect(status int, code, why string, cause error) error {
	msg := fmt.Sprintf("account %s: %s; run herald auth %s to connect it again", y.s.Account, why, y.s.Account)
	inner := fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)
	if cause != nil {
		inner = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, cause)
	}
	return &platforms.APIError{Platform: Name, Status: status, Code: code, Message: msg, Outcome: platforms.NotCreated, Err: inner}
}
