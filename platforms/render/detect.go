package render

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

var (
	// handleRE finds a Bluesky @handle: a domain name after the start, a
	// space or "(" (atproto's mention detection).
	handleRE = newAtRegexp(`\s(`, `([a-zA-Z0-9.-]+)`, "")
	// fediRE finds @user and @user@server not after a slash or a word
	// character (Mastodon's Account::MENTION_RE).
	fediRE = newAtRegexp(`^/\p{L}\p{N}_`, `([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)`, "(?i)")
	// userRE finds @user for X and Threads: up to 15 of [A-Za-z0-9_] not
	// after a word character or @.
	userRE = newAtRegexp(`^\p{L}\p{N}_@`, `([A-Za-z0-9_]{1,15})`, "")
)

// atRegexp is an expression of the form (?:^|[class])@rest, whose rest
// matches no white space: every match is the start or one character,
// then an @ and no white space. findAll gives the matches of the whole
// expression without running it over the whole text: only at each @,
// on the word around it, anchored.
type atRegexp struct {
	full  *regexp.Regexp // (?:^|[class])@rest
	start *regexp.Regexp // ^@rest, for an @ that starts the text
	after *regexp.Regexp // ^[class]@rest, from the character before an @
}

func newAtRegexp(class, rest, flags string) *atRegexp {
	return &atRegexp{
		full:  regexp.MustCompile(flags + `(?:^|[` + class + `])@` + rest),
		start: regexp.MustCompile(flags + `^@` + rest),
		after: regexp.MustCompile(flags + `^[` + class + `]@` + rest),
	}
}

