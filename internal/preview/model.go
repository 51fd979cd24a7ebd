package preview

import (
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
)

// Site is everything a preview shows: each post, rendered for each of its
// targets.
type Site struct {
	// Source says what was read: "the working tree" or "commit abc1234".
	Source string
	Posts  []*Post
}

// Post is one post file with its targets.
type Post struct {
	ID       string
	File     string
	Title    string
	Schedule string // when it publishes, in words
	Campaign string
	Targets  []*Target
	Problems []Problem
	// Media go with the first part of every target's thread.
	Media []*Media
	// Page is the post's file name in the output directory, set by Write.
	Page string
}

// Problem is a validation finding shown with the post.
type Problem struct {
	Text    string
	Warning bool
}

// Media is an image or video of a post, read from the repository.
type Media struct {
	Path string // relative to the repository root
	Alt  string
	Type string // MIME type
	// Src is the copy's path relative to the output directory, set by
	// Write; Missing says why there is none.
	Src     string
	Missing string
}

// IsVideo reports whether the media item is a video.
func (m *Media) IsVideo() bool { return strings.HasPrefix(m.Type, "video/") }

// Target is a post as one target (a network account) receives it.
type Target struct {
	Name     string
	Platform string
	// Account is the name shown as the author: the account's handle where
	// the configuration has one, else the target's name.
	Account string
	// Status is where the target stands ("published", "not published"),
	// and URLs the published posts' addresses, from the state records.
	Status string
	URLs   []string
	Title  string // blogs
	Blog   bool
	// HTML is a blog's article as rendered; Article is the same with its
	// images pointing at the copies in the output directory.
	HTML    string
	Article template.HTML
	Parts   []*Part
	// Fields are the target's other settings (first_comment, visibility).
	Fields []Field
	// Spoiler is Mastodon's content warning, shown over every status.
	Spoiler string
	// base is the network's web address for mention and tag links.
	base string
}

// Field is one setting of a target's override.
type Field struct{ Key, Value string }

// Part is one post of a thread.
type Part struct {
	Text     string
	Segments []Segment
	Count    string // "132/300 graphemes"
	Over     bool
	// Card is the link card the network draws under this part, if any.
	Card *Card
}

// Segment is a run of a part's text, plain or a link, mention or tag.
type Segment struct {
	Text string
	Kind string // "", render.FacetLink, render.FacetMention, render.FacetTag
	Href string
}

// Style is the CSS class naming the look of the target's cards:
// the network's, or "generic" for a network with no look of its own.
func (t *Target) Style() string {
	switch t.Platform {
	case render.PlatformBluesky, render.PlatformMastodon, render.PlatformX, render.PlatformLinkedIn, render.PlatformThreads:
		return t.Platform
	}
	if t.Blog {
		return "blog"
	}
	return "generic"
}

// PlatformName is the network's name as written in prose.
func (t *Target) PlatformName() string { return render.PlatformName(t.Platform) }

