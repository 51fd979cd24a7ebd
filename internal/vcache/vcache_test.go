package vcache

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/schema"
)

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hero.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := openRoot(t, dir)
	fsys := root.FS()

	c := Open(root, "k1")
	if _, ok := c.Lookup(fsys, "posts/a.md", Sum([]byte("a"))); ok {
		t.Fatal("empty cache hit")
	}
	want := Entry{Sum: Sum([]byte("a")), Summary: &schema.Summary{ID: "a", File: "posts/a.md"},
		Errors: schema.Errors{{File: "posts/a.md", Line: 2, Column: 1, Field: "to", Message: "bad", Severity: schema.SeverityError}},
		Deps:   StatDeps(fsys, []string{"hero.png", "missing.png"})}
	c.Store("posts/a.md", want)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if ignore, err := os.ReadFile(filepath.Join(dir, Dir, ".gitignore")); err != nil || string(ignore) == "" {
		t.Fatalf("cache folder not ignored: %q, %v", ignore, err)
	}

	tests := []struct {
		name   string
		key    string
		sum    string
		touch  bool
		wantOK bool
	}{
		{name: "hit", key: "k1", sum: Sum([]byte("a")), wantOK: true},
		{name: "file changed", key: "k1", sum: Sum([]byte("b")), wantOK: false},
		{name: "schema changed", key: "k2", sum: Sum([]byte("a")), wantOK: false},
		{name: "media changed", key: "k1", sum: Sum([]byte("a")), touch: true, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.touch {
				later := time.Now().Add(time.Hour)
				if err := os.Chtimes(filepath.Join(dir, "hero.png"), later, later); err != nil {
					t.Fatal(err)
				}
			}
			c := Open(root, tt.key)
			got, ok := c.Lookup(fsys, "posts/a.md", tt.sum)
			if ok != tt.wantOK {
				t.Fatalf("Lookup ok = %v, want %v", ok, tt.wantOK)
			}
			if ok {
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("entry (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCacheDropsGoneFilesAndIgnoresGarbage(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	c := Open(root, "k")
	c.Store("posts/a.md", Entry{Sum: "1"})
	c.Store("posts/b.md", Entry{Sum: "2"})
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	// Next run sees only a.md.
	c = Open(root, "k")
	if _, ok := c.Lookup(root.FS(), "posts/a.md", "1"); !ok {
		t.Fatal("a.md missed")
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = Open(root, "k")
	if _, ok := c.Lookup(root.FS(), "posts/b.md", "2"); ok {
		t.Fatal("entry of a file no longer in the tree survived")
	}

	if err := os.WriteFile(filepath.Join(dir, Dir, fileName), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	c = Open(root, "k")
	if _, ok := c.Lookup(root.FS(), "posts/a.md", "1"); ok {
		t.Fatal("hit from a corrupt cache")
	}
}

// blobID is what a git tree's FileInfo.Sys offers (internal/gitfs).
type blobID string

func (b blobID) ContentID() string { return string(b) }

// TestTreeCacheKeysByContentID is the cache of posts read from a commit:
// a post and its media are known by their blob IDs, so that a lookup
// reads nothing, and times (a commit's, the same for every file) play no
// part.
func TestTreeCacheKeysByContentID(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	commit1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	tree := fstest.MapFS{
		"posts/a.md":      {Data: []byte("a"), Sys: blobID("aaaa"), ModTime: commit1},
		"posts/hero.png":  {Data: []byte("png"), Sys: blobID("1111"), ModTime: commit1},
		"posts/plain.txt": {Data: []byte("no id")},
	}
	if id, ok := ContentID(tree, "posts/a.md"); !ok || id != "aaaa" {
		t.Fatalf("ContentID = %q, %v", id, ok)
	}
	if _, ok := ContentID(tree, "posts/plain.txt"); ok {
		t.Fatal("ContentID of a file whose FS knows none")
	}
	if _, ok := ContentID(tree, "posts/missing.md"); ok {
		t.Fatal("ContentID of a missing file")
	}

	c := OpenTree(root, "k")
	want := Entry{Sum: "aaaa", Summary: &schema.Summary{ID: "a", File: "posts/a.md"},
		Deps: StatDeps(tree, []string{"posts/hero.png"})}
	if d := cmp.Diff([]Dep{{Path: "posts/hero.png", ID: "1111"}}, want.Deps); d != "" {
		t.Fatalf("deps (-want +got):\n%s", d)
	}
	c.Store("posts/a.md", want)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}

	// A later commit that did not touch the post or its image: a hit.
	later := commit1.Add(time.Hour)
	tree["posts/a.md"].ModTime, tree["posts/hero.png"].ModTime = later, later
	if got, ok := OpenTree(root, "k").Lookup(tree, "posts/a.md", "aaaa"); !ok {
		t.Fatal("miss on an unchanged post in a new commit")
	} else if d := cmp.Diff(want, got); d != "" {
		t.Errorf("entry (-want +got):\n%s", d)
	}
	// The work tree's cache is another file.
	if _, ok := Open(root, "k").Lookup(tree, "posts/a.md", "aaaa"); ok {
		t.Fatal("the work tree's cache answered for a commit's post")
	}
	// A new image under the same name: a miss.
	tree["posts/hero.png"].Sys = blobID("2222")
	if _, ok := OpenTree(root, "k").Lookup(tree, "posts/a.md", "aaaa"); ok {
		t.Fatal("hit although the image changed")
	}
}
