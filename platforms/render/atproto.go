package render

import (
	_ "embed" // the TLD list
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Bluesky's facets are found as the official client finds them: the
// detectFacets function of bluesky-social/atproto's @atproto/api
// (packages/api/src/rich-text/detection.ts and util.ts), which the Bluesky
// app runs on what a person types. Its regular expressions are JavaScript
// ones; what follows are the same rules in Go, with the differences
// between the two engines spelled out:
//
//   - JavaScript's \s is Unicode white space (jsSpace), Go's only ASCII;
//   - the URL expression's i flag folds ASCII letters only (a JavaScript
//     expression without the u flag never folds a non-ASCII letter to an
//     ASCII one), where Go's (?i) would also take the Kelvin sign for k;
//   - Go has no look-ahead, so tags and cashtags are read by hand.
//
// Offsets are UTF-8 bytes, as the app's are once converted from UTF-16.

// jsSpace is the set JavaScript's \s matches: white space and line
// terminators.
const jsSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

var (
	// atprotoMentionRE is MENTION_REGEX: /(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)/g.
	// Go's \b is JavaScript's: a boundary between [0-9A-Za-z_] and the rest.
	atprotoMentionRE = newAtRegexp(jsSpace+`(`, `([a-zA-Z0-9.-]+)\b`, "")
	// atprotoURLRE is URL_REGEX:
	// /(^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*))/gim.
	// Group 1 is the URL, group 2 the domain when there is no scheme. The
	// m flag changes nothing here: every line start follows a \s.
	atprotoURLRE = regexp.MustCompile(`(?:^|[` + jsSpace + `(])((?:[hH][tT][tT][pP][sS]?://[^` + jsSpace + `]+)|([a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+)+)[^` + jsSpace + `]*)`)
)

// tldsJSON is the tlds package's list of top-level domains (IANA's, in
// Unicode), which @atproto/api's isValidDomain reads; see
// third_party/tlds/README.md.
//
//go:embed third_party/tlds/index.json
var tldsJSON []byte

var atprotoTLDs = sync.OnceValue(func() map[string]bool {
	var list []string
	if err := json.Unmarshal(tldsJSON, &list); err != nil {
		panic("render: third_party/tlds/index.json: " + err.Error())
	}
	m := make(map[string]bool, len(list))
	for _, t := range list {
		m[t] = true
	}
	return m
})

// atprotoValidDomain is detection.ts's isValidDomain: the text after the
// last dot is a top-level domain of the list. Like the app, it does not
// fold case: "example.COM" is not a domain to it.
func atprotoValidDomain(s string) bool {
	i := strings.LastIndexByte(s, '.')
	return i >= 0 && atprotoTLDs()[s[i+1:]]
}

// detectAtproto finds the facets the Bluesky app would make in text, in
// the app's order: mentions, links, tags, then cashtags (tag facets whose
// value is "$" and the upper-cased ticker). The app keeps facets that
// overlap in the record but shows only the first of them (RichText's
// segments); detectAtproto drops the later ones, and any that overlap
// blocked ranges (code, links from the Markdown). Mentions are found only
// with mentions set, tags and cashtags only with tags set.
func detectAtproto(text string, mentions, tags bool, blocked []span) []Facet {
	var found []Facet
	if mentions && strings.IndexByte(text, '@') >= 0 {
		for _, m := range atprotoMentionRE.findAll(text) {
			h := text[m[2]:m[3]]
			if !atprotoValidDomain(h) && !strings.HasSuffix(h, ".test") {
				continue // probably not a handle
			}
			found = append(found, Facet{Start: m[2] - 1, End: m[3], Type: FacetMention, Value: h})
		}
	}
	for _, m := range atprotoURLMatches(text) {
		start, end := m[2], m[3]
		uri := text[start:end]
		if !strings.HasPrefix(uri, "http") {
			// A scheme in capitals matches the expression but is not
			// "http", and has no domain group: the app skips it too.
			if m[4] < 0 || !atprotoValidDomain(text[m[4]:m[5]]) {
				continue
			}
			uri = "https://" + uri
		}
		uri, trail := atprotoTrimURL(uri)
		end -= len(trail)
		found = append(found, Facet{Start: start, End: end, Type: FacetLink, Value: uri})
	}
	if tags {
		found = append(found, atprotoTags(text)...)
		found = append(found, atprotoCashtags(text)...)
	}
	sortFacets(found) // stable: at one start, the first found wins
	taken := newSpanSet(blocked)
	var out []Facet
	cursor := 0
	for _, f := range found {
		if f.Start < cursor || !taken.free(f.Start, f.End) {
			continue
		}
		out = append(out, f)
		cursor = f.End
	}
	return out
}

// atprotoURLMatches is atprotoURLRE.FindAllStringSubmatchIndex(text, -1)
// without running the expression over all of a long text. A match is the
// character before a word (the start, a space or "(") and a URL that
// ends before the next space, with a scheme (":") or a dot followed by a
// letter or digit: so each word holding a colon or such a dot is matched
// on its own, with the space before it, and the others are skipped,
// found by looking for the next colon or dot and the spaces around it.
func atprotoURLMatches(text string) [][]int {
	n := len(text)
	next := func(c byte, from int) int {
		if k := strings.IndexByte(text[from:], c); k >= 0 {
			return from + k
		}
		return n
	}
	dot, colon := next('.', 0), next(':', 0)
	var out [][]int
	for i := 0; i < n; { // i starts a word: the text's start, or after a space
		// The next mark: a scheme's colon, or a dot and a letter or
		// digit (the domain's next label); a word that ends a sentence
		// holds neither, and the expression is not run.
		if dot < i {
			dot = next('.', i)
		}
		for dot < n && !(dot+1 < n && isASCIIAlnum(rune(text[dot+1]))) {
			dot = next('.', dot+1)
		}
		if colon < i {
			colon = next(':', i)
		}
		k := min(dot, colon)
		if k == n {
			break
		}
		// The word around it runs from the space before it (or i) to
		// the space after it.
		ws := k
		for ws > i {
			r, size := rune(text[ws-1]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeLastRuneInString(text[i:ws])
			}
			if isJSSpace(r) {
				break
			}
			ws -= size
		}
		e := k
		for e < n {
			r, size := rune(text[e]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(text[e:])
			}
			if isJSSpace(r) {
				break
			}
			e += size
		}
		if !mayStartAtprotoURL(text[ws:e]) {
			// "2.5:" or "e.g" start no URL: the expression is not run.
			if e == n {
				break
			}
			_, size := utf8.DecodeRuneInString(text[e:])
			i = e + size
			continue
		}
		w := ws
		if ws > 0 {
			_, size := utf8.DecodeLastRuneInString(text[:ws])
			w = ws - size
		}
		for _, m := range atprotoURLRE.FindAllStringSubmatchIndex(text[w:e], -1) {
			for k := range m {
				if m[k] >= 0 {
					m[k] += w
				}
			}
			out = append(out, m)
		}
		if e == n {
			break
		}
		_, size := utf8.DecodeRuneInString(text[e:])
		i = e + size
	}
	return out
}

// mayStartAtprotoURL reports whether atprotoURLRE may match in a word
// (a run without white space, after white space or the text's start):
// its URL starts at the word's start or after a "(" in it, with a
// scheme or with a letter, letters or digits, a dot and a letter or
// digit. A word where none does holds no match.
func mayStartAtprotoURL(word string) bool {
	for s := 0; s < len(word); {
		u := word[s:]
		if hasPrefixASCIIFold(u, "http://") || hasPrefixASCIIFold(u, "https://") {
			return true
		}
		if c := u[0]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			k := 1
			for k < len(u) && isASCIIAlnum(rune(u[k])) {
				k++
			}
			if k+1 < len(u) && u[k] == '.' && isASCIIAlnum(rune(u[k+1])) {
				return true
			}
		}
		p := strings.IndexByte(u, '(')
		if p < 0 {
			return false
		}
		s += p + 1
	}
	return false
}

