package schema

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMarkdown(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		firstLine int
		want      Body
	}{
		{
			name:      "empty",
			src:       "",
			firstLine: 5,
			want:      Body{},
		},
		{
			name:      "one paragraph with soft break",
			src:       "Hello *there*\nworld.\n",
			firstLine: 5,
			want: Body{Parts: []Part{{Line: 5, Blocks: []Block{{Kind: Paragraph, Line: 5, Inlines: []Inline{
				{Kind: Text, Text: "Hello "},
				{Kind: Emphasis, Children: []Inline{{Kind: Text, Text: "there"}}},
				{Kind: SoftBreak},
				{Kind: Text, Text: "world."},
			}}}}}},
		},
		{
			name:      "thematic breaks split parts and empty parts are dropped",
			src:       "---\n\nFirst.\n\n***\n\n---\n\nSecond **bold**.\n\n---\n",
			firstLine: 10,
			want: Body{Parts: []Part{
				{Line: 12, Blocks: []Block{{Kind: Paragraph, Line: 12, Inlines: []Inline{{Kind: Text, Text: "First."}}}}},
				{Line: 18, Blocks: []Block{{Kind: Paragraph, Line: 18, Inlines: []Inline{
					{Kind: Text, Text: "Second "},
					{Kind: Strong, Children: []Inline{{Kind: Text, Text: "bold"}}},
					{Kind: Text, Text: "."},
				}}}},
			}},
		},
		{
			name:      "links autolinks and bare urls",
			src:       "See [the docs](https://example.com/docs \"Docs\"), <https://a.example> and https://b.example/x?y=1.\n",
			firstLine: 1,
			want: Body{Parts: []Part{{Line: 1, Blocks: []Block{{Kind: Paragraph, Line: 1, Inlines: []Inline{
				{Kind: Text, Text: "See "},
				{Kind: Link, URL: "https://example.com/docs", Title: "Docs", Children: []Inline{{Kind: Text, Text: "the docs"}}},
				{Kind: Text, Text: ", "},
				{Kind: Link, URL: "https://a.example", Children: []Inline{{Kind: Text, Text: "https://a.example"}}},
				{Kind: Text, Text: " and "},
				{Kind: Link, URL: "https://b.example/x?y=1", Children: []Inline{{Kind: Text, Text: "https://b.example/x?y=1"}}},
				{Kind: Text, Text: "."},
			}}}}}},
		},
		{
			name:      "heading list quote code",
			src:       "# Title\n\n1. one\n2. `two`\n\n> quoted\n\n```go\nx := 1\n```\n",
			firstLine: 3,
			want: Body{Parts: []Part{{Line: 3, Blocks: []Block{
				{Kind: Heading, Line: 3, Level: 1, Inlines: []Inline{{Kind: Text, Text: "Title"}}},
				{Kind: List, Line: 5, Ordered: true, Start: 1, Children: []Block{
					{Kind: ListItem, Line: 5, Children: []Block{{Kind: Paragraph, Line: 5, Inlines: []Inline{{Kind: Text, Text: "one"}}}}},
					{Kind: ListItem, Line: 6, Children: []Block{{Kind: Paragraph, Line: 6, Inlines: []Inline{{Kind: Code, Text: "two"}}}}},
				}},
				{Kind: Quote, Line: 8, Children: []Block{{Kind: Paragraph, Line: 8, Inlines: []Inline{{Kind: Text, Text: "quoted"}}}}},
				{Kind: CodeBlock, Line: 11, Lang: "go", Text: "x := 1\n"},
			}}}},
		},
		{
			name:      "image and strikethrough and hard break",
			src:       "![a cat](cat.png) ~~old~~  \nnew\n",
			firstLine: 1,
			want: Body{Parts: []Part{{Line: 1, Blocks: []Block{{Kind: Paragraph, Line: 1, Inlines: []Inline{
				{Kind: Image, URL: "cat.png", Text: "a cat"},
				{Kind: Text, Text: " "},
				{Kind: Strike, Children: []Inline{{Kind: Text, Text: "old"}}},
				{Kind: HardBreak},
				{Kind: Text, Text: "new"},
			}}}}}},
		},
		{
			name:      "escapes and entities resolved, code kept raw",
			src:       "\\*not emphasis\\* &amp; &#769;e &copy; `a\\*b &amp;`\n",
			firstLine: 1,
			want: Body{Parts: []Part{{Line: 1, Blocks: []Block{{Kind: Paragraph, Line: 1, Inlines: []Inline{
				{Kind: Text, Text: "*not emphasis* & \u0301e \u00a9 "},
				{Kind: Code, Text: "a\\*b &amp;"},
			}}}}}},
		},
		{
			name:      "inline html kept as typed, html block kept as text",
			src:       "use <angle> and <b>b</b> c\n\n<div>\nblock\n</div>\n",
			firstLine: 1,
			want: Body{Parts: []Part{{Line: 1, Blocks: []Block{
				{Kind: Paragraph, Line: 1, Inlines: []Inline{{Kind: Text, Text: "use <angle> and <b>b</b> c"}}},
				{Kind: Paragraph, Line: 3, Inlines: []Inline{{Kind: Text, Text: "<div>\nblock\n</div>"}}},
			}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseMarkdown([]byte(tt.src), tt.firstLine)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseMarkdown mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMarkdownLimits checks that Markdown goldmark would read in more
// than linear time is refused at its line, and that what posts hold is
// not.
func TestMarkdownLimits(t *testing.T) {
	head := "---\ntitle: a\n---\n"
	tests := []struct {
		name string
		body string
		want Errors // nil: no finding
	}{
		{name: "nested quotes on a line", body: "intro\n\n" + strings.Repeat("> ", 40) + "a\n",
			want: Errors{e(6, 1, "", "quotes and lists nest 40 deep here; the limit is 32")}},
		{name: "nested lists by indentation", body: nestedList(40),
			want: Errors{e(36, 1, "", "quotes and lists nest 33 deep here; the limit is 32")}},
		{name: "ordered lists on a line", body: strings.Repeat("1. ", 100) + "a\n",
			want: Errors{e(4, 1, "", "quotes and lists nest 100 deep here; the limit is 32")}},
		{name: "link openings in a paragraph", body: "a\n\n" + strings.Repeat("[a](", 20_000) + "\n",
			want: Errors{e(6, 1, "", "a paragraph of 78 KB with 20000 links is more than herald reads at once: split it with blank lines")}},
		{name: "emphasis runs in a paragraph", body: strings.Repeat("*a~~", 5000) + "\n",
			want: Errors{e(4, 1, "", "a paragraph with 10000 runs of *, _ or ~ is more than herald reads at once (the limit is 8192): split it with blank lines")}},
		{name: "markup", body: strings.Repeat("[a] ", 40_000) + "\n",
			want: Errors{e(4, 1, "", "more than 65536 Markdown marks ([, ], *, _, ~, `, <, &, \\) outside code blocks; put code in fenced blocks (```)")}},
		{name: "lines", body: strings.Repeat("a\n\n", 20_001),
			want: Errors{e(40004, 1, "", "more than 20000 lines of Markdown outside code blocks")}},
		{name: "thematic break of many dashes", body: strings.Repeat("- ", 60) + "\n\nb\n"},
		{name: "deep indentation in fenced code", body: "```\n" + strings.Repeat(" ", 200) + "- x\n" + strings.Repeat("[](", 20_000) + "\n```\n"},
		{name: "links, one per list item", body: strings.Repeat("- [a](https://e.example/a)\n", 5000)},
		{name: "nested lists within the limit", body: nestedList(32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := ParsePost(testConfig(), testFile, []byte(head+tt.body))
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if p == nil {
				t.Fatal("no post")
			}
			if tt.want == nil && len(p.Body.Parts) == 0 {
				t.Error("body not parsed")
			}
		})
	}
	t.Run("override text", func(t *testing.T) {
		src := "---\nto: [x]\nx:\n  text: \"" + strings.Repeat("> ", 40) + "a\"\n---\nBody\n"
		_, errs := ParsePost(testConfig(), testFile, []byte(src))
		want := Errors{e(4, 1, "x.text", "quotes and lists nest 40 deep here; the limit is 32")}
		if diff := cmp.Diff(want, errs); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
}

// nestedList is a list nested depth deep, one level per line.
func nestedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- a\n")
	}
	return b.String()
}

// TestInlinesMergeText checks that thousands of text nodes in a row (what
// unmatched markup leaves) become one text, as a few do.
func TestInlinesMergeText(t *testing.T) {
	src := strings.Repeat("a [b ", 3000)
	body := ParseMarkdown([]byte(src), 1)
	in := body.Parts[0].Blocks[0].Inlines
	if len(in) != 1 || in[0].Kind != Text || in[0].Text != strings.TrimSpace(src) {
		t.Errorf("%d inlines; first %.40q", len(in), in[0].Text)
	}
}
