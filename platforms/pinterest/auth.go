package pinterest

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

// tokenResponse is the token endpoint's answer to a refresh.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	RefreshToken          string `json:"refresh_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	Scope                 string `json:"scope"`
}

// newTokens is the account's token source: the stored token (herald
// auth), else access_token_env and refresh_token_env.
func (p *Pinterest) newTokens() *oauthtoken.Source {
	return &oauthtoken.Source{
		Store: p.s.Tokens, Account: p.s.Account, Secret: p.s.Secret, Now: p.now,
		AccessKey: "access_token_env", RefreshKey: "refresh_token_env",
		NoToken: func(err error) error {
			return notCreated(fmt.Errorf("account %s has no Pinterest token: run herald auth %s, or set access_token_env (%v)", p.s.Account, p.s.Account, err))
		},
		LoadFailed: notCreated,
		Exchange:   p.exchange,
		SaveFailed: func(err error) error {
			return notCreated(fmt.Errorf("save refreshed token for %s: %w", p.s.Account, err))
		},
		// Pinterest issues a new refresh token with every refresh: keep it
		// for this run even when the store refuses it.
		KeepUnsaved: true,
		Refreshed: func(t *platforms.Token) {
			p.log.Info("refreshed Pinterest token", "expiry", t.Expiry, "refresh_expiry", t.RefreshExpiry)
		},
	}
}

// accessToken returns a token valid now, refreshed first when it lapses
// within refreshAhead and can be refreshed, so that a refresh happens
// before use rather than after a refusal.
func (p *Pinterest) accessToken(ctx context.Context) (string, error) {
	t, err := p.tokens.Load(ctx)
	if err != nil {
		return "", err
	}
	if t.RefreshToken != "" && !t.Expiry.IsZero() && p.now().Add(refreshAhead).After(t.Expiry) {
		nt, err := p.tokens.Refresh(ctx, t)
		if err != nil {
			if t.Valid(p.now()) {
				// Still usable: say so, use it, and let the next run retry.
				p.log.Warn("could not refresh the Pinterest token ahead of its expiry", "expiry", t.Expiry, "error", err.Error())
				return t.AccessToken, nil
			}
			return "", err
		}
		return nt.AccessToken, nil
	}
	return p.tokens.AccessToken(ctx)
}

// exchange trades the refresh token for a new access token and a new
// continuous refresh token at token_url, with HTTP Basic client
// credentials.
func (p *Pinterest) exchange(ctx context.Context, old *platforms.Token) (*platforms.Token, error) {
	now := p.now()
	switch {
	case old == nil || old.RefreshToken == "":
		return nil, p.reconnect(0, "", "the access token has expired or was refused and there is no refresh token", nil)
	case !old.RefreshExpiry.IsZero() && !now.Before(old.RefreshExpiry):
		return nil, p.reconnect(0, "", "the refresh token expired on "+old.RefreshExpiry.UTC().Format(time.DateOnly)+" (Pinterest refresh tokens lapse after 60 days without a refresh)", nil)
	}
	clientID, err := p.s.Secret("client_id_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	secret, err := p.s.Secret("client_secret_env")
	if err != nil {
		return nil, notCreated(fmt.Errorf("refresh token: %w", err))
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}}
	if v, _ := p.s.Values["continuous_refresh"].(bool); v {
		// Apps made before 25 September 2025 opt in per request.
		form.Set("continuous_refresh", "true")
	}
	basic := base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret))
	c := p.client(p.tokenURL)
	c.Redact.Add(old.AccessToken, old.RefreshToken, secret, basic)
	var tr tokenResponse
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded",
		Header: http.Header{"Authorization": {"Basic " + basic}}}, &tr)
	if s := statusOf(err); s == http.StatusBadRequest || s == http.StatusUnauthorized {
		var se *httpx.StatusError
		errors.As(err, &se)
		return nil, p.reconnect(s, se.Code, "Pinterest refused the refresh token ("+cmp.Or(se.Message, se.Code)+")", err)
	}
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", platforms.FromHTTP(Name, err))
	}
	if tr.AccessToken == "" {
		return nil, notCreated(errors.New("refresh token: Pinterest answered without an access token"))
	}
	nt := &platforms.Token{AccessToken: tr.AccessToken, RefreshToken: cmp.Or(tr.RefreshToken, old.RefreshToken),
		Scope: cmp.Or(tr.Scope, old.Scope), RefreshExpiry: old.RefreshExpiry, Extra: old.Extra}
	if tr.ExpiresIn > 0 {
		nt.Expiry = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.RefreshTokenExpiresIn > 0 {
		nt.RefreshExpiry = now.Add(time.Duration(tr.RefreshTokenExpiresIn) * time.Second)
	}
	return nt, nil
}

// reconnect is the error for an account whose token cannot be renewed.
func (p *Pinterest) reconnect(status int, code, why string, cause error) error {
	msg := fmt.Sprintf("account %s: %s; run herald auth %s", p.s.Account, why, p.s.Account)
	inner := fmt.Errorf("%w: %s", platforms.ErrNeedsReconnect, msg)
	if cause != nil {
		inner = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, msg, cause)
	}
	return &platforms.APIError{Platform: Name, Status: status, Code: code, Message: msg, Outcome: platforms.NotCreated, Err: inner}
}