// atprotoTrimURL strips what the app strips from the end of a URL it
// finds: one punctuation mark of . , ; : ! ?, then a closing parenthesis
// that opens nowhere in the URL. It returns the URL and what was cut.
func atprotoTrimURL(u string) (url, trail string) {
	n := len(u)
	if n > 0 && strings.IndexByte(".,;:!?", u[n-1]) >= 0 {
		n--
	}
	if n > 0 && u[n-1] == ')' && !strings.Contains(u[:n], "(") {
		n--
	}
	return u[:n], u[n:]
}

// isJSSpace reports whether JavaScript's \s matches r.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// isTagBreak reports whether r ends a tag: white space, or one of the
// invisible characters TAG_REGEX leaves out (soft hyphen, word joiner,
// hair space, zero-width space, non-joiner and joiner, and the combining
// enclosing screen).
func isTagBreak(r rune) bool {
	switch r {
	case 0xad, 0x2060, 0x200a, 0x200b, 0x200c, 0x200d, 0x20e2:
		return true
	}
	return isJSSpace(r)
}

// atprotoTags finds tags as TAG_REGEX and the code after it do:
//
//	/(^|\s)[#＃]((?!\ufe0f)[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*[^\d\s\p{P}\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*)?/gu
//
// After "#" or "＃" at the start or after white space, the tag is the run
// of characters up to white space or an invisible break, not starting with
// U+FE0F, holding at least one character that is not an ASCII digit or
// punctuation (Unicode category P). Trailing punctuation is stripped
// (/\p{P}+$/u); a tag longer than 64 grapheme clusters is no tag. Other
// signs and punctuation are kept: "#double#rainbow", "#node.js" and
// "#butter🦋fly" are whole tags, "(#tag)" is none.
func atprotoTags(text string) []Facet {
	var out []Facet
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
		_, size := utf8.DecodeRuneInString(text[i:])
		if i > 0 {
			if prev, _ := utf8.DecodeLastRuneInString(text[:i]); !isJSSpace(prev) {
				i += size
				continue
			}
		}
		body := i + size
		end, word := body, false
		for end < len(text) {
			c, n := utf8.DecodeRuneInString(text[end:])
			if isTagBreak(c) || (end == body && c == 0xfe0f) {
				break
			}
			if !(c >= '0' && c <= '9') && !unicode.IsPunct(c) {
				word = true
			}
			end += n
		}
		// The match goes on to the tag's end, or stops after the sign
		// when there is no tag; the search resumes there.
		if !word {
			end = body
		}
		tag := strings.TrimRightFunc(text[body:end], unicode.IsPunct)
		if tag != "" && uniseg.GraphemeClusterCount(tag) <= maxTagGraphemes {
			out = append(out, Facet{Start: i, End: body + len(tag), Type: FacetTag, Value: tag})
		}
		i = end
	}
	return out
}

