package bluesky

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// session is one app-password session: the account's DID and handle, its
// tokens, and a PDS client that sends the access token.
type session struct {
	did     string
	handle  string
	access  string
	refresh string
	// pds is the account's PDS as its DID document names it (the
	// #atproto_pds service); "" when the session came without one.
	pds string
	api *httpx.Client
}

// sessionJSON is what createSession and refreshSession answer.
type sessionJSON struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	DIDDoc     *struct {
		Service []struct {
			ID              string `json:"id"`
			Type            string `json:"type"`
			ServiceEndpoint string `json:"serviceEndpoint"`
		} `json:"service"`
	} `json:"didDoc"`
}

// pdsEndpoint is the #atproto_pds service of the session's DID document.
func (s sessionJSON) pdsEndpoint() string {
	if s.DIDDoc == nil {
		return ""
	}
	for _, svc := range s.DIDDoc.Service {
		if strings.HasSuffix(svc.ID, "#atproto_pds") || svc.Type == "AtprotoPersonalDataServer" {
			return svc.ServiceEndpoint
		}
	}
	return ""
}

// session returns the current session: the one in memory, else the one in
// the token store (refreshed when its access token has lapsed), else a new
// one made with the app password.
func (b *Bluesky) session(ctx context.Context) (*session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sess != nil {
		return b.sess, nil
	}
	tok, err := b.tokens.Load(ctx, b.account)
	switch {
	case err == nil && tok.Extra["did"] != "" && tok.Extra["pds"] == b.pdsURL:
		if tok.Valid(b.now()) {
			b.sess = b.newSession(tok.Extra["did"], tok.Extra["handle"], tok.AccessToken, tok.RefreshToken)
			b.sess.pds = tok.Extra["pds_endpoint"]
			return b.sess, nil
		}
		return b.refreshLocked(ctx, tok.RefreshToken, tok.RefreshExpiry)
	case err == nil:
		b.log.Info("stored session is for another PDS or has no DID; creating a new session", "pds", b.pdsURL)
	case !errors.Is(err, platforms.ErrNoToken):
		return nil, authError(fmt.Errorf("load session: %w", err))
	}
	return b.createLocked(ctx)
}

// renew replaces stale, whose access token the PDS refused: by
// refreshSession, or by a new session when the refresh token is refused
// too. A session another call renewed meanwhile is returned as is.
func (b *Bluesky) renew(ctx context.Context, stale *session) (*session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sess != nil && b.sess != stale {
		return b.sess, nil
	}
	b.sess = nil
	return b.refreshLocked(ctx, stale.refresh, jwtExpiry(stale.refresh))
}

// refreshLocked trades refresh for new tokens and falls back to
// createSession when the PDS refuses it (expired, revoked, rotated away).
func (b *Bluesky) refreshLocked(ctx context.Context, refresh string, expiry time.Time) (*session, error) {
	if refresh == "" || (!expiry.IsZero() && !b.now().Before(expiry)) {
		b.log.Info("refresh token missing or expired; creating a new session")
		return b.createLocked(ctx)
	}
	c := b.client(b.pdsURL, refresh)
	var out sessionJSON
	_, err := c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("com.atproto.server.refreshSession")}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusUnauthorized) {
		b.log.Info("refresh token refused; creating a new session", "code", se.Code)
		return b.createLocked(ctx)
	}
	if err != nil {
		return nil, authError(fmt.Errorf("refresh session: %w", platforms.FromHTTP(Name, err)))
	}
	return b.adoptLocked(ctx, out)
}

