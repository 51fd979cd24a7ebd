package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// statusRow is one target of one post in herald status.
type statusRow struct {
	Post     string    `json:"post"`
	File     string    `json:"file,omitempty"`
	Title    string    `json:"title,omitempty"`
	Campaign string    `json:"campaign,omitempty"`
	Target   string    `json:"target"`
	Status   string    `json:"status"`
	At       time.Time `json:"at,omitzero"`
	URLs     []string  `json:"urls,omitempty"`
	Error    string    `json:"error,omitempty"`
	// Variant is the variant of the post the target sends (variants:).
	Variant string `json:"variant,omitempty"`
	// Series says, for an occurrence of a recurring post, which one it
	// is, and for the next one to come, the rest of the series.
	Series string `json:"series,omitempty"`
}

// statusCommand is "herald status".
func statusCommand() *command {
	return &command{
		name:    "status",
		args:    "[flags]",
		summary: "list what was published where, with URLs, and what waits",
		help: `One line per target of every post: its status and when, with the public
URL of what was published. Statuses come from .herald/state/ (published,
publishing, manual, failed, unknown, deleted, deleted_remotely) and, for targets
never acted on, from the post: scheduled (publish_at ahead), pending (due),
draft. Posts are read from the commit HEAD points to, as apply reads them;
--worktree reads the working tree, uncommitted changes included.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, only, campaign string
			var asJSON, worktree bool
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.BoolVar(&worktree, "worktree", false, "read posts from the working tree, uncommitted changes included, instead of the commit")
			fs.StringVar(&only, "status", "", "show only targets with this `status`")
			fs.StringVar(&campaign, "campaign", "", "show only posts of this `campaign`")
			fs.BoolVar(&asJSON, "json", false, "print the rows as a JSON array")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("status takes no arguments, got %q", args[0])
				}
				repo, err := openSourceConfigured(ctx, e, repoDir, source{command: "status", worktree: worktree})
				if err != nil {
					return err
				}
				defer repo.Close()
				rep, err := repo.Check(ctx, reconcile.CheckOptions{CacheKey: cacheKey()})
				if err != nil {
					return err
				}
				records := map[string]*state.Record{}
				if err := walkState(ctx, e, repo, true, func(r *state.Record) error { records[r.Post] = r; return nil }); err != nil {
					return fmt.Errorf("read state: %w", err)
				}
				withSlots(repo, rep.Summaries, records, e.now())
				rows := statusRows(rep.Summaries, records, e.now(), repo.Config.Timezone, time.Time{})
				var out []statusRow
				for _, r := range rows {
					if (only == "" || r.Status == only) && (campaign == "" || r.Campaign == campaign) {
						out = append(out, r)
					}
				}
				if asJSON {
					if out == nil {
						out = []statusRow{}
					}
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(out)
				}
				return writeStatus(e, repo.Config, out)
			}
		},
	}
}

// statusRows joins the posts in the tree with their records: every target
// a post names, and every target a record has (a removed post's too).
//
// A recurring post has a row per occurrence state records, and per
// occurrence to come: the next one on each account, and the others up to
// horizon (none when zero), each in the repository's zone.
func statusRows(posts []schema.Summary, records map[string]*state.Record, now time.Time, zone *time.Location, horizon time.Time) []statusRow {
	var rows []statusRow
	seen := map[string]bool{}
	for _, s := range posts {
		rec := records[s.ID]
		seen[s.ID] = true
		names := map[string]bool{}
		for _, t := range s.Targets {
			names[t.Name] = true
			row := statusRow{Post: s.ID, File: s.File, Title: s.Title, Campaign: s.Campaign, Target: t.Name, Variant: t.Variant}
			if s.Repeat != nil {
				for _, in := range reconcile.Upcoming(s, t, rec, now, horizon, zone) {
					r := row
					r.Target, r.Status, r.At, r.Series = in.Key, "scheduled", *in.At, in.Series()
					if s.Draft {
						r.Status = "draft"
					}
					rows = append(rows, r)
				}
				if rec == nil || rec.Targets[t.Name].Status == "" || rec.Targets[t.Name].Status == state.StatusScheduled {
					// The first occurrence has not gone: it is to come
					// (above), or was passed over.
					continue
				}
			}
			if rec != nil {
				if ts, ok := rec.Targets[t.Name]; ok {
					r := fromState(row, ts)
					if s.Repeat != nil {
						r.Series = "occurrence 1"
					}
					rows = append(rows, r)
					continue
				}
			}
			at := s.PublishAt
			if t.PublishAt != nil {
				at = t.PublishAt // a variant sent at its own time
			}
			switch {
			case s.Draft:
				row.Status = "draft"
			case at != nil && at.After(now):
				row.Status, row.At = "scheduled", *at
			default:
				row.Status = "pending"
				if at != nil {
					row.At = *at
				}
			}
			rows = append(rows, row)
		}
		if rec != nil {
			for name, ts := range rec.Targets {
				if !names[name] {
					row := fromState(statusRow{Post: s.ID, File: s.File, Title: s.Title, Campaign: s.Campaign, Target: name}, ts)
					if n := reconcile.OccurrenceOf(name); n > 1 {
						row.Series = "occurrence " + strconv.Itoa(n)
					}
					rows = append(rows, row)
				}
			}
		}
	}
	for id, rec := range records {
		if seen[id] {
			continue
		}
		for name, ts := range rec.Targets {
			rows = append(rows, fromState(statusRow{Post: id, File: rec.File, Target: name}, ts))
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Post != rows[j].Post {
			return rows[i].Post < rows[j].Post
		}
		ai, aj := state.AccountOf(rows[i].Target), state.AccountOf(rows[j].Target)
		if ai != aj {
			return ai < aj
		}
		if oi, oj := reconcile.OccurrenceOf(rows[i].Target), reconcile.OccurrenceOf(rows[j].Target); oi != oj {
			return oi < oj
		}
		return rows[i].Target < rows[j].Target
	})
	return rows
}

func fromState(row statusRow, ts state.TargetState) statusRow {
	row.Status = string(ts.Status)
	row.URLs = ts.URLs
	if ts.Variant != "" {
		row.Variant = ts.Variant
	}
	switch {
	case ts.Status == state.StatusPublished && !ts.FirstPublishedAt.IsZero():
		row.At = ts.FirstPublishedAt
	case !ts.UpdatedAt.IsZero():
		row.At = ts.UpdatedAt
	}
	if ts.LastError != nil {
		row.Error = ts.LastError.Message
	}
	if ts.Status == state.StatusManual && ts.Manual != "" {
		row.Error = "to do by hand: " + ts.Manual
	}
	return row
}

func writeStatus(e *env, cfg *schema.Config, rows []statusRow) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(e.stdout, "No posts match.")
		return err
	}
	zone := cfg.Timezone
	if zone == nil {
		zone = time.UTC
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POST\tTARGET\tSTATUS\tWHEN\tURL / REASON")
	for _, r := range rows {
		when := ""
		if !r.At.IsZero() {
			when = r.At.In(zone).Format("2006-01-02 15:04 MST")
		}
		detail := strings.Join(r.URLs, " ")
		if r.Error != "" {
			detail = strings.TrimSpace(detail + " " + r.Error)
		}
		if r.Series != "" {
			detail = strings.TrimSpace(detail + " (" + r.Series + ")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Post, r.Target, r.Status, when, detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := fmt.Fprintln(e.stdout, strings.Join(lines, "\n"))
	return err
}

// resolveCommand is "herald resolve".
func resolveCommand() *command {
	return &command{
		name:    "resolve",
		args:    "[flags] POST TARGET (--published URL | --not-published)",
		summary: "settle an attempt whose outcome herald could not establish",
		help: `When herald cannot tell whether an attempt reached a platform (status
unknown), a person checks the platform and says what happened:

  --published URL    the post is there: record it as published (with --id,
                     the platform's post ID; several, comma-separated, for
                     a thread)
  --not-published    it is not there (for a thread: none of its parts,
                     deleted by hand if some were posted): the next apply
                     publishes it again, from its first part, with a new
                     attempt

A target a person publishes by hand (status manual: Substack, which has
no publishing API) is recorded the same way: --published URL once it is
out; --not-published has the next apply write its draft again.

The change is committed to .herald/state/ (and pushed with --push).`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, published, ids string
			var notPublished, push bool
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.StringVar(&published, "published", "", "the `url` of the post on the platform")
			fs.StringVar(&ids, "id", "", "the platform's post `ids`, comma-separated")
			fs.BoolVar(&notPublished, "not-published", false, "the attempt did not land: publish again")
			fs.BoolVar(&push, "push", false, "push the state commit to the remote")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 2 {
					return usagef("want POST and TARGET, got %d arguments", len(args))
				}
				if (published == "") == !notPublished {
					return usagef("say what happened: --published URL or --not-published")
				}
				postID, target := args[0], args[1]
				store, err := state.OpenGit(state.GitOptions{Dir: repoDir, Auth: gitAuth(e), Logger: e.log, RequireRemote: push})
				if err != nil {
					return err
				}
				defer store.Close()
				rec, err := store.Load(ctx, postID)
				if errors.Is(err, state.ErrNotFound) {
					return fmt.Errorf("post %q has no state: herald never acted on it", postID)
				}
				if err != nil {
					return err
				}
				ts, ok := rec.Targets[target]
				if !ok {
					return fmt.Errorf("post %q has no target %q in its state", postID, target)
				}
				switch ts.Status {
				case state.StatusUnknown, state.StatusPublishing, state.StatusFailed, state.StatusManual:
				default:
					return fmt.Errorf("%s -> %s is %s, not an outcome to settle", postID, target, ts.Status)
				}
				now := e.now().UTC()
				if notPublished {
					ts.Status, ts.NextRetryAt = state.StatusFailed, now
					ts.LastError = &state.Error{Message: "marked not published by hand; the next apply publishes it again", Kind: state.KindResolved}
					// Parts of a thread that were posted are gone too (a
					// person deleted them), or apply would post only the
					// rest.
					ts.IDs, ts.URLs, ts.Extra, ts.Manual = nil, nil, nil, ""
				} else {
					ts.Status, ts.URLs, ts.LastError, ts.NextRetryAt = state.StatusPublished, []string{published}, nil, time.Time{}
					ts.Manual = ""
					if ts.Hash == "" {
						// The attempt's record predates content hashes: what
						// is published is taken to be the post as it is now.
						h, err := currentHash(ctx, e, repoDir, rec.File, target)
						if err != nil {
							return err
						}
						ts.Hash = h
					}
					if ids != "" {
						ts.IDs = splitList(ids)
					}
					if ts.FirstPublishedAt.IsZero() {
						ts.FirstPublishedAt = now
					}
				}
				ts.UpdatedAt = now
				rec.Targets[target] = ts
				if err := store.Put(rec); err != nil {
					return err
				}
				if _, err := store.Commit(ctx, state.CommitInfo{Summary: fmt.Sprintf("resolve %s %s: %s", postID, target, ts.Status), Time: e.now()}); err != nil {
					return err
				}
				if push {
					if err := store.Push(ctx); err != nil {
						return err
					}
				}
				_, err = fmt.Fprintf(e.stdout, "%s -> %s: %s\n", postID, target, ts.Status)
				return err
			}
		},
	}
}

// currentHash is the hash of what target receives from the post in file,
// as committed.
func currentHash(ctx context.Context, e *env, repoDir, file, target string) (string, error) {
	repo, errs, err := openSource(ctx, e, repoDir, source{command: "resolve", silent: true})
	if err != nil {
		return "", err
	}
	if repo == nil {
		return "", fmt.Errorf("the configuration is invalid: %w", errs)
	}
	defer repo.Close()
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		return "", err
	}
	p := repo.Prepare(v, file)
	o := p.Output(target)
	if p.Post == nil || o == nil {
		return "", fmt.Errorf("%s: cannot render it for %s: %v", file, target, p.Errors)
	}
	if p.Summary != nil {
		// The hash plans compare: without UTM parameters.
		for _, t := range p.Summary.Targets {
			if t.Name == target {
				return t.Hash, nil
			}
		}
	}
	return reconcile.TargetHash(p.Post, o), nil
}
