package corpus

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heraldhq/herald/schema"
)

// plainLength returns a part's length as plain text, in runes, with every
// link's URL counted as 23 (X and Mastodon) or as written (the longest).
func plainLength(p schema.Part, urlAs23 bool) int {
	n := 0
	var inlines func([]schema.Inline)
	inlines = func(ins []schema.Inline) {
		for _, in := range ins {
			switch in.Kind {
			case schema.Link:
				// A link renders as its text and, when they differ, its URL.
				text := 0
				for _, c := range in.Children {
					text += utf8.RuneCountInString(c.Text)
				}
				url := utf8.RuneCountInString(in.URL)
				if urlAs23 {
					url = 23
				}
				if len(in.Children) == 1 && in.Children[0].Text == in.URL {
					n += url
				} else {
					n += text + 2 + url // "text (url)"
				}
			case schema.SoftBreak, schema.HardBreak:
				n++
			default:
				n += utf8.RuneCountInString(in.Text)
				inlines(in.Children)
			}
		}
	}
	for i, b := range p.Blocks {
		if i > 0 {
			n += 2
		}
		inlines(b.Inlines)
	}
	return n
}

func hasKind(ins []schema.Inline, k schema.InlineKind) bool {
	for _, in := range ins {
		if in.Kind == k || hasKind(in.Children, k) {
			return true
		}
	}
	return false
}

// TestBodiesParse checks every generated body as herald's own Markdown
// parser reads it: the parts are the ones written, each is plain
// paragraphs, and each fits X (280, URLs as 23) and Bluesky (300) even
// when a link is rendered as its text followed by its URL.
func TestBodiesParse(t *testing.T) {
	opts := Defaults(1000)
	opts.ThreadRatio = 0.5
	_, files := generate(t, opts)
	for name, text := range files {
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		_, body := splitPost(t, name, text)
		want := strings.Split(strings.TrimSuffix(body, "\n"), ThreadBreak)
		got := schema.ParseMarkdown([]byte(body), 1)
		if len(got.Parts) != len(want) {
			t.Errorf("%s: parsed %d parts, wrote %d", name, len(got.Parts), len(want))
			continue
		}
		var all []schema.Inline
		for i, p := range got.Parts {
			for _, b := range p.Blocks {
				if b.Kind != schema.Paragraph {
					t.Errorf("%s: part %d has a block of kind %d, want paragraphs only", name, i+1, b.Kind)
				}
				all = append(all, b.Inlines...)
			}
			if x := plainLength(p, true); x > 280 {
				t.Errorf("%s: part %d is %d long for X, want at most 280", name, i+1, x)
			}
			if bsky := plainLength(p, false); bsky > 300 {
				t.Errorf("%s: part %d is %d long for Bluesky, want at most 300", name, i+1, bsky)
			}
		}
		if !hasKind(all, schema.Link) {
			t.Errorf("%s: no link", name)
		}
		if !hasKind(all, schema.Emphasis) && !hasKind(all, schema.Strong) {
			t.Errorf("%s: no emphasis", name)
		}
	}
}
