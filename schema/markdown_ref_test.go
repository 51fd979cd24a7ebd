package schema

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The converter from goldmark's tree to a Body as it was before it
// gathered text runs in one buffer and sized its slices, and before a
// post's body reused the line index of the parse state: the reference
// TestConverterMatchesRef holds the converter to.

func parseMarkdownRef(md goldmark.Markdown, src []byte, firstLine int) Body {
	doc := md.Parser().Parse(text.NewReader(src))
	lines := refLineStarts(src)
	c := refConverter{src: src, lines: lines, firstLine: firstLine}

	var body Body
	cur := Part{}
	flush := func() {
		if len(cur.Blocks) > 0 {
			body.Parts = append(body.Parts, cur)
		}
		cur = Part{}
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if n.Kind() == ast.KindThematicBreak {
			flush()
			continue
		}
		b, ok := c.block(n)
		if !ok {
			continue
		}
		if len(cur.Blocks) == 0 {
			cur.Line = b.Line
		}
		cur.Blocks = append(cur.Blocks, b)
	}
	flush()
	return body
}

// lineStarts returns the byte offset at which each line of src starts.
func refLineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

type refConverter struct {
	src       []byte
	lines     []int
	firstLine int
}

// line returns the file line of a byte offset in the body.
func (c *refConverter) line(off int) int {
	if off < 0 {
		return 0
	}
	i := sort.Search(len(c.lines), func(i int) bool { return c.lines[i] > off }) - 1
	return c.firstLine + i
}

// blockLine finds the first line a block covers: its own first segment,
// else its first descendant's.
func (c *refConverter) blockLine(n ast.Node) int {
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return c.line(n.Lines().At(0).Start)
	}
	if p := n.Pos(); p >= 0 {
		return c.line(p)
	}
	for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
		if l := c.blockLine(ch); l > 0 {
			return l
		}
	}
	return 0
}

func (c *refConverter) block(n ast.Node) (Block, bool) {
	b := Block{Line: c.blockLine(n)}
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		b.Kind = Paragraph
		b.Inlines = c.inlines(n)
	case *ast.Heading:
		b.Kind = Heading
		b.Level = n.Level
		b.Inlines = c.inlines(n)
	case *ast.Blockquote:
		b.Kind = Quote
		b.Children = c.blocks(n)
	case *ast.List:
		b.Kind = List
		b.Ordered = n.IsOrdered()
		if b.Ordered {
			b.Start = n.Start
		}
		b.Children = c.blocks(n)
	case *ast.ListItem:
		b.Kind = ListItem
		b.Children = c.blocks(n)
	case *ast.FencedCodeBlock:
		b.Kind = CodeBlock
		b.Lang = string(n.Language(c.src))
		b.Text = c.segments(n.Lines())
	case *ast.CodeBlock:
		b.Kind = CodeBlock
		b.Text = c.segments(n.Lines())
	case *ast.HTMLBlock:
		b.Kind = Paragraph
		t := strings.TrimSpace(c.segments(n.Lines()))
		if t == "" {
			return b, false
		}
		b.Inlines = []Inline{{Kind: Text, Text: t}}
	default:
		// Link reference definitions and anything unknown carry no text.
		return b, false
	}
	return b, true
}

func (c *refConverter) blocks(n ast.Node) []Block {
	var out []Block
	for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
		if b, ok := c.block(ch); ok {
			out = append(out, b)
		}
	}
	return out
}

func (c *refConverter) segments(lines *text.Segments) string {
	var buf bytes.Buffer
	for i := 0; i < lines.Len(); i++ {
		s := lines.At(i)
		buf.Write(s.Value(c.src))
	}
	return buf.String()
}

// inlines converts n's inline children, merging adjacent text. A run of
// text is built once, so that thousands of text nodes in a row (what
// unmatched markup leaves) cost their length, not its square.
func (c *refConverter) inlines(n ast.Node) []Inline {
	var out []Inline
	var text strings.Builder
	open := false // out's last element is text being built in text
	flush := func() {
		if open {
			out[len(out)-1].Text = text.String()
			text.Reset()
			open = false
		}
	}
	add := func(in Inline) {
		if in.Kind != Text {
			flush()
			out = append(out, in)
			return
		}
		if in.Text == "" {
			return
		}
		if !open {
			if k := len(out) - 1; k >= 0 && out[k].Kind == Text {
				text.WriteString(out[k].Text)
			} else {
				out = append(out, Inline{Kind: Text})
			}
			open = true
		}
		text.WriteString(in.Text)
	}
	for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
		switch ch := ch.(type) {
		case *ast.Text:
			add(Inline{Kind: Text, Text: c.text(ch)})
			switch {
			case ch.HardLineBreak():
				add(Inline{Kind: HardBreak})
			case ch.SoftLineBreak():
				add(Inline{Kind: SoftBreak})
			}
		case *ast.String:
			add(Inline{Kind: Text, Text: string(ch.Value)})
		case *ast.CodeSpan:
			add(Inline{Kind: Code, Text: c.plain(ch)})
		case *ast.Emphasis:
			kind := Emphasis
			if ch.Level >= 2 {
				kind = Strong
			}
			add(Inline{Kind: kind, Children: c.inlines(ch)})
		case *extast.Strikethrough:
			add(Inline{Kind: Strike, Children: c.inlines(ch)})
		case *ast.Link:
			add(Inline{Kind: Link, URL: string(ch.Destination), Title: string(ch.Title), Children: c.inlines(ch)})
		case *ast.AutoLink:
			url := string(ch.URL(c.src))
			label := string(ch.Label(c.src))
			add(Inline{Kind: Link, URL: url, Children: []Inline{{Kind: Text, Text: label}}})
		case *ast.Image:
			add(Inline{Kind: Image, URL: string(ch.Destination), Title: string(ch.Title), Text: c.plain(ch)})
		case *ast.RawHTML:
			// What looks like a tag (<angle>, <b>) is kept as the writer
			// typed it: dropping it would lose text without a word.
			add(Inline{Kind: Text, Text: c.segments(ch.Segments)})
		default:
			flush()
			out = append(out, c.inlines(ch)...)
		}
	}
	flush()
	return out
}

