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
// A tree read from a git commit (internal/gitfs) names each file's content
// by its blob hash without reading it. Its cache, kept apart from the work
// tree's (OpenTree), is keyed by those hashes, posts and media alike: an
// unchanged post is found in the cache without its bytes being read, and
// a new commit that does not touch a post or its media keeps its entry.
//
// The cache is one file in a compact layout of its own (entrycodec.go:
// decoding it is several times faster than gob, and gob several times
// faster than JSON; nothing but herald reads it) in .herald/cache/ inside
// the content repository, beside
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
	"strings"
	"sync"
	"unsafe"

	"github.com/heraldhq/herald/schema"
)

// Dir is the cache's folder, relative to the repository root.
const Dir = ".herald/cache"

const (
	fileName     = "validate.bin"
	treeFileName = "validate-commit.bin"
)

// Dep is a file a post depends on besides its own, as it was when the
// post was validated: by its content ID where the file system knows one
// (a commit's tree), else by its size and modification time.
type Dep struct {
	Path    string `json:"path"`
	Size    int64  `json:"size,omitempty"`
	ModTime int64  `json:"mtime,omitempty"` // Unix nanoseconds
	ID      string `json:"id,omitempty"`
}

// Entry is what validating one post found.
type Entry struct {
	// Sum is the hex SHA-256 of the post file's bytes, or in a tree's
	// cache its content ID (see ContentID).
	Sum string `json:"sum"`
	// Summary is what planning needs of the post; nil when the file could
	// not be read as a post at all.
	Summary *schema.Summary `json:"summary,omitempty"`
	Errors  schema.Errors   `json:"errors,omitempty"`
	Deps    []Dep           `json:"deps,omitempty"`
}

// Cache is a validation cache; its methods are safe for concurrent use.
type Cache struct {
	root  *os.Root
	key   string
	name  string // the file's name in Dir
	mu    sync.Mutex
	old   map[string]Entry
	new   map[string]Entry
	dirty bool
	// stats remembers, for this run, what each media file's stat said:
	// posts share images, and one stat each is enough.
	stats sync.Map // path -> Dep, or error
}

// Sum returns the hex SHA-256 of a post file's bytes, the cache's key.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// ContentID returns the ID of name's content in fsys when fsys knows it
// without reading the file: a git tree's blob hash, offered by
// FileInfo.Sys as a ContentID() string method (internal/gitfs does).
// Equal IDs mean equal bytes.
func ContentID(fsys fs.FS, name string) (string, bool) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return "", false
	}
	return contentID(fi)
}

func contentID(fi fs.FileInfo) (string, bool) {
	if c, ok := fi.Sys().(interface{ ContentID() string }); ok {
		if id := c.ContentID(); id != "" {
			return id, true
		}
	}
	return "", false
}

// depOf describes a dependency as fi shows it.
func depOf(path string, fi fs.FileInfo) Dep {
	if id, ok := contentID(fi); ok {
		return Dep{Path: path, ID: id}
	}
	return Dep{Path: path, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
}

// Open reads the cache of the work tree of the repository at root for
// schema key. A missing, unreadable or outdated cache is an empty one:
// the cache can only save work, never change a result.
func Open(root *os.Root, key string) *Cache {
	return open(root, key, fileName)
}

// OpenTree reads the cache of posts read from a commit's tree, whose
// entries are keyed by content ID: Lookup and Store take the post's
// ContentID as its sum. It is kept apart from the work tree's cache, so
// that running validate (the work tree) and plan (the commit) in turn
// keeps both warm.
func OpenTree(root *os.Root, key string) *Cache {
	return open(root, key, treeFileName)
}

func open(root *os.Root, key, name string) *Cache {
	c := &Cache{root: root, key: key, name: name, old: map[string]Entry{}, new: map[string]Entry{}}
	data, err := root.ReadFile(Dir + "/" + name)
	if err != nil {
		return c
	}
	entries, ok := decodeEntries(owned(data), key)
	if !ok {
		c.dirty = true
		return c
	}
	// A run stores about what the last one did: new is sized for it
	// rather than grown and rehashed through ten thousand posts.
	c.old, c.new = entries, make(map[string]Entry, len(entries))
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
		now, ok := c.stat(fsys, d.Path)
		if !ok || now != d {
			return Entry{}, false
		}
	}
	c.mu.Lock()
	c.new[path] = e
	c.mu.Unlock()
	return e, true
}

// stat describes a media file as it is now, once per path per run.
func (c *Cache) stat(fsys fs.FS, path string) (Dep, bool) {
	if v, ok := c.stats.Load(path); ok {
		d, ok := v.(Dep)
		return d, ok
	}
	fi, err := fs.Stat(fsys, path)
	if err != nil {
		c.stats.Store(path, err)
		return Dep{}, false
	}
	d := depOf(path, fi)
	c.stats.Store(path, d)
	return d, true
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

// writeAtomic writes name in the cache folder through a temporary file
// renamed into place, creating the folder with a .gitignore that keeps it
// out of git.
func writeAtomic(root *os.Root, name string, data []byte) error {
	if err := root.MkdirAll(Dir, 0o755); err != nil {
		return err
	}
	if _, err := root.Stat(Dir + "/.gitignore"); errors.Is(err, fs.ErrNotExist) {
		if err := root.WriteFile(Dir+"/.gitignore", []byte("# herald's caches: never commit them.\n*\n"), 0o644); err != nil {
			return err
		}
	}
	tmp := Dir + "/" + name + ".tmp"
	if err := root.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return root.Rename(tmp, Dir+"/"+name)
}

// StatDeps describes the given media paths as they are now, for an Entry:
// by content ID where fsys knows it.
func StatDeps(fsys fs.FS, paths []string) []Dep {
	deps := make([]Dep, 0, len(paths))
	for _, p := range paths {
		fi, err := fs.Stat(fsys, p)
		if err != nil {
			continue
		}
		deps = append(deps, depOf(p, fi))
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
	if err := writeAtomic(c.root, c.name, encodeEntries(c.key, c.new)); err != nil {
		return fmt.Errorf("save validation cache: %w", err)
	}
	c.root.Remove(Dir + "/" + strings.TrimSuffix(c.name, ".bin") + ".gob") // earlier versions' file
	c.old, c.new, c.dirty = c.new, map[string]Entry{}, false
	return nil
}

// owned is data as a string without a copy: for bytes read from a file
// that nothing writes to afterwards and that the decoded entries slice (a
// cache file is several megabytes, and copying it cost as much as
// decoding half of it).
func owned(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(data), len(data))
}
