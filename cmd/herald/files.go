package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// fileSystem is where init and new write, with slash-separated names
// relative to its root. Production passes an *os.Root, which keeps every
// write inside the directory it was opened on; tests pass one opened on a
// temporary directory.
type fileSystem interface {
	Stat(name string) (fs.FileInfo, error)
	MkdirAll(name string, perm fs.FileMode) error
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
}

var _ fileSystem = (*os.Root)(nil)

// exists reports whether name exists in fsys.
func exists(fsys fileSystem, name string) (bool, error) {
	_, err := fsys.Stat(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, err
	}
}

// writeFile writes data to name, creating its parent directories. Unless
// replace is set it fails with fs.ErrExist when name exists, even if it
// appeared after the caller looked.
func writeFile(fsys fileSystem, name string, data []byte, replace bool) error {
	if dir := path.Dir(name); dir != "." {
		if err := fsys.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if replace {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := fsys.OpenFile(name, flags, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// openRoot opens dir as a fileSystem, creating it first if create is set.
func openRoot(dir string, create bool) (*os.Root, error) {
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create directory: %w", err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	return r, nil
}
