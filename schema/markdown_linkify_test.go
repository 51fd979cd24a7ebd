package schema

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TestQuickLinkifyMatches: bodies read with the filtered Linkify are the
// bodies goldmark's own Linkify gives, on the corpora's posts, the fuzz
// corpus, and random texts of links, addresses and markup.
func TestQuickLinkifyMatches(t *testing.T) {
	ref := goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough))
	check := func(name string, src []byte) {
		t.Helper()
		want := parseMarkdownWith(ref, src, 1)
		got := ParseMarkdown(src, 1)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: bodies differ\nsource %q\n got %+v\nwant %+v", name, src, got, want)
		}
	}
	for name, data := range fastInputs(t) {
		check(name, data)
	}
	pieces := []string{" ", "\n", "\n\n", "  \n", "*", "_", "~", "~~", "(", ")", "[", "](", "<", ">", "`", "\\",
		"http:", "https://", "ftp://", "www.", "http://example.com", "www.example.org/a?b=c", "example.com",
		"a@b.co", "@", "me@", "x", "word", ".", ",", "-", "mailto:", "é", "🧵", "- ", "1. ", "> ", "#",
		strings.Repeat("a", 63), strings.Repeat("b", 64), strings.Repeat("c", 65), "&amp;", ";"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for n := rng.IntN(16); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check("random", []byte(b.String()))
	}
	// Texts Linkify finds nothing in, read without it: white space at
	// line ends, hard breaks, markup around spaces, code, lists, quotes
	// and headings.
	plain := []string{" ", "  ", "\t", "\v", "\n", "\n\n", "  \n", "   \n", " \n", "\t\n", "\\\n", "*", "**", "_", "~", "~~", "(", ")",
		"[", "](", "<", ">", "`", "``", "\\", "x", "word", ".", ",", "- ", "1. ", "> ", "# ", "## ", "é", "🧵", "&amp;", "<b>", "    ",
		"---\n", "```\n", "[a](b)", "![i](p)", "*em*", "**st**", "~~del~~", "#tag"}
	rng = rand.New(rand.NewPCG(5, 6))
	without := 0
	for i := 0; i < 60000; i++ {
		var b strings.Builder
		for n := rng.IntN(24); n > 0; n-- {
			b.WriteString(plain[rng.IntN(len(plain))])
		}
		src := []byte(b.String())
		if !needsLinkify(src) {
			without++
		}
		check("plain", src)
	}
	if without < 10000 {
		t.Errorf("only %d of 60,000 plain texts were read without Linkify", without)
	}
}

// FuzzQuickLinkify: any text is read by the filtered Linkify as by
// goldmark's own.
func FuzzQuickLinkify(f *testing.F) {
	ref := goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough))
	for _, s := range []string{"see https://example.com.", "mail a@b.co", "(www.x.org)", "*http://a.b*", "~~c@d.ef~~"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if line, _ := markdownLimit(src); line >= 0 {
			return
		}
		if got, want := ParseMarkdown(src, 1), parseMarkdownWith(ref, src, 1); !reflect.DeepEqual(got, want) {
			t.Fatalf("bodies differ for %q\n got %+v\nwant %+v", src, got, want)
		}
	})
}

// TestNeedsLinkifyFindsSchemes: a text holding a scheme Linkify reads,
// "www." or an @ anywhere is read with Linkify.
func TestNeedsLinkifyFindsSchemes(t *testing.T) {
	for _, mark := range []string{"http:", "https:", "ftp:", "www.", "@", "\r"} {
		for _, src := range []string{mark, "a " + mark, mark + " b", "x:" + mark, "::" + mark + "::", "word\n" + mark + "x\n"} {
			if !needsLinkify([]byte(src)) {
				t.Errorf("needsLinkify(%q) = false", src)
			}
		}
	}
	for _, src := range []string{"", "a: b", "ttp: tps: tp:", "ww.", "plain words.\n\nmore  \nlines\n"} {
		if needsLinkify([]byte(src)) {
			t.Errorf("needsLinkify(%q) = true", src)
		}
	}
}
