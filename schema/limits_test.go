package schema

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// TestAtMatchesRuneCount checks the incremental position finder against
// the plain computation, for offsets in file order and at random.
func TestAtMatchesRuneCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "é", "\n", "日本", "😀", " ", "\t"}
	var b strings.Builder
	for range 5000 {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	b.WriteString(strings.Repeat("x", 3000)) // a long ASCII line
	src := []byte(b.String())
	naive := func(off int) Position {
		line, start := 1, 0
		for i := 0; i < off; i++ {
			if src[i] == '\n' {
				line, start = line+1, i+1
			}
		}
		return Position{File: "f", Line: line, Col: utf8.RuneCount(src[start:off]) + 1}
	}
	s := newParseState("f", src)
	var offs []int
	for off := 0; off <= len(src); off += 1 + rng.IntN(7) {
		offs = append(offs, off)
	}
	for range 500 {
		offs = append(offs, rng.IntN(len(src)+1))
	}
	for _, off := range offs {
		if got, want := s.at(off), naive(off); got != want {
			t.Fatalf("at(%d) = %+v, want %+v", off, got, want)
		}
	}
}

// TestWithoutPaths checks that dropping many paths in one walk gives what
// dropping them one by one would, copying only what changes.
func TestWithoutPaths(t *testing.T) {
	front := map[string]any{
		"a": map[string]any{"b": 1, "c": 2, "d": map[string]any{"e": 3}},
		"l": []any{map[string]any{"x": 1, "y": 2}, 5},
		"k": "kept",
	}
	got, changed := withoutPaths(front, [][]string{{"a", "b"}, {"a", "d", "e"}, {"l", "0", "y"}, {"l", "1"}, {"missing"}, {`"k"`}})
	want := map[string]any{
		"a": map[string]any{"c": 2, "d": map[string]any{}},
		"l": []any{map[string]any{"x": 1}, 5},
	}
	if !changed {
		t.Error("changed = false")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, ok := front["a"].(map[string]any)["b"]; !ok {
		t.Error("the input was changed")
	}
	if same, changed := withoutPaths(front, [][]string{{"nope"}, {"k", "x"}}); changed || len(same) != len(front) {
		t.Errorf("nothing to drop: changed = %v", changed)
	}
	// An ancestor dropped takes its descendants with it, in any order.
	got, _ = withoutPaths(front, [][]string{{"a", "d", "e"}, {"a"}, {"a", "c"}})
	if _, ok := got["a"]; ok {
		t.Errorf("a kept: %v", got)
	}
}

// TestPathSet checks near against its definition: in the set, or below
// or above a member.
func TestPathSet(t *testing.T) {
	var s pathSet
	s.add("x.text")
	s.add("media.0")
	for path, want := range map[string]bool{
		"x.text": true, "x": true, "x.text.more": true, "media": true, "media.0.file": true,
		"media.1": false, "xx": false, "x.te": false, "title": false, "": false,
	} {
		if got := s.near(path); got != want {
			t.Errorf("near(%q) = %v, want %v", path, got, want)
		}
	}
}

// TestParsePostSizeLimit checks that bytes over MaxPostSize are refused
// however they came, not only by ReadPost.
func TestParsePostSizeLimit(t *testing.T) {
	src := "---\ntitle: a\n---\n" + strings.Repeat("a", MaxPostSize)
	p, errs := ParsePost(testConfig(), testFile, []byte(src))
	want := Errors{{File: testFile, Severity: SeverityError, Message: "post is 1.0 MiB; the limit is 1 MiB"}}
	if p != nil || !cmp.Equal(want, errs) {
		t.Errorf("post %v, findings %v", p != nil, errs)
	}
}

// TestIDLength checks that an id, written or given by the file's path, is
// held to MaxIDLength, at its line.
func TestIDLength(t *testing.T) {
	long := strings.Repeat("a", MaxIDLength+1)
	_, errs := ParsePost(testConfig(), testFile, []byte("---\ntitle: a\nid: "+long+"\n---\nBody\n"))
	want := Errors{e(3, 1, "id", "the id is 201 characters long; ids name files (.herald/state/<id>.json) and are at most 200")}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("written id (-want +got):\n%s", diff)
	}
	file := "posts/" + long + ".md"
	_, errs = ParsePost(testConfig(), file, []byte("---\ntitle: a\n---\nBody\n"))
	if len(errs) != 1 || errs[0].Line != 1 || !strings.Contains(errs[0].Message, "is 201 characters long, and ids are at most 200 (they name files); rename the file or set id") {
		t.Errorf("id from the path: %v", errs)
	}
	if _, errs := ParsePost(testConfig(), testFile, []byte("---\nid: "+long[:MaxIDLength]+"\n---\nBody\n")); len(errs) != 0 {
		t.Errorf("an id of %d characters: %v", MaxIDLength, errs)
	}
}

