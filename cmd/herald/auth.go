package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/internal/tokenstore"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/pinterest"
	"github.com/heraldhq/herald/platforms/reddit"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// oauthPlatform is how herald auth connects an account of a platform that
// uses the OAuth 2.0 authorization code grant. Each default was checked
// against the platform's documentation:
//
//   - X: authorization at https://x.com/i/oauth2/authorize, token at
//     https://api.x.com/2/oauth2/token (docs.x.com, "OAuth 2.0
//     Authorization Code Flow with PKCE"; the XDK's defaults
//     authorization_base_url https://x.com/i and base_url
//     https://api.x.com). A confidential client authenticates with HTTP
//     Basic. The scopes are those platforms/x needs; offline.access
//     brings the refresh token, which X rotates on every use.
//   - LinkedIn: https://www.linkedin.com/oauth/v2/authorization and
//     https://www.linkedin.com/oauth/v2/accessToken (Microsoft Learn,
//     "Authorization Code Flow (3-legged OAuth)"); client_id and
//     client_secret go in the form. Access tokens last 60 days; only
//     approved partners get refresh_token and refresh_token_expires_in
//     (365 days, "Refresh Tokens with OAuth 2.0"). LinkedIn does not
//     document PKCE for this flow; the parameters are sent and ignored.
//   - Threads: the Authorization Window at https://threads.com/oauth/authorize
//     (Meta's "Get Access Tokens", updated 2026; older pages and clients
//     use threads.net, which redirects there), the code exchanged with a
//     POST to https://graph.threads.net/oauth/access_token (client_id,
//     client_secret, code, grant_type, redirect_uri; answers access_token
//     and user_id), then the one-hour token exchanged for a 60-day one by
//     GET https://graph.threads.net/access_token?grant_type=th_exchange_token
//     with client_secret and access_token ("Long-Lived Access Tokens";
//     answers access_token, token_type, expires_in). Scopes are
//     comma-separated. Whether Meta accepts an http loopback redirect URI
//     is not documented (❓).
//   - YouTube: Google's https://accounts.google.com/o/oauth2/v2/auth and
//     https://oauth2.googleapis.com/token ("Using OAuth 2.0 for Mobile &
//     Desktop Apps": loopback redirects on 127.0.0.1 are allowed for
//     desktop clients, PKCE is supported); access_type=offline brings the
//     refresh token and prompt=consent makes Google send it again on a
//     second connection. Scopes youtube.upload (videos.insert) and youtube
//     (update, delete, list).
//   - TikTok: https://www.tiktok.com/v2/auth/authorize/ and
//     https://open.tiktokapis.com/v2/oauth/token/ ("Login Kit for
//     Desktop", "Get a User Access Token"): the client is named client_key
//     in both, scopes are comma-separated, PKCE's code_verifier is
//     required for desktop apps, and the answer gives refresh_expires_in.
//   - Pinterest: https://www.pinterest.com/oauth/ and
//     https://api.pinterest.com/v5/oauth/token with HTTP Basic client
//     credentials; scopes comma-separated (developers.pinterest.com,
//     "Authentication"). The answer carries refresh_token_expires_in (60
//     days, continuous: renewed on every refresh).
//   - Reddit: https://www.reddit.com/api/v1/authorize with
//     duration=permanent for a refresh token, and
//     https://www.reddit.com/api/v1/access_token with HTTP Basic, whose
//     password is empty for an installed app (Reddit's OAuth2 wiki;
//     Pyprohly/reddit-api-doc-notes). Every call, the token call too,
//     needs a User-Agent of the form <platform>:<app ID>:<version> (by
//     /u/<username>). A script app has no browser step: herald auth logs
//     it in with its password to check it, and keeps nothing.
//   - Facebook Pages: Facebook Login's dialog at
//     https://www.facebook.com/v25.0/dialog/oauth, the code exchanged at
//     https://graph.facebook.com/v25.0/oauth/access_token (client_id,
//     client_secret, code, redirect_uri), then the short-lived user token
//     traded for a long-lived one (same endpoint, GET,
//     grant_type=fb_exchange_token), and the Pages the person manages read
//     with GET /me/accounts, each with its Page token ("Get a Page Access
//     Token"): herald lists them and keeps the one page_id names, or the
//     only one. A Page token made from a long-lived user token does not
//     expire (⚠️, community guides).
//   - Instagram: Business Login for Instagram at
//     https://www.instagram.com/oauth/authorize, the code exchanged at
//     https://api.instagram.com/oauth/access_token, then the one-hour
//     token traded for a 60-day one with GET
//     https://graph.instagram.com/access_token?grant_type=ig_exchange_token
//     ("Business Login for Instagram"; the adapter refreshes it with
//     ig_refresh_token).
type oauthPlatform struct {
	authURL, tokenURL string
	// tokenPath, when set, is joined to the account's base_url to make
	// the token endpoint (X's adapter refreshes there too).
	tokenPath string
	scopes    func(a *schema.Account) []string
	// secretRequired: the platform has only confidential clients.
	secretRequired, secretInBody bool
	// basicWithoutSecret: a public client still sends HTTP Basic.
	basicWithoutSecret bool
	// userAgent, when set, is the token call's User-Agent.
	userAgent func(a *schema.Account) string
	// finish turns the grant's token into the one to keep.
	finish func(ctx context.Context, g *tokenstore.Grant, a *schema.Account, t *platforms.Token) (*platforms.Token, error)
	// authParams are added to the authorization URL.
	authParams func(clientID string) url.Values
	// clientIDKey is the setting naming the client ID's variable
	// (default client_id_env); clientIDParam its name in the token
	// request (default client_id).
	clientIDKey, clientIDParam string
}