// text is a text node's value as a reader sees it: backslash escapes and
// entity references resolved, as goldmark's own renderer does.
func (c *refConverter) text(n *ast.Text) string {
	v := n.Value(c.src)
	if n.IsRaw() || bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return string(v) // nothing escaped, no reference: the text as it is
	}
	return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v))))
}

// plain is the text of n's descendants with all markup dropped.
func (c *refConverter) plain(n ast.Node) string {
	var b strings.Builder
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
			switch ch := ch.(type) {
			case *ast.Text:
				if _, code := n.(*ast.CodeSpan); code {
					b.Write(ch.Value(c.src))
				} else {
					b.WriteString(c.text(ch))
				}
				if ch.SoftLineBreak() || ch.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(ch.Value)
			default:
				walk(ch)
			}
		}
	}
	walk(n)
	return b.String()
}

// TestConverterMatchesRef: the converter gives the Body the reference
// converter above gives, with and without Linkify, on the corpora's
// posts, the fuzz corpus and random texts of every kind of markup; and a
// post's body, read through the parse state's line index, is the Body
// the reference gives for the body alone.
func TestConverterMatchesRef(t *testing.T) {
	check := func(name string, src []byte, first int) {
		t.Helper()
		for _, md := range []goldmark.Markdown{markdown, markdownNoLinkify} {
			want := parseMarkdownRef(md, src, first)
			if got := parseMarkdownWith(md, src, first); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: bodies differ\nsource %q\n got %+v\nwant %+v", name, src, got, want)
			}
		}
		if got, want := ParseMarkdown(src, first), parseMarkdownRef(markdown, src, first); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: ParseMarkdown differs\nsource %q\n got %+v\nwant %+v", name, src, got, want)
		}
	}
	cfg := testConfig()
	posts := 0
	for name, data := range fastInputs(t) {
		check(name, data, 7)
		p, _ := ParsePost(cfg, "posts/a.md", data)
		if p == nil || markdownLimitBroken(p.Markdown) {
			continue
		}
		posts++
		if want := parseMarkdownRef(markdown, []byte(p.Markdown), p.BodyLine); !reflect.DeepEqual(p.Body, want) {
			t.Fatalf("%s: the post's body differs\nsource %q\n got %+v\nwant %+v", name, p.Markdown, p.Body, want)
		}
	}
	if posts < 1000 {
		t.Errorf("only %d posts compared", posts)
	}
	pieces := []string{" ", "  ", "\t", "\n", "\n\n", "  \n", "\\\n", "\r\n", "*", "**", "_", "__", "~", "~~", "(", ")", "[", "]", "](", "<", ">",
		"`", "``", "```\n", "~~~go\n", "    code\n", "\\", "\\*", "&amp;", "&#35;", "&#x1F600;", "&nope;", "http://example.com",
		"www.example.org/a?b=c", "a@b.co", "<http://a.b/c>", "<me@x.org>", "<b>", "</b>", "<!-- c -->", "<div>\n", "</div>\n",
		"[a](http://x \"t\")", "![alt *e*](p.png \"t\")", "[r]", "[r]: http://ref\n", "`co de`", "x", "word", "é", "🧵", ".", ",",
		"- ", "* ", "1. ", "3) ", "> ", "# ", "## ", "Setext\n===\n", "---\n", "***\n", "\n- a\n- b\n", "\n\n> q\n> r\n"}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 40000; i++ {
		var b strings.Builder
		for n := rng.IntN(24); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check("random", []byte(b.String()), 1+rng.IntN(40))
	}
}

// markdownLimitBroken reports whether text is beyond the Markdown limits,
// which ParsePost reports instead of reading the body.
func markdownLimitBroken(text string) bool {
	line, _ := markdownLimit([]byte(text))
	return line >= 0
}
