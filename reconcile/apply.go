package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/heraldhq/herald/internal/telemetry"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// Outcome is what became of one action when it was applied.
type Outcome string

// Outcomes of an applied action. Failed and Unknown make apply exit 1.
const (
	OutPublished Outcome = "published" // created, or found after an unknown outcome
	OutUpdated   Outcome = "updated"
	OutDeleted   Outcome = "deleted"
	OutMoved     Outcome = "moved"
	OutFailed    Outcome = "failed"   // surely not posted; retried after backoff or a change
	OutUnknown   Outcome = "unknown"  // may have been posted: looked up next run, or a human decides
	OutDeferred  Outcome = "deferred" // not attempted in this run (rate limit or time budget)
	OutSkipped   Outcome = "skipped"  // another run holds the attempt, or there was nothing to do
	OutDryRun    Outcome = "dry-run"  // would have been done
	OutManual    Outcome = "manual"   // prepared for a person to publish by hand (no publishing API)
)

// Item is one applied action and what came of it.
type Item struct {
	Action
	Outcome Outcome `json:"outcome"`
	Detail  string  `json:"detail,omitempty"`
	URL     string  `json:"url,omitempty"`
}

// Result is everything an apply did, in plan order.
type Result struct {
	Items []Item
}

// Failed reports whether anything failed or ended with an unknown outcome:
// the run must not look green.
func (r *Result) Failed() bool {
	for _, it := range r.Items {
		if it.Outcome == OutFailed || it.Outcome == OutUnknown {
			return true
		}
	}
	return false
}

// Count returns how many items ended with outcome o.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// Step names a point in the apply protocol. Tests stop an apply at each
// one to prove that a run killed there loses and duplicates nothing.
type Step string

// Steps of the protocol, in order. AfterCall is reached once per platform
// call, with the target.
const (
	StepAfterIntentCommit  Step = "after-intent-commit"
	StepAfterIntentPush    Step = "after-intent-push"
	StepAfterCall          Step = "after-call"
	StepBeforeResultCommit Step = "before-result-commit"
	StepBeforeResultPush   Step = "before-result-push"
)

// Providers returns, for a target (an account name), the adapters that
// can publish to it, in failover order: the direct API first, then relays.
type Providers func(target string) ([]platforms.Publisher, error)

// PayloadFunc renders what one action's target receives. urls are the
// published URLs of the post's targets, as state records them, for the
// {{url}} placeholders and canonical URLs it fills (Repo.PrepareWith).
type PayloadFunc func(ctx context.Context, a Action, urls map[string]string) (*platforms.Payload, error)

// Applier executes plans. Its fields are its dependencies; the zero values
// of the optional ones are sensible defaults.
type Applier struct {
	Store     state.Store
	Providers Providers
	Payload   PayloadFunc
	Now       func() time.Time
	Logger    *slog.Logger

	// Push publishes the intent and result commits to the remote.
	Push bool
	// DryRun calls no platform and writes no state.
	DryRun bool
	// Concurrency is how many platform calls run at once, and how many
	// jobs of one account wait for its rate limit at once (default 8).
	Concurrency int
	// MaxDuration is the run's time budget: a wait that would end after it
	// leaves the item for the next run (0: no budget).
	MaxDuration time.Duration
	// Limit gives each account's request rate and burst (default
	// DefaultRate and DefaultBurst for every account); a platform's own
	// Retry-After and reset headers come on top. rate.Inf lifts the limit,
	// for a target whose calls are local writes (a feed).
	Limit func(target string) (rate.Limit, int)
	// Retries is how many times a retryable failure is retried within the
	// run (default 3) before it is left for a later run.
	Retries int
	// BaseBackoff is the first retry's wait, doubled each time with jitter
	// (default 2s), capped at MaxBackoff (default 5m).
	BaseBackoff, MaxBackoff time.Duration
	// NewKey makes attempt keys (default: 16 random bytes in hex).
	NewKey func() string
	// RunID marks this run's intents in state (default: random), so that
	// two runs sending one attempt again cannot both send it.
	RunID string
	// Sleep waits (default: a timer that honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Hook, when set, is called at every protocol step; an error stops
	// the run there, as a crash would. Only tests set it.
	Hook func(step Step, a *Action) error
	// Metrics, when set, receives each platform call's latency and
	// outcome, retries, rate-limit waits and every action's outcome.
	Metrics *telemetry.Metrics
	// Grace bounds a stopped run's wind-down (see Apply): calls in flight
	// get Grace to finish, and each state write after the stop gets
	// Grace again (default DefaultGrace).
	Grace time.Duration
	// Hurry, closed once the run is stopping (a second signal), cuts the
	// calls in flight at once, so that the results are recorded sooner;
	// their outcomes are then unknown and looked up by the next run.
	Hurry <-chan struct{}

	limiters sync.Map // target -> *limiter
}

// DefaultRate and DefaultBurst are an account's request rate when the
// Applier's Limit does not say: one call a second, five at once, which
// every platform herald talks to allows for writes.
const (
	DefaultRate  rate.Limit = 1
	DefaultBurst int        = 5
)

// DefaultGrace is how long a stopped run's calls in flight may take to
// finish, and then its commit and push of the results: long enough for a
// platform call that was answering, short enough to fit a Kubernetes
// pod's default 30 s of termination grace with the push.
const DefaultGrace = 30 * time.Second

