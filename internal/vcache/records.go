package vcache

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"sync"

	"github.com/heraldhq/herald/state"
)

const recordsFile = "state.gob"

type cachedRecord struct {
	Sum    string
	Record *state.Record
}

// Records remembers decoded state records by the SHA-256 of their file's
// bytes, so reading a state that did not change decodes no JSON: plan and
// status on a large repository spend most of their time there otherwise.
// Every file is still read and hashed, so a changed record is always
// decoded afresh. Its methods are safe for concurrent use.
type Records struct {
	root  *os.Root
	mu    sync.Mutex
	old   map[string]cachedRecord
	new   map[string]cachedRecord
	dirty bool
}

// OpenRecords reads the record cache of the repository at root; a
// missing or unreadable one is empty.
func OpenRecords(root *os.Root) *Records {
	c := &Records{root: root, old: map[string]cachedRecord{}, new: map[string]cachedRecord{}}
	data, err := root.ReadFile(Dir + "/" + recordsFile)
	if err != nil {
		return c
	}
	var f struct {
		Format  int
		Entries map[string]cachedRecord
	}
	if gob.NewDecoder(bytes.NewReader(data)).Decode(&f) != nil || f.Format != format || f.Entries == nil {
		c.dirty = true
		return c
	}
	c.old = f.Entries
	return c
}

// Decode is a state.DecodeFunc: a file whose bytes were decoded before
// gives a copy of that record, any other is decoded by state.Decode.
func (c *Records) Decode(name string, data []byte) (*state.Record, error) {
	sum := Sum(data)
	c.mu.Lock()
	e, ok := c.old[name]
	c.mu.Unlock()
	if ok && e.Sum == sum && e.Record != nil {
		c.mu.Lock()
		c.new[name] = e
		c.mu.Unlock()
		return e.Record.Clone(), nil
	}
	r, err := state.Decode(name, data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.new[name] = cachedRecord{Sum: sum, Record: r.Clone()}
	c.dirty = true
	c.mu.Unlock()
	return r, nil
}

// Save writes the records decoded or reused since OpenRecords, when
// anything changed, atomically.
func (c *Records) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && len(c.new) == len(c.old) {
		return nil
	}
	var buf bytes.Buffer
	f := struct {
		Format  int
		Entries map[string]cachedRecord
	}{format, c.new}
	if err := gob.NewEncoder(&buf).Encode(f); err != nil {
		return fmt.Errorf("save state cache: %w", err)
	}
	if err := writeAtomic(c.root, recordsFile, buf.Bytes()); err != nil {
		return fmt.Errorf("save state cache: %w", err)
	}
	c.old, c.new, c.dirty = c.new, map[string]cachedRecord{}, false
	return nil
}
