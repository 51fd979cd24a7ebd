package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"
)

// WalkFS calls fn for every record under Dir in fsys (a work tree), in
// ascending order of file path: how commands that only read state (plan,
// status) see it, without git. A file that is not a valid record, or
// whose post does not match its path, is an error naming the file: state
// is never silently skipped. Files are read and decoded by a few workers
// at once, because opening a path inside an os.Root and decoding JSON
// both cost more than the walk; fn is still called in order, from one
// goroutine.
func WalkFS(ctx context.Context, fsys fs.FS, fn func(*Record) error) error {
	var paths []string
	err := fs.WalkDir(fsys, Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json") {
			paths = append(paths, path)
		}
		return ctx.Err()
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing published yet
	}
	if err != nil {
		return err
	}

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
				results[i].rec, results[i].err = readRecord(fsys, paths[i])
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

// readRecord reads and decodes one record file, checking that it belongs
// to the post its path names.
func readRecord(fsys fs.FS, path string) (*Record, error) {
	id, err := IDOf(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	r, err := Decode(path, data)
	if err != nil {
		return nil, err
	}
	if r.Post != id {
		return nil, &FileError{File: path, Err: fmt.Errorf("record of post %q in the file of post %q", r.Post, id)}
	}
	return r, nil
}
