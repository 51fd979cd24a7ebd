//go:build !linux

package reconcile

import (
	"io/fs"
	"os"
)

// newWalkFS returns the file system Check walks the work tree through:
// the root's own, where the directory's entry types are not read as on
// Linux.
func newWalkFS(_ *os.Root, fsys fs.FS) fs.FS { return fsys }
