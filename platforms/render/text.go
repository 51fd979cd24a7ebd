package render

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldhq/herald/schema"
)

// Facet is a range of a part's text that means more than its characters:
// a link, a mention or a hashtag. Start and End are UTF-8 byte offsets into
// the part's text, half-open, as Bluesky's facets are. Value is the full
// URL, the handle or user without "@", or the tag without "#".
type Facet struct {
	Start, End int
	Type       string
	Value      string
}

// Facet types.
const (
	FacetLink    = "link"
	FacetMention = "mention"
	FacetTag     = "tag"
)

// LinkStyle says how a Markdown link with its own text is written.
type LinkStyle int

// Link styles. LinkInline writes "text (url)" for platforms that show URLs
// and link them themselves; LinkFacet writes only "text" with a link facet
// and shortens bare URLs, for Bluesky, where a URL is never linked unless a
// facet says so and counts in full against the limit.
const (
	LinkInline LinkStyle = iota
	LinkFacet
)

// MentionStyle says which @-mentions a platform understands.
type MentionStyle int

// Mention styles.
const (
	MentionNone      MentionStyle = iota
	MentionHandle                 // Bluesky: @handle.example.com
	MentionFediverse              // Mastodon: @user and @user@server
	MentionUser                   // X, Threads: @user
)

// Style is what differs between platforms when a body becomes plain text.
type Style struct {
	Links    LinkStyle
	Mentions MentionStyle
	Tags     bool // detect #hashtags as facets
	// Atproto finds facets as the Bluesky app does (atproto's
	// detectFacets): its links, mentions, tags and $cashtags, in place of
	// the twitter-text-like rules the other platforms get.
	Atproto bool
}

// StyleFor returns the plain-text style of a platform.
func StyleFor(platform string) Style { return rulesFor(platform).style }

// PlainText turns blocks into the plain text a social platform receives,
// with the facets found in it, ordered by offset. Paragraphs are separated
// by a blank line; a soft break is a space and a hard break a newline;
// headings are their text; list items are "- item" or "1. item"; quoted
// lines start with "> "; emphasis loses its markers; code keeps its text;
// images become their alt text. Hashtags and mentions are never looked for
// inside code.
func PlainText(blocks []schema.Block, style Style) (string, []Facet) {
	t := buildText(blocks, style)
	return t.text, t.facets
}

// builtText is a part's plain text with what the splitter and finishers
// need to know about it.
type builtText struct {
	text    string
	facets  []Facet
	code    []span // inline code and code blocks: no facets inside
	unsplit []span // links: never split inside
	// counted is the platform's count of the text as finished, plus
	// one, when it was counted already while packing (0: not known).
	counted int
	// line is where the part starts in the post's file (0 when it comes
	// from an override).
	line int
	// little is the text escaped as LinkedIn receives it, once escaped
	// (littleDone).
	little string
	// shared says that facets are the Renderer's record's too: they are
	// copied before they reach an Output, so that each has its own.
	shared, littleDone bool
}

type textBuilder struct {
	style  Style
	b      strings.Builder
	prefix string
	facets []Facet
	code   []span
}

func buildText(blocks []schema.Block, style Style) builtText {
	return buildTextIn(nil, blocks, style)
}

// buildTextIn is buildText with the Renderer's texts: blocks built in a
// style already are not built again (X and Threads share one), blocks
// written already in a way of writing links are not written again
// (X, Mastodon, Threads and LinkedIn write them alike), and a text
// another platform received already is not searched for URLs and tags
// again.
func buildTextIn(r *Renderer, blocks []schema.Block, style Style) builtText {
	if r == nil {
		w := writeText(blocks, style)
		return detectBuilt(&textInfo{text: w.text}, w, style)
	}
	key := buildKey{n: len(blocks), style: style}
	if len(blocks) > 0 {
		key.blocks = &blocks[0]
	}
	for _, b := range r.builds {
		if b.key == key {
			return b.bt
		}
	}
	wkey := key
	wkey.style = Style{Links: style.Links, Atproto: style.Atproto} // what writeText reads
	var w written
	found := false
	for _, b := range r.writes {
		if b.key == wkey {
			w, found = b.w, true
			break
		}
	}
	if !found {
		w = writeText(blocks, style)
		if r.writes == nil {
			r.writes = make([]writeEntry, 0, 2)
		}
		if len(r.writes) == maxTexts {
			r.writes = r.writes[1:]
		}
		r.writes = append(r.writes, writeEntry{wkey, w})
	}
	bt := detectBuilt(r.info(w.text), w, style)
	bt.shared = true
	if r.builds == nil {
		r.builds = make([]buildEntry, 0, 4)
	}
	if len(r.builds) == maxTexts {
		r.builds = r.builds[1:]
	}
	r.builds = append(r.builds, buildEntry{key, bt})
	return bt
}

