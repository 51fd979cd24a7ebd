package state

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// deepenSteps are the depths, counted from the remote's head, that a
// shallow clone is deepened to, one after the other, until its history
// shows whether the commit the local state commits were made on is on the
// remote. A CI checkout is a depth-1 clone of a commit a few commits
// behind the remote at most; the last step bounds the download.
var deepenSteps = []int{8, 64, 512, 4096}

// Push implements Store. It pushes the branch without force. When the
// remote has moved on, it fetches, makes every unpushed commit again on
// the remote's head with each record merged by Merge with the remote's
// version, and tries again, up to MaxPushAttempts times. After a
// successful Push the branch equals the remote's.
//
// In a shallow clone (a CI checkout at depth 1) the fetch sends the
// clone's shallow boundary and deepens it step by step (deepenSteps) only
// as far as needed to prove that the remote's head descends from the
// commit the local state commits were made on; .git/shallow is kept
// right.
func (s *GitStore) Push(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return nil
	}
	if s.noRemote {
		return fmt.Errorf("push state: %w", s.noRemoteError())
	}
	var last error
	for attempt := 1; attempt <= s.attempts; attempt++ {
		head, err := s.head()
		if err != nil {
			return fmt.Errorf("push state: %w", err)
		}
		before := s.trackingHash()
		err = s.pushOnce(ctx, head)
		if err == nil {
			s.pending = nil
			s.base = head
			if err := s.repo.Storer.SetReference(plumbing.NewHashReference(s.tracking, head)); err != nil {
				return fmt.Errorf("push state: update %s: %w", s.tracking.Short(), err)
			}
			if err := s.appendReflog(s.tracking, before, head, "update by push"); err != nil {
				s.log.WarnContext(ctx, "could not write the reflog", "error", err.Error())
			}
			s.log.InfoContext(ctx, "state pushed", "commit", head.String(), "attempt", attempt)
			return nil
		}
		if ctx.Err() != nil || !mayHaveMoved(err) {
			return s.pushError(err)
		}
		last = err
		remote, ferr := s.fetch(ctx, 0)
		if ferr != nil {
			return s.pushError(fmt.Errorf("%w; then fetch: %w", err, ferr))
		}
		moved, err := s.remoteMoved(head, remote)
		if err != nil {
			return s.pushError(err)
		}
		if !moved {
			// Refused for another reason than a concurrent change.
			return s.pushError(fmt.Errorf("the remote refused the push although it has no commits the local branch lacks: %w", last))
		}
		s.log.InfoContext(ctx, "state push rejected; re-applying on the remote head",
			"attempt", attempt, "remote_head", remote.String())
		if err := s.rebase(ctx, head, remote); err != nil {
			return s.pushError(err)
		}
	}
	return s.pushError(fmt.Errorf("%w %d times as the remote kept changing; last: %w", ErrPushRejected, s.attempts, last))
}

// Unpushed returns how many state commits this store holds that the
// remote has not got: an earlier run's that OpenGit adopted (it was killed
// before its push, or its push failed), and this store's own.
func (s *GitStore) Unpushed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// CheckRemote asks the remote for its refs, so that a run that will push
// finds a missing remote, a wrong URL or a refused credential before it
// commits anything it could not push.
func (s *GitStore) CheckRemote(ctx context.Context) error {
	if s.noRemote {
		return fmt.Errorf("check the state remote: %w", s.noRemoteError())
	}
	rem, err := s.repo.Remote(s.remote)
	if err != nil {
		return fmt.Errorf("check the state remote: %w", err)
	}
	if _, err := rem.ListContext(ctx, &git.ListOptions{Auth: s.auth}); err != nil {
		return s.red.error(fmt.Errorf("check the state remote %s%s: %w", s.url, authHint(err), err))
	}
	return nil
}

func (s *GitStore) pushError(err error) error {
	return s.red.error(fmt.Errorf("push state to %s %s%s: %w; the state commits stay on the local branch %s",
		s.url, s.branch.Short(), authHint(err), err, s.branch.Short()))
}

