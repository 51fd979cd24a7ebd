package state

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/heraldhq/herald/internal/gittest"
)

// logBuffer is a logger whose output a test reads.
type logBuffer struct{ bytes.Buffer }

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// repairFixture is a clone with two state commits pushed and a third
// committed, and the store closed, ready to be torn and opened again.
type repairFixture struct {
	r       remote
	dir     string
	pushed  string // the second commit, on the remote
	head    string // the third, local only
	initial string // the seed commit
}

func newRepairFixture(t *testing.T) *repairFixture {
	t.Helper()
	r := transports[0].make(t)
	seedRemote(t, r)
	f := &repairFixture{r: r, initial: remoteHead(t, r.bare).Hash.String()}
	s := openClone(t, r.url, GitOptions{})
	f.dir = s.dir
	commitPost(t, s, "a", t0)
	f.pushed = commitPost(t, s, "b", t0.Add(time.Minute))
	if err := s.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.head = commitPost(t, s, "c", t0.Add(2*time.Minute))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

// commitPost commits a published record of post and returns the commit.
func commitPost(t *testing.T, s *GitStore, post string, at time.Time) string {
	t.Helper()
	if err := s.Put(published(post, at)); err != nil {
		t.Fatal(err)
	}
	id, err := s.Commit(t.Context(), CommitInfo{Summary: "publish " + post, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *repairFixture) path(rel string) string {
	return filepath.Join(f.dir, ".git", filepath.FromSlash(rel))
}

func (f *repairFixture) write(t *testing.T, rel, content string) {
	t.Helper()
	if err := os.WriteFile(f.path(rel), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// open opens the store again and returns it with what it logged.
func (f *repairFixture) open(t *testing.T) (*GitStore, string, error) {
	t.Helper()
	var logs logBuffer
	s, err := OpenGit(GitOptions{Dir: f.dir, Logger: logs.logger()})
	if s != nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, logs.String(), err
}

// assertHealthy checks the repository with git itself: fsck finds
// nothing, the work tree is clean, and the branch is at want.
func assertHealthy(t *testing.T, dir, want string) {
	t.Helper()
	gitInspect(t, dir, "fsck", "--full", "--strict", "--no-dangling")
	if got := gitInspect(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("git status --porcelain:\n%s", got)
	}
	if locks, tmps := leftovers(t, dir); len(locks) > 0 || tmps > 0 {
		t.Errorf("left in .git: locks %v, %d temporary files", locks, tmps)
	}
	if want != "" {
		if got := strings.TrimSpace(gitInspect(t, dir, "rev-parse", "refs/heads/main")); got != want {
			t.Errorf("main = %s, want %s", got, want)
		}
	}
}

func TestReflogShowsHeraldCommits(t *testing.T) {
	f := newRepairFixture(t)
	assertHealthy(t, f.dir, f.head)
	reflog := gitInspect(t, f.dir, "reflog", "--format=%H %gs")
	want := f.head + " commit: herald: publish c [skip ci]\n" +
		f.pushed + " commit: herald: publish b [skip ci]\n"
	if !strings.HasPrefix(reflog, want) {
		t.Errorf("git reflog:\n%s\nwant it to start with:\n%s", reflog, want)
	}
	if got := gitInspect(t, f.dir, "reflog", "show", "--format=%H %gs", "refs/remotes/origin/main"); !strings.HasPrefix(got, f.pushed+" update by push\n") {
		t.Errorf("git reflog origin/main:\n%s", got)
	}
	if got := gitInspect(t, f.dir, "reflog", "show", "--format=%gn <%ge>", "main"); !strings.HasPrefix(got, "herald <herald@users.noreply.github.com>\n") {
		t.Errorf("reflog identity:\n%s", got)
	}
}

func TestRepairTornBranch(t *testing.T) {
	t.Run("from the reflog", func(t *testing.T) {
		f := newRepairFixture(t)
		f.write(t, "refs/heads/main", "")
		s, logs, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		if got := localHead(t, s); got != f.head {
			t.Errorf("head after repair = %s, want %s (the reflog's last entry)", got, f.head)
		}
		if !strings.Contains(logs, "repaired a torn file") || !strings.Contains(logs, "refs/heads/main") {
			t.Errorf("repair not logged:\n%s", logs)
		}
		s.Close()
		assertHealthy(t, f.dir, f.head)
		if got := gitInspect(t, f.dir, "reflog", "-1", "--format=%gs", "main"); !strings.Contains(got, "herald: repair: .git/refs/heads/main was torn (empty)") {
			t.Errorf("repair not in the reflog: %s", got)
		}
	})
	t.Run("reflog cut short", func(t *testing.T) {
		f := newRepairFixture(t)
		log, err := os.OpenFile(f.path("logs/refs/heads/main"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.WriteString(f.head + " " + hashA[:30]); err != nil {
			t.Fatal(err)
		}
		log.Close()
		f.write(t, "refs/heads/main", "")
		s, _, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		if got := localHead(t, s); got != f.head {
			t.Errorf("head after repair = %s, want %s (the last complete line)", got, f.head)
		}
	})
	t.Run("from the remote-tracking ref", func(t *testing.T) {
		f := newRepairFixture(t)
		// The reflog is gone and the branch was at what was pushed.
		gitInspect(t, f.dir, "reset", "-q", "--hard", f.pushed)
		if err := os.Remove(f.path("logs/refs/heads/main")); err != nil {
			t.Fatal(err)
		}
		f.write(t, "refs/heads/main", f.pushed[:12])
		s, logs, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		if got := localHead(t, s); got != f.pushed {
			t.Errorf("head after repair = %s, want %s (origin/main)", got, f.pushed)
		}
		if !strings.Contains(logs, "from=origin/main") {
			t.Errorf("repair source not logged:\n%s", logs)
		}
		s.Close()
		assertHealthy(t, f.dir, f.pushed)
	})
	t.Run("unproven", func(t *testing.T) {
		f := newRepairFixture(t)
		// The reflog's last entry and origin/main are both behind what
		// the index holds.
		if err := os.Remove(f.path("logs/refs/heads/main")); err != nil {
			t.Fatal(err)
		}
		f.write(t, "refs/heads/main", "\x00\x00\x00")
		_, _, err := f.open(t)
		if err == nil {
			t.Fatal("OpenGit() repaired a branch it cannot prove")
		}
		for _, want := range []string{
			".git/refs/heads/main is torn",
			"herald cannot prove which commit it should hold",
			f.pushed + "  origin/main (the index does not match its tree)",
			"rm -f .git/refs/heads/main && git update-ref refs/heads/main " + f.pushed,
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q:\n%v", want, err)
			}
		}
		if got := readString(t, f.path("refs/heads/main")); got != "\x00\x00\x00" {
			t.Errorf("the branch was changed to %q", got)
		}
	})
	t.Run("missing commit", func(t *testing.T) {
		f := newRepairFixture(t)
		f.write(t, "refs/heads/main", hashA+"\n")
		f.write(t, "logs/refs/heads/main", "")
		_, _, err := f.open(t)
		if err == nil || !strings.Contains(err.Error(), "pointing at "+hashA+", which is not a commit") {
			t.Errorf("OpenGit() = %v, want a dangling branch reported", err)
		}
	})
}

func TestRepairTornTrackingRef(t *testing.T) {
	f := newRepairFixture(t)
	f.write(t, "refs/remotes/origin/main", "")
	s, logs, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "deleted the remote-tracking ref") {
		t.Errorf("repair not logged:\n%s", logs)
	}
	if _, err := os.Stat(f.path("refs/remotes/origin/main")); !os.IsNotExist(err) {
		t.Errorf("the torn ref is still there: %v", err)
	}
	// The next push works, and the fetch it may need restores the ref.
	next := commitPost(t, s, "d", t0.Add(3*time.Minute))
	if err := s.Push(t.Context()); err != nil {
		t.Fatalf("Push() after the repair: %v", err)
	}
	if got := remoteHead(t, f.r.bare).Hash.String(); got != next {
		t.Errorf("remote head = %s, want %s", got, next)
	}
	s.Close()
	assertHealthy(t, f.dir, next)
	if got := strings.TrimSpace(gitInspect(t, f.dir, "rev-parse", "origin/main")); got != next {
		t.Errorf("origin/main = %s, want %s", got, next)
	}
}

func TestRepairTornHEAD(t *testing.T) {
	f := newRepairFixture(t)
	f.write(t, "HEAD", "ref: refs/hea")
	_, logs, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, f.path("HEAD")); got != "ref: refs/heads/main\n" {
		t.Errorf("HEAD = %q", got)
	}
	if !strings.Contains(logs, "HEAD points at the only branch again") {
		t.Errorf("repair not logged:\n%s", logs)
	}
	assertHealthy(t, f.dir, f.head)

	// With two branches, herald cannot tell which.
	gitInspect(t, f.dir, "branch", "other")
	f.write(t, "HEAD", "")
	_, _, err = f.open(t)
	if err == nil || !strings.Contains(err.Error(), "echo 'ref: refs/heads/") || !strings.Contains(err.Error(), "> .git/HEAD") {
		t.Errorf("OpenGit() = %v, want the command that repairs HEAD", err)
	}
}

func TestRepairTornPackedRefs(t *testing.T) {
	f := newRepairFixture(t)
	gitInspect(t, f.dir, "pack-refs", "--all")
	data := readString(t, f.path("packed-refs"))
	if !strings.Contains(data, "refs/remotes/origin/main") {
		t.Fatalf("packed-refs:\n%s", data)
	}
	// Cut short in its last line, which git writes sorted: origin/main.
	f.write(t, "packed-refs", data[:len(data)-10])
	s, logs, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "dropped its partial last line") {
		t.Errorf("repair not logged:\n%s", logs)
	}
	if got := localHead(t, s); got != f.head {
		t.Errorf("head = %s, want %s", got, f.head)
	}
	s.Close()
	assertHealthy(t, f.dir, f.head)

	f.write(t, "packed-refs", "garbage\n"+data)
	if _, _, err := f.open(t); err == nil || !strings.Contains(err.Error(), `has a line that is not a ref: "garbage"`) {
		t.Errorf("OpenGit() = %v, want the bad line reported", err)
	}
}

func TestRepairTornIndex(t *testing.T) {
	for _, tt := range []struct {
		name string
		tear func(data string) string
	}{
		{"cut short", func(d string) string { return d[:len(d)/2] }},
		{"empty", func(string) string { return "" }},
		{"bad checksum", func(d string) string { return d[:len(d)-1] + "x" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newRepairFixture(t)
			// git itself may not see it (it skips the checksum), but
			// go-git cannot read the index.
			f.write(t, "index", tt.tear(readString(t, f.path("index"))))
			_, logs, err := f.open(t)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs, "rebuilt the index from HEAD's tree") {
				t.Errorf("repair not logged:\n%s", logs)
			}
			assertHealthy(t, f.dir, f.head)
			// The stat of every file was kept: git sees nothing to
			// refresh.
			if got := gitInspect(t, f.dir, "diff-files", "--name-only"); got != "" {
				t.Errorf("git diff-files lists files whose stat differs:\n%s", got)
			}
		})
	}
}

// TestRepairWaitsForOtherHerald: a torn file found while another herald
// has the repository open is reported, not repaired under it.
func TestRepairWaitsForOtherHerald(t *testing.T) {
	f := newRepairFixture(t)
	other, _, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "index", "DIRC")
	_, _, err = f.open(t)
	if err == nil || !strings.Contains(err.Error(), "another herald process has this repository open") ||
		!strings.Contains(err.Error(), "rm .git/index && git reset") {
		t.Errorf("OpenGit() = %v, want the torn index reported", err)
	}
	other.Close()
	if _, _, err := f.open(t); err != nil {
		t.Errorf("OpenGit() once alone: %v", err)
	}
	assertHealthy(t, f.dir, f.head)
}

// TestStaleLockRemovedAtOpen: a lock a killed herald left blocks git; the
// next OpenGit proves it herald's and removes it, and git works again.
func TestStaleLockRemovedAtOpen(t *testing.T) {
	f := newRepairFixture(t)
	tmp := filepath.Join(f.dir, ".git", filepath.FromSlash(tmpDir), lockPrefix+"index.12345")
	if err := os.WriteFile(tmp, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(tmp, f.path("index.lock")); err != nil {
		t.Fatal(err)
	}
	if out, err := gitCmd(f.dir, "commit", "--allow-empty", "-q", "-m", "blocked"); err == nil {
		t.Fatalf("git commit works under the stale lock:\n%s", out)
	}
	_, logs, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "removed a lock file that a killed herald left") {
		t.Errorf("removal not logged:\n%s", logs)
	}
	if out, err := gitCmd(f.dir, "commit", "--allow-empty", "-q", "-m", "works"); err != nil {
		t.Errorf("git commit after OpenGit: %v\n%s", err, out)
	}
}

// TestRecoverInterruptedCheckout: a kill between the first file of a
// branch move and the branch itself leaves the work tree and the index
// part way; the journal lets OpenGit undo or finish the move.
func TestRecoverInterruptedCheckout(t *testing.T) {
	t.Run("branch not moved: undo", func(t *testing.T) {
		f := newRepairFixture(t)
		// The move from pushed to head wrote its files and the index,
		// and was killed before the branch.
		f.write(t, journalRel, journalHeader+"\nbranch refs/heads/main\nfrom "+f.pushed+"\nto "+f.head+"\n")
		f.write(t, "refs/heads/main", f.pushed+"\n")
		if got := gitInspect(t, f.dir, "status", "--porcelain"); got == "" {
			t.Fatal("the interrupted move left git status clean; the test does not test")
		}
		s, logs, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs, "undid a state checkout a killed herald left half done") {
			t.Errorf("recovery not logged:\n%s", logs)
		}
		if _, err := os.Stat(filepath.Join(f.dir, ".herald/state/c.json")); !os.IsNotExist(err) {
			t.Errorf("the undone commit's file is still in the work tree: %v", err)
		}
		s.Close()
		assertHealthy(t, f.dir, f.pushed)
		if _, err := os.Stat(f.path(journalRel)); !os.IsNotExist(err) {
			t.Errorf("journal left: %v", err)
		}
	})
	t.Run("branch moved: finish", func(t *testing.T) {
		f := newRepairFixture(t)
		// The work tree and index still at pushed for c.json, the branch
		// at head: as if the files had not been written yet.
		s, _, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		from, _ := s.treeOf(plumbing.NewHash(f.pushed))
		to, _ := s.treeOf(plumbing.NewHash(f.head))
		changes, err := diffTrees(t.Context(), to, from)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.checkout(changes, true, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		f.write(t, journalRel, journalHeader+"\nbranch refs/heads/main\nfrom "+f.pushed+"\nto "+f.head+"\n")
		if got := gitInspect(t, f.dir, "status", "--porcelain"); got == "" {
			t.Fatal("git status is clean before the recovery; the test does not test")
		}
		_, logs, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs, "finished a state checkout a killed herald left half done") {
			t.Errorf("recovery not logged:\n%s", logs)
		}
		assertHealthy(t, f.dir, f.head)
	})
	t.Run("someone else's change stays", func(t *testing.T) {
		f := newRepairFixture(t)
		f.write(t, journalRel, journalHeader+"\nbranch refs/heads/main\nfrom "+f.pushed+"\nto "+f.head+"\n")
		f.write(t, "refs/heads/main", f.pushed+"\n")
		mine := filepath.Join(f.dir, ".herald/state/c.json")
		if err := os.WriteFile(mine, []byte("edited by hand\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, logs, err := f.open(t)
		if err != nil {
			t.Fatal(err)
		}
		if got := readString(t, mine); got != "edited by hand\n" {
			t.Errorf("a file edited since was overwritten: %q", got)
		}
		if !strings.Contains(logs, "left a file that changed while herald was stopped as it is") {
			t.Errorf("not logged:\n%s", logs)
		}
	})
}

// TestAdoptUnpushedCommits: a run that committed and was killed before
// its push leaves a state commit on the branch; the next run pushes it,
// re-applied on the remote's head when the remote has moved.
func TestAdoptUnpushedCommits(t *testing.T) {
	f := newRepairFixture(t)
	// Another run pushes meanwhile.
	other := openClone(t, f.r.url, GitOptions{})
	theirs := commitPost(t, other, "z", t0.Add(5*time.Minute))
	if err := other.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	other.Close()

	s, logs, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "adopted state commits an earlier run did not push") {
		t.Errorf("adoption not logged:\n%s", logs)
	}
	if err := s.Push(t.Context()); err != nil {
		t.Fatalf("Push() of the adopted commit: %v", err)
	}
	head := remoteHead(t, f.r.bare)
	if head.ParentHashes[0].String() != theirs {
		t.Errorf("the adopted commit was not re-applied on the remote's head %s: parents %v", theirs, head.ParentHashes)
	}
	got := recordsAt(t, head)
	for _, id := range []string{"a", "b", "c", "z"} {
		if got[id] == nil {
			t.Errorf("record %s is not on the remote", id)
		}
	}
	if !strings.HasPrefix(head.Message, "herald: publish c [skip ci]") {
		t.Errorf("message = %q", head.Message)
	}
	s.Close()
	assertHealthy(t, f.dir, head.Hash.String())
}

// TestAdoptStopsAtOthersCommits: a person's unpushed commit is not
// adopted; a re-apply refuses the branch as before.
func TestAdoptStopsAtOthersCommits(t *testing.T) {
	f := newRepairFixture(t)
	gittest.CommitFiles(t, f.dir, "a person's work", map[string]string{"post.md": "hi\n"})
	s, logs, err := f.open(t)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs, "adopted") {
		t.Errorf("adopted past a person's commit:\n%s", logs)
	}
	if len(s.pending) != 0 {
		t.Errorf("%d pending commits, want none", len(s.pending))
	}
}