var oauthPlatforms = map[string]oauthPlatform{
	"x": {
		authURL: "https://x.com/i/oauth2/authorize", tokenURL: "https://api.x.com/2/oauth2/token", tokenPath: "oauth2/token",
		scopes: func(*schema.Account) []string {
			return []string{"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"}
		},
	},
	"linkedin": {
		authURL: "https://www.linkedin.com/oauth/v2/authorization", tokenURL: "https://www.linkedin.com/oauth/v2/accessToken",
		secretRequired: true, secretInBody: true,
		scopes: func(a *schema.Account) []string {
			if author, _ := a.Settings["author"].(string); strings.HasPrefix(author, "urn:li:organization:") {
				return []string{"openid", "profile", "w_organization_social"}
			}
			return []string{"openid", "profile", "w_member_social"}
		},
	},
	"threads": {
		authURL: "https://threads.com/oauth/authorize", tokenURL: "https://graph.threads.net/oauth/access_token",
		secretRequired: true, secretInBody: true,
		scopes: func(*schema.Account) []string { return []string{"threads_basic,threads_content_publish"} },
		finish: threadsLongLived,
	},
	"youtube": {
		authURL: "https://accounts.google.com/o/oauth2/v2/auth", tokenURL: "https://oauth2.googleapis.com/token",
		secretRequired: true, secretInBody: true,
		scopes: func(*schema.Account) []string {
			return []string{"https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube"}
		},
		authParams: func(string) url.Values { return url.Values{"access_type": {"offline"}, "prompt": {"consent"}} },
	},
	"tiktok": {
		authURL: "https://www.tiktok.com/v2/auth/authorize/", tokenURL: "https://open.tiktokapis.com/v2/oauth/token/", tokenPath: "v2/oauth/token/",
		secretRequired: true, secretInBody: true, clientIDKey: "client_key_env", clientIDParam: "client_key",
		scopes: func(*schema.Account) []string {
			return []string{"user.info.basic,video.publish,video.upload,video.list"}
		},
		authParams: func(clientKey string) url.Values { return url.Values{"client_key": {clientKey}} },
	},
	"pinterest": {
		authURL: "https://www.pinterest.com/oauth/", tokenURL: pinterest.DefaultTokenURL,
		secretRequired: true,
		scopes:         func(*schema.Account) []string { return []string{"boards:read,pins:read,pins:write,user_accounts:read"} },
	},
	"reddit": {
		authURL: "https://www.reddit.com/api/v1/authorize", tokenURL: reddit.DefaultTokenURL,
		authParams: func(string) url.Values { return url.Values{"duration": {"permanent"}} }, basicWithoutSecret: true,
		scopes: func(*schema.Account) []string {
			return []string{"identity", "submit", "edit", "read", "history", "flair"}
		},
		userAgent: func(a *schema.Account) string {
			return setting(a, "user_agent", "herald:github.com/heraldhq/herald:"+reddit.Version+" (by /u/"+setting(a, "username", "unknown")+")")
		},
	},
	"facebook": {
		authURL: "https://www.facebook.com/v25.0/dialog/oauth", tokenURL: "https://graph.facebook.com/v25.0/oauth/access_token",
		tokenPath: "oauth/access_token", secretRequired: true, secretInBody: true,
		scopes: func(*schema.Account) []string {
			return []string{"pages_show_list,pages_read_engagement,pages_manage_posts,read_insights"}
		},
	},
	"instagram": {
		authURL: "https://www.instagram.com/oauth/authorize", tokenURL: "https://api.instagram.com/oauth/access_token",
		secretRequired: true, secretInBody: true,
		scopes: func(*schema.Account) []string {
			return []string{"instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights"}
		},
		finish: instagramLongLived,
	},
}

