package schema

import (
	"testing"
	"time"
)

// FuzzParsePost feeds ParsePost arbitrary bytes: it must never panic, and
// every finding must name the file and have a sane position.
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
	loc := time.FixedZone("test", -5*3600)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := testConfig()
		cfg.Timezone = loc
		const file = "posts/fuzz.md"
		p, errs := ParsePost(cfg, file, data)
		for _, e := range errs {
			if e == nil || e.File != file || e.Line < 0 || e.Column < 0 || e.Message == "" {
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
		for path, pos := range p.Positions {
			if pos.File != file || pos.Line < 1 {
				t.Fatalf("position %q = %+v", path, pos)
			}
		}
	})
}
