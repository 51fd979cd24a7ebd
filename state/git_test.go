package state

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/google/go-cmp/cmp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/heraldhq/herald/internal/gittest"
)

const testToken = "ghs_s3cr3tT0kenValue1234567890"

// remote is a git remote for a test: its URL, the bare repository behind
// it, and the auth herald uses for it.
type remote struct {
	url  string
	bare string
	auth Auth
}

// transports makes one remote per way herald can push.
var transports = []struct {
	name string
	make func(t *testing.T) remote
}{
	{"path", func(t *testing.T) remote {
		bare := gittest.Bare(t, t.TempDir(), "content")
		return remote{url: bare, bare: bare}
	}},
	{"http", func(t *testing.T) remote {
		root := t.TempDir()
		bare := gittest.Bare(t, root, "content")
		srv := gittest.HTTP(t, root, testToken)
		return remote{url: srv + "/content.git", bare: bare, auth: HTTPToken{Token: testToken}}
	}},
	{"ssh", func(t *testing.T) remote {
		root := t.TempDir()
		bare := gittest.Bare(t, root, "content")
		srv := gittest.SSH(t, root)
		return remote{url: srv.URL("content.git"), bare: bare,
			auth: SSHKey{PEM: srv.ClientKeyPEM, KnownHosts: []string{srv.KnownHosts}}}
	}},
}

func remoteConfig(url string) *config.RemoteConfig {
	return &config.RemoteConfig{Name: "origin", URLs: []string{url}}
}

