package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// WalkFS calls fn for every record under Dir in fsys (a work tree), in
// ascending order of file path: how commands that only read state (plan,
// status) see it, without git. A file that is not a valid record, or
// whose post does not match its path, is an error naming the file: state
// is never silently skipped.
func WalkFS(ctx context.Context, fsys fs.FS, fn func(*Record) error) error {
	err := fs.WalkDir(fsys, Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		id, err := IDOf(path)
		if err != nil {
			return &FileError{File: path, Err: err}
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return &FileError{File: path, Err: err}
		}
		r, err := Decode(path, data)
		if err != nil {
			return err
		}
		if r.Post != id {
			return &FileError{File: path, Err: fmt.Errorf("record of post %q in the file of post %q", r.Post, id)}
		}
		return fn(r)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing published yet
	}
	return err
}
