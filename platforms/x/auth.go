package x

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// newTokens is the account's OAuth 2.0 token source: the stored token
// (herald auth), else the access_token_env and refresh_token_env secrets,
// refreshed at POST /2/oauth2/token once it lapses. X rotates refresh
// tokens on every use, so a refreshed pair the store refuses is still kept
// for this run: the old refresh token is already spent.
func (a *X) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: a.s.Tokens, Account: a.s.Account, Secret: a.s.Secret, Now: a.now,
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no X token: run herald auth, or set access_token_env (%v)", a.s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   a.exchange,
		SaveFailed: func(err error) error {
			return notCreated(fmt.Errorf("save refreshed token for %s: %w (X has rotated the refresh token: without it the account must be reconnected)", a.s.Account, err))
		},
		KeepUnsaved: true,
		Refreshed:   func(t *platforms.Token) { a.log.Info("refreshed X token", "expiry", t.Expiry) },
	}
}

// accessToken returns an OAuth 2.0 access token that is valid now.
func (a *X) accessToken(ctx context.Context) (string, error) {
	return a.tokens.AccessToken(ctx)
}

// exchange trades the refresh token for a new pair at POST
// /2/oauth2/token. A refresh token X refuses wraps
// platforms.ErrNeedsReconnect.
func (a *X) exchange(ctx context.Context, old *platforms.Token) (*platforms.Token, error) {
	if old == nil || old.RefreshToken == "" {
		return nil, a.reconnect(0, "", "the access token has expired and there is no refresh token (request the offline.access scope)", nil)
	}
	clientID, err := a.s.Secret("client_id_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	clientSecret, _ := a.s.Secret("client_secret_env") // public clients have none
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}, "client_id": {clientID}}
	req := httpx.Request{Method: http.MethodPost, Path: "oauth2/token", Body: []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded"}
	basic := ""
	if clientSecret != "" {
		basic = base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(clientSecret)))
		req.Header = http.Header{"Authorization": {"Basic " + basic}}
	}
	c := &httpx.Client{BaseURL: a.base, HTTP: a.s.HTTPClient, UserAgent: "herald", Now: a.now, Logger: a.log, ErrorMessage: errorMessage}
	c.Redact.Add(old.AccessToken, old.RefreshToken, clientSecret, basic)
	var tr tokenResponse
	_, err = c.DoJSON(ctx, req, &tr)
	var se *httpx.StatusError
	if errors.As(err, &se) && isDeadGrant(se) {
		return nil, a.reconnect(se.Status, se.Code, "X refused the refresh token ("+se.Message+")", err)
	}
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", platforms.FromHTTP(Name, err))
	}
	if tr.AccessToken == "" {
		return nil, notCreated(errors.New("refresh token: X answered without an access token"))
	}
	nt := &platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope, Extra: old.Extra}
	if nt.RefreshToken == "" {
		nt.RefreshToken = old.RefreshToken
	}
	if tr.ExpiresIn > 0 {
		nt.Expiry = a.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return nt, nil
}

// isDeadGrant reports whether the token endpoint refused the refresh
// token itself: invalid_grant, or the invalid_request "Value passed for
// the token was invalid." that X answers for a spent or revoked one.
func isDeadGrant(se *httpx.StatusError) bool {
	if se.Status != http.StatusBadRequest && se.Status != http.StatusUnauthorized {
		return false
	}
	return se.Code == "invalid_grant" ||
		(se.Code == "invalid_request" && strings.Contains(strings.ToLower(se.Message), "token was invalid"))
}

// reconnect is the error for an account whose token cannot be renewed.
func (a *X) reconnect(status int, code, why string, cause error) error {
	msg := fmt.Sprintf("account %s: %s; run herald auth to connect it again", a.s.Account, why)
	inner := fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)
	if cause != nil {
		inner = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, cause)
	}
	return &platforms.APIError{Platform: Name, Status: status, Code: code, Message: msg, Outcome: platforms.NotCreated, Err: inner}
}
