package schema

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParsePost feeds ParsePost arbitrary bytes: it must never panic,
// every finding must name the file and have a sane position, and the fast
// front-matter path must give what yaml.v3's gives.
func FuzzParsePost(f *testing.F) {
	seeds := []string{
		"---\ntitle: Hi\npublish_at: 2026-12-01T09:00:00\nto: [x, linkdin, x]\nmedia:\n  - {file: a.png}\nx:\n  text: |\n    a\n\n    ---\n\n    b\n---\nBody\n\n---\n\nMore\n",
		"+++\ntitle = \"a\"\nto = [\"x\"]\n[[media]]\nfile = \"a.png\"\n[x]\ntext = \"\"\"\nhi\"\"\"\n+++\nBody\n",
		"{\n  \"title\": \"a\",\n  \"to\": [\"x\", 3],\n  \"x\": {\"text\": \"yo\"}\n}\n\nBody\n",
		";;;\n{\"a\": [1, 2.5, null, true]}\n;;;\n",
		"---toml\na = 1\n---\n",
		"\ufeff---\r\nid: Bad/..\r\n---\r\n",
		"---\na: &a [*a]\n---\n",
		"---\n<<: {a: 1}\n? [a]\n: b\n---\n",
		"---\ntitle: a: b\n---\n",
		"+++\n[a\n+++\n",
		"{\n\"a\": 1,\n}\n",
		"---\nx\xff\n---\n",
		"\x00",
		"",
		"---\n",
		"{\n}\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
	})
}

// diffDeep is cmp.Diff (NaNs equal) for values that may nest deep:
// cmp's diff of nested lists takes time exponential in their depth, so
// equal values are told by reflect.DeepEqual first.
func diffDeep(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return cmp.Diff(want, got, cmpopts.EquateNaNs())
}

// checkParse parses data as a post file and checks what every parse must
// give, whatever the input: no panic, findings that name the file at a
// line of it, and, when there is a post, a hash and positions; the paths
// kept within their budget.
func checkParse(t *testing.T, data []byte) {
	t.Helper()
	cfg := testConfig()
	cfg.Timezone = time.FixedZone("test", -5*3600)
	const file = "posts/fuzz.md"
	p, errs := ParsePost(cfg, file, data)
	// The fast front-matter path gives what yaml.v3 gives, or stands
	// aside (frontmatter_fast.go).
	fastYAML = false
	slowPost, slowErrs := ParsePost(cfg, file, data)
	fastYAML = true
	if diff := diffDeep(slowErrs, errs); diff != "" {
		t.Fatalf("findings differ (-yaml.v3 +fast):\n%s", diff)
	}
	if diff := diffDeep(slowPost, p); diff != "" {
		t.Fatalf("posts differ (-yaml.v3 +fast):\n%s", diff)
	}
	// A lone CR ends a line too.
	lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 2
	for _, e := range errs {
		if e == nil || e.File != file || e.Line < 0 || e.Line > lines || e.Column < 0 || e.Message == "" {
			t.Fatalf("bad finding %#v", e)
		}
	}
	if p == nil {
		if len(errs) == 0 {
			t.Fatal("no post and no findings")
		}
		return
	}
	if p.File != file || p.Front == nil || len(p.Hash) != 64 || p.BodyLine < 1 {
		t.Fatalf("post %+v", p)
	}
	pathBytes := 0
	for path, pos := range p.Positions {
		if pos.File != file || pos.Line < 1 || pos.Line > lines {
			t.Fatalf("position %q = %+v", path, pos)
		}
		pathBytes += len(path)
	}
	if pathBytes > maxFrontPathBytes || len(p.Positions) > 2*maxFrontNodes+2*maxFrontKeys {
		t.Fatalf("%d positions, %d bytes of paths", len(p.Positions), pathBytes)
	}
}

// fuzzFormat fuzzes the front-matter of one format: the fuzzer writes
// what goes between the delimiters, so that it spends its time inside
// the format's decoder and position scanner rather than finding the
// delimiters.
func fuzzFormat(f *testing.F, open, close string, seeds []string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, front []byte) {
		src := append([]byte(open), front...)
		src = append(src, close...)
		checkParse(t, append(src, "Body [a](b) *c*\n"...))
	})
}

// FuzzFrontMatterYAML fuzzes YAML front-matter (---).
func FuzzFrontMatterYAML(f *testing.F) {
	fuzzFormat(f, "---\n", "\n---\n", []string{
		"title: Hi\nto: [x, bluesky]\nx:\n  text: |\n    a\n\n    ---\n",
		"a: &a [x, x]\nb: [*a, *a, *a]\n",
		"a: &a [*a]\n",
		"<<: {a: 1}\n? [a]\n: b\n",
		"publish_at: 2026-03-08T02:30:00\nid: a/b\ntags: [a, 'b', \"c\"]\n",
		"media:\n  - {file: a.png, alt: x}\n  - file: b.png\n",
		"k: " + strings.Repeat("[", 70) + strings.Repeat("]", 70),
		`"\0": "\0"`,
	})
}

// FuzzFrontMatterTOML fuzzes TOML front-matter (+++).
func FuzzFrontMatterTOML(f *testing.F) {
	fuzzFormat(f, "+++\n", "\n+++\n", []string{
		"title = \"a\"\nto = [\"x\"]\n[[media]]\nfile = \"a.png\"\n[x]\ntext = \"\"\"\nhi\"\"\"",
		"a.b.c = 1\n\"q.k\".d = 'e'\n[t]\ns = { u = [1, [2, {v = 3}]] }",
		"a = " + strings.Repeat("[", 70) + strings.Repeat("]", 70),
		"a = " + strings.Repeat("{b = ", 70) + "1" + strings.Repeat("}", 70),
		"[[a.b]]\n[[a.b]]\nc = 1\n[a]\nd = 2",
		"x = '''\n[not a table\n'''\ny = \"#\" # comment\n",
		"publish_at = 2026-12-01T09:00:00\nd = 2026-12-01\nt = 09:00:00",
	})
}

// FuzzFrontMatterJSON fuzzes JSON front-matter ({ ... }).
func FuzzFrontMatterJSON(f *testing.F) {
	fuzzFormat(f, "{\n", "\n}\n\n", []string{
		"\"title\": \"a\",\n\"to\": [\"x\", 3],\n\"x\": {\"text\": \"yo\"}",
		"\"a\": " + strings.Repeat("[", 70) + strings.Repeat("]", 70),
		`"a": "\ud800", "b": "\u0000"`,
		`"a": 1, "a": 2`,
		`"n": 1e400, "m": -0, "o": 12345678901234567890`,
	})
}
