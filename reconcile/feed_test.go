package reconcile

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

const (
	feedAtom = "public/feed.atom"
	feedJSON = "public/feed.json"
)

// feedRig is herald publishing to the site's feed from CI: a bare remote,
// and runs that each start from a clone of it with the real feed adapter
// writing into the clone and staging its files in the run's store, as
// herald apply wires it.
type feedRig struct {
	t     *testing.T
	bare  string
	clock *clock
}

func newFeedRig(t *testing.T) *feedRig {
	t.Helper()
	bare := gittest.Bare(t, t.TempDir(), "content")
	gittest.Seed(t, bare, nil, map[string]string{"README.md": "# content\n"})
	return &feedRig{t: t, bare: bare, clock: &clock{t: planNow}}
}

// open opens a store on the work tree at dir: a new process on it.
func (fr *feedRig) open(dir string) *state.GitStore {
	fr.t.Helper()
	s, err := state.OpenGit(state.GitOptions{Dir: dir, MaxPushAttempts: 10})
	if err != nil {
		fr.t.Fatal(err)
	}
	return s
}

// checkout is a fresh clone: a CI run's start.
func (fr *feedRig) checkout() (*state.GitStore, string) {
	fr.t.Helper()
	dir := gittest.Clone(fr.t, fr.bare, nil)
	return fr.open(dir), dir
}

func feedPost(id string) schema.Summary {
	return schema.Summary{ID: id, File: "posts/" + id + ".md", Hash: "h-" + id,
		Targets: []schema.TargetSummary{{Name: "site", Platform: "feed", Hash: "t-" + id + "-site"}}}
}

// plan plans posts ids from the store's records.
func (fr *feedRig) plan(s state.Store, ids ...string) *Plan {
	fr.t.Helper()
	var records []*state.Record
	if err := s.Walk(context.Background(), func(r *state.Record) error { records = append(records, r); return nil }); err != nil {
		fr.t.Fatal(err)
	}
	var posts []schema.Summary
	for _, id := range ids {
		posts = append(posts, feedPost(id))
	}
	cfg := &schema.Config{Timezone: ny, MaxLateness: 24 * time.Hour,
		Accounts: map[string]*schema.Account{"site": {Name: "site", Platform: "feed"}}}
	return MakePlan(PlanInput{Now: fr.clock.Now(), Posts: posts, Records: records, Config: cfg,
		Caps: func(string) Capabilities { return Capabilities{Update: true, Delete: true} }})
}

// applier is one run on the work tree at dir with store s.
func (fr *feedRig) applier(s *state.GitStore, dir string, hook func(Step, *Action) error) *Applier {
	fr.t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		fr.t.Fatal(err)
	}
	fr.t.Cleanup(func() { root.Close() })
	ctor := feed.ConstructorWith(feed.Options{Root: root,
		Stage: func(path string, data []byte, merge func(base, ours, theirs []byte) ([]byte, error)) error {
			return s.PutFile(path, data, merge)
		}})
	pub, err := ctor(platforms.Settings{Account: "site", Platform: "feed", Now: fr.clock.Now,
		Values: map[string]any{"atom": feedAtom, "json": feedJSON, "site_url": "https://example.com"}})
	if err != nil {
		fr.t.Fatal(err)
	}
	return &Applier{
		Store:     s,
		Providers: func(string) ([]platforms.Publisher, error) { return []platforms.Publisher{pub}, nil },
		Payload: func(ctx context.Context, a Action, _ map[string]string) (*platforms.Payload, error) {
			return &platforms.Payload{PostID: a.Post, Target: a.Target, Platform: "feed", Title: "Post " + a.Post,
				Parts: []platforms.Part{{Text: "post " + a.Post}}, Hash: "t-" + a.Post + "-site"}, nil
		},
		Now:   fr.clock.Now,
		Sleep: fr.clock.Sleep,
		Push:  true,
		Hook:  hook,
	}
}

