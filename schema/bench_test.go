package schema

import (
	"io/fs"
	"os"
	"testing"

	"github.com/heraldhq/herald/internal/corpus"
)

// typicalPost is the shape of most posts: YAML front-matter with a few
// keys and a list, and a few paragraphs.
var typicalPost = []byte(`---
title: Launching v2 of the dashboard
publish_at: 2026-12-01T09:00:00-05:00
to: [bluesky, mastodon, x, linkedin]
tags: [launch, product]
campaign: q4-launch
media:
  - file: hero.png
    alt: Screenshot of the new dashboard
x:
  text: "Short override for X: https://example.com/v2"
---
We have been working on **v2** for a year, and today it is out.

The new dashboard loads in half the time, shows every account on one page,
and finally has a dark mode. Read the [release notes](https://example.com/v2).

---

Thanks to everyone who tried the beta and sent us feedback: you made it
better. Tell us what you think at https://example.com/feedback.
`)

func BenchmarkParsePost(b *testing.B) {
	cfg := testConfig()
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalPost)))
	for b.Loop() {
		if _, errs := ParsePost(cfg, "posts/2026/launch.md", typicalPost); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkParsePostLongForm parses 200 posts of the long-form corpus
// (blog-length bodies, overrides with their own text) per op, with the
// corpus's own configuration: the parsing half of validate's time there.
func BenchmarkParsePostLongForm(b *testing.B) {
	dir := b.TempDir()
	if err := corpus.Generate(dir, corpus.LongForm(200)); err != nil {
		b.Fatal(err)
	}
	fsys := os.DirFS(dir)
	cfg, err := LoadConfig(fsys)
	if err != nil {
		b.Fatal(err)
	}
	type post struct {
		file string
		data []byte
	}
	var posts []post
	size := 0
	err = Walk(b.Context(), fsys, cfg, func(file string) error {
		data, err := fs.ReadFile(fsys, file)
		posts = append(posts, post{file, data})
		size += len(data)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, p := range posts {
			if _, errs := ParsePost(cfg, p.file, p.data); errs.HasErrors() {
				b.Fatal(errs)
			}
		}
	}
}
