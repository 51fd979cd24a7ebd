package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// span is a half-open byte range of a string.
type span struct{ start, end int }

// extractURLs finds the URLs twitter-text's extractor would find, as byte
// ranges of s: http(s) URLs and, when bare is set, domains without a
// scheme whose last label is a real top-level domain. It follows the
// extractor's rules for the common cases: a URL may not follow a letter,
// digit, @, $ or #; a bare domain may not follow - _ . or / either (so
// e-mail addresses and the tail of ftp:// are not URLs); labels are at most
// 63 characters (punycode); the second-level label has no underscore; a
// bare two-label domain on a country-code TLD is a URL only with a path,
// except .co and .tv; trailing punctuation is not part of a path or query.
func extractURLs(s string, bare bool) []span {
	var out []span
	prev := rune(-1) // the rune before i; -1 at the start
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if ok := validURLPreceding(prev); ok {
			if end, found := matchURL(s, i, prev, bare); found {
				out = append(out, span{i, end})
				// The rune before the next position is the URL's last rune.
				last, _ := utf8.DecodeLastRuneInString(s[:end])
				prev = last
				i = end
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

func validURLPreceding(r rune) bool {
	switch {
	case r < 0:
		return true
	case r == '@' || r == '$' || r == '#' || r == '＠' || r == '＃':
		return false
	case r >= 0x202A && r <= 0x202E:
		return false
	case r < utf8.RuneSelf && (isASCIIAlnum(r)):
		return false
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// matchURL tries to match a URL starting at byte i and returns its end.
func matchURL(s string, i int, prev rune, bare bool) (int, bool) {
	j := i
	scheme := false
	switch {
	case hasPrefixASCIIFold(s[i:], "https://"):
		j += 8
		scheme = true
	case hasPrefixASCIIFold(s[i:], "http://"):
		j += 7
		scheme = true
	default:
		if !bare || prev == '-' || prev == '_' || prev == '.' || prev == '/' {
			return 0, false
		}
	}
	hostEnd, ok := matchHost(s, j, scheme)
	if !ok {
		return 0, false
	}
	end := hostEnd
	// Port.
	if end < len(s) && s[end] == ':' {
		k := end + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > end+1 {
			end = k
		}
	}
	hasPath := false
	if end < len(s) && s[end] == '/' {
		end = matchPath(s, end)
		hasPath = true
	}
	if end < len(s) && s[end] == '?' {
		if q := matchQuery(s, end); q > end+1 {
			end = q
			hasPath = true
		}
	}
	if !scheme && !hasPath && !validShortBareDomain(s[i:hostEnd]) {
		return 0, false
	}
	return end, true
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

// matchHost reads dot-separated labels from j and returns where the host
// ends: after the last label that is a top-level domain.
func matchHost(s string, j int, scheme bool) (int, bool) {
	type label struct{ start, end int }
	var buf [8]label
	labels := buf[:0]
	k := j
	for {
		st := k
		for k < len(s) {
			r, size := utf8.DecodeRuneInString(s[k:])
			if r == '-' || r == '_' || isASCIIAlnum(r) || (scheme && isDomainRune(r)) {
				k += size
				continue
			}
			break
		}
		if k == st {
			break
		}
		labels = append(labels, label{st, k})
		if k+1 < len(s) && s[k] == '.' {
			k++
			continue
		}
		break
	}
	// The host is the longest run of labels ending in a TLD.
	for n := len(labels); n >= 2; n-- {
		tld := s[labels[n-1].start:labels[n-1].end]
		if !isTLD(tld) {
			continue
		}
		ok := true
		for x := 0; x < n-1; x++ {
			l := s[labels[x].start:labels[x].end]
			if !validLabel(l, x == n-2) {
				ok = false
				break
			}
		}
		if !ok {
			return 0, false
		}
		end := labels[n-1].end
		// A host may not run straight into an @ (user@host is not a URL
		// start) or continue with more word characters.
		if end < len(s) && (s[end] == '@') {
			return 0, false
		}
		return end, true
	}
	return 0, false
}

// validLabel checks one domain label: no leading or trailing dash, at most
// 63 characters once punycoded, and no underscore in the second-level
// label (subdomains may have one).
func validLabel(l string, domainName bool) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	if domainName && strings.Contains(l, "_") {
		return false
	}
	a, err := idna.ToASCII(strings.ReplaceAll(l, "_", "a"))
	if err != nil {
		return false
	}
	return len(a) <= 63
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

// validShortBareDomain rejects a bare "name.cc" with a two-letter
// country-code TLD and no path, as twitter-text does, except .co and .tv.
func validShortBareDomain(host string) bool {
	labels := strings.Split(host, ".")
	if len(labels) != 2 {
		return true
	}
	tld := strings.ToLower(labels[1])
	if len(tld) != 2 {
		return true
	}
	return tld == "co" || tld == "tv"
}

func isPathChar(r rune) bool {
	if isASCIIAlnum(r) || unicode.In(r, unicode.Latin, unicode.Cyrillic) {
		return true
	}
	return strings.ContainsRune("!*';:=+,.$/%#[]-–_~&|@", r)
}

func isPathEnd(r rune) bool {
	if isASCIIAlnum(r) || unicode.In(r, unicode.Latin, unicode.Cyrillic) {
		return true
	}
	return strings.ContainsRune("=_#/-+", r)
}

// matchPath reads a path starting at the slash at j, with balanced
// parentheses, and drops trailing characters a path cannot end with.
func matchPath(s string, j int) int {
	k := j
	lastGood := j + 1 // a bare slash is a path
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == '(' {
			// A balanced group of path characters.
			m := k + 1
			for m < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[m:])
				if r2 == ')' || !isPathChar(r2) {
					break
				}
				m += sz
			}
			if m < len(s) && s[m] == ')' {
				k = m + 1
				lastGood = k
				continue
			}
			break
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

// matchQuery reads a query starting at the question mark at j.
func matchQuery(s string, j int) int {
	k := j + 1
	lastGood := j
	for k < len(s) {
		c := s[k]
		if c < utf8.RuneSelf && (isASCIIAlnum(rune(c)) || strings.IndexByte("!?*'();:&=+$/%#[]-_.,~|@", c) >= 0) {
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

// isDomainRune reports whether a non-ASCII rune may be part of a domain
// label after a scheme: anything but spaces, punctuation and controls.
func isDomainRune(r rune) bool {
	if r < utf8.RuneSelf || r == utf8.RuneError {
		return false
	}
	return !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsControl(r) && !(r >= 0x2000 && r <= 0x206F) && r != 0x3000
}
