package render

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Platform names whose counters differ; the rest count code points.
const (
	PlatformX        = "x"
	PlatformBluesky  = "bluesky"
	PlatformMastodon = "mastodon"
	PlatformThreads  = "threads"
	PlatformLinkedIn = "linkedin"
)

// twitter-text config/v3.json, the weights X counts with.
const (
	xScale         = 100
	xDefaultWeight = 200
	xURLLength     = 23
)

// xLightRanges are the v3 ranges of code points that weigh 100 (count 1);
// every other code point weighs 200 (counts 2).
var xLightRanges = [][2]rune{{0, 4351}, {8192, 8205}, {8208, 8223}, {8242, 8247}}

// Count measures text by the rule of the platform that will receive it,
// so that herald's number is the platform's number. Unknown platforms and
// blogs count Unicode code points.
func Count(platform, text string) int { return rulesFor(platform).count(text) }

// CountX is twitter-text v3's weighted length divided by its scale: the
// number X compares with 280. The text is NFC-normalised; every URL
// twitter-text extracts (with or without a scheme) counts 23; every emoji
// sequence (a grapheme cluster holding a pictograph, a flag or a keycap)
// counts 2; other code points count 1 in the v3 light ranges and 2
// elsewhere.
func CountX(text string) int {
	var buf [32]span
	ascii := isASCIIString(text)
	if !ascii {
		text = norm.NFC.String(text)
	}
	return countXURLs(text, ascii, appendURLs(buf[:0], text, true))
}

// countXURLs is CountX of an NFC text (ASCII when ascii is true) whose
// URLs, as twitter-text extracts them with or without a scheme, are urls:
// a text whose URLs are already known is counted without finding them
// again.
func countXURLs(text string, ascii bool, urls []span) int {
	if ascii {
		// ASCII is NFC, one cluster a byte but CR LF, and light.
		n := len(text)
		for _, u := range urls {
			n += xURLLength - (u.end - u.start)
		}
		return n
	}
	weight := 0
	i := 0
	next := 0 // index into urls
	for i < len(text) {
		if next < len(urls) && urls[next].start == i {
			weight += xURLLength * xScale
			i = urls[next].end
			next++
			continue
		}
		limit := len(text)
		if next < len(urls) {
			limit = urls[next].start
		}
		if asciiCluster(text[:limit], i) {
			weight += xScale // every ASCII code point is light
			i++
			continue
		}
		cluster, _, _, _ := uniseg.FirstGraphemeClusterInString(text[i:limit], -1)
		if isEmojiCluster(cluster) {
			weight += xDefaultWeight
		} else {
			for _, r := range cluster {
				weight += xWeight(r)
			}
		}
		i += len(cluster)
	}
	return weight / xScale
}

// asciiCluster reports whether byte i of s is a grapheme cluster by
// itself because it and the byte after it are ASCII: nothing joins two
// ASCII code points but CR LF, and every rule that looks further back
// looks for code points outside ASCII.
func asciiCluster(s string, i int) bool {
	c := s[i]
	return c < utf8.RuneSelf && c != '\r' && (i+1 == len(s) || s[i+1] < utf8.RuneSelf)
}

// graphemeCount counts the grapheme clusters of s as
// uniseg.GraphemeClusterCount does, stepping over ASCII a byte at a time.
func graphemeCount(s string) int {
	if isASCIIString(s) {
		return len(s) - strings.Count(s, "\r\n")
	}
	n := 0
	state := -1
	for i := 0; i < len(s); n++ {
		if asciiCluster(s, i) {
			i++
			state = -1
			continue
		}
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s[i:], state)
		i += len(cluster)
	}
	return n
}

func xWeight(r rune) int {
	for _, rg := range xLightRanges {
		if r >= rg[0] && r <= rg[1] {
			return xScale
		}
	}
	return xDefaultWeight
}

