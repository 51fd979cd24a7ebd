package schema

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the one goldmark configuration herald reads bodies with:
// CommonMark plus bare-URL linking and strikethrough, the subset every
// platform can express in some form. A goldmark.Markdown is safe for
// concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(quickLinkify{}, extension.Strikethrough))

// quickLinkify is goldmark's Linkify extension with its parser asked
// only where a link may start: Linkify is called at every space of a
// text, and its reading there (of a scheme, "www.", or an e-mail
// address) was a third of the time goldmark took on prose. Its results
// are the same (TestQuickLinkifyMatches).
type quickLinkify struct {
	// noMail is for texts without an @: Linkify's parser is asked only
	// where a URL may start.
	noMail bool
}

func (q quickLinkify) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithInlineParsers(
		util.Prioritized(linkifyFilter{extension.NewLinkifyParser(), q.noMail}, 999),
	))
}

// linkifyFilter answers nothing, as Linkify's parser would, where the
// text after the trigger (a space, *, _, ~ or "(", skipped as Linkify
// skips it) opens no URL (http:, https:, ftp: or www.) and holds no @
// within an e-mail address's 64-byte local part: Linkify's parser reads
// e-mail addresses only then, and URLs only after those prefixes.
type linkifyFilter struct {
	parser.InlineParser
	noMail bool // the text holds no @: no e-mail address to look for
}

func (f linkifyFilter) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if line, _ := block.PeekLine(); len(line) > 0 {
		switch line[0] {
		case ' ', '*', '_', '~', '(':
			line = line[1:]
		}
		if !mayLinkify(line, f.noMail) {
			return nil
		}
	}
	return f.InlineParser.Parse(parent, block, pc)
}

// mayLinkify reports whether Linkify's parser may find a link at the
// start of line; noMail that the text holds no @, so no e-mail address.
func mayLinkify(line []byte, noMail bool) bool {
	if len(line) == 0 {
		return false
	}
	switch line[0] {
	case 'h':
		if bytes.HasPrefix(line, []byte("http:")) || bytes.HasPrefix(line, []byte("https:")) {
			return true
		}
	case 'f':
		if bytes.HasPrefix(line, []byte("ftp:")) {
			return true
		}
	case 'w':
		if bytes.HasPrefix(line, []byte("www.")) {
			return true
		}
	}
	if noMail {
		return false
	}
	// An address's local part is at most 64 bytes of printable ASCII
	// (a subset of it), and its @ follows at once.
	for k := 0; k < len(line) && k <= 64; k++ {
		switch c := line[k]; {
		case c == '@':
			return true
		case c <= ' ' || c >= 0x7f:
			return false
		}
	}
	return false
}

// ParseMarkdown turns a post's Markdown body into the neutral Body that
// renderers share. firstLine is the file line the body starts on, so that
// every Part and Block carries its line in the file. Thematic breaks split
// Parts; empty Parts (two breaks in a row, a break at either end) are
// dropped. Markdown cannot fail to parse: every input is some document.
func ParseMarkdown(src []byte, firstLine int) Body {
	return parseMarkdownWith(markdownFor(src), src, firstLine)
}

// markdownFor returns the goldmark configuration to read src with: the
// one without Linkify where Linkify can find nothing, the one that asks
// Linkify only at URLs where src holds no e-mail address.
func markdownFor(src []byte) goldmark.Markdown {
	switch {
	case !needsLinkify(src):
		return markdownNoLinkify
	case bytes.IndexByte(src, '@') < 0:
		return markdownURLs
	}
	return markdown
}

// parseBody is ParseMarkdown for the body of the post s reads, at offset
// off of s.src: its line index is s's, not one of its own.
func (s *parseState) parseBody(off, firstLine int) Body {
	body := s.src[off:]
	k := firstLine - 1
	if len(body) == 0 || k < 0 || k >= len(s.lines) || s.lines[k] != off {
		return ParseMarkdown(body, firstLine)
	}
	lines := s.lines[k:]
	if n := len(lines); n > 1 && lines[n-1] >= len(s.src) {
		lines = lines[:n-1] // the end of a file that ends a line starts no line
	}
	return convertMarkdown(markdownFor(body), body, lines, off, firstLine)
}