func (ap *Applier) defaults() {
	if ap.Now == nil {
		ap.Now = time.Now
	}
	if ap.Logger == nil {
		ap.Logger = slog.New(slog.DiscardHandler)
	}
	if ap.Concurrency <= 0 {
		ap.Concurrency = 8
	}
	if ap.Limit == nil {
		ap.Limit = func(string) (rate.Limit, int) { return DefaultRate, DefaultBurst }
	}
	if ap.Retries == 0 {
		ap.Retries = 3
	}
	if ap.BaseBackoff == 0 {
		ap.BaseBackoff = 2 * time.Second
	}
	if ap.MaxBackoff == 0 {
		ap.MaxBackoff = 5 * time.Minute
	}
	if ap.NewKey == nil {
		ap.NewKey = randomKey
	}
	if ap.Grace <= 0 {
		ap.Grace = DefaultGrace
	}
	if ap.Sleep == nil {
		ap.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
}

func (ap *Applier) hook(step Step, a *Action) error {
	if ap.Hook == nil {
		return nil
	}
	if err := ap.Hook(step, a); err != nil {
		return fmt.Errorf("stopped %s: %w", step, err)
	}
	return nil
}

// job is one action on its way through a run.
type job struct {
	Action
	key     platforms.AttemptKey
	payload *platforms.Payload
	prev    state.TargetState // the target's state before this run
	hadPrev bool
	// attempts is the target's attempt count once this run's attempt is
	// made: one more than before for a create or retry.
	attempts int
	// attemptAt is when this run's attempt was recorded.
	attemptAt time.Time
	result    Item
	ts        *state.TargetState // the state to record; nil: leave as is
	// resend marks an attempt found not to have landed: it is sent again
	// under its own key, after an intent like any other.
	resend bool
	// resume holds the parts of a thread that exist when the rest is
	// surely not posted (found by a look-up, or recorded when a publish
	// was cut short): resumeBy, the adapter that holds them, posts the
	// rest under the same key, after an intent like any other.
	resume   *platforms.Receipt
	resumeBy platforms.Publisher
	// op names the job's calls in metrics when no plan kind does (sync's
	// reads of metrics).
	op string
	// failover marks a publish that has a next provider to fail over to:
	// a retryable refusal is not retried on this one.
	failover bool
}

// account is the account the job's target publishes to: its target
// key names an instance of it for a recurring post ("x#3").
func (j *job) account() string { return state.AccountOf(j.Target) }

// run is one Apply (or Sync) on its way: what it executes, what it has
// learnt so far, and what bounds it. Apply reads as its steps, one method
// each: load, lookups, intents, calls, results.
type run struct {
	ap *Applier
	// id marks this run's intents in state (Applier.RunID or random).
	id string
	// deadline is when the time budget ends; zero: no budget.
	deadline time.Time
	records  map[string]*state.Record
	jobs     []*job
	res      *Result

	// ctx is the caller's context: done, the run stops.
	ctx context.Context
	// callCtx is what platform calls run under: not ended by the stop,
	// but Grace after it, or at once by Hurry; cancel ends it as a crash
	// would (a hook's error), and crashed says so.
	callCtx context.Context
	cancel  context.CancelCauseFunc
	crashed atomic.Bool
	// unwatch stops waiting for ctx to end.
	unwatch func() bool
	// slots holds one token per platform call in flight.
	slots chan struct{}
}

// Why calls in flight were cut.
var (
	errGraceOver = errors.New("herald was stopping and the grace period for calls in flight ran out")
	errHurried   = errors.New("herald was stopping and was told to hurry")
)

// start begins a run: the Applier's defaults, the time budget, the run's
// marker and its call slots.
func (ap *Applier) start(ctx context.Context) *run {
	ap.defaults()
	r := &run{ap: ap, id: ap.RunID, ctx: ctx, records: map[string]*state.Record{}, res: &Result{},
		slots: make(chan struct{}, ap.Concurrency)}
	if r.id == "" {
		r.id = randomKey()
	}
	if ap.MaxDuration > 0 {
		r.deadline = ap.Now().Add(ap.MaxDuration)
	}
	r.callCtx, r.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	r.unwatch = context.AfterFunc(ctx, func() {
		t := time.NewTimer(ap.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			r.cancel(errGraceOver)
		case <-ap.Hurry:
			r.cancel(errHurried)
		case <-r.callCtx.Done():
		}
	})
	return r
}

// end releases what the run holds.
func (r *run) end() {
	r.unwatch()
	r.cancel(context.Canceled)
}

// stopped reports whether the run was told to stop: no call starts after
// that.
func (r *run) stopped() bool { return r.ctx.Err() != nil }

// stopping is the deferral of a call not made because the run stopped:
// the next run may make it at once.
func (r *run) stopping() error {
	return &errDeferred{until: r.ap.Now(), why: "herald was stopping"}
}

// cutShort reports whether a call that failed was cut by the stop (its
// grace ran out, or Hurry closed), not failed by the platform.
func (r *run) cutShort(err error) bool {
	return err != nil && r.stopped() && !r.crashed.Load() && r.callCtx.Err() != nil
}

// storeCtx is the context of one read or write of state. It is not
// ended by the stop, so that what the run did is recorded after an
// interrupt, but once the run is stopping it ends Grace later, so that a
// hung push cannot keep the process for ever.
func (r *run) storeCtx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(r.ctx))
	stop := context.AfterFunc(r.ctx, func() {
		t := time.AfterFunc(r.ap.Grace, func() {
			cancel(fmt.Errorf("herald was stopping and the grace period of %s for recording the results ran out", r.ap.Grace))
		})
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() { stop(); cancel(context.Canceled) }
}

// Apply executes the acting actions of p:
//
//  0. Look-ups: an attempt an earlier run left publishing (its outcome
//     unknown) is looked up first: found, it is published; surely not
//     there, it is sent again under its own key, through step 1; found
//     in part (parts 1..k of a thread, surely none of the rest), the
//     rest is posted through step 1 (a resume); cannot tell, it is
//     unknown and waits for a person. A retry of a thread cut short
//     resumes it too.
//  1. Intent: every create, retry, re-send and resume is recorded as
//     publishing (a fresh attempt key for creates and retries; a resume
//     keeps the parts that exist) with this run's marker, committed, and
//     pushed with Push, before any platform is called. After the push, an intent that a concurrent run's intent
//     displaced is skipped: the other run owns it.
//  2. Calls: concurrently, rate-limited per account, with backoff for
//     retryable failures and failover across providers only when the
//     failure proves nothing was posted.
//  3. Results: recorded, committed with the files adapters staged in the
//     store during the calls (a feed's files; never in the intent
//     commit), and pushed.
//
// An attempt whose outcome is unknown stays publishing and is looked up
// (Resolve) at the next run. The returned error is for the run itself
// (state could not be written); what happened to each action is in the
// Result, also when the error is not nil.
//
// Cancelling ctx stops the run gently (an interrupt, a controller
// shutting down): no platform call starts after it, and waits for rate
// limits and backoff end. Calls in flight get Grace to finish; those
// still running then (or at once, when Hurry closes) are cancelled, and
// their outcome is unknown, for the next run to look up. Every result is
// then recorded as usual, on a context of its own bounded by Grace: the
// actions not sent as deferred, to be sent at once by the next run. A
// stopped run whose results were recorded returns no error; the caller
// knows from ctx that it stopped.
//
// Targets that wait for others of the same post (Action.After) go in a
// later wave: the protocol above runs for the targets they wait for,
// whose results are committed (and pushed), then again for the targets
// whose every such target is now published, their payloads filled with
// the URLs just recorded. A target whose awaited target did not end
// published is deferred with the reason and never sent: no intent is
// recorded for it, and the next plan holds it while the other is not
// published.
func (ap *Applier) Apply(ctx context.Context, p *Plan) (*Result, error) {
	r := ap.start(ctx)
	defer r.end()
	var all []*job
	order := map[*job]int{}
	for i, a := range p.Actions {
		if a.Kind.Acts() {
			j := &job{Action: a}
			order[j] = i
			all = append(all, j)
		}
	}
	if len(all) == 0 {
		return r.res, nil
	}
	if ap.DryRun {
		for _, j := range all {
			detail := "would " + string(j.Kind)
			if len(j.After) > 0 {
				detail += " once " + strings.Join(j.After, " and ") + " is published"
			}
			r.res.Items = append(r.res.Items, Item{Action: j.Action, Outcome: OutDryRun, Detail: detail})
		}
		return r.res, nil
	}
	err := r.waves(all)
	pos := map[string]int{}
	for j, i := range order {
		pos[j.Post+"\x00"+j.Target] = i
	}
	sort.SliceStable(r.res.Items, func(a, b int) bool {
		ia, ib := r.res.Items[a], r.res.Items[b]
		return pos[ia.Post+"\x00"+ia.Target] < pos[ib.Post+"\x00"+ib.Target]
	})
	return r.res, err
}

// waves runs the protocol over the jobs, a wave at a time: each wave
// holds the jobs that wait for no job still to run.
func (r *run) waves(pending []*job) error {
	finished := map[string]*job{} // post \x00 target -> its job
	key := func(post, target string) string { return post + "\x00" + target }
	for len(pending) > 0 {
		waiting := map[string]bool{}
		for _, j := range pending {
			waiting[key(j.Post, j.Target)] = true
		}
		var now, later []*job
		for _, j := range pending {
			blocked := false
			for _, d := range j.After {
				if waiting[key(j.Post, d)] {
					blocked = true
				}
			}
			if blocked {
				later = append(later, j)
			} else {
				now = append(now, j)
			}
		}
		if len(now) == 0 {
			// Only a cycle leaves nothing ready, and validation
			// refuses cycles: say so rather than loop.
			for _, j := range later {
				r.res.Items = append(r.res.Items, Item{Action: j.Action, Outcome: OutDeferred,
					Detail: "not sent: waits for " + strings.Join(j.After, " and ") + ", which wait for it in turn"})
			}
			return nil
		}
		var ready []*job
		for _, j := range now {
			if why := r.awaited(j, finished); why != "" {
				j.result = Item{Action: j.Action, Outcome: OutDeferred, Detail: "not sent: " + why}
				r.res.Items = append(r.res.Items, j.result)
				finished[key(j.Post, j.Target)] = j
				continue
			}
			ready = append(ready, j)
		}
		if len(ready) > 0 {
			if err := r.wave(ready); err != nil {
				for _, j := range later {
					r.res.Items = append(r.res.Items, Item{Action: j.Action, Outcome: OutDeferred,
						Detail: "not sent: waits for " + strings.Join(j.After, " and ") + ", and the run stopped: " + err.Error()})
				}
				return err
			}
		}
		for _, j := range ready {
			finished[key(j.Post, j.Target)] = j
		}
		pending = later
	}
	return nil
}

// awaited says why j, which waits for the targets in j.After, cannot be
// sent now: one of them did not end published in this run. "" when all
// are published.
func (r *run) awaited(j *job, finished map[string]*job) string {
	if len(j.After) == 0 {
		return ""
	}
	rec := r.records[j.Post]
	for _, d := range j.After {
		if rec != nil && rec.Targets[d].Status == state.StatusPublished {
			continue
		}
		why := "it was not published"
		if dj := finished[j.Post+"\x00"+d]; dj != nil && dj.result.Outcome != "" {
			why = string(dj.result.Outcome)
			if dj.result.Detail != "" {
				why += ": " + dj.result.Detail
			}
		}
		return fmt.Sprintf("waits for %s, which is not published (%s); sent once it is", d, why)
	}
	return ""
}

// wave runs the protocol's steps over jobs: load, look-ups, intents,
// calls, results.
func (r *run) wave(jobs []*job) error {
	r.jobs = jobs
	if err := r.load(); err != nil {
		return err
	}
	if err := r.lookups(); err != nil {
		return err
	}
	if err := r.intents(); err != nil {
		return err
	}
	if err := r.calls(); err != nil {
		return err
	}
	return r.results()
}

// load reads each job's record (and a move's old one) and renders its
// payload. A post that cannot be rendered fails its job, not the run.
func (r *run) load() error {
	for _, j := range r.jobs {
		rec, err := r.record(j.Post, j.File)
		if err != nil {
			return err
		}
		if j.Kind == Move {
			old, err := r.ap.Store.Load(r.ctx, j.From)
			if err != nil {
				return fmt.Errorf("move %s: %w", j.From, err)
			}
			j.prev, j.hadPrev = old.Targets[j.Target], true
		} else if ts, ok := rec.Targets[j.Target]; ok {
			j.prev, j.hadPrev = ts, true
		}
		if j.Kind != Move && j.Kind != Delete {
			pl, err := r.ap.Payload(r.ctx, j.Action, PublishedURLs(rec))
			if err != nil {
				j.result = Item{Action: j.Action, Outcome: OutFailed, Detail: "render: " + err.Error()}
				continue
			}
			j.payload = pl
		}
	}
	return nil
}

// lookups asks the platforms about the attempts earlier runs left with an
// unknown outcome, before anything is sent. Found: published. Surely not
// there: sent again with the same key, after an intent. Cannot tell:
// unknown, for a person.
//
// A retry of a thread whose first parts a cut-short publish recorded
// needs no look-up: the parts that exist are in state, and the rest is
// surely not posted, so it resumes.
func (r *run) lookups() error {
	var lookups []*job
	for _, j := range r.jobs {
		if j.result.Outcome != "" {
			continue
		}
		switch {
		case j.Kind == Resolve:
			j.key = platforms.AttemptKey(j.prev.Attempt)
			j.attempts, j.attemptAt = max(j.prev.Attempts, 1), j.prev.LastAttemptAt
			lookups = append(lookups, j)
		case j.Kind == Retry && len(j.prev.IDs) > 0 && j.payload != nil:
			r.resumeRetry(j)
		}
	}
	return r.each(lookups, r.lookup)
}

// resumeRetry makes a retry of a thread cut short resume it: the parts
// that state records exist, the rest surely does not.
func (r *run) resumeRetry(j *job) {
	j.key = platforms.AttemptKey(j.prev.Attempt)
	providers, err := r.ap.Providers(j.account())
	if err != nil || len(providers) == 0 {
		if err == nil {
			err = errors.New("no provider")
		}
		j.fail(r.ap, state.KindConfig, err, time.Time{})
		return
	}
	pub, err := j.provider(providers)
	if err != nil {
		j.fail(r.ap, state.KindConfig, err, time.Time{})
		return
	}
	if _, ok := pub.(platforms.Resumer); !ok || pub.Name() != j.prev.Provider {
		j.unknownThread(r.ap, pub, receipt(j.prev), len(j.payload.Parts), j.prev.Provider+", which holds them, cannot post the rest of the thread")
		return
	}
	j.resume, j.resumeBy = receipt(j.prev), pub
}

// intents records every create, retry and re-send as publishing with this
// run's marker, commits, and pushes with Push, before any platform is
// called. After the push, an intent that a concurrent run's displaced is
// skipped: that run owns the target. When the intents cannot be recorded,
// nothing is sent: every job is deferred and the error returned.
func (r *run) intents() error {
	now := r.ap.Now().UTC()
	var intents []*job
	for _, j := range r.jobs {
		if j.payload == nil || j.result.Outcome != "" || !(j.Kind == Create || j.Kind == Retry || j.resend || j.resume != nil) {
			continue
		}
		if r.stopped() {
			// Nothing is recorded, so nothing is sent: the next run
			// plans it again.
			j.result = Item{Action: j.Action, Outcome: OutDeferred, Detail: "not sent: herald was stopping; left for the next run"}
			continue
		}
		if !j.resend && j.resume == nil {
			j.key = platforms.AttemptKey(r.ap.NewKey())
		}
		ts := j.prev
		ts.Status = state.StatusPublishing
		ts.Attempt = string(j.key)
		ts.Attempts++
		ts.Run = r.id
		j.attempts, j.attemptAt = ts.Attempts, now
		ts.Hash = j.payload.Hash
		ts.LastAttemptAt, ts.UpdatedAt = now, now
		ts.NextRetryAt = time.Time{}
		ts.LastError = nil
		j.slot(&ts)
		ts.Variant = j.Variant
		// Which provider this attempt reaches is not known yet.
		ts.Provider = ""
		if j.resume != nil {
			// The parts that exist stay recorded with the provider that
			// holds them, and so does when the attempt began: a crash
			// during the resume is settled by a look-up, which must
			// reach back to part 1.
			ts.IDs, ts.URLs, ts.Extra = j.resume.IDs, j.resume.URLs, j.resume.Extra
			ts.Provider = j.resumeBy.Name()
			ts.Hash = j.resumedHash()
			j.attemptAt = j.prev.LastAttemptAt
			ts.LastAttemptAt = j.prev.LastAttemptAt
		}
		rec := r.records[j.Post]
		rec.File = j.File
		setTarget(rec, j.Target, ts)
		intents = append(intents, j)
	}
	if len(intents) == 0 {
		return nil
	}
	// Records only: files a platform wrote into the repository (a feed)
	// go with the results that describe them.
	if err := r.commit(intents, fmt.Sprintf("publishing %s", count(len(intents), "target")), true); err != nil {
		return r.abandon(err)
	}
	if err := r.ap.hook(StepAfterIntentCommit, nil); err != nil {
		return err
	}
	if !r.ap.Push {
		return nil
	}
	if err := r.push(); err != nil {
		return r.abandon(fmt.Errorf("push intents: %w", err))
	}
	if err := r.ap.hook(StepAfterIntentPush, nil); err != nil {
		return err
	}
	// The push may have merged a concurrent run's records: keep only the
	// intents that are still this run's.
	for _, j := range intents {
		rec, err := r.reload(j.Post)
		if err != nil {
			return fmt.Errorf("reload %s after push: %w", j.Post, err)
		}
		r.records[j.Post] = rec
		if ts := rec.Targets[j.Target]; ts.Attempt != string(j.key) || ts.Run != r.id {
			j.result = Item{Action: j.Action, Outcome: OutSkipped,
				Detail: fmt.Sprintf("a concurrent run recorded its own attempt (%s, status %s) first: it owns this target", ts.Attempt, ts.Status)}
			j.payload, j.ts = nil, nil
		}
	}
	return nil
}

// calls makes the platform calls. Each account's jobs start in plan
// order, at most Concurrency at a time; a job waiting for its account's
// rate limit holds no call slot, so a long queue on one account never
// idles the others.
func (r *run) calls() error {
	var calls []*job
	for _, j := range r.jobs {
		if j.result.Outcome == "" || j.resend && j.payload != nil {
			calls = append(calls, j)
		}
	}
	return r.each(calls, r.act)
}

// results records every job's outcome, commits it with the files adapters
// staged, and pushes with Push.
func (r *run) results() error {
	now := r.ap.Now().UTC()
	var changed []*job
	wave := &Result{}
	for _, j := range r.jobs {
		r.res.Items = append(r.res.Items, j.result)
		wave.Items = append(wave.Items, j.result)
		if j.ts == nil {
			continue
		}
		ts := *j.ts
		ts.UpdatedAt = now
		if j.Kind == Move {
			moveTarget(r.records, j, ts)
		} else {
			setTarget(r.records[j.Post], j.Target, ts)
		}
		changed = append(changed, j)
	}
	for _, j := range r.jobs {
		r.ap.observe(j)
	}
	for _, it := range wave.Items {
		r.ap.Logger.Info("applied", "post_id", it.Post, "target", it.Target, "action", string(it.Kind),
			"outcome", string(it.Outcome), "detail", it.Detail)
	}
	if len(changed) == 0 {
		return nil
	}
	if err := r.ap.hook(StepBeforeResultCommit, nil); err != nil {
		return err
	}
	if err := r.commit(changed, summarize(wave), false); err != nil {
		return err
	}
	if err := r.ap.hook(StepBeforeResultPush, nil); err != nil {
		return err
	}
	if r.ap.Push {
		if err := r.push(); err != nil {
			return fmt.Errorf("push results: %w", err)
		}
	}
	return nil
}

// push pushes the store's commits, on a context of its own (storeCtx).
func (r *run) push() error {
	ctx, cancel := r.storeCtx()
	defer cancel()
	if err := r.ap.Store.Push(ctx); err != nil {
		return withCause(ctx, err)
	}
	return nil
}

// reload reads a record again, on a context of its own (storeCtx).
func (r *run) reload(id string) (*state.Record, error) {
	ctx, cancel := r.storeCtx()
	defer cancel()
	rec, err := r.ap.Store.Load(ctx, id)
	return rec, withCause(ctx, err)
}

// withCause adds to err why ctx ended, when it did: "context canceled"
// alone does not say that a grace period ran out.
func withCause(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) && cause != ctx.Err() {
		return fmt.Errorf("%w (%v)", err, cause)
	}
	return err
}

