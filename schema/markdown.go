package schema

import (
	"bytes"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the one goldmark configuration herald reads bodies with:
// CommonMark plus bare-URL linking and strikethrough, the subset every
// platform can express in some form. A goldmark.Markdown is safe for
// concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough))

// ParseMarkdown turns a post's Markdown body into the neutral Body that
// renderers share. firstLine is the file line the body starts on, so that
// every Part and Block carries its line in the file. Thematic breaks split
// Parts; empty Parts (two breaks in a row, a break at either end) are
// dropped. Markdown cannot fail to parse: every input is some document.
func ParseMarkdown(src []byte, firstLine int) Body {
	doc := markdown.Parser().Parse(text.NewReader(src))
	lines := lineStarts(src)
	c := converter{src: src, lines: lines, firstLine: firstLine}

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
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

type converter struct {
	src       []byte
	lines     []int
	firstLine int
}

// line returns the file line of a byte offset in the body.
func (c *converter) line(off int) int {
	if off < 0 {
		return 0
	}
	i := sort.Search(len(c.lines), func(i int) bool { return c.lines[i] > off }) - 1
	return c.firstLine + i
}

// blockLine finds the first line a block covers: its own first segment,
// else its first descendant's.
func (c *converter) blockLine(n ast.Node) int {
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

func (c *converter) block(n ast.Node) (Block, bool) {
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

func (c *converter) blocks(n ast.Node) []Block {
	var out []Block
	for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
		if b, ok := c.block(ch); ok {
			out = append(out, b)
		}
	}
	return out
}

func (c *converter) segments(lines *text.Segments) string {
	var buf bytes.Buffer
	for i := 0; i < lines.Len(); i++ {
		s := lines.At(i)
		buf.Write(s.Value(c.src))
	}
	return buf.String()
}

// inlines converts n's inline children, merging adjacent text.
func (c *converter) inlines(n ast.Node) []Inline {
	var out []Inline
	add := func(in Inline) {
		if in.Kind == Text {
			if in.Text == "" {
				return
			}
			if k := len(out) - 1; k >= 0 && out[k].Kind == Text {
				out[k].Text += in.Text
				return
			}
		}
		out = append(out, in)
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
			out = append(out, c.inlines(ch)...)
		}
	}
	return out
}

// text is a text node's value as a reader sees it: backslash escapes and
// entity references resolved, as goldmark's own renderer does.
func (c *converter) text(n *ast.Text) string {
	v := n.Value(c.src)
	if n.IsRaw() {
		return string(v)
	}
	return string(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v))))
}

// plain is the text of n's descendants with all markup dropped.
func (c *converter) plain(n ast.Node) string {
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
