// Package tokenstore keeps the OAuth tokens herald refreshes between runs,
// encrypted in the content repository, and obtains them in the first
// place.
//
// # The store
//
// Store is the platforms.TokenStore that herald apply and herald auth give
// adapters. Each account's platforms.Token is kept as JSON encrypted with
// age (X25519) at .herald/tokens/<account>.age, the account name
// percent-encoded where it is not a plain file name. The identity comes
// from the environment variable HERALD_AGE_KEY (a CI secret); the file is
// encrypted to that identity's recipient and to every public key listed
// in .herald/tokens/recipients, so that a team member can decrypt it with
// the age tool and their own key. The configuration's schema is closed, so
// the extra recipients live in that file rather than in herald.yaml.
//
// Save writes the work tree (mode 0600, through a temporary file renamed
// into place) and stages the file in the state store, so that it is
// committed with the run's results and never with an intent commit
// (state.CommitInfo.RecordsOnly leaves staged files out). When a push is
// replayed on a remote that has a token too, Merge keeps the token that
// expires later, else ours. Without HERALD_AGE_KEY, Load answers
// platforms.ErrNoToken (adapters fall back to the secrets in the
// environment) and Save fails with ErrNoKey. Neither the plaintext nor the
// key is ever written to disk, logged, or quoted in an error. Unkept is the
// in-memory store of a run without the key, which warns once per account
// that a refreshed token will be lost.
//
// # The grant
//
// Grant runs the OAuth 2.0 authorization code grant with PKCE (RFC 7636,
// S256) on a loopback redirect (RFC 8252 §7.3) that herald auth uses for
// X, LinkedIn and Threads: it listens on 127.0.0.1, shows the
// authorization URL, checks the state of the redirect and trades the code
// and its verifier for tokens. Exchange performs the follow-up GET that
// Threads needs to turn its one-hour token into a 60-day one.
package tokenstore