// randomKey is 16 random bytes in hex.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// abandon ends a run that could not record its intents: nothing was sent,
// so every action is deferred to the next run.
func (r *run) abandon(err error) error {
	for _, j := range r.jobs {
		it := j.result
		if it.Outcome == "" {
			it = Item{Action: j.Action, Outcome: OutDeferred, Detail: "state could not be recorded, so nothing was sent: " + err.Error()}
		}
		r.res.Items = append(r.res.Items, it)
	}
	return err
}

// record returns the record of post id, loaded once per run; a post
// with no record yet gets an empty one.
func (r *run) record(id, file string) (*state.Record, error) {
	if rec, ok := r.records[id]; ok {
		return rec, nil
	}
	rec, err := r.ap.Store.Load(r.ctx, id)
	switch {
	case errors.Is(err, state.ErrNotFound):
		rec = &state.Record{Post: id, File: file}
	case err != nil:
		return nil, fmt.Errorf("load state of %s: %w", id, err)
	}
	r.records[id] = rec
	return rec, nil
}

func setTarget(r *state.Record, name string, ts state.TargetState) {
	if r.Targets == nil {
		r.Targets = map[string]state.TargetState{}
	}
	r.Targets[name] = ts
}

// moveTarget carries a target's state from the old record to the new one.
func moveTarget(records map[string]*state.Record, j *job, ts state.TargetState) {
	rec := records[j.Post]
	rec.File = j.File
	setTarget(rec, j.Target, ts)
	if old, ok := records[j.From]; ok {
		delete(old.Targets, j.Target)
	}
}

