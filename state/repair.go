package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// checkFiles and check find the files of .git that a process killed while writing them
// in place leaves torn: go-git before herald wrote through dotGitFS, and
// other tools that do the same. It checks packed-refs, HEAD, the loose
// branches and remote-tracking refs, the index, and a branch move herald
// left half done, and repairs what it can prove:
//
//   - packed-refs cut short loses its last, partial line;
//   - a torn HEAD points again at the one branch it can be;
//   - a torn or dangling remote-tracking ref is deleted: it is a cache of
//     the remote, and the next fetch writes it again;
//   - a torn branch (or one that has vanished while its reflog remains)
//     is set to the commit of the last complete line of its reflog, else
//     to its remote-tracking ref, else to its packed value: the first that
//     is a complete commit (its trees and blobs all present) and that the
//     index (or, when the index is torn too, the work tree) agrees with;
//   - a torn index (cut short, or with a checksum that does not match) is
//     rebuilt from HEAD's tree, keeping the stat of every file whose
//     content matches, so that git status stays clean;
//   - a branch move a kill interrupted is finished or undone
//     (recoverCheckout).
//
// Each repair is logged. What it cannot prove stops OpenGit with an error
// that names the file and the command that repairs it by hand. Repairs
// are made only when alone (no other herald has the repository open);
// otherwise a torn file is reported.
//
// checkFiles checks packed-refs and HEAD, which go-git needs to open the
// repository at all; check does the rest on the open repository.
func (s *GitStore) checkFiles(branch string, alone bool) error {
	if err := s.checkPackedRefs(alone); err != nil {
		return err
	}
	return s.checkHEAD(branch, alone)
}

// check is the part of the checks (see checkFiles) that needs the
// repository open.
func (s *GitStore) check(alone bool) error {
	var ours plumbing.ReferenceName
	if head, err := s.repo.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference {
		ours = head.Target()
	}
	if err := s.checkRefs(ours, alone); err != nil {
		return err
	}
	if err := s.checkIndex(alone); err != nil {
		return err
	}
	if alone {
		if err := s.recoverCheckout(context.Background()); err != nil {
			return err
		}
	}
	return nil
}

// shown returns a path below .git as a person would type it from the
// work tree.
func (s *GitStore) shown(rel string) string {
	p := filepath.Join(s.gitDir, filepath.FromSlash(rel))
	if r, err := filepath.Rel(s.dir, p); err == nil && filepath.IsLocal(r) {
		return filepath.ToSlash(r)
	}
	return p
}

// notAlone is the error for a torn file found while another herald has
// the repository open, which may not be touched under it.
func (s *GitStore) notAlone(problem, command string) error {
	return fmt.Errorf("%s, and another herald process has this repository open, so it is not repaired now; "+
		"run again once that process has finished, or repair it with: %s", problem, command)
}

