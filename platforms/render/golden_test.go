package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/heraldhq/herald/schema"
)

// goldenPlatforms get one golden file each.
var goldenPlatforms = []string{"x", "bluesky", "mastodon", "threads", "linkedin", "instagram"}

func loadInputs(t *testing.T) []txtar.File {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", "inputs.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	return ar.Files
}

// checkGolden compares got with testdata/name, rewriting it when UPDATE is
// set.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// describe prints an output: each part's measures, text and facets, with
// the bytes each facet covers.
func describe(o *Output) string {
	var b strings.Builder
	for i, p := range o.Parts {
		fmt.Fprintf(&b, "--- part %d line=%d length=%d bytes=%d\n%s\n", i+1, p.Line, p.Length, p.Bytes, p.Text)
		for _, f := range p.Facets {
			fmt.Fprintf(&b, "facet %s [%d,%d) %q -> %s\n", f.Type, f.Start, f.End, p.Text[f.Start:f.End], f.Value)
		}
	}
	return b.String()
}

func postFromMarkdown(src string) *schema.Post {
	return &schema.Post{File: "posts/p.md", BodyLine: 5, Markdown: src, Body: schema.ParseMarkdown([]byte(src), 5)}
}

func TestGolden(t *testing.T) {
	inputs := loadInputs(t)
	for _, platform := range goldenPlatforms {
		t.Run(platform, func(t *testing.T) {
			var b strings.Builder
			for _, f := range inputs {
				p := postFromMarkdown(string(f.Data))
				o, err := Render(p, schema.Target{Name: platform, Platform: platform}, schema.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "=== %s\n%s\n", f.Name, describe(o))
			}
			checkGolden(t, platform+".golden", b.String())
		})
	}
	t.Run("html", func(t *testing.T) {
		var b strings.Builder
		for _, f := range inputs {
			fmt.Fprintf(&b, "=== %s\n%s\n", f.Name, HTML(schema.ParseMarkdown(f.Data, 1)))
		}
		checkGolden(t, "html.golden", b.String())
	})
}
