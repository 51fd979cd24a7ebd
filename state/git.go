package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// ErrPushRejected is returned by GitStore.Push when the remote kept
// rejecting the push after every allowed attempt to re-apply on its head.
var ErrPushRejected = errors.New("push rejected")

// Identity is the author and committer of state commits.
type Identity struct {
	Name  string
	Email string
}

// DefaultIdentity is the identity of state commits when none is
// configured: a GitHub no-reply address, so commits show as a bot.
var DefaultIdentity = Identity{Name: "herald", Email: "herald@users.noreply.github.com"}

// DefaultMaxPushAttempts bounds how often Push tries when the remote keeps
// moving under it.
const DefaultMaxPushAttempts = 5

// GitOptions configures a GitStore.
type GitOptions struct {
	// Dir is the root of the content repository's work tree.
	Dir string
	// Remote is the name of the remote to push to; default "origin".
	Remote string
	// RequireRemote makes OpenGit fail when the repository has no such
	// remote. Without it, a repository without a remote works for
	// everything but Push.
	RequireRemote bool
	// Branch is the branch to commit to and push; default the branch HEAD
	// is on. It must be checked out.
	Branch string
	// Identity defaults to DefaultIdentity.
	Identity Identity
	// Auth is nil for a remote that needs none (a local path).
	Auth Auth
	// MaxPushAttempts defaults to DefaultMaxPushAttempts.
	MaxPushAttempts int
	// Logger defaults to a logger that discards. Every repair OpenGit
	// makes is logged at warning level.
	Logger *slog.Logger
	// Now is the clock of reflog entries; default time.Now. Commit times
	// come from CommitInfo.
	Now func() time.Time
}

// GitStore is the Store of a content repository: records are files in the
// branch's tree. It reads records from the branch's head commit, not from
// the work tree, builds commits from the head's tree plus the record files
// (nothing else that may be staged is committed), then brings the index
// and the work tree up to date for the paths that changed.
//
// Everything it writes under .git is replaced atomically (see dotGitFS),
// and OpenGit repairs what a killed process of an older version, or
// another tool, left torn (see check). Close releases the repository.
type GitStore struct {
	repo     *git.Repository
	dir      string
	gitDir   string
	dfs      *dotGitFS
	lock     *runLocker
	remote   string
	url      string
	noRemote bool
	branch   plumbing.ReferenceName
	tracking plumbing.ReferenceName
	identity Identity
	auth     transport.AuthMethod
	red      redactor
	attempts int
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	staged  map[string]staged
	files   map[string]stagedFile // staged files by path
	pending []pendingCommit
	// base is the commit the first pending commit was made on.
	base plumbing.Hash
	// merges holds the MergeFunc last put with each file path, for
	// pending commits adopted from an earlier run, which lost theirs.
	merges map[string]MergeFunc
}

var _ Store = (*GitStore)(nil)

// pendingCommit is a commit made by this store and not pushed yet: what it
// wrote, so that it can be made again on another head.
type pendingCommit struct {
	summary string
	when    time.Time
	records map[string]*Record // by file path
	// bases holds, by file path, the record each of records replaced when
	// it was committed (nil: none), for the three-way merge on a replay.
	bases map[string]*Record
	// files are the other files it wrote, by path.
	files map[string]pendingFile
}

// pendingFile is a file a pending commit wrote: its content, the content
// it replaced (nil: none), and how to merge it on a replay.
type pendingFile struct {
	data  []byte
	base  []byte
	merge MergeFunc
}