// remoteHead is the commit main is at on the remote.
func (fr *feedRig) remoteHead() *object.Commit {
	fr.t.Helper()
	repo, err := git.PlainOpen(fr.bare)
	if err != nil {
		fr.t.Fatal(err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	if err != nil {
		fr.t.Fatal(err)
	}
	c, err := repo.CommitObject(ref.Hash())
	if err != nil {
		fr.t.Fatal(err)
	}
	return c
}

// remoteFile is a file on the remote's head; "" when it is not there.
func (fr *feedRig) remoteFile(path string) string {
	fr.t.Helper()
	tree, err := fr.remoteHead().Tree()
	if err != nil {
		fr.t.Fatal(err)
	}
	f, err := tree.File(path)
	if errors.Is(err, object.ErrFileNotFound) {
		return ""
	}
	if err != nil {
		fr.t.Fatal(err)
	}
	s, err := f.Contents()
	if err != nil {
		fr.t.Fatal(err)
	}
	return s
}

// remoteEntries counts the entries of each feed file on the remote, by
// entry ID, read with the test's own structs.
func (fr *feedRig) remoteEntries() map[string]map[string]int {
	fr.t.Helper()
	out := map[string]map[string]int{feedAtom: {}, feedJSON: {}}
	var atom struct {
		Entries []struct {
			ID string `xml:"id"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(fr.remoteFile(feedAtom)), &atom); err != nil {
		fr.t.Fatalf("remote %s: %v", feedAtom, err)
	}
	for _, e := range atom.Entries {
		out[feedAtom][e.ID]++
	}
	var jf struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(fr.remoteFile(feedJSON)), &jf); err != nil {
		fr.t.Fatalf("remote %s: %v", feedJSON, err)
	}
	for _, it := range jf.Items {
		out[feedJSON][it.ID]++
	}
	return out
}

// assertPublished checks that the remote's feed files hold each post once
// and nothing else, that its state says each is published with its entry
// ID, that a plan on it does nothing, and that feed files were committed
// only with results, never with intents.
func (fr *feedRig) assertPublished(ids ...string) {
	fr.t.Helper()
	want := map[string]int{}
	for _, id := range ids {
		want["tag:example.com,2026:"+id] = 1
	}
	if diff := cmp.Diff(map[string]map[string]int{feedAtom: want, feedJSON: want}, fr.remoteEntries()); diff != "" {
		fr.t.Errorf("entries in the remote's feed files (-want +got):\n%s", diff)
	}
	s, _ := fr.checkout()
	for _, id := range ids {
		rec, err := s.Load(context.Background(), id)
		if err != nil {
			fr.t.Errorf("state of %s on the remote: %v", id, err)
			continue
		}
		ts := rec.Targets["site"]
		if ts.Status != state.StatusPublished || !cmp.Equal(ts.IDs, []string{"tag:example.com,2026:" + id}) {
			fr.t.Errorf("%s on the remote: status %s, ids %v", id, ts.Status, ts.IDs)
		}
	}
	if p := fr.plan(s, ids...); p.Changes() != 0 {
		fr.t.Errorf("the final plan still acts: %+v", p.Actions)
	}
	iter := object.NewCommitPreorderIter(fr.remoteHead(), nil, nil)
	err := iter.ForEach(func(c *object.Commit) error {
		touches := false
		if c.NumParents() == 1 {
			parent, err := c.Parent(0)
			if err != nil {
				return err
			}
			patch, err := parent.Patch(c)
			if err != nil {
				return err
			}
			for _, fp := range patch.FilePatches() {
				if from, to := fp.Files(); from != nil && strings.HasPrefix(from.Path(), "public/") || to != nil && strings.HasPrefix(to.Path(), "public/") {
					touches = true
				}
			}
		}
		switch {
		case strings.HasPrefix(c.Message, "herald: publishing") && touches:
			fr.t.Errorf("intent commit %s carries feed files:\n%s", c.Hash, c.Message)
		case touches && !strings.Contains(c.Message, "- file "+feedAtom+"\n"):
			fr.t.Errorf("commit %s writes the feed without naming it:\n%s", c.Hash, c.Message)
		}
		return nil
	})
	if err != nil {
		fr.t.Fatal(err)
	}
}

// TestApplyFeedRacingRuns: two runs publish different posts to one feed
// at once, each from its own clone. Whichever push is rejected merges the
// feed files entry by entry: the remote ends with both entries, each post
// published exactly once.
func TestApplyFeedRacingRuns(t *testing.T) {
	t.Parallel()
	for _, meet := range []Step{StepAfterIntentCommit, StepBeforeResultPush, ""} {
		name := string(meet)
		if meet == "" {
			name = "as scheduled"
		}
		for i := range 3 {
			t.Run(fmt.Sprintf("%s %d", name, i), func(t *testing.T) {
				t.Parallel()
				fr := newFeedRig(t)
				// Both runs wait for each other at meet, so that both push
				// on the same base.
				var met sync.WaitGroup
				met.Add(2)
				hook := func(step Step, _ *Action) error {
					if meet != "" && step == meet {
						met.Done()
						met.Wait()
					}
					return nil
				}
				type run struct {
					ap  *Applier
					p   *Plan
					res *Result
					err error
				}
				var runs []*run
				for _, id := range []string{"a", "b"} {
					s, dir := fr.checkout()
					runs = append(runs, &run{ap: fr.applier(s, dir, hook), p: fr.plan(s, id)})
				}
				var wg sync.WaitGroup
				for _, rn := range runs {
					wg.Go(func() { rn.res, rn.err = rn.ap.Apply(context.Background(), rn.p) })
				}
				wg.Wait()
				for k, rn := range runs {
					if rn.err != nil {
						t.Fatalf("run %d: %v", k, rn.err)
					}
					if diff := cmp.Diff([]string{[]string{"a", "b"}[k] + "/site:published"}, outcomes(rn.res)); diff != "" {
						t.Errorf("run %d (-want +got):\n%s", k, diff)
					}
				}
				fr.assertPublished("a", "b")
			})
		}
	}
}

// TestApplyFeedCrashBeforeResults: a run writes the feed and dies before
// committing its results. The next run looks the attempt up through the
// feed's Finder, which reads its work tree. On a fresh clone (CI) the
// files are as committed, without the entry: not found, so the post is
// published again, once, by post ID. On the same work tree (a machine
// that keeps it) the entry is found, and the files are committed with the
// record that says published.
func TestApplyFeedCrashBeforeResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sameTree   bool
		wantDetail string
	}{
		{"fresh clone", false, "the earlier attempt had not landed"},
		{"same work tree", true, "found the earlier attempt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fr := newFeedRig(t)
			// An earlier post is on the remote's feed already.
			s, dir := fr.checkout()
			if _, err := fr.applier(s, dir, nil).Apply(context.Background(), fr.plan(s, "old")); err != nil {
				t.Fatal(err)
			}

			s, dir = fr.checkout()
			crash := func(step Step, _ *Action) error {
				if step == StepBeforeResultCommit {
					return errCrash
				}
				return nil
			}
			if _, err := fr.applier(s, dir, crash).Apply(context.Background(), fr.plan(s, "old", "a")); !errors.Is(err, errCrash) {
				t.Fatalf("crashed run = %v, want the crash", err)
			}
			data, err := os.ReadFile(dir + "/" + feedAtom)
			if err != nil || !strings.Contains(string(data), "tag:example.com,2026:a") {
				t.Fatalf("the crashed run did not write its entry (%v)", err)
			}
			if strings.Contains(fr.remoteFile(feedAtom), "tag:example.com,2026:a") {
				t.Fatal("the crashed run's entry reached the remote without its results")
			}

			_ = fr.clock.Sleep(context.Background(), time.Hour)
			if !tt.sameTree {
				s, dir = fr.checkout()
			} else {
				s = fr.open(dir)
			}
			// The recovery run also creates a new post: its intent commit
			// must not carry the files the look-up staged.
			p := fr.plan(s, "old", "a", "c")
			res, err := fr.applier(s, dir, nil).Apply(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"a/site:published", "c/site:published"}, outcomes(res)); diff != "" {
				t.Errorf("recovery (-want +got):\n%s", diff)
			}
			for _, it := range res.Items {
				if it.Post == "a" && (it.Kind != Resolve || !strings.Contains(it.Detail, tt.wantDetail)) {
					t.Errorf("a: %s with %q, want a resolve with %q", it.Kind, it.Detail, tt.wantDetail)
				}
			}
			fr.assertPublished("old", "a", "c")
		})
	}
}
