package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/internal/vcache"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// planFlags are the flags plan and apply share.
type planFlags struct {
	repo      string
	now       nowFlag
	prune     bool
	allowLate bool
	noCache   bool
	planFile  string
	worktree  bool
	// only is a targeted run's selection (--post, --campaign, --account).
	only reconcile.Selection
}

func (f *planFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.repo, "repo", ".", "the content repository's `dir`ectory")
	fs.Var(&f.now, "now", "plan as of this RFC 3339 `time` instead of now")
	fs.BoolVar(&f.prune, "prune", false, "delete what was removed from the files, where the platform allows")
	fs.BoolVar(&f.allowLate, "allow-late", false, "publish posts later than max_lateness")
	fs.BoolVar(&f.noCache, "no-cache", false, "check every post again, ignoring the validation cache")
	fs.StringVar(&f.planFile, "plan-file", "", "also write the plan as JSON to `file` (a step output under GitHub Actions)")
	fs.BoolVar(&f.worktree, "worktree", false, "read posts and configuration from the working tree, uncommitted changes included, instead of the commit (for local experiments; apply only with --dry-run)")
}

// registerTargets adds the flags of a targeted run, which plan and apply
// take (serve does not: a controller reconciles everything), and lets
// --now stand alone: publish the selected posts at once.
func (f *planFlags) registerTargets(fs *flag.FlagSet) {
	fs.Var((*listFlag)(&f.only.Posts), "post", "act only on the post with this `id` (repeatable); everything else is skipped")
	fs.Var((*listFlag)(&f.only.Campaigns), "campaign", "act only on the posts of this `campaign` (repeatable)")
	fs.Var((*listFlag)(&f.only.Accounts), "account", "act only on the targets of this `account` (repeatable)")
	f.now.bare = true
	fs.Lookup("now").Usage = "plan as of this RFC 3339 `time` instead of now; alone (--now), with --post, --campaign or --account: publish the selected posts at once, whatever their publish_at"
}

// args takes a --now time that the flag package left among the
// positional arguments (--now may stand alone, so the flag package reads
// it as a switch) and returns the rest.
func (f *planFlags) args(args []string) []string {
	if f.now.rush && len(args) > 0 && looksLikeTime(args[0]) {
		f.now.at, f.now.rush = args[0], false
		return args[1:]
	}
	return args
}

func looksLikeTime(s string) bool {
	return len(s) > 0 && s[0] >= '0' && s[0] <= '9'
}

// clock returns the time to plan at: --now TIME, else the command's
// clock.
func (f *planFlags) clock(e *env) (time.Time, error) {
	if f.now.rush && f.only.Empty() {
		return time.Time{}, usagef("--now without a time publishes the posts a run targets at once: name them with --post, --campaign or --account (or give --now an RFC 3339 time to plan at)")
	}
	if f.now.at == "" {
		return e.now(), nil
	}
	t, err := time.Parse(time.RFC3339, f.now.at)
	if err != nil {
		return time.Time{}, usagef("--now: want an RFC 3339 time like 2026-12-01T09:00:00Z, got %q", f.now.at)
	}
	return t, nil
}

// nowFlag is --now: the time to plan at (--now TIME). Where bare is set
// (plan and apply), --now alone is the wish to publish the targeted posts
// at once.
type nowFlag struct {
	at   string
	rush bool
	bare bool
}

func (n *nowFlag) String() string { return n.at }

// IsBoolFlag lets --now stand alone where bare is set.
func (n *nowFlag) IsBoolFlag() bool { return n.bare }

func (n *nowFlag) Set(s string) error {
	if n.bare && (s == "true" || s == "false") {
		n.rush = s == "true"
		return nil
	}
	n.at = s
	return nil
}

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ", ") }

func (l *listFlag) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("want a name, got nothing")
	}
	*l = append(*l, s)
	return nil
}

