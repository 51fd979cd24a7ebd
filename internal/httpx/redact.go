package httpx

import (
	"encoding/base64"
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

// String returns s with every registered secret replaced by Redacted, in
// each form a server may echo it (see Scrub).
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, secret := range r.secrets {
		s = Scrub(s, secret, Redacted)
	}
	return s
}

// minPrefix is the shortest prefix of a secret taken for the secret: a
// server that echoes a token cut short still echoes most of it.
const minPrefix = 12

// minEncoded is the shortest run of base64 that is taken for an encoded
// secret: shorter ones would match ordinary text.
const minEncoded = 8

// Scrub returns s with secret replaced by repl in every form a server
// may echo it: as it is, in any case (ASCII), from its first 12
// characters on (a token cut short), URL-escaped, and inside base64 or
// base64url text, encoded alone or after other bytes ("Basic " and the
// base64 of "x-access-token:" + secret). An encoded form is replaced with
// the whole base64 run around it. Secrets shorter than 4 bytes are left
// alone: they would match ordinary text.
func Scrub(s, secret, repl string) string {
	if len(secret) < 4 || s == "" {
		return s
	}
	s = replaceFold(s, secret, repl)
	if esc := url.QueryEscape(secret); esc != secret {
		s = replaceFold(s, esc, repl)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for _, core := range encodedCores(secret, enc) {
			s = replaceRun(s, core, repl, enc == base64.URLEncoding)
		}
	}
	return s
}

// replaceFold replaces, ASCII case folded, every run of s that is secret
// or a prefix of it at least minPrefix long (all of it, when shorter).
func replaceFold(s, secret, repl string) string {
	need := min(len(secret), minPrefix)
	var b strings.Builder
	last := 0
	for i := 0; i+need <= len(s); {
		if !hasPrefixFold(s[i:], secret[:need]) {
			i++
			continue
		}
		n := need
		for n < len(secret) && i+n < len(s) && foldEq(s[i+n], secret[n]) {
			n++
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		i += n
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		if !foldEq(s[i], prefix[i]) {
			return false
		}
	}
	return true
}

func foldEq(a, b byte) bool {
	if a == b {
		return true
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// encodedCores are the parts of enc's encoding of secret that are the
// same wherever the secret falls in the encoded bytes: for each of the
// three offsets a secret may start at within a 3-byte group, the
// encoding of its whole groups from the next group boundary on.
func encodedCores(secret string, enc *base64.Encoding) []string {
	var cores []string
	for skip := range 3 {
		rest := secret[min(skip, len(secret)):]
		whole := len(rest) / 3 * 3
		core := enc.EncodeToString([]byte(rest[:whole]))
		if len(core) >= minEncoded {
			cores = append(cores, core)
		}
	}
	return cores
}

// replaceRun replaces each run of base64 (or base64url) characters of s
// that holds core with repl.
func replaceRun(s, core, repl string, urlSafe bool) string {
	if !strings.Contains(s, core) {
		return s
	}
	in := func(c byte) bool {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '=':
			return true
		case urlSafe:
			return c == '-' || c == '_'
		}
		return c == '+' || c == '/'
	}
	var b strings.Builder
	last := 0
	for {
		i := strings.Index(s[last:], core)
		if i < 0 {
			break
		}
		start, end := last+i, last+i+len(core)
		for start > last && in(s[start-1]) {
			start--
		}
		for end < len(s) && in(s[end]) {
			end++
		}
		b.WriteString(s[last:start])
		b.WriteString(repl)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
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
