package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

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
	fromMode filemode.FileMode // the mode on the from side
	mode     filemode.FileMode // the mode on the to side
}

// reversed is the change that undoes c.
func (c fileChange) reversed() fileChange {
	return fileChange{path: c.path, from: c.to, to: c.from, fromMode: c.mode, mode: c.fromMode}
}

// diffTrees lists the files that differ between two trees (nil: empty).
// It compares trees by hash, so unchanged directories cost nothing, and
// never walks the work tree (Worktree.Status is too slow for large
// repositories).
func diffTrees(ctx context.Context, from, to *object.Tree) ([]fileChange, error) {
	chs, err := object.DiffTreeWithOptions(ctx, from, to, nil)
	if err != nil {
		return nil, fmt.Errorf("diff trees: %w", err)
	}
	changes := make([]fileChange, 0, len(chs))
	for _, ch := range chs {
		action, err := ch.Action()
		if err != nil {
			return nil, fmt.Errorf("diff trees: %w", err)
		}
		fc := fileChange{}
		if action != merkletrie.Insert {
			fc.path, fc.from, fc.fromMode = ch.From.Name, ch.From.TreeEntry.Hash, ch.From.TreeEntry.Mode
		}
		if action != merkletrie.Delete {
			fc.path, fc.to, fc.mode = ch.To.Name, ch.To.TreeEntry.Hash, ch.To.TreeEntry.Mode
		}
		if err := safePath(fc.path); err != nil {
			return nil, err
		}
		changes = append(changes, fc)
	}
	return changes, nil
}

// checkDirty refuses changes to files outside Dir that differ in the work
// tree from both sides: local changes a checkout would overwrite.
func (s *GitStore) checkDirty(changes []fileChange) error {
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
	return nil
}

