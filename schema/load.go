package schema

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// MaxPostSize is the largest post file herald reads. Posts are text for
// people; a bigger file is a mistake (a pasted image, a generated dump),
// and refusing it keeps memory per post small.
const MaxPostSize = 1 << 20

// contentDir is cfg.Content as an fs.FS path.
func contentDir(cfg *Config) string {
	dir := path.Clean("/" + cfg.Content)[1:]
	if dir == "" {
		return "."
	}
	return dir
}

// Walk calls fn with every post file under cfg.Content, relative to the
// repository root, one at a time, so that a caller can stream over any
// number of posts. A post file is a file whose name ends in ".md".
// Files and directories whose names start with "." are skipped; so are
// symbolic links to directories, which are not followed. Directories whose
// names start with "_" are walked like any other: a draft is marked with
// draft: true, never by where it lives, so that no post is lost.
//
// The order is fs.WalkDir's: each directory's entries sorted by name,
// depth first. Walk stops at the first error from fn, or when ctx ends,
// and returns it. A missing content directory is an *Error.
func Walk(ctx context.Context, fsys fs.FS, cfg *Config, fn func(file string) error) error {
	if cfg == nil {
		cfg = &Config{}
	}
	root := contentDir(cfg)
	info, err := fs.Stat(fsys, root)
	if err != nil || !info.IsDir() {
		cfgName := cfg.File
		if cfgName == "" {
			cfgName = "herald.yaml"
		}
		msg := fmt.Sprintf("content directory %q does not exist; create it or set content in %s", root, cfgName)
		if err == nil {
			msg = fmt.Sprintf("content directory %q is not a directory; set content in %s", root, cfgName)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("walk content: %w", err)
		}
		return &Error{File: root, Message: msg, Severity: SeverityError}
	}
	err = fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if name != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(name, ".md") {
			return nil
		}
		return fn(name)
	})
	if err != nil {
		return fmt.Errorf("walk content: %w", err)
	}
	return nil
}

// ReadPost reads a post file's bytes, refusing what cannot be a post
// before reading it whole: a link that leaves the repository, a directory,
// a file over MaxPostSize.
//
// From an OpenNonblockFS it opens the post first and asks the open file
// what it is; whatever that path does not read at once (an error, not a
// regular file, a file over the limit) it reads again the usual way,
// which says why.
func ReadPost(fsys fs.FS, file string) ([]byte, Errors) {
	if o, ok := fsys.(OpenNonblockFS); ok {
		if data, ok := readOpened(o, file); ok {
			return data, nil
		}
	}
	fileErr := func(format string, args ...any) Errors {
		return Errors{{File: file, Message: fmt.Sprintf(format, args...), Severity: SeverityError}}
	}
	info, err := fs.Stat(fsys, file)
	if err != nil {
		switch {
		case isEscape(err):
			return nil, fileErr("the post is a link that leaves the repository")
		case errors.Is(err, fs.ErrNotExist):
			return nil, fileErr("no such file")
		}
		return nil, fileErr("cannot read the post: %v", err)
	}
	switch {
	case info.IsDir():
		return nil, fileErr("is a directory, not a post")
	case !info.Mode().IsRegular():
		return nil, fileErr("not a regular file")
	case info.Size() > MaxPostSize:
		return nil, fileErr("post is %s; the limit is %s", sizeString(info.Size()), limitString(MaxPostSize))
	}
	f, err := fsys.Open(file)
	if err != nil {
		return nil, fileErr("cannot read the post: %v", err)
	}
	data, err := readSized(f, info.Size(), MaxPostSize+1)
	f.Close()
	if err != nil {
		return nil, fileErr("cannot read the post: %v", err)
	}
	if len(data) > MaxPostSize {
		return nil, fileErr("post is more than %s, the limit", limitString(MaxPostSize))
	}
	return data, nil
}

// OpenNonblockFS is a file system that can open a file without waiting
// on it, whatever it is: a FIFO opens at once (O_NONBLOCK), where an
// ordinary open waits for a writer. ReadPost then opens a post and
// describes the open file (fstat), one lookup of its name instead of
// two (stat, then open), and refuses a FIFO or a device without having
// waited on it. The per-worker view of a working tree reconcile's checks
// read through is one.
type OpenNonblockFS interface {
	fs.FS
	// OpenNonblock opens name for reading, as Open does, but without
	// waiting on it. It may fail where Open would succeed: ReadPost then
	// takes the usual path.
	OpenNonblock(name string) (fs.File, error)
}

// readOpened reads file through o when it is a regular file within the
// size limit, and reports false for anything else, the usual path's to
// explain.
func readOpened(o OpenNonblockFS, file string) ([]byte, bool) {
	f, err := o.OpenNonblock(file)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() > MaxPostSize {
		return nil, false
	}
	data, err := readSized(f, info.Size(), MaxPostSize+1)
	if err != nil || len(data) > MaxPostSize {
		return nil, false
	}
	return data, true
}

// readSized reads r to its end, or to limit bytes, into a buffer of the
// size the file was stat'ed at (and one byte more, to see the end in
// the same read): io.ReadAll's growing buffer reads and copies a post
// several times over.
func readSized(r io.Reader, size, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(max(size, 0), limit-1)+1)
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):min(int64(cap(buf)), limit)]
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// LoadPost reads, parses and resolves the media of one post file: file is
// relative to fsys, the repository root. It checks the file before
// reading it: it must be a regular file of at most MaxPostSize, and a
// symbolic link must stay in the repository (os.Root.FS and a commit's
// tree, internal/gitfs, refuse one that does not). The Post is nil when the file cannot be read as a post.
func LoadPost(fsys fs.FS, cfg *Config, file string) (*Post, Errors) {
	data, errs := ReadPost(fsys, file)
	if errs != nil {
		return nil, errs
	}
	p, errs := ParsePost(cfg, file, data)
	if p == nil {
		return nil, errs
	}
	if merrs := ResolveMedia(fsys, cfg, p); len(merrs) > 0 {
		errs = append(errs, merrs...)
		errs.Sort()
	}
	return p, errs
}

// IDIndex finds posts that share an id while posts stream by: two posts
// with one id would overwrite each other's published state. It keeps only
// id -> file, never the Posts. The zero value is ready to use, and it is
// safe for concurrent use; findings are deterministic when posts are added
// in Walk's order.
type IDIndex struct {
	mu    sync.Mutex
	files map[string]string
}

// Add records p's id and returns a finding, at p's id key (or its first
// line), when an earlier post has the same id.
func (x *IDIndex) Add(p *Post) *Error {
	if p == nil {
		return nil
	}
	return x.AddID(p.ID, p.File, p.IDPos())
}

// AddID is Add for a post known only by its id, file and the position of
// its id (a cached summary).
func (x *IDIndex) AddID(id, file string, pos Position) *Error {
	if id == "" {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.files == nil {
		x.files = map[string]string{}
	}
	other, dup := x.files[id]
	if !dup {
		x.files[id] = file
		return nil
	}
	pos.File = file
	return Errorf(pos, "id", "id %q is also used by %s", id, other)
}

// IDPos is where the post's identity is written: its id key, else the
// file's first line.
func (p *Post) IDPos() Position {
	pos, ok := p.Positions["id"]
	if !ok {
		pos = Position{File: p.File, Line: 1, Col: 1}
	}
	pos.File = p.File
	return pos
}

// Len returns how many distinct ids the index holds.
func (x *IDIndex) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.files)
}
