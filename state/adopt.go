package state

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxAdopt bounds how many unpushed commits OpenGit looks at, and how far
// down the remote-tracking ref's history it looks for where they start.
const maxAdopt = 1000

// adopt takes the state commits an earlier run made and did not push (it
// was killed, or its push failed) as this store's pending commits, so that
// Push pushes them and, when the remote has moved, makes them again on
// its head like its own. Without it such commits would make every later
// re-apply refuse the branch ("commits that are not on the remote").
//
// A commit is adopted when it is herald's: made by the store's identity
// with a state commit's message, one parent, and changes only to record
// files and to the files its message lists. The chain from the branch's
// head down to the remote-tracking ref's history is adopted up to the
// first commit that is not herald's, which becomes the base: a person's
// unpushed commit below it still makes a re-apply refuse, as before.
// Files adopted this way merge with the MergeFunc a later PutFile gives
// for the same path, else ours wins.
func (s *GitStore) adopt() error {
	if s.noRemote {
		return nil
	}
	tracking := s.trackingHash()
	head, err := s.head()
	if err != nil {
		return err
	}
	if tracking.IsZero() || head.IsZero() || head == tracking {
		return nil
	}
	onRemote := s.ancestors(tracking, maxAdopt)
	var chain []*object.Commit
	h := head
	for !onRemote[h] {
		if len(chain) == maxAdopt {
			return nil
		}
		c, err := object.GetCommit(s.repo.Storer, h)
		if err != nil {
			// The end of a shallow clone's history.
			return nil
		}
		if !s.isStateCommit(c) {
			break
		}
		chain = append(chain, c)
		h = c.ParentHashes[0]
	}
	if len(chain) == 0 {
		return nil
	}
	pending := make([]pendingCommit, 0, len(chain))
	for i := len(chain) - 1; i >= 0; i-- {
		p, err := s.pendingOf(chain[i])
		if err != nil {
			s.log.Warn("left an unpushed commit as it is: it cannot be read as a state commit",
				"commit", chain[i].Hash.String(), "error", err.Error())
			return nil
		}
		pending = append(pending, p)
	}
	s.pending, s.base = pending, h
	s.log.Info("adopted state commits an earlier run did not push; the next push pushes them",
		"commits", len(chain), "head", head.String(), "base", h.String())
	return nil
}

// ancestors returns up to n commits of the history of h, h included.
func (s *GitStore) ancestors(h plumbing.Hash, n int) map[plumbing.Hash]bool {
	seen := map[plumbing.Hash]bool{h: true}
	queue := []plumbing.Hash{h}
	for len(queue) > 0 && len(seen) < n {
		c, err := object.GetCommit(s.repo.Storer, queue[0])
		queue = queue[1:]
		if err != nil {
			continue
		}
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return seen
}

// stateSubject returns the summary of a state commit's message.
func stateSubject(msg string) (string, bool) {
	first, _, _ := strings.Cut(msg, "\n")
	rest, ok := strings.CutPrefix(first, "herald: ")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, " [skip ci]")
}

// isStateCommit reports whether c looks like a commit this store makes.
func (s *GitStore) isStateCommit(c *object.Commit) bool {
	if c.NumParents() != 1 || c.Author.Name != s.identity.Name || c.Author.Email != s.identity.Email ||
		c.Committer.Email != s.identity.Email {
		return false
	}
	_, ok := stateSubject(c.Message)
	return ok
}

// pendingOf rebuilds the pending commit a state commit was made from.
func (s *GitStore) pendingOf(c *object.Commit) (pendingCommit, error) {
	summary, _ := stateSubject(c.Message)
	listed := map[string]bool{}
	for _, line := range strings.Split(c.Message, "\n") {
		if f, ok := strings.CutPrefix(line, "- file "); ok {
			listed[f] = true
		}
	}
	parent, err := c.Parent(0)
	if err != nil {
		return pendingCommit{}, err
	}
	parentTree, err := parent.Tree()
	if err != nil {
		return pendingCommit{}, err
	}
	tree, err := c.Tree()
	if err != nil {
		return pendingCommit{}, err
	}
	changes, err := object.DiffTree(parentTree, tree)
	if err != nil {
		return pendingCommit{}, err
	}
	p := pendingCommit{summary: summary, when: c.Author.When,
		records: map[string]*Record{}, bases: map[string]*Record{}, files: map[string]pendingFile{}}
	if p.summary == "update state" {
		p.summary = ""
	}
	for _, ch := range changes {
		path := ch.To.Name
		if path == "" {
			return pendingCommit{}, fmt.Errorf("it deletes %s", ch.From.Name)
		}
		switch {
		case strings.HasPrefix(path, Dir+"/") && strings.HasSuffix(path, ".json"):
			r, _, err := s.readRecord(tree, path)
			if err != nil {
				return pendingCommit{}, err
			}
			p.records[path] = r
			old, _, err := s.readRecord(parentTree, path)
			switch {
			case err == nil:
				p.bases[path] = old
			case !errors.Is(err, ErrNotFound):
				return pendingCommit{}, err
			}
		case listed[path]:
			data, err := s.readFile(tree, path)
			if err != nil {
				return pendingCommit{}, err
			}
			base, err := s.readFile(parentTree, path)
			if err != nil {
				return pendingCommit{}, err
			}
			p.files[path] = pendingFile{data: data, base: base}
		default:
			return pendingCommit{}, fmt.Errorf("it changes %s, which is neither a record nor a file it lists", path)
		}
	}
	return p, nil
}
