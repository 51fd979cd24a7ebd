package relaytext

import (
	"strings"
	"testing"

	"github.com/heraldhq/herald/platforms"
)

func TestCaption(t *testing.T) {
	const url = "https://example.com/blog/2026/a-long-article-name"
	text := "Read example.com/blog/2026/a-... and https://x.example/b now"
	start := strings.Index(text, "example.com")
	end := strings.Index(text, " and")
	bare := strings.Index(text, "https://x.example/b")
	p := &platforms.Payload{Parts: []platforms.Part{{Text: text, Facets: []platforms.Facet{
		{Start: start, End: end, Type: platforms.FacetLink, Value: url},
		{Start: bare, End: bare + len("https://x.example/b"), Type: platforms.FacetLink, Value: "https://x.example/b"},
		{Start: 0, End: 4, Type: platforms.FacetTag, Value: "Read"},
	}}}}
	got, err := Caption("postforme", p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Read " + url + " and https://x.example/b now"; got != want {
		t.Errorf("caption %q, want %q", got, want)
	}
	p.Parts = append(p.Parts, platforms.Part{Text: "two"})
	if _, err := Caption("late", p); err == nil || !strings.Contains(err.Error(), "thread of 2 parts") {
		t.Errorf("thread: err = %v", err)
	}
}
