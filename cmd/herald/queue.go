package main

import (
	"path"
	"slices"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// withSlots gives each queued post among posts its slot as publish_at,
// as the plan assigns them, for the views that show when posts go out
// (status, calendar).
func withSlots(repo *reconcile.Repo, posts []schema.Summary, records map[string]*state.Record, now time.Time) {
	list := make([]*state.Record, 0, len(records))
	for _, r := range records {
		list = append(list, r)
	}
	added, _ := queueArrivals(repo, posts, records)
	slots := reconcile.QueueSlots(reconcile.PlanInput{Now: now, Posts: posts, Records: list, Config: repo.Config, Added: added})
	for i, s := range posts {
		if at, ok := slots[s.ID]; ok {
			s.PublishAt, s.PublishNext = &at, false
			posts[i] = s
		}
	}
}

// queueArrivals is when each queued post's file reached the branch: the
// committer time of the commit on the first-parent line from the commit
// repo reads (HEAD for the work tree) that added it; for a merged pull
// request, the merge. Queued posts take slots in this order, each at or
// after its arrival. A file not committed yet is left out (it arrives
// now). When the history does not reach a file's arrival (a shallow
// clone) or there is no repository, such files arrive at the oldest
// commit known (or now), so their order falls back to their paths, and
// the note says so. Posts that hold a slot already (records) are left
// out, so the walk ends at the oldest post still waiting.
func queueArrivals(repo *reconcile.Repo, posts []schema.Summary, records map[string]*state.Record) (map[string]time.Time, string) {
	var files []string
	for _, s := range posts {
		// Only posts still waiting for a slot: the walk stops once it
		// has found them, however long the history.
		if reconcile.WaitingForSlot(s, records[s.ID]) {
			files = append(files, s.File)
		}
	}
	if len(files) == 0 {
		return nil, ""
	}
	r, err := git.PlainOpenWithOptions(repo.Dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, "not a git repository: queued posts take their slots in path order, from now"
	}
	var c *object.Commit
	if repo.Commit != "" {
		c, err = r.CommitObject(plumbing.NewHash(repo.Commit))
	} else if ref, herr := r.Head(); herr == nil {
		c, err = r.CommitObject(ref.Hash())
	} else {
		err = herr
	}
	if err != nil {
		return nil, "no commit to read the history from: queued posts take their slots in path order, from now"
	}

	// Walking back from the head, a file's arrival is the time of the
	// oldest commit of the unbroken run of commits that hold it.
	out := map[string]time.Time{}
	pending := map[string]bool{}
	byDir := map[string][]string{}
	first := true
	dirHash := map[string]plumbing.Hash{}
	for _, f := range files {
		pending[f] = true
		d := path.Dir(f)
		byDir[d] = append(byDir[d], f)
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	oldest := c
	for len(pending) > 0 {
		tree, err := c.Tree()
		if err != nil {
			break
		}
		when := c.Committer.When
		for _, d := range dirs {
			h := tree.Hash
			if d != "." {
				e, err := tree.FindEntry(d)
				if err != nil {
					h = plumbing.ZeroHash
				} else {
					h = e.Hash
				}
			}
			same := !first && h == dirHash[d]
			dirHash[d] = h
			for _, f := range byDir[d] {
				if !pending[f] {
					continue
				}
				held := same
				if !same && !h.IsZero() {
					_, ferr := tree.FindEntry(f)
					held = ferr == nil
				}
				switch {
				case held:
					out[f] = when
				case first:
					delete(pending, f) // not committed: it arrives now
				default:
					delete(pending, f) // added by the commit after this one
				}
			}
		}
		first = false
		oldest = c
		if c.NumParents() == 0 {
			// The root commit added what it holds.
			clear(pending)
			break
		}
		p, err := c.Parent(0)
		if err != nil {
			break // a shallow clone's boundary
		}
		c = p
	}
	if len(pending) == 0 {
		return out, ""
	}
	for f := range pending {
		out[f] = oldest.Committer.When
	}
	return out, "the git history is shallow: queued posts that arrived before commit " + oldest.Hash.String()[:7] +
		" take their slots in path order (fetch the whole history, e.g. actions/checkout with fetch-depth: 0, for their real order)"
}
