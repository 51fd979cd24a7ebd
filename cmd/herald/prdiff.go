package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"

	"github.com/heraldhq/herald/internal/gitfs"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
)

// changeKind is what a pull request does to a post.
type changeKind string

const (
	changeAdds    changeKind = "adds"
	changeEdits   changeKind = "edits"
	changeDeletes changeKind = "deletes"
	changeRenames changeKind = "renames"
)

// postChange is one post a pull request adds, edits, deletes or renames,
// from the diff of its head against where it left its base.
type postChange struct {
	kind    changeKind
	id      string // the post's ID at the head ("" when deleted)
	file    string // its file at the head ("" when deleted)
	oldID   string // its ID at the base ("" when added)
	oldFile string // its file at the base ("" when added)
	// media lists the media files the pull request changed that the
	// post uses, when that is what changed.
	media []string
}

// pullDiff is what a pull request changes, as herald reads it.
type pullDiff struct {
	changes []postChange
	// from is the commit the head is compared with: the merge base of
	// the base and the head.
	from string
	// config is true when the pull request changes herald's
	// configuration, which may change the plan of any post.
	config bool
	// other lists changed files that are neither posts, their media nor
	// the configuration, for the log.
	other int
}

// diffPull compares the commit repo reads (the pull request's head, or
// the merge GitHub makes of it) with base, from their merge base, and
// names every post it adds, edits, deletes or renames. A post whose
// media changed is edited.
func diffPull(ctx context.Context, repo *reconcile.Repo, rep *reconcile.Report, base string) (*pullDiff, error) {
	r, err := git.PlainOpenWithOptions(repo.Dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", repo.Dir, err)
	}
	var head *object.Commit
	if repo.Commit != "" {
		head, err = r.CommitObject(plumbing.NewHash(repo.Commit))
	} else {
		var ref *plumbing.Reference
		if ref, err = r.Head(); err == nil {
			head, err = r.CommitObject(ref.Hash())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read the head commit: %w", err)
	}
	var from *object.Commit
	if bh, rerr := r.ResolveRevision(plumbing.Revision(base)); rerr == nil {
		if from, err = r.CommitObject(*bh); err != nil {
			return nil, fmt.Errorf("read the base %s: %w", base, err)
		}
	} else if head.NumParents() == 2 {
		// The merge GitHub makes of a pull request (refs/pull/N/merge)
		// has the base's tip as its first parent.
		if from, err = head.Parent(0); err != nil {
			return nil, fmt.Errorf("resolve the base %s: %w, and the merge's first parent: %w", base, rerr, err)
		}
	} else {
		return nil, fmt.Errorf("resolve the base %s: %w (fetch it, e.g. actions/checkout with fetch-depth: 0, or pass --base)", base, rerr)
	}
	// A shallow clone may not reach the merge base: then the base's tip
	// is compared with, which also shows what the base changed since.
	if mbs, err := from.MergeBase(head); err == nil && len(mbs) > 0 {
		from = mbs[0]
	}
	ft, err := from.Tree()
	if err != nil {
		return nil, err
	}
	ht, err := head.Tree()
	if err != nil {
		return nil, err
	}
	changes, err := object.DiffTreeWithOptions(ctx, ft, ht, &object.DiffTreeOptions{DetectRenames: true, RenameScore: 50, RenameLimit: 200})
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", from.Hash.String()[:7], head.Hash.String()[:7], err)
	}
	d := &pullDiff{from: from.Hash.String()}
	byFile := map[string]*schema.Summary{}
	for i := range rep.Summaries {
		byFile[rep.Summaries[i].File] = &rep.Summaries[i]
	}
	var oldRepo *reconcile.Repo
	oldPost := func(file string) (string, error) {
		if oldRepo == nil {
			if oldRepo, err = openCommit(repo.Dir, d.from); err != nil {
				return "", err
			}
		}
		data, errs := schema.ReadPost(oldRepo.FS, file)
		if errs != nil {
			return "", errs
		}
		p, errs := schema.ParsePost(oldRepo.Config, file, data)
		if p == nil {
			return "", errs
		}
		return p.ID, nil
	}
	defer func() {
		if oldRepo != nil {
			oldRepo.Close()
		}
	}()
	var media []string
	for _, ch := range changes {
		action, err := ch.Action()
		if err != nil {
			return nil, err
		}
		oldName, newName := ch.From.Name, ch.To.Name
		if isConfig(oldName) || isConfig(newName) {
			d.config = true
			continue
		}
		newPost := newName != "" && isPostPath(repo.Config, newName)
		oldIsPost := oldName != "" && isPostPath(repo.Config, oldName)
		switch {
		case action == merkletrie.Insert && newPost:
			c := postChange{kind: changeAdds, file: newName}
			if s := byFile[newName]; s != nil {
				c.id = s.ID
			}
			d.changes = append(d.changes, c)
		case action == merkletrie.Delete && oldIsPost:
			c := postChange{kind: changeDeletes, oldFile: oldName}
			if c.oldID, err = oldPost(oldName); err != nil {
				c.oldID = strings.TrimSuffix(strings.TrimPrefix(oldName, repo.Config.Content+"/"), ".md")
			}
			d.changes = append(d.changes, c)
		case newPost && oldIsPost && oldName != newName:
			c := postChange{kind: changeRenames, file: newName, oldFile: oldName}
			if s := byFile[newName]; s != nil {
				c.id = s.ID
			}
			if c.oldID, err = oldPost(oldName); err != nil {
				c.oldID = c.id
			}
			d.changes = append(d.changes, c)
		case newPost:
			c := postChange{kind: changeEdits, file: newName, oldFile: oldName}
			if s := byFile[newName]; s != nil {
				c.id = s.ID
			}
			c.oldID, _ = oldPost(oldName)
			d.changes = append(d.changes, c)
		case newName != "" && !strings.HasPrefix(path.Base(newName), "."):
			media = append(media, newName)
		default:
			d.other++
		}
	}
	if len(media) > 0 {
		if err := d.mediaUsers(ctx, repo, rep, media); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(d.changes, func(i, j int) bool { return d.changes[i].sortKey() < d.changes[j].sortKey() })
	return d, nil
}

func (c postChange) sortKey() string {
	if c.file != "" {
		return c.file
	}
	return c.oldFile
}

// mediaUsers marks as edited the posts that use a changed media file. A
// post is read only when its file names the media file's base name, and
// is then resolved to be sure.
func (d *pullDiff) mediaUsers(ctx context.Context, repo *reconcile.Repo, rep *reconcile.Report, media []string) error {
	changed := map[string]bool{}
	for _, c := range d.changes {
		changed[c.file] = true
	}
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		return err
	}
	var extra []string
	for _, s := range rep.Summaries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if changed[s.File] {
			continue
		}
		data, err := fs.ReadFile(repo.FS, s.File)
		if err != nil {
			continue
		}
		var names []string
		for _, m := range media {
			if strings.Contains(string(data), path.Base(m)) {
				names = append(names, m)
			}
		}
		if len(names) == 0 {
			continue
		}
		p := repo.Prepare(v, s.File)
		if p.Post == nil {
			continue
		}
		var uses []string
		for _, m := range p.Post.Media {
			for _, n := range names {
				if m.Path == n {
					uses = append(uses, n)
				}
			}
		}
		if len(uses) > 0 {
			d.changes = append(d.changes, postChange{kind: changeEdits, id: s.ID, file: s.File, oldFile: s.File, oldID: s.ID, media: uses})
			extra = append(extra, uses...)
		}
	}
	d.other += len(media) - len(unique(extra))
	return nil
}

