package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/gittest"
)

// killChildEnv names the clone a TestKillChild process works in.
const killChildEnv = "HERALD_TEST_KILL_CHILD"

// TestKillChild is the process TestKillLoop kills: it commits and pushes
// state in the clone it is given, over and over, until it is killed.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("run by TestKillLoop")
	}
	ctx := context.Background()
	s, err := OpenGit(GitOptions{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(3)
	}
	if err := s.Push(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child: push adopted:", err)
		os.Exit(3)
	}
	for i := 0; i < 500; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		if err := s.Put(published(fmt.Sprintf("p%d", i%7), at)); err != nil {
			os.Exit(3)
		}
		if i%3 == 0 {
			_ = s.PutFile("public/feed.txt", []byte(fmt.Sprintf("entry %d\n", i)), nil)
		}
		if _, err := s.Commit(ctx, CommitInfo{Summary: fmt.Sprintf("run %d", i), Time: at}); err != nil && !errors.Is(err, ErrNoChanges) {
			fmt.Fprintln(os.Stderr, "child: commit:", err)
			os.Exit(3)
		}
		if i%2 == 1 {
			if err := s.Push(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "child: push:", err)
				os.Exit(3)
			}
		}
	}
}

// TestKillLoop kills a process that commits and pushes state with SIGKILL
// at random moments, and checks after every kill that git finds the
// repository whole (git fsck), that the work tree is clean or that
// herald's journal explains why not, and that the next OpenGit leaves it
// clean with no lock or temporary file behind. Meanwhile another clone
// pushes, so that pushes are rejected and re-applied. It runs a few kills
// unless -short; HERALD_KILL_LOOP=N runs N.
func TestKillLoop(t *testing.T) {
	kills := 8
	if v := os.Getenv("HERALD_KILL_LOOP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("HERALD_KILL_LOOP=%q: %v", v, err)
		}
		kills = n
	} else if testing.Short() {
		t.Skip("kills processes; runs without -short or with HERALD_KILL_LOOP=N")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HERALD_KILL_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (HERALD_KILL_SEED reruns it)", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	r := transports[0].make(t)
	seedRemote(t, r)
	dir := gittest.Clone(t, r.url, nil)
	other := gittest.Clone(t, r.url, nil)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var dirtyAfterKill, staleLocks, staleTmp, journals, childFailures int
	lockNames := map[string]int{}
	for k := 0; k < kills; k++ {
		if k%3 == 2 {
			// Someone else pushes: the child's next push is rejected.
			gitRun(t, other, "pull", "-q", "--rebase", "origin", "main")
			gittest.CommitFiles(t, other, "post", map[string]string{fmt.Sprintf("posts/k%d.md", k): "x\n"})
			gitRun(t, other, "push", "-q", "origin", "HEAD:main")
		}
		cmd := exec.Command(exe, "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		// Its own process group, so that the git-receive-pack it runs
		// for the local remote can be waited for: the remote is a
		// server, which a client's kill does not kill.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(600)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		for deadline := time.Now().Add(10 * time.Second); syscall.Kill(-cmd.Process.Pid, 0) == nil; {
			if time.Now().After(deadline) {
				t.Fatalf("kill %d: the remote's git processes did not end", k)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
			childFailures++
			t.Errorf("kill %d: the child failed by itself:\n%s", k, stderr.String())
		}

		// Right after the kill, before herald runs again.
		gitInspect(t, dir, "fsck", "--full", "--no-dangling")
		_, jerr := os.Stat(filepath.Join(dir, ".git", filepath.FromSlash(journalRel)))
		journal := jerr == nil
		if journal {
			journals++
		}
		if status := gitInspect(t, dir, "status", "--porcelain"); status != "" {
			dirtyAfterKill++
			if !journal {
				t.Errorf("kill %d: git status is not clean and no journal explains it:\n%s", k, status)
			}
		}
		locks, tmps := leftovers(t, dir)
		staleLocks += len(locks)
		staleTmp += tmps
		for _, l := range locks {
			lockNames[l]++
		}

		// The next herald run.
		s, err := OpenGit(GitOptions{Dir: dir})
		if err != nil {
			t.Fatalf("kill %d: OpenGit after the kill: %v", k, err)
		}
		if err := s.Walk(t.Context(), func(*Record) error { return nil }); err != nil {
			t.Errorf("kill %d: walk the state: %v", k, err)
		}
		s.Close()
		if status := gitInspect(t, dir, "status", "--porcelain"); status != "" {
			t.Errorf("kill %d: git status after OpenGit:\n%s", k, status)
		}
		if locks, tmps := leftovers(t, dir); len(locks) > 0 || tmps > 0 {
			t.Errorf("kill %d: after OpenGit: locks %v, %d temporary files", k, locks, tmps)
		}
		gitInspect(t, dir, "fsck", "--full", "--no-dangling")
		if t.Failed() {
			break
		}
	}
	// Everything committed reaches the remote.
	s, err := OpenGit(GitOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Push(t.Context()); err != nil {
		t.Fatalf("final push: %v", err)
	}
	if got, want := remoteHead(t, r.bare).Hash.String(), localHead(t, s); got != want {
		t.Errorf("remote head %s, local head %s", got, want)
	}
	s.Close()
	gitInspect(t, r.bare, "fsck", "--full", "--no-dangling")
	t.Logf("%d kills: %d left git status dirty (each with a journal; %d journals), %d stale locks %v, %d temporary files; all repaired at the next open",
		kills, dirtyAfterKill, journals, staleLocks, lockNames, staleTmp)
}

// leftovers lists the lock files under .git and counts herald's
// temporary files.
func leftovers(t *testing.T, dir string) ([]string, int) {
	t.Helper()
	var locks []string
	gitDir := filepath.Join(dir, ".git")
	_ = filepath.WalkDir(gitDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			rel, _ := filepath.Rel(gitDir, p)
			locks = append(locks, rel)
		}
		return nil
	})
	entries, _ := os.ReadDir(filepath.Join(gitDir, filepath.FromSlash(tmpDir)))
	return locks, len(entries)
}