// commit stages the records the jobs touch and commits them, with the
// files adapters staged in the store unless recordsOnly.
func (r *run) commit(jobs []*job, summary string, recordsOnly bool) error {
	seen := map[string]bool{}
	var put []*state.Record
	for _, j := range jobs {
		ids := []string{j.Post}
		if j.Kind == Move {
			ids = append(ids, j.From)
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if rec, ok := r.records[id]; ok {
				put = append(put, rec)
			}
		}
	}
	sort.Slice(put, func(i, k int) bool { return put[i].Post < put[k].Post })
	if err := r.ap.Store.Put(put...); err != nil {
		return err
	}
	ctx, cancel := r.storeCtx()
	defer cancel()
	_, err := r.ap.Store.Commit(ctx, state.CommitInfo{Summary: summary, Time: r.ap.Now(), RecordsOnly: recordsOnly})
	if errors.Is(err, state.ErrNoChanges) {
		return nil
	}
	return withCause(ctx, err)
}

// act performs one job's platform calls and sets its result and state.
func (r *run) act(j *job) {
	if j.Kind == Move {
		ts := j.prev
		j.ts = &ts
		j.result = Item{Action: j.Action, Outcome: OutMoved, Detail: "state moved from " + j.From, URL: first(ts.URLs)}
		return
	}
	providers, err := r.ap.Providers(j.account())
	if err != nil || len(providers) == 0 {
		if err == nil {
			err = errors.New("no provider")
		}
		j.fail(r.ap, state.KindConfig, err, time.Time{})
		return
	}
	switch {
	case j.resume != nil:
		r.resumeThread(j)
	case j.Kind == Create || j.Kind == Retry:
		r.publish(j, providers)
	case j.Kind == Resolve:
		// Only an attempt found not to have landed reaches here.
		r.publish(j, providers)
		if j.result.Outcome == OutPublished {
			j.result.Detail = "the earlier attempt had not landed; published with the same attempt key"
		}
	case j.Kind == Update:
		r.update(j, providers)
	case j.Kind == Delete:
		r.delete(j, providers)
	}
}

