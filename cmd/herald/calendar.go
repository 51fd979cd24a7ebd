package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/heraldhq/herald/internal/calendar"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// calendarCommand is "herald calendar".
func calendarCommand() *command {
	return &command{
		name:    "calendar",
		args:    "[flags]",
		summary: "show the month's posts as a calendar, or write it as iCalendar or HTML",
		help: `Prints a month grid, weeks from Monday to Sunday, with each day's posts
(time, status mark, title) and their targets, in the repository's time
zone. Statuses: published, scheduled, failed (or an outcome a person must
settle), draft, pending. Days with more posts than fit end in "+N more".

--ics FILE writes an iCalendar feed (RFC 5545) of the scheduled and
published posts, one event per post, which a team subscribes to in its
calendar app. --html FILE writes one self-contained page: the month, every
target with its status and URLs, engagement per post, and a chart of
engagement over time from the history of .herald/state/ in git.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, month, campaign, icsFile, htmlFile string
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.StringVar(&month, "month", "", "the `month` to show, as 2026-12 (default: this month)")
			fs.StringVar(&campaign, "campaign", "", "show only posts of this `campaign`")
			fs.StringVar(&icsFile, "ics", "", "write an iCalendar feed to `file`")
			fs.StringVar(&htmlFile, "html", "", "write an HTML page to `file`")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("calendar takes no arguments, got %q", args[0])
				}
				repo, posts, err := loadCalendar(ctx, e, repoDir, campaign)
				if err != nil {
					return err
				}
				defer repo.Close()
				loc := zoneOf(repo.Config)
				at := e.now().In(loc)
				if month != "" {
					at, err = time.ParseInLocation("2006-01", month, loc)
					if err != nil {
						return usagef("--month: want a month like 2026-12, got %q", month)
					}
				}
				if icsFile == "" && htmlFile == "" {
					return calendar.WriteGrid(e.stdout, posts, calendar.GridOptions{Month: at, Location: loc})
				}
				if icsFile != "" {
					n, err := writeICS(icsFile, posts, e.now(), campaign)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Wrote %s: %d %s.\n", icsFile, n, pluralS(n, "event"))
				}
				if htmlFile != "" {
					var n int
					if err := createFile(htmlFile, func(f *os.File) error {
						var err error
						n, err = writeCalendarPage(ctx, f, e, repoDir, campaign, posts, at, loc)
						return err
					}); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Wrote %s: %s, %d %s, %d %s of engagement.\n", htmlFile, at.Format("January 2006"),
						len(posts), pluralS(len(posts), "post"), n, pluralS(n, "sync"))
				}
				return nil
			}
		},
	}
}

// writeCalendarPage writes the calendar's HTML page for the month at:
// the month, every target with its status and URLs, and engagement over
// time from the history of .herald/state/. It returns how many syncs
// the history holds.
func writeCalendarPage(ctx context.Context, w io.Writer, e *env, repoDir, campaign string, posts []calendar.Post, at time.Time, loc *time.Location) (int, error) {
	history, err := calendar.History(ctx, repoDir, postFilter(posts))
	if err != nil {
		return 0, err
	}
	title := "Content calendar"
	if campaign != "" {
		title += ": " + campaign
	}
	return len(history), calendar.WritePage(w, posts, calendar.PageOptions{Title: title, Month: at, Location: loc, Now: e.now(), History: history})
}

// loadCalendar joins the posts in the repository at dir with their state
// records, as status does, into the calendar's posts, keeping only the
// campaign's when campaign is set.
func loadCalendar(ctx context.Context, e *env, dir, campaign string) (*reconcile.Repo, []calendar.Post, error) {
	repo, err := openConfigured(e, dir)
	if err != nil {
		return nil, nil, err
	}
	rep, err := repo.Check(ctx, reconcile.CheckOptions{CacheKey: cacheKey()})
	if err != nil {
		repo.Close()
		return nil, nil, err
	}
	records := map[string]*state.Record{}
	if err := walkState(ctx, e, repo, true, func(r *state.Record) error { records[r.Post] = r; return nil }); err != nil {
		repo.Close()
		return nil, nil, fmt.Errorf("read state: %w", err)
	}
	withSlots(repo, rep.Summaries, records, e.now())
	summaries := map[string]schema.Summary{}
	for _, s := range rep.Summaries {
		summaries[s.ID] = s
	}
	var posts []calendar.Post
	var occurrence []int // of each post, for a recurring post's; else 0 or 1
	index := map[string]int{}
	// A recurring post's occurrences a year ahead are on the calendar.
	for _, r := range statusRows(rep.Summaries, records, e.now(), repo.Config.Timezone, e.now().AddDate(1, 0, 0)) {
		if campaign != "" && r.Campaign != campaign {
			continue
		}
		// Each occurrence of a recurring post is on its own day.
		key, n := r.Post, reconcile.OccurrenceOf(r.Target)
		if n > 1 {
			key += "\x00" + strconv.Itoa(n)
		}
		i, ok := index[key]
		if !ok {
			i = len(posts)
			index[key] = i
			cp := calendar.Post{ID: r.Post, Title: r.Title, Campaign: r.Campaign, File: r.File}
			if n > 1 {
				cp.Occurrence = n
			}
			posts = append(posts, cp)
			occurrence = append(occurrence, n)
		}
		t := calendar.Target{Name: r.Target, Status: r.Status, At: r.At, URLs: r.URLs, Error: r.Error, Variant: r.Variant}
		if a := repo.Config.Accounts[state.AccountOf(r.Target)]; a != nil {
			t.Platform = a.Platform
		}
		if rec := records[r.Post]; rec != nil {
			t.Metrics = rec.Targets[r.Target].Metrics
		}
		s, inTree := summaries[r.Post]
		if t.At.IsZero() && inTree && s.PublishAt != nil && n <= 1 {
			t.At = *s.PublishAt
		}
		posts[i].Targets = append(posts[i].Targets, t)
	}
	for i := range posts {
		p := &posts[i]
		s, inTree := summaries[p.ID]
		if occurrence[i] > 1 {
			// A later occurrence goes at its own time, not publish_at.
			s.PublishAt = nil
		}
		p.At = postTime(p.Targets, s.PublishAt)
		if p.Title == "" && inTree {
			p.Excerpt = excerpt(repo, s.File)
		}
	}
	return repo, posts, nil
}

// postTime is when a post goes or went out: its first publication, else
// its publish_at, else the earliest time a target has.
func postTime(targets []calendar.Target, publishAt *time.Time) time.Time {
	var first, earliest time.Time
	for _, t := range targets {
		if t.At.IsZero() {
			continue
		}
		if t.Status == string(state.StatusPublished) && (first.IsZero() || t.At.Before(first)) {
			first = t.At
		}
		if earliest.IsZero() || t.At.Before(earliest) {
			earliest = t.At
		}
	}
	switch {
	case !first.IsZero():
		return first
	case publishAt != nil:
		return *publishAt
	}
	return earliest
}

// excerpt is the first words of an untitled post's body, "" when the
// file cannot be read as a post.
func excerpt(repo *reconcile.Repo, file string) string {
	data, errs := schema.ReadPost(repo.FS, file)
	if errs != nil {
		return ""
	}
	p, _ := schema.ParsePost(repo.Config, file, data)
	if p == nil {
		return ""
	}
	return calendar.FirstWords(p.Markdown, 8)
}

// postFilter accepts the IDs of posts, for reading their history only.
func postFilter(posts []calendar.Post) func(string) bool {
	ids := map[string]bool{}
	for _, p := range posts {
		ids[p.ID] = true
	}
	return func(id string) bool { return ids[id] }
}

func writeICS(name string, posts []calendar.Post, now time.Time, campaign string) (int, error) {
	n := 0
	for _, p := range posts {
		if calendar.InFeed(p) {
			n++
		}
	}
	title := "herald"
	if campaign != "" {
		title += ": " + campaign
	}
	err := createFile(name, func(f *os.File) error {
		return calendar.WriteICS(f, posts, calendar.ICSOptions{Now: now, Name: title})
	})
	return n, err
}

// createFile creates name and lets write fill it, reporting a failure to
// write or to close.
func createFile(name string, write func(*os.File) error) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// zoneOf is the repository's time zone, UTC when it names none.
func zoneOf(cfg *schema.Config) *time.Location {
	if cfg.Timezone == nil {
		return time.UTC
	}
	return cfg.Timezone
}

func pluralS(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