// checkTargets refuses a selection naming a post, campaign or account
// that does not exist, naming those that do.
func checkTargets(only reconcile.Selection, summaries []schema.Summary, records []*state.Record, cfg *schema.Config) error {
	if only.Empty() {
		return nil // nothing asked for, nothing to look up
	}
	posts, campaigns, accounts := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range summaries {
		posts[s.ID] = true
		if s.Campaign != "" {
			campaigns[s.Campaign] = true
		}
	}
	for _, r := range records {
		posts[r.Post] = true
	}
	for name := range cfg.Accounts {
		accounts[name] = true
	}
	var problems []string
	for _, c := range []struct {
		flag, what string
		asked      []string
		known      map[string]bool
	}{
		{"--post", "post", only.Posts, posts},
		{"--campaign", "campaign", only.Campaigns, campaigns},
		{"--account", "account", only.Accounts, accounts},
	} {
		for _, v := range c.asked {
			if !c.known[v] {
				problems = append(problems, fmt.Sprintf("%s %s: no %s %q; %s", c.flag, v, c.what, v, known(c.what, c.known)))
			}
		}
	}
	if len(problems) > 0 {
		return usagef("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// known lists the names a flag can take: all of them up to ten, else
// the first ten and how many more.
func known(what string, names map[string]bool) string {
	if len(names) == 0 {
		return "there is none"
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	slices.Sort(list)
	s := what + "s: " + strings.Join(list[:min(10, len(list))], ", ")
	if len(list) > 10 {
		s += fmt.Sprintf(" and %d more (herald status lists them)", len(list)-10)
	}
	return s
}

// invalidTree is a tree with problems, printed already: nothing is
// planned from it.
type invalidTree struct {
	errs schema.Errors
	exit *exitError
}

func (e *invalidTree) Error() string { return e.exit.Error() }
func (e *invalidTree) Unwrap() error { return e.exit }

// planned is what plan and apply both start from.
type planned struct {
	repo    *reconcile.Repo
	report  *reconcile.Report
	records []*state.Record
	plan    *reconcile.Plan
}

// makePlan checks the repository as src reads it (the commit, unless
// --worktree), refuses an invalid tree, reads the state records (through
// load), and plans.
func makePlan(ctx context.Context, e *env, f *planFlags, src source, load func(*reconcile.Repo) ([]*state.Record, error)) (*planned, error) {
	now, err := f.clock(e)
	if err != nil {
		return nil, err
	}
	repo, err := openSourceConfigured(ctx, e, f.repo, src)
	if err != nil {
		return nil, err
	}
	key := ""
	if !f.noCache {
		key = cacheKey()
	}
	// The posts and the state are read at once: they do not depend on
	// each other, and each leaves a core idle at times.
	var records []*state.Record
	var loadErr error
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		records, loadErr = load(repo)
	}()
	rep, err := repo.Check(ctx, reconcile.CheckOptions{CacheKey: key})
	<-loaded
	src.note.print(e.stderr)
	if err != nil {
		repo.Close()
		return nil, err
	}
	if !rep.Valid() {
		writeFindings(e.stderr, "text", f.repo, rep.Errors)
		repo.Close()
		return nil, &invalidTree{errs: rep.Errors, exit: &exitError{code: 1, err: fmt.Errorf("%s in the content: nothing is planned from an invalid tree (herald validate shows them)", plural(len(rep.Errors), "problem"))}}
	}
	if loadErr != nil {
		repo.Close()
		return nil, fmt.Errorf("read state: %w", loadErr)
	}
	if err := checkTargets(f.only, rep.Summaries, records, repo.Config); err != nil {
		repo.Close()
		return nil, err
	}
	byPost := make(map[string]*state.Record, len(records))
	for _, r := range records {
		byPost[r.Post] = r
	}
	added, note := queueArrivals(repo, rep.Summaries, byPost)
	p := reconcile.MakePlan(reconcile.PlanInput{
		Now: now, Posts: rep.Summaries, Records: records, Config: repo.Config,
		Caps: capabilities(e, repo.Config), ProviderCaps: providerCaps(), Prune: f.prune, AllowLate: f.allowLate,
		Only: f.only, Rush: f.now.rush, Added: added, QueueNote: note,
	})
	return &planned{repo: repo, report: rep, records: records, plan: p}, nil
}

// readState reads the records in the work tree, through the record cache
// unless cached is false.
func readState(ctx context.Context, e *env, cached bool) func(*reconcile.Repo) ([]*state.Record, error) {
	return func(repo *reconcile.Repo) ([]*state.Record, error) {
		var records []*state.Record
		err := walkState(ctx, e, repo, cached, func(r *state.Record) error {
			records = append(records, r)
			return nil
		})
		return records, err
	}
}

// walkState calls fn for every record in the work tree. With cached, a
// record file whose stat shows it unchanged since it was decoded is not
// read, and one whose bytes were decoded before is not decoded again.
func walkState(ctx context.Context, e *env, repo *reconcile.Repo, cached bool, fn func(*state.Record) error) error {
	if !cached {
		return state.WalkRoot(ctx, repo.Root(), nil, fn)
	}
	rc := vcache.OpenRecords(repo.Root())
	if err := state.WalkRoot(ctx, repo.Root(), rc, fn); err != nil {
		return err
	}
	if err := rc.Save(); err != nil {
		e.log.Warn("could not save the state cache", "error", err.Error())
	}
	return nil
}

// capabilities tells the plan what each platform's adapter can do, from
// adapters built without credentials (constructors read none).
func capabilities(e *env, cfg *schema.Config) func(string) reconcile.Capabilities {
	reg := registry(nil, nil)
	caps := map[string]reconcile.Capabilities{}
	for name, a := range cfg.Accounts {
		if _, done := caps[a.Platform]; done || !reg.Has(a.Platform) {
			continue
		}
		pub, err := reg.New(accountSettings(e, name, a))
		if err != nil {
			continue
		}
		c := platforms.Capabilities(pub)
		caps[a.Platform] = reconcile.Capabilities{Update: c.Has(platforms.CapUpdate), Delete: c.Has(platforms.CapDelete)}
		cp := caps[a.Platform]
		if d, ok := pub.(platforms.DeleteDescriber); ok {
			cp.DeleteMeans = d.DeleteMeans()
		}
		if d, ok := pub.(platforms.PublishDescriber); ok {
			cp.PublishMeans = d.PublishMeans()
		}
		if d, ok := pub.(platforms.RepeatRefuser); ok {
			cp.RefusesRepeat = d.RefusesRepeat()
		}
		caps[a.Platform] = cp
	}
	return func(platform string) reconcile.Capabilities { return caps[platform] }
}

// accountSettings are the settings an adapter of account a is built with.
func accountSettings(e *env, name string, a *schema.Account) platforms.Settings {
	return platforms.Settings{
		Account: name, Platform: a.Platform, BaseURL: a.BaseURL, Values: a.Settings,
		Getenv: e.getenv, HTTPClient: &http.Client{Timeout: callTimeout(a)}, Logger: e.log, Now: e.now,
	}
}

// planCommand is "herald plan".
func planCommand() *command {
	return &command{
		name:    "plan",
		args:    "[flags]",
		summary: "show what apply would do, and why everything else waits",
		help: `Compares every post with what was published (.herald/state/) and prints,
for every target of every post with something to say, the action and its
reason: + create, ~ update, - delete, + retry, ? resolve, > move, and for
what is not acted on: scheduled, late, frozen, draft, drift, held, kept.
Posts published and unchanged are counted in the summary line. A queued
post (publish_at: next, or queue: NAME) is planned at the slot it takes:
the next free slot of its queue, in the order posts reached the branch
(read from the git history: a shallow clone falls back to path order and
says so).

--json prints {"now","actions":[{"post","file","target","platform",
"action","at","reason","after","variant"}],"summary":{...}}, stable and documented in the
README. --detailed-exitcode exits 0 when there is nothing to do, 2 when
there is, 1 on error. An invalid tree is never planned: its problems are
printed and plan exits 1.

--post ID, --campaign NAME and --account NAME (each repeatable) target a
run, as Terraform's -target: a target is acted on when it matches every
kind of flag given and any value within one kind; everything else is
shown as skipped and counted in the summary. --now alone, with them,
makes the selected posts due at once whatever their publish_at (freezes
and drafts still hold them): apply --campaign NAME --now publishes a
campaign now.

Posts, media and the configuration are read from the commit HEAD points
to, as apply publishes them; uncommitted files in the content directory
or the configuration are listed on stderr as ignored. --worktree reads the
working tree instead, uncommitted changes included, and says so.

--comment keeps one comment on the pull request up to date with the plan,
previews of every new or changed post per target, warnings, and diffs of
published posts that changed: it reads GITHUB_TOKEN, GITHUB_REPOSITORY,
GITHUB_API_URL and the pull request from GITHUB_EVENT_PATH (or --pr). It
needs no platform credentials. Under GitHub Actions the plan is also added
to the job summary (GITHUB_STEP_SUMMARY) and its counts to the step
outputs (GITHUB_OUTPUT): changes, scheduled, plan-json. --check also
records the plan as a "herald plan" check run on the pull request's head
commit, neutral when it has warnings (the job needs checks: write).`,
		setup: func(fs *flag.FlagSet) runFunc {
			var f planFlags
			var asJSON, detailed, comment, check bool
			var pr int
			var base, previewURL string
			f.register(fs)
			f.registerTargets(fs)
			fs.BoolVar(&comment, "comment", false, "keep the plan as one comment on the GitHub pull request")
			fs.BoolVar(&check, "check", false, "also record the plan as a \"herald plan\" check run on the pull request's head commit (needs checks: write)")
			fs.IntVar(&pr, "pr", 0, "the pull request `number` to comment on (default: from GITHUB_EVENT_PATH)")
			fs.StringVar(&previewURL, "preview-url", "", "link the comment to the HTML previews at `url`, a workflow artifact (default: $HERALD_PREVIEW_URL)")
			fs.StringVar(&base, "base", "", "the git `revision` the pull request merges into, for the published text of changed posts (default: origin/$GITHUB_BASE_REF)")
			fs.BoolVar(&asJSON, "json", false, "print the plan as JSON")
			fs.BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when there is something to do, 0 when not")
			return func(ctx context.Context, e *env, args []string) error {
				if args = f.args(args); len(args) > 0 {
					return usagef("plan takes no arguments, got %q", args[0])
				}
				pl, err := makePlan(ctx, e, &f, source{command: "plan", worktree: f.worktree, note: &laterNote{}}, readState(ctx, e, !f.noCache))
				var invalid *invalidTree
				if comment && errors.As(err, &invalid) {
					// The comment must not go on showing the last valid
					// plan as if it were this commit's.
					if cerr := commentInvalid(ctx, e, pr, f.repo, invalid.errs); cerr != nil {
						fmt.Fprintf(e.stderr, "herald plan: the comment could not say so: %v\n", cerr)
					}
				}
				if err != nil {
					return err
				}
				defer pl.repo.Close()
				var b strings.Builder
				if asJSON {
					err = pl.plan.WriteJSON(&b)
				} else {
					err = pl.plan.WriteText(&b)
				}
				if err != nil {
					return err
				}
				if _, err := fmt.Fprint(e.stdout, b.String()); err != nil {
					return err
				}
				if comment || check || e.getenv("GITHUB_STEP_SUMMARY") != "" {
					if base == "" && e.getenv("GITHUB_BASE_REF") != "" {
						base = "origin/" + e.getenv("GITHUB_BASE_REF")
					}
					if previewURL == "" {
						previewURL = e.getenv("HERALD_PREVIEW_URL")
					}
					reviews, prNum, err := pullReviews(e, pl, comment || check, pr)
					if err != nil {
						return err
					}
					c, aps, err := planComment(ctx, e, pl, base, headCommit(e, pl.repo.Commit), previewURL, reviews, prNum)
					if err != nil {
						return err
					}
					summary, _ := c.Render(summaryLimit)
					if err := reportGitHub(e, f.planFile, summary, pl.plan, nil); err != nil {
						return err
					}
					body, notes := c.Render(ghub.MaxComment)
					if comment {
						for _, n := range notes {
							e.log.Warn("plan comment shortened", "note", n)
						}
						if err := postComment(ctx, e, pr, func(string) string { return body }); err != nil {
							return err
						}
					}
					if check {
						if err := postCheck(ctx, e, body, pl.plan, aps); err != nil {
							return err
						}
					}
				} else if err := reportGitHub(e, f.planFile, "", pl.plan, nil); err != nil {
					return err
				}
				if detailed && pl.plan.Changes() > 0 {
					return &exitError{code: 2}
				}
				return nil
			}
		},
	}
}
