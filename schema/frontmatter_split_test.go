package schema

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSplitFrontMatterMatchesAdrg: cutting the front-matter without
// adrg/frontmatter gives the split and the findings that asking it gives,
// on the fuzz corpus, the corpora's posts, and variations of their
// delimiters and of the lines around them.
func TestSplitFrontMatterMatchesAdrg(t *testing.T) {
	inputs := fastInputs(t)
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		if strings.Count(name, "/") <= 1 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	edits := []struct {
		old, new string
	}{
		{"---\n", "--- \n"}, {"---\n", " ---\n"}, {"---\n", "---\t\n"}, {"---\n", "---\r\n"},
		{"---\n", "----\n"}, {"---\n", "---\n\n"}, {"---\n", "\n---\n"}, {"---\n", "---yaml\n"},
		{"---\n", "---toml\n"}, {"---\n", "---json\n"}, {"---\n", "+++\n"}, {"---\n", ";;;\n"},
		{"---\n", "{\n"}, {"---\n", "}\n\n"}, {"---\n", "\u00a0---\n"}, {"---\n", "---\u0085\n"},
		{"---\n", "---"}, {"---\n", ""}, {"\n", "\n   \n"}, {"\n", "\t\n"},
	}
	n := 0
	check := func(name string, data []byte) {
		n++
		fast := newParseState("posts/a.md", data)
		gotSplit, gotOK := fast.splitFrontMatter()
		ref := newParseState("posts/a.md", data)
		open, lineEnd, first := openingLine(data)
		wantSplit, wantOK := ref.splitFrontMatterAdrg(open, lineEnd, first)
		if gotOK != wantOK {
			t.Errorf("%s: ok %v, adrg/frontmatter's path %v\n%q", name, gotOK, wantOK, data)
			return
		}
		if diff := cmp.Diff(fmt.Sprintf("%+v", wantSplit), fmt.Sprintf("%+v", gotSplit)); diff != "" {
			t.Errorf("%s: splits differ (-adrg +quick):\n%s", name, diff)
		}
		if diff := diffDeep(ref.errs, fast.errs); diff != "" {
			t.Errorf("%s: findings differ (-adrg +quick):\n%s", name, diff)
		}
	}
	for i, name := range names {
		data := inputs[name]
		check(name, data)
		if i%3 != 0 {
			continue
		}
		// Each edit at each of the first places it applies (the opening
		// and the closing delimiters, the lines after).
		for j, e := range edits {
			for k, at := 0, 0; k < 3; k++ {
				off := strings.Index(string(data[at:]), e.old)
				if off < 0 {
					break
				}
				off += at
				mod := string(data[:off]) + e.new + string(data[off+len(e.old):])
				check(fmt.Sprintf("%s/edit%d@%d", name, j, off), []byte(mod))
				at = off + len(e.old)
			}
		}
	}
	t.Logf("%d inputs", n)
}

// TestParseStateLines: the line starts and ASCII flags of a file are the
// ones a byte-by-byte reading gives.
func TestParseStateLines(t *testing.T) {
	ref := func(src []byte) ([]int, []bool) {
		lines, ascii := []int{0}, []bool{true}
		for i, c := range src {
			switch {
			case c == '\n':
				lines = append(lines, i+1)
				ascii = append(ascii, true)
			case c >= 0x80:
				ascii[len(ascii)-1] = false
			}
		}
		return lines, ascii
	}
	rng := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"a", "bcdefghij", "\n", "\n\n", "é", "\xff", "日本", " ", "0123456789abcdef"}
	for range 20000 {
		var b strings.Builder
		for n := rng.IntN(12); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		src := []byte(b.String())
		s := newParseState("posts/a.md", src)
		lines, ascii := ref(src)
		if !reflect.DeepEqual(s.lines, lines) || !reflect.DeepEqual(s.ascii, ascii) {
			t.Fatalf("%q: lines %v ascii %v, want %v %v", src, s.lines, s.ascii, lines, ascii)
		}
	}
}
