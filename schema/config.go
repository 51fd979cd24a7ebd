package schema

import "time"

// Config is a content repository's configuration, from herald.cue or
// herald.yaml at its root, validated against the embedded config schema.
type Config struct {
	// File is the configuration file's name ("herald.cue", "herald.yaml"),
	// empty when the repository has none and the defaults apply.
	File string
	// Content is the directory holding posts, relative to the repository
	// root ("posts" by default).
	Content string
	// Timezone applies to publish_at times written without a zone.
	Timezone *time.Location
	// Accounts are the targets posts may name in `to:`, by name.
	Accounts map[string]*Account
	// RequireAlt makes alt text mandatory on every media item (default true).
	RequireAlt bool
	// MaxLateness is how late a scheduled post may still go out without
	// --allow-late (default 24h).
	MaxLateness time.Duration
	// Freeze stops all publishing while plan still shows what would go.
	Freeze Freeze
	// Queues are weekly slots per group of accounts, by name: a post
	// with publish_at: next or queue: NAME takes the next free one.
	Queues map[string]*Queue
	// UTM tags the links to the post's own site, for every account that
	// does not change it (Account.UTM); nil when not configured.
	UTM *UTM
	// Source is the configuration file's bytes. Validators compile it (with
	// its policies) in their own CUE context, one per worker.
	Source []byte
}

// Freeze is the config's publishing freeze: a switch, and time windows.
type Freeze struct {
	On      bool
	Reason  string
	Windows []Window
}

// Window is a half-open time interval [From, Until).
type Window struct {
	From, Until time.Time
	Reason      string
}

// Account is one destination: a platform and the settings to reach it.
// Secrets are never here, only the names of environment variables that
// hold them.
type Account struct {
	Name     string
	Platform string
	// MaxLength overrides the platform's default length limit (Mastodon
	// servers set their own); 0 keeps the default.
	MaxLength int
	// BaseURL is the API's base URL: settable so that self-hosted servers,
	// fakes and tests work. Empty means the platform's public API.
	BaseURL string
	// Providers are who publishes to the account, in failover order:
	// ProviderDirect (the platform's own API) or a relay's name, as
	// written; see ProviderNames for the default.
	Providers []string
	// Timeout bounds one API call; 0 means the default.
	Timeout time.Duration
	// Approvers must approve a pull request that changes a post to the
	// account, one of them being enough: "@user" or "@org/team".
	Approvers []string
	// UTM is the account's utm, merged over the configuration's key by
	// key (UTMFor); NoUTM is utm: false, which tags none of its links.
	UTM   *UTM
	NoUTM bool
	// Settings holds every other key of the account, as written, the
	// relays' blocks (postforme: {...}) included.
	Settings map[string]any
	Pos      Position
}

// ProviderNames returns the account's providers in failover order:
// Providers, or [direct] when the account lists none.
func (a *Account) ProviderNames() []string {
	if len(a.Providers) == 0 {
		return []string{ProviderDirect}
	}
	return a.Providers
}

// ProviderDirect is the provider that is the platform's own API.
const ProviderDirect = "direct"

// Relays lists the relays herald can publish through, each with the
// platforms it reaches (Post for Me: api.postforme.dev/docs; Late, now
// Zernio: docs.zernio.com; herald's names for them). An account lists a
// relay in providers and gives it a block of settings under its name.
var Relays = map[string][]string{
	"postforme": {"bluesky", "facebook", "instagram", "linkedin", "pinterest", "threads", "tiktok", "x", "youtube"},
	"late":      {"bluesky", "facebook", "instagram", "linkedin", "pinterest", "reddit", "threads", "tiktok", "x", "youtube"},
}

// Platforms lists every platform herald knows, by the name used in
// configuration. An account named after one of these needs no platform key.
var Platforms = []string{
	"bluesky", "mastodon", "x", "linkedin", "threads", "facebook",
	"instagram", "pinterest", "youtube", "tiktok", "reddit", "medium",
	"devto", "ghost", "wordpress", "substack", "feed", "postforme", "late",
}

// IsPlatform reports whether name is a platform herald knows.
func IsPlatform(name string) bool {
	for _, p := range Platforms {
		if p == name {
			return true
		}
	}
	return false
}