func unique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func isConfig(name string) bool {
	return name == schema.ConfigCUE || name == schema.ConfigYAML || name == schema.ConfigYML
}

// isPostPath reports whether name, relative to the repository root, is a
// post file as schema.Walk finds them: a .md file under the content
// directory, no part of its path starting with ".".
func isPostPath(cfg *schema.Config, name string) bool {
	content := path.Clean("/" + cfg.Content)[1:]
	if content != "" && !strings.HasPrefix(name, content+"/") {
		return false
	}
	if !strings.HasSuffix(name, ".md") {
		return false
	}
	for _, part := range strings.Split(strings.TrimPrefix(name, content+"/"), "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// openCommit opens the repository at dir as commit had it, for reading
// posts as they were.
func openCommit(dir, commit string) (*reconcile.Repo, error) {
	g, err := gitfs.Open(dir)
	if err != nil {
		return nil, err
	}
	tree, err := g.FS(commit)
	if err != nil {
		g.Close()
		return nil, err
	}
	repo, err := reconcile.OpenRepoFS(dir, tree)
	if err != nil {
		g.Close()
		var errs schema.Errors
		if errors.As(err, &errs) {
			return nil, fmt.Errorf("the configuration at %s is invalid: %w", commit[:min(7, len(commit))], err)
		}
		return nil, err
	}
	repo.Commit = commit
	return repo, nil
}