// OpenGit opens the repository whose work tree is at opts.Dir. It takes
// herald's run lock on the repository and, when no other herald has it
// open, removes what a killed herald left (its temporary and lock files)
// and repairs torn refs, packed-refs and index (see check), logging each
// repair; what it cannot prove it reports with the command that repairs
// it. Unpushed state commits an earlier run left on the branch are
// adopted: the next Push pushes them, re-applied on the remote's head if
// it moved.
func OpenGit(opts GitOptions) (*GitStore, error) {
	s := &GitStore{
		remote:   opts.Remote,
		identity: opts.Identity,
		attempts: opts.MaxPushAttempts,
		log:      opts.Logger,
		now:      opts.Now,
		staged:   map[string]staged{},
		files:    map[string]stagedFile{},
		merges:   map[string]MergeFunc{},
	}
	if s.remote == "" {
		s.remote = "origin"
	}
	if s.identity == (Identity{}) {
		s.identity = DefaultIdentity
	}
	if s.attempts <= 0 {
		s.attempts = DefaultMaxPushAttempts
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Auth != nil {
		s.red.secrets = opts.Auth.secrets()
		m, err := opts.Auth.method()
		if err != nil {
			return nil, fmt.Errorf("open state repository: %w", s.red.error(err))
		}
		s.auth = m
	}
	fail := func(err error) (*GitStore, error) {
		_ = s.lock.release()
		return nil, fmt.Errorf("open state repository %s: %w", opts.Dir, err)
	}
	if err := s.openChecked(opts.Dir, opts.Branch); err != nil {
		return fail(err)
	}
	head, err := s.repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return fail(fmt.Errorf("read HEAD: %w", err))
	}
	if head.Type() != plumbing.SymbolicReference {
		return fail(errors.New("HEAD is detached; check out the branch to commit state to"))
	}
	s.branch = head.Target()
	if opts.Branch != "" && plumbing.NewBranchReferenceName(opts.Branch) != s.branch {
		return fail(fmt.Errorf("HEAD is on %s, not on branch %s", s.branch.Short(), opts.Branch))
	}
	s.tracking = plumbing.NewRemoteReferenceName(s.remote, s.branch.Short())
	rem, err := s.repo.Remote(s.remote)
	switch {
	case errors.Is(err, git.ErrRemoteNotFound) && !opts.RequireRemote:
		s.noRemote = true
	case errors.Is(err, git.ErrRemoteNotFound):
		return fail(s.noRemoteError())
	case err != nil:
		return fail(fmt.Errorf("remote %q: %w", s.remote, err))
	default:
		if urls := rem.Config().URLs; len(urls) > 0 {
			s.url = s.red.string(urls[0])
		}
	}
	if err := s.adopt(); err != nil {
		return fail(err)
	}
	// A store that is dropped without Close still releases the lock.
	runtime.AddCleanup(s, func(l *runLocker) { _ = l.release() }, s.lock)
	return s, nil
}

// openChecked opens the repository whose work tree is at dir under the
// run lock, repairing what a killed process left torn (see checkFiles)
// when no other herald has it open. On error the caller releases the
// lock.
func (s *GitStore) openChecked(dir, branch string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	s.dir = dir
	if s.gitDir, err = gitDirOf(dir); err != nil {
		return err
	}
	lock, alone, err := acquireRunLock(s.gitDir)
	if err != nil {
		return err
	}
	s.lock = lock
	if alone {
		if err := cleanStale(s.gitDir, s.log); err != nil {
			return err
		}
	}
	st, dfs, err := openStorage(s.gitDir)
	if err != nil {
		return err
	}
	s.dfs = dfs
	if err := s.checkFiles(branch, alone); err != nil {
		return err
	}
	if s.repo, err = git.Open(st, osfs.New(dir)); err != nil {
		return err
	}
	if err := s.check(alone); err != nil {
		return err
	}
	return lock.share()
}

// Repair makes the checks OpenGit makes of the repository whose work
// tree is at dir, repairing what a killed process left torn or stopping
// with the file and the command that repairs it, and nothing else: it
// reads no remote and needs no branch checked out. The commands that only
// read the commit (plan, status) run it first, so that a torn branch is
// repaired or named instead of being read as a branch with no commit.
// A directory that is no repository is git.ErrRepositoryNotExists; a
// linked work tree, which herald never writes to, is left unchecked.
func Repair(dir string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &GitStore{remote: "origin", log: log, now: time.Now}
	err := s.openChecked(dir, "")
	if s.lock != nil {
		if rerr := s.lock.release(); err == nil {
			err = rerr
		}
	}
	var linked linkedWorkTree
	if errors.As(err, &linked) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check repository %s: %w", dir, err)
	}
	return nil
}

