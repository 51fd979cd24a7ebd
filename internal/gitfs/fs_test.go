package gitfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// gitCmd runs git in dir with a fixed identity and no user configuration.
func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=writer", "GIT_AUTHOR_EMAIL=writer@example.com",
		"GIT_COMMITTER_NAME=writer", "GIT_COMMITTER_EMAIL=writer@example.com",
		"GIT_AUTHOR_DATE=2026-11-20T09:00:00Z", "GIT_COMMITTER_DATE=2026-11-20T09:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// write writes files (path -> content) under dir; a content starting
// with "->" makes a symbolic link to the rest.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		os.Remove(full)
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// commitRepo makes a repository in a new directory with files committed
// on main, and returns its directory.
func commitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q", "-b", "main")
	write(t, dir, files)
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "-m", "posts")
	return dir
}

// headFS opens dir's repository and the FS of its HEAD.
func headFS(t *testing.T, dir string) (*Repo, *FS) {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.FS(h.Commit)
	if err != nil {
		t.Fatal(err)
	}
	return r, f
}

var tree = map[string]string{
	"herald.yaml":                "timezone: UTC\n",
	"posts/launch.md":            "---\ntitle: Launch\n---\nHello.\n",
	"posts/2026/11/a.md":         "A\n",
	"posts/2026/11/b.md":         "B\n",
	"posts/images/hero.png":      "\x89PNG\r\n\x1a\nnot really",
	"posts/alias.md":             "->launch.md",
	"posts/pictures":             "->images",
	"posts/up.md":                "->../herald.yaml",
	"posts/2026/11/deep-link.md": "->../../launch.md",
	"posts/a.b/c.md":             "C\n", // "a.b" sorts before "a/" in git, after it in fs
	"posts/a/d.md":               "D\n",
}

func TestFSPassesFstest(t *testing.T) {
	dir := commitRepo(t, tree)
	_, f := headFS(t, dir)
	var want []string
	for name := range tree {
		want = append(want, name)
	}
	if err := fstest.TestFS(f, want...); err != nil {
		t.Fatal(err)
	}
}

func TestFSReadsWhatWasCommitted(t *testing.T) {
	dir := commitRepo(t, tree)
	_, f := headFS(t, dir)
	// The working tree changes after the commit; the FS does not.
	write(t, dir, map[string]string{"posts/launch.md": "changed\n", "posts/new.md": "new\n"})
	got, err := fs.ReadFile(f, "posts/launch.md")
	if err != nil || string(got) != tree["posts/launch.md"] {
		t.Fatalf("ReadFile = %q, %v; want the committed bytes", got, err)
	}
	if _, err := fs.Stat(f, "posts/new.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat of an uncommitted file = %v, want ErrNotExist", err)
	}
	got, err = fs.ReadFile(f, "posts/alias.md")
	if err != nil || string(got) != tree["posts/launch.md"] {
		t.Fatalf("ReadFile through a link = %q, %v", got, err)
	}
	got, err = fs.ReadFile(f, "posts/pictures/hero.png")
	if err != nil || string(got) != tree["posts/images/hero.png"] {
		t.Fatalf("ReadFile through a linked directory = %q, %v", got, err)
	}
}

func TestFSModesAndIDs(t *testing.T) {
	dir := commitRepo(t, tree)
	if err := os.Chmod(filepath.Join(dir, "posts/2026/11/a.md"), 0o755); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "commit", "-q", "-am", "exec")
	_, f := headFS(t, dir)
	for _, tc := range []struct {
		name string
		mode fs.FileMode
	}{
		{"posts", fs.ModeDir | 0o755},
		{"posts/launch.md", 0o644},
		{"posts/2026/11/a.md", 0o755},
	} {
		fi, err := f.Stat(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != tc.mode {
			t.Errorf("%s: mode %v, want %v", tc.name, fi.Mode(), tc.mode)
		}
	}
	fi, err := f.Lstat("posts/alias.md")
	if err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Fatalf("Lstat of a link = %v, %v", fi, err)
	}
	if target, err := f.ReadLink("posts/alias.md"); err != nil || target != "launch.md" {
		t.Fatalf("ReadLink = %q, %v", target, err)
	}
	fi, err = f.Stat("posts/alias.md")
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(tree["posts/launch.md"])) {
		t.Fatalf("Stat follows the link: %v, %v", fi, err)
	}
	id := fi.Sys().(ObjectID).ContentID()
	if want := gitCmd(t, dir, "rev-parse", "HEAD:posts/launch.md"); id != want {
		t.Errorf("ContentID = %s, want the blob %s", id, want)
	}
	// fs.WalkDir lists a link to a directory as a link and does not
	// enter it.
	var walked []string
	fs.WalkDir(f, "posts", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, p)
		return nil
	})
	want := []string{"posts", "posts/2026", "posts/2026/11", "posts/2026/11/a.md", "posts/2026/11/b.md",
		"posts/2026/11/deep-link.md", "posts/a", "posts/a/d.md", "posts/a.b", "posts/a.b/c.md", "posts/alias.md",
		"posts/images", "posts/images/hero.png", "posts/launch.md", "posts/pictures", "posts/up.md"}
	if d := cmp.Diff(want, walked); d != "" {
		t.Errorf("WalkDir (-want +got):\n%s", d)
	}
}

