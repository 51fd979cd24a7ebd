package gitfs

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// maxLinks is how many symbolic links one path may go through, as Linux
// allows (ELOOP beyond).
const maxLinks = 40

// errEscapes is os.Root's error for a path that leaves the root, with its
// words: callers that explain it (schema's "a link that leaves the
// repository") recognise it by them, whichever FS they were given.
var errEscapes = errors.New("path escapes from parent")

// FS is one commit's files. It implements fs.StatFS, fs.ReadDirFS,
// fs.ReadFileFS and fs.ReadLinkFS, and is safe for concurrent use.
// Files report the commit's time as their modification time (git keeps no
// other), and FileInfo.Sys returns an ObjectID.
type FS struct {
	repo *Repo
	root plumbing.Hash // the commit's tree
	time time.Time

	mu   sync.Mutex
	dirs map[plumbing.Hash]*dir // decoded trees, by hash: equal directories share one
}

var (
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
	_ fs.ReadLinkFS = (*FS)(nil)
)

// dir is a decoded tree: its entries sorted by name (fs.ReadDir's order,
// not git's), and an index by name.
type dir struct {
	entries []entry // by name
}

// find returns the index of the entry named name.
func (d *dir) find(name string) (int, bool) {
	return slices.BinarySearchFunc(d.entries, name, func(e entry, name string) int { return strings.Compare(e.name, name) })
}

// entry is one name in a tree.
type entry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

// ObjectID is what FileInfo.Sys returns for a file of an FS: its git
// object. Two files with the same ID have the same bytes.
type ObjectID struct {
	Hash plumbing.Hash
}

// ContentID is the blob hash in hex: a key for the file's bytes that is
// known without reading them.
func (o ObjectID) ContentID() string { return o.Hash.String() }

// Close closes the files its repository keeps open, as Repo.Close does.
func (f *FS) Close() error { return f.repo.Close() }

// Open opens name, following symbolic links.
func (f *FS) Open(name string) (fs.File, error) {
	e, err := f.lookup("open", name, true)
	if err != nil {
		return nil, err
	}
	return &file{fs: f, e: e}, nil
}

// Stat describes name, following symbolic links. It reads no blob.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	e, err := f.lookup("stat", name, true)
	if err != nil {
		return nil, err
	}
	return f.info(e), nil
}

// Lstat describes name without following a link in its last element.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	e, err := f.lookup("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return f.info(e), nil
}

// ReadLink returns the target of the symbolic link name.
func (f *FS) ReadLink(name string) (string, error) {
	e, err := f.lookup("readlink", name, false)
	if err != nil {
		return "", err
	}
	if e.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	data, err := f.repo.readBlob(e.hash)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(data), nil
}

// ReadFile reads name whole, following symbolic links.
func (f *FS) ReadFile(name string) ([]byte, error) {
	e, err := f.lookup("read", name, true)
	if err != nil {
		return nil, err
	}
	if isDir(e.mode) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: syscall.EISDIR}
	}
	rd, size, err := f.repo.blobReader(e.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	defer rd.Close()
	data := make([]byte, size)
	if _, err := io.ReadFull(rd, data); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadDir lists the directory name, sorted by file name, following
// symbolic links to it; links inside it are listed as links.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := f.lookup("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if !isDir(e.mode) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: syscall.ENOTDIR}
	}
	d, err := f.dir(e)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	out := make([]fs.DirEntry, len(d.entries))
	for i, c := range d.entries {
		out[i] = dirEntry{f.info(c)}
	}
	return out, nil
}