// provider returns the adapter that published j's target, for updates,
// deletes, look-ups and metrics: calls go the way the post went. A target
// whose state names no provider (recorded before providers were
// recorded) goes to the first. A provider the account no longer lists is
// an error, never a call through another provider, which would not know
// the post's IDs.
func (j *job) provider(providers []platforms.Publisher) (platforms.Publisher, error) {
	if j.prev.Provider == "" {
		return providers[0], nil
	}
	names := make([]string, len(providers))
	for i, p := range providers {
		if p.Name() == j.prev.Provider {
			return p, nil
		}
		names[i] = p.Name()
	}
	return nil, fmt.Errorf("the post went out through %s, which account %s no longer lists among its providers (%s): add %s back to reach the post",
		j.prev.Provider, j.Target, strings.Join(names, ", "), j.prev.Provider)
}

// publish sends a create, a retry or a re-send, failing over to the next
// provider only when the failure proves nothing was posted (the error's
// outcome is NotCreated and no part of a thread is out): a refused
// login, a 401, a 429, a validation error, a Prepare that cannot render
// the post for a relay. While a next provider is listed, a retryable
// refusal is not retried on the same provider: the next one is tried at
// once, and only the last provider's refusals wait and retry. A timeout
// after sending, a 5xx the platform may have acted on, or anything else
// of unknown outcome stops the failover: the attempt stays publishing
// with the provider it reached, and the next run asks that provider.
func (r *run) publish(j *job, providers []platforms.Publisher) {
	ap := r.ap
	var refused []string // "provider: error" of each provider that refused
	for i, pub := range providers {
		next := i+1 < len(providers)
		payload, err := platforms.Prepare(pub, j.payload)
		if err != nil {
			if next {
				refused = append(refused, pub.Name()+": "+err.Error())
				ap.Logger.Warn("failing over", "post_id", j.Post, "target", j.Target, "from", pub.Name(), "to", providers[i+1].Name(), "error", err.Error())
				continue
			}
			j.fail(ap, state.KindValidation, refusedToo(err, refused), time.Time{})
			return
		}
		var rc *platforms.Receipt
		j.failover = next
		err = r.call(j, pub, func(ctx context.Context) error {
			var err error
			rc, err = pub.Publish(ctx, payload, j.key)
			if err != nil && rc != nil && len(rc.IDs) > 0 {
				// Part of a thread is out: publishing again would
				// post it twice.
				return final(err)
			}
			return err
		})
		j.failover = false
		if err == nil {
			detail := ""
			if len(refused) > 0 {
				detail = "published through " + pub.Name() + " after " + strings.Join(refused, "; ")
			}
			j.published(ap, pub, rc, OutPublished, detail)
			return
		}
		if r.cutShort(err) && platforms.OutcomeOf(err) == platforms.NotCreated && (rc == nil || len(rc.IDs) == 0) {
			err = r.stopping()
		}
		var d *errDeferred
		if next && !r.stopped() && errors.As(err, &d) {
			// This provider's rate limit outlasts the run: the next
			// provider has limits of its own.
			refused = append(refused, pub.Name()+": "+d.why)
			continue
		}
		if j.deferred(ap, err) {
			return
		}
		switch outcome := platforms.OutcomeOf(err); {
		case rc != nil && len(rc.IDs) > 0:
			j.cut(ap, pub, rc, len(payload.Parts), err)
			return
		case outcome == platforms.Created:
			j.published(ap, pub, rc, OutPublished, "created, but the platform then failed: "+err.Error())
			return
		case outcome == platforms.Unknown:
			// Leave it publishing: the next run asks the platform,
			// through the provider the attempt reached.
			ts := j.prev
			ts.Status, ts.Hash = state.StatusPublishing, j.payload.Hash
			j.stamp(&ts)
			ts.Provider = pub.Name()
			ts.LastError = &state.Error{Message: err.Error(), Kind: state.KindUnknownOutcome}
			j.ts = &ts
			detail := "may have been posted (" + err.Error() + "): the next run looks it up before anything else"
			if next {
				detail += ", through " + pub.Name() + " (no failover: only a failure that proves nothing was posted fails over)"
			}
			j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: detail}
			return
		case next:
			refused = append(refused, pub.Name()+": "+err.Error())
			ap.Logger.Warn("failing over", "post_id", j.Post, "target", j.Target, "from", pub.Name(), "to", providers[i+1].Name(), "error", err.Error())
			continue
		default:
			j.fail(ap, kindOf(err), refusedToo(err, refused), ap.retryAt(err, j.prev.Attempts+1))
			return
		}
	}
}

// refusedToo adds to the last provider's error what the providers before
// it answered, so that a failure after failover names every refusal.
func refusedToo(err error, refused []string) error {
	if len(refused) == 0 {
		return err
	}
	return fmt.Errorf("%w (after failing over from %s)", err, strings.Join(refused, "; "))
}