// isLineSpace reports whether c is white space goldmark stops at within
// a line.
func isLineSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' }

// markdownNoLinkify is markdown without Linkify, for the texts where it
// can find nothing and the body is the same without it: goldmark stops
// at every space (and *, _, ~, "(") to ask Linkify, which costs about a
// sixth of its time on prose even when Linkify answers at once.
var markdownNoLinkify = goldmark.New(goldmark.WithExtensions(extension.Strikethrough))

// markdownURLs is markdown for texts without an @, where Linkify can
// find URLs only: it is not asked to look for an address at every word.
var markdownURLs = goldmark.New(goldmark.WithExtensions(quickLinkify{noMail: true}, extension.Strikethrough))

// needsLinkify reports whether src must be read with Linkify: where
// Linkify may find a link (at a scheme, "www." or an @, as mayLinkify
// says), or where asking it changes the text goldmark gives. Each stop
// ends a text segment, and goldmark trims white space only from a
// line's last segment: a line that ends in more white space than one
// character (or a hard break's two spaces) keeps some of it with
// Linkify, none without. Texts with a carriage return are left to
// Linkify too. TestQuickLinkifyMatches holds both readings to goldmark's
// own Linkify.
func needsLinkify(src []byte) bool {
	if bytes.IndexByte(src, '@') >= 0 || bytes.IndexByte(src, '\r') >= 0 || bytes.Contains(src, []byte("www.")) {
		return true
	}
	// Schemes, found by their colon: rarer in prose than an h.
	for k := 0; ; {
		i := bytes.IndexByte(src[k:], ':')
		if i < 0 {
			break
		}
		k += i
		if bytes.HasSuffix(src[:k], []byte("http")) || bytes.HasSuffix(src[:k], []byte("https")) || bytes.HasSuffix(src[:k], []byte("ftp")) {
			return true
		}
		k++
	}
	for start := 0; ; {
		i := bytes.IndexByte(src[start:], '\n')
		end := len(src)
		if i >= 0 {
			end = start + i
		}
		// The white space before this line's end.
		j := 0
		for end-j > start && isLineSpace(src[end-j-1]) {
			j++
		}
		hardBreak := i >= 0 && j == 2 && src[end-1] == ' ' && src[end-2] == ' '
		if j > 1 && !hardBreak {
			return true
		}
		if i < 0 {
			return false
		}
		start = end + 1
	}
}

func parseMarkdownWith(md goldmark.Markdown, src []byte, firstLine int) Body {
	return convertMarkdown(md, src, lineStarts(src), 0, firstLine)
}

// convertMarkdown reads src with md into a Body. lines are the offsets
// at which src's lines start, counted from base bytes before src: those
// of src itself (lineStarts(src), base 0), or those of the file src
// ends from src's line on (base src's offset in the file). The first is
// on firstLine.
func convertMarkdown(md goldmark.Markdown, src []byte, lines []int, base, firstLine int) Body {
	doc := md.Parser().Parse(text.NewReader(src))
	c := converter{src: src, lines: lines, base: base, firstLine: firstLine}
	bp, _ := textBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	c.buf = (*bp)[:0]

	var body Body
	var cur Part
	flush := func() {
		if len(cur.Blocks) > 0 {
			if body.Parts == nil {
				body.Parts = make([]Part, 0, countParts(doc))
			}
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
			cur.Blocks = make([]Block, 0, countPart(n))
		}
		cur.Blocks = append(cur.Blocks, b)
	}
	flush()
	if cap(c.buf) <= 64<<10 {
		*bp = c.buf[:0]
		textBufs.Put(bp)
	}
	return body
}

// countParts bounds the Parts of doc from above: thematic breaks split
// them.
func countParts(doc ast.Node) int {
	n := 1
	for ch := doc.FirstChild(); ch != nil; ch = ch.NextSibling() {
		if ch.Kind() == ast.KindThematicBreak {
			n++
		}
	}
	return n
}

