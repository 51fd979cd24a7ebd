package reconcile

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gitfs"
	"github.com/heraldhq/herald/schema"
)

// committedQuickstart copies the bundled example into a new git
// repository with every file committed, and returns its directory.
func committedQuickstart(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/quickstart")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "posts"}} {
		cmd := exec.CommandContext(t.Context(), "git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=writer", "GIT_AUTHOR_EMAIL=writer@example.com",
			"GIT_COMMITTER_NAME=writer", "GIT_COMMITTER_EMAIL=writer@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, out)
		}
	}
	return dir
}

// openCommitted opens dir's repository reading HEAD's commit.
func openCommitted(t *testing.T, dir string) *Repo {
	t.Helper()
	g, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := g.Head()
	if err != nil {
		t.Fatal(err)
	}
	f, err := g.FS(h.Commit)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := OpenRepoFS(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	return repo
}

func check(t *testing.T, repo *Repo, opts CheckOptions) *Report {
	t.Helper()
	rep, err := repo.Check(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestCheckReadsTheCommit checks the example from its commit and from its
// work tree: the same findings and summaries while they agree, and only
// the commit's once the work tree moves on.
func TestCheckReadsTheCommit(t *testing.T) {
	dir := committedQuickstart(t)
	worktree, err := OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer worktree.Close()
	want := check(t, worktree, CheckOptions{})
	committed := openCommitted(t, dir)
	got := check(t, committed, CheckOptions{})
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("the commit and the same work tree disagree (-worktree +commit):\n%s", d)
	}

	// Uncommitted: an edited post, a new one, a replaced image.
	launch := filepath.Join(dir, "posts/sluice-2-launch.md")
	data, err := os.ReadFile(launch)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "title: Sluice 2 is out", "title: Sluice 2 is finally out", 1)
	if err := os.WriteFile(launch, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "posts/new.md"), []byte("---\nto: [bluesky]\n---\nNew.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join(dir, "posts/images/dashboard.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "posts/images/dashboard.png"), append(png, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, check(t, openCommitted(t, dir), CheckOptions{})); d != "" {
		t.Errorf("the commit's check moved with the work tree (-before +after):\n%s", d)
	}
	moved := check(t, worktree, CheckOptions{})
	if moved.Files != want.Files+1 {
		t.Errorf("the work tree's check found %d files, want %d", moved.Files, want.Files+1)
	}

	// Media reach the platforms from the commit too.
	v, err := schema.NewValidator(committed.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := committed.Prepare(v, "posts/sluice-2-launch.md")
	if p.Post.Title != "Sluice 2 is out" {
		t.Errorf("prepared title %q, want the committed one", p.Post.Title)
	}
	pl, err := committed.Payload(p, "bluesky")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := pl.Media[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	sent, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if string(sent) != string(png) {
		t.Errorf("the image sent is the work tree's (%d bytes), not the commit's (%d bytes)", len(sent), len(png))
	}
}

// TestCheckCacheOfACommit: an unchanged post of a commit is answered by
// the cache by its blob ID, without its blob being read at all.
//
// A check the cache answers for whole compiles no schema.
func TestCheckCacheOfACommit(t *testing.T) {
	compiles := countCompiles(t)
	dir := committedQuickstart(t)
	first := check(t, openCommitted(t, dir), CheckOptions{CacheKey: "k"})
	if first.Cached != 0 || !first.Valid() {
		t.Fatalf("first check: %d cached, errors %v", first.Cached, first.Errors)
	}
	if compiles.Load() == 0 {
		t.Error("the first check compiled no schema")
	}
	compiles.Store(0)
	again := check(t, openCommitted(t, dir), CheckOptions{CacheKey: "k"})
	if again.Cached != again.Files {
		t.Fatalf("second check: %d of %d cached", again.Cached, again.Files)
	}
	if n := compiles.Load(); n != 0 {
		t.Errorf("a check the cache answered for whole compiled the schema %d times", n)
	}

	// Lose a post's blob: the cache still answers; without it, the
	// post cannot be read.
	blob := strings.TrimSpace(gitOut(t, dir, "rev-parse", "HEAD:posts/sluice-2-launch.md"))
	if err := os.Remove(filepath.Join(dir, ".git/objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	cached := check(t, openCommitted(t, dir), CheckOptions{CacheKey: "k"})
	if d := cmp.Diff(again.Summaries, cached.Summaries); d != "" || cached.Cached != cached.Files {
		t.Errorf("cached check after the blob was lost: %d of %d cached (-want +got):\n%s", cached.Cached, cached.Files, d)
	}
	uncached := check(t, openCommitted(t, dir), CheckOptions{})
	if uncached.Valid() {
		t.Error("a check without the cache read a lost blob")
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", args[0], err)
	}
	return string(out)
}

// countCompiles counts the schemas Check compiles during the test.
func countCompiles(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	old := newValidator
	newValidator = func(cfg *schema.Config) (*schema.Validator, error) {
		n.Add(1)
		return old(cfg)
	}
	t.Cleanup(func() { newValidator = old })
	return &n
}

// TestCheckNoPostsCompiles: a tree with no post to check still has its
// schema compiled, so that the schema's own errors are the check's.
func TestCheckNoPostsCompiles(t *testing.T) {
	compiles := countCompiles(t)
	for name, files := range map[string]map[string]string{
		"no posts":     {"herald.yaml": "accounts:\n  x: {}\n", "posts/notes.txt": "not a post"},
		"no directory": {"herald.yaml": "accounts:\n  x: {}\n"},
	} {
		repo, _ := writeRepo(t, t.TempDir(), files)
		compiles.Store(0)
		rep, err := repo.Check(t.Context(), CheckOptions{CacheKey: "k"})
		if err != nil || rep.Files != 0 {
			t.Fatalf("%s: check: %v, %d files", name, err, rep.Files)
		}
		if compiles.Load() != 1 {
			t.Errorf("%s: compiled %d times, want once", name, compiles.Load())
		}
	}
}
