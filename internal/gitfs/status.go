package gitfs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// ChangeKind is how a file of the working tree differs from the commit.
type ChangeKind string

const (
	// Modified: in the commit, with other content in the working tree
	// (staged or not).
	Modified ChangeKind = "modified"
	// New: in the working tree, not in the commit (untracked and not
	// ignored, or added and not committed).
	New ChangeKind = "new"
	// Deleted: in the commit, not in the working tree.
	Deleted ChangeKind = "deleted"
)

// Change is a file whose content in the working tree is not the commit's.
type Change struct {
	Path string // slash-separated, from the repository's root
	Kind ChangeKind
}

// Uncommitted lists, sorted by path, the files under paths (each a file
// or a directory, slash-separated from the root) whose working-tree
// content differs from f's commit. Below each path, names for which skip
// returns true are left out on both sides, and .git always is.
//
// It works as git status does, on these paths only: a file whose size and
// modification time match its index entry has the index's blob (unless
// the entry is racily clean: as new as the index file), and only the
// others are read and hashed. Untracked files ignored by .gitignore or
// .git/info/exclude are not changes. It never walks the whole repository:
// go-git's Worktree.Status does, and is many times slower than git's.
func (r *Repo) Uncommitted(ctx context.Context, f *FS, paths []string, skip func(name string) bool) ([]Change, error) {
	if skip == nil {
		skip = func(string) bool { return false }
	}
	idx, err := r.index()
	if err != nil {
		return nil, err
	}
	ign := r.ignores()
	var changes []Change
	for _, p := range paths {
		if p == "" || !fs.ValidPath(p) {
			return nil, fmt.Errorf("uncommitted files: invalid path %q", p)
		}
		committed := map[string]entry{}
		if err := f.files(p, skip, committed); err != nil {
			return nil, fmt.Errorf("uncommitted files: %w", err)
		}
		w := &worktreeWalk{r: r, idx: idx, committed: committed, skip: skip, ign: ign, ctx: ctx}
		if err := w.walk(p, true); err != nil {
			return nil, fmt.Errorf("uncommitted files: %w", err)
		}
		changes = append(changes, w.changes...)
		if len(w.seen) < len(committed) {
			// Some committed file was not found: which.
			seen := make(map[string]bool, len(w.seen))
			for _, name := range w.seen {
				seen[name] = true
			}
			for name := range committed {
				if !seen[name] {
					changes = append(changes, Change{Path: name, Kind: Deleted})
				}
			}
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return slices.CompactFunc(changes, func(a, b Change) bool { return a.Path == b.Path }), nil
}

// files adds the files (and links) at or below name in the commit to out,
// following a link at name itself, as Walk does for the content directory.
func (f *FS) files(name string, skip func(string) bool, out map[string]entry) error {
	e, err := f.lookup("stat", name, true)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errEscapes) {
		return nil
	}
	if err != nil {
		return err
	}
	if !isDir(e.mode) {
		out[name] = e
		return nil
	}
	d, err := f.dir(e)
	if err != nil {
		return err
	}
	for _, c := range d.entries {
		if skip(c.name) {
			continue
		}
		p := name + "/" + c.name
		if name == "." {
			p = c.name
		}
		if isDir(c.mode) {
			if err := f.files(p, skip, out); err != nil {
				return err
			}
			continue
		}
		out[p] = c
	}
	return nil
}

// indexState is the index's entries by path, and when it was written.
type indexState struct {
	entries map[string]*index.Entry
	written int64 // Unix nanoseconds of the index file's modification
}

func (r *Repo) index() (*indexState, error) {
	r.mu.Lock()
	idx, err := r.readIndex()
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("read the git index: %w", err)
	}
	s := &indexState{entries: make(map[string]*index.Entry, len(idx.Entries)), written: idx.ModTime.UnixNano()}
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			// A conflict: never clean.
			s.entries[e.Name] = &index.Entry{Name: e.Name, Stage: e.Stage}
			continue
		}
		s.entries[e.Name] = e
	}
	return s, nil
}

// ignores reads .git/info/exclude and the root .gitignore.
func (r *Repo) ignores() []gitignore.Pattern {
	var ps []gitignore.Pattern
	r.mu.Lock()
	dotgit := r.st.Filesystem()
	f, err := dotgit.Open("info/exclude")
	r.mu.Unlock()
	if err == nil {
		ps = append(ps, readPatterns(f, nil)...)
		f.Close()
	}
	return append(ps, r.ignoreFile(nil)...)
}

// ignoreFile reads the .gitignore of the directory dir (its path
// elements from the root).
func (r *Repo) ignoreFile(dir []string) []gitignore.Pattern {
	f, err := os.Open(filepath.Join(append([]string{r.dir}, append(dir, ".gitignore")...)...))
	if err != nil {
		return nil
	}
	defer f.Close()
	return readPatterns(f, dir)
}

