package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/heraldhq/herald/internal/telemetry"
	"github.com/heraldhq/herald/internal/tokenstore"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/progress"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// applyCommand is "herald apply".
func applyCommand() *command {
	return &command{
		name:    "apply",
		args:    "[flags]",
		summary: "publish what is due, exactly once, and commit what happened",
		help: `Plans as herald plan does, then acts on the plan with the exactly-once
protocol (see the README): each due target is first recorded as publishing
with an attempt key and committed (and pushed, with --push) before any
platform is called; then the calls are made, concurrently and rate-limited
per account; then the results are committed (and pushed). An attempt whose
outcome is unknown is looked up at the next run before anything else.

--post, --campaign and --account act on a selection only, as plan shows
it: everything else is skipped and its state is left as it is. With one
of them, --now alone publishes the selection at once, whatever its
publish_at: apply --campaign NAME --now.

The repository must be a git work tree. apply publishes what is
committed: posts, media and the configuration are read from the commit of
the branch HEAD is on, never from the working tree, and uncommitted files
in the content directory or the configuration are listed on stderr as
ignored. --dry-run --worktree shows what the working tree would do, for a
local experiment; --worktree needs --dry-run.

With --push, state commits go to the branch's remote: a token in
HERALD_GIT_TOKEN (or GITHUB_TOKEN) is sent as HTTP basic auth with the
user x-access-token; HERALD_GIT_SSH_KEY names a private key file for SSH
remotes. Pushes are never forced: a rejected push fetches, merges the
state records and pushes again.

A long media upload (8 MiB or more, or longer than two seconds) shows
its progress while it runs: a line per tenth of the file or every five
seconds, by platform and file, rewritten in place on a terminal.

With --metrics-file, the run's metrics are written for node_exporter's
textfile collector; with --pushgateway, pushed to a Pushgateway under the
job herald_apply. Neither can fail the run: a failure is a warning.

On SIGINT or SIGTERM (a cancelled or timed-out CI job), no platform call
starts; the calls in flight get 30 s to finish, and a second signal cuts
them at once (their outcome is then unknown, and the next run looks them
up); every result is committed and pushed, within another 30 s, and the
targets not sent are recorded to be sent at once by the next run. Then
apply exits 130 (SIGINT) or 143 (SIGTERM).

Exit status: 0 when nothing failed, 1 when anything failed or ended with
an unknown outcome (the summary names each).`,
		setup: func(fs *flag.FlagSet) runFunc {
			var f applyFlags
			f.register(fs)
			f.plan.registerTargets(fs)
			var metricsFile, pushgateway string
			fs.StringVar(&metricsFile, "metrics-file", "", "write the run's metrics to `path` in the textfile-collector format (replaced atomically)")
			fs.StringVar(&pushgateway, "pushgateway", "", "push the run's metrics to the Pushgateway at `url` (a failed push is a warning)")
			return func(ctx context.Context, e *env, args []string) error {
				if args = f.plan.args(args); len(args) > 0 {
					return usagef("apply takes no arguments, got %q", args[0])
				}
				if err := f.check(); err != nil {
					return err
				}
				var reg *prometheus.Registry
				var m *telemetry.Metrics
				if metricsFile != "" || pushgateway != "" {
					reg = prometheus.NewRegistry()
					var err error
					if m, err = telemetry.New(reg); err != nil {
						return err
					}
				}
				err := reconcileOnce(ctx, e, &f, reconcileHooks{metrics: m})
				if reg != nil {
					// Also after an interrupt: the run's metrics say what
					// it did.
					emitMetrics(context.WithoutCancel(ctx), e, reg, "apply", metricsFile, pushgateway)
				}
				return err
			}
		},
	}
}

// applyFlags are apply's flags; serve takes them too, for the
// reconciles it runs.
type applyFlags struct {
	plan        planFlags
	dryRun      bool
	push        bool
	maxDuration time.Duration
	concurrency int
}

func (f *applyFlags) register(fs *flag.FlagSet) {
	f.plan.register(fs)
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would be done; call no platform, write no state")
	fs.BoolVar(&f.push, "push", false, "push the state commits to the remote")
	fs.DurationVar(&f.maxDuration, "max-duration", 0, "the run's time `budget`: waits that would end later leave items for the next run (0: none)")
	fs.IntVar(&f.concurrency, "concurrency", 8, "how many platform calls run at `n` once")
}