// lookup asks the platform about an attempt whose outcome is unknown.
func (r *run) lookup(j *job) {
	ap := r.ap
	providers, err := ap.Providers(j.account())
	if err != nil || len(providers) == 0 {
		if err == nil {
			err = errors.New("no provider")
		}
		j.unknown(ap, "cannot look the earlier attempt up ("+err.Error()+"): "+j.check())
		return
	}
	// A run that died after failing over did not record which provider
	// it reached: then every provider is asked, and the attempt is surely
	// not posted only when each of them says so.
	asked := providers
	if j.prev.Provider != "" {
		pub, err := j.provider(providers)
		if err != nil {
			j.unknown(ap, "cannot look the earlier attempt up ("+err.Error()+"): "+j.check())
			return
		}
		asked = []platforms.Publisher{pub}
	}
	for _, pub := range asked {
		finder, ok := pub.(platforms.Finder)
		if !ok {
			j.unknown(ap, pub.Name()+" cannot look up a post, so whether the earlier attempt landed cannot be told: "+j.check())
			return
		}
		var rc *platforms.Receipt
		err := r.call(j, pub, func(ctx context.Context) error {
			var err error
			rc, err = finder.Find(ctx, j.payload, platforms.Attempt{Key: j.key, Began: j.prev.LastAttemptAt})
			return err
		})
		var inc *platforms.IncompleteError
		switch {
		case err == nil && !extends(rc, j.prev.IDs):
			j.unknown(ap, fmt.Sprintf("the look-up found a post (%s) that is not the one state records (%s): %s",
				strings.Join(ids(rc), ", "), strings.Join(j.prev.IDs, ", "), j.check()))
			return
		case err == nil:
			j.published(ap, pub, rc, OutPublished, "found the earlier attempt on "+j.Platform)
			return
		case errors.As(err, &inc) && rc != nil:
			r.found(j, pub, rc, inc)
			return
		case errors.Is(err, platforms.ErrNotFound) && len(j.prev.IDs) > 0:
			// State records parts that the platform no longer shows:
			// sending the thread again could post them twice.
			j.unknown(ap, fmt.Sprintf("state records parts 1 to %d (%s) as posted, but %s finds none of them (deleted?): %s",
				len(j.prev.IDs), strings.Join(j.prev.IDs, ", "), pub.Name(), j.check()))
			return
		case errors.Is(err, platforms.ErrNotFound):
			continue
		case r.cutShort(err):
			// The look-up was cut, not answered: the attempt stays
			// publishing, and the next run asks again.
			j.result = Item{Action: j.Action, Outcome: OutDeferred, Detail: "the look-up was cut short: " + context.Cause(r.callCtx).Error() + "; the next run looks it up again"}
			return
		default:
			if j.deferred(ap, err) {
				return
			}
			j.unknown(ap, "could not tell whether the earlier attempt landed: "+err.Error()+": "+j.check())
			return
		}
	}
	j.resend = true
}

// found settles a look-up that proved parts 1..k of the attempt's thread
// exist and the rest surely does not: the rest is posted, under a new
// intent, when the adapter can resume a thread and the attempt's run is
// over; otherwise a person decides.
//
// The attempt's run is over when its marker is not this run's. That
// suffices because runs on one repository do not overlap: the shipped
// workflow runs in one concurrency group, and serve reconciles in a
// single loop. A run that is still publishing the thread elsewhere would
// post the same parts, so herald must not be run twice at once on one
// repository; the intent merge, which lets only one of two recovering
// runs send, is the second line of defence, as for any re-send.
func (r *run) found(j *job, pub platforms.Publisher, rc *platforms.Receipt, inc *platforms.IncompleteError) {
	k, n := len(rc.IDs), len(j.payload.Parts)
	_, canResume := pub.(platforms.Resumer)
	switch {
	case k == 0 || k != inc.Found || inc.Total != n || k >= n:
		j.unknown(r.ap, fmt.Sprintf("the look-up found %d parts and says %d of %d exist, but the post has %d parts: %s",
			k, inc.Found, inc.Total, n, j.check()))
	case !extends(rc, j.prev.IDs):
		j.unknown(r.ap, fmt.Sprintf("the look-up found parts %s, which are not those state records (%s): %s",
			strings.Join(rc.IDs, ", "), strings.Join(j.prev.IDs, ", "), j.check()))
	case !canResume:
		j.unknownThread(r.ap, pub, rc, n, pub.Name()+" cannot post the rest of a thread")
	case j.prev.Run == r.id:
		j.unknownThread(r.ap, pub, rc, n, "the attempt is this run's own, so it may still be posting")
	default:
		j.resume, j.resumeBy = rc, pub
	}
}

// resumeThread posts the rest of a thread whose first parts exist, as
// replies to the last of them, and records every part.
func (r *run) resumeThread(j *job) {
	ap := r.ap
	pub := j.resumeBy
	rs := pub.(platforms.Resumer)
	payload, err := platforms.Prepare(pub, j.payload)
	if err != nil {
		j.cut(ap, pub, j.resume, len(j.payload.Parts), &platforms.APIError{Platform: pub.Name(), Message: err.Error(), Outcome: platforms.NotCreated, Err: err})
		return
	}
	k, n := len(j.resume.IDs), len(payload.Parts)
	if k >= n {
		// The post now has no more parts than exist (it was edited
		// since): nothing is left to post.
		j.published(ap, pub, j.resume, OutPublished, fmt.Sprintf("the %d parts posted already hold the whole post", k))
		j.ts.Hash = j.resumedHash()
		return
	}
	var rc *platforms.Receipt
	err = r.call(j, pub, func(ctx context.Context) error {
		var err error
		rc, err = rs.Resume(ctx, j.resume, payload, j.key)
		if err != nil && rc != nil && len(rc.IDs) > k {
			return final(err)
		}
		return err
	})
	if rc == nil || len(rc.IDs) < k {
		rc = j.resume
	}
	if r.cutShort(err) && platforms.OutcomeOf(err) == platforms.NotCreated && len(rc.IDs) == k {
		err = r.stopping()
	}
	switch {
	case err == nil && len(rc.IDs) >= n:
		j.published(ap, pub, rc, OutPublished, fmt.Sprintf("parts 1 to %d of %d were posted by an earlier attempt; posted parts %d to %d as replies to part %d", k, n, k+1, n, k))
		j.ts.Hash = j.resumedHash()
	case err == nil:
		err = fmt.Errorf("%s resumed the thread but returned %d of its %d parts", pub.Name(), len(rc.IDs), n)
		j.cut(ap, pub, rc, n, &platforms.APIError{Platform: pub.Name(), Message: err.Error(), Outcome: platforms.Unknown, Err: err})
	case j.deferred(ap, err):
	default:
		j.cut(ap, pub, rc, n, err)
	}
}

// update edits a published post through the provider that published it.
func (r *run) update(j *job, providers []platforms.Publisher) {
	ap := r.ap
	pub, err := j.provider(providers)
	if err != nil {
		j.keepWithError(ap, state.KindConfig, err)
		return
	}
	up, ok := pub.(platforms.Updater)
	if !ok {
		j.result = Item{Action: j.Action, Outcome: OutSkipped, Detail: pub.Name() + " cannot edit a published post"}
		return
	}
	payload, err := platforms.Prepare(pub, j.payload)
	if err != nil {
		j.keepWithError(ap, state.KindValidation, err)
		return
	}
	var rc *platforms.Receipt
	err = r.call(j, pub, func(ctx context.Context) error {
		var err error
		rc, err = up.Update(ctx, receipt(j.prev), payload)
		return err
	})
	if r.cutShort(err) {
		// Cut by the stop: the edit may or may not be made, and making
		// it again is harmless.
		err = r.stopping()
	}
	if err != nil {
		if !j.deferred(ap, err) {
			j.keepWithError(ap, kindOf(err), err)
		}
		return
	}
	j.published(ap, pub, rc, OutUpdated, "")
}

