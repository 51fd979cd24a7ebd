package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"

	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// standInPath is how long the path of a stand-in URL is: longer than the
// 15 characters past which Bluesky's link text is shortened, so that a
// stand-in measures what the longest real URL on the same host would.
const standInPath = 40

// StandInURL is what {{url "target"}} is measured as until the target is
// published: an https URL on the host the target's account names
// (site_url, url or base_url; example.com when none) with a path of 40
// characters. X and Mastodon count any URL as 23; Bluesky shows the host
// and at most 16 characters of the path, so the stand-in is as long as
// the real link text can be; platforms that count a URL in full count 40
// characters of path.
func StandInURL(cfg *schema.Config, target string) string {
	host := "example.com"
	if a := cfg.Accounts[target]; a != nil {
		for _, raw := range []string{str(a.Settings["site_url"]), str(a.Settings["url"]), a.BaseURL} {
			if u, err := url.Parse(raw); err == nil && u.Host != "" {
				host = u.Host
				break
			}
		}
	}
	var b strings.Builder
	b.WriteString("/url-of-")
	for _, r := range strings.ToLower(target) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	path := b.String() + "-" + strings.Repeat("x", standInPath)
	return "https://" + host + path[:standInPath]
}

func str(v any) string { s, _ := v.(string); return s }

// FilledHash is what a target publishes when its text or canonical_url
// holds the URLs of other targets (refs): the hash of its rendering with
// stand-ins, combined with the URL each ref has in urls. A target with no
// refs keeps hash as it is, so that posts without placeholders hash as
// they always did.
func FilledHash(hash string, refs []string, urls map[string]string) string {
	if len(refs) == 0 {
		return hash
	}
	h := sha256.New()
	h.Write([]byte(hash))
	for _, r := range refs {
		h.Write([]byte("\x00" + r + "=" + urls[r]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// PublishedURLs returns, for every target of rec that is published, the
// URL of its first part: what {{url}} and canonical_url are filled with.
func PublishedURLs(rec *state.Record) map[string]string {
	urls := map[string]string{}
	if rec == nil {
		return urls
	}
	for name, ts := range rec.Targets {
		if ts.Status == state.StatusPublished && len(ts.URLs) > 0 && ts.URLs[0] != "" {
			urls[name] = ts.URLs[0]
		}
	}
	return urls
}

// canonicalSource is the target whose URL becomes target's canonical_url:
// for a blog target without a canonical_url of its own, the target its
// after: key names, else the post's primary, when that one is a blog
// too; "" otherwise.
func canonicalSource(p *schema.Post, target, platform string) string {
	if !render.IsBlog(platform) {
		return ""
	}
	if ov := p.Overrides[target]; ov != nil {
		if s, ok := ov.Extra["canonical_url"].(string); ok && s != "" {
			return ""
		}
	}
	platformOf := func(name string) string {
		for _, t := range p.To {
			if t.Name == name {
				return t.Platform
			}
		}
		return ""
	}
	if k := p.Waits[target].AfterKey; k != "" && render.IsBlog(platformOf(k)) {
		return k
	}
	if p.Primary != "" && p.Primary != target && render.IsBlog(platformOf(p.Primary)) {
		return p.Primary
	}
	return ""
}

// urlRefs are the targets whose URL target receives: its placeholders'
// and its canonical source, sorted.
func urlRefs(p *schema.Post, target, platform string) []string {
	refs := slices.Clone(p.Waits[target].URLs)
	if c := canonicalSource(p, target, platform); c != "" && !slices.Contains(refs, c) {
		refs = append(refs, c)
		slices.Sort(refs)
	}
	return refs
}

// standIns are the URLs a post's placeholders are measured with before
// their targets are published, with urls (the published ones) on top.
func standIns(cfg *schema.Config, p *schema.Post, urls map[string]string) map[string]string {
	fill := map[string]string{}
	for _, w := range p.Waits {
		for _, name := range w.URLs {
			if u := urls[name]; u != "" {
				fill[name] = u
			} else {
				fill[name] = StandInURL(cfg, name)
			}
		}
	}
	return fill
}
