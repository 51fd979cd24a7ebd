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
	first, err := c.Decode(name, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}

	c = OpenRecords(root)
	again, err := c.Decode(name, data)
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
	if third, _ := c.Decode(name, data); third.Targets["x"].Status != state.StatusPublished {
		t.Error("a caller's change reached the cache: Decode must hand out copies")
	}

	// Changed bytes are decoded afresh, and bad bytes are still an error.
	rec.Targets["x"] = state.TargetState{Status: state.StatusDeleted, UpdatedAt: at}
	changed, _ := state.Encode(rec)
	if got, err := c.Decode(name, changed); err != nil || got.Targets["x"].Status != state.StatusDeleted {
		t.Errorf("changed file: %+v, %v; want the new record", got, err)
	}
	if _, err := c.Decode(name, []byte("{")); err == nil || !strings.Contains(err.Error(), name) {
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