// delete removes a published post through the provider that published
// it; a post already gone counts as deleted.
func (r *run) delete(j *job, providers []platforms.Publisher) {
	ap := r.ap
	pub, err := j.provider(providers)
	if err != nil {
		j.keepWithError(ap, state.KindConfig, err)
		return
	}
	del, ok := pub.(platforms.Deleter)
	if !ok {
		j.result = Item{Action: j.Action, Outcome: OutSkipped, Detail: pub.Name() + " cannot delete a post"}
		return
	}
	err = r.call(j, pub, func(ctx context.Context) error { return del.Delete(ctx, receipt(j.prev)) })
	if r.cutShort(err) {
		// Cut by the stop: deleting again finds it gone at worst.
		err = r.stopping()
	}
	if err != nil && !errors.Is(err, platforms.ErrDeletedRemotely) {
		if !j.deferred(ap, err) {
			j.keepWithError(ap, kindOf(err), err)
		}
		return
	}
	ts := j.prev
	ts.Status, ts.LastError = state.StatusDeleted, nil
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: OutDeleted, URL: first(ts.URLs)}
	if d, ok := pub.(platforms.DeleteDescriber); ok {
		j.result.Detail = d.DeleteMeans()
	}
}

// CredentialRetry is how long a target whose account's credentials were
// refused waits before a run tries it again by itself.
const CredentialRetry = 6 * time.Hour

// retryAt is when a later run may retry a failure: never by itself for a
// failure that will not pass (auth, validation), else after backoff.
func (ap *Applier) retryAt(err error, attempts int) time.Time {
	if k := kindOf(err); k == state.KindAuth || k == state.KindReconnect {
		// Refused credentials are fixed outside the post (a rotated
		// secret, herald auth): try again now and then, which is safe,
		// since a refusal proves nothing was posted.
		return ap.Now().Add(CredentialRetry).UTC()
	}
	if !platforms.IsRetryable(err) {
		return time.Time{}
	}
	wait := ap.backoff(attempts)
	var ae *platforms.APIError
	if errors.As(err, &ae) && ae.RetryAfter > wait {
		wait = ae.RetryAfter
	}
	return ap.Now().Add(wait).UTC()
}

func (j *job) deferred(ap *Applier, err error) bool {
	var d *errDeferred
	if !errors.As(err, &d) {
		return false
	}
	if j.Kind == Create || j.Kind == Retry {
		// The intent said publishing; nothing was sent, so say so.
		ts := j.prev
		ts.Status = state.StatusFailed
		j.stamp(&ts)
		ts.NextRetryAt = d.until.UTC()
		ts.LastError = &state.Error{Message: "not sent: " + d.why, Kind: state.KindDeferred}
		ts.Hash = j.payload.Hash
		if j.resume != nil {
			ts.Hash = j.resumedHash()
		}
		j.ts = &ts
	}
	j.result = Item{Action: j.Action, Outcome: OutDeferred, Detail: d.why + "; left for the next run"}
	return true
}

func (j *job) published(ap *Applier, pub platforms.Publisher, rc *platforms.Receipt, out Outcome, detail string) {
	ts := j.prev
	ts.Status = state.StatusPublished
	j.stamp(&ts)
	ts.Variant = j.Variant
	ts.Provider = pub.Name()
	if j.payload != nil {
		ts.Hash = j.payload.Hash
	}
	ts.LastError, ts.NextRetryAt = nil, time.Time{}
	ts.Manual = ""
	if rc != nil && rc.Manual != "" {
		// Nothing is published: a person publishes what the adapter
		// prepared (Extra says where), then records the URL.
		ts.Status, ts.Manual = state.StatusManual, rc.Manual
		ts.IDs, ts.URLs, ts.Extra = nil, nil, rc.Extra
		j.ts = &ts
		j.result = Item{Action: j.Action, Outcome: OutManual,
			Detail: fmt.Sprintf("%s cannot be published through an API: %s; then run herald resolve %s %s --published URL", j.Platform, rc.Manual, j.Post, j.Target)}
		return
	}
	if rc != nil {
		ts.IDs, ts.URLs, ts.Extra = rc.IDs, rc.URLs, rc.Extra
		if ts.FirstPublishedAt.IsZero() {
			ts.FirstPublishedAt = rc.PublishedAt.UTC()
		}
	}
	if ts.FirstPublishedAt.IsZero() {
		ts.FirstPublishedAt = ap.Now().UTC()
	}
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: out, Detail: detail, URL: first(ts.URLs)}
}

// slot records a queued post's slot on ts, with its first intent: from
// then on no other post takes it, whatever the outcome; and which text
// an occurrence of a recurring post is sent with.
func (j *job) slot(ts *state.TargetState) {
	if j.Queue != "" && j.At != nil && ts.Slot.IsZero() {
		ts.Slot = j.At.UTC()
	}
	if j.Occurrence > 0 {
		// The text an occurrence of a recurring post was sent with.
		ts.Text = j.Text
	}
}

// stamp records this run's attempt (key, count, time) on ts, when the job
// made one; updates and deletes carry the published attempt unchanged.
func (j *job) stamp(ts *state.TargetState) {
	j.slot(ts)
	if j.key == "" {
		return
	}
	ts.Attempt, ts.Attempts = string(j.key), j.attempts
	if !j.attemptAt.IsZero() {
		ts.LastAttemptAt = j.attemptAt
	}
}

func (j *job) fail(ap *Applier, kind state.ErrorKind, err error, retryAt time.Time) {
	ts := j.prev
	ts.Status = state.StatusFailed
	j.stamp(&ts)
	if j.payload != nil {
		ts.Hash = j.payload.Hash
	}
	ts.NextRetryAt = retryAt
	ts.LastError = &state.Error{Message: err.Error(), Kind: kind}
	j.ts = &ts
	detail := err.Error()
	switch {
	case kind == state.KindAuth || kind == state.KindReconnect:
		detail += fmt.Sprintf(" (tried again after %s; once the account's credentials are fixed, herald resolve %s %s --not-published retries at once)",
			retryAt.Format(time.RFC3339), j.Post, j.Target)
	case retryAt.IsZero():
		detail += " (not retried by itself: fix the cause, then edit the post or run herald resolve --not-published)"
	default:
		detail += " (retry after " + retryAt.Format(time.RFC3339) + ")"
	}
	j.result = Item{Action: j.Action, Outcome: OutFailed, Detail: detail}
}

func (j *job) unknown(ap *Applier, why string) {
	ts := j.prev
	ts.Status = state.StatusUnknown
	ts.LastError = &state.Error{Message: why, Kind: state.KindUnknownOutcome}
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: why}
}

