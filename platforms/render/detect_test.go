package render

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tagRE is the definition findTags follows.
var tagRE = regexp.MustCompile(`(?:^|[\s(\[{])([#＃])([\p{L}\p{M}\p{N}_]+)`)

// tagsByRE is findTags done with tagRE.
func tagsByRE(text string) []tagMatch {
	var out []tagMatch
	for _, m := range tagRE.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, tagMatch{start: m[2], sign: m[3] - m[2], end: m[5]})
	}
	return out
}

func TestFindTags(t *testing.T) {
	tests := []struct {
		name, text string
	}{
		{"empty", ""},
		{"start", "#go is fun"},
		{"after space", "ship it #launch today"},
		{"after brackets", "(#a) [#b] {#c}"},
		{"glued", "a#b #c#d"},
		{"double sign", "##a # b"},
		{"fullwidth", "新しい ＃タグ と #tag"},
		{"marks and digits", "#café #e\u0301t\u00e9 #2026 #a_1"},
		{"punctuation ends", "#tag, #tag. #tag-more #tag's"},
		{"other spaces", "\t#a\n#b\f#c\r#d\v#e\u00a0#f"},
		{"invalid UTF-8", "#a\xff #\xffb #c\xff"},
		{"sign at end", "end #"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tagsByRE(tt.text), findTags(tt.text), cmp.AllowUnexported(tagMatch{})); diff != "" {
				t.Errorf("findTags(%q) (-regexp +findTags):\n%s", tt.text, diff)
			}
		})
	}
}

// TestFindTagsRandom compares findTags with its regular expression on
// random texts made of the characters that matter to it.
func TestFindTagsRandom(t *testing.T) {
	pieces := []string{"#", "＃", " ", "\t", "\n", "\v", "\u00a0", "(", "[", "{", ")", "a", "Z", "é", "\u0301", "7", "٣",
		"_", "-", ".", "@", "x", "新", "😀", "\xff", "\xe3\x80", "#tag", " #t"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(16) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		if diff := cmp.Diff(tagsByRE(text), findTags(text), cmp.AllowUnexported(tagMatch{})); diff != "" {
			t.Fatalf("findTags(%q) (-regexp +findTags):\n%s", text, diff)
		}
	}
}

// TestHasPrefixASCIIFold compares the scheme check with lower-casing the
// start of the text, as it was once done.
func TestHasPrefixASCIIFold(t *testing.T) {
	pieces := []string{"h", "H", "t", "T", "p", "P", "s", "S", ":", "/", "K", "\u212a", "İ", "ſ", "\xe3", "x"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var b strings.Builder
		for range r.IntN(10) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if r.IntN(2) == 0 {
			b.Reset()
			b.WriteString([]string{"http://", "HTTPS://", "hTtPs:/", "https:", "Http://"}[r.IntN(5)])
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		lower := strings.ToLower(s[:min(len(s), 8)])
		for _, prefix := range []string{"https://", "http://"} {
			if got, want := hasPrefixASCIIFold(s, prefix), strings.HasPrefix(lower, prefix); got != want {
				t.Fatalf("hasPrefixASCIIFold(%q, %q) = %v, want %v", s, prefix, got, want)
			}
		}
	}
}

// TestAtRegexpFindAll checks the mention expressions matched at each @
// against the same expressions run over the whole text.
func TestAtRegexpFindAll(t *testing.T) {
	pieces := []string{"@", "@", "a", "Z", "9", "_", ".", "-", "/", "(", " ", "\n", "\u00a0", "\u3000", "\ufeff", "é", "日本",
		"ſ", "\u212a", "user", "host.social", "bsky.app", "@x.org", "\xff", "example.com", "(@", " @"}
	r := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(14) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		for name, re := range map[string]*atRegexp{"handle": handleRE, "fedi": fediRE, "user": userRE, "atproto": atprotoMentionRE} {
			if got, want := re.findAll(text), re.full.FindAllStringSubmatchIndex(text, -1); !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%s.findAll(%q) = %v, want %v", name, text, got, want)
			}
		}
	}
}
