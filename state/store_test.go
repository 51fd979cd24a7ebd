package state

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
)

// storeSuite is the behaviour every Store shares, run against each.
func storeSuite(t *testing.T, newStore func(t *testing.T, seed ...*Record) Store) {
	seed := &Record{Post: "blog/old", File: "content/blog/old.md", Hash: "h0",
		Targets: map[string]TargetState{"x": {Status: StatusPublished, IDs: []string{"1"}, UpdatedAt: t0}}}

	t.Run("load missing", func(t *testing.T) {
		s := newStore(t, seed)
		_, err := s.Load(t.Context(), "blog/none")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Load() error = %v, want ErrNotFound", err)
		}
	})
	t.Run("load invalid id", func(t *testing.T) {
		s := newStore(t, seed)
		_, err := s.Load(t.Context(), "../x")
		if !errors.Is(err, ErrInvalidID) {
			t.Errorf("Load() error = %v, want ErrInvalidID", err)
		}
	})
	t.Run("load seeded", func(t *testing.T) {
		s := newStore(t, seed)
		got, err := s.Load(t.Context(), "blog/old")
		if err != nil {
			t.Fatal(err)
		}
		want := normalize(seed)
		want.Version = Version
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Load() mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("put is read back before commit and not aliased", func(t *testing.T) {
		s := newStore(t, seed)
		r := &Record{Post: "blog/new", Targets: map[string]TargetState{"x": {Status: StatusPublishing, UpdatedAt: t0}}}
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
		r.Targets["x"] = TargetState{Status: StatusFailed}
		got, err := s.Load(t.Context(), "blog/new")
		if err != nil {
			t.Fatal(err)
		}
		if got.Targets["x"].Status != StatusPublishing {
			t.Errorf("Load() status = %s, want publishing (the store kept a caller's pointer)", got.Targets["x"].Status)
		}
	})
	t.Run("put refuses invalid", func(t *testing.T) {
		s := newStore(t, seed)
		if err := s.Put(&Record{Post: "ok"}, &Record{Post: "bad", Targets: map[string]TargetState{"x": {Status: "nope"}}}); err == nil {
			t.Fatal("Put() succeeded, want an error")
		}
		if _, err := s.Load(t.Context(), "ok"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Put() staged part of a refused batch: Load() error = %v", err)
		}
	})
	t.Run("walk in id order with staged", func(t *testing.T) {
		s := newStore(t, seed, &Record{Post: "a"}, &Record{Post: "z/y"})
		if err := s.Put(&Record{Post: "m"}, &Record{Post: "a", File: "a.md"}); err != nil {
			t.Fatal(err)
		}
		var ids, files []string
		err := s.Walk(t.Context(), func(r *Record) error {
			ids = append(ids, r.Post)
			files = append(files, r.File)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"a", "blog/old", "m", "z/y"}, ids); diff != "" {
			t.Errorf("Walk() ids (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"a.md", "content/blog/old.md", "", ""}, files); diff != "" {
			t.Errorf("Walk() files (-want +got):\n%s", diff)
		}
	})
	t.Run("walk stops at error", func(t *testing.T) {
		s := newStore(t, seed, &Record{Post: "a"})
		stop := errors.New("stop")
		n := 0
		err := s.Walk(t.Context(), func(*Record) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Walk() = %v after %d calls, want stop after 1", err, n)
		}
	})
	t.Run("commit without changes", func(t *testing.T) {
		s := newStore(t, seed)
		if _, err := s.Commit(t.Context(), CommitInfo{Summary: "nothing", Time: t0}); !errors.Is(err, ErrNoChanges) {
			t.Errorf("Commit() with nothing staged = %v, want ErrNoChanges", err)
		}
		same, err := s.Load(t.Context(), "blog/old")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(same); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(t.Context(), CommitInfo{Summary: "same", Time: t0}); !errors.Is(err, ErrNoChanges) {
			t.Errorf("Commit() of an unchanged record = %v, want ErrNoChanges", err)
		}
	})
	t.Run("commit then load", func(t *testing.T) {
		s := newStore(t, seed)
		r, err := s.Load(t.Context(), "blog/old")
		if err != nil {
			t.Fatal(err)
		}
		r.Targets["bluesky"] = TargetState{Status: StatusPublished, IDs: []string{"at://b"}, UpdatedAt: t0.Add(time.Minute)}
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
		id, err := s.Commit(t.Context(), CommitInfo{Summary: "publish 1 post", Time: t0.Add(time.Minute)})
		if err != nil || id == "" {
			t.Fatalf("Commit() = %q, %v", id, err)
		}
		if err := s.Push(t.Context()); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load(t.Context(), "blog/old")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"at://b"}, got.Targets["bluesky"].IDs); diff != "" {
			t.Errorf("Load() after commit (-want +got):\n%s", diff)
		}
	})
}