// checkPackedRefs repairs a packed-refs file cut short.
func (s *GitStore) checkPackedRefs(alone bool) error {
	data, err := os.ReadFile(filepath.Join(s.gitDir, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, bad := parsePackedRefs(data)
	if bad == "" {
		return nil
	}
	file := s.shown("packed-refs")
	cut := !strings.HasSuffix(string(data), "\n")
	whole := data
	if cut {
		whole = data[:strings.LastIndexByte(string(data), '\n')+1]
	}
	if _, bad2 := parsePackedRefs(whole); !cut || bad2 != "" {
		if bad2 != "" {
			bad = bad2
		}
		return fmt.Errorf("%s has a line that is not a ref: %q; remove that line from the file by hand", file, bad)
	}
	if !alone {
		return s.notAlone(fmt.Sprintf("%s ends with a partial line %q", file, bad), "remove the partial last line of "+file)
	}
	f, err := s.dfs.Create("packed-refs")
	if err == nil {
		_, err = f.Write(whole)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("repair %s: %w", file, err)
	}
	s.log.Warn("repaired a torn file: dropped its partial last line", "file", file, "line", bad)
	return nil
}

// checkHEAD repairs a torn HEAD when it can name the branch: the one
// given, or the only branch there is.
func (s *GitStore) checkHEAD(branch string, alone bool) error {
	data, err := os.ReadFile(filepath.Join(s.gitDir, "HEAD"))
	if err != nil {
		return fmt.Errorf("read HEAD: %w", err)
	}
	if refContent(data) != "" {
		return nil
	}
	file := s.shown("HEAD")
	var names []string
	if branch != "" {
		names = []string{plumbing.NewBranchReferenceName(branch).String()}
	} else {
		names = s.branches()
	}
	if len(names) != 1 || !alone {
		want := "refs/heads/<branch>"
		if len(names) > 0 {
			want = names[0]
		}
		problem := fmt.Sprintf("%s is torn (%q)", file, data)
		command := fmt.Sprintf("echo 'ref: %s' > %s", want, file)
		if !alone {
			return s.notAlone(problem, command)
		}
		return fmt.Errorf("%s and herald cannot tell which branch it was on (branches: %s); repair it with: %s",
			problem, strings.Join(names, ", "), command)
	}
	f, err := s.dfs.Create("HEAD")
	if err == nil {
		_, err = f.Write([]byte("ref: " + names[0] + "\n"))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("repair %s: %w", file, err)
	}
	s.log.Warn("repaired a torn file: HEAD points at the only branch again", "file", file, "branch", names[0])
	return nil
}

// branches lists the local branches, loose and packed, by full name.
func (s *GitStore) branches() []string {
	seen := map[string]bool{}
	root := filepath.Join(s.gitDir, "refs", "heads")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".lock") {
			rel, _ := filepath.Rel(s.gitDir, p)
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if data, err := os.ReadFile(filepath.Join(s.gitDir, "packed-refs")); err == nil {
		refs, _ := parsePackedRefs(data)
		for name := range refs {
			if strings.HasPrefix(name, "refs/heads/") {
				seen[name] = true
			}
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	return out
}

// checkRefs checks every loose branch and remote-tracking ref, and the
// branch HEAD is on (ours), which must name a commit that exists.
func (s *GitStore) checkRefs(ours plumbing.ReferenceName, alone bool) error {
	var torn []string
	for _, dir := range []string{"refs/heads", "refs/remotes"} {
		root := filepath.Join(s.gitDir, filepath.FromSlash(dir))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
				return err
			}
			rel, err := filepath.Rel(s.gitDir, p)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if refContent(data) == "" {
				torn = append(torn, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("check refs: %w", err)
		}
	}
	packed := map[string]string{}
	if data, err := os.ReadFile(filepath.Join(s.gitDir, "packed-refs")); err == nil {
		packed, _ = parsePackedRefs(data)
	}
	tornSet := map[string]bool{}
	for _, name := range torn {
		tornSet[name] = true
		content, _ := os.ReadFile(filepath.Join(s.gitDir, filepath.FromSlash(name)))
		why := fmt.Sprintf("torn (%s)", describeBytes(content))
		if err := s.repairRef(plumbing.ReferenceName(name), why, packed, alone); err != nil {
			return err
		}
	}
	if ours == "" || tornSet[ours.String()] {
		return nil
	}
	// Our branch and its remote-tracking ref: a hash whose commit is
	// missing is as broken as a torn file, and a branch that vanished
	// while its reflog remains was lost.
	tracking := plumbing.NewRemoteReferenceName(s.remoteName(), ours.Short())
	for _, name := range []plumbing.ReferenceName{tracking, ours} {
		if tornSet[name.String()] {
			continue
		}
		ref, err := s.repo.Storer.Reference(name)
		switch {
		case errors.Is(err, plumbing.ErrReferenceNotFound):
			if name == ours {
				if entries, _ := readReflog(s.gitDir, name); len(entries) > 0 && !entries[len(entries)-1].New.IsZero() {
					if err := s.repairRef(name, "missing although its reflog shows commits", packed, alone); err != nil {
						return err
					}
				}
			}
			continue
		case err != nil:
			return fmt.Errorf("read %s: %w", name, err)
		}
		if ref.Type() != plumbing.HashReference {
			continue
		}
		if _, err := object.GetCommit(s.repo.Storer, ref.Hash()); err != nil {
			if err := s.repairRef(name, fmt.Sprintf("pointing at %s, which is not a commit in the repository (%v)", ref.Hash(), err), packed, alone); err != nil {
				return err
			}
		}
	}
	return nil
}

// remoteName is the remote herald pushes to.
func (s *GitStore) remoteName() string { return s.remote }

// describeBytes describes the content of a torn file for a message.
func describeBytes(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	if len(b) > 60 {
		return fmt.Sprintf("%d bytes: %q...", len(b), b[:60])
	}
	return fmt.Sprintf("%q", b)
}

// repairRef repairs one broken ref: a remote-tracking ref is deleted, a
// branch is set from the evidence (see check).
func (s *GitStore) repairRef(name plumbing.ReferenceName, why string, packed map[string]string, alone bool) error {
	file := s.shown(name.String())
	if name.IsRemote() {
		if !alone {
			return s.notAlone(fmt.Sprintf("%s is %s", file, why), fmt.Sprintf("rm %s && git fetch %s", file, s.remoteName()))
		}
		if err := os.Remove(filepath.Join(s.gitDir, filepath.FromSlash(name.String()))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", file, err)
		}
		if _, ok := packed[name.String()]; ok {
			// A packed value would show through, stale and maybe
			// dangling: drop it too.
			if err := s.repo.Storer.RemoveReference(name); err != nil {
				return fmt.Errorf("remove %s: %w", name, err)
			}
		}
		s.log.Warn("repaired a torn file: deleted the remote-tracking ref; the next fetch restores it", "file", file, "was", why)
		return nil
	}
	if !name.IsBranch() {
		return fmt.Errorf("%s is %s; repair it with: rm %s && git update-ref %s <commit>", file, why, file, name)
	}
	type candidate struct {
		hash   plumbing.Hash
		source string
		note   string
	}
	var cands []*candidate
	add := func(h plumbing.Hash, source string) {
		if h.IsZero() {
			return
		}
		for _, c := range cands {
			if c.hash == h {
				c.source += "; " + source
				return
			}
		}
		cands = append(cands, &candidate{hash: h, source: source})
	}
	if entries, err := readReflog(s.gitDir, name); err == nil && len(entries) > 0 {
		e := entries[len(entries)-1]
		add(e.New, fmt.Sprintf("the last entry of %s, %s: %s", s.shown("logs/"+name.String()), e.When.Format(time.RFC3339), e.Message))
	}
	tracking := plumbing.NewRemoteReferenceName(s.remoteName(), name.Short())
	if ref, err := s.repo.Storer.Reference(tracking); err == nil && ref.Type() == plumbing.HashReference {
		add(ref.Hash(), tracking.Short())
	}
	if h, ok := packed[name.String()]; ok {
		add(plumbing.NewHash(h), s.shown("packed-refs"))
	}

	idxData, _ := os.ReadFile(filepath.Join(s.gitDir, "index"))
	var idx *index.Index
	if checkIndex(idxData) == nil {
		idx, _ = s.repo.Storer.Index()
	}
	var chosen *candidate
	for _, c := range cands {
		tree, err := s.completeTree(c.hash)
		if err != nil {
			c.note = err.Error()
			continue
		}
		agrees := false
		if idx != nil {
			if agrees, err = indexAgrees(idx, tree); err == nil && !agrees {
				c.note = "the index does not match its tree"
			}
		} else if agrees, err = s.workTreeAgrees(tree); err == nil && !agrees {
			c.note = "the work tree does not match its tree"
		}
		if err != nil {
			c.note = err.Error()
			continue
		}
		if agrees && chosen == nil {
			chosen = c
		}
	}
	command := func(h string) string {
		return fmt.Sprintf("rm -f %s && git update-ref %s %s", file, name, h)
	}
	if chosen != nil && alone {
		if err := s.repo.Storer.SetReference(plumbing.NewHashReference(name, chosen.hash)); err != nil {
			return fmt.Errorf("repair %s: %w", file, err)
		}
		if err := s.appendReflogFor(name, plumbing.ZeroHash, chosen.hash, "herald: repair: "+file+" was "+why+"; set from "+chosen.source); err != nil {
			s.log.Warn("could not write the reflog", "error", err.Error())
		}
		s.log.Warn("repaired a torn file: set the branch from what proves it", "file", file, "was", why,
			"commit", chosen.hash.String(), "from", chosen.source)
		return nil
	}
	problem := fmt.Sprintf("%s is %s", file, why)
	if chosen != nil {
		return s.notAlone(problem, command(chosen.hash.String()))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, and herald cannot prove which commit it should hold", problem)
	if len(cands) == 0 {
		fmt.Fprintf(&b, ": no reflog entry, remote-tracking ref or packed ref names one. Find the branch's last commit "+
			"(git fsck --lost-found lists dangling commits; git log --stat -1 <commit> shows one), then set it with:\n  %s", command("<commit>"))
		return errors.New(b.String())
	}
	b.WriteString(". Candidates:\n")
	for _, c := range cands {
		fmt.Fprintf(&b, "  %s  %s", c.hash, c.source)
		if c.note != "" {
			fmt.Fprintf(&b, " (%s)", c.note)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Check each with git log --stat -1 <commit>, then set the branch with:\n  %s", command(cands[0].hash.String()))
	return errors.New(b.String())
}

// appendReflogFor appends a reflog line before the store knows its branch
// (during OpenGit's checks); the branch's HEAD log follows when HEAD
// points at it.
func (s *GitStore) appendReflogFor(name plumbing.ReferenceName, old, new plumbing.Hash, msg string) error {
	saved := s.branch
	if head, err := s.repo.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference {
		s.branch = head.Target()
	}
	defer func() { s.branch = saved }()
	return s.appendReflog(name, old, new, msg)
}

// completeTree returns the tree of commit h after checking that every
// tree and blob it holds is present: a commit a kill cut short of its
// objects cannot be a branch's head.
func (s *GitStore) completeTree(h plumbing.Hash) (*object.Tree, error) {
	c, err := object.GetCommit(s.repo.Storer, h)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", h, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("tree of %s: %w", h, err)
	}
	seen := map[plumbing.Hash]bool{}
	var walk func(t *object.Tree) error
	walk = func(t *object.Tree) error {
		for _, e := range t.Entries {
			if seen[e.Hash] {
				continue
			}
			seen[e.Hash] = true
			switch e.Mode {
			case filemode.Dir:
				sub, err := object.GetTree(s.repo.Storer, e.Hash)
				if err != nil {
					return fmt.Errorf("tree %s (%s): %w", e.Hash, e.Name, err)
				}
				if err := walk(sub); err != nil {
					return err
				}
			case filemode.Submodule:
			default:
				if err := s.repo.Storer.HasEncodedObject(e.Hash); err != nil {
					return fmt.Errorf("blob %s (%s): %w", e.Hash, e.Name, err)
				}
			}
		}
		return nil
	}
	if err := walk(tree); err != nil {
		return nil, fmt.Errorf("commit %s is incomplete: %w", h, err)
	}
	return tree, nil
}

// treeFiles lists the files of a tree by path: blob and mode.
func treeFiles(tree *object.Tree) (map[string]object.TreeEntry, error) {
	files := map[string]object.TreeEntry{}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		if e.Mode == filemode.Dir {
			continue
		}
		files[name] = e
	}
}

// indexAgrees reports whether an index holds exactly the files of tree.
func indexAgrees(idx *index.Index, tree *object.Tree) (bool, error) {
	files, err := treeFiles(tree)
	if err != nil {
		return false, err
	}
	if len(files) != len(idx.Entries) {
		return false, nil
	}
	for _, e := range idx.Entries {
		f, ok := files[e.Name]
		if !ok || e.Stage != 0 || f.Hash != e.Hash || normMode(f.Mode) != normMode(e.Mode) {
			return false, nil
		}
	}
	return true, nil
}

func normMode(m filemode.FileMode) filemode.FileMode {
	if m == filemode.Deprecated {
		return filemode.Regular
	}
	return m
}

// workTreeAgrees reports whether every file of tree is in the work tree
// with that content.
func (s *GitStore) workTreeAgrees(tree *object.Tree) (bool, error) {
	files, err := treeFiles(tree)
	if err != nil {
		return false, err
	}
	for p, e := range files {
		if e.Mode == filemode.Submodule {
			continue
		}
		if err := safePath(p); err != nil {
			return false, err
		}
		h, err := s.worktreeHash(p)
		if err != nil || h != e.Hash {
			return false, nil
		}
	}
	return true, nil
}

// checkIndex rebuilds a torn index from HEAD's tree.
func (s *GitStore) checkIndex(alone bool) error {
	data, err := os.ReadFile(filepath.Join(s.gitDir, "index"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the index: %w", err)
	}
	cerr := checkIndex(data)
	if cerr == nil {
		return nil
	}
	file := s.shown("index")
	if !alone {
		return s.notAlone(fmt.Sprintf("%s is torn (%v)", file, cerr), "rm "+file+" && git reset")
	}
	head, err := s.repo.Storer.Reference(plumbing.HEAD)
	var tree *object.Tree
	var at plumbing.Hash
	if err == nil {
		if ref, err := s.repo.Storer.Reference(head.Target()); err == nil {
			at = ref.Hash()
		} else if head.Type() == plumbing.HashReference {
			at = head.Hash()
		}
	}
	if !at.IsZero() {
		if tree, err = s.treeOf(at); err != nil {
			return fmt.Errorf("%s is torn (%v), and HEAD's tree cannot be read to rebuild it (%w); repair it with: rm %s && git reset", file, cerr, err, file)
		}
	}
	if err := s.rebuildIndex(tree); err != nil {
		return fmt.Errorf("%s is torn (%v), and rebuilding it failed (%w); repair it with: rm %s && git reset", file, cerr, err, file)
	}
	s.log.Warn("repaired a torn file: rebuilt the index from HEAD's tree", "file", file, "was", cerr.Error(), "commit", at.String())
	return nil
}

// rebuildIndex writes an index that holds tree (nil: nothing), with the
// stat of every work tree file whose content matches.
func (s *GitStore) rebuildIndex(tree *object.Tree) error {
	idx := &index.Index{Version: 2}
	if tree != nil {
		files, err := treeFiles(tree)
		if err != nil {
			return err
		}
		for p, f := range files {
			if err := safePath(p); err != nil {
				return err
			}
			e := &index.Entry{Name: p, Hash: f.Hash, Mode: normMode(f.Mode)}
			if f.Mode != filemode.Submodule {
				full := filepath.Join(s.dir, filepath.FromSlash(p))
				if info, err := os.Lstat(full); err == nil {
					if h, err := s.worktreeHash(p); err == nil && h == f.Hash {
						fillStat(e, info)
					}
				}
			}
			idx.Entries = append(idx.Entries, e)
		}
	}
	return s.repo.Storer.SetIndex(idx)
}