func readPatterns(rd io.Reader, domain []string) []gitignore.Pattern {
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

// worktreeWalk compares the working tree below one path with the commit.
type worktreeWalk struct {
	ctx       context.Context
	r         *Repo
	idx       *indexState
	committed map[string]entry
	skip      func(string) bool
	ign       []gitignore.Pattern
	seen      []string // the committed files found, each once
	changes   []Change
}

// walk compares name and, for a directory, everything below it. top is
// the path asked for: a link there is followed, and the .gitignore files
// of its parent directories apply.
func (w *worktreeWalk) walk(name string, top bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	full := filepath.Join(w.r.dir, filepath.FromSlash(name))
	stat := os.Lstat
	if top {
		stat = os.Stat
		parts := strings.Split(name, "/")
		for i := 1; i < len(parts); i++ {
			w.ign = append(w.ign, w.r.ignoreFile(parts[:i])...)
		}
	}
	info, err := stat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return w.file(name, full, info)
	}
	var elems []string
	if name != "." {
		elems = strings.Split(name, "/")
		w.ign = append(w.ign, w.r.ignoreFile(elems)...)
	}
	ents, err := os.ReadDir(full)
	if err != nil {
		return err
	}
	// Each file is lstat'ed from its directory, one name to resolve
	// instead of its whole path: a plan lstats every post.
	lstat := func(d fs.DirEntry) (fs.FileInfo, error) { return d.Info() }
	if dr, err := os.OpenRoot(full); err == nil {
		defer dr.Close()
		lstat = func(d fs.DirEntry) (fs.FileInfo, error) { return dr.Lstat(d.Name()) }
	}
	ign := w.ign
	for _, d := range ents {
		if d.Name() == ".git" || w.skip(d.Name()) {
			continue
		}
		p := d.Name()
		if name != "." {
			p = name + "/" + p // both clean: what path.Join gives
		}
		if d.IsDir() {
			if gitignore.NewMatcher(w.ign).Match(append(slices.Clip(elems), d.Name()), true) && !w.hasCommittedBelow(p) {
				continue // an ignored directory, and the commit has nothing in it
			}
			if err := w.walk(p, false); err != nil {
				return err
			}
			w.ign = ign // the subdirectory's patterns end with it
			continue
		}
		info, err := lstat(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && info.Mode()&fs.ModeSymlink == 0 {
			continue // a socket or a pipe: git keeps neither
		}
		if err := w.file(p, filepath.Join(full, d.Name()), info); err != nil {
			return err
		}
	}
	return nil
}

// hasCommittedBelow reports whether the commit has a file below dir.
func (w *worktreeWalk) hasCommittedBelow(dir string) bool {
	prefix := dir + "/"
	for p := range w.committed {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// file compares one file of the working tree with the commit.
func (w *worktreeWalk) file(name, full string, info fs.FileInfo) error {
	ie, staged := w.idx.entries[name]
	c, inCommit := w.committed[name]
	if inCommit {
		w.seen = append(w.seen, name)
	}
	if !inCommit {
		if !staged && gitignore.NewMatcher(w.ign).Match(strings.Split(name, "/"), false) {
			return nil
		}
		w.changes = append(w.changes, Change{Path: name, Kind: New})
		return nil
	}
	link := info.Mode()&fs.ModeSymlink != 0
	if link != (c.mode == filemode.Symlink) {
		w.changes = append(w.changes, Change{Path: name, Kind: Modified})
		return nil
	}
	var blob plumbing.Hash
	if staged && clean(ie, info, w.idx.written) {
		blob = ie.Hash
	} else {
		h, err := hashFile(full, info)
		if err != nil {
			return err
		}
		blob = h
	}
	if blob != c.hash {
		w.changes = append(w.changes, Change{Path: name, Kind: Modified})
	}
	return nil
}

// clean reports whether the index entry describes the file as it is, by
// its stat alone: same size and modification time, not a conflict, and
// not racily clean (written in the same instant as the index, when a
// later change could keep both).
func clean(e *index.Entry, info fs.FileInfo, indexWritten int64) bool {
	if e.Stage != 0 || e.IntentToAdd || e.Hash.IsZero() {
		return false
	}
	mtime := info.ModTime().UnixNano()
	return int64(e.Size) == info.Size()&0xffffffff && e.ModifiedAt.UnixNano() == mtime && mtime < indexWritten
}

// hashFile computes the blob hash of a file of the working tree, or of a
// link's target, streaming.
func hashFile(full string, info fs.FileInfo) (plumbing.Hash, error) {
	if info.Mode()&fs.ModeSymlink != 0 {
		t, err := os.Readlink(full)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return plumbing.ComputeHash(plumbing.BlobObject, []byte(t)), nil
	}
	f, err := os.Open(full)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	h := plumbing.NewHasher(plumbing.BlobObject, info.Size())
	n, err := io.Copy(h, f)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if n != info.Size() {
		// It changed while being read: no commit has it.
		return plumbing.ZeroHash, nil
	}
	return h.Sum(), nil
}
