package schema

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"cuelang.org/go/cue"
	"golang.org/x/net/idna"

	"github.com/heraldhq/herald/state"
)

// UTM is how links to a post's own site are tagged with UTM parameters
// (utm_source, utm_medium, utm_campaign, utm_content), which analytics
// tools read to count the visits each post brings. Domains say which
// links are the post's own; the values may hold {platform}, {account},
// {campaign} and {id}. An empty field is unset: an account's UTM takes
// the configuration's value for it, then the default.
type UTM struct {
	Domains  []string
	Source   string
	Medium   string
	Campaign string
	Content  string
	Pos      Position
	// hosts are Domains as compared (normalHost), found once.
	hosts []string
}

// The defaults of the UTM values. utm_source is the platform's name
// (mastodon, x, linkedin), as analytics tools group traffic by network;
// two accounts on one platform are told apart with source: "{account}"
// or content: "{account}".
const (
	DefaultUTMSource   = "{platform}"
	DefaultUTMMedium   = "social"
	DefaultUTMCampaign = "{campaign}"
)

// utmVars are the placeholders a UTM value may hold.
var utmVars = []string{"{platform}", "{account}", "{campaign}", "{id}"}

var utmVar = regexp.MustCompile(`\{[^{}]*\}`)

// UTMFor returns the UTM settings of an account: its own merged over
// the configuration's, key by key, with the defaults filled. It is nil
// when the account's links are not tagged: no domains, or utm: false.
func (c *Config) UTMFor(account string) *UTM {
	a := c.Accounts[account]
	if c.UTM == nil && (a == nil || a.UTM == nil) || a != nil && a.NoUTM {
		return nil
	}
	u := UTM{Source: DefaultUTMSource, Medium: DefaultUTMMedium, Campaign: DefaultUTMCampaign}
	for _, src := range []*UTM{c.UTM, accountUTM(a)} {
		if src == nil {
			continue
		}
		if src.Domains != nil {
			u.Domains, u.hosts = src.Domains, src.hosts
		}
		for _, f := range []struct {
			to   *string
			from string
		}{
			{&u.Source, src.Source}, {&u.Medium, src.Medium}, {&u.Campaign, src.Campaign}, {&u.Content, src.Content},
		} {
			if f.from != "" {
				*f.to = f.from
			}
		}
		u.Pos = src.Pos
	}
	if len(u.Domains) == 0 {
		return nil
	}
	return &u
}

func accountUTM(a *Account) *UTM {
	if a == nil {
		return nil
	}
	return a.UTM
}

// Tagger tags the links of one target of one post: the query it appends
// and the hosts whose links get it.
type Tagger struct {
	query   string
	domains []string // lower-case ASCII; "*.x" for subdomains of x, "*" for all
}

// Tagger returns the tagger of target t of post p, or nil when none of
// its links are tagged: utm is not configured for the account, the post
// says utm: false, or every value is empty. Its cost without a utm
// setting is a map look-up.
func (c *Config) Tagger(p *Post, t Target) *Tagger {
	if p.NoUTM || c.UTM == nil && len(c.Accounts) == 0 {
		return nil
	}
	// A target may be an instance of the account (x#3, x~b).
	account := state.AccountOf(t.Name)
	u := c.UTMFor(account)
	if u == nil {
		return nil
	}
	tg := &Tagger{domains: u.hosts}
	var q strings.Builder
	for _, kv := range [...]struct{ key, val string }{
		{"utm_source", u.Source}, {"utm_medium", u.Medium}, {"utm_campaign", u.Campaign}, {"utm_content", u.Content},
	} {
		v := kv.val
		if strings.IndexByte(v, '{') >= 0 {
			for _, r := range [...][2]string{{"{platform}", t.Platform}, {"{account}", account}, {"{campaign}", p.Campaign}, {"{id}", p.ID}} {
				v = strings.ReplaceAll(v, r[0], r[1])
			}
		}
		if v == "" {
			continue
		}
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(kv.key)
		q.WriteByte('=')
		q.WriteString(url.QueryEscape(v))
	}
	if q.Len() == 0 {
		return nil
	}
	tg.query = q.String()
	return tg
}

// Query is what the tagger appends to a link: "utm_source=x&utm_medium=social".
func (t *Tagger) Query() string { return t.query }

// Domains are the hosts whose links the tagger tags, as configured
// (normalised: lower case, international names in their ASCII form).
func (t *Tagger) Domains() []string { return t.domains }

// Tag returns raw with the tagger's parameters appended to its query,
// and true, when raw is an absolute http(s) URL to one of the domains
// that carries no utm_ parameter yet (a link its writer tagged is left
// as written). The fragment stays last; the rest of the URL is kept
// byte for byte.
func (t *Tagger) Tag(raw string) (string, bool) {
	l := len(raw)
	if l > 8 {
		l = 8
	}
	lower := strings.ToLower(raw[:l])
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return raw, false
	}
	base, frag := raw, ""
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		base, frag = raw[:i], raw[i:]
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || !t.owns(u.Hostname()) {
		return raw, false
	}
	query := ""
	if i := strings.IndexByte(base, '?'); i >= 0 {
		query = base[i+1:]
	}
	for _, pair := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		k, _, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if strings.HasPrefix(strings.ToLower(k), "utm_") {
			return raw, false
		}
	}
	switch {
	case !strings.Contains(base, "?"):
		base += "?"
	case !strings.HasSuffix(base, "?") && !strings.HasSuffix(base, "&"):
		base += "&"
	}
	return base + t.query + frag, true
}