// noRemoteError says that the repository has no remote to push to, and
// how to add one.
func (s *GitStore) noRemoteError() error {
	return fmt.Errorf("the repository has no remote %q to push state to; add one with: git remote add %s <url> "+
		"(or run without --push to keep the state commits local)", s.remote, s.remote)
}

// Close releases the repository: herald's run lock on it. A closed store
// must not be used.
func (s *GitStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock.release()
}

// Branch returns the branch the store commits to, for messages.
func (s *GitStore) Branch() string { return s.branch.Short() }

// Head returns the commit the branch is at, or "" before the first commit.
func (s *GitStore) Head() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.head()
	if err != nil || h.IsZero() {
		return "", err
	}
	return h.String(), nil
}

func (s *GitStore) head() (plumbing.Hash, error) {
	ref, err := s.repo.Storer.Reference(s.branch)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read branch %s: %w", s.branch.Short(), err)
	}
	return ref.Hash(), nil
}

// treeOf returns the tree of a commit, nil for the zero hash.
func (s *GitStore) treeOf(h plumbing.Hash) (*object.Tree, error) {
	if h.IsZero() {
		return nil, nil
	}
	c, err := object.GetCommit(s.repo.Storer, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", h, err)
	}
	return t, nil
}

// readRecord reads the record file at path in tree; ErrNotFound when it
// has none.
func (s *GitStore) readRecord(tree *object.Tree, path string) (*Record, []byte, error) {
	if tree == nil {
		return nil, nil, ErrNotFound
	}
	f, err := tree.File(path)
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, &FileError{File: path, Err: err}
	}
	data, err := s.blob(f.Hash)
	if err != nil {
		return nil, nil, &FileError{File: path, Err: err}
	}
	r, err := decodeFile(path, data)
	return r, data, err
}

// decodeFile decodes a record and checks that it is the post its path
// names.
func decodeFile(path string, data []byte) (*Record, error) {
	r, err := Decode(path, data)
	if err != nil {
		return nil, err
	}
	if id, err := IDOf(path); err != nil || id != r.Post {
		return nil, &FileError{File: path, Err: fmt.Errorf("decode state: post %q does not belong in this file", r.Post)}
	}
	return r, nil
}

