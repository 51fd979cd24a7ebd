package render

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// span is a half-open byte range of a string.
type span struct{ start, end int }

// extractURLs finds the URLs twitter-text's extractor finds, as byte
// ranges of s: http(s) URLs and, when bare is set, domains without a
// scheme (twitter-text's extractUrlsWithIndices, with
// extractUrlsWithoutProtocol). It follows the extractor's expression
// (js/src/regexp/extractUrl.js and the expressions it is made of) and its
// checks step by step, in its order:
//
//   - a URL follows the start of the text or any character but an ASCII
//     letter or digit, @ ＠ $ # ＃ and U+FFFE U+FEFF U+FFFF, a character
//     the match consumes;
//   - the domain is labels of domain characters (anything but ASCII
//     punctuation, spaces, directional marks and U+FFFE U+FEFF U+FFFF),
//     subdomains with inner - or _, the domain name with inner -, and a
//     top-level domain of twitter-text's list (third_party/twitter-text)
//     or punycode, followed by anything but an ASCII letter or digit, @,
//   - or -; the most labels that give such a domain are taken;
//   - then an optional port, path (balanced parentheses allowed, ending
//     on a letter, digit, + - = _ # / or a closing parenthesis) and query;
//   - every label is 1 to 63 characters once punycoded;
//   - without a scheme (only when bare), a URL after - _ . or / is
//     dropped, and the URLs are the ASCII domains (letters, digits, -
//     and Latin letters with accents) inside the domain, the last one
//     with the path;
//   - a t.co URL ends after its slug and query, and is dropped if its
//     slug is over 40 characters.
//
// After a match, even a dropped one, the search goes on where it ended.
func extractURLs(s string, bare bool) []span {
	return appendURLs(nil, s, bare)
}

// appendURLs is extractURLs appending to out.
func appendURLs(out []span, s string, bare bool) []span {
	if strings.IndexByte(s, '.') < 0 || !bare && strings.IndexByte(s, ':') < 0 {
		return out // every domain has a dot, every scheme a colon
	}
	dot := -1 // the first dot at or after q, once looked for
	for q := 0; q < len(s); {
		if dot < q {
			// Every match holds a dot (between its domain's labels) and
			// no white space, and the search stops at every ASCII space
			// (no match or label runs over one): up to the last space
			// before the next dot it finds nothing, and it goes on from
			// that space as it would have. Prose is then searched a
			// word or two a sentence.
			d := strings.IndexByte(s[q:], '.')
			if d < 0 {
				break
			}
			dot = q + d
			for p := dot - 1; p > q; p-- {
				if c := s[p]; c < utf8.RuneSelf && asciiSpace[c] {
					q = p
					break
				}
			}
		}
		c := s[q]
		if c < utf8.RuneSelf && isASCIIAlnum(rune(c)) && q > 0 {
			q++ // no URL follows a letter or digit
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[q:])
		}
		if validURLPreceding(r) {
			// The character at q precedes a URL at q+size: a scheme, or
			// a label and a dot.
			i := q + size
			e := labelEnd(s, i)
			// matchURL finds nothing from an empty label, nor where the dot
			// after the label starts no other (a sentence's full stop):
			// a domain has two labels, and a scheme ends in a colon.
			if e > i && e < len(s) && (s[e] == ':' || s[e] == '.' && e+1 < len(s) && (s[e+1] >= utf8.RuneSelf || asciiLabel[s[e+1]])) {
				if m, ok := matchURL(s, i); ok {
					out = m.appendTo(out, s, r, bare)
					q = m.end
					continue
				}
			}
			// A run of domain characters with no dot after it holds no
			// URL wherever it starts: skip it (long runs of CJK text,
			// whose characters are all domain characters). A colon after
			// it may end a scheme that starts inside it.
			if e > i && (e == len(s) || s[e] != '.' && s[e] != ':') {
				q = e
				continue
			}
		}
		if q == 0 {
			// Or the URL starts the text, tried after the above as the
			// expression's alternatives are.
			if m, ok := matchURL(s, 0); ok {
				out = m.appendTo(out, s, -1, bare)
				q = m.end
				continue
			}
		}
		q += size
	}
	return out
}

