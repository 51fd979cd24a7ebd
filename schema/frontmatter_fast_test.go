package schema

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/internal/corpus"
	"gopkg.in/yaml.v3"
)

// fastInputs are post files for TestFastYAMLMatches: the fuzz corpus and
// seeds, posts of the benchmark and long-form corpora, and variations of
// those that sit on either side of what the fast path reads.
func fastInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	fuzzDir := filepath.Join("testdata", "fuzz", "FuzzParsePost")
	entries, err := os.ReadDir(fuzzDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(fuzzDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		_, lit, ok := strings.Cut(string(data), "[]byte(")
		if !ok {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(lit), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		in["fuzz/"+e.Name()] = []byte(s)
	}
	for name, opts := range map[string]corpus.Options{"defaults": corpus.Defaults(300), "longform": corpus.LongForm(300)} {
		dir := t.TempDir()
		if err := corpus.Generate(dir, opts); err != nil {
			t.Fatal(err)
		}
		err := filepath.WalkDir(filepath.Join(dir, "posts"), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
				return err
			}
			data, err := os.ReadFile(path)
			in[name+"/"+filepath.Base(path)] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Variations on one line of the front-matter of some posts.
	edits := []func(string) string{
		func(l string) string { return l + " # a comment" },
		func(l string) string { return l + " #launch" },
		func(l string) string { return l + "  " },
		func(l string) string { return l + "\t" },
		func(l string) string { return "  " + l },
		func(l string) string { return l + "\n" },
		func(l string) string { return "# note\n" + l },
		func(l string) string { return strings.Replace(l, ": ", ":  ", 1) },
		func(l string) string { return strings.Replace(l, ": ", ":", 1) },
		func(l string) string { return strings.Replace(l, ": ", " : ", 1) },
		func(l string) string { return strings.Replace(l, "[", "[ ", 1) },
		func(l string) string { return strings.Replace(l, "]", ",]", 1) },
		func(l string) string { return strings.Replace(l, ", ", ",", -1) },
		func(l string) string { return strings.Replace(l, "\"", "'", -1) },
		func(l string) string { return strings.Replace(l, "\\n", "\\r", 1) },
		func(l string) string { return strings.Replace(l, "\\n", "\\u00e9", 1) },
		func(l string) string { return strings.Replace(l, "\"", "\"é\\\"", 1) },
		func(l string) string { return strings.Replace(l, "auto", "true", 1) },
		func(l string) string { return strings.Replace(l, "auto", "null", 1) },
		func(l string) string { return strings.Replace(l, "auto", "2026", 1) },
		func(l string) string { return strings.Replace(l, "auto", "0x1F", 1) },
		func(l string) string { return strings.Replace(l, "auto", "yes", 1) },
		func(l string) string { return strings.Replace(l, "auto", "a: b", 1) },
		func(l string) string { return strings.Replace(l, "auto", "a:b", 1) },
		func(l string) string { return strings.Replace(l, "auto", "~", 1) },
		func(l string) string { return strings.Replace(l, "auto", ".inf", 1) },
		func(l string) string { return strings.Replace(l, "auto", ".5", 1) },
		func(l string) string { return strings.Replace(l, "auto", "...", 1) },
		func(l string) string { return strings.Replace(l, "auto", "/a b", 1) },
		func(l string) string { return strings.Replace(l, "../", "-../", 1) },
		func(l string) string { return strings.Replace(l, "x,", ".nan,", 1) },
		func(l string) string { return strings.Replace(l, "T", " ", 1) },
		func(l string) string { return strings.Replace(l, ":00-", ":00.5-", 1) },
		func(l string) string { return strings.Replace(l, "-0", "+0", 1) },
		func(l string) string { return strings.Replace(l, "-05:00", "", 1) },
		func(l string) string { return strings.Replace(l, "-05:00", "Z", 1) },
		func(l string) string { return strings.Replace(l, "x", "x, x", 1) },
		func(l string) string { return strings.Replace(l, "title", "to", 1) },
		func(l string) string { return strings.Replace(l, "  - ", "- ", 1) },
		func(l string) string { return strings.Replace(l, "  - ", "  -  ", 1) },
		func(l string) string { return strings.Replace(l, "    alt", "   alt", 1) },
		func(l string) string { return strings.Replace(l, "    alt", "     alt", 1) },
		func(l string) string { return strings.Replace(l, "  text", "   text", 1) },
		func(l string) string { return strings.Replace(l, "  text: ", "  text:\n    ", 1) },
		func(l string) string { return strings.Replace(l, "file: ", "file: &a ", 1) },
		func(l string) string { return strings.Replace(l, ".png", ".png\u2028", 1) },
		func(l string) string { return strings.Replace(l, "e", "\u0085", 1) },
		func(l string) string { return strings.Replace(l, "e", "\x7f", 1) },
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	n, per := 0, map[string]int{}
	for _, name := range names {
		data := in[name]
		set := strings.SplitN(name, "/", 2)[0]
		if per[set] >= 150 || !bytes.HasPrefix(data, []byte("---\n")) {
			continue
		}
		per[set]++
		n++
		end := bytes.Index(data[4:], []byte("\n---\n"))
		if end < 0 {
			continue
		}
		lines := strings.Split(string(data[4:4+end]), "\n")
		for i := range lines {
			for j, edit := range edits {
				if (i+j+n)%7 != 0 {
					continue // a sample of the combinations
				}
				mod := append([]string(nil), lines...)
				mod[i] = edit(mod[i])
				in[fmt.Sprintf("%s/line%d/edit%d", name, i, j)] = []byte("---\n" + strings.Join(mod, "\n") + string(data[4+end:]))
			}
		}
	}
	// Shapes the corpora do not hold: the node limit on either side,
	// texts under variants and overrides in every form, duplicates.
	list := "[" + strings.TrimSuffix(strings.Repeat("w, ", fastMaxItems), ", ") + "]"
	for _, keys := range []int{150, 153, 154, 160, 200} {
		var b strings.Builder
		b.WriteString("---\nto: x\n")
		for k := range keys {
			fmt.Fprintf(&b, "k%d: %s\n", k, list)
		}
		b.WriteString("---\nBody.\n")
		in[fmt.Sprintf("nodes/%d", keys)] = []byte(b.String())
	}
	for i, fm := range []string{
		"to: x\nvariants:\n  - name: a\n    text: hello\n  - name: b\n    text: \"more\\n\"\n",
		"to: x\nvariants:\n  - text: hello\n    name: a\n",
		"to: x\nx:\n  text:\n    - a\n    - b\n",
		"to: x\nx:\n  text: [a, b]\n",
		"to: x\nx:\n  alt: a\n  text: b\n  text: c\n",
		"to: x\nto: x\n",
		"to: x\n<<: x\n",
		"to: x\na.b: x\n",
		"to: x\nmedia:\n  - file: a.png\n    alt: A\n  - b.png\n",
		"to: x\nmedia:\n  - file: a.png\n    file: b.png\n",
		"to: x\ntext: top\n",
		"to: x\nx:\n  text: \"\"\n",
		"to: [x, linkedin]\nlinkedin:\n  text: 2026-01-02\n",
		"to: x\npublish_at: 2026-12-01 09:00:00\n",
		"to: x\npublish_at: 2026-12-01\n",
		"to: x\npublish_at: 2026-12-01T09:00:00.5Z\n",
		"to: x\ntitle: 1.5.2\ntags: [v1.5, 2x]\n",
		"to: x\npublish_at: 2026-12-01T09:00:00+00:00\n",
		"to: x\npublish_at: 2026-12-01T09:00:00-00:00\n",
		"to: x\npublish_at: 2026-02-30T09:00:00-05:00\n",
		"to: x\npublish_at: 2026-12-01T24:00:00Z\n",
		"to: x\npublish_at: 2026-12-01T23:59:60Z\n",
		"to: x\npublish_at: 2026-12-01T09:00:00+25:00\n",
		"to: x\npublish_at: 2026-12-01T09:00:00+05:99\n",
		"to: x\npublish_at: 0000-01-01T00:00:00Z\n",
		"to: x\npublish_at: 9999-12-31T23:59:59+14:00\n",
		"to: x\npublish_at: 2026-12-01t09:00:00Z\n",
		"to: x\npublish_at: 2026-12-01T09:00:00z\n",
		"to: x\npublish_at: 2026-12-01T9:00:00-05:00\n",
		"to: x\npublish_at: 2026-13-01T09:00:00-05:00\n",
		"to: x\ntitle: 2026-12-01T09:00:00-05:00\n",
		"to: x\ntitle: \"a\uFFFDb\"\n",
		"to: x\ntitle: a\uFFFDb\n",
		"to: x\nx:\n  text: \"\uFFFD\"\n",
		"to: x\ntags: [a, \uFFFD]\n",
		"to: x\ntitle: \"a\\tb\\nc\"\n",
	} {
		in[fmt.Sprintf("shapes/%d", i)] = []byte("---\n" + fm + "---\nBody.\n")
	}
	// Hostile sizes and encodings: a line past fastMaxLineLen, more lines
	// than fastMaxLines, a body at the size limit, CRLF and a byte order
	// mark, tabs, invalid UTF-8, anchors and aliases.
	long := "to: x\ntitle: " + strings.Repeat("word ", fastMaxLineLen/5+1) + "\n"
	var many strings.Builder
	many.WriteString("to: x\n")
	for k := range fastMaxLines + 1 {
		fmt.Fprintf(&many, "k%d: v\n", k)
	}
	for name, src := range map[string]string{
		"hostile/longline":  "---\n" + long + "---\nBody.\n",
		"hostile/manylines": "---\n" + many.String() + "---\nBody.\n",
		"hostile/bigbody":   "---\nto: x\ntitle: big\n---\n" + strings.Repeat("A paragraph of words, https://example.com and *marks*.\n\n", MaxPostSize/60),
		"hostile/crlfbom":   "\xef\xbb\xbf---\r\nto: x\r\ntitle: \"a\"\r\ntags: [a, b]\r\n---\r\nBody.\r\n",
		"hostile/tab":       "---\nto: x\ntitle:\ta\n---\nBody.\n",
		"hostile/badutf8":   "---\nto: x\ntitle: \"a\xffb\"\n---\nBody.\n",
		"hostile/anchor":    "---\nto: x\ntitle: &t a\ncampaign: *t\n---\nBody.\n",
		"hostile/dupes":     "---\nto: x\ntitle: a\ntitle: b\n---\nBody.\n",
	} {
		in[name] = []byte(src)
	}
	return in
}

// TestFastYAMLMatches: the fast front-matter path decodes what yaml.v3's
// nodes decode to, value for value, position for position, and ParsePost
// gives the same post, findings and positions, on every input; it
// leaves the parse state as it was when it declines; and it does read
// the corpora's posts.
func TestFastYAMLMatches(t *testing.T) {
	inputs := fastInputs(t)
	cfg := testConfig()
	cfg.Timezone = time.FixedZone("test", -5*3600)
	for _, a := range []string{"threads"} {
		cfg.Accounts[a] = &Account{Name: a, Platform: a}
	}
	fast := map[string]int{}
	for name, data := range inputs {
		src, nerr := normalise("posts/a.md", data)
		if nerr != nil {
			src = data
		}
		got := newParseState("posts/a.md", src)
		if sp, ok := got.splitFrontMatter(); ok && sp.format.lang == "yaml" {
			got.pos[""] = got.at(sp.open)
			if got.fastDecodeYAML(sp.raw, sp.start) {
				if strings.Count(name, "/") == 1 {
					fast[strings.SplitN(name, "/", 2)[0]]++ // a post as generated
				}
				if err := yaml.Unmarshal(sp.raw, &yaml.Node{}); err != nil {
					t.Errorf("%s: the fast path read what yaml.v3 refuses (%v):\n%s", name, err, sp.raw)
					continue
				}
				want := newParseState("posts/a.md", src)
				want.pos[""] = want.at(sp.open)
				fastYAML = false
				want.decodeYAML(sp.raw, sp.start)
				fastYAML = true
				if diff := cmp.Diff(want.front, got.front); diff != "" {
					t.Errorf("%s: values differ (-yaml.v3 +fast):\n%s\n%s", name, diff, sp.raw)
				}
				if diff := cmp.Diff(want.pos, got.pos); diff != "" {
					t.Errorf("%s: positions differ (-yaml.v3 +fast):\n%s\n%s", name, diff, sp.raw)
				}
				if diff := cmp.Diff(want.textLine, got.textLine); diff != "" {
					t.Errorf("%s: text lines differ (-yaml.v3 +fast):\n%s\n%s", name, diff, sp.raw)
				}
				if diff := diffDeep(want.errs, got.errs); diff != "" {
					t.Errorf("%s: findings differ (-yaml.v3 +fast):\n%s\n%s", name, diff, sp.raw)
				}
				if got.textClean {
					got.checkText(got.front, "", 0)
					if got.errs != nil {
						t.Errorf("%s: the fast path said the text was clean, and checkText finds %v", name, got.errs)
					}
				}
			} else if len(got.pos) != 1 || got.textLine != nil || got.front != nil || got.errs != nil || got.nodes != 0 {
				t.Errorf("%s: the fast path declined but left %d positions, text lines %v, findings %v", name, len(got.pos), got.textLine, got.errs)
			}
		}
		fastYAML = false
		wantPost, wantErrs := ParsePost(cfg, "posts/a.md", data)
		fastYAML = true
		gotPost, gotErrs := ParsePost(cfg, "posts/a.md", data)
		if diff := diffDeep(wantErrs, gotErrs); diff != "" {
			t.Errorf("%s: findings differ (-yaml.v3 +fast):\n%s", name, diff)
		}
		if diff := diffDeep(wantPost, gotPost); diff != "" {
			t.Errorf("%s: posts differ (-yaml.v3 +fast):\n%s", name, diff)
		}
	}
	t.Logf("%d inputs; posts as generated read by the fast path: %v", len(inputs), fast)
	if fast["defaults"] < 290 || fast["longform"] < 290 {
		t.Errorf("the fast path read %v of 300 posts of each corpus; want nearly all", fast)
	}
}

// TestCanonicalTime: a plain word canonicalTime takes is what yaml.v3
// and yamlScalar make of it, on random digits in every field and every
// zone form, valid times and not.
func TestCanonicalTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	zones := []string{"Z", "z", "+00:00", "-00:00", "+05:30", "-05:00", "+14:00", "-12:00", "+25:00", "+05:99", "+0530", ""}
	took := 0
	for i := 0; i < 200000; i++ {
		b := []byte("2026-12-01T09:00:00")
		for j := range b {
			if b[j] >= '0' && b[j] <= '9' && rng.IntN(3) == 0 {
				b[j] = byte('0' + rng.IntN(10))
			}
		}
		s := string(b) + zones[rng.IntN(len(zones))]
		if !canonicalTime([]byte(s)) {
			continue
		}
		took++
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
		if got := yamlScalar(n); got != s {
			t.Fatalf("%s: yaml.v3 and yamlScalar give %v (%s)", s, got, n.ShortTag())
		}
	}
	if took < 50000 {
		t.Errorf("canonicalTime took only %d words", took)
	}
}
