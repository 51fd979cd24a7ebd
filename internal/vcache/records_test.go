package vcache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/state"
)

func TestRecordsCache(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	rec := &state.Record{Post: "a", Targets: map[string]state.TargetState{"x": {Status: state.StatusPublished, Hash: "h", UpdatedAt: at}}}
	data, err := state.Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	name := ".herald/state/a.json"

	c := OpenRecords(root)
	first, err := c.Decode(name, nil, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}

	c = OpenRecords(root)
	again, err := c.Decode(name, nil, data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("cached record differs (-decoded +cached):\n%s", diff)
	}
	if e, ok := c.old[name]; !ok || e.Sum != Sum(data) {
		t.Fatalf("the record was not cached under its file's sum")
	}
	again.Targets["x"] = state.TargetState{Status: state.StatusFailed}
	if third, _ := c.Decode(name, nil, data); third.Targets["x"].Status != state.StatusPublished {
		t.Error("a caller's change reached the cache: Decode must hand out copies")
	}

	// Changed bytes are decoded afresh, and bad bytes are still an error.
	rec.Targets["x"] = state.TargetState{Status: state.StatusDeleted, UpdatedAt: at}
	changed, _ := state.Encode(rec)
	if got, err := c.Decode(name, nil, changed); err != nil || got.Targets["x"].Status != state.StatusDeleted {
		t.Errorf("changed file: %+v, %v; want the new record", got, err)
	}
	if _, err := c.Decode(name, nil, []byte("{")); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("bad file: %v, want an error naming it", err)
	}

	// A corrupt cache is an empty one.
	if err := os.WriteFile(filepath.Join(dir, Dir, recordsFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := OpenRecords(root); len(c.old) != 0 {
		t.Error("entries from a corrupt cache")
	}
}

// TestRecordsByStat: a record file whose stat is unchanged, and settled,
// is answered without being read; one whose stat changed, or that was
// written too close to the stat that saw it, is not; and records handed
// out are the caller's, whatever it does to them, before a save or after.
func TestRecordsByStat(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	rec := &state.Record{Post: "a", Targets: map[string]state.TargetState{"x": {Status: state.StatusPublished, Hash: "h", UpdatedAt: at}}}
	data, err := state.Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	name := ".herald/state/a.json"
	file := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	stat := func() os.FileInfo {
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	written := stat().ModTime()
	open := func(now time.Time) *Records {
		c := OpenRecords(root)
		c.now = func() time.Time { return now }
		return c
	}

	// Seen right after the write: racy, so the stat vouches for nothing.
	c := open(written.Add(time.Second))
	if _, err := c.Decode(name, stat(), data); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = open(written.Add(time.Hour))
	if _, ok := c.Lookup(name, stat()); ok {
		t.Fatal("a stat taken within the racy margin of the write answered a lookup")
	}
	// Read again later, the entry settles.
	if _, err := c.Decode(name, stat(), data); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}

	c = open(written.Add(2 * time.Hour))
	got, ok := c.Lookup(name, stat())
	if !ok {
		t.Fatal("an unchanged, settled file was not found by its stat")
	}
	if diff := cmp.Diff(rec.Targets, got.Targets); diff != "" {
		t.Errorf("record by stat (-want +got):\n%s", diff)
	}
	got.Targets["x"] = state.TargetState{Status: state.StatusFailed}
	if again, ok := c.Lookup(name, stat()); !ok || again.Targets["x"].Status != state.StatusPublished {
		t.Errorf("second lookup: %+v, %v; a caller's change reached the cache", again, ok)
	}
	c.dirty = true // force a write: the saved record must be the untouched one
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c = open(written.Add(3 * time.Hour))
	if r, ok := c.Lookup(name, stat()); !ok || r.Targets["x"].Status != state.StatusPublished {
		t.Errorf("after a save: %+v, %v; want the record as the file holds it", r, ok)
	}

	// The file is written again: its stat no longer matches.
	rec.Targets["x"] = state.TargetState{Status: state.StatusDeleted, Hash: "h", UpdatedAt: at}
	changed, err := state.Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	c = open(written.Add(4 * time.Hour))
	if _, ok := c.Lookup(name, stat()); ok {
		t.Fatal("a changed file was answered from the cache")
	}
	if r, err := c.Decode(name, stat(), changed); err != nil || r.Targets["x"].Status != state.StatusDeleted {
		t.Errorf("changed file: %+v, %v; want the new record", r, err)
	}
}
