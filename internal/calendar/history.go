package calendar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/heraldhq/herald/state"
)

// Point is the engagement of every post at one commit that changed the
// state: one sync, as the chart draws it.
type Point struct {
	At     time.Time `json:"at"`
	Commit string    `json:"commit"`
	Totals
}

// History reads the commits of the repository at dir that touched
// state.Dir, oldest first, and sums the metrics of the records at each
// one whose post keep accepts (all when keep is nil). A commit that left
// the sums as they were (a publish, not a sync) adds no point.
func History(ctx context.Context, dir string, keep func(postID string) bool) ([]Point, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		// Not under git: no history, which the chart says.
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	head, err := repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	prefix := state.Dir + "/"
	iter, err := repo.Log(&git.LogOptions{
		From:       head.Hash(),
		Order:      git.LogOrderCommitterTime,
		PathFilter: func(p string) bool { return strings.HasPrefix(p, prefix) },
	})
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	var commits []*object.Commit
	err = iter.ForEach(func(c *object.Commit) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		commits = append(commits, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	// A blob is decoded once, however many commits share it.
	decoded := map[plumbing.Hash]*state.Record{}
	var points []Point
	for i := len(commits) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := commits[i]
		totals, found, err := sumAt(c, decoded, keep)
		if err != nil {
			return nil, fmt.Errorf("read history at %s: %w", c.Hash.String()[:12], err)
		}
		if !found || (len(points) > 0 && reflect.DeepEqual(points[len(points)-1].Totals, totals)) {
			continue
		}
		points = append(points, Point{At: c.Committer.When.UTC(), Commit: c.Hash.String(), Totals: totals})
	}
	return points, nil
}

// sumAt sums the metrics of the records in commit c's tree.
func sumAt(c *object.Commit, decoded map[plumbing.Hash]*state.Record, keep func(string) bool) (Totals, bool, error) {
	var t Totals
	found := false
	tree, err := c.Tree()
	if err != nil {
		return t, false, err
	}
	sub, err := tree.Tree(state.Dir)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return t, false, nil
	}
	if err != nil {
		return t, false, err
	}
	walker := object.NewTreeWalker(sub, true, nil)
	defer walker.Close()
	for {
		name, entry, err := walker.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return t, false, err
		}
		if !entry.Mode.IsFile() || !strings.HasSuffix(name, ".json") {
			continue
		}
		rec, ok := decoded[entry.Hash]
		if !ok {
			blob, err := sub.TreeEntryFile(&entry)
			if err != nil {
				return t, false, err
			}
			data, err := blob.Contents()
			if err != nil {
				return t, false, err
			}
			rec, err = state.Decode(state.Dir+"/"+name, []byte(data))
			if err != nil {
				return t, false, err
			}
			decoded[entry.Hash] = rec
		}
		if keep != nil && !keep(rec.Post) {
			continue
		}
		for _, ts := range rec.Targets {
			if ts.Metrics != nil {
				t.Add(ts.Metrics)
				found = true
			}
		}
	}
	return t, found, nil
}