// isEmojiCluster reports whether a grapheme cluster of more than one code
// point is an emoji sequence: one with a pictograph, a regional indicator
// (flags), a keycap or a tag sequence. A single code point is weighed on
// its own, which gives the same answer for emoji (all outside the light
// ranges) and keeps © and ® at 1, as twitter-text does without VS16.
func isEmojiCluster(c string) bool {
	if utf8.RuneCountInString(c) < 2 {
		return false
	}
	for _, r := range c {
		if isPictographic(r) || r == 0x20E3 || (r >= 0x1F1E6 && r <= 0x1F1FF) || (r >= 0xE0020 && r <= 0xE007F) {
			return true
		}
	}
	return false
}

// isPictographic approximates Unicode's Extended_Pictographic property with
// the blocks that hold it.
func isPictographic(r rune) bool {
	switch {
	case r == 0xA9 || r == 0xAE || r == 0x203C || r == 0x2049 || r == 0x2122 || r == 0x2139:
		return true
	case r >= 0x2194 && r <= 0x21FF, r >= 0x2300 && r <= 0x23FF, r >= 0x24C2 && r <= 0x24C2,
		r >= 0x25A0 && r <= 0x27BF, r >= 0x2934 && r <= 0x2935, r >= 0x2B00 && r <= 0x2BFF,
		r == 0x3030 || r == 0x303D || r == 0x3297 || r == 0x3299,
		r >= 0x1F000 && r <= 0x1FAFF:
		return true
	}
	return false
}

// CountBluesky counts grapheme clusters, the unit of Bluesky's 300 limit.
// URLs count at their full length; the renderer shortens them instead.
func CountBluesky(text string) int {
	return graphemeCount(text)
}

// CountMastodon counts as StatusLengthValidator does: each http(s) URL
// counts 23, a remote mention @user@domain counts as @user, and the rest is
// grapheme clusters. The content warning is counted by the caller.
func CountMastodon(text string) int {
	var buf [32]span
	return countMastodonURLs(text, appendURLs(buf[:0], text, false))
}

// countMastodonURLs is CountMastodon of a text whose http(s) URLs, as
// Mastodon finds them, are urls.
func countMastodonURLs(text string, urls []span) int {
	return countMastodonKnown(text, false, urls)
}

// countMastodonKnown is countMastodonURLs, told with plain that the
// text is ASCII without CR LF: each of its characters is a cluster.
func countMastodonKnown(text string, plain bool, urls []span) int {
	// Counted piece by piece when nothing is rewritten but URLs and the
	// text on both sides of each URL is ASCII, where a cluster never
	// spans a URL's edge; else counted as rewritten.
	simple := true
	last := 0
	for _, u := range urls {
		if u.start > 0 && text[u.start-1] >= utf8.RuneSelf || u.end < len(text) && text[u.end] >= utf8.RuneSelf ||
			hasRemoteMention(text[last:u.start]) {
			simple = false
			break
		}
		last = u.end
	}
	if !simple || hasRemoteMention(text[last:]) {
		return graphemeCount(mastodonCountable(text, urls))
	}
	if plain {
		n := len(text)
		for _, u := range urls {
			n += xURLLength - (u.end - u.start)
		}
		return n
	}
	n := 0
	last = 0
	for _, u := range urls {
		n += graphemeCount(text[last:u.start]) + xURLLength
		last = u.end
	}
	return n + graphemeCount(text[last:])
}

// mastodonCountable rewrites text the way the validator does before it
// counts: URLs become 23 x's and remote mentions lose their domain.
func mastodonCountable(text string, urls []span) string {
	var b strings.Builder
	last := 0
	for _, u := range urls {
		b.WriteString(stripRemoteMentions(text[last:u.start]))
		b.WriteString(strings.Repeat("x", xURLLength))
		last = u.end
	}
	b.WriteString(stripRemoteMentions(text[last:]))
	return b.String()
}

