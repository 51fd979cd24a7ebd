package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
)

// fileChange is one file that differs between two trees: its blob and mode
// on each side, zero when absent.
type fileChange struct {
	path     string
	from, to plumbing.Hash
	mode     filemode.FileMode // the mode on the to side
}

// checkout brings the work tree and the index from tree from to tree to,
// touching only the files that differ between them. It compares trees by
// hash, so unchanged directories cost nothing, and never walks the work
// tree (Worktree.Status is too slow for large repositories).
func (s *GitStore) checkout(ctx context.Context, from, to *object.Tree, checkDirty bool) error {
	chs, err := object.DiffTreeWithOptions(ctx, from, to, nil)
	if err != nil {
		return fmt.Errorf("diff trees: %w", err)
	}
	changes := make([]fileChange, 0, len(chs))
	for _, ch := range chs {
		action, err := ch.Action()
		if err != nil {
			return fmt.Errorf("diff trees: %w", err)
		}
		fc := fileChange{}
		if action != merkletrie.Insert {
			fc.path, fc.from = ch.From.Name, ch.From.TreeEntry.Hash
		}
		if action != merkletrie.Delete {
			fc.path, fc.to, fc.mode = ch.To.Name, ch.To.TreeEntry.Hash, ch.To.TreeEntry.Mode
		}
		if err := safePath(fc.path); err != nil {
			return err
		}
		changes = append(changes, fc)
	}
	if checkDirty {
		for _, fc := range changes {
			if strings.HasPrefix(fc.path, Dir+"/") {
				continue
			}
			cur, err := s.worktreeHash(fc.path)
			if err != nil {
				return err
			}
			if cur != fc.from && cur != fc.to {
				return fmt.Errorf("%s has local changes in the work tree and changed on the remote; commit or discard them first", fc.path)
			}
		}
	}
	idx, err := s.repo.Storer.Index()
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	entries := make(map[string]*index.Entry, len(idx.Entries))
	for _, e := range idx.Entries {
		entries[e.Name] = e
	}
	removed := map[string]bool{}
	for _, fc := range changes {
		full := filepath.Join(s.dir, filepath.FromSlash(fc.path))
		if fc.to.IsZero() {
			if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", fc.path, err)
			}
			removed[fc.path] = true
			continue
		}
		if fc.mode == filemode.Submodule {
			continue
		}
		if err := s.writeFile(full, fc); err != nil {
			return err
		}
		info, err := os.Lstat(full)
		if err != nil {
			return fmt.Errorf("write %s: %w", fc.path, err)
		}
		e, ok := entries[fc.path]
		if !ok {
			e = idx.Add(fc.path)
			entries[fc.path] = e
		}
		e.Hash = fc.to
		e.Mode = fc.mode
		e.ModifiedAt = info.ModTime()
		e.Size = uint32(info.Size())
	}
	if len(removed) > 0 {
		kept := idx.Entries[:0]
		for _, e := range idx.Entries {
			if !removed[e.Name] {
				kept = append(kept, e)
			}
		}
		idx.Entries = kept
	}
	// The cached trees describe the old index.
	idx.Cache = nil
	if err := s.repo.Storer.SetIndex(idx); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

func (s *GitStore) writeFile(full string, fc fileChange) error {
	data, err := s.blob(fc.to)
	if err != nil {
		return fmt.Errorf("read %s: %w", fc.path, err)
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", fc.path, err)
	}
	if info, err := os.Lstat(full); err == nil && (info.Mode()&fs.ModeSymlink != 0) != (fc.mode == filemode.Symlink) {
		if err := os.Remove(full); err != nil {
			return fmt.Errorf("write %s: %w", fc.path, err)
		}
	}
	switch fc.mode {
	case filemode.Symlink:
		_ = os.Remove(full)
		err = os.Symlink(string(data), full)
	case filemode.Executable:
		err = os.WriteFile(full, data, 0o755)
		if err == nil {
			err = os.Chmod(full, 0o755)
		}
	default:
		err = os.WriteFile(full, data, 0o644)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", fc.path, err)
	}
	return nil
}

// worktreeHash returns the blob hash of a file in the work tree, zero when
// it does not exist.
func (s *GitStore) worktreeHash(path string) (plumbing.Hash, error) {
	full := filepath.Join(s.dir, filepath.FromSlash(path))
	info, err := os.Lstat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", path, err)
	}
	var data []byte
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(full)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read %s: %w", path, err)
		}
		data = []byte(target)
	} else if info.Mode().IsRegular() {
		if data, err = os.ReadFile(full); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read %s: %w", path, err)
		}
	} else {
		return plumbing.ZeroHash, fmt.Errorf("%s is not a file in the work tree", path)
	}
	return plumbing.ComputeHash(plumbing.BlobObject, data), nil
}

// safePath refuses a path from a tree that would write outside the work
// tree or into .git.
func safePath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\') {
		return fmt.Errorf("unsafe path %q in tree", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." || strings.EqualFold(el, ".git") {
			return fmt.Errorf("unsafe path %q in tree", p)
		}
	}
	return nil
}