// instagramLongLived trades Instagram's one-hour token for a 60-day one,
// keeping the account's user ID the code exchange answered.
func instagramLongLived(ctx context.Context, g *tokenstore.Grant, a *schema.Account, t *platforms.Token) (*platforms.Token, error) {
	base := strings.TrimSuffix(setting(a, "auth_base_url", "https://graph.instagram.com"), "/")
	q := url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {g.ClientSecret}, "access_token": {t.AccessToken}}
	return g.Exchange(ctx, base+"/access_token", q, t)
}

// facebookPage trades Facebook Login's short-lived user token for a
// long-lived one, lists the Pages the person manages (GET /me/accounts),
// and keeps the Page token of the one the account's page_id names, or of
// the only one; with several and no page_id it lists them and asks for
// one. The kept token holds no user token: only the Page's, its ID and
// name.
func (r *authRun) facebookPage(ctx context.Context, g *tokenstore.Grant, a *schema.Account, t *platforms.Token) (*platforms.Token, error) {
	base := strings.TrimSuffix(a.BaseURL, "/")
	if base == "" {
		base = facebook.DefaultBaseURL
	}
	q := url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {g.ClientID}, "client_secret": {g.ClientSecret}, "fb_exchange_token": {t.AccessToken}}
	long, err := g.Exchange(ctx, base+"/oauth/access_token", q, t)
	if err != nil {
		return nil, err
	}
	c := &httpx.Client{BaseURL: base, HTTP: g.HTTPClient, UserAgent: "herald", Now: r.e.now, ErrorMessage: errorEnvelope}
	c.Redact.Add(t.AccessToken, long.AccessToken, g.ClientSecret)
	var pages struct {
		Data []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if _, err := c.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "me/accounts",
		Query: url.Values{"fields": {"id,name,access_token,tasks"}, "limit": {"100"}, "access_token": {long.AccessToken}}}, &pages); err != nil {
		return nil, fmt.Errorf("list the Pages you manage (GET /me/accounts): %w", err)
	}
	for _, p := range pages.Data {
		c.Redact.Add(p.AccessToken)
	}
	if len(pages.Data) == 0 {
		return nil, errors.New("the Facebook user manages no Page this app may publish to: grant the app a Page when Facebook asks which ones")
	}
	want := setting(a, "page_id", "")
	if n, ok := a.Settings["page_id"]; ok && want == "" {
		want = fmt.Sprint(n)
	}
	fmt.Fprintln(r.e.stdout, "Pages you manage:")
	for _, p := range pages.Data {
		mark := " "
		if p.ID == want || (want == "" && len(pages.Data) == 1) {
			mark = "*"
		}
		fmt.Fprintf(r.e.stdout, "  %s %s  %s\n", mark, p.ID, p.Name)
	}
	for _, p := range pages.Data {
		if p.ID == want || (want == "" && len(pages.Data) == 1) {
			if p.AccessToken == "" {
				return nil, fmt.Errorf("no Page token from Facebook for %s (%s): the person needs a task on the Page that allows publishing", p.Name, p.ID)
			}
			return &platforms.Token{AccessToken: p.AccessToken, Scope: t.Scope,
				Extra: map[string]string{facebook.ExtraPageID: p.ID, facebook.ExtraPageName: p.Name}}, nil
		}
	}
	if want != "" {
		return nil, fmt.Errorf("page_id %s is not among the Pages you manage (listed above)", want)
	}
	return nil, errors.New("you manage several Pages: set page_id on the account to one of the IDs listed above, then run herald auth again")
}

