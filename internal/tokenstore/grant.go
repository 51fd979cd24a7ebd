package tokenstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// DefaultListen is the loopback address herald auth waits on for the
// authorization server's redirect. The port is fixed so that the
// redirect URI can be registered with the platform once:
// http://127.0.0.1:8787/callback.
const DefaultListen = "127.0.0.1:8787"

// CallbackPath is the path of the redirect URI on the loopback address.
const CallbackPath = "/callback"

// Grant is one OAuth 2.0 authorization code grant (RFC 6749 §4.1) with
// PKCE (RFC 7636, method S256) for a native application whose redirect
// comes back to a loopback address (RFC 8252 §7.3): herald listens on
// Listen, shows the authorization URL, waits for the browser to be sent
// back with code and state, checks state, and trades the code and the
// code_verifier for tokens at TokenURL.
//
// PKCE is sent to every authorization server: one that does not know it
// ignores the parameters, as RFC 6749 §3.1 requires of unknown ones.
type Grant struct {
	// AuthURL is the authorization endpoint, TokenURL the token endpoint.
	AuthURL, TokenURL string
	ClientID          string
	// ClientSecret is empty for a public client.
	ClientSecret string
	// SecretInBody sends client_id and client_secret in the form
	// (LinkedIn, Threads) instead of HTTP Basic (X, and RFC 6749's
	// preference).
	SecretInBody bool
	Scopes       []string
	// AuthParams are added to the authorization URL.
	AuthParams url.Values
	// ClientIDParam names the client's ID in the token request's form:
	// "client_id" (RFC 6749) by default, "client_key" for TikTok.
	ClientIDParam string
	// Listen is the loopback host:port; default DefaultListen. Port 0
	// picks a free port (tests).
	Listen string
	// Show is called with the authorization URL once the loopback server
	// listens: print it, open a browser.
	Show func(authURL string)
	// HTTPClient reaches the token endpoint.
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
	// BasicWithoutSecret sends HTTP Basic with an empty password for a
	// public client (Reddit's installed apps authenticate as "id:").
	BasicWithoutSecret bool
	// UserAgent is the token call's User-Agent; default "herald".
	// Reddit requires its own form and throttles others.
	UserAgent string
}

// ErrStateMismatch is the redirect carrying another state than the one
// sent: an old browser tab, or a forged request. Nothing is exchanged.
var ErrStateMismatch = errors.New("the redirect's state does not match the one herald sent")

// callback is what the loopback server received.
type callback struct {
	code string
	err  error
}

