package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// TestQueueArrivals checks that a queued post arrives with the commit
// that added it on the branch's first-parent line: a post merged from a
// side branch arrives with the merge, not with its own commit.
func TestQueueArrivals(t *testing.T) {
	dir := t.TempDir()
	r, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	commit := func(file string, when time.Time, parents ...plumbing.Hash) plumbing.Hash {
		t.Helper()
		if file != "" {
			p := filepath.Join(dir, file)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("---\npublish_at: next\n---\n"+file+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := wt.Add(file); err != nil {
				t.Fatal(err)
			}
		}
		sig := &object.Signature{Name: "w", Email: "w@example.com", When: when}
		h, err := wt.Commit("add "+file, &git.CommitOptions{Author: sig, Committer: sig, Parents: parents, AllowEmptyCommits: true})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	c1 := commit("posts/a.md", at(1))
	commit("README", at(2))
	commit("posts/b.md", at(3))
	// A side branch from c1 adds c.md at 4:00; it is merged at 6:00,
	// after the main line moved on at 5:00.
	if err := wt.Checkout(&git.CheckoutOptions{Hash: c1, Branch: plumbing.NewBranchReferenceName("side"), Create: true}); err != nil {
		t.Fatal(err)
	}
	side := commit("posts/c.md", at(4))
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName("master")}); err != nil {
		t.Fatal(err)
	}
	main5 := commit("posts/d.md", at(5))
	if err := os.WriteFile(filepath.Join(dir, "posts/c.md"), []byte("---\npublish_at: next\n---\nposts/c.md\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add("posts/c.md"); err != nil {
		t.Fatal(err)
	}
	merge := commit("", at(6), main5, side)

	q := func(id string) schema.Summary {
		return schema.Summary{ID: id, File: "posts/" + id + ".md", PublishNext: true, Queue: "q",
			Targets: []schema.TargetSummary{{Name: "x"}}}
	}
	posts := []schema.Summary{q("a"), q("b"), q("c"), q("d"), q("e")}
	repo := &reconcile.Repo{Dir: dir, Commit: merge.String()}
	got, note := queueArrivals(repo, posts, map[string]*state.Record{
		// d holds a slot already: not looked up.
		"d": {Post: "d", Targets: map[string]state.TargetState{"x": {Status: state.StatusPublished, Slot: at(9)}}},
	})
	if note != "" {
		t.Errorf("note = %q, want none with the whole history", note)
	}
	want := map[string]time.Time{"posts/a.md": at(1), "posts/b.md": at(3), "posts/c.md": at(6)}
	if len(got) != len(want) {
		t.Errorf("arrivals = %v, want %v (e is not committed, d has its slot)", got, want)
	}
	for f, w := range want {
		if !got[f].Equal(w) {
			t.Errorf("%s arrived at %s, want %s", f, got[f], w)
		}
	}
}
