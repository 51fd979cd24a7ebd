package state

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runLockWait bounds how long opening a repository waits for another
// herald that is checking or repairing it.
const runLockWait = 30 * time.Second

// runLocker is herald's claim on a git directory, an advisory lock
// (flock) on .git/herald/run. Every open GitStore holds it shared, so
// that a herald can tell whether it runs alone. Only a herald that gets
// it exclusively, proof that no other herald has this repository open,
// removes what a killed run left behind and repairs torn files; then it
// holds it shared like the others. The kernel drops the lock when the
// process dies, so a killed herald never leaves it held.
type runLocker struct {
	f *os.File
}

// acquireRunLock opens and locks the run lock of the git directory at
// root. It reports whether the lock was exclusive (herald runs alone);
// the caller calls share once it is done with what needs that.
func acquireRunLock(root string) (*runLocker, bool, error) {
	path := filepath.Join(root, filepath.FromSlash(runLock))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", path, err)
	}
	l := &runLocker{f: f}
	if !flockSupported {
		return l, false, nil
	}
	deadline := time.Now().Add(runLockWait)
	for {
		ok, err := flock(f, true)
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return l, true, nil
		}
		// Another herald has the repository open; wait until it holds
		// the lock shared (it is not repairing anything).
		if ok, err = flock(f, false); err != nil {
			f.Close()
			return nil, false, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return l, false, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, false, fmt.Errorf("another herald has held %s for %s while checking the repository; wait for it to finish", path, runLockWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// share turns an exclusive lock into a shared one.
func (l *runLocker) share() error {
	if l == nil || !flockSupported {
		return nil
	}
	for start := time.Now(); ; {
		ok, err := flock(l.f, false)
		if err != nil || ok {
			return err
		}
		if time.Since(start) > runLockWait {
			return errors.New("could not share the run lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// release drops the lock.
func (l *runLocker) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// cleanStale removes what a killed herald left in .git/herald/tmp: each
// temporary file, and each lock file that is a hard link of one of them
// (the same inode), which proves that herald made it and that no git
// process holds it. It runs only under the exclusive run lock, when no
// other herald can be writing. Each removal is logged.
func cleanStale(root string, log *slog.Logger) error {
	dir := filepath.Join(root, filepath.FromSlash(tmpDir))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	for _, e := range entries {
		tmp := filepath.Join(dir, e.Name())
		if lock, ok := heraldLock(root, e.Name()); ok {
			ti, terr := os.Lstat(tmp)
			li, lerr := os.Lstat(lock)
			if terr == nil && lerr == nil && os.SameFile(ti, li) {
				if err := os.Remove(lock); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("remove the stale lock %s: %w", lock, err)
				}
				log.Warn("removed a lock file that a killed herald left", "file", lock)
			}
		}
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("remove the stale temporary file %s: %w", tmp, err)
		}
		log.Info("removed a temporary file that a killed herald left", "file", tmp)
	}
	return nil
}

// heraldLock returns the lock file a temporary file's name says it was
// linked to.
func heraldLock(root, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, lockPrefix)
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return "", false
	}
	target, err := unescapeName(rest[:i])
	if err != nil || !filepath.IsLocal(filepath.FromSlash(target)) {
		return "", false
	}
	return filepath.Join(root, filepath.FromSlash(target)) + ".lock", true
}