func TestMemStore(t *testing.T) {
	storeSuite(t, func(t *testing.T, seed ...*Record) Store {
		s, err := NewMemStore(seed...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestGitStore(t *testing.T) {
	storeSuite(t, func(t *testing.T, seed ...*Record) Store {
		remote := gittest.Bare(t, t.TempDir(), "content")
		gittest.Seed(t, remote, nil, seedFiles(t, seed...))
		return openClone(t, remote, GitOptions{})
	})
}

func TestMemStoreCommitsAndPushFault(t *testing.T) {
	s, err := NewMemStore()
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("remote down")
	s.PushError = func() error { return boom }
	r := &Record{Post: "blog/launch", Targets: map[string]TargetState{
		"x": {Status: StatusPublishing, Attempt: "k1", UpdatedAt: t0}}}
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	id, err := s.Commit(t.Context(), CommitInfo{Summary: "start 1 publish", Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Push(t.Context()); !errors.Is(err, boom) {
		t.Errorf("Push() = %v, want the injected fault", err)
	}
	if s.Unpushed() != 1 {
		t.Errorf("Unpushed() = %d, want 1", s.Unpushed())
	}
	want := []MemCommit{{
		ID:      id,
		Message: "herald: start 1 publish [skip ci]\n\n- blog/launch: x publishing\n",
		Files:   map[string][]byte{".herald/state/blog/launch.json": mustEncode(t, r)},
	}}
	if diff := cmp.Diff(want, s.Commits()); diff != "" {
		t.Errorf("Commits() (-want +got):\n%s", diff)
	}
	s.PushError = nil
	if err := s.Push(t.Context()); err != nil || s.Unpushed() != 0 {
		t.Errorf("Push() = %v, Unpushed() = %d; want nil, 0", err, s.Unpushed())
	}
}

func TestCommitMessage(t *testing.T) {
	old := &Record{Post: "b", Targets: map[string]TargetState{
		"x":       {Status: StatusPublished, UpdatedAt: t0},
		"bluesky": {Status: StatusPublishing, UpdatedAt: t0},
	}}
	tests := []struct {
		name    string
		summary string
		changes []change
		files   []string
		want    string
	}{
		{
			name:    "new and changed posts sorted, unchanged targets left out",
			summary: "publish 2 posts",
			changes: []change{
				{path: ".herald/state/b.json", old: old, new: &Record{Post: "b", Targets: map[string]TargetState{
					"x":       {Status: StatusPublished, UpdatedAt: t0.In(ny)},
					"bluesky": {Status: StatusPublished, UpdatedAt: t0.Add(time.Second)},
				}}},
				{path: ".herald/state/a.json", new: &Record{Post: "a", Targets: map[string]TargetState{
					"y": {Status: StatusFailed}, "x": {Status: StatusPublishing}}}},
			},
			want: "herald: publish 2 posts [skip ci]\n\n- a: x publishing, y failed\n- b: bluesky published\n",
		},
		{
			name:    "post fields only",
			summary: "",
			changes: []change{{path: ".herald/state/b.json", old: old, new: &Record{Post: "b", File: "moved.md", Targets: old.Targets}}},
			want:    "herald: update state [skip ci]\n\n- b\n",
		},
		{
			name:    "files listed after the posts, sorted",
			summary: "1 published",
			changes: []change{{path: ".herald/state/a.json", new: &Record{Post: "a", Targets: map[string]TargetState{"site": {Status: StatusPublished}}}}},
			files:   []string{"public/feed.json", "public/feed.atom"},
			want:    "herald: 1 published [skip ci]\n\n- a: site published\n- file public/feed.atom\n- file public/feed.json\n",
		},
		{
			name:    "files alone",
			summary: "refresh tokens",
			files:   []string{".herald/tokens/x.age"},
			want:    "herald: refresh tokens [skip ci]\n\n- file .herald/tokens/x.age\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, commitMessage(tt.summary, tt.changes, tt.files)); diff != "" {
				t.Errorf("commitMessage() (-want +got):\n%s", diff)
			}
		})
	}
}

func mustEncode(t *testing.T, r *Record) []byte {
	t.Helper()
	data, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// seedFiles returns the files of a content repository holding records.
func seedFiles(t *testing.T, records ...*Record) map[string]string {
	t.Helper()
	files := map[string]string{"README.md": "# content\n"}
	for _, r := range records {
		p, err := PathOf(r.Post)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = string(mustEncode(t, r))
	}
	return files
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