// atprotoCashtags finds cashtags as CASHTAG_REGEX does:
//
//	/(^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})(?=\s|$|[.,;:!?)"'\u2019])/gu
//
// "$" at the start or after white space or "(", a letter and at most four
// more letters or digits, then white space, the end or one of . , ; : ! ?
// ) " ' ’. The facet is a tag whose value is "$" and the ticker in
// capitals.
func atprotoCashtags(text string) []Facet {
	var out []Facet
	for i := strings.IndexByte(text, '$'); i >= 0; {
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		if i == 0 || prev == '(' || isJSSpace(prev) {
			end := i + 1
			for end < len(text) && end-i <= 5 && isASCIIAlnum(rune(text[end])) {
				end++
			}
			ticker := text[i+1 : end]
			next, _ := utf8.DecodeRuneInString(text[end:])
			if ticker != "" && !(ticker[0] >= '0' && ticker[0] <= '9') && len(ticker) <= 5 &&
				(end == len(text) || isJSSpace(next) || strings.ContainsRune(".,;:!?)\"'\u2019", next)) {
				out = append(out, Facet{Start: i, End: end, Type: FacetTag, Value: "$" + strings.ToUpper(ticker)})
			}
		}
		j := strings.IndexByte(text[i+1:], '$')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return out
}