// authHint says what to check when the remote refused the credentials.
func authHint(err error) string {
	if errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed) {
		return " (check the token or key herald pushes with)"
	}
	return ""
}

func (s *GitStore) pushOnce(ctx context.Context, head plumbing.Hash) error {
	spec := config.RefSpec(s.branch.String() + ":" + s.branch.String())
	err := s.repo.PushContext(ctx, &git.PushOptions{
		RemoteName: s.remote,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       s.auth,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// mayHaveMoved reports whether a push error may be the remote having
// moved: go-git's own non-fast-forward check, the server refusing the ref
// update, or, in a shallow clone, go-git failing to walk past the shallow
// boundary to the remote's new head. Push confirms it by fetching.
func mayHaveMoved(err error) bool {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"non-fast-forward", "fetch first", "command error on", "failed to update ref", "failed to lock"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// trackingHash returns the remote-tracking ref's commit, zero when it
// has none.
func (s *GitStore) trackingHash() plumbing.Hash {
	ref, err := s.repo.Storer.Reference(s.tracking)
	if err != nil {
		return plumbing.ZeroHash
	}
	return ref.Hash()
}

// isShallow reports whether the repository is a shallow clone.
func (s *GitStore) isShallow() (bool, error) {
	sh, err := s.repo.Storer.Shallow()
	if err != nil {
		return false, fmt.Errorf("read .git/shallow: %w", err)
	}
	return len(sh) > 0, nil
}

// fetch fetches the branch into its remote-tracking ref and returns its
// head. In a shallow clone it fetches with a depth (the first of
// deepenSteps unless depth says more), which is what makes go-git tell
// the server where the clone's history is cut: without it the server may
// send objects as deltas against objects below the cut, which the clone
// lacks.
func (s *GitStore) fetch(ctx context.Context, depth int) (plumbing.Hash, error) {
	shallow, err := s.isShallow()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if shallow && depth == 0 {
		depth = deepenSteps[0]
	}
	if !shallow {
		depth = 0
	}
	before := s.trackingHash()
	spec := config.RefSpec("+" + s.branch.String() + ":" + s.tracking.String())
	err = s.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: s.remote,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       s.auth,
		Depth:      depth,
		Tags:       git.NoTags,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, err
	}
	if shallow {
		if err := s.fixShallow(); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	ref, err := s.repo.Storer.Reference(s.tracking)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", s.tracking.Short(), err)
	}
	msg := "fetch: fast-forward"
	if depth > 0 {
		msg = fmt.Sprintf("fetch --depth=%d", depth)
	}
	if err := s.appendReflog(s.tracking, before, ref.Hash(), msg); err != nil {
		s.log.WarnContext(ctx, "could not write the reflog", "error", err.Error())
	}
	return ref.Hash(), nil
}

// fixShallow drops from .git/shallow every commit whose parents are all
// present now: go-git adds the commits a deepening fetch cut at, but never
// removes those it fetched the parents of, and git would take them for
// roots.
func (s *GitStore) fixShallow() error {
	sh, err := s.repo.Storer.Shallow()
	if err != nil {
		return fmt.Errorf("read .git/shallow: %w", err)
	}
	seen := map[plumbing.Hash]bool{}
	keep := make([]plumbing.Hash, 0, len(sh))
	for _, h := range sh {
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := object.GetCommit(s.repo.Storer, h)
		if err != nil {
			keep = append(keep, h)
			continue
		}
		whole := true
		for _, p := range c.ParentHashes {
			if _, err := s.repo.Storer.EncodedObject(plumbing.CommitObject, p); err != nil {
				whole = false
				break
			}
		}
		if !whole {
			keep = append(keep, h)
		}
	}
	if len(keep) == len(sh) {
		return nil
	}
	if err := s.repo.Storer.SetShallow(keep); err != nil {
		return fmt.Errorf("write .git/shallow: %w", err)
	}
	return nil
}

// remoteMoved reports whether remote has commits that head lacks. In a
// shallow clone a remote head that cannot be found above the cut counts
// as moved; rebase then proves or refuses it.
func (s *GitStore) remoteMoved(head, remote plumbing.Hash) (bool, error) {
	if remote == head {
		return false, nil
	}
	if head.IsZero() {
		return true, nil
	}
	found, _, err := s.reach(remote, head)
	if err != nil {
		return false, err
	}
	return !found, nil
}

// reach looks for commit a among b and its ancestors. cut reports that
// the walk met the end of a shallow clone's history (a commit listed in
// .git/shallow, or a parent that is not there), so that not finding a
// proves nothing.
func (s *GitStore) reach(a, b plumbing.Hash) (found, cut bool, err error) {
	if a == b {
		return true, false, nil
	}
	shallow := map[plumbing.Hash]bool{}
	sh, err := s.repo.Storer.Shallow()
	if err != nil {
		return false, false, fmt.Errorf("read .git/shallow: %w", err)
	}
	for _, h := range sh {
		shallow[h] = true
	}
	seen := map[plumbing.Hash]bool{b: true}
	queue := []plumbing.Hash{b}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if h == a {
			return true, cut, nil
		}
		if shallow[h] {
			cut = true
			continue
		}
		c, err := object.GetCommit(s.repo.Storer, h)
		if errors.Is(err, plumbing.ErrObjectNotFound) && h != b {
			cut = true
			continue
		}
		if err != nil {
			return false, false, fmt.Errorf("read commit %s: %w", h, err)
		}
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false, cut, nil
}

// contains reports whether commit a is remote or one of its ancestors. In
// a shallow clone whose history is cut before the answer, it deepens the
// history from the remote's head, step by step (deepenSteps).
func (s *GitStore) contains(ctx context.Context, remote, a plumbing.Hash) (bool, error) {
	for i := 0; ; i++ {
		found, cut, err := s.reach(a, remote)
		if err != nil || found || !cut {
			return found, err
		}
		if i == len(deepenSteps) {
			return false, fmt.Errorf("the remote's history, fetched %d commits deep, does not reach %s, which the local state commits were made on, "+
				"and the clone is shallow; check out with more history (actions/checkout fetch-depth: 0, or git fetch --unshallow) and run again",
				deepenSteps[len(deepenSteps)-1], a)
		}
		s.log.InfoContext(ctx, "deepening the shallow clone to find the local state's base on the remote",
			"depth", deepenSteps[i], "base", a.String())
		// Should the remote have moved again, its new head's history
		// holds remote's; the push that follows finds the move.
		if _, err := s.fetch(ctx, deepenSteps[i]); err != nil {
			return false, fmt.Errorf("deepen the shallow clone to %d commits: %w", deepenSteps[i], err)
		}
	}
}

// rebase makes every pending commit again on remote, merging each record
// with the remote's version, and moves the branch from head to the result.
func (s *GitStore) rebase(ctx context.Context, head, remote plumbing.Hash) error {
	if !s.base.IsZero() {
		ok, err := s.contains(ctx, remote, s.base)
		if err != nil {
			return fmt.Errorf("re-apply state: %w", err)
		}
		if !ok {
			return fmt.Errorf("re-apply state: the remote branch does not contain %s, which the local state commits were made on; "+
				"the local branch has commits that are not on the remote, or the remote was rewritten", s.base)
		}
	}
	next := remote
	for _, p := range s.pending {
		tree, err := s.treeOf(next)
		if err != nil {
			return fmt.Errorf("re-apply state: %w", err)
		}
		merge := func(path string, ours, theirs *Record) *Record { return Merge(p.bases[path], ours, theirs) }
		files := p.files
		if len(files) > 0 {
			files = make(map[string]pendingFile, len(p.files))
			for path, pf := range p.files {
				if pf.merge == nil {
					pf.merge = s.merges[path]
				}
				files[path] = pf
			}
		}
		h, err := s.commitRecords(ctx, next, tree, p.summary, p.when, p.records, files, merge)
		if err != nil {
			return fmt.Errorf("re-apply state: %w", err)
		}
		next = h
	}
	if err := s.moveBranch(ctx, head, next, true, "herald: re-apply state commits on "+s.tracking.Short()+" "+remote.String()); err != nil {
		return fmt.Errorf("re-apply state: %w", err)
	}
	s.base = remote
	return nil
}