// threadsLongLived trades Threads' one-hour token for a 60-day one.
func threadsLongLived(ctx context.Context, g *tokenstore.Grant, a *schema.Account, t *platforms.Token) (*platforms.Token, error) {
	base := strings.TrimSuffix(a.BaseURL, "/")
	if base == "" {
		base = "https://graph.threads.net"
	}
	if v, _ := a.Settings["exchange_url"].(string); v != "" {
		base = strings.TrimSuffix(strings.TrimSuffix(v, "/"), "/access_token")
	}
	q := url.Values{"grant_type": {"th_exchange_token"}, "client_secret": {g.ClientSecret}, "access_token": {t.AccessToken}}
	return g.Exchange(ctx, base+"/access_token", q, t)
}

// authCommand is "herald auth".
func authCommand() *command {
	return &command{
		name:    "auth",
		args:    "[flags] [ACCOUNT]",
		summary: "connect an account and keep its tokens encrypted in the repository",
		help: `herald auth ACCOUNT connects one account of the configuration:

  x, linkedin, threads,  runs the OAuth 2.0 authorization code grant with
  youtube, tiktok,
  pinterest, reddit,
  facebook, instagram
                         PKCE: herald listens on --listen, prints the
                         address to open in a browser (--open opens it),
                         waits for the platform to send the browser back to
                         http://127.0.0.1:8787/callback (register that
                         redirect URI with the platform's app), trades the
                         code for tokens, and keeps them encrypted in
                         .herald/tokens/, committed (and pushed with --push).
                         The app's client ID and secret come from the
                         variables named by client_id_env (TikTok:
                         client_key_env) and client_secret_env. Facebook
                         then lists the Pages the person manages and keeps
                         the Page token of the one page_id names (or the
                         only one); Threads and Instagram keep a 60-day
                         token. A Reddit installed app has no secret:
                         leave client_secret_env out.
  reddit (script app)    with password_env set, logs in with the password
                         grant and prints the account; it logs in again
                         whenever its token lapses, so nothing is kept.
  bluesky                logs in with the app password (password_env),
                         prints the account, and keeps the session.
  mastodon               checks the token (token_env) with
                         verify_credentials and prints the account; Mastodon
                         tokens do not expire, so nothing is kept.

Tokens are encrypted with the age identity in HERALD_AGE_KEY, which
herald auth --new-key makes. --status shows, for every account, what is
kept and when it expires, never a secret.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, listen string
			var newKey, status, open, push bool
			var timeout time.Duration
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.BoolVar(&newKey, "new-key", false, "print a new age identity for HERALD_AGE_KEY")
			fs.BoolVar(&status, "status", false, "show every account's stored token and when it expires")
			fs.StringVar(&listen, "listen", tokenstore.DefaultListen, "the loopback `address` the OAuth redirect comes back to")
			fs.BoolVar(&open, "open", false, "open the authorization address in a browser")
			fs.BoolVar(&push, "push", false, "push the commit holding the new token")
			fs.DurationVar(&timeout, "timeout", 10*time.Minute, "how long to wait for the browser to come back")
			return func(ctx context.Context, e *env, args []string) error {
				switch {
				case newKey:
					if len(args) > 0 || status {
						return usagef("--new-key takes no account and no other mode")
					}
					return printNewKey(e)
				case status:
					if len(args) > 0 {
						return usagef("--status takes no account")
					}
					return authStatus(ctx, e, repoDir)
				case len(args) != 1:
					return usagef("want one account to connect, or --new-key, or --status")
				}
				a := &authRun{e: e, repoDir: repoDir, listen: listen, open: open, push: push, timeout: timeout}
				return a.connect(ctx, args[0])
			}
		},
	}
}

// printNewKey prints a new age identity and what to do with it.
func printNewKey(e *env) error {
	id, recipient, err := tokenstore.NewKey()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `# herald token key, created %s
# public key: %s
%s

Store the line starting AGE-SECRET-KEY-1 as a secret named %s:
in GitHub, Settings > Secrets and variables > Actions > New repository
secret, and in the environment where you run herald auth. Do not commit it.
herald encrypts the tokens in .herald/tokens/ with it; without it they
cannot be read, and every OAuth account must be connected again.
Team members who should be able to decrypt the tokens with the age tool
add their own public key (age1...) to %s.
`, e.now().UTC().Format(time.RFC3339), recipient, id, tokenstore.KeyEnv, tokenstore.RecipientsFile)
	return nil
}

// authRun is one herald auth ACCOUNT.
type authRun struct {
	e       *env
	repoDir string
	listen  string
	open    bool
	push    bool
	timeout time.Duration

	repo  *reconcile.Repo
	git   *state.GitStore
	store *tokenstore.Store
}

// connect connects account name, by its platform.
func (r *authRun) connect(ctx context.Context, name string) error {
	repo, err := openConfigured(r.e, r.repoDir)
	if err != nil {
		return err
	}
	defer repo.Close()
	r.repo = repo
	a := repo.Config.Accounts[name]
	if a == nil {
		names := slices.Sorted(func(yield func(string) bool) {
			for n := range repo.Config.Accounts {
				if !yield(n) {
					return
				}
			}
		})
		return fmt.Errorf("no account %q in %s (accounts: %s)", name, configName(repo.Config), strings.Join(names, ", "))
	}
	switch a.Platform {
	case "reddit":
		if setting(a, "password_env", "") != "" {
			return r.redditScript(ctx, name, a)
		}
		return r.oauth(ctx, name, a, oauthPlatforms[a.Platform])
	case "x", "linkedin", "threads", "youtube", "tiktok", "pinterest", "instagram":
		return r.oauth(ctx, name, a, oauthPlatforms[a.Platform])
	case "facebook":
		p := oauthPlatforms["facebook"]
		p.finish = r.facebookPage
		return r.oauth(ctx, name, a, p)
	case "bluesky":
		return r.bluesky(ctx, name, a)
	case "mastodon":
		return r.mastodon(ctx, name, a)
	}
	return fmt.Errorf("herald auth cannot connect %s accounts: set the secrets named in the settings of account %s", a.Platform, name)
}

func configName(cfg *schema.Config) string {
	if cfg.File == "" {
		return "the configuration (there is no herald.yaml)"
	}
	return cfg.File
}

// openStore opens the repository's git store and the token store over
// it. It fails without HERALD_AGE_KEY, before anything is asked of the
// platform or the person.
func (r *authRun) openStore() error {
	if _, ok, err := tokenstore.Identity(r.e.getenv); err != nil {
		return err
	} else if !ok {
		return tokenstore.ErrNoKey
	}
	g, err := state.OpenGit(state.GitOptions{Dir: r.repoDir, Auth: gitAuth(r.e), Logger: r.e.log, RequireRemote: r.push})
	if err != nil {
		return fmt.Errorf("tokens are committed to the content repository: %w", err)
	}
	r.git = g
	r.store = tokenstore.New(tokenstore.Options{Root: r.repo.Root(), Stage: g, Getenv: r.e.getenv, Logger: r.e.log})
	return nil
}

// keep saves t for account name, commits it, and pushes with --push.
func (r *authRun) keep(ctx context.Context, name string, t *platforms.Token) error {
	if err := r.store.Save(ctx, name, t); err != nil {
		return err
	}
	id, err := r.git.Commit(ctx, state.CommitInfo{Summary: "connect " + name, Time: r.e.now()})
	switch {
	case errors.Is(err, state.ErrNoChanges):
		fmt.Fprintf(r.e.stdout, "The token in %s is unchanged.\n", tokenstore.Path(name))
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintf(r.e.stdout, "Saved %s, encrypted, in commit %s.\n", tokenstore.Path(name), id[:min(len(id), 12)])
	if !r.push {
		fmt.Fprintln(r.e.stdout, "Push it (or run herald auth again with --push) so that herald apply in CI uses it.")
		return nil
	}
	if err := r.git.Push(ctx); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Pushed to %s.\n", r.git.Branch())
	return nil
}

// setting is an account's string setting, or def.
func setting(a *schema.Account, key, def string) string {
	if v, _ := a.Settings[key].(string); v != "" {
		return v
	}
	return def
}

// settingsOf are the adapter settings of account name, for reading its
// secrets.
func (r *authRun) settingsOf(name string, a *schema.Account) platforms.Settings {
	return accountSettings(r.e, name, a)
}

// oauth connects an OAuth 2.0 account through a browser.
func (r *authRun) oauth(ctx context.Context, name string, a *schema.Account, p oauthPlatform) error {
	s := r.settingsOf(name, a)
	idKey := p.clientIDKey
	if idKey == "" {
		idKey = "client_id_env"
	}
	clientID, err := s.Secret(idKey)
	if err != nil {
		return err
	}
	clientSecret := ""
	if s.String("client_secret_env") != "" || p.secretRequired {
		if clientSecret, err = s.Secret("client_secret_env"); err != nil {
			return err
		}
	}
	if err := r.openStore(); err != nil {
		return err
	}
	tokenURL := p.tokenURL
	if p.tokenPath != "" && a.BaseURL != "" {
		tokenURL = strings.TrimSuffix(a.BaseURL, "/") + "/" + p.tokenPath
	}
	scopes := p.scopes(a)
	if v := setting(a, "scopes", ""); v != "" {
		scopes = strings.Fields(v)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	g := &tokenstore.Grant{
		AuthURL: setting(a, "auth_url", p.authURL), TokenURL: setting(a, "token_url", tokenURL),
		ClientID: clientID, ClientSecret: clientSecret, SecretInBody: p.secretInBody, Scopes: scopes, ClientIDParam: p.clientIDParam,
		BasicWithoutSecret: p.basicWithoutSecret,
		Listen:             r.listen, HTTPClient: s.HTTPClient, Now: r.e.now, Logger: r.e.log,
		Show: func(authURL string) {
			fmt.Fprintf(r.e.stdout, "To connect %s, open this address in a browser and allow herald:\n\n  %s\n\n", name, authURL)
			redirect := "http://" + r.listen + tokenstore.CallbackPath
			if u, err := url.Parse(authURL); err == nil && u.Query().Get("redirect_uri") != "" {
				redirect = u.Query().Get("redirect_uri")
			}
			fmt.Fprintf(r.e.stdout, "Waiting for the browser to come back to %s (register it as the app's redirect URI) ...\n", redirect)
			if r.open {
				if err := openBrowser(authURL); err != nil {
					r.e.log.Warn("could not open a browser; open the address yourself", "error", err.Error())
				}
			}
		},
	}
	if p.authParams != nil {
		g.AuthParams = p.authParams(clientID)
	}
	if p.userAgent != nil {
		g.UserAgent = p.userAgent(a)
	}
	t, err := g.Run(ctx)
	if err != nil {
		return fmt.Errorf("connect %s: %w", name, err)
	}
	if p.finish != nil {
		if t, err = p.finish(ctx, g, a, t); err != nil {
			return fmt.Errorf("connect %s: %w", name, err)
		}
	}
	fmt.Fprintf(r.e.stdout, "Connected %s: %s.\n", name, describeToken(t))
	return r.keep(ctx, name, t)
}

// describeToken says when a token lapses, never what it is.
func describeToken(t *platforms.Token) string {
	var parts []string
	if t.Expiry.IsZero() {
		parts = append(parts, "the access token has no expiry")
	} else {
		parts = append(parts, "the access token expires "+t.Expiry.UTC().Format("2006-01-02 15:04 UTC"))
	}
	switch {
	case t.RefreshToken == "":
		parts = append(parts, "no refresh token (connect again before it expires)")
	case t.RefreshExpiry.IsZero():
		parts = append(parts, "refreshed by herald apply")
	default:
		parts = append(parts, "refreshed by herald apply until "+t.RefreshExpiry.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return strings.Join(parts, ", ")
}

// openBrowser asks the desktop to open u.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}

// apiClient is an httpx client for a verification call.
func (r *authRun) apiClient(s platforms.Settings, base string) *httpx.Client {
	return &httpx.Client{BaseURL: base, HTTP: s.HTTPClient, UserAgent: "herald", Now: r.e.now, Logger: r.e.log, ErrorMessage: errorEnvelope}
}

// errorEnvelope reads Mastodon's {"error": text} and XRPC's {"error":
// name, "message": text}.
func errorEnvelope(_ int, body []byte) (code, message string) {
	var v struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	if v.Message == "" {
		return "", v.Error
	}
	return v.Error, v.Message
}

// hostOf is the host of base, for "@handle on host".
func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}

// bluesky logs in with the app password and keeps the session in the
// form the adapter reads (platforms/bluesky/session.go).
func (r *authRun) bluesky(ctx context.Context, name string, a *schema.Account) error {
	s := r.settingsOf(name, a)
	if strings.TrimPrefix(s.String("handle"), "@") == "" {
		return fmt.Errorf("account %s: setting handle is required: the account's handle (or DID)", name)
	}
	pds := strings.TrimSuffix(a.BaseURL, "/")
	if pds == "" {
		pds = bluesky.DefaultPDS
	}
	// The adapter logs in as apply would, into a store in memory; the
	// session is then kept encrypted, when there is a key to keep it with.
	mem := &platforms.MemTokens{}
	s.Tokens = mem
	b, err := bluesky.NewBluesky(s)
	if err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	did, handle, err := b.Login(ctx)
	if err != nil {
		return fmt.Errorf("account %s: log in: %w", name, err)
	}
	fmt.Fprintf(r.e.stdout, "Verified @%s on %s (%s).\n", handle, hostOf(pds), did)
	if _, ok, err := tokenstore.Identity(r.e.getenv); err != nil {
		return err
	} else if !ok {
		fmt.Fprintf(r.e.stdout, "The session is not kept: %s is not set. herald apply logs in with the app password instead.\n", tokenstore.KeyEnv)
		return nil
	}
	if err := r.openStore(); err != nil {
		return err
	}
	t, err := mem.Load(ctx, name)
	if err != nil {
		return fmt.Errorf("account %s: the session was not saved: %w", name, err)
	}
	return r.keep(ctx, name, t)
}

// mastodon checks the account's token with verify_credentials.
func (r *authRun) mastodon(ctx context.Context, name string, a *schema.Account) error {
	s := r.settingsOf(name, a)
	if a.BaseURL == "" {
		return fmt.Errorf("account %s: setting base_url is required: the Mastodon server, e.g. https://mastodon.social", name)
	}
	token, err := s.Secret("token_env")
	if err != nil {
		return err
	}
	c := r.apiClient(s, a.BaseURL)
	c.Header = http.Header{"Authorization": {"Bearer " + token}}
	c.Redact.Add(token)
	var out struct {
		Acct     string `json:"acct"`
		Username string `json:"username"`
	}
	_, err = c.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/accounts/verify_credentials"}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		return fmt.Errorf("account %s: %s refused the token in %s (%d %s): create an access token under Preferences > Development with the scopes read and write",
			name, hostOf(a.BaseURL), s.String("token_env"), se.Status, se.Message)
	}
	if err != nil {
		return fmt.Errorf("account %s: verify credentials: %w", name, err)
	}
	acct := out.Acct
	if acct == "" {
		acct = out.Username
	}
	fmt.Fprintf(r.e.stdout, "Verified @%s on %s. Mastodon tokens do not expire: nothing to keep.\n", acct, hostOf(a.BaseURL))
	return nil
}

// authStatus prints, for every account, where its credentials come from
// and when a stored token lapses.
func authStatus(ctx context.Context, e *env, repoDir string) error {
	repo, err := openConfigured(e, repoDir)
	if err != nil {
		return err
	}
	defer repo.Close()
	stored := map[string]tokenstore.Status{}
	store := tokenstore.New(tokenstore.Options{Root: repo.Root(), Getenv: e.getenv})
	list, err := store.List(ctx)
	keyed := err == nil
	switch {
	case errors.Is(err, tokenstore.ErrNoKey):
	case err != nil:
		return err
	}
	for _, st := range list {
		stored[st.Account] = st
	}
	names := make([]string, 0, len(repo.Config.Accounts))
	for n := range repo.Config.Accounts {
		names = append(names, n)
	}
	slices.Sort(names)
	now := e.now()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tPLATFORM\tCREDENTIALS")
	for _, n := range names {
		a := repo.Config.Accounts[n]
		st, ok := stored[n]
		var what string
		switch {
		case ok && st.Err != nil:
			what = "stored token unreadable: " + st.Err.Error()
		case ok:
			what = tokenState(st, now, n)
		case a.Platform == "mastodon":
			what = "token in " + setting(a, "token_env", "(token_env unset)") + ", does not expire"
		case a.Platform == "reddit" && setting(a, "password_env", "") != "":
			what = "password in " + setting(a, "password_env", "") + " (script app), logs in each run"
		case a.Platform == "bluesky":
			what = "app password in " + setting(a, "password_env", "(password_env unset)") + ", no stored session"
		case oauthPlatforms[a.Platform].authURL != "":
			what = "no stored token: run herald auth " + n
		default:
			what = "secrets from the environment"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n, a.Platform, what)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !keyed {
		fmt.Fprintf(e.stdout, "\n%s is not set: stored tokens cannot be read.\n", tokenstore.KeyEnv)
	}
	return nil
}

// tokenState is one stored token's line in herald auth --status.
func tokenState(st tokenstore.Status, now time.Time, account string) string {
	day := "2006-01-02 15:04 UTC"
	var s string
	switch {
	case st.Expiry.IsZero():
		s = "stored token, no expiry"
	case now.Before(st.Expiry):
		s = "stored token, expires " + st.Expiry.UTC().Format(day)
	default:
		s = "stored token, expired " + st.Expiry.UTC().Format(day)
	}
	switch {
	case !st.HasRefresh:
		if !st.Expiry.IsZero() {
			s += ", no refresh token: run herald auth " + account + " before then"
		}
	case st.RefreshExpiry.IsZero():
		s += ", refreshable"
	case now.Before(st.RefreshExpiry):
		s += ", refreshable until " + st.RefreshExpiry.UTC().Format(day)
	default:
		s += ", refresh expired: run herald auth " + account
	}
	return s
}

// redditScript checks a Reddit script app: it logs in with the password
// grant, as apply does, and names the account. The token lasts a day at
// most and the password renews it, so nothing is kept.
func (r *authRun) redditScript(ctx context.Context, name string, a *schema.Account) error {
	s := r.settingsOf(name, a)
	s.Tokens = &platforms.MemTokens{}
	rd, err := reddit.NewReddit(s)
	if err != nil {
		return fmt.Errorf("account %s: %w", name, err)
	}
	user, err := rd.Me(ctx)
	if err != nil {
		return fmt.Errorf("account %s: log in: %w", name, err)
	}
	fmt.Fprintf(r.e.stdout, "Verified u/%s (a script app logs in with its password at every run: nothing to keep).\n", user)
	return nil
}
