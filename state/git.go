package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
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
	// Branch is the branch to commit to and push; default the branch HEAD
	// is on. It must be checked out.
	Branch string
	// Identity defaults to DefaultIdentity.
	Identity Identity
	// Auth is nil for a remote that needs none (a local path).
	Auth Auth
	// MaxPushAttempts defaults to DefaultMaxPushAttempts.
	MaxPushAttempts int
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
}

// GitStore is the Store of a content repository: records are files in the
// branch's tree. It reads records from the branch's head commit, not from
// the work tree, builds commits from the head's tree plus the record files
// (nothing else that may be staged is committed), then brings the index
// and the work tree up to date for the paths that changed.
type GitStore struct {
	repo     *git.Repository
	dir      string
	remote   string
	url      string
	branch   plumbing.ReferenceName
	tracking plumbing.ReferenceName
	identity Identity
	auth     transport.AuthMethod
	red      redactor
	attempts int
	log      *slog.Logger

	mu      sync.Mutex
	staged  map[string]staged
	files   map[string]stagedFile // staged files by path
	pending []pendingCommit
	// base is the commit the first pending commit was made on.
	base plumbing.Hash
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

// OpenGit opens the repository whose work tree is at opts.Dir.
func OpenGit(opts GitOptions) (*GitStore, error) {
	s := &GitStore{
		dir:      opts.Dir,
		remote:   opts.Remote,
		identity: opts.Identity,
		attempts: opts.MaxPushAttempts,
		log:      opts.Logger,
		staged:   map[string]staged{},
		files:    map[string]stagedFile{},
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
	if opts.Auth != nil {
		s.red.secrets = opts.Auth.secrets()
		m, err := opts.Auth.method()
		if err != nil {
			return nil, fmt.Errorf("open state repository: %w", s.red.error(err))
		}
		s.auth = m
	}
	repo, err := git.PlainOpen(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("open state repository %s: %w", opts.Dir, err)
	}
	s.repo = repo
	head, err := repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return nil, fmt.Errorf("open state repository %s: read HEAD: %w", opts.Dir, err)
	}
	if head.Type() != plumbing.SymbolicReference {
		return nil, fmt.Errorf("open state repository %s: HEAD is detached; check out the branch to commit state to", opts.Dir)
	}
	s.branch = head.Target()
	if opts.Branch != "" && plumbing.NewBranchReferenceName(opts.Branch) != s.branch {
		return nil, fmt.Errorf("open state repository %s: HEAD is on %s, not on branch %s", opts.Dir, s.branch.Short(), opts.Branch)
	}
	s.tracking = plumbing.NewRemoteReferenceName(s.remote, s.branch.Short())
	rem, err := repo.Remote(s.remote)
	if err != nil {
		return nil, fmt.Errorf("open state repository %s: remote %q: %w", opts.Dir, s.remote, err)
	}
	if urls := rem.Config().URLs; len(urls) > 0 {
		s.url = s.red.string(urls[0])
	}
	return s, nil
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
	if err := s.moveBranch(ctx, head, next, false); err != nil {
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
// commit to, then points the branch at to. With checkDirty, a file outside
// Dir that differs from from in the work tree is a local change, and the
// move is refused before anything is written.
func (s *GitStore) moveBranch(ctx context.Context, from, to plumbing.Hash, checkDirty bool) error {
	fromTree, err := s.treeOf(from)
	if err != nil {
		return err
	}
	toTree, err := s.treeOf(to)
	if err != nil {
		return err
	}
	if err := s.checkout(ctx, fromTree, toTree, checkDirty); err != nil {
		return err
	}
	old := plumbing.NewHashReference(s.branch, from)
	if from.IsZero() {
		old = nil
	}
	if err := s.repo.Storer.CheckAndSetReference(plumbing.NewHashReference(s.branch, to), old); err != nil {
		return fmt.Errorf("update branch %s: %w", s.branch.Short(), err)
	}
	return nil
}

// Push implements Store. It pushes the branch without force. When the
// remote has moved on, it fetches, makes every unpushed commit again on
// the remote's head with each record merged by Merge with the remote's
// version, and tries again, up to MaxPushAttempts times. After a
// successful Push the branch equals the remote's.
func (s *GitStore) Push(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return nil
	}
	var last error
	for attempt := 1; attempt <= s.attempts; attempt++ {
		head, err := s.head()
		if err != nil {
			return fmt.Errorf("push state: %w", err)
		}
		err = s.pushOnce(ctx, head)
		if err == nil {
			s.pending = nil
			s.base = head
			if err := s.repo.Storer.SetReference(plumbing.NewHashReference(s.tracking, head)); err != nil {
				return fmt.Errorf("push state: update %s: %w", s.tracking.Short(), err)
			}
			s.log.InfoContext(ctx, "state pushed", "commit", head.String(), "attempt", attempt)
			return nil
		}
		if ctx.Err() != nil || !looksRejected(err) {
			return s.pushError(err)
		}
		last = err
		remote, ferr := s.fetch(ctx)
		if ferr != nil {
			return s.pushError(fmt.Errorf("%w; then fetch: %w", err, ferr))
		}
		moved, err := s.remoteMoved(head, remote)
		if err != nil {
			return s.pushError(err)
		}
		if !moved {
			// Refused for another reason than a concurrent change.
			return s.pushError(last)
		}
		s.log.InfoContext(ctx, "state push rejected; re-applying on the remote head",
			"attempt", attempt, "remote_head", remote.String())
		if err := s.rebase(ctx, head, remote); err != nil {
			return s.pushError(err)
		}
	}
	return s.pushError(fmt.Errorf("%w %d times as the remote kept changing; last: %w", ErrPushRejected, s.attempts, last))
}

func (s *GitStore) pushError(err error) error {
	hint := ""
	if errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed) {
		hint = " (check the token or key herald pushes with)"
	}
	return s.red.error(fmt.Errorf("push state to %s %s%s: %w", s.url, s.branch.Short(), hint, err))
}

func (s *GitStore) pushOnce(ctx context.Context, head plumbing.Hash) error {
	spec := config.RefSpec(s.branch.String() + ":" + s.branch.String())
	err := s.repo.PushContext(ctx, &git.PushOptions{
		RemoteName: s.remote,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       s.auth,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// looksRejected reports whether a push error may be the remote having
// moved: go-git's own non-fast-forward check, or the server refusing the
// ref update. Push confirms it by fetching.
func looksRejected(err error) bool {
	msg := err.Error()
	for _, s := range []string{"non-fast-forward", "fetch first", "command error on", "failed to update ref", "failed to lock"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// fetch fetches the branch into its remote-tracking ref and returns its
// head.
func (s *GitStore) fetch(ctx context.Context) (plumbing.Hash, error) {
	spec := config.RefSpec("+" + s.branch.String() + ":" + s.tracking.String())
	err := s.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: s.remote,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       s.auth,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, err
	}
	ref, err := s.repo.Storer.Reference(s.tracking)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", s.tracking.Short(), err)
	}
	return ref.Hash(), nil
}

// remoteMoved reports whether remote has commits that head lacks.
func (s *GitStore) remoteMoved(head, remote plumbing.Hash) (bool, error) {
	if remote == head {
		return false, nil
	}
	if head.IsZero() {
		return true, nil
	}
	ancestor, err := s.isAncestor(remote, head)
	if err != nil {
		return false, err
	}
	return !ancestor, nil
}

// isAncestor reports whether a is b or one of its ancestors.
func (s *GitStore) isAncestor(a, b plumbing.Hash) (bool, error) {
	if a == b {
		return true, nil
	}
	ca, err := object.GetCommit(s.repo.Storer, a)
	if err != nil {
		return false, fmt.Errorf("read commit %s: %w", a, err)
	}
	cb, err := object.GetCommit(s.repo.Storer, b)
	if err != nil {
		return false, fmt.Errorf("read commit %s: %w", b, err)
	}
	return ca.IsAncestor(cb)
}

// rebase makes every pending commit again on remote, merging each record
// with the remote's version, and moves the branch from head to the result.
func (s *GitStore) rebase(ctx context.Context, head, remote plumbing.Hash) error {
	if !s.base.IsZero() {
		ok, err := s.isAncestor(s.base, remote)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("re-apply state: the remote branch does not contain %s, which the local state commits were made on; "+
				"the local branch has commits that are not on the remote, or the remote was rewritten", s.base)
		}
	}
	next := remote
	for _, p := range s.pending {
		tree, err := s.treeOf(next)
		if err != nil {
			return fmt.Errorf("re-apply state: %w", err)
		}
		merge := func(path string, ours, theirs *Record) *Record { return Merge(p.bases[path], ours, theirs) }
		h, err := s.commitRecords(ctx, next, tree, p.summary, p.when, p.records, p.files, merge)
		if err != nil {
			return fmt.Errorf("re-apply state: %w", err)
		}
		next = h
	}
	if err := s.moveBranch(ctx, head, next, true); err != nil {
		return fmt.Errorf("re-apply state: %w", err)
	}
	s.base = remote
	return nil
}
