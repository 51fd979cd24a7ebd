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
)

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// accessToken returns an OAuth 2.0 access token that is valid now: the
// one in use, else the stored one (herald auth), else the one in the
// environment; refreshed first when it has lapsed.
func (a *X) accessToken(ctx context.Context) (string, error) {
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
// access_token_env and refresh_token_env secrets when the store has none.
func (a *X) loadToken(ctx context.Context) (*platforms.Token, error) {
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
		return nil, notCreated(fmt.Errorf("account %s has no X token: run herald auth, or set access_token_env (%v)", a.s.Account, aerr))
	}
	// A token from the environment has no known expiry: it is used until
	// X refuses it, then refreshed (see do).
	return &platforms.Token{AccessToken: access, RefreshToken: refresh}, nil
}

// mayRefreshOn401 says whether a 401 may be a lapsed token that a refresh
// would fix: only for a token whose expiry herald does not know.
func (a *X) mayRefreshOn401() (*platforms.Token, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token, a.token != nil && a.token.Expiry.IsZero() && a.token.RefreshToken != ""
}

// refresh trades the refresh token for a new pair at POST
// /2/oauth2/token. X rotates refresh tokens on every use, so the new pair
// is saved through the token store before the new access token is used;
// a failed save is an error, because the old refresh token is already
// spent. A refresh token X refuses wraps platforms.ErrNeedsReconnect.
//
// stale is the token the caller found wanting: when another call has
// already replaced it with a valid one, that one is returned instead of
// spending the new refresh token.
func (a *X) refresh(ctx context.Context, stale *platforms.Token) (*platforms.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != nil && a.token != stale && a.token.Valid(a.now()) {
		return a.token, nil
	}
	old := a.token
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
	if err := a.s.Tokens.Save(ctx, a.s.Account, nt); err != nil {
		// The old refresh token is spent; keep the new pair for this run
		// so its calls work, and say that the next run will need it.
		a.token = nt
		return nil, notCreated(fmt.Errorf("save refreshed token for %s: %w (X has rotated the refresh token: without it the account must be reconnected)", a.s.Account, err))
	}
	a.token = nt
	a.log.Info("refreshed X token", "expiry", nt.Expiry)
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
