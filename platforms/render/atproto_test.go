package render

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/schema"
)

// atprotoCases is testdata/atproto/rich-text-detection.json: the cases of
// the official client's detection test (bluesky-social/atproto,
// packages/api/tests/rich-text-detection.test.ts), converted by
// testdata/atproto/convert.mjs without change.
type atprotoCases struct {
	Source struct {
		Repository, Path, Commit string
	}
	// Segments are the first test: the text cut at its facets, each
	// facet's piece with its value (the DID the fake resolver gives a
	// mention, did:fake:<handle>, or the link's URI).
	Segments []struct {
		Group  string // mentions or links
		Input  string
		Output [][]string
	}
	Tags     []atprotoTagCase // the tag facets found, with every facet's range
	Cashtags []atprotoTagCase // the $ tag facets found, with their ranges
}

type atprotoTagCase struct {
	Input   string
	Tags    []string
	Indices []struct{ ByteStart, ByteEnd int }
}

// atprotoCase is one case with the facets the app makes.
type atprotoCase struct {
	category string // mentions, links, tags, cashtags
	input    string
	want     []Facet
}

func loadAtprotoCases(t *testing.T) []atprotoCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "atproto", "rich-text-detection.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw atprotoCases
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var out []atprotoCase
	for _, s := range raw.Segments {
		c := atprotoCase{category: s.Group, input: s.Input}
		at := 0
		for _, seg := range s.Output {
			end := at + len(seg[0])
			if len(seg) == 2 {
				f := Facet{Start: at, End: end, Type: FacetLink, Value: seg[1]}
				if h, ok := strings.CutPrefix(seg[1], "did:fake:"); ok {
					f.Type, f.Value = FacetMention, h
				} else if seg[1] == "" {
					t.Fatalf("%q: a facet with no mention or link value: the test changed, extend the loader", s.Input)
				}
				c.want = append(c.want, f)
			}
			at = end
		}
		if at != len(s.Input) {
			t.Fatalf("%q: segments cover %d of %d bytes", s.Input, at, len(s.Input))
		}
		out = append(out, c)
	}
	for _, group := range []struct {
		name  string
		cases []atprotoTagCase
	}{{"tags", raw.Tags}, {"cashtags", raw.Cashtags}} {
		for _, tc := range group.cases {
			if len(tc.Tags) != len(tc.Indices) {
				t.Fatalf("%q: %d tags and %d facets: the test changed, extend the loader", tc.Input, len(tc.Tags), len(tc.Indices))
			}
			c := atprotoCase{category: group.name, input: tc.Input}
			for i, tag := range tc.Tags {
				c.want = append(c.want, Facet{Start: tc.Indices[i].ByteStart, End: tc.Indices[i].ByteEnd, Type: FacetTag, Value: tag})
			}
			out = append(out, c)
		}
	}
	return out
}

// TestAtprotoDetection runs every case of the official client's detection
// test through herald's Bluesky detection and compares the facets: type,
// UTF-8 byte range and value (the handle for a mention: herald resolves
// the DID when publishing).
func TestAtprotoDetection(t *testing.T) {
	cases := loadAtprotoCases(t)
	passed, total := map[string]int{}, map[string]int{}
	for _, c := range cases {
		got := detect(c.input, StyleFor(PlatformBluesky), nil, nil)
		sortFacets(got)
		total[c.category]++
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s %q (-app +herald):\n%s", c.category, c.input, diff)
			continue
		}
		passed[c.category]++
	}
	t.Log(atprotoScore(passed, total))
}

