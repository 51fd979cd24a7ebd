package preview

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
)

// TestNewTargetSegments checks that a part's text is cut at its facets'
// byte ranges (multi-byte text before them included), and that each leads
// where the network links it.
func TestNewTargetSegments(t *testing.T) {
	text := "日本 @ana.bsky.social sluice.example.com/v2 #webhooks"
	facets := []render.Facet{
		{Start: 7, End: 23, Type: render.FacetMention, Value: "ana.bsky.social"},
		{Start: 24, End: 45, Type: render.FacetLink, Value: "https://sluice.example.com/v2"},
		{Start: 46, End: 55, Type: render.FacetTag, Value: "webhooks"},
		{Start: 40, End: 50, Type: render.FacetTag, Value: "overlap"}, // ignored
	}
	out := &render.Output{Target: "bluesky", Platform: render.PlatformBluesky, Parts: []render.Part{{Text: text, Facets: facets, Length: 52, Bytes: 55}},
		Limits: schema.Limits{Length: 300, Unit: "graphemes"}}
	tg := NewTarget(out, Account{Handle: "@team.example.com"})
	want := []Segment{
		{Text: "日本 "},
		{Text: "@ana.bsky.social", Kind: "mention", Href: "https://bsky.app/profile/ana.bsky.social"},
		{Text: " "},
		{Text: "sluice.example.com/v2", Kind: "link", Href: "https://sluice.example.com/v2"},
		{Text: " "},
		{Text: "#webhooks", Kind: "tag", Href: "https://bsky.app/hashtag/webhooks"},
	}
	if diff := cmp.Diff(want, tg.Parts[0].Segments); diff != "" {
		t.Errorf("segments mismatch (-want +got):\n%s", diff)
	}
	if tg.Account != "team.example.com" || tg.Parts[0].Count != "52/300 graphemes" || tg.Parts[0].Over {
		t.Errorf("account %q, count %q, over %v", tg.Account, tg.Parts[0].Count, tg.Parts[0].Over)
	}
}

func TestMastodonLinks(t *testing.T) {
	out := &render.Output{Target: "masto", Platform: render.PlatformMastodon, Parts: []render.Part{{
		Text: "@priya@hachyderm.io @ana #go",
		Facets: []render.Facet{
			{Start: 0, End: 19, Type: render.FacetMention, Value: "priya@hachyderm.io"},
			{Start: 20, End: 24, Type: render.FacetMention, Value: "ana"},
			{Start: 25, End: 28, Type: render.FacetTag, Value: "go"},
		}}}}
	tg := NewTarget(out, Account{BaseURL: "https://social.example/api"})
	var hrefs []string
	for _, s := range tg.Parts[0].Segments {
		if s.Href != "" {
			hrefs = append(hrefs, s.Href)
		}
	}
	want := []string{"https://hachyderm.io/@priya", "https://social.example/@ana", "https://social.example/tags/go"}
	if diff := cmp.Diff(want, hrefs); diff != "" {
		t.Errorf("hrefs mismatch (-want +got):\n%s", diff)
	}
	if tg.Account != "masto@social.example" {
		t.Errorf("account = %q", tg.Account)
	}
}

// TestUnescapeLittle reads LinkedIn's escaped text back as LinkedIn shows
// it, with its hashtags and the URLs it links.
func TestUnescapeLittle(t *testing.T) {
	src := "Thanks @ana (and [team])! https://sluice.example.com/v2. #webhooks #日本"
	w, j := strings.Index(src, "#webhooks"), strings.Index(src, "#日本")
	in := render.EscapeLittle(src, []render.Facet{
		{Start: w, End: w + len("#webhooks"), Type: render.FacetTag, Value: "webhooks"},
		{Start: j, End: j + len("#日本"), Type: render.FacetTag, Value: "日本"}})
	text, facets := unescapeLittle(in)
	if text != src {
		t.Fatalf("text = %q, want %q", text, src)
	}
	u := strings.Index(src, "https://")
	want := []render.Facet{
		{Start: u, End: u + len("https://sluice.example.com/v2"), Type: render.FacetLink, Value: "https://sluice.example.com/v2"},
		{Start: w, End: w + len("#webhooks"), Type: render.FacetTag, Value: "webhooks"},
		{Start: j, End: j + len("#日本"), Type: render.FacetTag, Value: "日本"},
	}
	if diff := cmp.Diff(want, facets); diff != "" {
		t.Errorf("facets mismatch (-want +got):\n%s", diff)
	}
}

func TestPageName(t *testing.T) {
	taken := map[string]bool{"index": true}
	for _, tt := range []struct{ id, file, want string }{
		{"launch", "posts/launch.md", "launch"},
		{"launch", "posts/other/launch.md", "launch-2"},
		{"index", "posts/index.md", "index-2"},
		{"../../etc/passwd", "x.md", "etc-passwd"},
		{"Ünïcode & spaces", "x.md", "n-code-spaces"},
		{"", "posts/No ID.md", "no-id"},
		{"...", "x.md", "file"},
	} {
		if got := pageName(tt.id, tt.file, taken); got != tt.want {
			t.Errorf("pageName(%q, %q) = %q, want %q", tt.id, tt.file, got, tt.want)
		}
	}
}