// urlMatch is one match of the extractor's expression.
type urlMatch struct {
	start, end int  // the URL
	scheme     int  // length of "http://" or "https://", or 0
	domainEnd  int  // where the domain ends
	path       bool // whether a path follows the domain
}

// appendTo applies the extractor's checks to a match and appends the
// URLs it gives; prev is the character before it, -1 at the start.
func (m urlMatch) appendTo(out []span, s string, prev rune, bare bool) []span {
	domain := s[m.start+m.scheme : m.domainEnd]
	if !validPunycodeLabels(domain) {
		return out
	}
	scheme := m.scheme
	if scheme == 0 {
		scheme = len("https://")
	}
	if scheme+m.end-m.start > maxURLLength {
		return out
	}
	if m.scheme == 0 {
		if !bare || prev == '-' || prev == '_' || prev == '.' || prev == '/' {
			return out
		}
		n := len(out)
		out = appendASCIIDomains(out, s, m.start, m.domainEnd)
		if len(out) > n && m.path {
			out[len(out)-1].end = m.end
		}
		return out
	}
	if end, ok := tcoEnd(s, m); ok {
		if end < 0 {
			return out // slug too long
		}
		return append(out, span{m.start, end})
	}
	return append(out, span{m.start, m.end})
}

// maxURLLength and maxTcoSlug are twitter-text's MAX_URL_LENGTH and
// MAX_TCO_SLUG_LENGTH.
const (
	maxURLLength = 4096
	maxTcoSlug   = 40
)

// tcoEnd applies validTcoUrl to a match with a scheme: a t.co URL ends
// after its slug and an optional query. It reports whether the match is
// a t.co URL, and its end, or -1 if the slug is too long.
func tcoEnd(s string, m urlMatch) (int, bool) {
	i := m.start + m.scheme
	if !hasPrefixASCIIFold(s[i:m.end], "t.co/") {
		return 0, false
	}
	i += len("t.co/")
	j := i
	for j < m.end && isASCIIAlnum(rune(s[j])) {
		j++
	}
	if j == i {
		return 0, false
	}
	if j-i > maxTcoSlug {
		return -1, true
	}
	if j < m.end && s[j] == '?' {
		if q := matchQuery(s[:m.end], j); q > j+1 {
			j = q
		}
	}
	return j, true
}

