package gitfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dotNames skips what schema.Walk skips: names that start with ".".
func dotNames(name string) bool { return strings.HasPrefix(name, ".") }

func uncommitted(t *testing.T, dir string, paths ...string) []Change {
	t.Helper()
	r, f := headFS(t, dir)
	got, err := r.Uncommitted(t.Context(), f, paths, dotNames)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestUncommitted(t *testing.T) {
	dir := commitRepo(t, map[string]string{
		".gitignore":            "*.tmp\n/posts/drafts/\n",
		"herald.yaml":           "timezone: UTC\n",
		"posts/.gitignore":      "*.bak\n",
		"posts/same.md":         "same\n",
		"posts/touched.md":      "touched\n",
		"posts/edited.md":       "old\n",
		"posts/staged.md":       "old\n",
		"posts/gone.md":         "gone\n",
		"posts/link.md":         "->same.md",
		"posts/images/hero.png": "png\n",
		"posts/.hidden/x.md":    "hidden\n",
		"other/outside.md":      "outside\n",
	})
	write(t, dir, map[string]string{"posts/kept.tmp": "tracked although ignored\n"})
	gitCmd(t, dir, "add", "-f", "posts/kept.tmp")
	gitCmd(t, dir, "commit", "-q", "-m", "kept")
	if got := uncommitted(t, dir, "posts", "herald.yaml", "herald.cue"); len(got) != 0 {
		t.Fatalf("a clean tree has changes: %v", got)
	}

	// Content the same, stat different: hashed, and not a change.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "posts/touched.md"), later, later); err != nil {
		t.Fatal(err)
	}
	write(t, dir, map[string]string{
		"herald.yaml":           "timezone: Europe/Paris\n",
		"posts/edited.md":       "new\n",
		"posts/staged.md":       "staged\n",
		"posts/new.md":          "untracked\n",
		"posts/added.md":        "added\n",
		"posts/kept.tmp":        "changed\n",
		"posts/scratch.tmp":     "ignored\n",
		"posts/old.bak":         "ignored by posts/.gitignore\n",
		"posts/drafts/d.md":     "ignored directory\n",
		"posts/link.md":         "->edited.md",
		"posts/images/hero.png": "other png\n",
		"posts/.hidden/x.md":    "skipped\n",
		"other/outside.md":      "not asked about\n",
	})
	if err := os.Remove(filepath.Join(dir, "posts/gone.md")); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "add", "posts/staged.md", "posts/added.md")

	got := uncommitted(t, dir, "posts", "herald.yaml", "herald.cue")
	want := []Change{
		{"herald.yaml", Modified},
		{"posts/added.md", New},
		{"posts/edited.md", Modified},
		{"posts/gone.md", Deleted},
		{"posts/images/hero.png", Modified},
		{"posts/kept.tmp", Modified},
		{"posts/link.md", Modified},
		{"posts/new.md", New},
		{"posts/staged.md", Modified},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Uncommitted (-want +got):\n%s", d)
	}

	// Committing makes the tree clean again, as git sees it.
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "-m", "more")
	if got := uncommitted(t, dir, "posts", "herald.yaml"); len(got) != 0 {
		t.Errorf("after commit: %v", got)
	}
}

// TestUncommittedRacyIndex edits a file within the same instant as the
// index was written, so that its stat matches the index entry: the entry
// is racily clean and the file is hashed anyway.
func TestUncommittedRacyIndex(t *testing.T) {
	dir := commitRepo(t, map[string]string{"posts/a.md": "aaaa\n"})
	full := filepath.Join(dir, "posts/a.md")
	fi, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("bbbb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Same size; put back the old time, and make the index as new.
	if err := os.Chtimes(full, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, ".git/index"), fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	want := []Change{{"posts/a.md", Modified}}
	if d := cmp.Diff(want, uncommitted(t, dir, "posts")); d != "" {
		t.Errorf("Uncommitted (-want +got):\n%s", d)
	}
}

// TestUncommittedWholeTree checks the content directory "." (the
// repository's root): .git and dot-names are left out.
func TestUncommittedWholeTree(t *testing.T) {
	dir := commitRepo(t, map[string]string{"a.md": "a\n", ".herald/state/a.json": "{}\n"})
	write(t, dir, map[string]string{"b.md": "b\n", ".herald/state/a.json": "{\"x\":1}\n"})
	want := []Change{{"b.md", New}}
	if d := cmp.Diff(want, uncommitted(t, dir, ".")); d != "" {
		t.Errorf("Uncommitted (-want +got):\n%s", d)
	}
}