// TestFSRefusesLinksAsOSRootDoes asks the commit's FS and os.Root, over
// a checkout of the same commit, the same questions, and wants the same
// answers: links that stay inside are followed, links that leave (by ".."
// or an absolute target) are refused with os.Root's error.
func TestFSRefusesLinksAsOSRootDoes(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, map[string]string{"secret.md": "secret\n"})
	dir := commitRepo(t, map[string]string{
		"posts/ok.md":         "ok\n",
		"posts/in.md":         "->ok.md",
		"posts/chain.md":      "->in.md",
		"posts/out.md":        "->../../secret.md",
		"posts/abs.md":        "->" + filepath.Join(outside, "secret.md"),
		"posts/absdir":        "->" + outside,
		"posts/self":          "->.",
		"posts/root":          "->..",
		"posts/loop.md":       "->loop2.md",
		"posts/loop2.md":      "->loop.md",
		"posts/dangling.md":   "->nowhere.md",
		"posts/sub/up.md":     "->../ok.md",
		"posts/sub/rootup.md": "->../../posts/ok.md",
		"posts/file/x":        "x\n",
	})
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	osfs := root.FS()
	_, f := headFS(t, dir)
	type answer struct {
		Data    string
		Escapes bool
		Missing bool
		Failed  bool
	}
	ask := func(fsys fs.FS, name string) answer {
		data, err := fs.ReadFile(fsys, name)
		switch {
		case err == nil:
			return answer{Data: string(data)}
		case strings.Contains(err.Error(), "path escapes from parent"):
			return answer{Escapes: true}
		case errors.Is(err, fs.ErrNotExist):
			return answer{Missing: true}
		}
		return answer{Failed: true}
	}
	for _, name := range []string{
		"posts/ok.md", "posts/in.md", "posts/chain.md", "posts/out.md", "posts/abs.md",
		"posts/absdir/secret.md", "posts/self/ok.md", "posts/self/self/in.md", "posts/root/posts/ok.md",
		"posts/root/../x", "posts/loop.md", "posts/dangling.md", "posts/sub/up.md", "posts/sub/rootup.md",
		"posts/nope.md", "posts/ok.md/x", "posts/file/x",
	} {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			want, got := ask(osfs, name), ask(f, name)
			if want != got {
				t.Errorf("os.Root says %+v, the commit's FS says %+v", want, got)
			}
		})
	}
}

func TestFSReadsNoBlobToStat(t *testing.T) {
	dir := commitRepo(t, map[string]string{"posts/a.md": "A\n", "posts/b.md": "B\n"})
	blob := gitCmd(t, dir, "rev-parse", "HEAD:posts/a.md")
	// Lose the blob: listing and naming its content still work.
	if err := os.Remove(filepath.Join(dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	_, f := headFS(t, dir)
	ents, err := f.ReadDir("posts")
	if err != nil || len(ents) != 2 {
		t.Fatalf("ReadDir = %v, %v", ents, err)
	}
	fi, err := f.Stat("posts/a.md")
	if err != nil {
		t.Fatal(err)
	}
	if id := fi.Sys().(ObjectID).ContentID(); id != blob {
		t.Errorf("ContentID = %s, want %s", id, blob)
	}
	if _, err := fs.ReadFile(f, "posts/a.md"); err == nil {
		t.Error("reading a lost blob succeeded")
	}
	if got, err := fs.ReadFile(f, "posts/b.md"); err != nil || string(got) != "B\n" {
		t.Errorf("ReadFile(b) = %q, %v", got, err)
	}
}

// TestFSPackedAndLarge reads from a packed repository, a blob larger than
// the in-memory limit included, from many goroutines (run with -race).
func TestFSPackedAndLarge(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16) // 3 MiB, streamed
	files := map[string]string{"posts/big.bin": string(big)}
	for i := range 50 {
		files[filepath.Join("posts", "p"+strings.Repeat("x", i%7), string(rune('a'+i%26))+".md")] = strings.Repeat("post ", i+1)
	}
	dir := commitRepo(t, files)
	gitCmd(t, dir, "gc", "-q", "--aggressive")
	_, f := headFS(t, dir)
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(files))
	for range 4 {
		for name, want := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fi, err := f.Stat(name)
				if err != nil {
					errs <- err
					return
				}
				if fi.Size() != int64(len(want)) {
					errs <- errors.New(name + ": wrong size")
					return
				}
				fl, err := f.Open(name)
				if err != nil {
					errs <- err
					return
				}
				defer fl.Close()
				got, err := io.ReadAll(fl)
				if err != nil {
					errs <- err
					return
				}
				if string(got) != want {
					errs <- errors.New(name + ": wrong bytes")
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOpenAndHead(t *testing.T) {
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrNotRepository) {
		t.Errorf("Open of a plain directory = %v, want ErrNotRepository", err)
	}

	empty := t.TempDir()
	gitCmd(t, empty, "init", "-q", "-b", "main")
	r, err := Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Head(); !errors.Is(err, ErrNoCommit) {
		t.Errorf("Head of an unborn branch = %v, want ErrNoCommit", err)
	}

	dir := commitRepo(t, map[string]string{"a.md": "A\n"})
	commit := gitCmd(t, dir, "rev-parse", "HEAD")
	r, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	if h.Commit != commit || h.Branch != "main" || h.Short() != commit[:7]+" on main" {
		t.Errorf("Head = %+v (%s)", h, h.Short())
	}
	gitCmd(t, dir, "checkout", "-q", "--detach")
	if h, err = r.Head(); err != nil || h.Branch != "" || h.Short() != commit[:7] {
		t.Errorf("detached Head = %+v, %v", h, err)
	}
	if _, err := r.FS("nope"); err == nil {
		t.Error("FS of a bad hash succeeded")
	}
}
