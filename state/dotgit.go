package state

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
)

// herald keeps its own files in .git/herald: the run lock, an interrupted
// checkout's journal, and tmp/, where every file it writes under .git is
// written before it is renamed into place. Nothing else writes there, so
// whatever a killed herald left in tmp/ is provably its own.
const (
	heraldDir  = "herald"
	tmpDir     = "herald/tmp"
	runLock    = "herald/run"
	journalRel = "herald/checkout"
	// lockPrefix names a temporary file in tmpDir that is also hard-linked
	// as git's lock file for the path its name encodes.
	lockPrefix = "lock."
)

// lockWait is how long opening a file for writing waits for a lock that
// another process holds, as git waits for a ref lock
// (core.filesRefLockTimeout).
const lockWait = time.Second

// dotGitFS is the filesystem go-git reads and writes .git through. go-git
// writes refs, the index, packed-refs, config and shallow in place
// (open, truncate, write), so a process killed in between leaves a torn
// file. Here every file opened for writing, except in append mode, is
// replaced the way git replaces it: the new content is written and synced
// first, then it becomes "<file>.lock", taken with O_EXCL semantics so
// that git and herald exclude each other, and the lock is renamed over
// the file. A kill at any instruction leaves the old or the new file,
// never a mix.
//
// The content is written to a file in .git/herald/tmp whose name encodes
// the path, and the lock is a hard link of it: a lock that shares its
// inode with such a file was made by herald, so after a kill the next
// herald run can prove the lock its own and remove it (see cleanStale),
// instead of leaving git blocked with "index.lock: File exists". The
// lock exists only from the link to the rename, microseconds, because
// the content is complete and synced before: a file opened for reading
// and writing is checked at Close to be still what was read at open (an
// optimistic lock), and fails if another writer changed it meanwhile.
//
// Temporary files go-git asks for (loose objects, packs, packed-refs) are
// made in .git/herald/tmp and synced on Close (loose objects excepted, as
// git does not sync them by default); go-git renames them into place,
// and a rename over anything but an object takes the target's lock too.
type dotGitFS struct {
	billy.Filesystem
	// root is the git directory's absolute path, symlinks resolved.
	root string
}

var (
	_ billy.Filesystem = (*dotGitFS)(nil)
	_ billy.Chmod      = (*dotGitFS)(nil)
	_ billy.Capable    = (*dotGitFS)(nil)
)

// newDotGitFS returns the filesystem of the git directory at dir.
func newDotGitFS(dir string) (*dotGitFS, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(tmpDir)), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Join(root, filepath.FromSlash(tmpDir)), err)
	}
	return &dotGitFS{Filesystem: osfs.New(root), root: root}, nil
}

// abs returns the absolute path of a name relative to the git directory.
func (d *dotGitFS) abs(name string) string {
	name = filepath.FromSlash(name)
	if filepath.IsAbs(name) {
		// The chroot resolves absolute names below its root.
		name = strings.TrimPrefix(name, string(filepath.Separator))
	}
	return filepath.Join(d.root, name)
}

