package schema

// Body is a post's Markdown body in a neutral form that every renderer
// shares: plain text, facets, little-text and HTML are all made from it.
// Thematic breaks (---, ***) separate Parts and do not appear in them.
type Body struct {
	Parts []Part
}

// Part is one thread part: the blocks between two thematic breaks.
type Part struct {
	Line   int // 1-based line in the file where the part's first block starts
	Blocks []Block
}

// BlockKind names a kind of Markdown block.
type BlockKind int

// Block kinds. Lists hold ListItems in Children; a ListItem and a Quote
// hold blocks in Children; Paragraph and Heading hold Inlines; CodeBlock
// holds Text. Raw HTML blocks become Paragraphs of their text.
const (
	Paragraph BlockKind = iota
	Heading
	Quote
	List
	ListItem
	CodeBlock
)

// Block is one Markdown block.
type Block struct {
	Kind     BlockKind
	Line     int      // 1-based line in the file
	Level    int      // Heading: 1-6
	Ordered  bool     // List
	Start    int      // List: the first number of an ordered list
	Lang     string   // CodeBlock: the info string's first word
	Text     string   // CodeBlock: the code, with a trailing newline
	Inlines  []Inline // Paragraph, Heading
	Children []Block  // Quote, List, ListItem
}

// InlineKind names a kind of Markdown inline.
type InlineKind int

// Inline kinds. Emphasis, Strong, Strike and Link hold Children; Text,
// Code hold Text; Link and Image hold URL (and Title); Image holds its alt
// text in Text. Autolinks and bare URLs (linkified) are Links whose only
// child is the URL as written.
const (
	Text InlineKind = iota
	Emphasis
	Strong
	Strike
	Code
	Link
	Image
	SoftBreak // a line ending inside a paragraph
	HardBreak // a line ending that is kept (two spaces or a backslash)
)

// Inline is one Markdown inline.
type Inline struct {
	Kind     InlineKind
	Text     string
	URL      string
	Title    string
	Children []Inline
}
