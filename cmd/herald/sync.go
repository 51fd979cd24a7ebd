package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldhq/herald/internal/telemetry"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/state"
)

// syncCommand is "herald sync".
func syncCommand() *command {
	return &command{
		name:    "sync",
		args:    "[flags]",
		summary: "read the engagement of published posts and commit it to the state",
		help: `Reads the metrics (likes, reposts, replies, quotes, impressions, clicks,
saves, as each platform gives them) of every published target that is due,
and records them in .herald/state/ in one commit, "herald: sync metrics of
N targets [skip ci]", pushed with --push. A metric a platform does not
give is left out, never written as 0.

Metrics are due by the post's age: hourly in the first day, every 6 hours
until day 7, daily until day 90, then never. --schedule changes that, as
comma-separated UNTIL:EVERY pairs (durations, or days with "d").

A post the platform no longer has is recorded deleted_remotely: the plan
shows it as drift and never posts it again. Calls are rate-limited per
account as apply's are; one platform failing leaves the others synced.
Adapters, tokens and git push work as for herald apply.

On SIGINT or SIGTERM, no read starts; the reads in flight finish (within
30 s, or at once on a second signal) and the metrics read are committed
and pushed, then sync exits 130 or 143.

Exit status: 0 when nothing failed, 1 when a target's metrics could not be
read (the output names each, with the reason).`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, at, schedule string
			var dryRun, push bool
			var maxDuration time.Duration
			var concurrency int
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.StringVar(&at, "now", "", "sync as of this RFC 3339 `time` instead of now")
			fs.BoolVar(&dryRun, "dry-run", false, "show what is due; call no platform, write no state")
			fs.BoolVar(&push, "push", false, "push the metrics commit to the remote")
			fs.DurationVar(&maxDuration, "max-duration", 0, "the run's time `budget`: waits that would end later leave targets for the next run (0: none)")
			fs.IntVar(&concurrency, "concurrency", 8, "how many platform calls run at `n` once")
			fs.StringVar(&schedule, "schedule", reconcile.DefaultSchedule().String(), "when metrics are due: comma-separated `UNTIL:EVERY` by post age")
			var metricsFile, pushgateway string
			fs.StringVar(&metricsFile, "metrics-file", "", "write the run's Prometheus metrics to this `file` (textfile collector format)")
			fs.StringVar(&pushgateway, "pushgateway", "", "push the run's Prometheus metrics to this Pushgateway `url`")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("sync takes no arguments, got %q", args[0])
				}
				if concurrency < 1 {
					return usagef("--concurrency: want at least 1, got %d", concurrency)
				}
				sched, err := reconcile.ParseSchedule(schedule)
				if err != nil {
					return usagef("--schedule: %v", err)
				}
				now := e.now
				if at != "" {
					t, err := time.Parse(time.RFC3339, at)
					if err != nil {
						return usagef("--now: want an RFC 3339 time like 2026-12-01T09:00:00Z, got %q", at)
					}
					// The run's clock starts at --now and moves as time
					// does, so that rate-limit waits still pass.
					start := e.now()
					now = func() time.Time { return t.Add(e.now().Sub(start)) }
				}
				repo, err := openConfigured(e, repoDir)
				if err != nil {
					return err
				}
				defer repo.Close()
				store, err := state.OpenGit(state.GitOptions{Dir: repoDir, Auth: gitAuth(e), Logger: e.log, RequireRemote: push})
				if err != nil {
					return err
				}
				defer store.Close()
				if push && !dryRun {
					if err := store.CheckRemote(ctx); err != nil {
						return err
					}
					// As apply does: an earlier run's unpushed state
					// commits go first, also when nothing is due.
					if n := store.Unpushed(); n > 0 {
						if err := store.Push(ctx); err != nil {
							return fmt.Errorf("%s of an earlier run could not be pushed: %w", plural(n, "state commit"), err)
						}
					}
				}
				var reg *prometheus.Registry
				var m *telemetry.Metrics
				if metricsFile != "" || pushgateway != "" {
					reg = prometheus.NewRegistry()
					if m, err = telemetry.New(reg); err != nil {
						return err
					}
				}
				ap := &reconcile.Applier{
					Store:       store,
					Providers:   providers(e, repo, store),
					Now:         now,
					Logger:      e.log,
					Push:        push,
					DryRun:      dryRun,
					Concurrency: concurrency,
					MaxDuration: maxDuration,
					Metrics:     m,
					Limit:       accountLimits(repo.Config),
					Hurry:       hurryOf(ctx),
				}
				res, err := ap.Sync(ctx, sched)
				writeSync(e, res, now())
				if reg != nil {
					if res != nil {
						for _, it := range res.Items {
							switch it.Outcome {
							case reconcile.SyncSynced:
								m.ObserveFetch(it.Platform, state.AccountOf(it.Target), "ok")
							case reconcile.SyncDeletedRemotely, reconcile.SyncFailed:
								m.ObserveFetch(it.Platform, state.AccountOf(it.Target), string(it.Outcome))
							}
						}
					}
					m.ObserveRun("sync", err == nil && res != nil && !res.Failed(), now())
					emitMetrics(context.WithoutCancel(ctx), e, reg, "sync", metricsFile, pushgateway)
				}
				if err == nil && ctx.Err() != nil {
					// Interrupted: the metrics read are committed.
					return context.Cause(ctx)
				}
				if err != nil {
					return err
				}
				if res.Failed() {
					return &exitError{code: 1}
				}
				return nil
			}
		},
	}
}

// writeSync prints what became of every published target, then a summary.
func writeSync(e *env, res *reconcile.SyncResult, now time.Time) {
	if res == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "herald sync at %s\n", now.UTC().Format(time.RFC3339))
	if len(res.Items) == 0 {
		b.WriteString("\nNothing published yet: no metrics to read.\n")
		fmt.Fprint(e.stdout, b.String())
		return
	}
	b.WriteString("\n")
	width := 0
	for _, it := range res.Items {
		width = max(width, len(it.Outcome))
	}
	for _, it := range res.Items {
		fmt.Fprintf(&b, "  %-*s %s -> %s", width, it.Outcome, it.Post, it.Target)
		switch {
		case it.Outcome == reconcile.SyncSynced:
			fmt.Fprintf(&b, ": %s", it.Counts())
		case it.Detail != "":
			fmt.Fprintf(&b, "\n  %*s %s", width, "", it.Detail)
		}
		b.WriteString("\n")
	}
	var parts []string
	for _, o := range []reconcile.SyncOutcome{reconcile.SyncSynced, reconcile.SyncDeletedRemotely, reconcile.SyncFailed,
		reconcile.SyncNotDue, reconcile.SyncUnsupported, reconcile.SyncDryRun} {
		if n := res.Count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(o), "_", " ")))
		}
	}
	fmt.Fprintf(&b, "\nSynced: %s.\n", strings.Join(parts, ", "))
	fmt.Fprint(e.stdout, b.String())
}
