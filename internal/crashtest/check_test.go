package crashtest

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// gitState is what git says of the working clone.
type gitState struct {
	fsck   error    // git fsck --full failed: a torn or missing file
	status error    // git status failed: a torn index
	dirty  []string // git status lines
	locks  []string // lock files git would refuse to take again
}

// herald's own files in the work tree: its state and the feed's files.
func heraldsOwn(path string) bool {
	return strings.HasPrefix(path, ".herald/") || strings.HasPrefix(path, "public/")
}

// tempLeftover is a temporary file herald writes beside a file and
// renames into place; a kill between the two leaves it, and herald's next
// write of that file replaces it.
func tempLeftover(line string) bool {
	return strings.HasPrefix(line, "?? ") && strings.HasSuffix(line, ".herald-tmp")
}

// inspect asks git about the working clone, reading only: fsck, status
// without its optional index refresh, and a look for lock files.
func (r *rig) inspect() gitState {
	var s gitState
	if _, err := r.git(r.dir, "fsck", "--full", "--no-progress"); err != nil {
		s.fsck = err
	}
	out, err := r.git(r.dir, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		s.status = err
	} else {
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if line != "" {
				s.dirty = append(s.dirty, line)
			}
		}
	}
	gitDir := filepath.Join(r.dir, ".git")
	filepath.WalkDir(gitDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".lock") {
			rel, _ := filepath.Rel(gitDir, p)
			s.locks = append(s.locks, ".git/"+filepath.ToSlash(rel))
		}
		return nil
	})
	return s
}

// statusPath is the path a git status --porcelain line names (the new
// one of a rename).
func statusPath(line string) string {
	p := line[3:]
	if _, after, ok := strings.Cut(p, " -> "); ok {
		p = after
	}
	return strings.Trim(p, `"`)
}

// findings counts what the harness saw, by kind, with a few examples each.
// A defect fails the test; a note is reported only.
type findings struct {
	mu    sync.Mutex
	kinds map[string]*finding
	order []string
}

type finding struct {
	defect   bool
	n        int
	examples []string
}

const maxExamples = 4

func (f *findings) add(defect bool, kind, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kinds == nil {
		f.kinds = map[string]*finding{}
	}
	k := f.kinds[kind]
	if k == nil {
		k = &finding{defect: defect}
		f.kinds[kind] = k
		f.order = append(f.order, kind)
	}
	k.n++
	if len(k.examples) < maxExamples {
		k.examples = append(k.examples, fmt.Sprintf(format, args...))
	}
}

func (f *findings) defect(kind, format string, args ...any) { f.add(true, kind, format, args...) }
func (f *findings) note(kind, format string, args ...any)   { f.add(false, kind, format, args...) }

func (f *findings) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k := f.kinds[kind]; k != nil {
		return k.n
	}
	return 0
}

// report logs every kind and fails t once per kind of defect.
func (f *findings) report(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, kind := range f.order {
		k := f.kinds[kind]
		msg := fmt.Sprintf("%s: %d", kind, k.n)
		for _, e := range k.examples {
			msg += "\n\t" + e
		}
		if k.n > len(k.examples) {
			msg += fmt.Sprintf("\n\t(and %d more)", k.n-len(k.examples))
		}
		if k.defect {
			t.Error(msg)
		} else {
			t.Log("note: " + msg)
		}
	}
}

// checkKilled checks the working clone after a kill: git must read it
// (fsck, status), and nothing outside herald's own files may have
// changed. What a kill can leave of herald's own unfinished write (its
// state and feed files, a lock file) is noted here, and must be gone
// once a later run settles (checkSettled).
func (r *rig) checkKilled(f *findings, what string) {
	s := r.inspect()
	if s.fsck != nil {
		f.defect("git fsck fails after a kill", "%s: %v", what, firstLines(s.fsck.Error(), 3))
	}
	if s.status != nil {
		f.defect("git status fails after a kill", "%s: %v", what, firstLines(s.status.Error(), 3))
	}
	if _, err := r.git(r.dir, "rev-parse", "--verify", "--quiet", "HEAD"); err != nil {
		// git status compares with an unborn branch: every file looks
		// added, which says nothing more.
		f.defect("HEAD unreadable after a kill", "%s: %s", what, firstLines(err.Error(), 2))
		return
	}
	var own []string
	for _, line := range s.dirty {
		switch {
		case tempLeftover(line):
			own = append(own, line)
		case heraldsOwn(statusPath(line)):
			own = append(own, line)
		default:
			f.defect("a kill changed files herald does not own", "%s: %s", what, line)
		}
	}
	if len(own) > 0 {
		f.note("a kill left herald's own files uncommitted", "%s: %s", what, strings.Join(own, "; "))
	}
	if len(s.locks) > 0 {
		f.note("a kill left a lock file", "%s: %s", what, strings.Join(s.locks, ", "))
	}
}

// checkSettled checks the working clone once herald says there is nothing
// to do: git reads it, its work tree is clean, no lock is left behind, and
// the remote has everything (the branch equals the remote's).
func (r *rig) checkSettled(f *findings, what string) { r.checkClean(f, "herald settled", what) }

// checkClean checks that the working clone is as herald leaves it when it
// stops in good order (when: how it stopped, for the report).
func (r *rig) checkClean(f *findings, when, what string) {
	s := r.inspect()
	if s.fsck != nil {
		f.defect("git fsck fails after "+when, "%s: %v", what, firstLines(s.fsck.Error(), 3))
	}
	if s.status != nil {
		f.defect("git status fails after "+when, "%s: %v", what, firstLines(s.status.Error(), 3))
	}
	for _, line := range s.dirty {
		if tempLeftover(line) {
			f.note("a temporary file left after "+when, "%s: %s", what, line)
			continue
		}
		f.defect("work tree not clean after "+when, "%s: %s", what, line)
	}
	for _, l := range s.locks {
		f.defect("lock file left after "+when+" (git refuses to run)", "%s: %s", what, l)
	}
	local, err1 := r.git(r.dir, "rev-parse", "--verify", "HEAD")
	remote, err2 := r.git(r.remote, "rev-parse", "--verify", "refs/heads/main")
	switch {
	case err1 != nil || err2 != nil:
		f.defect("cannot read the branch after "+when, "%s: %v %v", what, err1, err2)
	case local != remote:
		local, remote = strings.TrimSpace(local), strings.TrimSpace(remote)
		ahead, _ := r.git(r.dir, "log", "--format=%h %s", remote+".."+local)
		f.defect("state commits not pushed after "+when, "%s: HEAD %s, remote %s; not on the remote: %s", what, local[:8], remote[:8],
			strings.ReplaceAll(strings.TrimSpace(ahead), "\n", "; "))
	}
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