// Initial is the letter drawn in the author's avatar.
func (t *Target) Initial() string {
	for _, r := range strings.TrimPrefix(t.Account, "@") {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// Account is what NewTarget needs to know of the account a target posts
// with.
type Account struct {
	Handle  string // e.g. team.example.com, or empty
	BaseURL string // Mastodon's server, e.g. https://social.example
}

// AccountOf reads the shown handle and web address of a configured account.
func AccountOf(a *schema.Account) Account {
	if a == nil {
		return Account{}
	}
	var acct Account
	for _, k := range []string{"handle", "username", "user", "author_name"} {
		if v, ok := a.Settings[k].(string); ok && v != "" {
			acct.Handle = strings.TrimPrefix(v, "@")
			break
		}
	}
	acct.BaseURL = a.BaseURL
	if acct.BaseURL == "" {
		acct.BaseURL, _ = a.Settings["base_url"].(string)
	}
	return acct
}

// NewTarget makes a target's preview from its rendering: each part's text
// cut into plain runs and links, mentions and tags where the platform
// finds them (Bluesky's by the facets' byte ranges), and measured against
// the platform's limit.
func NewTarget(o *render.Output, acct Account) *Target {
	t := &Target{Name: o.Target, Platform: o.Platform, Title: o.Title, Blog: render.IsBlog(o.Platform), HTML: o.HTML}
	t.Account = o.Target
	if h := strings.TrimPrefix(acct.Handle, "@"); h != "" {
		t.Account = h
	}
	t.base = webBase(o.Platform, acct.BaseURL)
	if t.Platform == render.PlatformMastodon && acct.Handle == "" && acct.BaseURL != "" {
		if u, err := url.Parse(acct.BaseURL); err == nil && u.Host != "" {
			t.Account = o.Target + "@" + u.Host
		}
	}
	for _, pt := range o.Parts {
		text, facets := pt.Text, pt.Facets
		if o.Platform == render.PlatformLinkedIn {
			text, facets = unescapeLittle(text)
		}
		count, over := Measure(pt, o.Limits)
		t.Parts = append(t.Parts, &Part{Text: text, Segments: t.segments(text, facets), Count: count, Over: over})
	}
	return t
}

// Measure says a part's length against its platform's limits, counted the
// platform's way, and whether it is over: "212/280 characters (URLs count
// as 23)".
func Measure(pt render.Part, lim schema.Limits) (string, bool) {
	unit := lim.Unit
	if unit == "" {
		unit = "characters"
	}
	var s string
	over := false
	if lim.Length > 0 {
		s = fmt.Sprintf("%d/%d %s", pt.Length, lim.Length, unit)
		if pt.Length > lim.Length {
			s += " OVER THE LIMIT"
			over = true
		}
	} else {
		s = fmt.Sprintf("%d %s, no limit", pt.Length, unit)
	}
	if lim.Bytes > 0 {
		s += fmt.Sprintf(", %d/%d bytes", pt.Bytes, lim.Bytes)
		if pt.Bytes > lim.Bytes {
			s += " OVER THE LIMIT"
			over = true
		}
	}
	if lim.Note != "" {
		s += " (" + lim.Note + ")"
	}
	return s, over
}

// segments cuts text at its facets, which are UTF-8 byte ranges ordered by
// start; a facet overlapping the previous one, or outside the text, is
// left as plain text.
func (t *Target) segments(text string, facets []render.Facet) []Segment {
	var segs []Segment
	last := 0
	for _, f := range facets {
		if f.Start < last || f.End > len(text) || f.Start >= f.End {
			continue
		}
		if f.Start > last {
			segs = append(segs, Segment{Text: text[last:f.Start]})
		}
		segs = append(segs, Segment{Text: text[f.Start:f.End], Kind: f.Type, Href: t.href(f)})
		last = f.End
	}
	if last < len(text) {
		segs = append(segs, Segment{Text: text[last:]})
	}
	return segs
}

// webBase is the network's web address, for profile and tag links.
func webBase(platform, baseURL string) string {
	switch platform {
	case render.PlatformBluesky:
		return "https://bsky.app"
	case render.PlatformMastodon:
		if u, err := url.Parse(baseURL); err == nil && u.Scheme != "" && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
		return ""
	case render.PlatformX:
		return "https://x.com"
	case render.PlatformThreads:
		return "https://www.threads.net"
	case render.PlatformLinkedIn:
		return "https://www.linkedin.com"
	}
	return ""
}

// href is where a facet leads on the network's web site; empty where
// the network does not link it.
func (t *Target) href(f render.Facet) string {
	if f.Type == render.FacetLink {
		return f.Value
	}
	if t.base == "" {
		return ""
	}
	v := url.PathEscape(f.Value)
	switch t.Platform {
	case render.PlatformBluesky:
		if f.Type == render.FacetMention {
			return t.base + "/profile/" + v
		}
		return t.base + "/hashtag/" + v
	case render.PlatformMastodon:
		if f.Type == render.FacetMention {
			user, server, ok := strings.Cut(f.Value, "@")
			if ok {
				return "https://" + server + "/@" + url.PathEscape(user)
			}
			return t.base + "/@" + v
		}
		return t.base + "/tags/" + v
	case render.PlatformX:
		if f.Type == render.FacetMention {
			return t.base + "/" + v
		}
		return t.base + "/hashtag/" + v
	case render.PlatformThreads:
		if f.Type == render.FacetMention {
			return t.base + "/@" + v
		}
		return t.base + "/search?q=%23" + url.QueryEscape(f.Value)
	case render.PlatformLinkedIn:
		if f.Type == render.FacetTag {
			return t.base + "/feed/hashtag/" + v
		}
	}
	return ""
}

// littleURL finds the URLs LinkedIn links in a post's text.
var littleURL = regexp.MustCompile(`https?://[^\s]+[^\s.,;:!?'")\]]`)

// unescapeLittle reads LinkedIn's little text back into what LinkedIn
// shows: backslash escapes removed, each {hashtag|\#|tag} template a
// #tag, and the URLs LinkedIn links, with their facets.
func unescapeLittle(s string) (string, []render.Facet) {
	var b strings.Builder
	var facets []render.Facet
	const tmpl = `{hashtag|\#|`
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], tmpl) {
			if end := strings.IndexByte(s[i+len(tmpl):], '}'); end >= 0 {
				tag := unescapeRun(s[i+len(tmpl) : i+len(tmpl)+end])
				start := b.Len()
				b.WriteString("#" + tag)
				facets = append(facets, render.Facet{Start: start, End: b.Len(), Type: render.FacetTag, Value: tag})
				i += len(tmpl) + end + 1
				continue
			}
		}
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
		i++
	}
	text := b.String()
	for _, m := range littleURL.FindAllStringIndex(text, -1) {
		facets = append(facets, render.Facet{Start: m[0], End: m[1], Type: render.FacetLink, Value: text[m[0]:m[1]]})
	}
	sortFacets(facets)
	return text, facets
}

func unescapeRun(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func sortFacets(fs []render.Facet) {
	slices.SortStableFunc(fs, func(a, b render.Facet) int { return cmp.Compare(a.Start, b.Start) })
}

// cardLink is the link the network draws a card for: the first link of
// the thread, on its part, when the post has no media (an image takes the
// card's place on every network herald posts to). Blogs have none.
func (t *Target) cardLink(hasMedia bool) (int, string) {
	if t.Blog || hasMedia {
		return -1, ""
	}
	for i, p := range t.Parts {
		for _, s := range p.Segments {
			if s.Kind == render.FacetLink && (strings.HasPrefix(s.Href, "https://") || strings.HasPrefix(s.Href, "http://")) {
				return i, s.Href
			}
		}
	}
	return -1, ""
}