// matchURL matches the extractor's expression for the URL itself at i:
// an optional scheme, the domain, port, path and query.
func matchURL(s string, i int) (urlMatch, bool) {
	m := urlMatch{start: i}
	switch {
	case hasPrefixASCIIFold(s[i:], "https://"):
		m.scheme = 8
	case hasPrefixASCIIFold(s[i:], "http://"):
		m.scheme = 7
	}
	end, ok := matchDomain(s, i+m.scheme)
	if !ok && m.scheme > 0 {
		// The scheme is optional: the domain may start at i.
		m.scheme = 0
		end, ok = matchDomain(s, i)
	}
	if !ok {
		return m, false
	}
	m.domainEnd = end
	if end+1 < len(s) && s[end] == ':' && isDigit(s[end+1]) {
		end++
		for end < len(s) && isDigit(s[end]) {
			end++
		}
	}
	if end < len(s) && s[end] == '/' {
		end = matchPath(s, end)
		m.path = true
	}
	if end < len(s) && s[end] == '?' {
		if q := matchQuery(s, end); q > end+1 {
			end = q
		}
	}
	m.end = end
	return m, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// label is a run of domain characters, - and _, with what the domain
// expression asks of it.
type label struct {
	start, end int
	sub, name  bool // a valid subdomain, a valid domain name
}

// matchDomain matches validDomain at j: labels separated by dots, the
// last one starting with a top-level domain. It returns the domain's end.
func matchDomain(s string, j int) (int, bool) {
	var buf [8]label
	labels := buf[:0]
	for k := j; ; {
		e := labelEnd(s, k)
		if e == k {
			break
		}
		labels = append(labels, newLabel(s, k, e))
		if e+1 < len(s) && s[e] == '.' {
			k = e + 1
			continue
		}
		break
	}
	if len(labels) < 2 {
		return 0, false
	}
	// Subdomains are greedy: the most labels first. badSub is the first
	// label that is no subdomain.
	badSub := len(labels)
	for x, l := range labels {
		if !l.sub {
			badSub = x
			break
		}
	}
	for n := len(labels); n >= 2; n-- {
		if n-2 > badSub || !labels[n-2].name {
			continue
		}
		if end := tldEnd(s, labels[n-1].start, true); end > 0 {
			return end, true
		}
	}
	return 0, false
}

// newLabel checks a label as a subdomain (domain characters, with - and _
// only inside) and as a domain name (- only inside).
func newLabel(s string, start, end int) label {
	l := label{start: start, end: end}
	first, _ := utf8.DecodeRuneInString(s[start:end])
	last, _ := utf8.DecodeLastRuneInString(s[start:end])
	if first == '-' || first == '_' || last == '-' || last == '_' {
		return l
	}
	l.sub = true
	l.name = strings.IndexByte(s[start:end], '_') < 0
	return l
}

// labelEnd returns the end of the run of domain characters, - and _ that
// starts at k.
func labelEnd(s string, k int) int {
	for k < len(s) {
		c := s[k]
		if c < utf8.RuneSelf {
			if asciiLabel[c] {
				k++
				continue
			}
			return k
		}
		r, size := utf8.DecodeRuneInString(s[k:])
		if !isDomainRune(r) {
			return k
		}
		k += size
	}
	return k
}

// asciiLabel holds the ASCII characters of a label: the domain
// characters (all but twitter-text's punctuation !'#%&()*+,-./:;<=>?@[\]^_{|}~$
// and its spaces, tab to carriage return and space) and - and _.
var asciiLabel = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = !(c >= 0x09 && c <= 0x0D || c == ' ' || strings.IndexByte("!'#%&()*+,./:;<=>?@[\\]^{|}~$", byte(c)) >= 0)
	}
	return t
}()

// isDomainRune reports whether a non-ASCII rune is a domain character:
// not a space of twitter-text's spaces group, a directional mark or
// U+FFFE U+FEFF U+FFFF.
func isDomainRune(r rune) bool {
	switch {
	case r == 0x85 || r == 0xA0 || r == 0x1680 || r == 0x180E || r >= 0x2000 && r <= 0x200A,
		r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000:
		return false // spaces
	case r >= 0x202A && r <= 0x202E, r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x2066 && r <= 0x2069:
		return false // directional marks
	case r == 0xFFFE || r == 0xFEFF || r == 0xFFFF:
		return false
	}
	return true
}

