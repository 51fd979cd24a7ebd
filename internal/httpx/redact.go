package httpx

import (
	"net/url"
	"strings"
)

// Redacted replaces every secret in errors and logs.
const Redacted = "REDACTED"

// secretParams are query parameters whose values are secrets on some
// platform (Meta's access_token, API keys, signatures).
var secretParams = map[string]bool{
	"access_token": true, "refresh_token": true, "token": true, "key": true,
	"api_key": true, "apikey": true, "client_secret": true, "password": true,
	"secret": true, "sig": true, "signature": true, "code": true,
	"oauth_token": true, "oauth_signature": true, "appsecret_proof": true,
}

// Redactor removes known secret values from text. Adapters register each
// secret they send (tokens, passwords, keys) so that no error or log line
// can carry one, whatever part of a request or response echoes it.
type Redactor struct {
	secrets []string
}

// Add registers secrets; empty strings and very short values, which would
// redact ordinary text, are ignored.
func (r *Redactor) Add(secrets ...string) {
	for _, s := range secrets {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
}

// String returns s with every registered secret, and its URL-escaped
// form, replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Redacted)
		if esc := url.QueryEscape(secret); esc != secret {
			s = strings.ReplaceAll(s, esc, Redacted)
		}
	}
	return s
}

// URL returns u as a string for errors and logs: without user info, with
// the values of secret query parameters replaced, and with registered
// secrets removed from what remains.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	// Redact decoded values, then re-encode, so that whichever escaping
	// the caller used, the secret is found.
	c.Path, c.RawPath = r.String(c.Path), ""
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			for i := range q[k] {
				if secretParams[strings.ToLower(k)] {
					q[k][i] = Redacted
				} else {
					q[k][i] = r.String(q[k][i])
				}
			}
		}
		c.RawQuery = q.Encode()
	}
	return r.String(c.String())
}
