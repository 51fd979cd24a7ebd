package state

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/gittest"
)

// gitCommand is the git binary run in dir, with no configuration of the
// machine's and a writer's identity.
func gitCommand(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Writer", "GIT_AUTHOR_EMAIL=writer@example.com",
		"GIT_COMMITTER_NAME=Writer", "GIT_COMMITTER_EMAIL=writer@example.com")
	return cmd
}

// gitRun runs the git binary to set a test up.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitCommand(dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// shallowFixture is a bare remote with a few commits, a depth-1 clone of
// it made by git as actions/checkout makes it, and a full clone of the
// remote for a person (or another run) to push from.
type shallowFixture struct {
	bare, shallow, other string
	// checkedOut is the commit the shallow clone was made at.
	checkedOut string
}

func newShallowFixture(t *testing.T, commits int) *shallowFixture {
	t.Helper()
	f := &shallowFixture{bare: gittest.Bare(t, t.TempDir(), "content")}
	gittest.Seed(t, f.bare, nil, map[string]string{"posts/p0.md": "post 0\n"})
	f.other = gittest.Clone(t, f.bare, nil)
	for i := 1; i < commits; i++ {
		f.commit(t, fmt.Sprintf("posts/p%d.md", i))
	}
	f.shallow = filepath.Join(t.TempDir(), "checkout")
	gitRun(t, ".", "clone", "-q", "--depth", "1", "--branch", "main", "file://"+f.bare, f.shallow)
	f.checkedOut = strings.TrimSpace(gitRun(t, f.shallow, "rev-parse", "HEAD"))
	if got := strings.TrimSpace(gitRun(t, f.shallow, "rev-parse", "--is-shallow-repository")); got != "true" {
		t.Fatalf("the clone is not shallow: %s", got)
	}
	return f
}

// commit commits a new post in the other clone and pushes it.
func (f *shallowFixture) commit(t *testing.T, path string) string {
	t.Helper()
	h := gittest.CommitFiles(t, f.other, "add "+path, map[string]string{path: path + "\n"})
	gitRun(t, f.other, "push", "-q", "origin", "main")
	return h.String()
}

