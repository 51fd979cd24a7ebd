package gitfs

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrNotRepository is returned by Open for a directory that is not the
// root of a git work tree.
var ErrNotRepository = errors.New("not a git repository")

// ErrNoCommit is returned by Head when HEAD's branch has no commit yet.
var ErrNoCommit = errors.New("no commit yet")

const (
	// cacheSize bounds the objects go-git keeps after reading them: a
	// post's blob between Stat (its size) and Open, and the bases of
	// deltas. FS keeps its decoded trees itself.
	cacheSize = 1 * cache.MiByte
	// largeObject is the size above which a blob is streamed from disk
	// instead of read whole into memory: media may be hundreds of MiB.
	largeObject = 1 << 20
)

// Repo is a git repository opened for reading its commits' files. It is
// safe for concurrent use.
type Repo struct {
	dir string
	mu  sync.Mutex // guards st: go-git's storage is not safe for concurrent use
	st  *filesystem.Storage
}

// Open opens the repository whose work tree is at dir (dir/.git is its
// git directory, or a file naming it).
func Open(dir string) (*Repo, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", dir, err)
	}
	fsStorage, ok := r.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("open git repository %s: unexpected storage %T", dir, r.Storer)
	}
	// Pack files stay open: go-git otherwise opens the pack (resolving
	// every element of its path) for each object it reads from it.
	st := filesystem.NewStorageWithOptions(fsStorage.Filesystem(), cache.NewObjectLRU(cacheSize),
		filesystem.Options{LargeObjectThreshold: largeObject, KeepDescriptors: true})
	return &Repo{dir: dir, st: st}, nil
}

// Close closes the files the repository keeps open (its pack files).
// Reading it again opens them again.
func (r *Repo) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st.Close()
}

// Head is the commit HEAD points to.
type Head struct {
	Commit string    // the commit's hash, in hex
	Branch string    // the branch HEAD is on; "" when HEAD is detached
	Time   time.Time // the commit's committer time
}

// Short is the commit's abbreviated hash and its branch, for messages:
// "1a2b3c4 on main", or "1a2b3c4" when HEAD is detached.
func (h Head) Short() string {
	s := h.Commit
	if len(s) > 7 {
		s = s[:7]
	}
	if h.Branch != "" {
		s += " on " + h.Branch
	}
	return s
}

// Head returns the commit HEAD points to, through its branch when HEAD is
// on one. A branch without a commit yet is ErrNoCommit.
func (r *Repo) Head() (Head, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return Head{}, fmt.Errorf("read HEAD: %w", err)
	}
	var h Head
	if ref.Type() == plumbing.SymbolicReference {
		h.Branch = ref.Target().Short()
		ref, err = r.st.Reference(ref.Target())
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return Head{Branch: h.Branch}, fmt.Errorf("branch %s: %w", h.Branch, ErrNoCommit)
		}
		if err != nil {
			return Head{}, fmt.Errorf("read branch %s: %w", h.Branch, err)
		}
	}
	c, err := object.GetCommit(r.st, ref.Hash())
	if err != nil {
		return Head{}, fmt.Errorf("read commit %s: %w", ref.Hash(), err)
	}
	h.Commit, h.Time = c.Hash.String(), c.Committer.When
	return h, nil
}

// FS returns the files of commit (a full hash in hex) as an fs.FS.
func (r *Repo) FS(commit string) (*FS, error) {
	if !plumbing.IsHash(commit) {
		return nil, fmt.Errorf("read commit %q: not a commit hash", commit)
	}
	h := plumbing.NewHash(commit)
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := object.GetCommit(r.st, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	return &FS{repo: r, root: c.TreeHash, time: c.Committer.When, dirs: map[plumbing.Hash]*dir{}}, nil
}

// tree decodes the tree object h. The caller holds r.mu.
func (r *Repo) tree(h plumbing.Hash) (*object.Tree, error) {
	return object.GetTree(r.st, h)
}

// blobSize returns the size of blob h. A small blob is read and kept in
// the cache, so that opening it next reads nothing more; a large one is
// not read. (EncodedObjectSize would read only the header, but looks for
// a loose object first, and in a packed repository that failed look-up
// costs more than reading a post.)
func (r *Repo) blobSize(h plumbing.Hash) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, err := r.st.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return 0, err
	}
	return o.Size(), nil
}

// blobReader opens blob h for reading. The reader reads without the lock:
// a small blob is already in memory, a large one is read from its own
// file handle.
func (r *Repo) blobReader(h plumbing.Hash) (io.ReadCloser, int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, err := r.st.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, 0, err
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, 0, err
	}
	return rd, o.Size(), nil
}

// readBlob reads blob h whole: a symbolic link's target.
func (r *Repo) readBlob(h plumbing.Hash) ([]byte, error) {
	rd, _, err := r.blobReader(h)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}