// lookup finds name's entry, following symbolic links in every element
// but the last, and in the last when follow is set. The entry's name is
// the last element of name, as os.Stat names what it found.
func (f *FS) lookup(op, name string, follow bool) (entry, error) {
	if !fs.ValidPath(name) {
		return entry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	fail := func(err error) (entry, error) { return entry{}, &fs.PathError{Op: op, Path: name, Err: err} }
	cur := entry{name: ".", mode: filemode.Dir, hash: f.root}
	if name == "." {
		return cur, nil
	}
	parts := strings.Split(name, "/")
	curPath := "" // the directory cur is, from the root
	links := 0
	for i := 0; i < len(parts); i++ {
		if !isDir(cur.mode) {
			return fail(syscall.ENOTDIR)
		}
		d, err := f.dir(cur)
		if err != nil {
			return fail(err)
		}
		j, ok := d.find(parts[i])
		if !ok {
			return fail(fs.ErrNotExist)
		}
		next := d.entries[j]
		last := i == len(parts)-1
		if next.mode == filemode.Symlink && (!last || follow) {
			if links++; links > maxLinks {
				return fail(syscall.ELOOP)
			}
			target, err := f.repo.readBlob(next.hash)
			if err != nil {
				return fail(err)
			}
			t := string(target)
			if t == "" || strings.HasPrefix(t, "/") {
				return fail(errEscapes)
			}
			resolved := path.Join(curPath, t)
			if resolved == ".." || strings.HasPrefix(resolved, "../") {
				return fail(errEscapes)
			}
			// Start again from the root with the link replaced by its
			// target: curPath holds no links, so the target's ".." means
			// what it means on disk.
			rest := parts[i+1:]
			parts = nil
			if resolved != "." {
				parts = strings.Split(resolved, "/")
			}
			parts = append(parts, rest...)
			cur, curPath, i = entry{name: ".", mode: filemode.Dir, hash: f.root}, "", -1
			if len(parts) == 0 {
				cur.name = path.Base(name)
				return cur, nil
			}
			continue
		}
		cur = next
		curPath = path.Join(curPath, next.name)
	}
	cur.name = path.Base(name)
	return cur, nil
}

// dir returns the decoded tree of a directory entry. A submodule is an
// empty directory: its files are another repository's.
func (f *FS) dir(e entry) (*dir, error) {
	if e.mode == filemode.Submodule {
		return &dir{}, nil
	}
	f.mu.Lock()
	d, ok := f.dirs[e.hash]
	f.mu.Unlock()
	if ok {
		return d, nil
	}
	f.repo.mu.Lock()
	// Another goroutine may have read the tree while this one waited.
	f.mu.Lock()
	d, ok = f.dirs[e.hash]
	f.mu.Unlock()
	if ok {
		f.repo.mu.Unlock()
		return d, nil
	}
	t, err := f.repo.tree(e.hash)
	f.repo.mu.Unlock()
	if err != nil {
		return nil, err
	}
	d = &dir{entries: make([]entry, 0, len(t.Entries))}
	for _, te := range t.Entries {
		// A crafted tree may hold names no checkout would write.
		if te.Name == "" || te.Name == "." || te.Name == ".." || strings.ContainsAny(te.Name, "/\x00") {
			continue
		}
		d.entries = append(d.entries, entry{name: te.Name, mode: te.Mode, hash: te.Hash})
	}
	slices.SortFunc(d.entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	f.mu.Lock()
	f.dirs[e.hash] = d
	f.mu.Unlock()
	return d, nil
}

func isDir(m filemode.FileMode) bool { return m == filemode.Dir || m == filemode.Submodule }

// fileMode is the fs.FileMode of a tree entry's git mode.
func fileMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir, filemode.Submodule:
		return fs.ModeDir | 0o755
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	default:
		return 0o644
	}
}

func (f *FS) info(e entry) *fileInfo {
	return &fileInfo{fs: f, e: e, size: -1}
}

// fileInfo describes an entry. Its size is read from the blob's header
// when first asked for, so that Stat and ReadDir read no blob.
type fileInfo struct {
	fs   *FS
	e    entry
	once sync.Once
	size int64
}

func (i *fileInfo) Name() string       { return i.e.name }
func (i *fileInfo) Mode() fs.FileMode  { return fileMode(i.e.mode) }
func (i *fileInfo) ModTime() time.Time { return i.fs.time }
func (i *fileInfo) IsDir() bool        { return isDir(i.e.mode) }
func (i *fileInfo) Sys() any           { return ObjectID{Hash: i.e.hash} }

// Size is the file's size in bytes; 0 for a directory, and for a blob
// that cannot be read (opening it says why).
func (i *fileInfo) Size() int64 {
	if isDir(i.e.mode) {
		return 0
	}
	i.once.Do(func() {
		if n, err := i.fs.repo.blobSize(i.e.hash); err == nil {
			i.size = n
		} else {
			i.size = 0
		}
	})
	return i.size
}

type dirEntry struct{ info *fileInfo }

func (d dirEntry) Name() string               { return d.info.Name() }
func (d dirEntry) IsDir() bool                { return d.info.IsDir() }
func (d dirEntry) Type() fs.FileMode          { return d.info.Mode().Type() }
func (d dirEntry) Info() (fs.FileInfo, error) { return d.info, nil }
func (d dirEntry) String() string             { return fs.FormatDirEntry(d) }

// file is an open file or directory. A file's blob is opened at the first
// Read.
type file struct {
	fs     *FS
	e      entry
	rd     io.ReadCloser
	listed int // ReadDir's position
	closed bool
}

var _ fs.ReadDirFile = (*file)(nil)

func (f *file) Stat() (fs.FileInfo, error) {
	if f.closed {
		return nil, &fs.PathError{Op: "stat", Path: f.e.name, Err: fs.ErrClosed}
	}
	return f.fs.info(f.e), nil
}

func (f *file) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.e.name, Err: fs.ErrClosed}
	}
	if isDir(f.e.mode) {
		return 0, &fs.PathError{Op: "read", Path: f.e.name, Err: syscall.EISDIR}
	}
	if f.rd == nil {
		rd, _, err := f.fs.repo.blobReader(f.e.hash)
		if err != nil {
			return 0, &fs.PathError{Op: "read", Path: f.e.name, Err: err}
		}
		f.rd = rd
	}
	return f.rd.Read(p)
}

func (f *file) ReadDir(n int) ([]fs.DirEntry, error) {
	if f.closed {
		return nil, &fs.PathError{Op: "readdir", Path: f.e.name, Err: fs.ErrClosed}
	}
	if !isDir(f.e.mode) {
		return nil, &fs.PathError{Op: "readdir", Path: f.e.name, Err: syscall.ENOTDIR}
	}
	d, err := f.fs.dir(f.e)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: f.e.name, Err: err}
	}
	rest := d.entries[f.listed:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	f.listed += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, c := range rest {
		out[i] = dirEntry{f.fs.info(c)}
	}
	return out, nil
}

func (f *file) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.e.name, Err: fs.ErrClosed}
	}
	f.closed = true
	if f.rd != nil {
		return f.rd.Close()
	}
	return nil
}
