package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	git "github.com/go-git/go-git/v5"

	"github.com/heraldhq/herald/internal/gitfs"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// source is where a command reads posts, media and the configuration.
// apply publishes only what is committed, so plan, status and apply read
// the commit HEAD points to (the branch state is committed to) by default,
// and the working tree only when asked, for local experiments; validate
// and preview, a writer's checks before committing, read the working tree
// by default.
type source struct {
	command string
	// worktree reads the working tree, uncommitted changes included.
	worktree bool
	// quiet says nothing about reading the working tree: it is the
	// command's default (validate, preview).
	quiet bool
	// publishing is apply without --dry-run: what the notes say changes.
	publishing bool
	// silent lists no uncommitted files: the command reads one post for
	// a detail (resolve).
	silent bool
	// note, when set, has the uncommitted files found while the command
	// goes on reading the commit, for it to print (laterNote.print)
	// before anything else it writes to stderr.
	note *laterNote
}

// laterNote is the note on uncommitted files, made in the background.
type laterNote struct {
	done chan struct{}
	text strings.Builder
}

// start makes the note with write, in the background.
func (n *laterNote) start(write func(w io.Writer)) {
	n.done = make(chan struct{})
	go func() {
		defer close(n.done)
		write(&n.text)
	}()
}

// print waits for the note and writes it to w, once.
func (n *laterNote) print(w io.Writer) {
	if n == nil || n.done == nil {
		return
	}
	<-n.done
	n.done = nil
	io.WriteString(w, n.text.String())
}

// maxListed bounds the uncommitted files a note lists one by one.
const maxListed = 20

// openSource opens the content repository at dir, reading from src. A
// configuration with problems is returned as findings, not as an error.
// Reading the commit, it says on stderr which files of the working tree
// differ from it, since they are left out; reading the working tree when
// that is not the command's default, it says so.
func openSource(ctx context.Context, e *env, dir string, src source) (*reconcile.Repo, schema.Errors, error) {
	if src.worktree {
		if !src.quiet {
			fmt.Fprintf(e.stderr, "herald %s: reading the working tree, including uncommitted changes\n", src.command)
		}
		return openRepo(dir)
	}
	// A ref or index a killed process left torn is repaired (or named,
	// with the command that repairs it) before the commit is read, as
	// apply's state store does: a torn branch must not read as a branch
	// with no commit. A directory that is no repository is said below.
	if err := state.Repair(dir, e.log); err != nil && !errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, nil, err
	}
	g, err := gitfs.Open(dir)
	if errors.Is(err, gitfs.ErrNotRepository) {
		return nil, nil, src.fix(fmt.Errorf("%s is not a git repository", dir))
	}
	if err != nil {
		return nil, nil, err
	}
	head, err := g.Head()
	if errors.Is(err, gitfs.ErrNoCommit) {
		g.Close()
		return nil, nil, src.fix(fmt.Errorf("branch %s has no commit yet", head.Branch))
	}
	if err != nil {
		g.Close()
		return nil, nil, err
	}
	tree, err := g.FS(head.Commit)
	if err != nil {
		g.Close()
		return nil, nil, err
	}
	// From here the repository closes tree, and with it g.
	repo, err := reconcile.OpenRepoFS(dir, tree)
	var errs schema.Errors
	switch {
	case errors.As(err, &errs):
		// The configuration is judged as committed; its findings
		// print below any note on what is not committed.
		cfg := &schema.Config{Content: schema.DefaultContent}
		src.noteUncommitted(ctx, e.stderr, g, tree, head, cfg)
		g.Close()
		return nil, errs, nil
	case err != nil:
		g.Close()
		return nil, nil, err
	}
	repo.Commit = head.Commit
	if src.note != nil {
		// Listing the files costs a stat of each: the command reads the
		// commit meanwhile, and prints the note before closing the
		// repository (which closes g).
		src.note.start(func(w io.Writer) { src.noteUncommitted(ctx, w, g, tree, head, repo.Config) })
	} else {
		src.noteUncommitted(ctx, e.stderr, g, tree, head, repo.Config)
	}
	return repo, nil, nil
}

// openSourceConfigured is openSource for a command that needs a valid
// configuration: its problems are printed, positioned, and the command
// exits 1.
func openSourceConfigured(ctx context.Context, e *env, dir string, src source) (*reconcile.Repo, error) {
	repo, errs, err := openSource(ctx, e, dir, src)
	if err != nil {
		return nil, err
	}
	if repo == nil {
		writeFindings(e.stderr, "text", dir, errs)
		return nil, &invalidTree{errs: errs, exit: &exitError{code: 1}}
	}
	return repo, nil
}

// fix adds to err what to do about a repository without a commit to read.
func (src source) fix(err error) error {
	switch {
	case src.publishing:
		return fmt.Errorf("%w: apply publishes only what is committed; commit the posts first", err)
	case src.quiet:
		return fmt.Errorf("%w: --committed reads what is committed; commit the posts first, or leave it out to read the working tree", err)
	}
	return fmt.Errorf("%w: %s reads what is committed; commit the posts first, or pass --worktree to read the working tree", err, src.command)
}

// otherSource says how to read the working tree instead of the commit.
func (src source) otherSource() string {
	if src.quiet {
		return "without --committed, " + src.command + " reads the working tree"
	}
	return "--worktree reads the working tree"
}

// noteUncommitted says on stderr which posts, media and configuration
// files of the working tree differ from the commit read, and so are left
// out. It looks at the content directory and the configuration only, and
// trusts the index for files whose stat did not change, as git status
// does. Not being able to tell is a warning: what is read is the commit
// either way.
func (src source) noteUncommitted(ctx context.Context, stderr io.Writer, g *gitfs.Repo, tree *gitfs.FS, head gitfs.Head, cfg *schema.Config) {
	if src.silent {
		return
	}
	content := path.Clean("/" + cfg.Content)[1:]
	if content == "" {
		content = "."
	}
	paths := []string{schema.ConfigCUE, schema.ConfigYAML, schema.ConfigYML, content}
	changes, err := g.Uncommitted(ctx, tree, paths, func(name string) bool { return strings.HasPrefix(name, ".") })
	if err != nil {
		fmt.Fprintf(stderr, "herald %s: reading commit %s; could not tell which files are uncommitted: %v\n", src.command, head.Short(), err)
		return
	}
	if len(changes) == 0 {
		return
	}
	var b strings.Builder
	files := plural(len(changes), "uncommitted file")
	if src.publishing {
		fmt.Fprintf(&b, "herald %s: %s ignored: apply publishes what is committed (%s), never the working tree\n", src.command, files, head.Short())
	} else {
		fmt.Fprintf(&b, "herald %s: %s ignored: reading commit %s (%s)\n", src.command, files, head.Short(), src.otherSource())
	}
	for i, c := range changes {
		if i == maxListed {
			fmt.Fprintf(&b, "  ... and %d more\n", len(changes)-maxListed)
			break
		}
		fmt.Fprintf(&b, "  %-9s %s\n", c.Kind, c.Path)
	}
	fmt.Fprint(stderr, b.String())
}