// owns reports whether host is one of the tagger's domains.
func (t *Tagger) owns(host string) bool {
	host = normalHost(host)
	for _, d := range t.domains {
		switch {
		case d == "*":
			return true
		case strings.HasPrefix(d, "*."):
			if strings.HasSuffix(host, d[1:]) {
				return true
			}
		case host == d:
			return true
		}
	}
	return false
}

// normalHost is a host name as compared: lower case, without a final
// dot, an international name in its ASCII (punycode) form.
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	prefix := ""
	if strings.HasPrefix(h, "*.") {
		prefix, h = "*.", h[2:]
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			if a, err := idna.Lookup.ToASCII(h); err == nil {
				h = a
			}
			break
		}
	}
	return prefix + h
}

// TagText tags every http(s) URL of a plain text (a first comment): a
// URL starts with http:// or https:// at the start of the text or after
// a space or an opening bracket or quote, runs to the next space, and
// leaves out trailing punctuation and a closing bracket it did not open.
func (t *Tagger) TagText(s string) (string, bool) {
	var b strings.Builder
	changed := false
	last := 0
	for i := 0; i < len(s); {
		start := urlStart(s, i)
		if start < 0 {
			break
		}
		end := start
		for end < len(s) && !isURLStop(s[end]) {
			end++
		}
		end = start + len(TrimURLEnd(s[start:end]))
		if tagged, ok := t.Tag(s[start:end]); ok {
			b.WriteString(s[last:start])
			b.WriteString(tagged)
			last, changed = end, true
		}
		i = max(end, start+1)
	}
	if !changed {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// urlStart finds the next http:// or https:// at or after i that starts
// a word, or -1.
func urlStart(s string, i int) int {
	for j := i; j+7 <= len(s); j++ {
		if s[j] != 'h' && s[j] != 'H' || j > 0 && strings.IndexByte(" \t\n([<\"'", s[j-1]) < 0 {
			continue
		}
		if strings.EqualFold(s[j:j+7], "http://") || j+8 <= len(s) && strings.EqualFold(s[j:j+8], "https://") {
			return j
		}
	}
	return -1
}

func isURLStop(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '<' || c == '>' || c == '"'
}

// TrimURLEnd returns u without the punctuation that ends a sentence
// rather than the URL: trailing . , ; : ! ? ' * _ ~ and a ")" or "]"
// that closes nothing opened in it.
func TrimURLEnd(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '\'', '*', '_', '~':
			u = u[:len(u)-1]
			continue
		case ')', ']':
			open := byte('(')
			if c == ']' {
				open = '['
			}
			if strings.Count(u, string(open)) < strings.Count(u, string(c)) {
				u = u[:len(u)-1]
				continue
			}
		}
		return u
	}
	return u
}

// loadUTM reads the configuration's utm.
func loadUTM(cfg *Config, u cue.Value, at func(string) Position, bad func(string) bool) Errors {
	v := u.LookupPath(cue.ParsePath("utm"))
	if !v.Exists() || bad("utm") {
		return nil
	}
	var raw map[string]any
	if err := v.Decode(&raw); err != nil {
		return Errors{Errorf(at("utm"), "utm", "utm: %v", err)}
	}
	utm, errs := utmFrom(raw, "utm", at)
	cfg.UTM = utm
	return errs
}

// utmFrom reads a utm block decoded from the configuration, at path
// (utm, or accounts.NAME.utm), checking the placeholders of its values.
func utmFrom(raw map[string]any, path string, at func(string) Position) (*UTM, Errors) {
	u := &UTM{Pos: at(path)}
	var errs Errors
	if list, ok := raw["domains"].([]any); ok {
		u.Domains, u.hosts = []string{}, []string{}
		for _, d := range list {
			if d, ok := d.(string); ok {
				u.Domains = append(u.Domains, d)
				u.hosts = append(u.hosts, normalHost(d))
			}
		}
	}
	for _, f := range []struct {
		key string
		to  *string
	}{{"source", &u.Source}, {"medium", &u.Medium}, {"campaign", &u.Campaign}, {"content", &u.Content}} {
		s, _ := raw[f.key].(string)
		for _, m := range utmVar.FindAllString(s, -1) {
			known := false
			for _, v := range utmVars {
				known = known || m == v
			}
			if !known {
				errs = append(errs, Errorf(at(path+"."+f.key), path+"."+f.key,
					"unknown placeholder %s: a value may hold %s", m, strings.Join(utmVars, ", ")))
			}
		}
		*f.to = s
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return u, nil
}

// accountUTMFrom reads an account's utm setting: a block, or false.
func accountUTMFrom(a *Account, val any, at func(string) Position) Errors {
	path := cue.MakePath(cue.Str("accounts"), cue.Str(a.Name), cue.Str("utm")).String()
	switch v := val.(type) {
	case bool:
		a.NoUTM = !v
		return nil
	case map[string]any:
		u, errs := utmFrom(v, path, func(p string) Position {
			if strings.HasPrefix(p, path) {
				return at(p)
			}
			return at(path)
		})
		for _, e := range errs {
			e.Field = "accounts." + a.Name + ".utm" + strings.TrimPrefix(e.Field, path)
		}
		a.UTM = u
		return errs
	}
	return Errors{Errorf(at(path), "accounts."+a.Name+".utm", "utm is a block of settings, or false: %s", fmt.Sprint(val))}
}