// countPart bounds from above the blocks of the Part that starts at n:
// the blocks up to the next thematic break.
func countPart(n ast.Node) int {
	k := 0
	for ; n != nil && n.Kind() != ast.KindThematicBreak; n = n.NextSibling() {
		k++
	}
	return k
}

// lineStarts returns the byte offset at which each line of src starts.
func lineStarts(src []byte) []int {
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 || i+j+1 >= len(src) {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

// textBufs keeps converters' text buffers between bodies.
var textBufs sync.Pool

type converter struct {
	src       []byte
	lines     []int // where src's lines start, counted from base bytes before src
	base      int
	firstLine int
	// buf gathers a run of text, made a string once when the run ends.
	buf []byte
}

// line returns the file line of a byte offset in the body.
func (c *converter) line(off int) int {
	if off < 0 {
		return 0
	}
	// The last line that starts at or before off.
	off += c.base
	lo, hi := 0, len(c.lines)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.lines[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return c.firstLine + lo - 1
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
			if out == nil {
				out = make([]Block, 0, n.ChildCount())
			}
			out = append(out, b)
		}
	}
	return out
}

func (c *converter) segments(lines *text.Segments) string {
	if lines.Len() == 1 {
		s := lines.At(0)
		return string(s.Value(c.src))
	}
	c.buf = c.buf[:0]
	for i := 0; i < lines.Len(); i++ {
		s := lines.At(i)
		c.buf = append(c.buf, s.Value(c.src)...)
	}
	return string(c.buf)
}

// countInlines bounds from above how many Inlines inlines makes of n's
// children, or returns 0 when it cannot tell.
func countInlines(n ast.Node) int {
	k, text := 0, false
	for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
		switch ch := ch.(type) {
		case *ast.Text:
			if !text {
				k++
			}
			text = true
			if ch.HardLineBreak() || ch.SoftLineBreak() {
				k++
				text = false
			}
		case *ast.String, *ast.RawHTML:
			if !text {
				k++
			}
			text = true
		case *ast.CodeSpan, *ast.Emphasis, *extast.Strikethrough, *ast.Link, *ast.AutoLink, *ast.Image:
			k++
			text = false
		default:
			return 0
		}
	}
	return k
}