// validURLPreceding reports whether r may come right before a URL.
func validURLPreceding(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return !isASCIIAlnum(r) && r != '@' && r != '$' && r != '#'
	case r == '＠' || r == '＃' || r == 0xFFFE || r == 0xFEFF || r == 0xFFFF:
		return false
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// tldLookahead reports whether the character at i may follow a top-level
// domain: anything but an ASCII letter or digit, @, + or -. With end set,
// the end of s may too.
func tldLookahead(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	c := s[i]
	return !(isASCIIAlnum(rune(c)) || c == '@' || c == '+' || c == '-')
}

// tldEnd returns the end of the longest top-level domain of twitter-text's
// list, or punycode (xn--...), that starts at i and is followed by what
// may follow one, or 0.
func tldEnd(s string, i int, _ bool) int {
	if hasPrefixASCIIFold(s[i:], "xn--") {
		k := i + 4
		for k < len(s) && (isASCIIAlnum(rune(s[k])) && (s[k] < 'A' || s[k] > 'Z') || s[k] == '-') {
			k++
		}
		// The run of [-0-9a-z] backs off until the lookahead holds,
		// which it can only do at the run's end.
		if k > i+4 && tldLookahead(s, k) {
			return k
		}
	}
	tl := twitterTLDs()
	best := 0
	var lower [64]byte
	for k := i; k < len(s) && k-i < tl.maxLen; {
		r, size := utf8.DecodeRuneInString(s[k:])
		if r < utf8.RuneSelf && !isASCIIAlnum(r) {
			break // no TLD holds ASCII punctuation
		}
		k += size
		if !tldLookahead(s, k) {
			continue
		}
		cand := s[i:k]
		if isASCIIString(cand) {
			b := lower[:len(cand)]
			for x := range len(cand) {
				c := cand[x]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b[x] = c
			}
			if _, ok := tl.set[string(b)]; ok {
				best = k
			}
		} else if _, ok := tl.set[strings.ToLower(cand)]; ok {
			best = k
		}
	}
	return best
}

func isASCIIString(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if (s[i]|s[i+1]|s[i+2]|s[i+3]|s[i+4]|s[i+5]|s[i+6]|s[i+7])&0x80 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

//go:embed third_party/twitter-text/tld_lib.yml
var tldLib string

type tldList struct {
	set    map[string]struct{}
	maxLen int // bytes
}

// twitterTLDs is the set of twitter-text's top-level domains, lower case.
var twitterTLDs = sync.OnceValue(func() tldList {
	l := tldList{set: make(map[string]struct{}, 1600)}
	for _, t := range parseTLDLib(tldLib) {
		t = strings.ToLower(t)
		l.set[t] = struct{}{}
		l.maxLen = max(l.maxLen, len(t))
	}
	return l
})

// parseTLDLib reads the list items of tld_lib.yml: lines "- tld", some
// of them quoted ('no', 'off').
func parseTLDLib(src string) []string {
	var out []string
	for line := range strings.Lines(src) {
		item, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "- ")
		if !ok {
			continue
		}
		out = append(out, strings.Trim(item, `'"`))
	}
	return out
}

// validPunycodeLabels is twitter-text's idna.toAscii check: every label
// of the domain is 1 to 63 characters once punycoded, and a domain that
// starts with xn-- holds an ASCII domain.
func validPunycodeLabels(domain string) bool {
	if hasPrefixASCIIFold(domain, "xn--") && len(appendASCIIDomains(nil, domain, 0, len(domain))) == 0 {
		return false
	}
	for l := range strings.SplitSeq(domain, ".") {
		n := len(l)
		if !isASCIIString(l) {
			a, err := idna.Punycode.ToASCII(l)
			if err != nil {
				return false
			}
			n = len(a)
		}
		if n < 1 || n > 63 {
			return false
		}
	}
	return true
}

// appendASCIIDomains appends every match of twitter-text's
// validAsciiDomain in s[start:end]: labels of ASCII letters, digits, -
// and accented Latin letters, each followed by a dot, the most that can
// be followed by a top-level domain, which may end at end.
func appendASCIIDomains(out []span, s string, start, end int) []span {
	d := s[:end]
	for p := start; p < end; {
		r, size := utf8.DecodeRuneInString(d[p:])
		if !isASCIIDomainRune(r) {
			p += size
			continue
		}
		// Labels from p, each followed by a dot: a TLD may start after
		// any of those dots; the farthest that works wins.
		var dots [8]int
		after := dots[:0]
		k := p
		for {
			e := k
			for e < end {
				r, size := utf8.DecodeRuneInString(d[e:])
				if !isASCIIDomainRune(r) {
					break
				}
				e += size
			}
			if e == k || e >= end || d[e] != '.' {
				break
			}
			after = append(after, e+1)
			k = e + 1
		}
		found := false
		for x := len(after) - 1; x >= 0; x-- {
			if t := tldEnd(d, after[x], true); t > 0 {
				out = append(out, span{p, t})
				p = t
				found = true
				break
			}
		}
		if !found {
			// Any start inside this first label finds the same dots.
			p = labelEndASCII(d, p, end) + 1
		}
	}
	return out
}

func labelEndASCII(s string, p, end int) int {
	for p < end {
		r, size := utf8.DecodeRuneInString(s[p:])
		if !isASCIIDomainRune(r) {
			break
		}
		p += size
	}
	return p
}

// isASCIIDomainRune is validAsciiDomain's label class: ASCII letters,
// digits and -, and twitter-text's latinAccentChars.
func isASCIIDomainRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r) || r == '-'
	}
	return isLatinAccent(r)
}