// Run performs the grant and returns the token the platform issued, with
// Expiry and RefreshExpiry computed from expires_in and
// refresh_token_expires_in on g.Now, and what else the token endpoint
// returned that later calls need (Threads' user_id) in Extra.
func (g *Grant) Run(ctx context.Context) (*platforms.Token, error) {
	listen := g.Listen
	if listen == "" {
		listen = DefaultListen
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("authorize: listen address %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("authorize: listen address %q is not a loopback IP address (RFC 8252 §7.3)", listen)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("authorize: listen on %s for the redirect: %w", listen, err)
	}
	redirect := "http://" + ln.Addr().String() + CallbackPath

	// Both are 32 random bytes, base64url: RFC 7636 §4.1's verifier.
	state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	cfg := oauth2.Config{
		ClientID:    g.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: g.AuthURL, TokenURL: g.TokenURL},
		RedirectURL: redirect,
		Scopes:      g.Scopes,
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, vs := range g.AuthParams {
		for _, v := range vs {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	authURL := cfg.AuthCodeURL(state, opts...)

	got := make(chan callback, 1)
	var once sync.Once
	// send hands the result to Run after the browser has its page: the
	// response is flushed first, and Run shuts the server down
	// gracefully, so the page is never cut off.
	send := func(c callback) { once.Do(func() { got <- c }) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+CallbackPath, func(w http.ResponseWriter, r *http.Request) {
		var result callback
		defer func() {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			send(result)
		}()
		q := r.URL.Query()
		switch {
		case q.Get("state") != state:
			http.Error(w, "herald: "+ErrStateMismatch.Error()+". Run herald auth again.", http.StatusBadRequest)
			result = callback{err: ErrStateMismatch}
		case q.Get("error") != "":
			msg := q.Get("error")
			if d := q.Get("error_description"); d != "" {
				msg += ": " + d
			}
			http.Error(w, "herald: the authorization was refused ("+msg+"). You can close this window.", http.StatusForbidden)
			result = callback{err: fmt.Errorf("the authorization server refused: %s", msg)}
		case q.Get("code") == "":
			http.Error(w, "herald: the redirect has no code.", http.StatusBadRequest)
			result = callback{err: errors.New("the redirect has no code")}
		default:
			fmt.Fprintln(w, "herald received the authorization. You can close this window and return to the terminal.")
			result = callback{code: q.Get("code")}
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	if g.Show != nil {
		g.Show(authURL)
	}
	var cb callback
	select {
	case cb = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("authorize: waiting for the redirect to %s: %w", redirect, ctx.Err())
	}
	if cb.err != nil {
		return nil, fmt.Errorf("authorize: %w", cb.err)
	}
	return g.exchange(ctx, cb.code, verifier, redirect)
}

// tokenJSON is a token endpoint's answer: RFC 6749 §5.1, LinkedIn's
// refresh_token_expires_in, and Threads' user_id.
type tokenJSON struct {
	AccessToken           string      `json:"access_token"`
	RefreshToken          string      `json:"refresh_token"`
	ExpiresIn             json.Number `json:"expires_in"`
	RefreshTokenExpiresIn json.Number `json:"refresh_token_expires_in"`
	Scope                 string      `json:"scope"`
	UserID                json.Number `json:"user_id"`
	// RefreshExpiresIn is TikTok's name for refresh_token_expires_in.
	RefreshExpiresIn json.Number `json:"refresh_expires_in"`
}

// exchange trades the code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5).
func (g *Grant) exchange(ctx context.Context, code, verifier, redirect string) (*platforms.Token, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirect},
		"code_verifier": {verifier},
	}
	idParam := g.ClientIDParam
	if idParam == "" {
		idParam = "client_id"
	}
	form.Set(idParam, g.ClientID)
	c := g.client(g.TokenURL)
	c.Redact.Add(code, verifier, g.ClientSecret)
	req := httpx.Request{Method: http.MethodPost, Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"}
	if g.ClientSecret != "" || g.BasicWithoutSecret {
		if g.SecretInBody {
			form.Set("client_secret", g.ClientSecret)
			req.Body = []byte(form.Encode())
		} else {
			basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(g.ClientID) + ":" + url.QueryEscape(g.ClientSecret)))
			c.Redact.Add(basic)
			req.Header = http.Header{"Authorization": {"Basic " + basic}}
		}
	}
	var tj tokenJSON
	if _, err := c.DoJSON(ctx, req, &tj); err != nil {
		return nil, fmt.Errorf("exchange the code for a token: %w", err)
	}
	return g.token(tj, nil)
}

// token turns a token endpoint's answer into a Token.
func (g *Grant) token(tj tokenJSON, extra map[string]string) (*platforms.Token, error) {
	if tj.AccessToken == "" {
		return nil, errors.New("exchange the code for a token: the answer has no access_token")
	}
	t := &platforms.Token{AccessToken: tj.AccessToken, RefreshToken: tj.RefreshToken, Scope: tj.Scope, Extra: extra}
	now := g.now()
	if s, err := tj.ExpiresIn.Int64(); err == nil && s > 0 {
		t.Expiry = now.Add(time.Duration(s) * time.Second).UTC()
	}
	if s, err := tj.RefreshTokenExpiresIn.Int64(); err == nil && s > 0 {
		t.RefreshExpiry = now.Add(time.Duration(s) * time.Second).UTC()
	} else if s, err := tj.RefreshExpiresIn.Int64(); err == nil && s > 0 {
		t.RefreshExpiry = now.Add(time.Duration(s) * time.Second).UTC()
	}
	if tj.UserID != "" {
		if t.Extra == nil {
			t.Extra = map[string]string{}
		}
		t.Extra["user_id"] = tj.UserID.String()
	}
	return t, nil
}

func (g *Grant) now() time.Time {
	if g.Now == nil {
		panic("tokenstore: Grant.Now is nil")
	}
	return g.Now()
}

// client is an httpx client for one OAuth endpoint, with the error
// envelopes of RFC 6749 §5.2 and of Meta's Graph API.
func (g *Grant) client(base string) *httpx.Client {
	ua := g.UserAgent
	if ua == "" {
		ua = "herald"
	}
	return &httpx.Client{BaseURL: base, HTTP: g.HTTPClient, UserAgent: ua, Now: g.Now, Logger: g.Logger, ErrorMessage: oauthError}
}

// oauthError reads {"error": code, "error_description": text} (RFC 6749
// §5.2, X, LinkedIn) and {"error": {"message", "type", "code"}} (Meta).
func oauthError(_ int, body []byte) (code, message string) {
	var std struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(body, &std) != nil || len(std.Error) == 0 {
		return "", firstLine(body)
	}
	var s string
	if json.Unmarshal(std.Error, &s) == nil {
		return s, std.Description
	}
	var meta struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    int    `json:"code"`
	}
	if json.Unmarshal(std.Error, &meta) == nil {
		c := meta.Type
		if meta.Code != 0 {
			c += " " + strconv.Itoa(meta.Code)
		}
		return strings.TrimSpace(c), meta.Message
	}
	return "", firstLine(body)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Exchange is a GET of an endpoint that swaps the access token t for
// another (Threads' th_exchange_token: a 1-hour token for a 60-day one).
// query is sent with it; secrets in it are redacted from errors. The
// result keeps t's Extra.
func (g *Grant) Exchange(ctx context.Context, endpoint string, query url.Values, t *platforms.Token) (*platforms.Token, error) {
	c := g.client(endpoint)
	c.Redact.Add(t.AccessToken, g.ClientSecret, query.Get("client_secret"), query.Get("access_token"))
	var tj tokenJSON
	if _, err := c.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Query: query}, &tj); err != nil {
		return nil, fmt.Errorf("exchange for a long-lived token: %w", err)
	}
	return g.token(tj, t.Extra)
}
