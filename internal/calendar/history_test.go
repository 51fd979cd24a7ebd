package calendar

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/state"
)

// commitState commits files (path -> record) to the repository in dir at
// time when, as apply and sync commit state.
func commitState(t *testing.T, repo *git.Repository, dir string, when time.Time, msg string, files map[string]*state.Record) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for path, rec := range files {
		data := []byte("# " + msg + "\n")
		if rec != nil {
			data, err = state.Encode(rec)
			if err != nil {
				t.Fatal(err)
			}
		}
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(path); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "herald", Email: "herald@example.com", When: when}
	if _, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

func published(id string, targets map[string]*state.Metrics) *state.Record {
	rec := &state.Record{Post: id, File: "posts/" + id + ".md", Targets: map[string]state.TargetState{}}
	for name, m := range targets {
		rec.Targets[name] = state.TargetState{Status: state.StatusPublished, URLs: []string{"https://example.com/" + id},
			FirstPublishedAt: at("2026-12-01T14:00:00Z"), UpdatedAt: at("2026-12-01T14:00:00Z"), Metrics: m}
	}
	return rec
}

func TestHistory(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	commitState(t, repo, dir, at("2026-11-30T10:00:00Z"), "posts", map[string]*state.Record{"posts/beta.md": nil, "posts/faq.md": nil})
	commitState(t, repo, dir, at("2026-12-01T14:00:00Z"), "apply: beta", map[string]*state.Record{
		".herald/state/beta.json": published("beta", map[string]*state.Metrics{"bluesky": nil, "mastodon": nil}),
	})
	commitState(t, repo, dir, at("2026-12-01T20:00:00Z"), "sync", map[string]*state.Record{
		".herald/state/beta.json": published("beta", map[string]*state.Metrics{
			"bluesky":  {Likes: n(10), Reposts: n(2), SyncedAt: at("2026-12-01T20:00:00Z")},
			"mastodon": {Likes: n(4), SyncedAt: at("2026-12-01T20:00:00Z")},
		}),
	})
	// A commit outside the state does not count; nor does one that
	// leaves the sums as they were.
	commitState(t, repo, dir, at("2026-12-02T09:00:00Z"), "edit", map[string]*state.Record{"posts/faq.md": nil})
	commitState(t, repo, dir, at("2026-12-02T10:00:00Z"), "apply: faq", map[string]*state.Record{
		".herald/state/faq.json": published("faq", map[string]*state.Metrics{"site": nil}),
	})
	commitState(t, repo, dir, at("2026-12-02T20:00:00Z"), "sync", map[string]*state.Record{
		".herald/state/beta.json": published("beta", map[string]*state.Metrics{
			"bluesky":  {Likes: n(30), Reposts: n(8), Replies: n(4), SyncedAt: at("2026-12-02T20:00:00Z")},
			"mastodon": {Likes: n(9), SyncedAt: at("2026-12-02T20:00:00Z")},
		}),
		".herald/state/faq.json": published("faq", map[string]*state.Metrics{"site": {Impressions: n(500), SyncedAt: at("2026-12-02T20:00:00Z")}}),
	})

	tests := []struct {
		name string
		keep func(string) bool
		want []Point
	}{
		{"all", nil, []Point{
			{At: at("2026-12-01T20:00:00Z"), Totals: Totals{Likes: n(14), Reposts: n(2)}},
			{At: at("2026-12-02T20:00:00Z"), Totals: Totals{Likes: n(39), Reposts: n(8), Replies: n(4), Impressions: n(500)}},
		}},
		{"one campaign", func(id string) bool { return id == "faq" }, []Point{
			{At: at("2026-12-02T20:00:00Z"), Totals: Totals{Impressions: n(500)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := History(t.Context(), dir, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if len(got[i].Commit) != 40 {
					t.Errorf("point %d: commit %q is not a hash", i, got[i].Commit)
				}
				got[i].Commit = ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("History (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHistoryEmpty(t *testing.T) {
	dir := t.TempDir()
	if _, err := git.PlainInit(dir, false); err != nil {
		t.Fatal(err)
	}
	got, err := History(t.Context(), dir, nil)
	if err != nil || got != nil {
		t.Errorf("History of a repository with no commits = %v, %v; want nothing", got, err)
	}
}