// rel returns the name of an absolute path below the git directory.
func (d *dotGitFS) rel(path string) string {
	r, err := filepath.Rel(d.root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// Capabilities implements billy.Capable.
func (d *dotGitFS) Capabilities() billy.Capability { return billy.Capabilities(d.Filesystem) }

// Chmod implements billy.Chmod; go-git makes pack files read-only.
func (d *dotGitFS) Chmod(name string, mode os.FileMode) error { return os.Chmod(d.abs(name), mode) }

// Create implements billy.Filesystem.
func (d *dotGitFS) Create(name string) (billy.File, error) {
	return d.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// OpenFile implements billy.Filesystem: a file opened for writing, other
// than for appending (git appends reflogs in place, and so does go-git to
// objects/info/alternates), is replaced atomically on Close.
func (d *dotGitFS) OpenFile(name string, flag int, perm os.FileMode) (billy.File, error) {
	const write = os.O_WRONLY | os.O_RDWR | os.O_CREATE | os.O_TRUNC
	if flag&write == 0 || flag&os.O_APPEND != 0 {
		return d.Filesystem.OpenFile(name, flag, perm)
	}
	return openReplacement(d, name, flag, perm)
}

// TempFile implements billy.Filesystem. The file is made in herald's tmp
// directory, whatever dir go-git asks for: go-git renames it into place
// through this filesystem, and a kill leaves it where the next run finds
// it.
func (d *dotGitFS) TempFile(_, prefix string) (billy.File, error) {
	f, err := os.CreateTemp(d.abs(tmpDir), "tmp."+escapeName(prefix)+".*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	// Loose objects are not synced, as git does not sync them by default
	// (core.fsync): a SIGKILL cannot lose them, only a power cut can.
	return &tempFile{File: f, name: d.rel(f.Name()), sync: prefix != "tmp_obj_"}, nil
}

// Rename implements billy.Filesystem, and syncs the directory of newpath
// so that the rename itself is durable.
func (d *dotGitFS) Rename(oldpath, newpath string) error {
	to := d.abs(newpath)
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	if isLooseObject(newpath) || strings.HasPrefix(filepath.ToSlash(newpath), "objects/pack/") {
		// Objects are named by their content: no lock, as in git.
		if err := os.Rename(d.abs(oldpath), to); err != nil {
			return err
		}
		if isLooseObject(newpath) {
			return nil
		}
		return syncDir(filepath.Dir(to))
	}
	// Another file (packed-refs): take its lock, as git would.
	tmp, err := os.CreateTemp(d.abs(tmpDir), lockPrefix+escapeName(newpath)+".*")
	if err != nil {
		return err
	}
	tmp.Close()
	if err := os.Rename(d.abs(oldpath), tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	r := &replacement{fs: d, name: newpath, path: to, lockPath: to + ".lock", tmpName: tmp.Name(), trunc: true, staged: true}
	if err := r.lock(); err != nil {
		return err
	}
	if err := r.rename(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(to))
}

// isLooseObject reports whether a path is a loose object's:
// objects/xx/<38 hex>.
func isLooseObject(name string) bool {
	dir, file := filepath.Split(filepath.ToSlash(name))
	return strings.HasPrefix(dir, "objects/") && len(dir) == len("objects/xx/") && isHash(dir[8:10]+file)
}

// tempFile is a temporary file that is synced when closed, so that the
// rename that follows publishes complete content.
type tempFile struct {
	*os.File
	name string
	sync bool
}

func (f *tempFile) Name() string { return f.name }
func (f *tempFile) Lock() error  { return nil }
func (f *tempFile) Unlock() error {
	return nil
}

func (f *tempFile) Close() error {
	var serr error
	if f.sync {
		serr = f.Sync()
	}
	if err := f.File.Close(); err != nil {
		return err
	}
	return serr
}

// replacement is a file of .git opened for writing: reads and writes go
// to memory, and Close publishes the result: stage writes and syncs it
// in .git/herald/tmp, lock links it as the lock file and checks that the
// file is still what was read at open, rename renames the lock over the
// file.
type replacement struct {
	fs       *dotGitFS
	name     string // as go-git named it, relative to the git directory
	path     string // the file's absolute path
	lockPath string // path + ".lock", a hard link of tmpName once locked
	mode     os.FileMode

	// orig is the content read at open, and existed whether there was a
	// file; trunc means the file was opened to be replaced whatever it
	// holds.
	orig    []byte
	existed bool
	trunc   bool

	buf   []byte
	pos   int64
	dirty bool

	tmpName string // the staged content, once staged
	staged  bool
	locked  bool
	closed  bool
}

// openReplacement reads the current content of name (none with O_TRUNC)
// for a file that Close replaces. It takes no lock.
func openReplacement(d *dotGitFS, name string, flag int, perm os.FileMode) (*replacement, error) {
	path := d.abs(name)
	data, err := os.ReadFile(path)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case !exists && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case exists && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	}
	// The file keeps its mode; a new one gets perm less the usual umask.
	mode := perm &^ 0o022
	if mode == 0 {
		mode = 0o644
	}
	if exists {
		if info, err := os.Stat(path); err == nil {
			mode = info.Mode().Perm()
		}
	}
	r := &replacement{fs: d, name: name, path: path, lockPath: path + ".lock", mode: mode,
		orig: data, existed: exists, trunc: flag&os.O_TRUNC != 0}
	if r.trunc {
		// Whatever follows replaces the file, even nothing at all.
		r.dirty = true
	} else {
		r.buf = append([]byte(nil), data...)
	}
	return r, nil
}

// stage writes the content to a new file in .git/herald/tmp, named after
// the file, and syncs it when durable. Content that is not a whole file
// of its kind (an index whose checksum does not match, a ref that is not
// a hash) is refused, so a writer that fails half way never publishes.
func (r *replacement) stage(durable bool) error {
	if r.closed {
		return os.ErrClosed
	}
	if err := checkContent(r.name, r.buf); err != nil {
		r.release()
		return fmt.Errorf("refusing to write %s: %w", r.name, err)
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o755); err != nil {
		r.release()
		return err
	}
	f, err := os.CreateTemp(r.fs.abs(tmpDir), lockPrefix+escapeName(r.name)+".*")
	if err != nil {
		r.release()
		return err
	}
	r.tmpName = f.Name()
	_, err = f.Write(r.buf)
	if err == nil {
		err = f.Chmod(r.mode)
	}
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.release()
		return fmt.Errorf("write %s: %w", r.name, err)
	}
	r.staged = true
	return nil
}

// lock links the staged file as the lock file, which fails when the lock
// exists, as O_EXCL does; it waits up to lockWait for another holder to
// finish. Then it checks that the file is still what was read at open.
func (r *replacement) lock() error {
	if !r.staged || r.closed {
		return errors.New("lock: nothing staged")
	}
	deadline := time.Now().Add(lockWait)
	for wait := time.Millisecond; ; wait *= 2 {
		err := os.Link(r.tmpName, r.lockPath)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			r.release()
			return fmt.Errorf("lock %s: %w", r.fs.rel(r.lockPath), err)
		}
		if time.Now().After(deadline) {
			r.release()
			return &LockedError{File: r.lockPath}
		}
		time.Sleep(min(wait, 100*time.Millisecond))
	}
	r.locked = true
	if r.trunc {
		return nil
	}
	cur, err := os.ReadFile(r.path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.release()
		return err
	}
	if exists != r.existed || !bytes.Equal(cur, r.orig) {
		r.release()
		return fmt.Errorf("write %s: %w", r.name, ErrChangedMeanwhile)
	}
	return nil
}

// ErrChangedMeanwhile is a file of .git that another process replaced
// between the moment herald read it and the moment it wrote it: herald
// did not write, and the operation can be tried again.
var ErrChangedMeanwhile = errors.New("changed by another process meanwhile")

// rename renames the lock over the file. The staged file goes last, so a
// lock never exists without the file that proves it herald's.
func (r *replacement) rename() error {
	if !r.locked || r.closed {
		return errors.New("rename: not locked")
	}
	if err := os.Rename(r.lockPath, r.path); err != nil {
		r.release()
		return fmt.Errorf("write %s: %w", r.name, err)
	}
	r.closed = true
	// The file is in place; a staged file left behind is only a second
	// link of it, which the next run removes.
	_ = os.Remove(r.tmpName)
	return nil
}

// release drops the lock and the staged file without publishing. It does
// nothing once the file is closed.
func (r *replacement) release() {
	if r.closed {
		return
	}
	r.closed = true
	if r.locked {
		os.Remove(r.lockPath)
	}
	if r.tmpName != "" {
		os.Remove(r.tmpName)
	}
}

func (r *replacement) Name() string { return r.name }

// Lock and Unlock do nothing: Close takes git's lock file for the moment
// of the rename, and checks that nobody changed the file since it was
// read.
func (r *replacement) Lock() error   { return nil }
func (r *replacement) Unlock() error { return nil }

func (r *replacement) Read(p []byte) (int, error) {
	if r.pos >= int64(len(r.buf)) {
		return 0, io.EOF
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += int64(n)
	return n, nil
}

func (r *replacement) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(r.buf)) {
		return 0, io.EOF
	}
	n := copy(p, r.buf[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *replacement) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += int64(len(r.buf))
	default:
		return 0, errors.New("bad whence")
	}
	if offset < 0 {
		return 0, errors.New("negative position")
	}
	r.pos = offset
	return offset, nil
}

func (r *replacement) Write(p []byte) (int, error) {
	if r.closed || r.staged {
		return 0, os.ErrClosed
	}
	end := r.pos + int64(len(p))
	if end > int64(len(r.buf)) {
		r.buf = append(r.buf, make([]byte, end-int64(len(r.buf)))...)
	}
	copy(r.buf[r.pos:], p)
	r.pos = end
	r.dirty = true
	return len(p), nil
}

func (r *replacement) Truncate(size int64) error {
	if size < 0 {
		return errors.New("negative size")
	}
	if size <= int64(len(r.buf)) {
		r.buf = r.buf[:size]
	} else {
		r.buf = append(r.buf, make([]byte, size-int64(len(r.buf)))...)
	}
	r.dirty = true
	return nil
}

// Close publishes what was written, if anything was: staged and synced,
// locked, renamed into place, and the directory synced.
func (r *replacement) Close() error {
	if r.closed {
		return os.ErrClosed
	}
	if !r.dirty {
		r.release()
		return nil
	}
	if err := r.stage(true); err != nil {
		return err
	}
	if err := r.lock(); err != nil {
		return err
	}
	if err := r.rename(); err != nil {
		return err
	}
	// The file is in place; a failed sync of its directory must not
	// report it as not written.
	_ = syncDir(filepath.Dir(r.path))
	return nil
}

// LockedError is a lock file that another process holds, or that a
// process killed while holding it left behind.
type LockedError struct {
	// File is the lock file's absolute path.
	File string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s exists: another git process seems to be running in this repository; "+
		"if none is, a git command was killed while writing: remove it with: rm %s", e.File, shellQuote(e.File))
}

