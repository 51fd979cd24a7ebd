package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/corpus"
	"github.com/heraldhq/herald/schema"
)

// longFormPosts generates n posts of the long-form corpus and parses
// them: blog-length bodies with thread: auto, cross-posted to one to four
// accounts, some with an account's own text.
func longFormPosts(tb testing.TB, n int) []*schema.Post {
	tb.Helper()
	dir := tb.TempDir()
	if err := corpus.Generate(dir, corpus.LongForm(n)); err != nil {
		tb.Fatal(err)
	}
	fsys := os.DirFS(dir)
	cfg, err := schema.LoadConfig(fsys)
	if err != nil {
		tb.Fatal(err)
	}
	var posts []*schema.Post
	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		data, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			return err
		}
		p, errs := schema.ParsePost(cfg, path, data)
		if p == nil {
			tb.Fatalf("%s: %v", path, errs)
		}
		posts = append(posts, p)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return posts
}

// BenchmarkRenderLongForm renders 200 posts of the long-form corpus for
// each of their targets, one Renderer a post, as validation does: the
// render share of validating that corpus.
func BenchmarkRenderLongForm(b *testing.B) {
	posts := longFormPosts(b, 200)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range posts {
			var r Renderer
			for _, t := range p.To {
				if _, err := r.Render(p, t, benchLimits[t.Platform]); err != nil {
					b.Fatal(err)
				}
			}
			r.Release()
		}
	}
}