// findAll is full.FindAllStringSubmatchIndex(text, -1).
func (re *atRegexp) findAll(text string) [][]int {
	var out [][]int
	last := 0 // where the previous match ended
	for i := strings.IndexByte(text, '@'); i >= 0; {
		ws := 0
		if i > 0 {
			_, size := utf8.DecodeLastRuneInString(text[:i])
			ws = i - size
		}
		if ws >= last {
			// The window ends at the next white space, which no match
			// holds (and which is a word boundary as the text's end is).
			we := len(text)
			if k := strings.IndexFunc(text[i:], unicode.IsSpace); k >= 0 {
				we = i + k
			}
			ex := re.after
			if i == 0 {
				ex = re.start
			}
			if m := ex.FindStringSubmatchIndex(text[ws:we]); m != nil {
				for k := range m {
					if m[k] >= 0 {
						m[k] += ws
					}
				}
				out = append(out, m)
				last = m[1]
			}
		}
		j := strings.IndexByte(text[i+1:], '@')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return out
}

// maxTagGraphemes is Bluesky's limit on a tag facet's length.
const maxTagGraphemes = 64

// detect finds hashtags and mentions in text outside code, outside existing
// facets and outside URLs.
func detect(text string, style Style, code []span, existing []Facet) []Facet {
	return detectIn(&textInfo{text: text}, style, code, existing)
}

// detectIn is detect on a text whose URLs and tags may have been found
// for another platform already.
func detectIn(ti *textInfo, style Style, code []span, existing []Facet) []Facet {
	text := ti.text
	blocked := append([]span(nil), code...)
	for _, f := range existing {
		blocked = append(blocked, span{f.Start, f.End})
	}
	if style.Atproto {
		return detectAtproto(text, style.Mentions != MentionNone, style.Tags, blocked)
	}
	taken := newSpanSet(blocked)
	var out []Facet
	// URLs the Markdown did not link (bare domains) are links all the same
	// on the platforms that link them, and are never tags or mentions.
	urls := ti.urls()
	for _, u := range urls {
		if taken.free(u.start, u.end) {
			url := text[u.start:u.end]
			if !isWebURL(url) {
				url = "https://" + url
			}
			out = append(out, Facet{Start: u.start, End: u.end, Type: FacetLink, Value: url})
		}
	}
	free := newSpanSet(append(blocked, urls...)).free
	if style.Tags {
		for _, m := range ti.tags() {
			start, end := m.start, m.end
			tag := text[m.start+m.sign : m.end]
			if allDigits(tag) || uniseg.GraphemeClusterCount(tag) > maxTagGraphemes || !free(start, end) {
				continue
			}
			// A tag glued to more word-ish text ("#a-b") ends at the dash;
			// that is how Bluesky and Mastodon read it too.
			out = append(out, Facet{Start: start, End: end, Type: FacetTag, Value: tag})
		}
	}
	// Every mention starts with an ASCII @.
	mentions := style.Mentions
	if strings.IndexByte(text, '@') < 0 {
		mentions = MentionNone
	}
	switch mentions {
	case MentionHandle:
		for _, m := range handleRE.findAll(text) {
			h := strings.TrimRight(text[m[2]:m[3]], ".-")
			start, end := m[2]-1, m[2]+len(h)
			if !validHandle(h) || !free(start, end) || followedByWord(text, end) {
				continue
			}
			out = append(out, Facet{Start: start, End: end, Type: FacetMention, Value: h})
		}
	case MentionFediverse:
		for _, m := range fediRE.findAll(text) {
			start, end := m[2]-1, m[3]
			if !free(start, end) {
				continue
			}
			out = append(out, Facet{Start: start, End: end, Type: FacetMention, Value: text[m[2]:m[3]]})
		}
	case MentionUser:
		for _, m := range userRE.findAll(text) {
			start, end := m[2]-1, m[3]
			if !free(start, end) || followedByWord(text, end) || (end < len(text) && text[end] == '@') {
				continue
			}
			out = append(out, Facet{Start: start, End: end, Type: FacetMention, Value: text[m[2]:m[3]]})
		}
	}
	return out
}

// spanSet is a set of byte ranges, sorted and merged, that tells in
// logarithmic time whether a range overlaps any of them: a text may hold
// thousands of links, tags and code spans.
type spanSet []span

func newSpanSet(spans []span) spanSet {
	set := append(spanSet(nil), spans...)
	slices.SortFunc(set, func(a, b span) int { return a.start - b.start })
	w := 0
	for _, sp := range set {
		if w > 0 && sp.start <= set[w-1].end {
			set[w-1].end = max(set[w-1].end, sp.end)
			continue
		}
		set[w] = sp
		w++
	}
	return set[:w]
}

// free reports whether [s, e) overlaps no range of the set.
func (set spanSet) free(s, e int) bool {
	// The first range that ends after s is the only one that may overlap.
	i := sort.Search(len(set), func(i int) bool { return set[i].end > s })
	return i == len(set) || set[i].start >= e
}

// tagMatch is a #tag in a text: the sign at start, sign bytes long, then
// the tag up to end.
type tagMatch struct{ start, sign, end int }

// findTags finds every #tag (or ＃tag) after the start, an ASCII space
// (\t \n \f \r or space) or an opening bracket. The tag is letters, marks,
// digits and underscores, so trailing punctuation is left out; all-digit
// tags are dropped by the caller. It finds what the regular expression
// (?:^|[\s(\[{])([#＃])([\p{L}\p{M}\p{N}_]+) finds, in one pass.
func findTags(text string) []tagMatch {
	var out []tagMatch
	// Most texts have no fullwidth sign: then a byte search will do.
	index := func(s string) int { return strings.IndexAny(s, "#＃") }
	if !strings.Contains(text, "＃") {
		index = func(s string) int { return strings.IndexByte(s, '#') }
	}
	for i := 0; i < len(text); {
		j := index(text[i:])
		if j < 0 {
			break
		}
		i += j
		sign := 1
		if text[i] != '#' {
			sign = len("＃")
		}
		if i > 0 && strings.IndexByte("\t\n\f\r ([{", text[i-1]) < 0 {
			i += sign
			continue
		}
		end := i + sign
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r) {
				break
			}
			end += size
		}
		if end > i+sign {
			out = append(out, tagMatch{start: i, sign: sign, end: end})
		}
		i = max(end, i+sign)
	}
	return out
}

func allDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// followedByWord reports whether a letter, digit or underscore follows
// byte i, which would make the match part of a longer word.
func followedByWord(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// validHandle checks a Bluesky handle's syntax: two or more labels of
// letters, digits and dashes, the last a real top-level domain.
func validHandle(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	return isTLD(labels[len(labels)-1])
}

// isTLD reports whether a label is an ICANN top-level domain, by the
// public suffix list.
func isTLD(l string) bool {
	if l == "" || strings.ContainsAny(l, "_") || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if r < utf8.RuneSelf && r >= '0' && r <= '9' {
			return false
		}
	}
	a, err := idna.ToASCII(strings.ToLower(l))
	if err != nil {
		return false
	}
	suffix, icann := publicsuffix.PublicSuffix(a)
	return icann && suffix == a
}
