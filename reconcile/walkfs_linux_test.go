package reconcile

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/schema"
)

// TestWalkFSReadDir checks that walkFS reads every directory as the
// root's ReadDir does (names, order, types, what Info says) and fails
// as it does, on directories of every kind of entry, one too large for
// one read of the directory, links in and out of the repository, and
// names that are not directories; and that schema.Walk finds the same
// posts through either.
func TestWalkFSReadDir(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	post := []byte("---\ntitle: t\n---\nBody.\n")
	files := map[string][]byte{}
	for _, name := range []string{"posts/a/one.md", "posts/a/b/two.md", "posts/.hidden/h.md", "posts/_drafts/d.md", "posts/.dot.md",
		"posts/notes.txt", "images/p.png", "../outside.md", "posts/a/Z.md", "posts/a/é.md", "posts/a/with space.md"} {
		files[name] = post
	}
	for i := range 600 {
		files[fmt.Sprintf("posts/many/post-%04d-%s.md", i, strings.Repeat("x", i%40))] = post
	}
	root := writeTree(t, repo, testTree{
		dirs:  []string{"posts/a/b", "posts/.hidden", "posts/_drafts", "posts/many", "images", "empty"},
		files: files,
		links: map[string]string{
			"posts/a/up.md":      "../_drafts/d.md",
			"posts/a/out.md":     "../../../outside.md",
			"posts/a/dirlink":    "b",
			"posts/a/escaped":    "../../..",
			"posts/a/dangling":   "nowhere.md",
			"posts/linkedimages": "../images",
		},
		fifos: []string{"posts/a/fifo.md"},
	})
	sock := filepath.Join(repo, "posts/a/sock")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
	} else if len(sock) < 100 {
		t.Fatal(err)
	}
	want := root.FS()
	got := newWalkFS(root, want)

	describe := func(fsys fs.FS, name string) string {
		entries, err := fs.ReadDir(fsys, name)
		var b strings.Builder
		for _, e := range entries {
			info, ierr := e.Info()
			if ierr != nil {
				fmt.Fprintf(&b, "%s %v %v info: %v\n", e.Name(), e.IsDir(), e.Type(), ierr)
				continue
			}
			fmt.Fprintf(&b, "%s %v %v info: %s %v %d\n", e.Name(), e.IsDir(), e.Type(), info.Name(), info.Mode(), info.Size())
		}
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
		return b.String()
	}
	for _, name := range []string{".", "posts", "posts/a", "posts/a/b", "posts/many", "posts/.hidden", "empty", "images",
		"posts/a/dirlink", "posts/linkedimages", "posts/a/escaped", "posts/a/one.md", "posts/missing",
		"../repo", "posts/../images", "/posts", ""} {
		if diff := cmp.Diff(describe(want, name), describe(got, name)); diff != "" {
			t.Errorf("%q (-root +walkFS):\n%s", name, diff)
		}
	}
	walk := func(fsys fs.FS) []string {
		var out []string
		err := schema.Walk(context.Background(), fsys, &schema.Config{Content: "posts"}, func(file string) error {
			out = append(out, file)
			return nil
		})
		if err != nil {
			out = append(out, "error: "+err.Error())
		}
		return out
	}
	w, g := walk(want), walk(got)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("Walk (-root +walkFS):\n%s", diff)
	}
	if len(g) < 600 {
		t.Errorf("Walk found %d posts", len(g))
	}
}