func (s *GitStore) blob(h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(s.repo.Storer, h)
	if err != nil {
		return nil, err
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

// Load implements Store.
func (s *GitStore) Load(ctx context.Context, postID string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path, err := PathOf(postID)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.staged[postID]; ok {
		return st.rec.Clone(), nil
	}
	h, err := s.head()
	if err != nil {
		return nil, fmt.Errorf("load state %s: %w", postID, err)
	}
	tree, err := s.treeOf(h)
	if err != nil {
		return nil, fmt.Errorf("load state %s: %w", postID, err)
	}
	r, _, err := s.readRecord(tree, path)
	if err != nil {
		return nil, fmt.Errorf("load state %s: %w", postID, err)
	}
	return r, nil
}

// Walk implements Store. It lists the record files from the trees alone,
// then reads one blob at a time, so memory stays flat and fn may call the
// store.
func (s *GitStore) Walk(ctx context.Context, fn func(*Record) error) error {
	type item struct {
		id   string
		path string
		blob plumbing.Hash
		rec  *Record
	}
	s.mu.Lock()
	items, err := func() ([]item, error) {
		h, err := s.head()
		if err != nil {
			return nil, err
		}
		tree, err := s.treeOf(h)
		if err != nil {
			return nil, err
		}
		byID := map[string]item{}
		if tree != nil {
			dir, err := tree.Tree(Dir)
			switch {
			case errors.Is(err, object.ErrDirectoryNotFound):
			case err != nil:
				return nil, fmt.Errorf("read %s: %w", Dir, err)
			default:
				w := object.NewTreeWalker(dir, true, nil)
				defer w.Close()
				for {
					name, e, err := w.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						return nil, fmt.Errorf("read %s: %w", Dir, err)
					}
					if !e.Mode.IsFile() || !strings.HasSuffix(name, ".json") {
						continue
					}
					path := Dir + "/" + name
					id, err := IDOf(path)
					if err != nil {
						return nil, &FileError{File: path, Err: err}
					}
					byID[id] = item{id: id, path: path, blob: e.Hash}
				}
			}
		}
		for id, st := range s.staged {
			byID[id] = item{id: id, rec: st.rec.Clone()}
		}
		items := make([]item, 0, len(byID))
		for _, it := range byID {
			items = append(items, it)
		}
		sort.Slice(items, func(i, j int) bool { return items[i].id < items[j].id })
		return items, nil
	}()
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("walk state: %w", err)
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := it.rec
		if r == nil {
			s.mu.Lock()
			data, err := s.blob(it.blob)
			s.mu.Unlock()
			if err != nil {
				return fmt.Errorf("walk state: %w", &FileError{File: it.path, Err: err})
			}
			if r, err = decodeFile(it.path, data); err != nil {
				return fmt.Errorf("walk state: %w", err)
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Put implements Store.
func (s *GitStore) Put(records ...*Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return stage(s.staged, records)
}

// PutFile implements Store.
func (s *GitStore) PutFile(path string, data []byte, merge MergeFunc) error {
	if err := checkFilePath(path); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = stagedFile{data: append([]byte{}, data...), merge: merge}
	if merge != nil {
		s.merges[path] = merge
	}
	return nil
}

// readFile returns the content of the file at path in tree, nil when it
// has none.
func (s *GitStore) readFile(tree *object.Tree, path string) ([]byte, error) {
	if tree == nil {
		return nil, nil
	}
	f, err := tree.File(path)
	if errors.Is(err, object.ErrFileNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	data, err := s.blob(f.Hash)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// Commit implements Store. The commit holds exactly the staged record
// files, and unless info.RecordsOnly the staged other files, that changed,
// on top of the branch's head; the index and the work tree are then
// updated for those files only.
func (s *GitStore) Commit(ctx context.Context, info CommitInfo) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if info.Time.IsZero() {
		return "", errors.New("commit state: no commit time given")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	put := s.staged
	putFiles := s.files
	if info.RecordsOnly {
		putFiles = nil
	}
	if len(put) == 0 && len(putFiles) == 0 {
		return "", ErrNoChanges
	}
	head, err := s.head()
	if err != nil {
		return "", fmt.Errorf("commit state: %w", err)
	}
	tree, err := s.treeOf(head)
	if err != nil {
		return "", fmt.Errorf("commit state: %w", err)
	}
	records := make(map[string]*Record, len(put))
	bases := make(map[string]*Record, len(put))
	for id, st := range put {
		p, _ := PathOf(id)
		records[p] = st.rec
		old, _, err := s.readRecord(tree, p)
		if err == nil {
			bases[p] = old
		}
	}
	files := make(map[string]pendingFile, len(putFiles))
	for p, sf := range putFiles {
		base, err := s.readFile(tree, p)
		if err != nil {
			return "", fmt.Errorf("commit state: %w", err)
		}
		files[p] = pendingFile{data: sf.data, base: base, merge: sf.merge}
	}
	next, err := s.commitRecords(ctx, head, tree, info.Summary, info.Time, records, files, nil)
	if err != nil {
		return "", fmt.Errorf("commit state: %w", err)
	}
	clear := func() {
		s.staged = map[string]staged{}
		if !info.RecordsOnly {
			s.files = map[string]stagedFile{}
		}
	}
	if next == head {
		clear()
		return "", ErrNoChanges
	}
	if err := s.moveBranch(ctx, head, next, false, "commit: "+commitSubject(info.Summary)); err != nil {
		return "", fmt.Errorf("commit state: %w", err)
	}
	// Staged records and files stay staged until they are committed, so
	// a failed Commit can be tried again.
	clear()
	if len(s.pending) == 0 {
		s.base = head
	}
	s.pending = append(s.pending, pendingCommit{summary: info.Summary, when: info.Time, records: records, bases: bases, files: files})
	s.log.InfoContext(ctx, "state committed", "commit", next.String(), "files", len(records)+len(files))
	return next.String(), nil
}

// commitRecords makes a commit on parent (whose tree is tree) that writes
// records and other files. With merge set (a replay), each record is first
// merged with the one already in tree, and each other file by mergeFile.
// It returns parent when nothing would change.
func (s *GitStore) commitRecords(ctx context.Context, parent plumbing.Hash, tree *object.Tree,
	summary string, when time.Time, records map[string]*Record, others map[string]pendingFile,
	merge func(path string, ours, theirs *Record) *Record) (plumbing.Hash, error) {
	files := map[string][]byte{}
	var changes []change
	var written []string
	for path, pf := range others {
		theirs, err := s.readFile(tree, path)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		data := pf.data
		if merge != nil {
			if data, err = mergeFile(path, pf, theirs); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		if data == nil || theirs != nil && bytes.Equal(theirs, data) {
			// Unchanged, or only theirs changed it: by deleting it.
			continue
		}
		files[path] = data
		written = append(written, path)
	}
	for path, ours := range records {
		if err := ctx.Err(); err != nil {
			return plumbing.ZeroHash, err
		}
		old, oldData, err := s.readRecord(tree, path)
		var fe *FileError
		switch {
		case errors.Is(err, ErrNotFound):
			old = nil
		case errors.As(err, &fe) && merge == nil:
			// A broken file on the branch is replaced by ours; when
			// merging we must not drop what we cannot read.
			old = nil
		case err != nil:
			return plumbing.ZeroHash, err
		}
		r := ours
		if merge != nil {
			r = merge(path, ours, old)
		}
		data, err := Encode(r)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if oldData != nil && string(oldData) == string(data) {
			continue
		}
		files[path] = data
		changes = append(changes, change{path: path, old: old, new: r})
	}
	if len(files) == 0 {
		return parent, nil
	}
	treeHash, err := s.writeTree(tree, files)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	sig := object.Signature{Name: s.identity.Name, Email: s.identity.Email, When: when}
	c := &object.Commit{
		Author:    sig,
		Committer: sig,
		Message:   commitMessage(summary, changes, written),
		TreeHash:  treeHash,
	}
	if !parent.IsZero() {
		c.ParentHashes = []plumbing.Hash{parent}
	}
	obj := s.repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode commit: %w", err)
	}
	h, err := s.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	return h, nil
}

// mergeFile is the content of a file a pending commit wrote, replayed on a
// tree that holds theirs (nil: none): ours when only ours changed it since
// its base, theirs when only theirs did (or both made the same change),
// else what its MergeFunc makes of the three, ours without one.
func mergeFile(path string, pf pendingFile, theirs []byte) ([]byte, error) {
	same := func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }
	switch {
	case same(pf.data, pf.base), same(pf.data, theirs):
		return theirs, nil
	case same(theirs, pf.base), pf.merge == nil:
		return pf.data, nil
	}
	data, err := pf.merge(pf.base, pf.data, theirs)
	if err != nil {
		return nil, fmt.Errorf("merge %s with the remote's version: %w", path, err)
	}
	return data, nil
}

// writeTree writes the tree that is base (nil: empty) with files, keyed by
// slash-separated paths relative to it, written or replaced. Only the
// trees on the way to the files are rewritten.
func (s *GitStore) writeTree(base *object.Tree, files map[string][]byte) (plumbing.Hash, error) {
	entries := map[string]object.TreeEntry{}
	if base != nil {
		for _, e := range base.Entries {
			entries[e.Name] = e
		}
	}
	sub := map[string]map[string][]byte{}
	for p, data := range files {
		name, rest, isDir := strings.Cut(p, "/")
		if isDir {
			if sub[name] == nil {
				sub[name] = map[string][]byte{}
			}
			sub[name][rest] = data
			continue
		}
		if e, ok := entries[name]; ok && e.Mode == filemode.Dir {
			return plumbing.ZeroHash, fmt.Errorf("write %s: a directory is in the way", p)
		}
		h, err := s.writeBlob(data)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries[name] = object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
	}
	for name, fs := range sub {
		var child *object.Tree
		if e, ok := entries[name]; ok {
			if e.Mode != filemode.Dir {
				return plumbing.ZeroHash, fmt.Errorf("write %s: a file is in the way", name)
			}
			t, err := object.GetTree(s.repo.Storer, e.Hash)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("read tree %s: %w", name, err)
			}
			child = t
		}
		h, err := s.writeTree(child, fs)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
	}
	t := &object.Tree{Entries: make([]object.TreeEntry, 0, len(entries))}
	for _, e := range entries {
		t.Entries = append(t.Entries, e)
	}
	// git orders a tree's entries by name, a directory's name as if it
	// ended with a slash.
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	obj := s.repo.Storer.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree: %w", err)
	}
	h, err := s.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write tree: %w", err)
	}
	return h, nil
}

func (s *GitStore) writeBlob(data []byte) (plumbing.Hash, error) {
	obj := s.repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write blob: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write blob: %w", err)
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write blob: %w", err)
	}
	h, err := s.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write blob: %w", err)
	}
	return h, nil
}