// inlines converts n's inline children, merging adjacent text. A run of
// text is gathered in c.buf and made a string once, so that thousands of
// text nodes in a row (what unmatched markup leaves) cost their length,
// not its square, and a run of one node one allocation.
func (c *converter) inlines(n ast.Node) []Inline {
	var out []Inline
	if k := countInlines(n); k > 0 {
		out = make([]Inline, 0, k)
	}
	open := false // out's last element is text being gathered in c.buf
	flush := func() {
		if open {
			out[len(out)-1].Text = string(c.buf)
			c.buf = c.buf[:0]
			open = false
		}
	}
	// startText opens a run of text, or reopens the last one.
	startText := func() {
		if open {
			return
		}
		if k := len(out) - 1; k >= 0 && out[k].Kind == Text {
			c.buf = append(c.buf[:0], out[k].Text...)
		} else {
			out = append(out, Inline{Kind: Text})
			c.buf = c.buf[:0]
		}
		open = true
	}
	add := func(in Inline) {
		flush()
		out = append(out, in)
	}
	// Children that hold inlines of their own are converted after the
	// run before them is flushed: c.buf is then free for theirs.
	for ch := n.FirstChild(); ch != nil; ch = ch.NextSibling() {
		switch ch := ch.(type) {
		case *ast.Text:
			if v := ch.Value(c.src); len(v) > 0 {
				if ch.IsRaw() || bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
					startText()
					c.buf = append(c.buf, v...)
				} else if t := c.text(ch); t != "" {
					startText()
					c.buf = append(c.buf, t...)
				}
			}
			switch {
			case ch.HardLineBreak():
				add(Inline{Kind: HardBreak})
			case ch.SoftLineBreak():
				add(Inline{Kind: SoftBreak})
			}
		case *ast.String:
			if len(ch.Value) > 0 {
				startText()
				c.buf = append(c.buf, ch.Value...)
			}
		case *ast.CodeSpan:
			flush()
			add(Inline{Kind: Code, Text: c.plain(ch)})
		case *ast.Emphasis:
			kind := Emphasis
			if ch.Level >= 2 {
				kind = Strong
			}
			flush()
			add(Inline{Kind: kind, Children: c.inlines(ch)})
		case *extast.Strikethrough:
			flush()
			add(Inline{Kind: Strike, Children: c.inlines(ch)})
		case *ast.Link:
			flush()
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
			for i := 0; i < ch.Segments.Len(); i++ {
				seg := ch.Segments.At(i)
				if v := seg.Value(c.src); len(v) > 0 {
					startText()
					c.buf = append(c.buf, v...)
				}
			}
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
func (c *converter) text(n *ast.Text) string {
	v := n.Value(c.src)
	if n.IsRaw() || bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return string(v) // nothing escaped, no reference: the text as it is
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

// Limits on Markdown (a body, an override's text) that goldmark would
// read in more than linear time: it walks every open quote and list on
// every line, and looks for each link's destination and title to the end
// of its paragraph. Posts come nowhere near them.
const (
	// maxBodyNesting is how deeply quotes and lists may nest.
	maxBodyNesting = 32
	// maxLinkScan bounds, in one paragraph, the link openings ("](")
	// times the paragraph's bytes.
	maxLinkScan = 64 << 20
	// maxEmphasisMarks is how many runs of *, _ and ~ one paragraph may
	// hold: goldmark matches each closing run against the open ones.
	maxEmphasisMarks = 8192
	// maxMarkup is how many markup characters ([, ], *, _, ~, `, <, &, \)
	// a text may hold outside code blocks: goldmark keeps a node of a few
	// hundred bytes for each.
	maxMarkup = 65536
	// maxMarkdownLines is how many lines that are not blank a text may
	// hold outside code blocks: each is a node or more for goldmark. A
	// book fits.
	maxMarkdownLines = 20_000
)

// markdownLimit checks src against the Markdown limits before goldmark
// reads it. It returns the 0-based line of src a limit is broken on and
// why, or -1. It estimates from above, line by line: a line's nesting is
// its indentation in pairs of columns plus the quote and list markers
// that open it; a paragraph runs to a blank line, a list item or a fence.
// Fenced code is skipped: it holds no Markdown.
func markdownLimit(src []byte) (int, string) {
	return markdownLimitMarks(src, len(src) > maxCountedText)
}

// maxCountedText is the longest text whose marks markdownLimit need not
// count: it cannot hold more than maxEmphasisMarks runs of marks, nor
// maxMarkup marks, nor link openings enough for maxLinkScan (at most
// one per two bytes). TestMarkdownLimitUncounted checks the bounds.
const maxCountedText = maxEmphasisMarks

// markdownLimitMarks is markdownLimit, counting the marks of each line
// when marks is true.
func markdownLimitMarks(src []byte, marks bool) (int, string) {
	var fence []byte // the open fence's marker, "```" or "~~~~"
	markup, lines := 0, 0
	paraLine, paraBytes, paraLinks, paraMarks := 0, 0, 0, 0
	endPara := func() (int, string) {
		switch {
		case paraLinks > 0 && paraLinks*paraBytes > maxLinkScan:
			return paraLine, fmt.Sprintf("a paragraph of %d KB with %d links is more than herald reads at once: "+
				"split it with blank lines", paraBytes>>10, paraLinks)
		case paraMarks > maxEmphasisMarks:
			return paraLine, fmt.Sprintf("a paragraph with %d runs of *, _ or ~ is more than herald reads at once "+
				"(the limit is %d): split it with blank lines", paraMarks, maxEmphasisMarks)
		}
		paraBytes, paraLinks, paraMarks = 0, 0, 0
		return -1, ""
	}
	for i, off := 0, 0; off < len(src); i++ {
		end := bytes.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off + 1
		}
		line := src[off:end]
		off = end

		lead, j := 0, 0
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			if line[j] == '\t' {
				lead += 4 - lead%4
			} else {
				lead++
			}
			j++
		}
		markers, list := 0, false
		for {
			k := containerMarker(line[j:])
			if k == 0 {
				break
			}
			markers++
			list = list || line[j] != '>'
			j += k
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
		}
		content := bytes.TrimRight(line[j:], " \t\r\n")

		if fence != nil {
			if bytes.HasPrefix(content, fence) && len(bytes.Trim(content, string(fence[:1]))) == 0 {
				fence = nil
			}
			continue
		}
		if len(content) > 0 || markers > 0 {
			if lines++; lines > maxMarkdownLines {
				return i, fmt.Sprintf("more than %d lines of Markdown outside code blocks", maxMarkdownLines)
			}
		}
		if markers > 0 && lead/2+markers > maxBodyNesting {
			return i, fmt.Sprintf("quotes and lists nest %d deep here; the limit is %d", lead/2+markers, maxBodyNesting)
		}
		f := fenceMarker(content)
		if f != nil || len(content) == 0 || list {
			if l, msg := endPara(); l >= 0 {
				return l, msg
			}
			if f != nil {
				fence = f
				continue
			}
			if len(content) == 0 && !list {
				continue
			}
		}
		if paraBytes == 0 {
			paraLine = i
		}
		paraBytes += len(line)
		if !marks {
			continue
		}
		paraLinks += bytes.Count(line, []byte("]("))
		for k, c := range line {
			if !markupByte[c] {
				continue
			}
			switch c {
			case '*', '_', '~':
				if k == 0 || line[k-1] != c {
					paraMarks++
				}
			case '[', ']', '`', '<', '&', '\\':
			default:
				continue
			}
			if markup++; markup > maxMarkup {
				return i, fmt.Sprintf("more than %d Markdown marks ([, ], *, _, ~, `, <, &, \\) outside code blocks; "+
					"put code in fenced blocks (```)", maxMarkup)
			}
		}
	}
	return endPara()
}

// markupByte are the bytes markdownLimit counts as markup.
var markupByte = func() (t [256]bool) {
	for _, c := range []byte("*_~[]`<&\\") {
		t[c] = true
	}
	return t
}()

// containerMarker returns the length of the quote or list marker line
// starts with, or 0. A thematic break ("- - -") opens nothing.
func containerMarker(line []byte) int {
	if len(line) == 0 {
		return 0
	}
	spaceAfter := func(k int) bool {
		return k == len(line) || line[k] == ' ' || line[k] == '\t' || line[k] == '\n' || line[k] == '\r'
	}
	switch c := line[0]; {
	case c == '>':
		return 1
	case c == '-' || c == '+' || c == '*':
		if !spaceAfter(1) || thematicBreak(line) {
			return 0
		}
		return 1
	case c >= '0' && c <= '9':
		k := 0
		for k < len(line) && k < 9 && line[k] >= '0' && line[k] <= '9' {
			k++
		}
		if k < len(line) && (line[k] == '.' || line[k] == ')') && spaceAfter(k+1) {
			return k + 1
		}
	}
	return 0
}

// thematicBreak reports whether line is a thematic break: three or more
// of one of -, * or _, with spaces between.
func thematicBreak(line []byte) bool {
	n := 0
	var mark byte
	for _, c := range bytes.TrimRight(line, " \t\r\n") {
		switch {
		case c == ' ' || c == '\t':
		case (c == '-' || c == '*' || c == '_') && (mark == 0 || c == mark):
			mark = c
			n++
		default:
			return false
		}
	}
	return n >= 3
}

// fenceMarker returns the fence a code block opens with (three or more
// backticks or tildes), or nil.
func fenceMarker(content []byte) []byte {
	if len(content) < 3 || (content[0] != '`' && content[0] != '~') {
		return nil
	}
	k := 0
	for k < len(content) && content[k] == content[0] {
		k++
	}
	if k < 3 {
		return nil
	}
	return content[:k]
}