// stripRemoteMentions is mastodonMention.ReplaceAllString(s, "${1}@${2}"):
// every remote mention loses its @domain.
func stripRemoteMentions(s string) string {
	var b strings.Builder
	last := 0
	remoteMentionDomains(s, func(start, end int) {
		b.WriteString(s[last:start])
		last = end
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func hasRemoteMention(s string) bool {
	found := false
	remoteMentionDomains(s, func(int, int) { found = true })
	return found
}

// remoteMentionDomains calls fn with the range of the @domain of every
// remote mention in s, in order: the third group of every match of
// Account::MENTION_RE, as Go's regexp finds them,
//
//	(?i)(^|[^/\p{L}\p{N}_])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]+)?
//
// without running the expression over the whole text (TestMentionMatcher
// compares them). A match starts at the character before its @, which
// may not be part of the previous match.
func remoteMentionDomains(s string, fn func(start, end int)) {
	last := 0 // where the previous match ended
	for i := strings.IndexByte(s, '@'); i >= 0; {
		if i == 0 || mentionPreceding(s, i, last) {
			if end, dStart, dEnd := matchMention(s, i); end > 0 {
				if dEnd > dStart {
					fn(dStart, dEnd)
				}
				last = end
			}
		}
		j := strings.IndexByte(s[i+1:], '@')
		if j < 0 {
			break
		}
		i += 1 + j
	}
}

// mentionPreceding reports whether the character before the @ at i may
// start a mention: not part of the previous match, not a slash, letter,
// number or underscore.
func mentionPreceding(s string, i, last int) bool {
	r, size := utf8.DecodeLastRuneInString(s[:i])
	if i-size < last {
		return false
	}
	return r != '/' && r != '_' && !unicode.IsLetter(r) && !unicode.IsNumber(r)
}

// matchMention matches the user and the optional @domain after the @ at
// i; it returns the match's end (0 if none) and the domain's range.
func matchMention(s string, i int) (end, dStart, dEnd int) {
	// The user: a run of [a-z0-9_.-] starting with [a-z0-9_], up to its
	// last [a-z0-9_].
	k := i + 1
	userEnd := 0
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		word := isMentionWord(r)
		if !word && (r != '.' && r != '-' || k == i+1) {
			break
		}
		k += size
		if word {
			userEnd = k
		}
	}
	if userEnd == 0 {
		return 0, 0, 0
	}
	if userEnd >= len(s) || s[userEnd] != '@' {
		return userEnd, 0, 0
	}
	// The domain: a run of [\p{L}\p{N}_.-] of two or more, up to its last
	// [\p{L}\p{N}_] after the first.
	k = userEnd + 1
	domEnd := 0
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		lnu := r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
		if !lnu && r != '.' && r != '-' {
			break
		}
		if lnu && k > userEnd+1 {
			domEnd = k + size
		}
		k += size
	}
	if domEnd == 0 {
		return userEnd, 0, 0
	}
	return domEnd, userEnd, domEnd
}

// isMentionWord is [a-z0-9_] under (?i): ASCII letters, digits, _ and
// the two code points that fold to ASCII letters, ſ and the Kelvin sign.
func isMentionWord(r rune) bool {
	return r < utf8.RuneSelf && (isASCIIAlnum(r) || r == '_') || r == 0x17F || r == 0x212A
}

// CountThreads counts grapheme clusters, except that an emoji counts as
// many as its UTF-8 bytes: Meta's documented rule ("Emojis are counted as
// the number of UTF-8 bytes").
func CountThreads(text string) int {
	if isASCIIString(text) {
		return len(text) - strings.Count(text, "\r\n")
	}
	n := 0
	state := -1
	for i := 0; i < len(text); {
		if asciiCluster(text, i) {
			n++ // no ASCII code point is an emoji
			i++
			state = -1
			continue
		}
		var c string
		c, _, _, state = uniseg.FirstGraphemeClusterInString(text[i:], state)
		i += len(c)
		if isEmojiCluster(c) || isSingleEmoji(c) {
			n += len(c)
		} else {
			n++
		}
	}
	return n
}

// isSingleEmoji reports whether a one-code-point cluster is an emoji
// pictograph (the supplementary-plane pictographs and the BMP symbols
// with emoji presentation).
func isSingleEmoji(c string) bool {
	r, size := utf8.DecodeRuneInString(c)
	if size != len(c) {
		return false
	}
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r >= 0x2300 && r <= 0x23FF
}

// CountLinkedIn counts UTF-16 code units, as LinkedIn's 3000 limit does.
// Pass it the escaped little text.
func CountLinkedIn(text string) int {
	if isASCIIString(text) {
		return len(text)
	}
	n := 0
	for _, r := range text {
		n += utf16.RuneLen(r)
	}
	return n
}
