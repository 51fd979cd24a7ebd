package render

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// mastodonMention is Account::MENTION_RE: @user or @user@domain not after
// a slash or a word character. remoteMentionDomains matches it by hand.
var mastodonMention = regexp.MustCompile(`(?i)(^|[^/\p{L}\p{N}_])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]+)?`)

// countMastodonByRegexp is CountMastodon as it was written first: the
// text rewritten with the expression, then counted cluster by cluster.
func countMastodonByRegexp(text string) int {
	var b strings.Builder
	last := 0
	for _, u := range extractURLs(text, false) {
		b.WriteString(mastodonMention.ReplaceAllString(text[last:u.start], "${1}@${2}"))
		b.WriteString(strings.Repeat("x", xURLLength))
		last = u.end
	}
	b.WriteString(mastodonMention.ReplaceAllString(text[last:], "${1}@${2}"))
	return uniseg.GraphemeClusterCount(b.String())
}

// countXByCluster is CountX segmenting every cluster with uniseg, the
// definition its ASCII steps follow.
func countXByCluster(text string) int {
	text = norm.NFC.String(text)
	urls := extractURLs(text, true)
	weight, i, next := 0, 0, 0
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

// countThreadsByCluster is CountThreads with uniseg's iterator.
func countThreadsByCluster(text string) int {
	n := 0
	g := uniseg.NewGraphemes(text)
	for g.Next() {
		if c := g.Str(); isEmojiCluster(c) || isSingleEmoji(c) {
			n += len(c)
		} else {
			n++
		}
	}
	return n
}

// TestCountASCIISteps checks the counters that step over ASCII a byte at a
// time against uniseg's segmentation of every cluster, on random texts of
// the code points where clusters join: CR LF, combining marks, ZWJ emoji,
// flags, keycaps, Hangul, variation selectors and URLs.
func TestCountASCIISteps(t *testing.T) {
	pieces := []string{"a", "Z", " ", "#", "1", "\r", "\n", "\r\n", "\u0301", "\u200d", "\ufe0f", "\u20e3", "👍", "🏽",
		"👩", "❤", "🇫", "🇷", "🇺", "🏴", "\U000E0067", "\U000E007F", "가", "\u1100", "\u1161", "\u11a8", "\u0915", "\u094d",
		"\u0600", "é", "e", "新", "©", "\xff", "https://example.com/a", "example.com", " @user@host.social",
		"@", "@", ".", "-", "_", "/", "ſ", "\u212a", "é", "x", "9", "http://t.co/ab", "@a.b@c"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		if got, want := graphemeCount(text), uniseg.GraphemeClusterCount(text); got != want {
			t.Fatalf("graphemeCount(%q) = %d, want %d", text, got, want)
		}
		if got, want := CountX(text), countXByCluster(text); got != want {
			t.Fatalf("CountX(%q) = %d, want %d", text, got, want)
		}
		if got, want := CountThreads(text), countThreadsByCluster(text); got != want {
			t.Fatalf("CountThreads(%q) = %d, want %d", text, got, want)
		}
		if got, want := stripRemoteMentions(text), mastodonMention.ReplaceAllString(text, "${1}@${2}"); got != want {
			t.Fatalf("stripRemoteMentions(%q) = %q, want %q", text, got, want)
		}
		if got, want := CountMastodon(text), countMastodonByRegexp(text); got != want {
			t.Fatalf("CountMastodon(%q) = %d, want %d", text, got, want)
		}
	}
}
