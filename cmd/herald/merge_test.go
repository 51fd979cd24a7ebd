package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport/http"

	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms/mastodon"
)

// TestMergeFlow is the workflow a team runs, end to end: a pull request
// adds a post and plan comments on it; the branch is merged; two apply
// runs start at once (a push and a scheduled run) and the post is
// published exactly once, its state pushed with the Actions token; a
// second pull request edits the published post and the comment shows the
// update with the published text against the new one.
func TestMergeFlow(t *testing.T) {
	const gitToken = "actions-token"
	now := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	masto := mastodon.NewFake(t, mastodon.FakeOptions{Now: func() time.Time { return now }})
	gh := ghub.NewFake(t, "acme", "content")

	root := t.TempDir()
	gittest.Bare(t, root, "content")
	origin := gittest.HTTP(t, root, gitToken) + "/content.git"
	auth := &http.BasicAuth{Username: "x-access-token", Password: gitToken}
	gittest.Seed(t, origin, auth, map[string]string{
		"herald.yaml":    "timezone: Europe/Berlin\naccounts:\n  mastodon:\n    base_url: " + masto.URL() + "\n    token_env: MASTODON_TOKEN\n",
		"posts/later.md": "---\ntitle: Later\npublish_at: 2027-01-10 09:00\nto: [mastodon]\n---\nNext year.\n",
	})
	env := map[string]string{
		"HERALD_NOW": now.Format(time.RFC3339), "MASTODON_TOKEN": mastodon.FakeToken,
		"GITHUB_TOKEN": ghub.FakeToken, "GITHUB_API_URL": gh.URL(), "GITHUB_REPOSITORY": "acme/content",
	}
	herald := func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		var out, errs bytes.Buffer
		code := run(t.Context(), args, strings.NewReader(""), &out, &errs, fakeEnv(env))
		return out.String() + errs.String(), code
	}

	// The pull request adds a post; plan comments on it.
	pr := branch(t, origin, auth, "add-launch")
	gittest.CommitFiles(t, pr, "Add the launch post", map[string]string{
		"posts/launch.md": "---\ntitle: Launch\nto: [mastodon]\n---\nSluice 2 is out.\n",
	})
	out, code := herald(t, "plan", "--repo", pr, "--comment", "--pr", "7", "--base", "origin/main")
	if code != 0 {
		t.Fatalf("plan --comment: exit %d\n%s", code, out)
	}
	comments := gh.Comments(7)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "- **Adds** [`launch`]") ||
		!strings.Contains(comments[0].Body, "| mastodon | `+` publishes on merge |") ||
		!strings.Contains(comments[0].Body, "```text\nSluice 2 is out.\n```") {
		t.Fatalf("comment after the first plan: %+v", comments)
	}

	// Merged: the branch's commit becomes main on the remote.
	push(t, pr, auth, "refs/heads/add-launch:refs/heads/main")

	// Two runs at once, as a push and a cron run would start.
	env["HERALD_GIT_TOKEN"] = gitToken
	runners := []string{gittest.Clone(t, origin, auth), gittest.Clone(t, origin, auth)}
	var wg sync.WaitGroup
	outs := make([]string, len(runners))
	codes := make([]int, len(runners))
	for i, dir := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], codes[i] = herald(t, "apply", "--repo", dir, "--push")
		}()
	}
	wg.Wait()
	for i := range runners {
		if codes[i] != 0 {
			t.Errorf("apply run %d: exit %d\n%s", i+1, codes[i], outs[i])
		}
	}
	posts := masto.Posts()
	if len(posts) != 1 {
		t.Fatalf("mastodon has %d posts, want exactly 1:\n%s\n---\n%s", len(posts), outs[0], outs[1])
	}
	fresh := gittest.Clone(t, origin, auth)
	rec, err := os.ReadFile(filepath.Join(fresh, ".herald/state/launch.json"))
	if err != nil {
		t.Fatalf("the state commit was not pushed: %v", err)
	}
	if !strings.Contains(string(rec), `"status": "published"`) {
		t.Fatalf("state on the remote:\n%s", rec)
	}
	out, code = herald(t, "apply", "--repo", fresh, "--push")
	if code != 0 || !strings.Contains(out, "No changes.") {
		t.Errorf("a third run: exit %d, want no changes\n%s", code, out)
	}

	// A second pull request edits the published post: the comment shows
	// an update, and the published text against the new one.
	pr2 := branch(t, origin, auth, "fix-launch")
	gittest.CommitFiles(t, pr2, "Say more", map[string]string{
		"posts/launch.md": "---\ntitle: Launch\nto: [mastodon]\n---\nSluice 2 is out, with replay.\n",
	})
	out, code = herald(t, "plan", "--repo", pr2, "--comment", "--pr", "8", "--base", "origin/main")
	if code != 0 {
		t.Fatalf("plan --comment: exit %d\n%s", code, out)
	}
	comments = gh.Comments(8)
	if len(comments) != 1 {
		t.Fatalf("%d comments on the second pull request", len(comments))
	}
	for _, want := range []string{
		"- **Edits** [`launch`]",
		"| mastodon | `~` edits https://social.example/@herald/1 on merge |",
		"<blockquote>Sluice 2 is out<ins>, with replay</ins>.</blockquote>",
	} {
		if !strings.Contains(comments[0].Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, comments[0].Body)
		}
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Errorf("github fake: %q", v)
	}
}

// branch clones origin and checks out a new branch, as a pull request's
// author works.
func branch(t *testing.T, origin string, auth *http.BasicAuth, name string) string {
	t.Helper()
	dir := gittest.Clone(t, origin, auth)
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func push(t *testing.T, dir string, auth *http.BasicAuth, refspec string) {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Push(&git.PushOptions{RemoteName: "origin", Auth: auth, RefSpecs: []config.RefSpec{config.RefSpec(refspec)}}); err != nil {
		t.Fatalf("push %s: %v", refspec, err)
	}
}