// createLocked logs in with the handle and the app password.
func (b *Bluesky) createLocked(ctx context.Context) (*session, error) {
	password, err := b.settings.Secret("password_env")
	if err != nil {
		return nil, authError(fmt.Errorf("create session: %w: set password_env to the name of a variable holding an app password: %v",
			platforms.ErrNeedsReconnect, err))
	}
	b.addSecrets(password)
	c := b.client(b.pdsURL, "")
	var out sessionJSON
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("com.atproto.server.createSession"),
		JSON: map[string]string{"identifier": b.handle, "password": password}}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
		ae := platforms.FromHTTP(Name, err).(*platforms.APIError)
		ae.Outcome = platforms.NotCreated
		ae.Err = fmt.Errorf("%w: the PDS refused the app password for %s (%s); create an app password and put it in %s",
			platforms.ErrNeedsReconnect, b.handle, se.Code, b.settings.String("password_env"))
		ae.Message = ae.Err.Error()
		return nil, fmt.Errorf("create session: %w", ae)
	}
	if err != nil {
		return nil, authError(fmt.Errorf("create session: %w", platforms.FromHTTP(Name, err)))
	}
	return b.adoptLocked(ctx, out)
}

// adoptLocked saves a session the PDS issued, before anything uses it: a
// refresh token that is lost locks the account out until a new login.
func (b *Bluesky) adoptLocked(ctx context.Context, out sessionJSON) (*session, error) {
	if out.AccessJwt == "" || out.DID == "" {
		return nil, authError(errors.New("session: the PDS answered without accessJwt or did"))
	}
	b.addSecrets(out.AccessJwt, out.RefreshJwt)
	if out.Handle == "" {
		out.Handle = b.handle
	}
	tok := &platforms.Token{
		AccessToken: out.AccessJwt, RefreshToken: out.RefreshJwt,
		Expiry: jwtExpiry(out.AccessJwt), RefreshExpiry: jwtExpiry(out.RefreshJwt),
		Extra: map[string]string{"did": out.DID, "handle": out.Handle, "pds": b.pdsURL},
	}
	if ep := out.pdsEndpoint(); ep != "" {
		tok.Extra["pds_endpoint"] = ep
	}
	if err := b.tokens.Save(ctx, b.account, tok); err != nil {
		return nil, authError(fmt.Errorf("save session: %w", err))
	}
	b.sess = b.newSession(out.DID, out.Handle, out.AccessJwt, out.RefreshJwt)
	b.sess.pds = out.pdsEndpoint()
	return b.sess, nil
}

func (b *Bluesky) newSession(did, handle, access, refresh string) *session {
	b.addSecrets(access, refresh)
	if handle == "" {
		handle = b.handle
	}
	return &session{did: did, handle: handle, access: access, refresh: refresh, api: b.client(b.pdsURL, access)}
}

// call sends an authenticated request to the PDS. When the PDS says the
// access token expired (400 ExpiredToken) or is no longer valid (400
// InvalidToken), the request was refused before anything happened, so it
// is sent once more with a renewed session.
func (b *Bluesky) call(ctx context.Context, r httpx.Request, out any) (*session, error) {
	s, err := b.session(ctx)
	if err != nil {
		return nil, err
	}
	_, err = s.api.DoJSON(ctx, r, out)
	if !tokenRefused(err) {
		return s, err
	}
	s, err = b.renew(ctx, s)
	if err != nil {
		return nil, err
	}
	_, err = s.api.DoJSON(ctx, r, out)
	return s, err
}

// tokenRefused reports whether err is the PDS refusing the access token in
// a way a new token fixes.
func tokenRefused(err error) bool {
	var se *httpx.StatusError
	return errors.As(err, &se) && se.Status == http.StatusBadRequest && (se.Code == "ExpiredToken" || se.Code == "InvalidToken")
}

// authError marks a failure to get a session: no post was attempted.
func authError(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
		return err
	}
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Err: err}
}

// jwtExpiry reads a JWT's exp claim without verifying it (the PDS does
// that): it only decides when to refresh ahead of a refusal. Zero when the
// token is not a JWT with exp.
func jwtExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(data, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(claims.Exp, 0).UTC()
}

// Login signs in with the app password now, whatever session is kept, and
// saves the new session through the token store: what herald auth does to
// verify an account and keep its session.
func (b *Bluesky) Login(ctx context.Context) (did, handle string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, err := b.createLocked(ctx)
	if err != nil {
		return "", "", err
	}
	return s.did, s.handle, nil
}