// isLatinAccent is twitter-text's latinAccentChars.
func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x24F,
		r == 0x253 || r == 0x254 || r == 0x256 || r == 0x257 || r == 0x259 || r == 0x25B || r == 0x263 || r == 0x268 || r == 0x26F || r == 0x272 || r == 0x289 || r == 0x28B || r == 0x2BB,
		r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	return false
}

// hasPrefixASCIIFold reports whether s starts with prefix, a lower-case
// ASCII string, in any case: what lower-casing s and comparing finds, as
// no code point outside ASCII lower-cases to an ASCII letter of a scheme.
func hasPrefixASCIIFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// isPathChar is validGeneralUrlPathChars: ASCII letters and digits,
// Cyrillic, accented Latin and !*';:=+,.$/%#[]-–_~@|&.
func isPathChar(r rune) bool {
	if r < utf8.RuneSelf {
		return pathCharASCII[r]
	}
	return r == '–' || r >= 0x400 && r <= 0x4FF || isLatinAccent(r)
}

// pathCharASCII and pathEndASCII are isPathChar and isPathEnd of the
// ASCII characters.
var pathCharASCII, pathEndASCII = asciiSet("!*';:=+,.$/%#[]-_~@|&"), asciiSet("+-=_#/")

// asciiSet marks the ASCII letters and digits and the characters of
// punct.
func asciiSet(punct string) (t [utf8.RuneSelf]bool) {
	for c := range rune(utf8.RuneSelf) {
		t[c] = isASCIIAlnum(c) || strings.IndexByte(punct, byte(c)) >= 0
	}
	return t
}

// isPathEnd is validUrlPathEndingChars, less the parentheses: ASCII
// letters and digits, Cyrillic, accented Latin and +-=_#/.
func isPathEnd(r rune) bool {
	if r < utf8.RuneSelf {
		return pathEndASCII[r]
	}
	return r >= 0x400 && r <= 0x4FF || isLatinAccent(r)
}

// matchPath reads a path starting at the slash at j: path characters and
// balanced parentheses (two levels), as far as it can end on an ending
// character or a closing parenthesis.
func matchPath(s string, j int) int {
	k := j + 1
	lastGood := k // a bare slash is a path
	for k < len(s) {
		r, size := rune(s[k]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[k:])
		}
		if r == '(' {
			e := matchParens(s, k)
			if e < 0 {
				break
			}
			k = e
			lastGood = k
			continue
		}
		if !isPathChar(r) {
			break
		}
		k += size
		if isPathEnd(r) {
			lastGood = k
		}
	}
	return lastGood
}

// matchParens matches validUrlBalancedParens at the "(" at i: path
// characters, or path characters around one nested parenthesised group
// of them, in parentheses. It returns the end, or -1.
func matchParens(s string, i int) int {
	k := pathRun(s, i+1)
	if k < len(s) && s[k] == ')' && k > i+1 {
		return k + 1
	}
	if k < len(s) && s[k] == '(' {
		m := pathRun(s, k+1)
		if m > k+1 && m < len(s) && s[m] == ')' {
			n := pathRun(s, m+1)
			if n < len(s) && s[n] == ')' {
				return n + 1
			}
		}
	}
	return -1
}

func pathRun(s string, k int) int {
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !isPathChar(r) {
			break
		}
		k += size
	}
	return k
}

// matchQuery reads a query starting at the question mark at j: query
// characters, as far as it can end on a letter, digit or -_&=#/.
func matchQuery(s string, j int) int {
	k := j + 1
	lastGood := j
	for k < len(s) {
		c := s[k]
		if c < utf8.RuneSelf && (isASCIIAlnum(rune(c)) || strings.IndexByte("!?*'@();:&=+$/%#[]-_.,~|", c) >= 0) {
			k++
			if isASCIIAlnum(rune(c)) || strings.IndexByte("-_&=#/", c) >= 0 {
				lastGood = k
			}
			continue
		}
		break
	}
	return lastGood
}
