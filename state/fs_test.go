package state

import (
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
