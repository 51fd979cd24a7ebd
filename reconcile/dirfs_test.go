package reconcile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDirFS checks that reading through directory roots gives what the
// repository's root gives, links that leave a directory or the repository
// and missing files included.
func TestDirFS(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	for _, d := range []string{"posts/a/b", "posts/c", "images"} {
		if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"posts/a/b/one.md": "one", "posts/c/two.md": "two", "images/p.png": "png", "../outside.md": "out"}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"posts/a/b/up.md":  "../../c/two.md",         // leaves its directory, stays in the repository
		"posts/a/b/out.md": "../../../../outside.md", // leaves the repository
		"posts/c/abs.md":   filepath.Join(repo, "posts/c/two.md"),
		"posts/linked":     "../images", // a directory link inside the repository
		"posts/escaped":    "../..",     // a directory link out of it
		"posts/c/dangling": "nowhere.md",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(repo, name)); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	want := root.FS()
	got := newDirFS(root, want)
	defer got.Close()

	describe := func(fsys fs.FS, name string) string {
		fi, err := fs.Stat(fsys, name)
		if err != nil {
			return "stat: " + err.Error()
		}
		f, err := fsys.Open(name)
		if err != nil {
			return "open: " + err.Error()
		}
		defer f.Close()
		if fi.IsDir() {
			return fmt.Sprintf("dir %s", fi.Name())
		}
		data, err := io.ReadAll(f)
		if err != nil {
			return "read: " + err.Error()
		}
		return fmt.Sprintf("%s %d %s", fi.Name(), fi.Size(), data)
	}
	names := []string{"posts/a/b/one.md", "posts/c/two.md", "images/p.png", "posts/a/b/up.md", "posts/a/b/out.md",
		"posts/c/abs.md", "posts/linked/p.png", "posts/escaped/outside.md", "posts/c/dangling", "posts/c/missing.md",
		"posts/none/x.md", "posts/a/b", "posts/a", "top.md", "../outside.md", "posts/../images/p.png", "posts/a/b/one.md/x"}
	// Twice, and interleaved, so that answers come from cached roots.
	for round := range 2 {
		for _, name := range names {
			t.Run(fmt.Sprintf("%d/%s", round, name), func(t *testing.T) {
				if diff := cmp.Diff(describe(want, name), describe(got, name)); diff != "" {
					t.Errorf("(-root +dirFS):\n%s", diff)
				}
			})
		}
	}
}
