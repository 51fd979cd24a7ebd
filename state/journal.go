package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// journal is a branch move in progress (moveBranch): the work tree, the
// index and the branch are going from commit from to commit to. It is
// kept in .git/herald/checkout from before the first file is written
// until the branch has moved.
type journal struct {
	branch   plumbing.ReferenceName
	from, to plumbing.Hash
}

const journalHeader = "herald checkout 1"

func (s *GitStore) journalPath() string {
	return filepath.Join(s.gitDir, filepath.FromSlash(journalRel))
}

// writeJournal records a move, atomically.
func (s *GitStore) writeJournal(j journal) error {
	content := fmt.Sprintf("%s\nbranch %s\nfrom %s\nto %s\n", journalHeader, j.branch, j.from, j.to)
	f, err := s.dfs.Create(journalRel)
	if err != nil {
		return fmt.Errorf("write %s: %w", s.journalPath(), err)
	}
	if _, err := f.Write([]byte(content)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", s.journalPath(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", s.journalPath(), err)
	}
	return nil
}

// removeJournal marks the move done.
func (s *GitStore) removeJournal() error {
	if err := os.Remove(s.journalPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", s.journalPath(), err)
	}
	return nil
}

// readJournal returns the move a killed run left, nil when there is none.
func (s *GitStore) readJournal() (*journal, error) {
	data, err := os.ReadFile(s.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	bad := fmt.Errorf("%s is not a checkout journal: %q", s.journalPath(), data)
	if len(lines) != 4 || lines[0] != journalHeader {
		return nil, bad
	}
	j := &journal{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		switch {
		case k == "branch" && strings.HasPrefix(v, "refs/heads/"):
			j.branch = plumbing.ReferenceName(v)
		case k == "from" && isHash(v):
			j.from = plumbing.NewHash(v)
		case k == "to" && isHash(v):
			j.to = plumbing.NewHash(v)
		default:
			return nil, bad
		}
	}
	if j.branch == "" || j.to.IsZero() {
		return nil, bad
	}
	return j, nil
}

// recoverCheckout finishes or undoes a branch move a kill interrupted, so
// that the work tree and the index agree with the branch again and git
// status is as clean as before the move: when the branch is at the move's
// target, the move is finished; when it is still at its start, the move
// is undone, as if the commit had never been made (the commit is left
// dangling; nothing refers to it). Files someone changed since are left
// as they are. A branch that is at neither commit moved by other hands:
// the journal is dropped and nothing else is touched.
func (s *GitStore) recoverCheckout(ctx context.Context) error {
	j, err := s.readJournal()
	if err != nil || j == nil {
		return err
	}
	ref, err := s.repo.Storer.Reference(j.branch)
	cur := plumbing.ZeroHash
	switch {
	case err == nil:
		cur = ref.Hash()
	case !errors.Is(err, plumbing.ErrReferenceNotFound):
		return fmt.Errorf("read %s: %w", j.branch, err)
	}
	if cur != j.from && cur != j.to {
		s.log.Warn("dropped the journal of an interrupted state checkout: the branch has moved since",
			"branch", j.branch.Short(), "from", j.from.String(), "to", j.to.String(), "branch_at", cur.String())
		return s.removeJournal()
	}
	unreadable := func(err error) error {
		return fmt.Errorf("%s names a state checkout a kill interrupted, from %s to %s, and it cannot be read (%w); "+
			"git status shows the files it left; restore each with git checkout HEAD -- <file>, then remove the journal: rm %s",
			s.shown(journalRel), j.from, j.to, err, s.shown(journalRel))
	}
	fromTree, err := s.treeOf(j.from)
	if err != nil {
		return unreadable(err)
	}
	toTree, err := s.treeOf(j.to)
	if err != nil {
		return unreadable(err)
	}
	changes, err := diffTrees(ctx, fromTree, toTree)
	if err != nil {
		return unreadable(err)
	}
	action := "finished"
	if cur == j.from {
		action = "undid"
		for i, c := range changes {
			changes[i] = c.reversed()
		}
	}
	if err := s.checkout(changes, false, nil); err != nil {
		return fmt.Errorf("recover the interrupted checkout of %s: %w", j.to, err)
	}
	s.log.Warn(action+" a state checkout a killed herald left half done",
		"branch", j.branch.Short(), "from", j.from.String(), "to", j.to.String(), "files", len(changes))
	return s.removeJournal()
}