// TestDecodedControlText checks that NUL and U+FFFD a decoder leaves in a
// value (from escapes, which a file check cannot see) are findings at the
// value, in every format.
func TestDecodedControlText(t *testing.T) {
	tests := []struct {
		name, src string
		want      Errors
	}{
		{"YAML NUL", "---\ntitle: \"a\\0b\"\n---\nBody\n",
			Errors{e(2, 1, "title", `the value holds a NUL character (\0) at character 2: remove it`)}},
		{"JSON lone surrogate", "{\n\"title\": \"ok\",\n\"tags\": [\"x\", \"\\ud800y\"]\n}\n\nBody\n",
			Errors{e(3, 15, "tags.1", `the value holds U+FFFD at character 1, the mark of text lost in a conversion (a lone surrogate such as \ud800 becomes one): write the character meant`)}},
		{"TOML NUL in a key", "+++\n\"a\\u0000\" = 1\n+++\nBody\n",
			Errors{e(2, 1, "a\x00", `the key holds a NUL character (\0) at character 2: remove it`)}},
		{"literal U+FFFD", "---\nx:\n  text: \"caf\uFFFD\"\n---\nBody\n",
			Errors{e(3, 3, "x.text", `the value holds U+FFFD at character 4, the mark of text lost in a conversion (a lone surrogate such as \ud800 becomes one): write the character meant`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParsePost(testConfig(), testFile, []byte(tt.src))
			var got Errors
			for _, e := range errs {
				if strings.Contains(e.Message, "NUL") || strings.Contains(e.Message, "U+FFFD") {
					got = append(got, e)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestControlCharactersEscaped checks that a finding prints a file name or
// a value with control characters escaped, and that such a file name is
// itself a finding.
func TestControlCharactersEscaped(t *testing.T) {
	file := "posts/a\nb\x1b[31m\u202e.md"
	_, errs := ParsePost(testConfig(), file, []byte("---\ntitle: \"x\\0\"\nid: ab\n---\nBody\n"))
	var lines []string
	for _, e := range errs {
		lines = append(lines, e.Error())
	}
	want := []string{
		`posts/a\nb\x1b[31m\u202e.md: the file name holds a control or bidirectional character: rename the file`,
		`posts/a\nb\x1b[31m\u202e.md:2:1: title: the value holds a NUL character (\0) at character 2: remove it`,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestPublishAtYears checks that a year herald cannot plan with is a
// finding, in every form publish_at takes.
func TestPublishAtYears(t *testing.T) {
	cfg := testConfig()
	cfg.Timezone = time.UTC
	for src, want := range map[string]string{
		"0001-01-01T00:00:00Z":      "the year 0001 is out of range: write a time between 1970 and 2199",
		"9999-12-31T23:59:59+01:00": "the year 9999 is out of range: write a time between 1970 and 2199",
		"9999-12-31":                "the year 9999 is out of range: write a time between 1970 and 2199",
		"1969-12-31 23:00":          "the year 1969 is out of range: write a time between 1970 and 2199",
		"2199-12-31T23:59:59Z":      "",
		"1970-01-01":                "",
	} {
		p, errs := ParsePost(cfg, testFile, []byte("---\npublish_at: \""+src+"\"\n---\nBody\n"))
		switch {
		case want == "" && len(errs) != 0:
			t.Errorf("%s: %v", src, errs)
		case want != "" && (len(errs) != 1 || errs[0].Message != want || errs[0].Line != 2 || p.PublishAt != nil):
			t.Errorf("%s: %v, want %q at line 2 and no time", src, errs, want)
		}
	}
}
