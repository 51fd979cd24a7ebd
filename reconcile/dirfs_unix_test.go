//go:build unix

package reconcile

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/schema"
)

// TestReadPostOpenNonblock checks that schema.ReadPost through a dirFS,
// which opens a post before describing it, reads and refuses what it
// reads and refuses through the repository's root, with the same
// messages: links out of a directory and out of the repository, a FIFO
// (without waiting for a writer), directories, files at and over the
// size limit, empty and missing files.
func TestReadPostOpenNonblock(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	root := writeTree(t, repo, testTree{
		dirs: []string{"posts/a/b", "posts/c", "posts/dir.md", "images"},
		files: map[string][]byte{
			"posts/a/b/one.md": []byte("---\ntitle: one\n---\nBody.\n"), "posts/c/two.md": []byte("two"),
			"posts/c/empty.md": nil, "images/p.png": []byte("png"), "../outside.md": []byte("out"),
			"posts/c/limit.md": bytes.Repeat([]byte("a"), schema.MaxPostSize),
			"posts/c/over.md":  bytes.Repeat([]byte("a"), schema.MaxPostSize+1),
		},
		links: map[string]string{
			"posts/a/b/up.md":   "../../c/two.md",
			"posts/a/b/out.md":  "../../../../outside.md",
			"posts/c/abs.md":    filepath.Join(repo, "posts/c/two.md"),
			"posts/c/dir.md":    "../dir.md",
			"posts/linked":      "../images",
			"posts/escaped":     "../..",
			"posts/c/dangling":  "nowhere.md",
			"posts/c/fifo2.md":  "fifo.md",
			"posts/c/selfloop":  "selfloop",
			"posts/c/outdir.md": "../../..",
		},
		fifos: []string{"posts/c/fifo.md"},
	})
	want := root.FS()
	got := newDirFS(root, want)
	defer got.Close()

	describe := func(data []byte, errs schema.Errors) string {
		if errs != nil {
			return fmt.Sprint(errs)
		}
		return fmt.Sprintf("%d bytes: %.40q", len(data), data)
	}
	names := []string{"posts/a/b/one.md", "posts/c/two.md", "posts/c/empty.md", "posts/c/limit.md", "posts/c/over.md",
		"images/p.png", "posts/a/b/up.md", "posts/a/b/out.md", "posts/c/abs.md", "posts/c/dir.md", "posts/dir.md",
		"posts/linked/p.png", "posts/escaped/outside.md", "posts/escaped/repo/posts/c/two.md", "posts/c/dangling",
		"posts/c/fifo.md", "posts/c/fifo2.md", "posts/c/selfloop", "posts/c/outdir.md", "posts/c/missing.md",
		"posts/none/x.md", "posts/a/b", "top.md", "../outside.md", "posts/../images/p.png", "posts/a/b/one.md/x"}
	for round := range 2 {
		for _, name := range names {
			t.Run(fmt.Sprintf("%d/%s", round, name), func(t *testing.T) {
				done := make(chan string, 1)
				go func() { done <- describe(schema.ReadPost(got, name)) }()
				var g string
				select {
				case g = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("ReadPost waits on the file")
				}
				if diff := cmp.Diff(describe(schema.ReadPost(want, name)), g); diff != "" {
					t.Errorf("(-root +dirFS):\n%s", diff)
				}
			})
		}
	}
}

// TestResolveMediaOpenNonblock checks that schema.ResolveMedia through a
// dirFS, which opens a media file before describing it, resolves and
// refuses what it does through the repository's root, with the same
// messages.
func TestResolveMediaOpenNonblock(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	root := writeTree(t, repo, testTree{
		dirs: []string{"posts/img", "posts/dir.png", "images"},
		files: map[string][]byte{
			"posts/img/a.png": png, "images/b.png": png, "posts/img/text.png": []byte("not an image"),
			"posts/img/empty.png": nil, "../outside.png": png,
		},
		links: map[string]string{
			"posts/img/up.png":   "../../images/b.png",
			"posts/img/out.png":  "../../../outside.png",
			"posts/img/dir2.png": "../dir.png",
			"posts/img/gone.png": "nowhere.png",
			"posts/img/fifo2":    "fifo.png",
		},
		fifos: []string{"posts/img/fifo.png"},
	})
	// Over the image limit and over the media limit, without the bytes.
	for name, size := range map[string]int64{"posts/img/huge.png": schema.MaxImageSize + 1, "posts/img/huge.mp4": schema.MaxMediaSize + 1} {
		f, err := os.Create(filepath.Join(repo, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(png); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	want := root.FS()
	got := newDirFS(root, want)
	defer got.Close()

	media := []string{"img/a.png", "../images/b.png", "img/text.png", "img/empty.png", "img/huge.png", "img/huge.mp4",
		"img/up.png", "img/out.png", "img/dir2.png", "dir.png", "img/gone.png", "img/missing.png", "img/fifo.png",
		"img/fifo2", "../../outside.png", "img/a.png/x", "img"}
	var src strings.Builder
	src.WriteString("---\ntitle: t\nmedia:\n")
	for _, m := range media {
		fmt.Fprintf(&src, "  - file: %q\n    alt: an image\n", m)
	}
	src.WriteString("---\nBody.\n")
	resolve := func(fsys fs.FS) (*schema.Post, schema.Errors) {
		p, errs := schema.ParsePost(nil, "posts/a.md", []byte(src.String()))
		if p == nil {
			t.Fatal(errs)
		}
		done := make(chan schema.Errors, 1)
		go func() { done <- schema.ResolveMedia(fsys, nil, p) }()
		select {
		case errs := <-done:
			return p, errs
		case <-time.After(10 * time.Second):
			t.Fatal("ResolveMedia waits on a file")
		}
		return nil, nil
	}
	for round := range 2 {
		wantPost, wantErrs := resolve(want)
		gotPost, gotErrs := resolve(got)
		if diff := cmp.Diff(fmt.Sprint(wantErrs), fmt.Sprint(gotErrs)); diff != "" {
			t.Errorf("round %d: findings (-root +dirFS):\n%s", round, diff)
		}
		if diff := cmp.Diff(wantPost.Media, gotPost.Media); diff != "" {
			t.Errorf("round %d: media (-root +dirFS):\n%s", round, diff)
		}
		if round == 0 {
			t.Logf("%d findings:\n%v", len(wantErrs), wantErrs)
		}
	}
}

// testTree is a work tree for the file system tests: directories, files
// (a name may climb out of the repository with ".."), links and FIFOs.
type testTree struct {
	dirs  []string
	files map[string][]byte
	links map[string]string // name: target
	fifos []string
}

// writeTree writes tree at repo and opens the repository's root, closed
// when the test ends.
func writeTree(t *testing.T, repo string, tree testTree) *os.Root {
	t.Helper()
	for _, d := range tree.dirs {
		if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range tree.files {
		if err := os.WriteFile(filepath.Join(repo, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range tree.links {
		if err := os.Symlink(target, filepath.Join(repo, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range tree.fifos {
		if err := syscall.Mkfifo(filepath.Join(repo, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(repo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}