func goAuth(t *testing.T, a Auth) transport.AuthMethod {
	t.Helper()
	if a == nil {
		return nil
	}
	m, err := a.method()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// openClone clones the remote's main branch and opens a GitStore on it.
func openClone(t *testing.T, url string, opts GitOptions) *GitStore {
	t.Helper()
	opts.Dir = gittest.Clone(t, url, goAuth(t, opts.Auth))
	s, err := OpenGit(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seedRemote(t *testing.T, r remote, records ...*Record) {
	t.Helper()
	gittest.Seed(t, r.url, goAuth(t, r.auth), seedFiles(t, records...))
}

// remoteHead returns the commit main is at in a bare repository.
func remoteHead(t *testing.T, bare string) *object.Commit {
	t.Helper()
	repo, err := git.PlainOpen(bare)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recordsAt returns the record files in a commit's tree, decoded.
func recordsAt(t *testing.T, c *object.Commit) map[string]*Record {
	t.Helper()
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Record{}
	err = tree.Files().ForEach(func(f *object.File) error {
		if !strings.HasPrefix(f.Name, Dir+"/") {
			return nil
		}
		data, err := f.Contents()
		if err != nil {
			return err
		}
		r, err := decodeFile(f.Name, []byte(data))
		if err != nil {
			return err
		}
		out[r.Post] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changedPaths lists the files a commit changed against its parent.
func changedPaths(t *testing.T, c *object.Commit) []string {
	t.Helper()
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	var parentTree *object.Tree
	if c.NumParents() > 0 {
		p, err := c.Parent(0)
		if err != nil {
			t.Fatal(err)
		}
		if parentTree, err = p.Tree(); err != nil {
			t.Fatal(err)
		}
	}
	chs, err := object.DiffTree(parentTree, tree)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, ch := range chs {
		name := ch.To.Name
		if name == "" {
			name = ch.From.Name
		}
		paths = append(paths, name)
	}
	return paths
}

// gitInspect runs the git binary to inspect a result, never to change it.
func gitInspect(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// assertLinear checks that every commit from c down has at most one
// parent.
func assertLinear(t *testing.T, c *object.Commit) {
	t.Helper()
	iter := object.NewCommitPreorderIter(c, nil, nil)
	err := iter.ForEach(func(c *object.Commit) error {
		if c.NumParents() > 1 {
			return fmt.Errorf("commit %s has %d parents", c.Hash, c.NumParents())
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func localHead(t *testing.T, s *GitStore) string {
	t.Helper()
	h, err := s.Head()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestGitCommitAndPush(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	seed := remoteHead(t, r.bare)
	s := openClone(t, r.url, GitOptions{})

	// Something a person staged must not be swept into herald's commit.
	if err := os.WriteFile(filepath.Join(s.dir, "draft.md"), []byte("draft\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, err := git.PlainOpen(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add("draft.md"); err != nil {
		t.Fatal(err)
	}

	launch := fullRecord()
	hello := &Record{Post: "hello", Targets: map[string]TargetState{"x": {Status: StatusScheduled, UpdatedAt: t0}}}
	if err := s.Put(launch, hello); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 12, 1, 9, 0, 0, 0, ny)
	id, err := s.Commit(t.Context(), CommitInfo{Summary: "publish 2 posts", Time: when})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Push(t.Context()); err != nil {
		t.Fatal(err)
	}

	head := remoteHead(t, r.bare)
	if head.Hash.String() != id || localHead(t, s) != id {
		t.Errorf("remote head %s, local head %s, want both the commit %s", head.Hash, localHead(t, s), id)
	}
	if diff := cmp.Diff([]plumbing.Hash{seed.Hash}, head.ParentHashes); diff != "" {
		t.Errorf("parents (-want +got):\n%s", diff)
	}
	wantMsg := "herald: publish 2 posts [skip ci]\n\n" +
		"- blog/launch: bluesky published, mastodon deleted_remotely, x failed\n" +
		"- hello: x scheduled\n"
	if diff := cmp.Diff(wantMsg, head.Message); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	for _, sig := range []object.Signature{head.Author, head.Committer} {
		if sig.Name != "herald" || sig.Email != "herald@users.noreply.github.com" || !sig.When.Equal(when) {
			t.Errorf("signature = %s <%s> %v, want herald <herald@users.noreply.github.com> %v", sig.Name, sig.Email, sig.When, when)
		}
	}
	if diff := cmp.Diff([]string{".herald/state/blog/launch.json", ".herald/state/hello.json"}, changedPaths(t, head)); diff != "" {
		t.Errorf("changed paths (-want +got):\n%s", diff)
	}
	got := recordsAt(t, head)
	want := map[string]*Record{"blog/launch": normalize(launch), "hello": normalize(hello)}
	for _, w := range want {
		w.Version = Version
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records on the remote (-want +got):\n%s", diff)
	}
	onDisk, err := os.ReadFile(filepath.Join(s.dir, ".herald/state/blog/launch.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(mustEncode(t, launch)), string(onDisk)); diff != "" {
		t.Errorf("work tree file (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("A  draft.md\n", gitInspect(t, s.dir, "status", "--porcelain")); diff != "" {
		t.Errorf("git status (-want +got):\n%s", diff)
	}
	gitInspect(t, r.bare, "fsck", "--strict")
	tracking := strings.TrimSpace(gitInspect(t, s.dir, "rev-parse", "refs/remotes/origin/main"))
	if tracking != id {
		t.Errorf("origin/main = %s, want %s", tracking, id)
	}
}

func TestGitIdentity(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	s := openClone(t, r.url, GitOptions{Identity: Identity{Name: "Release Bot", Email: "bot@example.com"}})
	if err := s.Put(&Record{Post: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	head := remoteHead(t, r.bare)
	if head.Author.Name != "Release Bot" || head.Author.Email != "bot@example.com" {
		t.Errorf("author = %s <%s>, want Release Bot <bot@example.com>", head.Author.Name, head.Author.Email)
	}
}

func TestGitOpenErrors(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	dir := gittest.Clone(t, r.url, nil)
	tests := []struct {
		name string
		opts GitOptions
		want string
	}{
		{"not a repository", GitOptions{Dir: t.TempDir()}, "repository does not exist"},
		{"other branch", GitOptions{Dir: dir, Branch: "release"}, "HEAD is on main, not on branch release"},
		{"missing remote", GitOptions{Dir: dir, Remote: "upstream", RequireRemote: true}, `no remote "upstream" to push state to; add one with: git remote add upstream <url>`},
		{"ssh without key", GitOptions{Dir: dir, Auth: SSHKey{}}, "ssh auth: no key given"},
		{"http without token", GitOptions{Dir: dir, Auth: HTTPToken{}}, "http auth: empty token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenGit(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenGit() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGitCommitNeedsTime(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	s := openClone(t, r.url, GitOptions{})
	if err := s.Put(&Record{Post: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(t.Context(), CommitInfo{Summary: "s"}); err == nil {
		t.Error("Commit() without a time succeeded")
	}
}

func TestGitWalkRejectsBadFile(t *testing.T) {
	r := transports[0].make(t)
	gittest.Seed(t, r.url, nil, map[string]string{
		".herald/state/a.json": `{"version":1,"post":"a","extra":true}`,
		".herald/state/b.json": `{"version":1,"post":"not-b"}` + "\n",
	})
	s := openClone(t, r.url, GitOptions{})
	err := s.Walk(t.Context(), func(*Record) error { return nil })
	if err == nil || !containsAll(err.Error(), ".herald/state/a.json", `unknown field "extra"`) {
		t.Errorf("Walk() error = %v, want it to name a.json and the unknown field", err)
	}
	_, err = s.Load(t.Context(), "b")
	if err == nil || !containsAll(err.Error(), ".herald/state/b.json", `post "not-b" does not belong`) {
		t.Errorf("Load() error = %v, want it to name b.json and the wrong post", err)
	}
}

// TestGitRejectedPush: another run pushes first; ours is rejected, fetches,
// re-applies its records on the new head and lands, over every transport.
func TestGitRejectedPush(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := tr.make(t)
			shared := &Record{Post: "shared", File: "shared.md", Targets: map[string]TargetState{
				"x": {Status: StatusPublishing, Attempt: "k1", UpdatedAt: t0}}}
			seedRemote(t, r, shared)
			ours := openClone(t, r.url, GitOptions{Auth: r.auth})
			theirs := openClone(t, r.url, GitOptions{Auth: r.auth})

			// The other run publishes another post and another target of
			// the shared post, and pushes first.
			theirShared := shared.Clone()
			theirShared.Targets["bluesky"] = TargetState{Status: StatusPublished, IDs: []string{"at://b"}, UpdatedAt: t0.Add(time.Minute)}
			if err := theirs.Put(theirShared, &Record{Post: "other", Targets: map[string]TargetState{
				"x": {Status: StatusPublished, IDs: []string{"o1"}, UpdatedAt: t0.Add(time.Minute)}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := theirs.Commit(t.Context(), CommitInfo{Summary: "their run", Time: t0.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if err := theirs.Push(t.Context()); err != nil {
				t.Fatal(err)
			}
			theirHead := remoteHead(t, r.bare)

			// Ours resolves x on the shared post and publishes a new one.
			ourShared := shared.Clone()
			ourShared.Targets["x"] = TargetState{Status: StatusPublished, Attempt: "k1", IDs: []string{"x1"}, UpdatedAt: t0.Add(2 * time.Minute)}
			mine := &Record{Post: "mine", Targets: map[string]TargetState{"x": {Status: StatusPublished, IDs: []string{"m1"}, UpdatedAt: t0.Add(2 * time.Minute)}}}
			if err := ours.Put(ourShared, mine); err != nil {
				t.Fatal(err)
			}
			if _, err := ours.Commit(t.Context(), CommitInfo{Summary: "our run", Time: t0.Add(2 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if err := ours.Push(t.Context()); err != nil {
				t.Fatalf("Push() after a concurrent push: %v", err)
			}

			head := remoteHead(t, r.bare)
			if localHead(t, ours) != head.Hash.String() {
				t.Errorf("local head %s != remote head %s", localHead(t, ours), head.Hash)
			}
			if diff := cmp.Diff([]plumbing.Hash{theirHead.Hash}, head.ParentHashes); diff != "" {
				t.Errorf("our commit's parents (-want +got):\n%s", diff)
			}
			if ok, err := theirHead.IsAncestor(head); err != nil || !ok {
				t.Errorf("the other run's commit is not an ancestor of the remote head: %v", err)
			}
			assertLinear(t, head)
			wantMsg := "herald: our run [skip ci]\n\n- mine: x published\n- shared: x published\n"
			if diff := cmp.Diff(wantMsg, head.Message); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
			got := recordsAt(t, head)
			want := map[string]TargetState{
				"x":       ourShared.Targets["x"],
				"bluesky": theirShared.Targets["bluesky"],
			}
			if diff := cmp.Diff(want, got["shared"].Targets); diff != "" {
				t.Errorf("merged shared record (-want +got):\n%s", diff)
			}
			for _, id := range []string{"mine", "other"} {
				if got[id] == nil {
					t.Errorf("record %s is not on the remote", id)
				}
			}
			if diff := cmp.Diff("", gitInspect(t, ours.dir, "status", "--porcelain")); diff != "" {
				t.Errorf("work tree not clean after the re-applied push:\n%s", diff)
			}
			if _, err := os.Stat(filepath.Join(ours.dir, ".herald/state/other.json")); err != nil {
				t.Errorf("the other run's record is not in the work tree: %v", err)
			}
			gitInspect(t, r.bare, "fsck", "--strict")
		})
	}
}

// TestGitPushMergesSameTarget: two runs change the same target; the later
// updated_at wins, ours on a tie.
func TestGitPushMergesSameTarget(t *testing.T) {
	tests := []struct {
		name       string
		theirAt    time.Time
		ourAt      time.Time
		wantStatus Status
	}{
		{"theirs later", t0.Add(2 * time.Minute), t0.Add(time.Minute), StatusPublished},
		{"ours later", t0.Add(time.Minute), t0.Add(2 * time.Minute), StatusFailed},
		{"tie keeps ours", t0.Add(time.Minute), t0.Add(time.Minute), StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := transports[0].make(t)
			seedRemote(t, r, &Record{Post: "p", Targets: map[string]TargetState{"x": {Status: StatusPublishing, UpdatedAt: t0}}})
			ours := openClone(t, r.url, GitOptions{})
			theirs := openClone(t, r.url, GitOptions{})
			if err := theirs.Put(&Record{Post: "p", Targets: map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: tt.theirAt}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := theirs.Commit(t.Context(), CommitInfo{Summary: "theirs", Time: tt.theirAt}); err != nil {
				t.Fatal(err)
			}
			if err := theirs.Push(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := ours.Put(&Record{Post: "p", Targets: map[string]TargetState{"x": {Status: StatusFailed, UpdatedAt: tt.ourAt}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := ours.Commit(t.Context(), CommitInfo{Summary: "ours", Time: tt.ourAt}); err != nil {
				t.Fatal(err)
			}
			if err := ours.Push(t.Context()); err != nil {
				t.Fatal(err)
			}
			head := remoteHead(t, r.bare)
			if got := recordsAt(t, head)["p"].Targets["x"].Status; got != tt.wantStatus {
				t.Errorf("status on the remote = %s, want %s", got, tt.wantStatus)
			}
			if localHead(t, ours) != head.Hash.String() {
				t.Errorf("local head %s != remote head %s", localHead(t, ours), head.Hash)
			}
			assertLinear(t, head)
		})
	}
}

// TestGitPushRacingIntents: two runs record an intent for the same target
// with different attempt keys; the one that reached the remote first keeps
// it, so only one of them may publish.
func TestGitPushRacingIntents(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r, &Record{Post: "p", Targets: map[string]TargetState{"x": {Status: StatusScheduled, UpdatedAt: t0}}})
	first := openClone(t, r.url, GitOptions{})
	second := openClone(t, r.url, GitOptions{})
	intent := func(s *GitStore, key string, at time.Time) {
		t.Helper()
		if err := s.Put(&Record{Post: "p", Targets: map[string]TargetState{"x": {Status: StatusPublishing, Attempt: key, Attempts: 1, UpdatedAt: at}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(t.Context(), CommitInfo{Summary: "publishing 1 target", Time: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.Push(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	intent(first, "first", t0.Add(time.Minute))
	intent(second, "second", t0.Add(2*time.Minute)) // later, but second to land
	for name, s := range map[string]*GitStore{"first": first, "second": second} {
		rec, err := s.Load(t.Context(), "p")
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Targets["x"].Attempt; got != "first" && name == "second" {
			t.Errorf("%s run reads attempt %q after its push, want the first run's", name, got)
		}
	}
	if got := recordsAt(t, remoteHead(t, r.bare))["p"].Targets["x"].Attempt; got != "first" {
		t.Errorf("remote holds attempt %q, want first", got)
	}
}

func TestGitPushAttemptsExhausted(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	ours := openClone(t, r.url, GitOptions{MaxPushAttempts: 1})
	theirs := openClone(t, r.url, GitOptions{})
	for _, s := range []*GitStore{theirs, ours} {
		if err := s.Put(&Record{Post: fmt.Sprintf("p%p", s)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := theirs.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	err := ours.Push(t.Context())
	if !errors.Is(err, ErrPushRejected) || !strings.Contains(err.Error(), "push rejected 1 times") {
		t.Fatalf("Push() = %v, want ErrPushRejected after 1 attempt", err)
	}
	// The commit was re-applied locally; the next Push lands it.
	if err := ours.Push(t.Context()); err != nil {
		t.Fatalf("second Push() = %v", err)
	}
	if localHead(t, ours) != remoteHead(t, r.bare).Hash.String() {
		t.Error("local head differs from the remote after the second Push")
	}
}

func TestGitPushKeepsLocalChanges(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	ours := openClone(t, r.url, GitOptions{})
	other := gittest.Clone(t, r.url, nil)
	gittest.CommitFiles(t, other, "edit readme", map[string]string{"README.md": "# edited remotely\n"})
	repo, err := git.PlainOpen(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Push(&git.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(ours.dir, "README.md")
	if err := os.WriteFile(readme, []byte("# edited locally\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ours.Put(&Record{Post: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ours.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
		t.Fatal(err)
	}
	err = ours.Push(t.Context())
	if err == nil || !containsAll(err.Error(), "README.md", "local changes") {
		t.Errorf("Push() = %v, want it to refuse because of README.md", err)
	}
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "# edited locally\n" {
		t.Errorf("README.md = %q, the local change was overwritten", data)
	}
}

// TestGitPushRemoteChangedOtherFiles: a person's commit to content lands
// in the work tree when ours is re-applied on it.
func TestGitPushRemoteChangedOtherFiles(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	ours := openClone(t, r.url, GitOptions{})
	other := gittest.Clone(t, r.url, nil)
	gittest.CommitFiles(t, other, "new post", map[string]string{"content/new.md": "# new\n", "README.md": "# changed\n"})
	repo, err := git.PlainOpen(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Push(&git.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ours.Put(&Record{Post: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ours.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := ours.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"content/new.md": "# new\n", "README.md": "# changed\n"} {
		data, err := os.ReadFile(filepath.Join(ours.dir, p))
		if err != nil || string(data) != want {
			t.Errorf("%s = %q, %v; want %q", p, data, err, want)
		}
	}
	if diff := cmp.Diff("", gitInspect(t, ours.dir, "status", "--porcelain")); diff != "" {
		t.Errorf("work tree not clean:\n%s", diff)
	}
}

func TestGitHTTPAuth(t *testing.T) {
	root := t.TempDir()
	bare := gittest.Bare(t, root, "content")
	srv := gittest.HTTP(t, root, testToken)
	url := srv + "/content.git"
	gittest.Seed(t, url, goAuth(t, HTTPToken{Token: testToken}), map[string]string{"README.md": "x\n"})
	dir := gittest.Clone(t, url, goAuth(t, HTTPToken{Token: testToken}))

	tests := []struct {
		name    string
		auth    Auth
		wantErr error
	}{
		{"wrong token", HTTPToken{Token: "ghs_wrongWrongWrong"}, transport.ErrAuthenticationRequired},
		{"wrong user", HTTPToken{Username: "someone", Token: testToken}, transport.ErrAuthenticationRequired},
		{"no auth", nil, transport.ErrAuthenticationRequired},
		{"right token", HTTPToken{Token: testToken}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenGit(GitOptions{Dir: dir, Auth: tt.auth})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Put(&Record{Post: fmt.Sprintf("p%d", i)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
				t.Fatal(err)
			}
			err = s.Push(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Push() = %v", err)
				}
				if remoteHead(t, bare).Hash.String() != localHead(t, s) {
					t.Error("the remote does not have the pushed commit")
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Push() = %v, want %v", err, tt.wantErr)
			}
			if !containsAll(err.Error(), "push state to "+url, "check the token") {
				t.Errorf("Push() error %q does not say where and what to check", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("Push() error leaks the token: %q", err)
			}
		})
	}
}

// TestSecretsNotInErrors collects the errors of every failing operation
// that had a secret and checks none carries it.
func TestSecretsNotInErrors(t *testing.T) {
	root := t.TempDir()
	gittest.Bare(t, root, "content")
	srv := gittest.HTTP(t, root, testToken)
	goodURL := srv + "/content.git"
	gittest.Seed(t, goodURL, goAuth(t, HTTPToken{Token: testToken}), map[string]string{"README.md": "x\n"})

	// A server that is gone, reached through a URL that embeds the token.
	gone := gittest.HTTP(t, t.TempDir(), testToken)
	badURL := strings.Replace(gone, "http://", "http://x-access-token:"+testToken+"@", 1) + "/missing.git"

	pemKey := func() []byte {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		block, err := gossh.MarshalPrivateKey(priv, testToken)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(block)
	}()

	var errs []error
	push := func(url string, auth Auth) {
		dir := gittest.Clone(t, goodURL, goAuth(t, HTTPToken{Token: testToken}))
		repo, err := git.PlainOpen(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.DeleteRemote("origin"); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.CreateRemote(remoteConfig(url)); err != nil {
			t.Fatal(err)
		}
		s, err := OpenGit(GitOptions{Dir: dir, Auth: auth})
		if err != nil {
			errs = append(errs, err)
			return
		}
		if err := s.Put(&Record{Post: "a"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.Push(t.Context()); err != nil {
			errs = append(errs, err)
		}
	}
	push(goodURL, HTTPToken{Token: testToken + "x"})                     // wrong token that contains the right one
	push(badURL, HTTPToken{Token: testToken})                            // token in the URL, repository missing
	push(goodURL, SSHKey{PEM: pemKey, Passphrase: "wrong-" + testToken}) // bad passphrase
	push(goodURL, SSHKey{PEM: []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n" + testToken + "\n-----END OPENSSH PRIVATE KEY-----\n")})
	if len(errs) != 4 {
		t.Fatalf("got %d errors, want 4: %v", len(errs), errs)
	}
	for _, err := range errs {
		for e := error(err); e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), testToken) {
				t.Errorf("error leaks the secret: %q", e)
			}
		}
	}
}

func TestGitSSHWrongKey(t *testing.T) {
	root := t.TempDir()
	gittest.Bare(t, root, "content")
	srv := gittest.SSH(t, root)
	good := SSHKey{PEM: srv.ClientKeyPEM, KnownHosts: []string{srv.KnownHosts}}
	url := srv.URL("content.git")
	gittest.Seed(t, url, goAuth(t, good), map[string]string{"README.md": "x\n"})
	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(other, "")
	if err != nil {
		t.Fatal(err)
	}
	s := openClone(t, url, GitOptions{Auth: good})
	s2, err := OpenGit(GitOptions{Dir: s.dir, Auth: SSHKey{PEM: pem.EncodeToMemory(block), KnownHosts: []string{srv.KnownHosts}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Put(&Record{Post: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Commit(t.Context(), CommitInfo{Summary: "s", Time: t0}); err != nil {
		t.Fatal(err)
	}
	err = s2.Push(t.Context())
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("Push() with an unknown key = %v, want an authentication error", err)
	}
}

// TestGitConcurrentRuns: several runs push at once over HTTP; all land.
func TestGitConcurrentRuns(t *testing.T) {
	root := t.TempDir()
	bare := gittest.Bare(t, root, "content")
	url := gittest.HTTP(t, root, testToken) + "/content.git"
	auth := HTTPToken{Token: testToken}
	gittest.Seed(t, url, goAuth(t, auth), seedFiles(t, &Record{Post: "shared"}))
	const runs = 4
	stores := make([]*GitStore, runs)
	for i := range stores {
		stores[i] = openClone(t, url, GitOptions{Auth: auth, MaxPushAttempts: 2 * runs,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}
	var wg sync.WaitGroup
	errs := make([]error, runs)
	for i, s := range stores {
		wg.Go(func() {
			target := fmt.Sprintf("t%d", i)
			at := t0.Add(time.Duration(i) * time.Second)
			errs[i] = func() error {
				if err := s.Put(
					&Record{Post: fmt.Sprintf("run%d", i), Targets: map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: at}}},
					&Record{Post: "shared", Targets: map[string]TargetState{target: {Status: StatusPublished, UpdatedAt: at}}},
				); err != nil {
					return err
				}
				if _, err := s.Commit(context.Background(), CommitInfo{Summary: target, Time: at}); err != nil {
					return err
				}
				return s.Push(t.Context())
			}()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	head := remoteHead(t, bare)
	got := recordsAt(t, head)
	for i := range runs {
		if got[fmt.Sprintf("run%d", i)] == nil {
			t.Errorf("run%d's record is missing", i)
		}
		if _, ok := got["shared"].Targets[fmt.Sprintf("t%d", i)]; !ok {
			t.Errorf("shared lacks target t%d: %v", i, got["shared"].Targets)
		}
	}
	assertLinear(t, head)
	if n := strings.Count(gitInspect(t, bare, "log", "--format=%H", "main"), "\n"); n != runs+1 {
		t.Errorf("remote history has %d commits, want %d", n, runs+1)
	}
}

// TestGitRejectedPushReplaysEachCommit: a run that committed twice (start
// of publishing, then results) re-applies both commits, in order, with
// their own messages.
func TestGitRejectedPushReplaysEachCommit(t *testing.T) {
	r := transports[0].make(t)
	seedRemote(t, r)
	ours := openClone(t, r.url, GitOptions{})
	theirs := openClone(t, r.url, GitOptions{})
	if err := theirs.Put(&Record{Post: "other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := theirs.Commit(t.Context(), CommitInfo{Summary: "theirs", Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := theirs.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	theirHead := remoteHead(t, r.bare)
	steps := []struct {
		summary string
		status  Status
	}{{"start 1 publish", StatusPublishing}, {"record 1 publish", StatusPublished}}
	for i, st := range steps {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		if err := ours.Put(&Record{Post: "p", Targets: map[string]TargetState{"x": {Status: st.status, UpdatedAt: at}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ours.Commit(t.Context(), CommitInfo{Summary: st.summary, Time: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ours.Push(t.Context()); err != nil {
		t.Fatal(err)
	}
	head := remoteHead(t, r.bare)
	var msgs []string
	for c := head; c.Hash != theirHead.Hash; {
		msgs = append(msgs, c.Message)
		if c.NumParents() != 1 {
			t.Fatalf("commit %s has %d parents", c.Hash, c.NumParents())
		}
		p, err := c.Parent(0)
		if err != nil {
			t.Fatal(err)
		}
		c = p
	}
	want := []string{
		"herald: record 1 publish [skip ci]\n\n- p: x published\n",
		"herald: start 1 publish [skip ci]\n\n- p: x publishing\n",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("commits on top of the other run's (-want +got):\n%s", diff)
	}
	if got := recordsAt(t, head); got["p"].Targets["x"].Status != StatusPublished || got["other"] == nil {
		t.Errorf("records on the remote = %v", got)
	}
}