// checkContent refuses content that cannot be a whole file of its kind,
// so that a writer that fails half-way never publishes what it wrote.
func checkContent(name string, data []byte) error {
	name = filepath.ToSlash(name)
	switch {
	case name == "index":
		return checkIndex(data)
	case name == "HEAD" || strings.HasPrefix(name, "refs/"):
		return checkRef(data)
	case name == "packed-refs":
		_, bad := parsePackedRefs(data)
		if bad != "" {
			return fmt.Errorf("line %q is not a ref", bad)
		}
	case name == "shallow":
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if line != "" && !isHash(line) {
				return fmt.Errorf("line %q is not a commit", line)
			}
		}
	}
	return nil
}

// checkIndex checks an index file's header and trailing checksum: a
// SHA-1 (or, for SHA-256 repositories, SHA-256) of everything before it.
// git's index.skipHash writes zeros, which are taken as they are.
func checkIndex(data []byte) error {
	if len(data) < 12+20 || !bytes.Equal(data[:4], []byte("DIRC")) {
		return errors.New("index file smaller than expected or without its signature")
	}
	for _, size := range []int{sha1.Size, sha256.Size} {
		if len(data) < 12+size {
			continue
		}
		body, sum := data[:len(data)-size], data[len(data)-size:]
		var want []byte
		if size == sha1.Size {
			s := sha1.Sum(body)
			want = s[:]
		} else {
			s := sha256.Sum256(body)
			want = s[:]
		}
		if bytes.Equal(sum, want) {
			return nil
		}
	}
	if bytes.Equal(data[len(data)-20:], make([]byte, 20)) {
		return nil
	}
	return errors.New("index checksum does not match its content")
}