// moveBranch brings the work tree and the index from commit from to
// commit to, then points the branch at to, and logs the move in the
// reflog with msg. With checkDirty, a file outside Dir that differs from
// from in the work tree is a local change, and the move is refused before
// anything is written.
//
// A journal (.git/herald/checkout) names from and to while the work tree,
// the index and the branch change, so that OpenGit can finish or undo a
// move a kill interrupted (see recoverCheckout): the branch still at
// from undoes it, the branch at to finishes it.
func (s *GitStore) moveBranch(ctx context.Context, from, to plumbing.Hash, checkDirty bool, msg string) error {
	fromTree, err := s.treeOf(from)
	if err != nil {
		return err
	}
	toTree, err := s.treeOf(to)
	if err != nil {
		return err
	}
	changes, err := diffTrees(ctx, fromTree, toTree)
	if err != nil {
		return err
	}
	if checkDirty {
		if err := s.checkDirty(changes); err != nil {
			return err
		}
	}
	if err := s.writeJournal(journal{branch: s.branch, from: from, to: to}); err != nil {
		return err
	}
	ref, err := s.prepareRef(s.branch, from, to)
	if err != nil {
		return err
	}
	defer ref.release()
	if err := s.checkout(changes, true, ref); err != nil {
		return err
	}
	// The branch has moved: what follows cannot undo that, so it only
	// warns.
	if err := s.appendReflog(s.branch, from, to, msg); err != nil {
		s.log.WarnContext(ctx, "could not write the reflog", "error", err.Error())
	}
	if err := s.removeJournal(); err != nil {
		s.log.WarnContext(ctx, "could not remove the checkout journal; the next run does", "error", err.Error())
	}
	return nil
}