// gitCmd runs the git binary and returns its output and error.
func gitCmd(dir string, args ...string) (string, error) {
	cmd := gitCommand(dir, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestRecoverUnreadableJournal: a journal naming a commit that is not
// there stops OpenGit with what to do.
func TestRecoverUnreadableJournal(t *testing.T) {
	f := newRepairFixture(t)
	f.write(t, journalRel, journalHeader+"\nbranch refs/heads/main\nfrom "+f.head+"\nto "+hashA+"\n")
	_, _, err := f.open(t)
	if err == nil || !strings.Contains(err.Error(), "git checkout HEAD -- <file>, then remove the journal: rm .git/herald/checkout") {
		t.Errorf("OpenGit() = %v, want what to do", err)
	}
}

// TestRepairOutsideARepository: Repair says a plain directory is no
// repository (commands then say so in their words), leaves a linked work
// tree alone (herald never writes to one, and reading it must still
// work), and repairs a torn branch as OpenGit does.
func TestRepairOutsideARepository(t *testing.T) {
	if err := Repair(t.TempDir(), nil); !errors.Is(err, git.ErrRepositoryNotExists) {
		t.Errorf("Repair of a plain directory = %v, want ErrRepositoryNotExists", err)
	}
	f := newRepairFixture(t)
	linked := filepath.Join(t.TempDir(), "linked")
	if out, err := gitCmd(f.dir, "worktree", "add", "-q", "--detach", linked); err != nil {
		t.Fatalf("git worktree add: %v\n%s", err, out)
	}
	if err := Repair(linked, nil); err != nil {
		t.Errorf("Repair of a linked work tree = %v, want nil", err)
	}
	f.write(t, "refs/heads/main", "")
	if err := Repair(f.dir, nil); err != nil {
		t.Fatalf("Repair of an empty branch ref = %v, want it repaired from the reflog", err)
	}
	if out, err := gitCmd(f.dir, "rev-parse", "refs/heads/main"); err != nil || strings.TrimSpace(out) != f.head {
		t.Errorf("branch after Repair = %q (%v), want %s", out, err, f.head)
	}
}
