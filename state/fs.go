package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// WalkFS calls fn for every record under Dir in fsys (a work tree), in
// ascending order of file path: how commands that only read state (plan,
// status) see it, without git. A file that is not a valid record, or
// whose post does not match its path, is an error naming the file: state
// is never silently skipped.
func WalkFS(ctx context.Context, fsys fs.FS, fn func(*Record) error) error {
	paths, err := recordPaths(ctx, fsys)
	if err != nil {
		return err
	}
	return readAll(ctx, paths, func(p string) (*Record, error) {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, &FileError{File: p, Err: err}
		}
		return Decode(p, data)
	}, fn)
}

// A RecordCache remembers records WalkRoot decoded before, so that a
// record file that did not change is neither read nor decoded again.
// Its methods must be safe for concurrent use, and each record they
// return must be the caller's own (WalkRoot's callers may change it).
type RecordCache interface {
	// Lookup returns the record of the file at name, which fi describes
	// (a stat taken now), when the cache can tell from fi alone that the
	// file holds what it held when the record was cached.
	Lookup(name string, fi fs.FileInfo) (*Record, bool)
	// Decode decodes data, the bytes of the file at name read after fi
	// was taken (fi is nil when the file could not be stat'ed), as
	// Decode does.
	Decode(name string, fi fs.FileInfo, data []byte) (*Record, error)
}

// WalkRoot is WalkFS over a repository opened as an os.Root. An os.Root
// resolves a path one directory at a time, so each record's directory is
// opened once and its files are read from there: one system call a file
// instead of one per directory of its path.
//
// With a cache, each file is stat'ed first, and a file the cache knows
// unchanged from its stat is not read at all; a nil cache reads and
// decodes every file.
func WalkRoot(ctx context.Context, root *os.Root, cache RecordCache, fn func(*Record) error) error {
	// The listing's entries carry each file's lstat (an os.Root lists a
	// directory with one per entry): a regular file is not stat'ed again.
	var infos map[string]fs.FileInfo
	if cache != nil {
		infos = map[string]fs.FileInfo{}
	}
	paths, err := walkRecords(ctx, root.FS(), infos)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	dirs := map[string]*os.Root{}
	defer func() {
		for _, d := range dirs {
			d.Close()
		}
	}()
	// dirOf opens the directory of p once: only for files to read or to
	// stat again, so an unchanged state opens none.
	dirOf := func(p string) (*os.Root, string, error) {
		dir, name := path.Split(p)
		mu.Lock()
		defer mu.Unlock()
		d, ok := dirs[dir]
		if !ok {
			var err error
			if d, err = root.OpenRoot(strings.TrimSuffix(dir, "/")); err != nil {
				return nil, "", &FileError{File: p, Err: err}
			}
			dirs[dir] = d
		}
		return d, name, nil
	}
	load := func(p string) (*Record, error) {
		if cache == nil {
			d, name, err := dirOf(p)
			if err != nil {
				return nil, err
			}
			data, err := d.ReadFile(name)
			if err != nil {
				return nil, &FileError{File: p, Err: err}
			}
			return Decode(p, data)
		}
		// The stat comes before the read: a file changed in between is
		// cached with the stat of its older bytes, which its next stat
		// does not match.
		fi := infos[p]
		if fi == nil || !fi.Mode().IsRegular() {
			// A link (its target's stat is wanted) or no stat yet.
			d, name, err := dirOf(p)
			if err != nil {
				return nil, err
			}
			if fi, err = d.Stat(name); err != nil || !fi.Mode().IsRegular() {
				fi = nil
			}
		}
		if fi != nil {
			if r, ok := cache.Lookup(p, fi); ok {
				return r, nil
			}
		}
		d, name, err := dirOf(p)
		if err != nil {
			return nil, err
		}
		data, err := d.ReadFile(name)
		if err != nil {
			return nil, &FileError{File: p, Err: err}
		}
		return cache.Decode(p, fi, data)
	}
	return readAll(ctx, paths, load, fn)
}

// recordPaths lists the record files under Dir, in ascending order.
func recordPaths(ctx context.Context, fsys fs.FS) ([]string, error) {
	return walkRecords(ctx, fsys, nil)
}

// walkRecords lists the record files under Dir, in ascending order, and
// when infos is not nil adds the FileInfo of each entry listed with its
// directory (an lstat), when the listing had one.
func walkRecords(ctx context.Context, fsys fs.FS, infos map[string]fs.FileInfo) ([]string, error) {
	var paths []string
	err := fs.WalkDir(fsys, Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json") {
			paths = append(paths, path)
			if infos != nil {
				if fi, err := d.Info(); err == nil {
					infos[path] = fi
				}
			}
		}
		return ctx.Err()
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // nothing published yet
	}
	return paths, err
}

// readAll reads and decodes the records at paths with a few workers at
// once (opening files and decoding JSON cost more than the walk), then
// calls fn for each in order, from one goroutine.
func readAll(ctx context.Context, paths []string, load func(string) (*Record, error), fn func(*Record) error) error {
	// Decoding allocates much and keeps little: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	type result struct {
		rec *Record
		err error
	}
	results := make([]result, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(len(paths), 2*runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i].rec, results[i].err = readRecord(load, paths[i])
			}
		}()
	}
	for i := range paths {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, r := range results {
		if r.err != nil {
			return r.err
		}
		if err := fn(r.rec); err != nil {
			return err
		}
	}
	return nil
}

// readRecord reads and decodes one record file with load, checking that
// it belongs to the post its path names.
func readRecord(load func(string) (*Record, error), path string) (*Record, error) {
	id, err := IDOf(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	r, err := load(path)
	if err != nil {
		return nil, err
	}
	if r.Post != id {
		return nil, &FileError{File: path, Err: fmt.Errorf("record of post %q in the file of post %q", r.Post, id)}
	}
	return r, nil
}