// TestAtprotoDetectionMarkdown runs the same cases through the whole
// Bluesky rendering, as a post's body: Markdown first (links found by the
// Markdown parser included), then detection. Rendering changes two things
// on purpose, which the comparison allows: a soft line break is a space
// (and trailing spaces go), and a link shows its URL shortened (the link
// facet keeps the full URI).
// The pieces between facets must be the app's.
func TestAtprotoDetectionMarkdown(t *testing.T) {
	cases := loadAtprotoCases(t)
	passed, total := map[string]int{}, map[string]int{}
	for _, c := range cases {
		total[c.category]++
		o, err := Render(postFromMarkdown(c.input), schema.Target{Name: "bluesky", Platform: PlatformBluesky}, schema.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		// Rendering makes a soft line break a space and drops trailing
		// white space.
		rendered := strings.TrimRight(strings.ReplaceAll(c.input, "\n", " "), " ")
		want := pieces(rendered, c.want)
		var got []piece
		if len(o.Parts) > 0 {
			got = pieces(o.Parts[0].Text, o.Parts[0].Facets)
		}
		if len(c.want) == 0 && len(got) <= 1 && (len(got) == 0 || got[0].Type == "") {
			// No facet either way; Markdown may change such text (a lone
			// "#" is an empty heading).
			passed[c.category]++
			continue
		}
		for i := range got {
			if i < len(want) && got[i].Type == FacetLink && want[i].Type == FacetLink && got[i].Text == shortURL(got[i].Value) {
				got[i].Text = want[i].Text
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %q rendered as %q (-app +herald):\n%s", c.category, c.input, o.Parts[0].Text, diff)
			continue
		}
		passed[c.category]++
	}
	t.Log(atprotoScore(passed, total))
}

// piece is a text cut at its facets, as the app's RichText.segments()
// cuts it: a facet's piece has its type and value.
type piece struct {
	Text, Type, Value string
}

func pieces(text string, facets []Facet) []piece {
	var out []piece
	at := 0
	for _, f := range facets {
		if f.Start > at {
			out = append(out, piece{Text: text[at:f.Start]})
		}
		out = append(out, piece{Text: text[f.Start:f.End], Type: f.Type, Value: f.Value})
		at = f.End
	}
	if at < len(text) {
		out = append(out, piece{Text: text[at:]})
	}
	return out
}

func atprotoScore(passed, total map[string]int) string {
	var b strings.Builder
	for i, cat := range []string{"mentions", "links", "tags", "cashtags"} {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d of %d", cat, passed[cat], total[cat])
	}
	return b.String()
}

// TestAtprotoDifferential checks herald's Bluesky detection against the
// app's own code on 2,500 random texts: testdata/atproto/differential.json
// holds each text with the facets the app shows for it, computed by
// detection.ts itself (testdata/atproto/differential.mjs, run with Node).
func TestAtprotoDifferential(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "atproto", "differential.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Input  string
		Facets []struct {
			Start, End  int
			Type, Value string
		}
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, c := range cases {
		var want []Facet
		for _, f := range c.Facets {
			want = append(want, Facet{Start: f.Start, End: f.End, Type: f.Type, Value: f.Value})
		}
		got := detect(c.Input, StyleFor(PlatformBluesky), nil, nil)
		if diff := cmp.Diff(want, got); diff != "" {
			if failed++; failed <= 20 {
				t.Errorf("%q (-app +herald):\n%s", c.Input, diff)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d texts differ", failed, len(cases))
	}
}

// TestBlueskyFacets checks the Bluesky rules where they meet herald's
// Markdown: linkified URLs lose trailing punctuation as the app's do, code
// and Markdown links are never searched, and the app's tags and cashtags
// are found in the rest.
func TestBlueskyFacets(t *testing.T) {
	tests := []struct {
		name, src, text string
		want            []Facet
	}{{
		name: "linkified URL ends before ; as in the app",
		src:  "See https://bar.com/whatever; then <https://baz.com/x.> and www.example.com.",
		text: "See bar.com/whatever; then baz.com/x. and www.example.com.",
		want: []Facet{
			{Start: 4, End: 20, Type: FacetLink, Value: "https://bar.com/whatever"},
			{Start: 27, End: 36, Type: FacetLink, Value: "https://baz.com/x"},
			{Start: 42, End: 57, Type: FacetLink, Value: "http://www.example.com"},
		},
	}, {
		name: "tags the app keeps whole, and none in brackets",
		src:  "#double#rainbow #node.js #butter🦋fly #trail_ (#notatag) #1 #1a",
		text: "#double#rainbow #node.js #butter🦋fly #trail_ (#notatag) #1 #1a",
		want: []Facet{
			{Start: 0, End: 15, Type: FacetTag, Value: "double#rainbow"},
			{Start: 16, End: 24, Type: FacetTag, Value: "node.js"},
			{Start: 25, End: 39, Type: FacetTag, Value: "butter🦋fly"},
			{Start: 40, End: 46, Type: FacetTag, Value: "trail"},
			{Start: 62, End: 65, Type: FacetTag, Value: "1a"},
		},
	}, {
		name: "cashtags are tags with the dollar sign",
		src:  "Buy $aapl, ($GOOG) not $TOOLONG or $1A",
		text: "Buy $aapl, ($GOOG) not $TOOLONG or $1A",
		want: []Facet{
			{Start: 4, End: 9, Type: FacetTag, Value: "$AAPL"},
			{Start: 12, End: 17, Type: FacetTag, Value: "$GOOG"},
		},
	}, {
		name: "nothing in code or inside a Markdown link",
		src:  "`#a $B @c.com d.com` [#tag $AAPL](https://x.com/y) #z",
		text: "#a $B @c.com d.com #tag $AAPL #z",
		want: []Facet{
			{Start: 19, End: 29, Type: FacetLink, Value: "https://x.com/y"},
			{Start: 30, End: 32, Type: FacetTag, Value: "z"},
		},
	}, {
		name: "handles end at a word boundary and need a TLD",
		src:  "cc @alice.bsky.social. and @bob and @carol.example",
		text: "cc @alice.bsky.social. and @bob and @carol.example",
		want: []Facet{{Start: 3, End: 21, Type: FacetMention, Value: "alice.bsky.social"}},
	}, {
		name: "bare domains need a TLD at the very end",
		src:  "website.com.jpg and e.g. and docs.example.dev/a?b=c!",
		text: "website.com.jpg and e.g. and docs.example.dev/a?b=c!",
		want: []Facet{{Start: 29, End: 51, Type: FacetLink, Value: "https://docs.example.dev/a?b=c"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Render(postFromMarkdown(tt.src), schema.Target{Name: "b", Platform: PlatformBluesky}, schema.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Parts[0].Text; got != tt.text {
				t.Fatalf("text = %q, want %q", got, tt.text)
			}
			if diff := cmp.Diff(tt.want, o.Parts[0].Facets); diff != "" {
				t.Errorf("facets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAtprotoURLMatches checks the word-by-word matching against the
// expression run over the whole text.
func TestAtprotoURLMatches(t *testing.T) {
	pieces := []string{"a", "b", ".", ":", "/", "(", ")", " ", "\n", "\u00a0", "\u3000", "http://", "https://x.y", "example.com",
		"é", "日本", "foo.bar", "HTTP://", "x1", "\ufeff", "\u2003", "(example.org/p)", "\xff", "end.", ".1", ".Z", ".é", "..", ".:"}
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(14) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		if got, want := atprotoURLMatches(text), atprotoURLRE.FindAllStringSubmatchIndex(text, -1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("atprotoURLMatches(%q) = %v, want %v", text, got, want)
		}
	}
}