func (f *applyFlags) check() error {
	if f.concurrency < 1 {
		return usagef("--concurrency: want at least 1, got %d", f.concurrency)
	}
	if f.plan.worktree && !f.dryRun {
		return usagef("--worktree needs --dry-run: apply publishes only what is committed")
	}
	return nil
}

// reconcileHooks are what a reconcile takes beyond the flags: where its
// metrics go and, in tests, the adapters.
type reconcileHooks struct {
	metrics *telemetry.Metrics
	// command names the command in notes (default "apply").
	command string
	// providers replaces the registry's adapters when set.
	providers func(e *env, repo *reconcile.Repo, store state.Store) reconcile.Providers
}

// reconcileOnce is one apply: plan, print the plan, act on it with the
// exactly-once protocol, print the results. apply runs it once, serve on
// every tick and webhook. It returns an exitError with status 1 when
// anything failed or ended with an unknown outcome.
//
// Cancelling ctx (a signal) stops it gently: no platform call starts
// after it, the calls in flight get reconcile.DefaultGrace to finish (or
// are cut by a second signal), the results are committed and pushed, and
// it returns ctx's cause.
func reconcileOnce(ctx context.Context, e *env, f *applyFlags, h reconcileHooks) error {
	// The store is opened first: opening repairs what a killed run left
	// in .git and adopts the state commits a run left unpushed, and
	// pushing them below may move the branch, so the posts are read from
	// the head after that.
	store, err := state.OpenGit(state.GitOptions{Dir: f.plan.repo, Auth: gitAuth(e), Logger: e.log, RequireRemote: f.push})
	if err != nil {
		h.metrics.ObserveRun("apply", false, e.now())
		return err
	}
	defer store.Close()
	if f.push && !f.dryRun {
		// A remote that cannot take the push is found before any intent
		// is committed.
		if err := store.CheckRemote(ctx); err != nil {
			h.metrics.ObserveRun("apply", false, e.now())
			return err
		}
		// State commits an earlier run could not push go first, also
		// when this run has nothing to do; while they cannot be pushed,
		// no new intent is committed on top of them.
		if n := store.Unpushed(); n > 0 {
			if err := store.Push(ctx); err != nil {
				h.metrics.ObserveRun("apply", false, e.now())
				return fmt.Errorf("%s of an earlier run could not be pushed, so nothing is published until they are: %w", plural(n, "state commit"), err)
			}
			e.log.Info("pushed the state commits of an earlier run", "commits", n)
		}
	}
	src := source{command: h.command, worktree: f.plan.worktree, publishing: !f.dryRun}
	if src.command == "" {
		src.command = "apply"
	}
	pl, err := makePlan(ctx, e, &f.plan, src, func(repo *reconcile.Repo) ([]*state.Record, error) {
		// The posts were read from the branch's head: the state must
		// be that commit's too.
		if repo.Commit != "" {
			head, err := store.Head()
			if err != nil {
				return nil, err
			}
			if head != repo.Commit {
				return nil, fmt.Errorf("branch %s moved from %.7s to %.7s while herald read it: run apply again", store.Branch(), repo.Commit, head)
			}
		}
		var records []*state.Record
		err := store.Walk(ctx, func(r *state.Record) error { records = append(records, r); return nil })
		return records, err
	})
	if err != nil {
		h.metrics.ObserveRun("apply", false, e.now())
		return err
	}
	defer pl.repo.Close()
	h.metrics.SetPlan(reconcile.PlanTargets(pl.plan))
	if err := pl.plan.WriteText(e.stdout); err != nil {
		return err
	}
	if pl.plan.Changes() == 0 {
		h.metrics.ObserveRun("apply", true, e.now())
		return reportGitHub(e, f.plan.planFile, applySummary(pl.plan, nil), pl.plan, &reconcile.Result{})
	}
	provide := providers
	if h.providers != nil {
		provide = h.providers
	}
	ap := &reconcile.Applier{
		Store:       store,
		Providers:   provide(e, pl.repo, store),
		Payload:     payloads(pl.repo),
		Now:         e.now,
		Logger:      e.log,
		Push:        f.push,
		DryRun:      f.dryRun,
		Concurrency: f.concurrency,
		MaxDuration: f.maxDuration,
		Metrics:     h.metrics,
		Limit:       accountLimits(pl.repo.Config),
		Hurry:       hurryOf(ctx),
	}
	pr := uploadProgress(e)
	res, err := ap.Apply(progress.With(ctx, pr.Report), pl.plan)
	pr.Close()
	writeResult(e, res)
	writeReconnects(context.WithoutCancel(ctx), e, store, res)
	if rerr := reportGitHub(e, f.plan.planFile, applySummary(pl.plan, res), pl.plan, res); rerr != nil && err == nil {
		err = rerr
	}
	failed := err != nil || res.Failed()
	h.metrics.ObserveRun("apply", !failed, e.now())
	if ctx.Err() != nil {
		if err != nil {
			return err
		}
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

// accountLimits is each account's request rate: none for an account on a
// platform that writes into the repository (the feed: 10,000 entries at
// the default rate would take hours), reconcile's default for the others.
func accountLimits(cfg *schema.Config) func(target string) (rate.Limit, int) {
	return func(target string) (rate.Limit, int) {
		if a := cfg.Accounts[state.AccountOf(target)]; a != nil && localPlatforms[a.Platform] {
			return rate.Inf, 1
		}
		return reconcile.DefaultRate, reconcile.DefaultBurst
	}
}

// emitMetrics writes a one-shot run's metrics to the textfile and the
// Pushgateway asked for. Neither fails the run: the publishing it
// measures has happened either way, so a failure is a warning.
func emitMetrics(ctx context.Context, e *env, reg *prometheus.Registry, command, file, gateway string) {
	if file != "" {
		if err := telemetry.WriteTextfile(reg, file); err != nil {
			e.log.Warn("could not write the metrics file", "path", file, "error", err.Error())
		}
	}
	if gateway != "" {
		client := &http.Client{Timeout: 30 * time.Second}
		if err := telemetry.Push(ctx, gateway, command, reg, client); err != nil {
			e.log.Warn("could not push metrics", "pushgateway", gateway, "error", err.Error())
		}
	}
}

// gitAuth is how state commits are pushed, from the environment.
func gitAuth(e *env) state.Auth {
	if t := e.getenv("HERALD_GIT_TOKEN"); t != "" {
		return state.HTTPToken{Token: t}
	}
	if t := e.getenv("GITHUB_TOKEN"); t != "" {
		return state.HTTPToken{Token: t}
	}
	if f := e.getenv("HERALD_GIT_SSH_KEY"); f != "" {
		return state.SSHKey{File: f}
	}
	return nil
}

// providers builds each account's adapters once, when first needed: one
// per entry of its providers, in failover order (the platform's own
// adapter for direct, a relay's otherwise). Adapters that write into the
// repository write its work tree and stage their files in store.
func providers(e *env, repo *reconcile.Repo, store state.Store) reconcile.Providers {
	reg := registry(repo.Root(), stageIn(store))
	tokens := tokenStore(e, repo, store)
	var mu sync.Mutex
	built := map[string][]platforms.Publisher{}
	return func(target string) ([]platforms.Publisher, error) {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := built[target]; ok {
			return p, nil
		}
		a := repo.Config.Accounts[target]
		if a == nil {
			return nil, fmt.Errorf("no account %q in the configuration", target)
		}
		var pubs []platforms.Publisher
		for _, name := range a.ProviderNames() {
			if name != schema.ProviderDirect {
				pub, err := newRelay(e, target, a, name)
				if err != nil {
					return nil, err
				}
				pubs = append(pubs, pub)
				continue
			}
			if !reg.Has(a.Platform) {
				return nil, fmt.Errorf("herald cannot publish to %s directly yet: list a relay that reaches it in the account's providers", a.Platform)
			}
			s := accountSettings(e, target, a)
			s.Tokens = tokens
			pub, err := reg.New(s)
			if err != nil {
				return nil, err
			}
			pubs = append(pubs, pub)
		}
		built[target] = pubs
		return pubs, nil
	}
}

// tokenStore is where adapters keep the tokens they refresh: encrypted
// in the repository's .herald/tokens/ and staged in store, so that they
// are committed with the results (never with the intents), when
// HERALD_AGE_KEY is set; in memory for the run otherwise, with a warning
// when a token that will be lost is saved.
func tokenStore(e *env, repo *reconcile.Repo, store state.Store) platforms.TokenStore {
	if _, ok, _ := tokenstore.Identity(e.getenv); !ok {
		return &tokenstore.Unkept{Logger: e.log}
	}
	// A malformed key is reported by every Load and Save, naming it.
	return tokenstore.New(tokenstore.Options{Root: repo.Root(), Stage: store, Getenv: e.getenv, Logger: e.log})
}

// writeReconnects ends apply's output with one line per account whose
// credentials a person must renew: its targets failed because a token
// expired or was refused and could not be refreshed (the adapters'
// platforms.ErrNeedsReconnect, recorded with the kind state.KindReconnect).
// The other accounts' results are not affected.
func writeReconnects(ctx context.Context, e *env, store state.Store, res *reconcile.Result) {
	if res == nil || store == nil {
		return
	}
	seen := map[string]bool{}
	var accounts []string
	for _, it := range res.Items {
		account := state.AccountOf(it.Target)
		if it.Outcome != reconcile.OutFailed || seen[account] {
			continue
		}
		rec, err := store.Load(ctx, it.Post)
		if err != nil {
			continue
		}
		if ts, ok := rec.Targets[it.Target]; ok && ts.LastError != nil && ts.LastError.Kind == state.KindReconnect {
			seen[account] = true
			accounts = append(accounts, account)
		}
	}
	slices.Sort(accounts)
	if len(accounts) > 0 {
		fmt.Fprintln(e.stdout)
	}
	for _, a := range accounts {
		fmt.Fprintf(e.stdout, "account %s needs reconnecting: run herald auth %s\n", a, a)
	}
}

// stageIn is how a feed's files reach the commit: the feed writes the
// work tree itself (so that its own reads and Find see what it wrote),
// then hands the final content of each file and its entry-wise merge to
// the store, which commits them with the run's results and merges them
// with a concurrent run's on a rejected push.
func stageIn(store state.Store) feed.StageFunc {
	return func(path string, data []byte, merge func(base, ours, theirs []byte) ([]byte, error)) error {
		return store.PutFile(path, data, merge)
	}
}

// payloads renders what each action's target receives, from the post as
// it is in the tree that was checked: the commit, for a real apply.
func payloads(repo *reconcile.Repo) reconcile.PayloadFunc {
	var v *schema.Validator
	return func(ctx context.Context, a reconcile.Action, urls map[string]string) (*platforms.Payload, error) {
		if v == nil {
			var err error
			if v, err = schema.NewValidator(repo.Config); err != nil {
				return nil, err
			}
		}
		p := repo.PrepareWith(v, a.File, urls)
		if !p.Valid() {
			return nil, errors.New(p.Errors.Error())
		}
		return repo.PayloadText(p, a.Target, a.Text)
	}
}

// writeResult prints what became of every action, then a summary.
func writeResult(e *env, res *reconcile.Result) {
	if res == nil || len(res.Items) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("\nResults:\n")
	for _, it := range res.Items {
		fmt.Fprintf(&b, "  %-9s %s -> %s", it.Outcome, it.Post, it.Target)
		if it.URL != "" {
			fmt.Fprintf(&b, "  %s", it.URL)
		}
		if it.Detail != "" {
			fmt.Fprintf(&b, "\n            %s", it.Detail)
		}
		b.WriteString("\n")
	}
	var parts []string
	for _, o := range []reconcile.Outcome{reconcile.OutPublished, reconcile.OutManual, reconcile.OutUpdated, reconcile.OutDeleted, reconcile.OutMoved,
		reconcile.OutFailed, reconcile.OutUnknown, reconcile.OutDeferred, reconcile.OutSkipped, reconcile.OutDryRun} {
		if n := res.Count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	fmt.Fprintf(&b, "\nApplied: %s.\n", strings.Join(parts, ", "))
	fmt.Fprint(e.stdout, b.String())
}

// uploadProgress is where apply shows long uploads' progress while they
// run: its output, one line rewritten on a terminal, plain lines
// elsewhere (CI logs). Only file paths and sizes are printed, never an
// upload URL.
func uploadProgress(e *env) *progress.Printer {
	tty := false
	if f, ok := e.stdout.(*os.File); ok && e.getenv("TERM") != "dumb" {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progress.Printer{W: e.stdout, TTY: tty, Now: e.now}
}
