package schema

import (
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
