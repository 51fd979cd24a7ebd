package state

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// statCache is a RecordCache that answers from a list of names and
// records the stat it was given for each file.
type statCache struct {
	mu    sync.Mutex
	known map[string]*Record
	seen  map[string]fs.FileInfo
	read  []string
}

func (c *statCache) Lookup(name string, fi fs.FileInfo) (*Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[name] = fi
	r, ok := c.known[name]
	return r, ok
}

func (c *statCache) Decode(name string, fi fs.FileInfo, data []byte) (*Record, error) {
	c.mu.Lock()
	c.read = append(c.read, name)
	if _, ok := c.seen[name]; !ok {
		c.seen[name] = fi
	}
	c.mu.Unlock()
	return Decode(name, data)
}

// TestWalkRootStatFromListing: with a cache, each record is looked up by
// the stat its directory's listing gave (the file's own stat, as a stat
// of it would give: size, times, inode), a link by its target's stat, and
// the records found match those read without a cache.
func TestWalkRootStatFromListing(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ids := []string{"a", "blog/2026/a", "blog/launch", "linked", "z"}
	for _, id := range ids {
		data, err := Encode(&Record{Post: id, Targets: map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: t0}}})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := PathOf(id)
		if id == "linked" {
			p += ".target"
		}
		if err := root.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := root.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("linked.json.target", filepath.Join(dir, ".herald/state/linked.json")); err != nil {
		t.Fatal(err)
	}
	c := &statCache{known: map[string]*Record{".herald/state/z.json": {Post: "z"}}, seen: map[string]fs.FileInfo{}}
	var got []string
	if err := WalkRoot(t.Context(), root, c, func(r *Record) error { got = append(got, r.Post); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if len(c.read) != len(ids)-1 {
		t.Errorf("read %v: the file the cache knows was read too", c.read)
	}
	for _, id := range ids {
		p, _ := PathOf(id)
		fi := c.seen[p]
		if fi == nil {
			t.Errorf("%s: no stat given to the cache", p)
			continue
		}
		want, err := os.Stat(filepath.Join(dir, p)) // follows the link, as the cache must see the target
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(fi, want) || fi.Size() != want.Size() || !fi.ModTime().Equal(want.ModTime()) || !fi.Mode().IsRegular() {
			t.Errorf("%s: the cache got the stat %v %d %v, want the file's %v %d %v", p, fi.Mode(), fi.Size(), fi.ModTime(), want.Mode(), want.Size(), want.ModTime())
		}
	}
}
