package render

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/rivo/uniseg"
)

// atprotoTagsWalk is atprotoTags as it was, decoding every character:
// the reference for the search that jumps from sign to sign.
func atprotoTagsWalk(text string) []Facet {
	var out []Facet
	prev := rune(-1) // the rune before i; -1 at the start
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r != '#' && r != '＃') || (prev >= 0 && !isJSSpace(prev)) {
			prev = r
			i += size
			continue
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
		if !word {
			end = body
		}
		tag := strings.TrimRightFunc(text[body:end], unicode.IsPunct)
		if tag != "" && uniseg.GraphemeClusterCount(tag) <= maxTagGraphemes {
			out = append(out, Facet{Start: i, End: body + len(tag), Type: FacetTag, Value: tag})
		}
		prev, _ = utf8.DecodeLastRuneInString(text[:end])
		i = end
	}
	return out
}

// atprotoTexts are random texts for the Bluesky detection's searches,
// long ones of many words, and the long-form corpus's Bluesky texts.
func atprotoTexts(t *testing.T, r *rand.Rand) []string {
	pieces := []string{"a", "word", ".", ":", "/", "(", ")", " ", " ", "\n", "\u00a0", "\u3000", "http://", "https://x.y",
		"example.com", "é", "日本", "foo.bar", "HTTP://", "x1", "\ufeff", "\u2003", "(example.org/p)", "\xff", "\xe3", "end.",
		".1", ".Z", ".é", "..", ".:", "#", "＃", "#tag", "#1", "#tag.", "#\ufe0f", "#a#b", "\u00ad", "\u200b", "!", "$AAPL", "@x.com"}
	var out []string
	for range 20000 {
		var b strings.Builder
		for range r.IntN(50) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out = append(out, b.String())
	}
	for _, p := range longFormPosts(t, 50) {
		for _, part := range p.Body.Parts {
			text, _ := PlainText(part.Blocks, StyleFor(PlatformBluesky))
			out = append(out, text, p.Markdown)
		}
	}
	return out
}

// TestAtprotoSearchesJump: the URL matches and tags found by jumping from
// mark to mark are the expression's and the character walk's, on long
// random texts and the long-form corpus.
func TestAtprotoSearchesJump(t *testing.T) {
	for _, text := range atprotoTexts(t, rand.New(rand.NewPCG(71, 72))) {
		if got, want := atprotoURLMatches(text), atprotoURLRE.FindAllStringSubmatchIndex(text, -1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("atprotoURLMatches(%q) = %v, want %v", text, got, want)
		}
		if diff := cmp.Diff(atprotoTagsWalk(text), atprotoTags(text)); diff != "" {
			t.Fatalf("atprotoTags(%q) (-walk +got):\n%s", text, diff)
		}
	}
}
