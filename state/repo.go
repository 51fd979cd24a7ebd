package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// linkedWorkTree is the error for a work tree made by git worktree add,
// which herald does not write to.
type linkedWorkTree string

func (d linkedWorkTree) Error() string {
	return string(d) + " is a linked work tree (git worktree); run herald in the repository's main work tree or in a clone"
}

// gitDirOf returns the git directory of the work tree at dir: dir/.git,
// or the directory a .git file names (a submodule's). A linked work tree
// (git worktree add) keeps its refs in another repository's directory,
// which go-git does not follow safely, so it is refused.
func gitDirOf(dir string) (string, error) {
	dot := filepath.Join(dir, git.GitDirName)
	fi, err := os.Stat(dot)
	if errors.Is(err, fs.ErrNotExist) {
		return "", git.ErrRepositoryNotExists
	}
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return dot, nil
	}
	data, err := os.ReadFile(dot)
	if err != nil {
		return "", err
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
	if !ok {
		return "", fmt.Errorf("%s is neither a directory nor a \"gitdir:\" file", dot)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	if _, err := os.Stat(filepath.Join(target, "commondir")); err == nil {
		return "", linkedWorkTree(dir)
	}
	return target, nil
}

// openStorage opens the git directory at gitDir through dotGitFS, so that
// everything go-git writes there is replaced atomically.
func openStorage(gitDir string) (*filesystem.Storage, *dotGitFS, error) {
	d, err := newDotGitFS(gitDir)
	if err != nil {
		return nil, nil, err
	}
	return filesystem.NewStorageWithOptions(d, cache.NewObjectLRUDefault(), filesystem.Options{}), d, nil
}

// OpenRepository opens the repository whose work tree (or, bare, whose
// git directory) is at dir with go-git, writing through the same
// crash-safe storage as GitStore: every file under .git is replaced by
// renaming a lock file into place. Use it wherever herald writes to a
// repository outside a GitStore.
func OpenRepository(dir string) (*git.Repository, error) {
	gitDir, wt, err := locate(dir)
	if err != nil {
		return nil, err
	}
	st, _, err := openStorage(gitDir)
	if err != nil {
		return nil, err
	}
	if wt == "" {
		return git.Open(st, nil)
	}
	return git.Open(st, osfs.New(wt))
}

// InitRepository makes an empty repository at dir with main as its
// branch, bare or with dir as its work tree, writing through the
// crash-safe storage (see OpenRepository).
func InitRepository(dir string, bare bool) (*git.Repository, error) {
	gitDir := dir
	if !bare {
		gitDir = filepath.Join(dir, git.GitDirName)
	}
	if err := os.MkdirAll(gitDir, 0o755); err != nil {
		return nil, err
	}
	st, _, err := openStorage(gitDir)
	if err != nil {
		return nil, err
	}
	if bare {
		return git.InitWithOptions(st, nil, git.InitOptions{DefaultBranch: plumbing.Main})
	}
	return git.InitWithOptions(st, osfs.New(dir), git.InitOptions{DefaultBranch: plumbing.Main})
}

// locate returns the git directory and the work tree ("" for a bare
// repository) of dir.
func locate(dir string) (gitDir, wt string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	gitDir, err = gitDirOf(abs)
	if err == nil {
		return gitDir, abs, nil
	}
	if !errors.Is(err, git.ErrRepositoryNotExists) {
		return "", "", err
	}
	// A bare repository is its own git directory.
	if fi, serr := os.Stat(filepath.Join(abs, "HEAD")); serr == nil && !fi.IsDir() {
		if _, serr := os.Stat(filepath.Join(abs, "objects")); serr == nil {
			return abs, "", nil
		}
	}
	return "", "", err
}
