package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
)

const feedPath = "public/feed.atom"

// published is a record of post id published on site, at t.
func published(id string, at time.Time) *Record {
	return &Record{Post: id, File: id + ".md", Targets: map[string]TargetState{
		"site": {Status: StatusPublished, IDs: []string{"tag:" + id}, UpdatedAt: at}}}
}

// fileAt returns the content of path in the remote's head, and whether it
// is there.
func fileAt(t *testing.T, bare, path string) (string, bool) {
	t.Helper()
	tree, err := remoteHead(t, bare).Tree()
	if err != nil {
		t.Fatal(err)
	}
	f, err := tree.File(path)
	if err != nil {
		return "", false
	}
	s, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return s, true
}

func readWork(t *testing.T, s *GitStore, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestPutFilePaths(t *testing.T) {
	tests := []struct {
		name, path string
		ok         bool
	}{
		{"feed", "public/feed.atom", true},
		{"token beside state", ".herald/tokens/x.age", true},
		{"top level", "feed.json", true},
		{"empty", "", false},
		{"absolute", "/etc/passwd", false},
		{"parent", "../feed.atom", false},
		{"parent inside", "public/../../feed.atom", false},
		{"dot", "./feed.atom", false},
		{"double slash", "public//feed.atom", false},
		{"trailing slash", "public/", false},
		{"backslash", `public\feed.atom`, false},
		{"git dir", ".git/config", false},
		{"git dir any case", "a/.GIT/hooks/pre-commit", false},
		{"a record", ".herald/state/a.json", false},
		{"the state dir", ".herald/state", false},
	}
	r := transports[0].make(t)
	seedRemote(t, r)
	stores := map[string]Store{"git": openClone(t, r.url, GitOptions{})}
	mem, err := NewMemStore()
	if err != nil {
		t.Fatal(err)
	}
	stores["mem"] = mem
	for name, s := range stores {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				err := s.PutFile(tt.path, []byte("x"), nil)
				if (err == nil) != tt.ok {
					t.Errorf("PutFile(%q) = %v, want ok=%t", tt.path, err, tt.ok)
				}
			})
		}
	}
}