// checkRef checks a loose ref file: a hash or "ref: <name>", and a
// newline.
func checkRef(data []byte) error {
	if refContent(data) == "" {
		return fmt.Errorf("%q is not a hash or a symbolic ref", data)
	}
	return nil
}

// refContent returns a loose ref file's hash or "ref: <name>", "" when it
// is neither (empty, cut short, garbage).
func refContent(data []byte) string {
	s := string(data)
	if !strings.HasSuffix(s, "\n") {
		return ""
	}
	s = strings.TrimSuffix(s, "\n")
	if isHash(s) {
		return s
	}
	if target, ok := strings.CutPrefix(s, "ref: "); ok && strings.HasPrefix(target, "refs/") && !strings.ContainsAny(target, " \t\n") {
		return s
	}
	return ""
}

// parsePackedRefs returns the refs of a packed-refs file by name, and the
// first line that does not parse ("" when all do).
func parsePackedRefs(data []byte) (map[string]string, string) {
	refs := map[string]string{}
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		// A file cut short ends without its newline.
		i := strings.LastIndexByte(text, '\n')
		return refs, text[i+1:]
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "^"):
			if !isHash(line[1:]) {
				return refs, line
			}
		default:
			h, name, ok := strings.Cut(line, " ")
			if !ok || !isHash(h) || !strings.HasPrefix(name, "refs/") || strings.ContainsAny(name, " \t") {
				return refs, line
			}
			refs[name] = h
		}
	}
	return refs, ""
}

// isHash reports whether s is a full hexadecimal object name.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// escapeName makes a path relative to .git one file name, reversibly.
func escapeName(name string) string {
	return strings.ReplaceAll(url.PathEscape(filepath.ToSlash(name)), "*", "%2A")
}

func unescapeName(s string) (string, error) { return url.PathUnescape(s) }

// syncDir makes a directory's entries (a rename into it) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// shellQuote quotes a path for a command a person copies.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
