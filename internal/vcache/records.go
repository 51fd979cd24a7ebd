package vcache

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/heraldhq/herald/state"
)

// recordsFile is the record cache (see recordcodec.go for its layout).
const recordsFile = "state.bin"

// racyMargin is how much older than the stat that saw it a file's
// modification time must be for the stat to vouch for the file's bytes.
// A file written within the margin may be written again with the same
// size and time (a coarse file system clock ticks once a second or two):
// its stat proves nothing, and it is read, as git re-reads a "racily
// clean" file.
const racyMargin = 3 * time.Second

// fileStat is what a stat says of a file that changes when its bytes do.
type fileStat struct {
	Size, ModTime, Ctime int64 // times in Unix nanoseconds
	Ino                  uint64
}

type cachedRecord struct {
	Sum string
	// Stat is the file's stat when its bytes hashed to Sum, taken at
	// Seen (Unix nanoseconds); zero when unknown.
	Stat   fileStat
	Seen   int64
	Record *state.Record
}

// settled reports whether Stat alone shows the file holds the bytes that
// hashed to Sum: it had not been modified within racyMargin of the stat.
func (e cachedRecord) settled() bool {
	return e.Stat != (fileStat{}) && e.Stat.ModTime < e.Seen-int64(racyMargin)
}

// Records remembers decoded state records by their file's stat and the
// SHA-256 of its bytes, so reading a state that did not change reads and
// decodes no file: plan and status on a large repository spend most of
// their time there otherwise. A file whose stat (size, modification and
// change times, inode) differs, or was modified too close to the stat
// that saw it, is read, and decoded again unless its bytes hash as
// before. Its methods are safe for concurrent use; it is a
// state.RecordCache.
type Records struct {
	root *os.Root
	now  func() time.Time
	mu   sync.Mutex
	// raw is the cache file old was decoded from: records of old are
	// handed out as they are, once (lent), and raw decoded again gives
	// untouched copies when one is wanted again, or saved.
	raw      string
	old      map[string]cachedRecord
	new      map[string]cachedRecord
	lent     map[string]bool
	pristine map[string]cachedRecord
	dirty    bool
}

var _ state.RecordCache = (*Records)(nil)

// OpenRecords reads the record cache of the repository at root; a
// missing or unreadable one is empty.
func OpenRecords(root *os.Root) *Records {
	c := &Records{root: root, now: time.Now, old: map[string]cachedRecord{}, new: map[string]cachedRecord{}, lent: map[string]bool{}}
	data, err := root.ReadFile(Dir + "/" + recordsFile)
	if err != nil {
		return c
	}
	raw := owned(data)
	entries, ok := decodeRecords(raw)
	if !ok {
		c.dirty = true
		return c
	}
	c.old, c.raw = entries, raw
	// A plan reads about the records the last one did: new and lent are
	// sized for them rather than grown and rehashed.
	c.new, c.lent = make(map[string]cachedRecord, len(entries)), make(map[string]bool, len(entries))
	return c
}

// take returns the record of old's entry for name as the caller's own:
// the decoded one the first time, an untouched copy after. c.mu is held.
func (c *Records) take(name string, e cachedRecord) *state.Record {
	if !c.lent[name] {
		c.lent[name] = true
		return e.Record
	}
	if p, ok := c.untouched(name); ok {
		return p.Clone()
	}
	return nil
}

// untouched returns the record of old's entry for name as the cache file
// holds it. c.mu is held.
func (c *Records) untouched(name string) (*state.Record, bool) {
	if c.pristine == nil {
		c.pristine, _ = decodeRecords(c.raw)
	}
	e, ok := c.pristine[name]
	return e.Record, ok && e.Record != nil
}

// Lookup returns a copy of the record of the file at name when fi, its
// stat now, is the stat it had when cached, and that stat was settled.
func (c *Records) Lookup(name string, fi fs.FileInfo) (*state.Record, bool) {
	st := statOf(fi)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.old[name]
	if !ok || e.Record == nil || e.Stat != st || !e.settled() {
		return nil, false
	}
	r := c.take(name, e)
	if r == nil {
		return nil, false
	}
	c.new[name] = e
	return r, true
}

// Decode decodes data, the bytes of the file at name: a file whose bytes
// were decoded before gives a copy of that record, any other is decoded
// by state.Decode. fi is the file's stat taken before data was read (nil
// when unknown), remembered for Lookup.
func (c *Records) Decode(name string, fi fs.FileInfo, data []byte) (*state.Record, error) {
	sum := Sum(data)
	var st fileStat
	if fi != nil {
		st = statOf(fi)
	}
	seen := c.now().UnixNano()
	c.mu.Lock()
	e, ok := c.old[name]
	if ok && e.Sum == sum && e.Record != nil {
		if r := c.take(name, e); r != nil {
			ne := cachedRecord{Sum: sum, Stat: st, Seen: seen, Record: e.Record}
			if ne.Stat != e.Stat || ne.settled() != e.settled() {
				c.dirty = true
			} else {
				ne.Seen = e.Seen
			}
			c.new[name] = ne
			c.mu.Unlock()
			return r, nil
		}
	}
	c.mu.Unlock()
	r, err := state.Decode(name, data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.new[name] = cachedRecord{Sum: sum, Stat: st, Seen: seen, Record: r.Clone()}
	delete(c.lent, name) // new's record is the cache's own copy
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
	// The records lent out are the callers' now: the file gets the
	// untouched ones.
	entries := make(map[string]cachedRecord, len(c.new))
	for name, e := range c.new {
		if c.lent[name] {
			r, ok := c.untouched(name)
			if !ok {
				continue
			}
			e.Record = r
		}
		entries[name] = e
	}
	data := encodeRecords(entries)
	if err := writeAtomic(c.root, recordsFile, data); err != nil {
		return fmt.Errorf("save state cache: %w", err)
	}
	c.old, c.new, c.dirty = entries, map[string]cachedRecord{}, false
	c.raw, c.lent, c.pristine = owned(data), map[string]bool{}, nil
	c.root.Remove(Dir + "/state.gob") // earlier versions' file

	return nil
}
