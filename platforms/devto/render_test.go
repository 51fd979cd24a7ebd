package devto

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
)

// TestRenderGolden pins the article each kind of post becomes: the JSON
// body of POST /api/articles, as Prepare and the options build it.
func TestRenderGolden(t *testing.T) {
	cases := []struct {
		name string
		p    *platforms.Payload
	}{
		{"markdown as written, tags folded", &platforms.Payload{Title: "Sluice 2 is out", Markdown: "Sluice 2 ships **retries**.\n\n```go\nfmt.Println(\"hi\")\n```\n",
			Parts: []platforms.Part{{Text: "Sluice 2 ships retries."}}, Tags: []string{"Go", "release-notes", "go", "C++"}}},
		{"options", &platforms.Payload{Title: "With a cover", Markdown: "Body.\n", Tags: []string{"a"},
			Options: map[string]any{"series": "Sluice internals", "main_image": "https://img.example/cover.png",
				"canonical_url": "https://blog.example/sluice-2", "description": "The short version", "published": false,
				"tags": []any{"Ops", "SRE"}}}},
		{"no title: the first line", &platforms.Payload{Markdown: "# A heading first\n\nThen text.\n"}},
		{"long title cut", &platforms.Payload{Title: strings.Repeat("word ", 40), Markdown: "x\n"}},
		{"leading thematic break kept a break", &platforms.Payload{Title: "Break", Markdown: "---\ntitle: not front matter\n---\n"}},
		{"suite payload: the parts' text", &platforms.Payload{Parts: []platforms.Part{{Text: "Only text"}}}},
	}
	var b strings.Builder
	for _, c := range cases {
		p, err := Prepare(c.p.Clone())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		o, err := readOptions(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := json.MarshalIndent(map[string]any{"article": o.article(p)}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "== %s\n%s\n", c.name, out)
	}
	golden.Check(t, "article.golden", []byte(b.String()))
}

func TestPrepareRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *platforms.Payload
		want string
	}{
		{"five tags", &platforms.Payload{Title: "t", Markdown: "b", Tags: []string{"a", "b", "c", "d", "e"}}, "at most 4 tags"},
		{"cover not a URL", &platforms.Payload{Title: "t", Markdown: "b", Options: map[string]any{"main_image": "cover.png"}}, "option main_image"},
		{"canonical with a space", &platforms.Payload{Title: "t", Markdown: "b", Options: map[string]any{"canonical_url": "https://a.example/x y"}}, "option canonical_url"},
		{"published not a boolean", &platforms.Payload{Title: "t", Markdown: "b", Options: map[string]any{"published": "yes"}}, "option published"},
		{"tags not a list", &platforms.Payload{Title: "t", Markdown: "b", Options: map[string]any{"tags": "go"}}, "option tags"},
		{"no body", &platforms.Payload{Title: "t"}, "no body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Prepare(c.p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Prepare = %v, want an error containing %q", err, c.want)
			}
		})
	}
}
