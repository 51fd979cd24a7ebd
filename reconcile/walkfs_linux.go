package reconcile

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
)

// walkFS is the repository's root as Check walks it: its ReadDir takes
// each entry's type from the directory itself (getdents' d_type), where
// os.Root's ReadDir asks each entry again (an lstat per file: a system
// call per post). It reads through the root, so it is confined as the
// root is; whatever it does not read cleanly (an error, an entry of a
// type the file system does not say) it leaves to the root's ReadDir,
// which answers as it always did.
type walkFS struct {
	root *os.Root
	fsys fs.FS // root.FS()
}

// newWalkFS returns the file system Check walks the work tree through.
func newWalkFS(root *os.Root, fsys fs.FS) fs.FS { return walkFS{root: root, fsys: fsys} }

var (
	_ fs.ReadDirFS = walkFS{}
	_ fs.StatFS    = walkFS{}
)

func (w walkFS) Open(name string) (fs.File, error)     { return w.fsys.Open(name) }
func (w walkFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(w.fsys, name) }
func (w walkFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if entries, ok := w.readDir(name); ok {
		return entries, nil
	}
	return fs.ReadDir(w.fsys, name)
}

// readDir reads the directory name, sorted by file name, or reports
// false.
func (w walkFS) readDir(name string) ([]fs.DirEntry, bool) {
	if !fs.ValidPath(name) {
		return nil, false
	}
	f, err := w.root.Open(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, false
	}
	var entries []fs.DirEntry
	buf := make([]byte, 16<<10)
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.ReadDirent(int(fd), buf)
			return true
		}); err != nil || rerr != nil {
			return nil, false
		}
		if n <= 0 {
			break
		}
		// struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen
		// (2), d_type (1), d_name (NUL-terminated).
		for off := 0; off < n; {
			if n-off < 19 {
				return nil, false
			}
			reclen := int(binary.NativeEndian.Uint16(buf[off+16:]))
			if reclen < 19 || off+reclen > n {
				return nil, false
			}
			typ := buf[off+18]
			nm := buf[off+19 : off+reclen]
			if i := bytes.IndexByte(nm, 0); i >= 0 {
				nm = nm[:i]
			}
			off += reclen
			if string(nm) == "." || string(nm) == ".." {
				continue
			}
			mode, ok := direntMode(typ)
			if !ok {
				return nil, false // the file system does not say: os.Root's ReadDir asks
			}
			entries = append(entries, walkEntry{root: w.root, dir: name, name: string(nm), mode: mode})
		}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, true
}

// direntMode is the type bits of a d_type, and false for DT_UNKNOWN or
// a type Linux does not define.
func direntMode(typ byte) (fs.FileMode, bool) {
	switch typ {
	case syscall.DT_REG:
		return 0, true
	case syscall.DT_DIR:
		return fs.ModeDir, true
	case syscall.DT_LNK:
		return fs.ModeSymlink, true
	case syscall.DT_FIFO:
		return fs.ModeNamedPipe, true
	case syscall.DT_SOCK:
		return fs.ModeSocket, true
	case syscall.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case syscall.DT_BLK:
		return fs.ModeDevice, true
	}
	return 0, false
}

// walkEntry is a directory entry walkFS read: its Info is asked of the
// root when wanted (the walk does not want it).
type walkEntry struct {
	root      *os.Root
	dir, name string
	mode      fs.FileMode
}

func (e walkEntry) Name() string               { return e.name }
func (e walkEntry) IsDir() bool                { return e.mode.IsDir() }
func (e walkEntry) Type() fs.FileMode          { return e.mode }
func (e walkEntry) Info() (fs.FileInfo, error) { return e.root.Lstat(path.Join(e.dir, e.name)) }
func (e walkEntry) String() string             { return fs.FormatDirEntry(e) }
