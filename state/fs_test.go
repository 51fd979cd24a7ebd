package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestWalkFS(t *testing.T) {
	good, err := Encode(&Record{Post: "blog/launch", Targets: map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: t0}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("reads every record", func(t *testing.T) {
		fsys := fstest.MapFS{
			".herald/state/blog/launch.json": {Data: good},
			".herald/state/README":           {Data: []byte("not a record")},
		}
		var got []string
		if err := WalkFS(t.Context(), fsys, func(r *Record) error { got = append(got, r.Post); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"blog/launch"}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("no state yet", func(t *testing.T) {
		if err := WalkFS(t.Context(), fstest.MapFS{}, func(*Record) error { t.Fatal("called"); return nil }); err != nil {
			t.Fatal(err)
		}
	})
	for name, tc := range map[string]struct {
		fsys fstest.MapFS
		want string
	}{
		"corrupt":        {fstest.MapFS{".herald/state/a.json": {Data: []byte("{")}}, ".herald/state/a.json: decode state"},
		"wrong post":     {fstest.MapFS{".herald/state/other.json": {Data: good}}, `.herald/state/other.json: record of post "blog/launch" in the file of post "other"`},
		"unknown fields": {fstest.MapFS{".herald/state/a.json": {Data: []byte(`{"version":1,"post":"a","extra":1}`)}}, "unknown field"},
	} {
		t.Run(name, func(t *testing.T) {
			err := WalkFS(t.Context(), tc.fsys, func(*Record) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestWalkRootMatchesWalkFS: reading through per-directory roots gives
// the same records, in the same order, and the same errors.
func TestWalkRootMatchesWalkFS(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, id := range []string{"z", "blog/launch", "blog/2026/a", "a"} {
		data, err := Encode(&Record{Post: id, Targets: map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: t0}}})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := PathOf(id)
		if err := root.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := root.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	collect := func(walk func(func(*Record) error) error) []string {
		var ids []string
		if err := walk(func(r *Record) error { ids = append(ids, r.Post); return nil }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	viaFS := collect(func(fn func(*Record) error) error { return WalkFS(t.Context(), root.FS(), fn) })
	viaRoot := collect(func(fn func(*Record) error) error { return WalkRoot(t.Context(), root, nil, fn) })
	if diff := cmp.Diff([]string{"a", "blog/2026/a", "blog/launch", "z"}, viaRoot); diff != "" {
		t.Errorf("WalkRoot (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(viaFS, viaRoot); diff != "" {
		t.Errorf("WalkRoot differs from WalkFS:\n%s", diff)
	}
	if err := root.WriteFile(".herald/state/blog/bad.json", []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = WalkRoot(t.Context(), root, nil, func(*Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), ".herald/state/blog/bad.json") {
		t.Errorf("error %v, want one naming the bad file", err)
	}
}