// buildKey says which blocks were built, in which style: the blocks are
// known by their slice (its first block and length), which rendering
// never changes (a tagged copy of a post has blocks of its own) and which
// the key keeps from being collected and reused.
type buildKey struct {
	blocks *schema.Block
	n      int
	style  Style
}

type buildEntry struct {
	key buildKey
	bt  builtText
}

type writeEntry struct {
	key buildKey
	w   written
}

// written is blocks written as plain text, before facets are detected in
// it: what depends only on the style's links (and whether they are
// Bluesky's).
type written struct {
	text   string
	code   []span
	facets []Facet // the links
}

// writeText writes blocks as plain text in a style.
func writeText(blocks []schema.Block, style Style) written {
	tb := &textBuilder{style: Style{Links: style.Links, Atproto: style.Atproto}}
	tb.b.Grow(blocksLen(blocks))
	tb.blocks(blocks, true)
	text := strings.TrimRight(tb.b.String(), " \n")
	w := written{text: text, code: tb.code}
	for _, f := range tb.facets {
		if f.End <= len(text) {
			w.facets = append(w.facets, f)
		}
	}
	return w
}

// detectBuilt makes written text a built text in a style: its links, and
// the URLs, tags and mentions found in it (ti is the text's record).
func detectBuilt(ti *textInfo, w written, style Style) builtText {
	bt := builtText{text: w.text, code: w.code}
	found := detectIn(ti, style, w.code, w.facets)
	if n := len(w.facets) + len(found); n > 0 {
		bt.facets = make([]Facet, 0, n)
		bt.unsplit = make([]span, 0, n)
	}
	for _, f := range w.facets {
		bt.facets = append(bt.facets, f)
		bt.unsplit = append(bt.unsplit, span{f.Start, f.End})
	}
	for _, f := range found {
		bt.facets = append(bt.facets, f)
		if f.Type == FacetLink {
			bt.unsplit = append(bt.unsplit, span{f.Start, f.End})
		}
	}
	sortFacets(bt.facets)
	return bt
}

// blocksLen is about the length of the text built from blocks, a little
// more: the builder is sized once instead of growing through a text's
// length several times.
func blocksLen(blocks []schema.Block) int {
	n := 0
	for _, bl := range blocks {
		n += 8 + len(bl.Text) + inlinesLen(bl.Inlines) + blocksLen(bl.Children)
	}
	return n
}

func inlinesLen(ins []schema.Inline) int {
	n := 0
	for _, in := range ins {
		n += 1 + len(in.Text) + len(in.URL) + inlinesLen(in.Children)
	}
	return n
}