// TestGitPutFileCommit: a staged file goes in the same commit as the
// records, lands in the work tree and on the remote, and is named in the
// message; RecordsOnly leaves it staged for the next commit.
func TestGitPutFileCommit(t *testing.T) {
	ctx := t.Context()
	r := transports[0].make(t)
	seedRemote(t, r)
	s := openClone(t, r.url, GitOptions{})

	// Intent: records only, with a file already staged.
	if err := s.PutFile(feedPath, []byte("<feed>a</feed>\n"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(&Record{Post: "a", Targets: map[string]TargetState{"site": {Status: StatusPublishing, UpdatedAt: t0}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, CommitInfo{Summary: "publishing 1 target", Time: t0, RecordsOnly: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := fileAt(t, r.bare, feedPath); ok {
		t.Errorf("a records-only commit carried %s", feedPath)
	}

	// Results: the record and the file, in one commit.
	if err := s.Put(published("a", t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, CommitInfo{Summary: "1 published", Time: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Push(ctx); err != nil {
		t.Fatal(err)
	}
	head := remoteHead(t, r.bare)
	if diff := cmp.Diff([]string{".herald/state/a.json", feedPath}, changedPaths(t, head)); diff != "" {
		t.Errorf("files of the result commit (-want +got):\n%s", diff)
	}
	wantMsg := "herald: 1 published [skip ci]\n\n- a: site published\n- file public/feed.atom\n"
	if diff := cmp.Diff(wantMsg, head.Message); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if got, _ := fileAt(t, r.bare, feedPath); got != "<feed>a</feed>\n" {
		t.Errorf("remote %s = %q", feedPath, got)
	}
	if got := readWork(t, s, feedPath); got != "<feed>a</feed>\n" {
		t.Errorf("work tree %s = %q", feedPath, got)
	}
	if diff := cmp.Diff("", gitInspect(t, s.dir, "status", "--porcelain")); diff != "" {
		t.Errorf("work tree not clean:\n%s", diff)
	}

	// The same content again is no change.
	if err := s.PutFile(feedPath, []byte("<feed>a</feed>\n"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, CommitInfo{Summary: "nothing", Time: t0.Add(2 * time.Minute)}); !errors.Is(err, ErrNoChanges) {
		t.Errorf("Commit of an unchanged file = %v, want ErrNoChanges", err)
	}
}

// mergeCall is what a MergeFunc was called with; nil slices print as
// "<nil>" so that a missing base shows.
type mergeCall struct{ Base, Ours, Theirs string }

func show(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	return string(b)
}

// TestGitPutFileRejectedPush: another run pushes the same file first; the
// replay calls the file's MergeFunc with the base, ours and theirs, or
// takes one side when only one changed it.
func TestGitPutFileRejectedPush(t *testing.T) {
	merged := func(base, ours, theirs []byte) ([]byte, error) {
		return []byte(strings.Join([]string{show(base), show(ours), show(theirs)}, "|")), nil
	}
	tests := []struct {
		name      string
		seed      string // "" for no file on the remote
		theirs    string // "" when the other run leaves the file alone
		ours      string
		nilMerge  bool
		wantCalls []mergeCall
		want      string
	}{
		{name: "both changed", seed: "base", theirs: "theirs", ours: "ours",
			wantCalls: []mergeCall{{"base", "ours", "theirs"}}, want: "base|ours|theirs"},
		{name: "both created", theirs: "theirs", ours: "ours",
			wantCalls: []mergeCall{{"<nil>", "ours", "theirs"}}, want: "<nil>|ours|theirs"},
		{name: "only ours changed", seed: "base", ours: "ours", want: "ours"},
		{name: "only theirs changed", seed: "base", theirs: "theirs", ours: "base", want: "theirs"},
		{name: "same change", seed: "base", theirs: "same", ours: "same", want: "same"},
		{name: "no merge function: ours wins", seed: "base", theirs: "theirs", ours: "ours", nilMerge: true, want: "ours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			r := transports[0].make(t)
			files := seedFiles(t)
			if tt.seed != "" {
				files[feedPath] = tt.seed
			}
			gittest.Seed(t, r.url, nil, files)
			ours := openClone(t, r.url, GitOptions{})
			theirs := openClone(t, r.url, GitOptions{})

			if err := theirs.Put(published("b", t0)); err != nil {
				t.Fatal(err)
			}
			if tt.theirs != "" {
				if err := theirs.PutFile(feedPath, []byte(tt.theirs), nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := theirs.Commit(ctx, CommitInfo{Summary: "their run", Time: t0}); err != nil {
				t.Fatal(err)
			}
			if err := theirs.Push(ctx); err != nil {
				t.Fatal(err)
			}

			var calls []mergeCall
			var merge MergeFunc
			if !tt.nilMerge {
				merge = func(base, o, th []byte) ([]byte, error) {
					calls = append(calls, mergeCall{show(base), show(o), show(th)})
					return merged(base, o, th)
				}
			}
			if err := ours.Put(published("a", t0.Add(time.Minute))); err != nil {
				t.Fatal(err)
			}
			if err := ours.PutFile(feedPath, []byte(tt.ours), merge); err != nil {
				t.Fatal(err)
			}
			if _, err := ours.Commit(ctx, CommitInfo{Summary: "our run", Time: t0.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if err := ours.Push(ctx); err != nil {
				t.Fatalf("Push() after a concurrent push: %v", err)
			}
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("merge calls (-want +got):\n%s", diff)
			}
			if got, _ := fileAt(t, r.bare, feedPath); got != tt.want {
				t.Errorf("remote %s = %q, want %q", feedPath, got, tt.want)
			}
			if got := readWork(t, ours, feedPath); got != tt.want {
				t.Errorf("work tree %s = %q, want %q", feedPath, got, tt.want)
			}
			if got := recordsAt(t, remoteHead(t, r.bare)); got["a"] == nil || got["b"] == nil {
				t.Errorf("records on the remote: %v, want a and b", got)
			}
			if diff := cmp.Diff("", gitInspect(t, ours.dir, "status", "--porcelain")); diff != "" {
				t.Errorf("work tree not clean after the re-applied push:\n%s", diff)
			}
		})
	}
}

// TestGitPutFileMergeError: a file that cannot be merged fails the push,
// naming the file and the cause, and keeps the local commit, so that a
// later push or a person can still land it.
func TestGitPutFileMergeError(t *testing.T) {
	ctx := t.Context()
	r := transports[0].make(t)
	files := seedFiles(t)
	files[feedPath] = "base"
	gittest.Seed(t, r.url, nil, files)
	ours := openClone(t, r.url, GitOptions{MaxPushAttempts: 2})
	theirs := openClone(t, r.url, GitOptions{})
	if err := theirs.PutFile(feedPath, []byte("theirs"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := theirs.Commit(ctx, CommitInfo{Summary: "their run", Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := theirs.Push(ctx); err != nil {
		t.Fatal(err)
	}
	remoteBefore := remoteHead(t, r.bare).Hash

	errBroken := errors.New("theirs is not a feed")
	if err := ours.Put(published("a", t0)); err != nil {
		t.Fatal(err)
	}
	if err := ours.PutFile(feedPath, []byte("ours"), func(_, _, _ []byte) ([]byte, error) { return nil, errBroken }); err != nil {
		t.Fatal(err)
	}
	commit, err := ours.Commit(ctx, CommitInfo{Summary: "our run", Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	err = ours.Push(ctx)
	if !errors.Is(err, errBroken) || !strings.Contains(err.Error(), "merge public/feed.atom") {
		t.Fatalf("Push() = %v, want the merge error naming %s", err, feedPath)
	}
	if got := localHead(t, ours); got != commit {
		t.Errorf("local head %s, want the local commit %s kept", got, commit)
	}
	if got := readWork(t, ours, feedPath); got != "ours" {
		t.Errorf("work tree %s = %q, want ours kept", feedPath, got)
	}
	if got := remoteHead(t, r.bare).Hash; got != remoteBefore {
		t.Errorf("the remote moved to %s on a failed merge", got)
	}
	if rec, err := ours.Load(ctx, "a"); err != nil || rec.Targets["site"].Status != StatusPublished {
		t.Errorf("Load(a) = %v, %v: the local record must be kept", rec, err)
	}
}

// TestMemPutFile: a MemStore commits files as GitStore does, so that
// packages testing against it see the same commits.
func TestMemPutFile(t *testing.T) {
	ctx := t.Context()
	s, err := NewMemStore()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(feedPath, []byte("one"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(published("a", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, CommitInfo{Summary: "intent", Time: t0, RecordsOnly: true}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.File(feedPath); ok {
		t.Errorf("a records-only commit committed %s", feedPath)
	}
	if _, err := s.Commit(ctx, CommitInfo{Summary: "1 published", Time: t0}); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.File(feedPath); !ok || string(got) != "one" {
		t.Errorf("File(%s) = %q, %t", feedPath, got, ok)
	}
	commits := s.Commits()
	if len(commits) != 2 {
		t.Fatalf("%d commits, want 2", len(commits))
	}
	want := MemCommit{ID: "mem-2", Message: "herald: 1 published [skip ci]\n\n- file public/feed.atom\n",
		Files: map[string][]byte{feedPath: []byte("one")}}
	if diff := cmp.Diff(want, commits[1]); diff != "" {
		t.Errorf("second commit (-want +got):\n%s", diff)
	}
	if err := s.PutFile(feedPath, []byte("one"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, CommitInfo{Summary: "again", Time: t0}); !errors.Is(err, ErrNoChanges) {
		t.Errorf("Commit of an unchanged file = %v, want ErrNoChanges", err)
	}
}
