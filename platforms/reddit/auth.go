package reddit

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// errNoToken marks an account with no token anywhere, which a script
// app's password grant can still log in.
var errNoToken = errors.New("no Reddit token")

// tokenResponse is the token endpoint's answer. Reddit answers a wrong
// password with 200 and {"error": "invalid_grant"}.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	Error        string `json:"error"`
}

func (r *Reddit) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: r.s.Tokens, Account: r.s.Account, Secret: r.s.Secret, Now: r.now,
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no Reddit token: run herald auth %s, or set password_env for a script app (%w: %v)", r.s.Account, r.s.Account, errNoToken, err))
		},
		LoadFailed: notCreated,
		Exchange:   r.exchange,
		SaveFailed: func(err error) error {
			return notCreated(fmt.Errorf("save refreshed token for %s: %w", r.s.Account, err))
		},
		KeepUnsaved: true,
		Refreshed: func(t *platforms.Token) {
			r.log.Info("renewed Reddit token", "expiry", t.Expiry)
		},
	}
}

// script reports whether the account logs in as a script app, with the
// password named by password_env.
func (r *Reddit) script() bool { return r.s.String("password_env") != "" }

// accessToken returns a token valid now: the stored or configured one,
// renewed through its refresh token or, for a script app, a fresh
// password grant when it lapses.
func (r *Reddit) accessToken(ctx context.Context) (string, error) {
	if _, err := r.tokens.Load(ctx); errors.Is(err, errNoToken) && r.script() {
		t, err := r.tokens.Refresh(ctx, nil)
		if err != nil {
			return "", err
		}
		return t.AccessToken, nil
	} else if err != nil {
		return "", err
	}
	return r.tokens.AccessToken(ctx)
}

// exchange renews old: with its refresh token (installed and web apps,
// duration=permanent), else by a password grant (script apps). The
// client authenticates with HTTP Basic: the app's ID and its secret,
// which is empty for an installed app.
func (r *Reddit) exchange(ctx context.Context, old *platforms.Token) (*platforms.Token, error) {
	var form url.Values
	var password string
	switch {
	case old != nil && old.RefreshToken != "":
		form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}}
	case r.script():
		pw, err := r.s.Secret("password_env")
		if err != nil {
			return nil, notCreated(fmt.Errorf("log in: %w", err))
		}
		password = pw
		form = url.Values{"grant_type": {"password"}, "username": {r.username}, "password": {pw}}
	default:
		return nil, r.reconnect(0, "", "the access token has expired or was refused, and there is no refresh token and no password_env", nil)
	}
	clientID, err := r.s.Secret("client_id_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("renew token: %w", err))
	}
	secret := ""
	if r.s.String("client_secret_env") != "" {
		if secret, err = r.s.Secret("client_secret_env"); err != nil {
			return nil, notCreated(fmt.Errorf("renew token: %w", err))
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret))
	c := r.client(r.tokenURL)
	c.Redact.Add(secret, basic, password)
	if old != nil {
		c.Redact.Add(old.AccessToken, old.RefreshToken)
	}
	var tr tokenResponse
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded",
		Header: http.Header{"Authorization": {"Basic " + basic}}}, &tr)
	if s := statusOf(err); s == http.StatusBadRequest || s == http.StatusUnauthorized {
		var se *httpx.StatusError
		errors.As(err, &se)
		return nil, r.reconnect(s, se.Code, "Reddit refused the app's credentials or the grant ("+cmp.Or(se.Message, se.Code)+"); check client_id_env and client_secret_env", err)
	}
	if err != nil {
		return nil, fmt.Errorf("renew token: %w", platforms.FromHTTP(Name, err))
	}
	if tr.Error != "" || tr.AccessToken == "" {
		why := "Reddit refused the refresh token (" + cmp.Or(tr.Error, "no access token") + ")"
		if form.Get("grant_type") == "password" {
			why = "Reddit refused the username and password (" + cmp.Or(tr.Error, "no access token") + "); check username and password_env (an account with two-factor authentication cannot use a script app)"
		}
		return nil, r.reconnect(0, tr.Error, why, nil)
	}
	nt := &platforms.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope}
	if old != nil {
		nt.RefreshToken = cmp.Or(tr.RefreshToken, old.RefreshToken)
		nt.Scope = cmp.Or(tr.Scope, old.Scope)
		nt.Extra = old.Extra
	}
	if tr.ExpiresIn > 0 {
		nt.Expiry = r.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return nt, nil
}

// reconnect is the error for an account whose token cannot be renewed.
func (r *Reddit) reconnect(status int, code, why string, cause error) error {
	msg := fmt.Sprintf("account %s: %s; run herald auth %s", r.s.Account, why, r.s.Account)
	inner := fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)
	if cause != nil {
		inner = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, cause)
	}
	return &platforms.APIError{Platform: Name, Status: status, Code: code, Message: msg, Outcome: platforms.NotCreated, Err: inner}
}