// apply does what apply does to the state in the shallow clone: a
// record committed, then pushed.
func (f *shallowFixture) apply(t *testing.T) (*GitStore, error) {
	t.Helper()
	s, err := OpenGit(GitOptions{Dir: f.shallow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Put(published("p0", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(t.Context(), CommitInfo{Summary: "publish p0", Time: t0}); err != nil {
		t.Fatal(err)
	}
	return s, s.Push(t.Context())
}

// assertPushed checks that the remote's head is herald's commit on top
// of parent, and that the shallow clone is whole in git's eyes.
func (f *shallowFixture) assertPushed(t *testing.T, s *GitStore, parent string) {
	t.Helper()
	head := remoteHead(t, f.bare)
	if localHead(t, s) != head.Hash.String() {
		t.Errorf("local head %s, remote head %s", localHead(t, s), head.Hash)
	}
	if len(head.ParentHashes) != 1 || head.ParentHashes[0].String() != parent {
		t.Errorf("remote head's parents = %v, want [%s]", head.ParentHashes, parent)
	}
	if recordsAt(t, head)["p0"] == nil {
		t.Error("the record is not on the remote")
	}
	gitInspect(t, f.bare, "fsck", "--full", "--strict")
	gitInspect(t, f.shallow, "fsck", "--full", "--no-dangling")
	if got := gitInspect(t, f.shallow, "status", "--porcelain"); got != "" {
		t.Errorf("git status --porcelain in the clone:\n%s", got)
	}
	// Every commit .git/shallow lists lacks its parents, and every
	// commit of the branch's history that lacks them is listed.
	data, _ := os.ReadFile(filepath.Join(f.shallow, ".git", "shallow"))
	for _, line := range strings.Fields(string(data)) {
		parents := strings.Fields(gitInspect(t, f.shallow, "cat-file", "-p", line))
		for i, w := range parents {
			if w == "parent" {
				if _, err := gitCmd(f.shallow, "cat-file", "-e", parents[i+1]); err == nil {
					t.Errorf(".git/shallow lists %s, whose parent %s is present", line, parents[i+1])
				}
			}
		}
	}
	gitInspect(t, f.shallow, "log", "--oneline")
	if locks, tmps := leftovers(t, f.shallow); len(locks) > 0 || tmps > 0 {
		t.Errorf("left in .git: locks %v, %d temporary files", locks, tmps)
	}
}

// TestShallowCloneBehindRemote is issue's reproduction: a depth-1
// checkout, one more commit pushed to the remote after it, then herald's
// state commit and push.
func TestShallowCloneBehindRemote(t *testing.T) {
	f := newShallowFixture(t, 3)
	moved := f.commit(t, "posts/late.md")
	s, err := f.apply(t)
	if err != nil {
		t.Fatalf("Push() from a shallow clone behind its remote: %v", err)
	}
	f.assertPushed(t, s, moved)
	if _, err := os.Stat(filepath.Join(f.shallow, "posts/late.md")); err != nil {
		t.Errorf("the file the remote added is not in the work tree: %v", err)
	}
}

// TestShallowCloneRemoteNotMoved: nothing to fetch, the push goes.
func TestShallowCloneRemoteNotMoved(t *testing.T) {
	f := newShallowFixture(t, 3)
	s, err := f.apply(t)
	if err != nil {
		t.Fatalf("Push() from a shallow clone: %v", err)
	}
	f.assertPushed(t, s, f.checkedOut)
	if got := strings.TrimSpace(readString(t, filepath.Join(f.shallow, ".git", "shallow"))); got != f.checkedOut {
		t.Errorf(".git/shallow = %q, want only the checked-out commit", got)
	}
}

// TestShallowCloneRemoteMovedFar: more commits than the first deepening
// step reaches.
func TestShallowCloneRemoteMovedFar(t *testing.T) {
	f := newShallowFixture(t, 3)
	var moved string
	for i := range deepenSteps[0] + 5 {
		moved = f.commit(t, fmt.Sprintf("posts/late%d.md", i))
	}
	s, err := f.apply(t)
	if err != nil {
		t.Fatalf("Push() from a shallow clone far behind its remote: %v", err)
	}
	f.assertPushed(t, s, moved)
}

// TestShallowCloneRemoteMerged: the remote moved by a pull request
// merged with a merge commit, whose branch starts below the clone's
// shallow boundary; the fetch must not need objects from there.
func TestShallowCloneRemoteMerged(t *testing.T) {
	f := newShallowFixture(t, 4)
	base := strings.TrimSpace(gitRun(t, f.other, "rev-parse", "HEAD~2"))
	gitRun(t, f.other, "checkout", "-q", "-b", "feature", base)
	// The branch edits a file that exists below the boundary, so that
	// the server could send it as a delta against a blob the clone lacks.
	long := strings.Repeat("a line of a long post that deltas well\n", 200)
	gittest.CommitFiles(t, f.other, "long post", map[string]string{"posts/p0.md": long})
	gittest.CommitFiles(t, f.other, "edit long post", map[string]string{"posts/p0.md": long + "one more line\n"})
	gitRun(t, f.other, "checkout", "-q", "main")
	gitRun(t, f.other, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "feature")
	gitRun(t, f.other, "push", "-q", "origin", "main")
	merged := strings.TrimSpace(gitRun(t, f.other, "rev-parse", "HEAD"))

	s, err := f.apply(t)
	if err != nil {
		t.Fatalf("Push() after a merged pull request: %v", err)
	}
	f.assertPushed(t, s, merged)
	if got := readString(t, filepath.Join(f.shallow, "posts/p0.md")); got != long+"one more line\n" {
		t.Errorf("the merged file is not in the work tree")
	}
}

// TestShallowCloneRemoteRewritten: a remote whose history no longer holds
// the checked-out commit (force-pushed) is refused, not merged into.
func TestShallowCloneRemoteRewritten(t *testing.T) {
	f := newShallowFixture(t, 3)
	gitRun(t, f.other, "reset", "-q", "--hard", "HEAD~1")
	gittest.CommitFiles(t, f.other, "rewritten", map[string]string{"posts/other.md": "x\n"})
	gitRun(t, f.other, "push", "-q", "--force", "origin", "main")
	rewritten := remoteHead(t, f.bare).Hash

	_, err := f.apply(t)
	if err == nil || !strings.Contains(err.Error(), "the remote was rewritten") {
		t.Fatalf("Push() onto a rewritten remote = %v, want a refusal", err)
	}
	if got := remoteHead(t, f.bare).Hash; got != rewritten {
		t.Errorf("the remote moved to %s", got)
	}
}

// TestShallowDeepenBounded: when even the last deepening step does not
// reach the base, Push says how to check out more history.
func TestShallowDeepenBounded(t *testing.T) {
	saved := deepenSteps
	deepenSteps = []int{2, 3}
	t.Cleanup(func() { deepenSteps = saved })
	f := newShallowFixture(t, 3)
	for i := range 6 {
		f.commit(t, fmt.Sprintf("posts/late%d.md", i))
	}
	before := remoteHead(t, f.bare).Hash
	_, err := f.apply(t)
	if err == nil || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Fatalf("Push() = %v, want the depth explained", err)
	}
	if got := remoteHead(t, f.bare).Hash; got != before {
		t.Errorf("the remote moved to %s", got)
	}
	gitInspect(t, f.shallow, "fsck", "--full", "--no-dangling")
}

// TestShallowReapplyAfterKill: a run in a shallow clone committed and was
// killed before its push; the remote moved; the next run's store adopts
// the commit and pushes it on the remote's head.
func TestShallowReapplyAfterKill(t *testing.T) {
	f := newShallowFixture(t, 3)
	s, err := OpenGit(GitOptions{Dir: f.shallow})
	if err != nil {
		t.Fatal(err)
	}
	commitPost(t, s, "p0", t0)
	s.Close()
	moved := f.commit(t, "posts/late.md")
	s2, err := OpenGit(GitOptions{Dir: f.shallow})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.assertPushed(t, s2, moved)
}