// checkout brings the work tree and the index from the from side of
// changes to their to side, then publishes ref (a branch staged by
// prepareRef; nil: none). It is built so that a kill leaves little to
// undo, git status clean as long as possible and git's locks held for
// microseconds: every new file is first written beside .git, the index
// read, the ref staged and synced by prepareRef; only then are the files
// renamed into place (each rename atomic), the index written with each
// file's stat, both locks taken, the index renamed into place and the
// ref last, with no sync in between. The syncs follow. A journal (see
// moveBranch) covers the moment between the first rename and the ref; a
// power cut that loses the unsynced index leaves a torn index that
// OpenGit rebuilds.
//
// With force unset (a recovery), a file that holds neither side's content
// was changed by someone else and is left as it is (and logged); its
// index entry still moves.
func (s *GitStore) checkout(changes []fileChange, force bool, ref *replacement) (err error) {
	type move struct {
		fc    fileChange
		full  string
		tmp   string // staged content; "" when the file stays as it is
		holds bool   // whether the file holds the to side afterwards
	}
	moves := make([]move, 0, len(changes))
	defer func() {
		for _, m := range moves {
			if m.tmp != "" {
				os.Remove(m.tmp)
			}
		}
	}()
	for _, fc := range changes {
		m := move{fc: fc, full: filepath.Join(s.dir, filepath.FromSlash(fc.path)), holds: true}
		write := true
		if !force {
			cur, err := s.worktreeHash(fc.path)
			switch {
			case err != nil:
				return err
			case cur == fc.to:
				write = false
			case cur != fc.from:
				write, m.holds = false, false
				s.log.Warn("left a file that changed while herald was stopped as it is", "file", fc.path)
			}
		}
		if write && !fc.to.IsZero() && fc.mode != filemode.Submodule {
			data, err := s.blob(fc.to)
			if err != nil {
				return fmt.Errorf("read %s: %w", fc.path, err)
			}
			if m.tmp, err = s.stageFile(data, fc.mode); err != nil {
				return fmt.Errorf("write %s: %w", fc.path, err)
			}
		}
		if write && fc.to.IsZero() {
			m.tmp = "-" // remove
		}
		moves = append(moves, m)
	}

	idxFile, err := openReplacement(s.dfs, "index", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	defer idxFile.release()
	idx := &index.Index{Version: 2}
	if len(idxFile.buf) > 0 {
		if err := index.NewDecoder(bytes.NewReader(idxFile.buf)).Decode(idx); err != nil {
			return fmt.Errorf("read index: %w", err)
		}
	}

	// From here on the work tree moves; the journal covers a kill.
	for i := range moves {
		m := &moves[i]
		switch m.tmp {
		case "":
		case "-":
			if err := os.Remove(m.full); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", m.fc.path, err)
			}
			m.tmp = ""
		default:
			if err := placeFile(m.tmp, m.full, m.fc.mode); err != nil {
				return fmt.Errorf("write %s: %w", m.fc.path, err)
			}
			m.tmp = ""
		}
	}
	entries := make(map[string]*index.Entry, len(idx.Entries))
	for _, e := range idx.Entries {
		entries[e.Name] = e
	}
	removed := map[string]bool{}
	for _, m := range moves {
		fc := m.fc
		if fc.to.IsZero() {
			removed[fc.path] = true
			continue
		}
		e, ok := entries[fc.path]
		if !ok {
			e = idx.Add(fc.path)
			entries[fc.path] = e
		}
		*e = index.Entry{Name: fc.path, Hash: fc.to, Mode: fc.mode}
		if info, err := os.Lstat(m.full); err == nil && m.holds && fc.mode != filemode.Submodule {
			fillStat(e, info)
		}
		// Otherwise the stat is unknown and git status reads the file.
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
	var buf bytes.Buffer
	if err := index.NewEncoder(&buf).Encode(idx); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	_ = idxFile.Truncate(0)
	if _, err := idxFile.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	if err := idxFile.stage(false); err != nil {
		return err
	}
	if err := idxFile.lock(); err != nil {
		return err
	}
	if ref != nil {
		if err := ref.lock(); err != nil {
			return err
		}
	}
	if err := idxFile.rename(); err != nil {
		return err
	}
	if ref != nil {
		if err := ref.rename(); err != nil {
			return err
		}
	}
	// Now make it durable: the index's content, then the directories the
	// renames changed. Everything is in place already, so a failure here
	// only warns: the move must not be reported as not done.
	if err := syncFile(idxFile.path); err != nil {
		s.log.Warn("could not sync the index", "error", err.Error())
	}
	dirs := map[string]bool{filepath.Dir(idxFile.path): true}
	if ref != nil {
		dirs[filepath.Dir(ref.path)] = true
	}
	for _, m := range moves {
		dirs[filepath.Dir(m.full)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("could not sync a directory", "dir", d, "error", err.Error())
		}
	}
	return nil
}

// syncFile flushes a file's content to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// placeFile renames a staged file over a work tree file. A regular file
// keeps the permissions it had (a token written 0600 stays private), as
// writing it in place would. Should .git be on another filesystem than
// the work tree, it copies in place.
func placeFile(tmp, full string, mode filemode.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	if info, err := os.Lstat(full); err == nil {
		if info.IsDir() {
			return fmt.Errorf("a directory is in the way")
		}
		exec := info.Mode().Perm()&0o111 != 0
		if info.Mode().IsRegular() && mode != filemode.Symlink && exec == (mode == filemode.Executable) {
			if err := os.Chmod(tmp, info.Mode().Perm()); err != nil {
				return err
			}
		}
	}
	err := os.Rename(tmp, full)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	info, err := os.Lstat(tmp)
	if err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(tmp)
		if err != nil {
			return err
		}
		_ = os.Remove(full)
		return os.Symlink(target, full)
	}
	data, err := os.ReadFile(tmp)
	if err != nil {
		return err
	}
	if err := os.WriteFile(full, data, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chmod(full, info.Mode().Perm())
}

// stageFile writes data as a file (or, for a symlink, a link to data) of
// the given mode in .git/herald/tmp, synced, and returns its path.
func (s *GitStore) stageFile(data []byte, mode filemode.FileMode) (string, error) {
	dir := filepath.Join(s.gitDir, filepath.FromSlash(tmpDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "wt.*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	if mode == filemode.Symlink {
		f.Close()
		if err := os.Remove(name); err != nil {
			return "", err
		}
		return name, os.Symlink(string(data), name)
	}
	perm := os.FileMode(0o644)
	if mode == filemode.Executable {
		perm = 0o755
	}
	// Not synced, as git does not sync a checkout: a SIGKILL cannot lose
	// written data, and the journal undoes a move a power cut interrupts.
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
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
