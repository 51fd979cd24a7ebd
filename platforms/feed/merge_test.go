package feed_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/platformtest"
)

type mergeFunc = func(base, ours, theirs []byte) ([]byte, error)

// stager records what a feed stages, as the state store would.
type stager struct {
	mu     sync.Mutex
	data   map[string][]byte
	merges map[string]mergeFunc
	calls  []string // paths, in order
	err    error    // returned by every call when set
}

func newStager() *stager {
	return &stager{data: map[string][]byte{}, merges: map[string]mergeFunc{}}
}

func (s *stager) stage(path string, data []byte, merge func(base, ours, theirs []byte) ([]byte, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.data[path] = bytes.Clone(data)
	s.merges[path] = merge
	s.calls = append(s.calls, path)
	return nil
}

// run is one herald run's view of the feed: a copy of the repository's
// files as checked out, a clock, and a feed staging into a stager.
type run struct {
	dir    string
	clock  *clock
	feed   *feed.Feed
	staged *stager
}

// checkout starts a run on a work tree holding files (path -> content),
// with a feed configured by values.
func checkout(t *testing.T, files map[string][]byte, values map[string]any, at time.Time) *run {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	r := &run{dir: dir, clock: &clock{t: at}, staged: newStager()}
	ctor := feed.ConstructorWith(feed.Options{Root: root, Stage: r.staged.stage})
	pub, err := ctor(platforms.Settings{Account: "blog", Platform: "feed", Values: values, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.feed = pub.(*feed.Feed)
	return r
}

// files returns the feed files in the run's work tree.
func (r *run) files(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{atomPath, jsonPath} {
		data, err := os.ReadFile(filepath.Join(r.dir, p))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[p] = data
	}
	return out
}

func mustPublish(t *testing.T, f *feed.Feed, id, text string) *platforms.Receipt {
	t.Helper()
	rc, err := f.Publish(t.Context(), platformtest.Payload(id, text), "k")
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// mergeAll merges each file of ours with theirs over base, with the merge
// function ours staged.
func mergeAll(t *testing.T, ours *run, base, theirs map[string][]byte) (map[string][]byte, error) {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{atomPath, jsonPath} {
		merge := ours.staged.merges[p]
		if merge == nil {
			t.Fatalf("%s was not staged with a merge function", p)
		}
		data, err := merge(base[p], ours.staged.data[p], theirs[p])
		if err != nil {
			return nil, err
		}
		out[p] = data
	}
	return out, nil
}

// entries returns ID -> title of the entries of both files, after checking
// that the two files agree.
func entries(t *testing.T, files map[string][]byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.Base(p))
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fromAtom := map[string]string{}
	for _, e := range readAtom(t, filepath.Join(dir, filepath.Base(atomPath))).Entries {
		fromAtom[e.ID] = e.Title.Body
	}
	fromJSON := map[string]string{}
	for _, it := range readJSONFeed(t, filepath.Join(dir, filepath.Base(jsonPath))).Items {
		fromJSON[it.ID] = it.Title
	}
	if diff := cmp.Diff(fromAtom, fromJSON); diff != "" {
		t.Errorf("the merged JSON Feed disagrees with the merged Atom file (-atom +json):\n%s", diff)
	}
	return fromAtom
}

func id(post string) string { return "tag:example.com,2026:" + post }

// TestMergeRacingPublishes: two runs check out the same feed and publish
// different posts at once. Merging either run's files onto the other's
// keeps both entries, and gives exactly the bytes one run publishing both
// posts in turn would have written.
func TestMergeRacingPublishes(t *testing.T) {
	seed := checkout(t, nil, bothFiles(), start)
	mustPublish(t, seed.feed, "old", "An old post")
	base := seed.files(t)

	a := checkout(t, base, bothFiles(), start.Add(time.Hour))
	mustPublish(t, a.feed, "a", "Post A")
	b := checkout(t, base, bothFiles(), start.Add(2*time.Hour))
	mustPublish(t, b.feed, "b", "Post B")

	// One run doing both, for the bytes to expect.
	serial := checkout(t, base, bothFiles(), start.Add(time.Hour))
	mustPublish(t, serial.feed, "a", "Post A")
	serial.clock.Set(start.Add(2 * time.Hour))
	mustPublish(t, serial.feed, "b", "Post B")
	want := serial.files(t)

	for _, tt := range []struct {
		name         string
		ours, theirs *run
	}{
		{"a replayed on b", a, b},
		{"b replayed on a", b, a},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff([]string{jsonPath, atomPath}, tt.ours.staged.calls); diff != "" {
				t.Errorf("staged (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ours.files(t), tt.ours.staged.data); diff != "" {
				t.Errorf("staged content differs from the work tree (-disk +staged):\n%s", diff)
			}
			got, err := mergeAll(t, tt.ours, base, tt.theirs.files(t))
			if err != nil {
				t.Fatal(err)
			}
			wantEntries := map[string]string{id("old"): "An old post", id("a"): "Post A", id("b"): "Post B"}
			if diff := cmp.Diff(wantEntries, entries(t, got)); diff != "" {
				t.Errorf("merged entries (-want +got):\n%s", diff)
			}
			for _, p := range []string{atomPath, jsonPath} {
				if diff := cmp.Diff(string(want[p]), string(got[p])); diff != "" {
					t.Errorf("merged %s differs from one run publishing both (-want +got):\n%s", p, diff)
				}
			}
		})
	}
}

// TestMergeRule: how an entry both runs touched is settled.
func TestMergeRule(t *testing.T) {
	type edit func(t *testing.T, f *feed.Feed)
	publish := func(post, text string) edit {
		return func(t *testing.T, f *feed.Feed) { mustPublish(t, f, post, text) }
	}
	remove := func(post string) edit {
		return func(t *testing.T, f *feed.Feed) {
			if err := f.Delete(t.Context(), &platforms.Receipt{IDs: []string{id(post)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	nothing := func(*testing.T, *feed.Feed) {}
	tests := []struct {
		name             string
		ours, theirs     edit
		oursAt, theirsAt time.Duration // after the base was written
		want             map[string]string
	}{
		{"ours changed, theirs did not", publish("p", "Ours"), nothing, time.Hour, time.Hour,
			map[string]string{id("p"): "Ours", id("q"): "Q"}},
		{"theirs changed, ours did not", publish("q", "Q"), publish("p", "Theirs"), time.Hour, time.Hour,
			map[string]string{id("p"): "Theirs", id("q"): "Q"}},
		{"both changed, theirs newer", publish("p", "Ours"), publish("p", "Theirs"), time.Hour, 2 * time.Hour,
			map[string]string{id("p"): "Theirs", id("q"): "Q"}},
		{"both changed, ours newer", publish("p", "Ours"), publish("p", "Theirs"), 2 * time.Hour, time.Hour,
			map[string]string{id("p"): "Ours", id("q"): "Q"}},
		{"both changed at once: ours", publish("p", "Ours"), publish("p", "Theirs"), time.Hour, time.Hour,
			map[string]string{id("p"): "Ours", id("q"): "Q"}},
		{"ours removed, theirs did not", remove("p"), nothing, time.Hour, time.Hour,
			map[string]string{id("q"): "Q"}},
		{"ours removed, theirs changed: ours", remove("p"), publish("p", "Theirs"), time.Hour, 2 * time.Hour,
			map[string]string{id("q"): "Q"}},
		{"theirs removed, ours changed: ours", publish("p", "Ours"), remove("p"), time.Hour, 2 * time.Hour,
			map[string]string{id("p"): "Ours", id("q"): "Q"}},
		{"theirs removed, ours did not", publish("q", "Q"), remove("p"), time.Hour, time.Hour,
			map[string]string{id("q"): "Q"}},
		{"both added the same post", publish("n", "Ours"), publish("n", "Theirs"), time.Hour, 2 * time.Hour,
			map[string]string{id("p"): "P", id("q"): "Q", id("n"): "Theirs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := checkout(t, nil, bothFiles(), start)
			mustPublish(t, seed.feed, "p", "P")
			mustPublish(t, seed.feed, "q", "Q")
			base := seed.files(t)
			ours := checkout(t, base, bothFiles(), start.Add(tt.oursAt))
			tt.ours(t, ours.feed)
			theirs := checkout(t, base, bothFiles(), start.Add(tt.theirsAt))
			tt.theirs(t, theirs.feed)
			got, err := mergeAll(t, ours, base, theirs.files(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, entries(t, got)); diff != "" {
				t.Errorf("merged entries (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMergeTrims: entries both runs added beyond max_entries push the
// oldest out, as one run adding both would.
func TestMergeTrims(t *testing.T) {
	values := bothFiles()
	values["max_entries"] = 2
	seed := checkout(t, nil, values, start)
	mustPublish(t, seed.feed, "p", "P")
	mustPublish(t, seed.feed, "q", "Q")
	base := seed.files(t)
	ours := checkout(t, base, values, start.Add(time.Hour))
	mustPublish(t, ours.feed, "a", "A")
	theirs := checkout(t, base, values, start.Add(2*time.Hour))
	mustPublish(t, theirs.feed, "b", "B")
	got, err := mergeAll(t, ours, base, theirs.files(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{id("a"): "A", id("b"): "B"}, entries(t, got)); diff != "" {
		t.Errorf("merged entries (-want +got):\n%s", diff)
	}
}

// TestMergeNewFile: both runs created the feed; there is no base.
func TestMergeNewFile(t *testing.T) {
	ours := checkout(t, nil, bothFiles(), start)
	mustPublish(t, ours.feed, "a", "A")
	theirs := checkout(t, nil, bothFiles(), start)
	mustPublish(t, theirs.feed, "b", "B")
	got, err := mergeAll(t, ours, nil, theirs.files(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{id("a"): "A", id("b"): "B"}, entries(t, got)); diff != "" {
		t.Errorf("merged entries (-want +got):\n%s", diff)
	}
}

// TestMergeUnreadable: a version that does not parse fails the merge,
// naming the file and the side, rather than dropping entries.
func TestMergeUnreadable(t *testing.T) {
	ours := checkout(t, nil, bothFiles(), start)
	mustPublish(t, ours.feed, "a", "A")
	tests := []struct {
		name, path, theirs, wantErr string
	}{
		{"atom", atomPath, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>", "merge public/feed.atom: their version: parse atom"},
		{"json", jsonPath, "{", "merge public/feed.json: their version: parse json feed"},
		{"duplicate", atomPath, "<feed xmlns=\"http://www.w3.org/2005/Atom\">" + strings.Repeat("<entry><id>x</id><published>2026-01-01T00:00:00Z</published><updated>2026-01-01T00:00:00Z</updated><content>a</content></entry>", 2) + "</feed>", "their version: entry x appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ours.staged.merges[tt.path](nil, ours.staged.data[tt.path], []byte(tt.theirs))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("merge = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestStageOnFind: a run that wrote the files and died before committing
// leaves them in the work tree. The next run on that work tree finds the
// entry there, and stages the files as they are, so that the record it
// commits as published travels with them. An entry not found stages
// nothing: the post is published again, which stages the new files.
func TestStageOnFind(t *testing.T) {
	crashed := checkout(t, nil, bothFiles(), start)
	mustPublish(t, crashed.feed, "a", "A")
	left := crashed.files(t)

	next := checkout(t, left, bothFiles(), start.Add(time.Hour))
	if _, err := next.feed.Find(t.Context(), platformtest.Payload("a", "A"), platforms.Attempt{Key: "k"}); err != nil {
		t.Fatalf("find = %v", err)
	}
	if diff := cmp.Diff(left, next.staged.data); diff != "" {
		t.Errorf("staged after find (-work tree +staged):\n%s", diff)
	}
	if got := slices.Sorted(maps.Keys(next.staged.merges)); len(got) != 2 || next.staged.merges[atomPath] == nil {
		t.Errorf("staged merge functions for %v, want both files", got)
	}

	fresh := checkout(t, nil, bothFiles(), start.Add(time.Hour))
	if _, err := fresh.feed.Find(t.Context(), platformtest.Payload("a", "A"), platforms.Attempt{Key: "k"}); !errors.Is(err, platforms.ErrNotFound) {
		t.Fatalf("find on a fresh checkout = %v, want ErrNotFound", err)
	}
	if len(fresh.staged.calls) != 0 {
		t.Errorf("find of a missing entry staged %v", fresh.staged.calls)
	}
}

// TestStageError: files written but not staged would not be committed:
// the outcome is unknown, for Find to settle.
func TestStageError(t *testing.T) {
	r := checkout(t, nil, bothFiles(), start)
	r.staged.err = errors.New("store closed")
	_, err := r.feed.Publish(context.Background(), platformtest.Payload("a", "A"), "k")
	if err == nil || !strings.Contains(err.Error(), "stage public/feed.json: store closed") {
		t.Fatalf("publish = %v, want the stage error", err)
	}
	if o := platforms.OutcomeOf(err); o != platforms.Unknown {
		t.Errorf("outcome %s, want unknown", o)
	}
}