func sortFacets(fs []Facet) {
	slices.SortStableFunc(fs, func(a, b Facet) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
}

func (tb *textBuilder) pos() int { return tb.b.Len() }

// newline ends a line and starts the next with the current prefix.
func (tb *textBuilder) newline() {
	tb.b.WriteByte('\n')
	tb.b.WriteString(tb.prefix)
}

// blankLine separates blocks: an empty line (keeping a quote's marker).
func (tb *textBuilder) blankLine() {
	tb.b.WriteByte('\n')
	tb.b.WriteString(strings.TrimRight(tb.prefix, " "))
	tb.newline()
}

// blocks writes sibling blocks; loose separates them with a blank line,
// else with a line break (inside list items).
func (tb *textBuilder) blocks(blocks []schema.Block, loose bool) {
	for i, bl := range blocks {
		if i > 0 {
			if loose {
				tb.blankLine()
			} else {
				tb.newline()
			}
		}
		tb.block(bl)
	}
}

func (tb *textBuilder) block(bl schema.Block) {
	switch bl.Kind {
	case schema.Paragraph, schema.Heading:
		tb.inlines(bl.Inlines)
	case schema.Quote:
		saved := tb.prefix
		tb.prefix += "> "
		tb.b.WriteString("> ")
		tb.blocks(bl.Children, true)
		tb.prefix = saved
	case schema.List:
		n := bl.Start
		for i, item := range bl.Children {
			if i > 0 {
				tb.newline()
			}
			marker := "- "
			if bl.Ordered {
				marker = strconv.Itoa(n) + ". "
				n++
			}
			tb.b.WriteString(marker)
			saved := tb.prefix
			tb.prefix += strings.Repeat(" ", len(marker))
			tb.blocks(item.Children, false)
			tb.prefix = saved
		}
	case schema.ListItem:
		tb.blocks(bl.Children, false)
	case schema.CodeBlock:
		start := tb.pos()
		lines := strings.Split(strings.TrimRight(bl.Text, "\n"), "\n")
		for i, l := range lines {
			if i > 0 {
				tb.newline()
			}
			tb.b.WriteString(l)
		}
		tb.code = append(tb.code, span{start, tb.pos()})
	}
}

func (tb *textBuilder) inlines(ins []schema.Inline) {
	for _, in := range ins {
		switch in.Kind {
		case schema.Text:
			tb.b.WriteString(strings.ReplaceAll(in.Text, "\n", " "))
		case schema.SoftBreak:
			tb.b.WriteByte(' ')
		case schema.HardBreak:
			tb.newline()
		case schema.Emphasis, schema.Strong, schema.Strike:
			tb.inlines(in.Children)
		case schema.Code:
			start := tb.pos()
			tb.b.WriteString(in.Text)
			tb.code = append(tb.code, span{start, tb.pos()})
		case schema.Image:
			tb.b.WriteString(in.Text)
		case schema.Link:
			tb.link(in)
		}
	}
}

// link writes a link as the platform shows it.
func (tb *textBuilder) link(in schema.Inline) {
	label := inlineText(in.Children)
	url := in.URL
	if !isWebURL(url) {
		// Relative, mailto: and unsafe links cannot be followed from a
		// social post: keep their words.
		tb.b.WriteString(label)
		return
	}
	if isBareLink(label, url) {
		// The Bluesky app leaves a URL's trailing punctuation out of the
		// link ("see https://example.com/a;"), where the Markdown's linkify
		// keeps some of it.
		trail := ""
		if tb.style.Atproto && label != "" {
			// label ends as url does: it is url, or url without its scheme.
			url, trail = atprotoTrimURL(url)
			label = strings.TrimSuffix(label, trail)
		}
		start := tb.pos()
		if tb.style.Links == LinkFacet {
			tb.b.WriteString(shortURL(url))
		} else {
			tb.b.WriteString(label)
		}
		tb.facets = append(tb.facets, Facet{Start: start, End: tb.pos(), Type: FacetLink, Value: url})
		tb.b.WriteString(trail)
		return
	}
	if tb.style.Links == LinkFacet {
		start := tb.pos()
		tb.b.WriteString(label)
		if tb.pos() > start {
			tb.facets = append(tb.facets, Facet{Start: start, End: tb.pos(), Type: FacetLink, Value: url})
		}
		return
	}
	tb.b.WriteString(label)
	if label != "" {
		tb.b.WriteString(" (")
	}
	start := tb.pos()
	tb.b.WriteString(url)
	tb.facets = append(tb.facets, Facet{Start: start, End: tb.pos(), Type: FacetLink, Value: url})
	if label != "" {
		tb.b.WriteString(")")
	}
}

// inlineText is the text of inlines with all markup dropped.
func inlineText(ins []schema.Inline) string {
	var b strings.Builder
	for _, in := range ins {
		switch in.Kind {
		case schema.Text, schema.Code, schema.Image:
			b.WriteString(in.Text)
		case schema.SoftBreak, schema.HardBreak:
			b.WriteByte(' ')
		default:
			b.WriteString(inlineText(in.Children))
		}
	}
	return b.String()
}

// isWebURL reports whether a link target is an absolute http(s) URL.
func isWebURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// isBareLink reports whether a link shows its own URL: an autolink, a
// linkified bare URL or www. address, or [url](url).
func isBareLink(label, url string) bool {
	if label == "" || label == url {
		return true
	}
	l := strings.ToLower(url)
	for _, scheme := range []string{"http://", "https://"} {
		if strings.HasPrefix(l, scheme) && url[len(scheme):] == label {
			return true
		}
	}
	return false
}

// shortURL is the text the Bluesky app shows for a URL: host and path,
// with a path longer than 15 characters cut to 13 and "..." (social-app's
// toShortUrl).
func shortURL(u string) string {
	l := strings.ToLower(u)
	rest := u
	switch {
	case strings.HasPrefix(l, "https://"):
		rest = u[8:]
	case strings.HasPrefix(l, "http://"):
		rest = u[7:]
	default:
		return u
	}
	i := strings.IndexAny(rest, "/?#")
	if i < 0 {
		return rest
	}
	host, path := rest[:i], rest[i:]
	if path == "/" {
		path = ""
	}
	if utf8.RuneCountInString(path) > 15 {
		r := []rune(path)
		return host + string(r[:13]) + "..."
	}
	return host + path
}
