package main

import (
	"context"
	"flag"
	"time"

	"github.com/heraldhq/herald/internal/calendar"
)

// reportCommand is "herald report".
func reportCommand() *command {
	return &command{
		name:    "report",
		args:    "[flags]",
		summary: "report engagement per post, target and campaign",
		help: `Sums the latest metrics herald sync recorded in .herald/state/: per post
(over its targets), per target (over posts) and per campaign. A metric no
target gives is shown as "–" (empty in CSV, left out in JSON), never as 0.
--since counts only targets first published on or after the date, in the
repository's time zone.

--best-times shows, per account, engagement (likes, reposts, replies,
quotes, saves) by the weekday and hour each post was published, in the
repository's time zone, with the number of posts behind each hour, and
suggests queue slots where the data supports it: an hour with at least
3 posts whose engagement a post is above the account's mean. The HTML
calendar (calendar --html, serve's page) draws the same as a heat map.

--variants compares the variants of each post that has some (variants:),
per platform: each variant's published posts, impressions, engagements
(likes, reposts, replies, quotes and saves) and engagements per
impression, and each variant against base (the post as written) with a
pooled two-proportion z-test, two-sided: "significant at 95%" when
p < 0.05, else "too small to tell (p = ...)". Where a platform gives no
impressions, or either variant expects fewer than 5 engagements or
non-engagements under the pooled rate, it says "not enough data" and why.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, since, campaign, format string
			var bestTimes, variants bool
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.StringVar(&since, "since", "", "count posts published on or after this `date` (2026-12-01)")
			fs.StringVar(&campaign, "campaign", "", "report only posts of this `campaign`")
			fs.StringVar(&format, "format", "table", "output `format`: table, csv or json")
			fs.BoolVar(&bestTimes, "best-times", false, "show engagement by the weekday and hour of publishing, per account, and suggested slots")
			fs.BoolVar(&variants, "variants", false, "compare the variants of each post per platform, with a two-proportion test")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("report takes no arguments, got %q", args[0])
				}
				switch format {
				case "table", "csv", "json":
				default:
					return usagef("--format: want table, csv or json, got %q", format)
				}
				repo, posts, err := loadCalendar(ctx, e, repoDir, campaign)
				if err != nil {
					return err
				}
				defer repo.Close()
				var from time.Time
				if since != "" {
					from, err = time.ParseInLocation("2006-01-02", since, zoneOf(repo.Config))
					if err != nil {
						return usagef("--since: want a date like 2026-12-01, got %q", since)
					}
				}
				if bestTimes && variants {
					return usagef("--best-times and --variants are two reports: ask for one")
				}
				if variants {
					var kept []calendar.Post
					for _, p := range posts {
						if from.IsZero() || !p.At.Before(from) {
							kept = append(kept, p)
						}
					}
					r := calendar.BuildVariants(kept)
					switch format {
					case "json":
						return r.WriteJSON(e.stdout)
					case "csv":
						return usagef("--variants: --format csv is not offered; use table or json")
					}
					return r.WriteTable(e.stdout)
				}
				if bestTimes {
					var kept []calendar.Post
					for _, p := range posts {
						if from.IsZero() || !p.At.Before(from) {
							kept = append(kept, p)
						}
					}
					b := calendar.BuildBestTimes(kept, zoneOf(repo.Config))
					switch format {
					case "json":
						return b.WriteJSON(e.stdout)
					case "csv":
						return usagef("--best-times: --format csv is not offered; use table or json")
					}
					return b.WriteTable(e.stdout)
				}
				r := calendar.BuildReport(posts, from)
				switch format {
				case "csv":
					return r.WriteCSV(e.stdout)
				case "json":
					return r.WriteJSON(e.stdout)
				}
				return r.WriteTable(e.stdout)
			}
		},
	}
}
