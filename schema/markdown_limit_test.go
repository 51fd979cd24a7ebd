package schema

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMarkdownLimitUncounted: a text of at most maxCountedText bytes
// cannot break a limit on marks, so markdownLimit, which does not count
// them there, says what counting them says, on random texts dense in
// marks, links, nesting and fences up to that length.
func TestMarkdownLimitUncounted(t *testing.T) {
	if maxCountedText > maxEmphasisMarks || maxCountedText > maxMarkup || (maxCountedText/2)*maxCountedText > maxLinkScan {
		t.Fatalf("maxCountedText %d is past a limit on marks", maxCountedText)
	}
	pieces := []string{"*", "**", "_", "~", "~~", "[", "]", "](", "[a](b)", "`", "<", "&", "\\", "x", " ", "\n", "\n\n",
		"> ", "- ", "1. ", "    ", "\t", "```\n", "~~~\n", "---\n", "word ", strings.Repeat("> ", 20), strings.Repeat("- ", 20)}
	rng := rand.New(rand.NewPCG(11, 12))
	broken := 0
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		size := rng.IntN(maxCountedText + 1)
		for b.Len() < size {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		src := []byte(b.String())
		if len(src) > maxCountedText {
			src = src[:maxCountedText]
		}
		gotLine, gotMsg := markdownLimit(src)
		wantLine, wantMsg := markdownLimitMarks(src, true)
		if gotLine != wantLine || gotMsg != wantMsg {
			t.Fatalf("%q: markdownLimit says %d %q, counting says %d %q", src, gotLine, gotMsg, wantLine, wantMsg)
		}
		if gotLine >= 0 {
			broken++
		}
	}
	if broken == 0 {
		t.Error("no text broke a limit (of nesting): the texts are too tame")
	}
}
