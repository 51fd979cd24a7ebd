package vcache

import (
	"os"
	"path/filepath"
	"testing"
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
