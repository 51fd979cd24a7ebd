package render

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ttCase is one case of a twitter-text conformance file; Expected is
// decoded by each test, its shape differing between sections.
type ttCase struct {
	Description string    `yaml:"description"`
	Text        string    `yaml:"text"`
	Expected    yaml.Node `yaml:"expected"`
}

// loadConformance reads the named sections of a twitter-text conformance
// file in testdata/twitter-text.
func loadConformance(t *testing.T, file string, sections ...string) map[string][]ttCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "twitter-text", file))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests map[string][]ttCase `yaml:"tests"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	out := map[string][]ttCase{}
	for _, s := range sections {
		cases, ok := doc.Tests[s]
		if !ok || len(cases) == 0 {
			t.Fatalf("%s has no section %s", file, s)
		}
		out[s] = cases
	}
	return out
}

// TestTwitterTextWeightedLength runs the weighted-length cases of
// twitter-text's conformance/validate.yml for the v3 configuration:
// CountX is the weighted length divided by the scale.
func TestTwitterTextWeightedLength(t *testing.T) {
	secs := loadConformance(t, "validate.yml", "WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
	n := 0
	for name, cases := range secs {
		for _, c := range cases {
			n++
			var want struct {
				WeightedLength int `yaml:"weightedLength"`
			}
			if err := c.Expected.Decode(&want); err != nil {
				t.Fatalf("%s %q: %v", name, c.Description, err)
			}
			if got := CountX(c.Text); got != want.WeightedLength {
				t.Errorf("%s: %s: CountX(%q) = %d, want %d", name, c.Description, c.Text, got, want.WeightedLength)
			}
		}
	}
	if n != 24 {
		t.Errorf("ran %d weighted-length cases, want the 24 of the file", n)
	}
}

// TestTwitterTextExtractURLs runs the URL cases of twitter-text's
// conformance/extract.yml against the extractor X's count relies on.
// Where a case gives indices (code points, as twitter-text's Ruby and
// JavaScript libraries count them for these texts), they are checked
// too.
func TestTwitterTextExtractURLs(t *testing.T) {
	secs := loadConformance(t, "extract.yml", "urls", "urls_with_directional_markers", "tco_urls_with_params")
	n := 0
	for name, cases := range secs {
		for _, c := range cases {
			n++
			var want []string
			var wantIdx [][2]int
			if err := c.Expected.Decode(&want); err != nil {
				var withIdx []struct {
					URL     string `yaml:"url"`
					Indices [2]int `yaml:"indices"`
				}
				if err := c.Expected.Decode(&withIdx); err != nil {
					t.Fatalf("%s %q: %v", name, c.Description, err)
				}
				want = nil
				for _, w := range withIdx {
					want = append(want, w.URL)
					wantIdx = append(wantIdx, w.Indices)
				}
			}
			spans := extractURLs(c.Text, true)
			var got []string
			var gotIdx [][2]int
			for _, s := range spans {
				got = append(got, c.Text[s.start:s.end])
				st := utf8.RuneCountInString(c.Text[:s.start])
				gotIdx = append(gotIdx, [2]int{st, st + utf8.RuneCountInString(c.Text[s.start:s.end])})
			}
			if !equalStrings(got, want) || wantIdx != nil && !equalIdx(gotIdx, wantIdx) {
				t.Errorf("%s: %s:\nextractURLs(%q)\n got %q %v\nwant %q %v", name, c.Description, c.Text, got, gotIdx, want, wantIdx)
			}
		}
	}
	if n != 98 {
		t.Errorf("ran %d URL cases, want the 98 of the file's three sections", n)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalIdx(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTLDLibParses checks the embedded top-level domain list's own small
// parser against a YAML parser: the same entries, none lost.
func TestTLDLibParses(t *testing.T) {
	var doc map[string][]string
	if err := yaml.Unmarshal([]byte(tldLib), &doc); err != nil {
		t.Fatal(err)
	}
	want := append(append([]string(nil), doc["country"]...), doc["generic"]...)
	got := parseTLDLib(tldLib)
	if len(doc) != 2 || len(want) < 1500 || !equalStrings(got, want) {
		t.Errorf("parsed %d entries, YAML gives %d in %d lists", len(got), len(want), len(doc))
	}
	for _, tld := range []string{"com", "no", "off", "みんな", "рф", "co", "xyz"} {
		if _, ok := twitterTLDs().set[tld]; !ok {
			t.Errorf("%q is not in the set", tld)
		}
	}
}