// check says what a person checks, and the command that records what
// they found, for an attempt herald cannot settle.
func (j *job) check() string {
	what := "the attempt"
	if j.key != "" {
		what = "attempt " + string(j.key)
	}
	if !j.prev.LastAttemptAt.IsZero() {
		what += ", made from " + j.prev.LastAttemptAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("check the account %s on %s for the post (%s), then run herald resolve %s %s --published URL if it is there, or --not-published if it is not",
		j.Target, j.Platform, what, j.Post, j.Target)
}

// cut records a thread cut short: rc holds the parts that exist, k of n,
// and err is what stopped part k+1. When err proves part k+1 was not
// created, the next attempt posts the rest (failed, retried like any
// failure), or a person does when the adapter cannot resume; when part
// k+1 may exist, the next run looks the thread up.
func (j *job) cut(ap *Applier, pub platforms.Publisher, rc *platforms.Receipt, n int, err error) {
	k := len(rc.IDs)
	if platforms.OutcomeOf(err) != platforms.NotCreated {
		ts := j.prev
		ts.Status = state.StatusPublishing
		j.stamp(&ts)
		ts.IDs, ts.URLs, ts.Extra, ts.Provider = rc.IDs, rc.URLs, rc.Extra, pub.Name()
		ts.Hash = j.resumedHash()
		msg := fmt.Sprintf("parts 1 to %d of %d were posted, then part %d may or may not have been (%s): the next run looks the thread up before anything else",
			k, n, k+1, err)
		ts.LastError = &state.Error{Message: msg, Kind: state.KindUnknownOutcome}
		j.ts = &ts
		j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: msg, URL: first(rc.URLs)}
		return
	}
	if _, ok := pub.(platforms.Resumer); !ok {
		j.unknownThread(ap, pub, rc, n, fmt.Sprintf("part %d failed (%s), and %s cannot post the rest of a thread", k+1, err, pub.Name()))
		return
	}
	retryAt := ap.retryAt(err, j.prev.Attempts+1)
	ts := j.prev
	ts.Status = state.StatusFailed
	j.stamp(&ts)
	ts.IDs, ts.URLs, ts.Extra, ts.Provider = rc.IDs, rc.URLs, rc.Extra, pub.Name()
	ts.Hash = j.resumedHash()
	ts.NextRetryAt = retryAt
	msg := fmt.Sprintf("parts 1 to %d of %d were posted, then part %d failed: %s; the next attempt posts parts %d to %d as replies to part %d",
		k, n, k+1, err, k+1, n, k)
	ts.LastError = &state.Error{Message: msg, Kind: state.KindPartial}
	j.ts = &ts
	if retryAt.IsZero() {
		msg += " (not retried by itself: fix the cause, then edit the post)"
	} else {
		msg += " (retry after " + retryAt.Format(time.RFC3339) + ")"
	}
	j.result = Item{Action: j.Action, Outcome: OutFailed, Detail: msg, URL: first(rc.URLs)}
}

// unknownThread records a thread found or left in part that herald cannot
// finish by itself, and says how a person does.
func (j *job) unknownThread(ap *Applier, pub platforms.Publisher, rc *platforms.Receipt, n int, why string) {
	k := len(rc.IDs)
	last := "part " + strconv.Itoa(k)
	if k <= len(rc.URLs) && rc.URLs[k-1] != "" {
		last += " (" + rc.URLs[k-1] + ")"
	} else {
		last += " (ID " + rc.IDs[k-1] + ")"
	}
	msg := fmt.Sprintf("parts 1 to %d of %d were posted (IDs %s) and none of the rest, but %s: post parts %d to %d by hand, each a reply to the one before, the first to %s, then run herald resolve %s %s --published URL-OF-PART-1 --id %s,...; or delete the posted parts and run herald resolve %s %s --not-published",
		k, n, strings.Join(rc.IDs, ","), why, k+1, n, last, j.Post, j.Target, strings.Join(rc.IDs, ","), j.Post, j.Target)
	ts := j.prev
	ts.Status = state.StatusUnknown
	j.stamp(&ts)
	ts.IDs, ts.URLs, ts.Extra, ts.Provider = rc.IDs, rc.URLs, rc.Extra, pub.Name()
	if j.payload != nil {
		ts.Hash = j.resumedHash()
	}
	ts.LastError = &state.Error{Message: msg, Kind: state.KindPartial}
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: msg, URL: first(rc.URLs)}
}

// resumedHash is the content hash to record for a thread resumed with the
// current payload: the one recorded with its first parts, which were
// posted from it, so that a post edited since shows in the next plan as
// an update (or drift) of those parts; the payload's when none was.
func (j *job) resumedHash() string {
	if j.prev.Hash != "" {
		return j.prev.Hash
	}
	return j.payload.Hash
}

// extends reports whether rc's parts begin with the parts known, so that
// a look-up never replaces what state records with another post.
func extends(rc *platforms.Receipt, known []string) bool {
	got := ids(rc)
	return len(got) >= len(known) && slices.Equal(got[:len(known)], known)
}

func ids(rc *platforms.Receipt) []string {
	if rc == nil {
		return nil
	}
	return rc.IDs
}

// keepWithError records a failed update or delete: the published post is
// still there as it was, and the next plan proposes the action again.
func (j *job) keepWithError(ap *Applier, kind state.ErrorKind, err error) {
	ts := j.prev
	ts.LastError = &state.Error{Message: err.Error(), Kind: kind}
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: OutFailed, Detail: err.Error()}
}

func receipt(ts state.TargetState) *platforms.Receipt {
	return &platforms.Receipt{Provider: ts.Provider, IDs: ts.IDs, URLs: ts.URLs, PublishedAt: ts.FirstPublishedAt, Extra: ts.Extra}
}

func kindOf(err error) state.ErrorKind {
	var ae *platforms.APIError
	switch {
	case errors.Is(err, platforms.ErrNeedsReconnect):
		return state.KindReconnect
	case errors.Is(err, platforms.ErrNotEditable):
		return state.KindNotEditable
	case errors.As(err, &ae) && ae.Status == 429:
		return state.KindRateLimit
	case errors.As(err, &ae) && (ae.Status == 401 || ae.Status == 403):
		return state.KindAuth
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500:
		return state.KindRejected
	case errors.As(err, &ae) && ae.Status >= 500:
		return state.KindServer
	}
	return state.KindError
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// summarize is the result commit's one-line summary.
func summarize(r *Result) string {
	var parts []string
	for _, o := range []Outcome{OutPublished, OutManual, OutUpdated, OutDeleted, OutMoved, OutFailed, OutUnknown, OutDeferred} {
		if n := r.Count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "record results"
	}
	return strings.Join(parts, ", ")
}

// operation names a job's platform call for the latency histogram.
func (j *job) operation() string {
	switch {
	case j.op != "":
		return j.op
	case j.Kind == Update:
		return "update"
	case j.Kind == Delete:
		return "delete"
	case j.Kind == Resolve && !j.resend:
		return "find"
	}
	return "publish"
}

func callOutcome(err error) string {
	if err != nil {
		return telemetry.CallError
	}
	return telemetry.CallOK
}

// observe reports a job's outcome, with the kind of its error when it
// failed.
func (ap *Applier) observe(j *job) {
	if ap.Metrics == nil || j.result.Outcome == "" {
		return
	}
	var kind state.ErrorKind
	if j.ts != nil && j.ts.LastError != nil {
		kind = j.ts.LastError.Kind
	} else if strings.HasPrefix(j.result.Detail, "render: ") {
		kind = state.KindRender
	}
	ap.Metrics.ObservePublish(j.Platform, j.account(), string(j.result.Outcome), string(kind))
}

// PlanTargets is what the plan gauges show of p: due (create, retry and
// resolve: to be acted on now), scheduled, and failed (retry, resolve and
// held: the last attempt failed or its outcome is unknown), and every
// kind's count.
func PlanTargets(p *Plan) telemetry.PlanTargets {
	t := telemetry.PlanTargets{ByAction: map[string]int{}}
	for _, k := range Kinds {
		t.ByAction[string(k)] = p.Summary[k]
	}
	t.Due = p.Summary[Create] + p.Summary[Retry] + p.Summary[Resolve]
	t.Scheduled = p.Summary[Scheduled]
	t.Failed = p.Summary[Retry] + p.Summary[Resolve] + p.Summary[Held]
	return t
}
