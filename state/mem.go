package state

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
)

// MemStore is a Store in memory, for the tests of the packages that use a
// Store. It encodes and decodes every record as GitStore does, so a record
// that would not survive a file does not survive here either. It is safe
// for concurrent use.
type MemStore struct {
	// PushError, when set, is called by Push; a non-nil result is
	// returned and nothing is pushed. Tests use it to inject faults.
	PushError func() error

	mu        sync.Mutex
	committed map[string][]byte // post ID -> encoded record
	staged    map[string]staged
	files     map[string][]byte // committed files outside Dir, by path
	putFiles  map[string][]byte // staged files outside Dir, by path
	commits   []MemCommit
	pushed    int // how many of commits are pushed
}

var _ Store = (*MemStore)(nil)

// MemCommit is a commit made in a MemStore, for tests to assert on.
type MemCommit struct {
	ID      string
	Message string
	// Files maps the files of the commit, records and others, to their
	// bytes.
	Files map[string][]byte
}

// NewMemStore returns a MemStore holding records, as if committed and
// pushed.
func NewMemStore(records ...*Record) (*MemStore, error) {
	s := &MemStore{committed: map[string][]byte{}, staged: map[string]staged{},
		files: map[string][]byte{}, putFiles: map[string][]byte{}}
	st := map[string]staged{}
	if err := stage(st, records); err != nil {
		return nil, err
	}
	for id, r := range st {
		s.committed[id] = r.data
	}
	return s, nil
}

// Load implements Store.
func (s *MemStore) Load(ctx context.Context, postID string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := PathOf(postID)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.staged[postID]; ok {
		return st.rec.Clone(), nil
	}
	data, ok := s.committed[postID]
	if !ok {
		return nil, fmt.Errorf("load state %s: %w", postID, ErrNotFound)
	}
	return Decode(p, data)
}

// Walk implements Store.
func (s *MemStore) Walk(ctx context.Context, fn func(*Record) error) error {
	s.mu.Lock()
	var recs []*Record
	ids := map[string]bool{}
	for id := range s.committed {
		ids[id] = true
	}
	for id := range s.staged {
		ids[id] = true
	}
	for id := range ids {
		if st, ok := s.staged[id]; ok {
			recs = append(recs, st.rec.Clone())
			continue
		}
		p, _ := PathOf(id)
		r, err := Decode(p, s.committed[id])
		if err != nil {
			s.mu.Unlock()
			return err
		}
		recs = append(recs, r)
	}
	s.mu.Unlock()
	sort.Slice(recs, func(i, j int) bool { return recs[i].Post < recs[j].Post })
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Put implements Store.
func (s *MemStore) Put(records ...*Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return stage(s.staged, records)
}

// PutFile implements Store. A MemStore has no remote to race with, so
// merge is never called.
func (s *MemStore) PutFile(path string, data []byte, merge MergeFunc) error {
	if err := checkFilePath(path); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putFiles[path] = append([]byte{}, data...)
	return nil
}

// File returns the committed content of a file put with PutFile, and
// whether there is one.
func (s *MemStore) File(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.files[path]
	return bytes.Clone(data), ok
}

// Commit implements Store.
func (s *MemStore) Commit(ctx context.Context, info CommitInfo) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var changes []change
	files := map[string][]byte{}
	for id, st := range s.staged {
		p, _ := PathOf(id)
		old, had := s.committed[id]
		if had && bytes.Equal(old, st.data) {
			continue
		}
		c := change{path: p, new: st.rec}
		if had {
			c.old, _ = Decode(p, old)
		}
		changes = append(changes, c)
		files[p] = st.data
	}
	var written []string
	if !info.RecordsOnly {
		for p, data := range s.putFiles {
			if old, ok := s.files[p]; ok && bytes.Equal(old, data) {
				continue
			}
			written = append(written, p)
			files[p] = data
		}
		for p, data := range s.putFiles {
			s.files[p] = data
		}
		s.putFiles = map[string][]byte{}
	}
	put := s.staged
	s.staged = map[string]staged{}
	if len(changes) == 0 && len(written) == 0 {
		return "", ErrNoChanges
	}
	for id, st := range put {
		s.committed[id] = st.data
	}
	c := MemCommit{
		ID:      fmt.Sprintf("mem-%d", len(s.commits)+1),
		Message: commitMessage(info.Summary, changes, written),
		Files:   files,
	}
	s.commits = append(s.commits, c)
	return c.ID, nil
}

// Push implements Store.
func (s *MemStore) Push(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.PushError != nil {
		if err := s.PushError(); err != nil {
			return fmt.Errorf("push state: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushed = len(s.commits)
	return nil
}

// Commits returns the commits made so far, oldest first.
func (s *MemStore) Commits() []MemCommit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MemCommit(nil), s.commits...)
}

// Unpushed returns how many commits were made since the last Push.
func (s *MemStore) Unpushed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.commits) - s.pushed
}