// prepareRef checks that the branch is at from (zero: it does not
// exist), and stages its new content, to, synced; checkout publishes it,
// and fails if the branch moved meanwhile.
func (s *GitStore) prepareRef(name plumbing.ReferenceName, from, to plumbing.Hash) (*replacement, error) {
	r, err := openReplacement(s.dfs, name.String(), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("update branch %s: %w", name.Short(), err)
	}
	cur := plumbing.ZeroHash
	ref, err := s.repo.Storer.Reference(name)
	switch {
	case err == nil:
		cur = ref.Hash()
	case !errors.Is(err, plumbing.ErrReferenceNotFound):
		return nil, fmt.Errorf("update branch %s: %w", name.Short(), err)
	}
	if cur != from {
		return nil, fmt.Errorf("update branch %s: it moved to %s while herald was working from %s", name.Short(), cur, from)
	}
	_ = r.Truncate(0)
	if _, err := r.Write([]byte(to.String() + "\n")); err != nil {
		return nil, err
	}
	if err := r.stage(true); err != nil {
		return nil, fmt.Errorf("update branch %s: %w", name.Short(), err)
	}
	return r, nil
}

// commitSubject is the first line of a state commit's message, as the
// reflog shows it.
func commitSubject(summary string) string {
	msg := commitMessage(summary, nil, nil)
	first, _, _ := strings.Cut(msg, "\n")
	return first
}
