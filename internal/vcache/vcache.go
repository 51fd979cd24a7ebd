// Package vcache remembers the outcome of validating a post, so that a
// tree where nothing changed is re-validated by reading and hashing files,
// without parsing, rendering or CUE.
//
// An entry is keyed by the post file's path and the SHA-256 of its bytes,
// and the whole cache by the schema key (the embedded schemas, the
// configuration and herald's version): a new schema empties it. An entry
// also records the media files the post depends on with their size and
// modification time, so a replaced image invalidates the post that shows
// it even though the post's own bytes did not change.
//
// The cache lives in .herald/cache/ inside the content repository, beside
// a .gitignore that ignores the folder, so it is never committed.
package vcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/heraldhq/herald/schema"
)

// Dir is the cache's folder, relative to the repository root.
const Dir = ".herald/cache"

const (
	fileName = "validate.json"
	format   = 1
)

// Dep is a file a post depends on besides its own, as it was when the
// post was validated.
type Dep struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime"` // Unix nanoseconds
}

// Entry is what validating one post found.
type Entry struct {
	Sum string `json:"sum"` // hex SHA-256 of the post file's bytes
	// Summary is what planning needs of the post; nil when the file could
	// not be read as a post at all.
	Summary *schema.Summary `json:"summary,omitempty"`
	Errors  schema.Errors   `json:"errors,omitempty"`
	Deps    []Dep           `json:"deps,omitempty"`
}

type file struct {
	Format  int              `json:"format"`
	Key     string           `json:"key"`
	Entries map[string]Entry `json:"entries"`
}

// Cache is a validation cache; its methods are safe for concurrent use.
type Cache struct {
	root  *os.Root
	key   string
	mu    sync.Mutex
	old   map[string]Entry
	new   map[string]Entry
	dirty bool
}

// Sum returns the hex SHA-256 of a post file's bytes, the cache's key.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Open reads the cache of the repository at root for schema key. A
// missing, unreadable or outdated cache is an empty one: the cache can
// only save work, never change a result.
func Open(root *os.Root, key string) *Cache {
	c := &Cache{root: root, key: key, old: map[string]Entry{}, new: map[string]Entry{}}
	data, err := root.ReadFile(Dir + "/" + fileName)
	if err != nil {
		return c
	}
	var f file
	if json.Unmarshal(data, &f) != nil || f.Format != format || f.Key != key {
		c.dirty = true
		return c
	}
	if f.Entries != nil {
		c.old = f.Entries
	}
	return c
}

// Lookup returns the entry for a post file whose bytes hash to sum, when
// the file and every file it depends on are unchanged.
func (c *Cache) Lookup(fsys fs.FS, path, sum string) (Entry, bool) {
	c.mu.Lock()
	e, ok := c.old[path]
	c.mu.Unlock()
	if !ok || e.Sum != sum {
		return Entry{}, false
	}
	for _, d := range e.Deps {
		fi, err := fs.Stat(fsys, d.Path)
		if err != nil || fi.Size() != d.Size || fi.ModTime().UnixNano() != d.ModTime {
			return Entry{}, false
		}
	}
	c.mu.Lock()
	c.new[path] = e
	c.mu.Unlock()
	return e, true
}

// Store records what validating path found.
func (c *Cache) Store(path string, e Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.old[path]; !ok || !sameEntry(old, e) {
		c.dirty = true
	}
	c.new[path] = e
}

func sameEntry(a, b Entry) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// StatDeps describes the given media paths as they are now, for an Entry.
func StatDeps(fsys fs.FS, paths []string) []Dep {
	deps := make([]Dep, 0, len(paths))
	for _, p := range paths {
		fi, err := fs.Stat(fsys, p)
		if err != nil {
			continue
		}
		deps = append(deps, Dep{Path: p, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()})
	}
	return deps
}

// Save writes the entries looked up or stored since Open, dropping those
// of files that are gone, when anything changed. The write is atomic: a
// temporary file renamed into place.
func (c *Cache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && len(c.new) == len(c.old) {
		return nil
	}
	if err := c.root.MkdirAll(Dir, 0o755); err != nil {
		return fmt.Errorf("save validation cache: %w", err)
	}
	if _, err := c.root.Stat(Dir + "/.gitignore"); errors.Is(err, fs.ErrNotExist) {
		if err := c.root.WriteFile(Dir+"/.gitignore", []byte("# herald's validation cache: never commit it.\n*\n"), 0o644); err != nil {
			return fmt.Errorf("save validation cache: %w", err)
		}
	}
	data, err := json.Marshal(file{Format: format, Key: c.key, Entries: c.new})
	if err != nil {
		return fmt.Errorf("save validation cache: %w", err)
	}
	tmp := Dir + "/" + fileName + ".tmp"
	if err := c.root.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("save validation cache: %w", err)
	}
	if err := c.root.Rename(tmp, Dir+"/"+fileName); err != nil {
		return fmt.Errorf("save validation cache: %w", err)
	}
	c.old, c.new, c.dirty = c.new, map[string]Entry{}, false
	return nil
}
