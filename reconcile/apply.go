package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"sync"
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

// PayloadFunc renders what one action's target receives.
type PayloadFunc func(ctx context.Context, a Action) (*platforms.Payload, error)

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
	// Limit gives each account's request rate and burst (default 1/s,
	// burst 5); a platform's own Retry-After and reset headers come on top.
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
	// Stop, when set and closed, ends the run gently (a controller
	// shutting down): no platform call starts after it, calls in flight
	// finish, and the results are committed (and pushed) as usual. The
	// actions not started are recorded as not sent and deferred to the
	// next run, like those a time budget leaves. Unlike cancelling ctx,
	// it never abandons a call whose outcome would then be unknown.
	Stop <-chan struct{}

	limiters sync.Map // target -> *limiter
	// calls holds one token per platform call in flight.
	calls chan struct{}
}

// limiter is one account's token bucket, plus a time before which the
// platform asked not to be called at all.
type limiter struct {
	mu      sync.Mutex
	bucket  *rate.Limiter
	blocked time.Time
}

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
		ap.Limit = func(string) (rate.Limit, int) { return rate.Limit(1), 5 }
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
	// op names the job's calls in metrics when no plan kind does (sync's
	// reads of metrics).
	op string
}

// Apply executes the acting actions of p:
//
//  0. Look-ups: an attempt an earlier run left publishing (its outcome
//     unknown) is looked up first: found, it is published; surely not
//     there, it is sent again under its own key, through step 1; cannot
//     tell, it is unknown and waits for a person.
//  1. Intent: every create, retry and re-send is recorded as publishing
//     (a fresh attempt key for creates and retries) with this run's
//     marker, committed, and pushed with Push, before any platform is
//     called. After the push, an intent that a concurrent run's intent
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
func (ap *Applier) Apply(ctx context.Context, p *Plan) (*Result, error) {
	ap.defaults()
	start := ap.Now()
	var deadline time.Time
	if ap.MaxDuration > 0 {
		deadline = start.Add(ap.MaxDuration)
	}

	res := &Result{}
	var jobs []*job
	for _, a := range p.Actions {
		if !a.Kind.Acts() {
			continue
		}
		jobs = append(jobs, &job{Action: a})
	}
	if len(jobs) == 0 {
		return res, nil
	}
	if ap.DryRun {
		for _, j := range jobs {
			res.Items = append(res.Items, Item{Action: j.Action, Outcome: OutDryRun, Detail: "would " + string(j.Kind)})
		}
		return res, nil
	}

	// Load each job's record and payload.
	records := map[string]*state.Record{}
	for _, j := range jobs {
		rec, err := ap.record(ctx, records, j.Post, j.File)
		if err != nil {
			return res, err
		}
		if j.Kind == Move {
			old, err := ap.Store.Load(ctx, j.From)
			if err != nil {
				return res, fmt.Errorf("move %s: %w", j.From, err)
			}
			j.prev, j.hadPrev = old.Targets[j.Target], true
		} else if ts, ok := rec.Targets[j.Target]; ok {
			j.prev, j.hadPrev = ts, true
		}
		if j.Kind != Move && j.Kind != Delete {
			pl, err := ap.Payload(ctx, j.Action)
			if err != nil {
				j.result = Item{Action: j.Action, Outcome: OutFailed, Detail: "render: " + err.Error()}
				continue
			}
			j.payload = pl
		}
	}

	ap.calls = make(chan struct{}, ap.Concurrency)
	runID := ap.RunID
	if runID == "" {
		runID = randomKey()
	}
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	// 0. Look-ups. An attempt an earlier run left with an unknown outcome
	// is looked up before anything is sent. Found: published. Surely not
	// there: sent again with the same key, after an intent below. Cannot
	// tell: unknown, for a person.
	var lookups []*job
	for _, j := range jobs {
		if j.Kind == Resolve && j.result.Outcome == "" {
			j.key = platforms.AttemptKey(j.prev.Attempt)
			j.attempts, j.attemptAt = max(j.prev.Attempts, 1), j.prev.LastAttemptAt
			lookups = append(lookups, j)
		}
	}
	if err := ap.each(callCtx, cancel, lookups, func(j *job) { ap.lookup(callCtx, j, deadline) }); err != nil {
		return res, err
	}

	// 1. Intents.
	now := ap.Now().UTC()
	var intents []*job
	for _, j := range jobs {
		if j.payload == nil || !(j.Kind == Create || j.Kind == Retry || j.resend) {
			continue
		}
		if !j.resend {
			j.key = platforms.AttemptKey(ap.NewKey())
		}
		ts := j.prev
		ts.Status = state.StatusPublishing
		ts.Attempt = string(j.key)
		ts.Attempts++
		ts.Run = runID
		j.attempts, j.attemptAt = ts.Attempts, now
		ts.Hash = j.payload.Hash
		ts.LastAttemptAt, ts.UpdatedAt = now, now
		ts.NextRetryAt = time.Time{}
		ts.LastError = nil
		// Which provider this attempt reaches is not known yet.
		ts.Provider = ""
		rec := records[j.Post]
		rec.File = j.File
		setTarget(rec, j.Target, ts)
		intents = append(intents, j)
	}
	if len(intents) > 0 {
		// Records only: files a platform wrote into the repository (a
		// feed) go with the results that describe them.
		if err := ap.commit(ctx, records, intents, fmt.Sprintf("publishing %s", count(len(intents), "target")), true); err != nil {
			return ap.abandon(res, jobs, err)
		}
		if err := ap.hook(StepAfterIntentCommit, nil); err != nil {
			return res, err
		}
		if ap.Push {
			if err := ap.Store.Push(ctx); err != nil {
				return ap.abandon(res, jobs, fmt.Errorf("push intents: %w", err))
			}
			if err := ap.hook(StepAfterIntentPush, nil); err != nil {
				return res, err
			}
			// The push may have merged a concurrent run's records: keep
			// only the intents that are still this run's.
			for _, j := range intents {
				rec, err := ap.Store.Load(ctx, j.Post)
				if err != nil {
					return res, fmt.Errorf("reload %s after push: %w", j.Post, err)
				}
				records[j.Post] = rec
				if ts := rec.Targets[j.Target]; ts.Attempt != string(j.key) || ts.Run != runID {
					j.result = Item{Action: j.Action, Outcome: OutSkipped,
						Detail: fmt.Sprintf("a concurrent run recorded its own attempt (%s, status %s) first: it owns this target", ts.Attempt, ts.Status)}
					j.payload, j.ts = nil, nil
				}
			}
		}
	}

	// 2. Calls. Each account's jobs start in plan order, at most
	// Concurrency at a time; a job waiting for its account's rate limit
	// holds no call slot, so a long queue on one account never idles the
	// others.
	var calls []*job
	for _, j := range jobs {
		if j.result.Outcome == "" || j.resend && j.payload != nil {
			calls = append(calls, j)
		}
	}
	if err := ap.each(callCtx, cancel, calls, func(j *job) { ap.run(callCtx, j, deadline) }); err != nil {
		return res, err
	}

	// 3. Results.
	now = ap.Now().UTC()
	var changed []*job
	for _, j := range jobs {
		res.Items = append(res.Items, j.result)
		if j.ts == nil {
			continue
		}
		ts := *j.ts
		ts.UpdatedAt = now
		if j.Kind == Move {
			moveTarget(records, j, ts)
		} else {
			setTarget(records[j.Post], j.Target, ts)
		}
		changed = append(changed, j)
	}
	for _, j := range jobs {
		ap.observe(j)
	}
	for _, it := range res.Items {
		ap.Logger.Info("applied", "post_id", it.Post, "target", it.Target, "action", string(it.Kind),
			"outcome", string(it.Outcome), "detail", it.Detail)
	}
	if len(changed) == 0 {
		return res, nil
	}
	if err := ap.hook(StepBeforeResultCommit, nil); err != nil {
		return res, err
	}
	if err := ap.commit(ctx, records, changed, summarize(res), false); err != nil {
		return res, err
	}
	if err := ap.hook(StepBeforeResultPush, nil); err != nil {
		return res, err
	}
	if ap.Push {
		if err := ap.Store.Push(ctx); err != nil {
			return res, fmt.Errorf("push results: %w", err)
		}
	}
	return res, nil
}

// randomKey is 16 random bytes in hex.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// each runs fn for every job, concurrently per account and in plan order
// within one, reaching the StepAfterCall hook after each; a hook error
// cancels the rest, as a crash would, and is returned.
func (ap *Applier) each(ctx context.Context, cancel context.CancelFunc, jobs []*job, fn func(*job)) error {
	var hookErr error
	var hookOnce sync.Once
	var targets []string
	byTarget := map[string][]*job{}
	for _, j := range jobs {
		if _, ok := byTarget[j.Target]; !ok {
			targets = append(targets, j.Target)
		}
		byTarget[j.Target] = append(byTarget[j.Target], j)
	}
	var wg sync.WaitGroup
	for _, target := range targets {
		wg.Go(func() {
			var account sync.WaitGroup
			sem := make(chan struct{}, ap.Concurrency)
			for _, j := range byTarget[target] {
				if ctx.Err() != nil {
					break
				}
				sem <- struct{}{}
				account.Go(func() {
					defer func() { <-sem }()
					fn(j)
					if err := ap.hook(StepAfterCall, &j.Action); err != nil {
						hookOnce.Do(func() { hookErr = err; cancel() })
					}
				})
			}
			account.Wait()
		})
	}
	wg.Wait()
	return hookErr
}

// abandon ends a run that could not record its intents: nothing was sent,
// so every action is deferred to the next run.
func (ap *Applier) abandon(res *Result, jobs []*job, err error) (*Result, error) {
	for _, j := range jobs {
		it := j.result
		if it.Outcome == "" {
			it = Item{Action: j.Action, Outcome: OutDeferred, Detail: "state could not be recorded, so nothing was sent: " + err.Error()}
		}
		res.Items = append(res.Items, it)
	}
	return res, err
}

func (ap *Applier) record(ctx context.Context, records map[string]*state.Record, id, file string) (*state.Record, error) {
	if r, ok := records[id]; ok {
		return r, nil
	}
	r, err := ap.Store.Load(ctx, id)
	switch {
	case errors.Is(err, state.ErrNotFound):
		r = &state.Record{Post: id, File: file}
	case err != nil:
		return nil, fmt.Errorf("load state of %s: %w", id, err)
	}
	records[id] = r
	return r, nil
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
func (ap *Applier) commit(ctx context.Context, records map[string]*state.Record, jobs []*job, summary string, recordsOnly bool) error {
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
			if r, ok := records[id]; ok {
				put = append(put, r)
			}
		}
	}
	sort.Slice(put, func(i, k int) bool { return put[i].Post < put[k].Post })
	if err := ap.Store.Put(put...); err != nil {
		return err
	}
	_, err := ap.Store.Commit(ctx, state.CommitInfo{Summary: summary, Time: ap.Now(), RecordsOnly: recordsOnly})
	if errors.Is(err, state.ErrNoChanges) {
		return nil
	}
	return err
}

// run performs one job's platform calls and sets its result and state.
func (ap *Applier) run(ctx context.Context, j *job, deadline time.Time) {
	if j.Kind == Move {
		ts := j.prev
		j.ts = &ts
		j.result = Item{Action: j.Action, Outcome: OutMoved, Detail: "state moved from " + j.From, URL: first(ts.URLs)}
		return
	}
	providers, err := ap.Providers(j.Target)
	if err != nil || len(providers) == 0 {
		if err == nil {
			err = errors.New("no provider")
		}
		j.fail(ap, "config", err, time.Time{})
		return
	}
	switch j.Kind {
	case Create, Retry:
		ap.publish(ctx, j, providers, deadline)
	case Resolve:
		// Only an attempt found not to have landed reaches here.
		ap.publish(ctx, j, providers, deadline)
		if j.result.Outcome == OutPublished {
			j.result.Detail = "the earlier attempt had not landed; published with the same attempt key"
		}
	case Update:
		ap.update(ctx, j, providers, deadline)
	case Delete:
		ap.delete(ctx, j, providers, deadline)
	}
}

// provider returns the adapter that published j's target, for updates,
// deletes and look-ups: calls go the way the post went.
func (j *job) provider(providers []platforms.Publisher) platforms.Publisher {
	for _, p := range providers {
		if p.Name() == j.prev.Provider {
			return p
		}
	}
	return providers[0]
}

func (ap *Applier) publish(ctx context.Context, j *job, providers []platforms.Publisher, deadline time.Time) {
	for i, pub := range providers {
		payload, err := platforms.Prepare(pub, j.payload)
		if err != nil {
			j.fail(ap, "validation", err, time.Time{})
			return
		}
		var rc *platforms.Receipt
		err = ap.call(ctx, j, pub, deadline, func() error {
			var err error
			rc, err = pub.Publish(ctx, payload, j.key)
			return err
		})
		if err == nil {
			j.published(ap, pub, rc, OutPublished, "")
			return
		}
		if j.deferred(ap, err) {
			return
		}
		switch outcome := platforms.OutcomeOf(err); {
		case rc != nil && len(rc.IDs) > 0:
			// Part of a thread is out: posting again would duplicate it.
			ts := j.prev
			ts.Status = state.StatusUnknown
			j.stamp(&ts)
			ts.IDs, ts.URLs, ts.Provider = rc.IDs, rc.URLs, pub.Name()
			ts.LastError = &state.Error{Message: fmt.Sprintf("%d of %d parts published, then: %s", len(rc.IDs), len(payload.Parts), err), Kind: "partial"}
			ts.Hash = j.payload.Hash
			j.ts = &ts
			j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: ts.LastError.Message, URL: first(rc.URLs)}
			return
		case outcome == platforms.Created:
			j.published(ap, pub, rc, OutPublished, "created, but the platform then failed: "+err.Error())
			return
		case outcome == platforms.Unknown:
			// Leave it publishing: the next run asks the platform.
			ts := j.prev
			ts.Status, ts.Hash = state.StatusPublishing, j.payload.Hash
			j.stamp(&ts)
			ts.Provider = pub.Name()
			ts.LastError = &state.Error{Message: err.Error(), Kind: "unknown_outcome"}
			j.ts = &ts
			j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: "may have been posted (" + err.Error() + "): the next run looks it up before anything else"}
			return
		case i+1 < len(providers) && !platforms.IsRetryable(err):
			ap.Logger.Warn("failing over", "post_id", j.Post, "target", j.Target, "from", pub.Name(), "to", providers[i+1].Name(), "error", err.Error())
			continue
		default:
			j.fail(ap, kindOf(err), err, ap.retryAt(err, j.prev.Attempts+1))
			return
		}
	}
}

func (ap *Applier) lookup(ctx context.Context, j *job, deadline time.Time) {
	providers, err := ap.Providers(j.Target)
	if err != nil || len(providers) == 0 {
		if err == nil {
			err = errors.New("no provider")
		}
		j.unknown(ap, "cannot look the earlier attempt up: "+err.Error())
		return
	}
	// A run that died after failing over did not record which provider
	// it reached: then every provider is asked, and the attempt is surely
	// not posted only when each of them says so.
	asked := providers
	if j.prev.Provider != "" {
		asked = []platforms.Publisher{j.provider(providers)}
	}
	for _, pub := range asked {
		finder, ok := pub.(platforms.Finder)
		if !ok {
			j.unknown(ap, pub.Name()+" cannot look up a post: check the platform, then run herald resolve")
			return
		}
		var rc *platforms.Receipt
		err := ap.call(ctx, j, pub, deadline, func() error {
			var err error
			rc, err = finder.Find(ctx, j.payload, platforms.Attempt{Key: j.key, Began: j.prev.LastAttemptAt})
			return err
		})
		switch {
		case err == nil:
			j.published(ap, pub, rc, OutPublished, "found the earlier attempt on "+j.Platform)
			return
		case errors.Is(err, platforms.ErrNotFound):
			continue
		default:
			if j.deferred(ap, err) {
				return
			}
			j.unknown(ap, "could not tell whether the earlier attempt landed: "+err.Error())
			return
		}
	}
	j.resend = true
}

func (ap *Applier) update(ctx context.Context, j *job, providers []platforms.Publisher, deadline time.Time) {
	pub := j.provider(providers)
	up, ok := pub.(platforms.Updater)
	if !ok {
		j.result = Item{Action: j.Action, Outcome: OutSkipped, Detail: pub.Name() + " cannot edit a published post"}
		return
	}
	payload, err := platforms.Prepare(pub, j.payload)
	if err != nil {
		j.keepWithError(ap, "validation", err)
		return
	}
	var rc *platforms.Receipt
	err = ap.call(ctx, j, pub, deadline, func() error {
		var err error
		rc, err = up.Update(ctx, receipt(j.prev), payload)
		return err
	})
	if err != nil {
		if !j.deferred(ap, err) {
			j.keepWithError(ap, kindOf(err), err)
		}
		return
	}
	j.published(ap, pub, rc, OutUpdated, "")
}

func (ap *Applier) delete(ctx context.Context, j *job, providers []platforms.Publisher, deadline time.Time) {
	pub := j.provider(providers)
	del, ok := pub.(platforms.Deleter)
	if !ok {
		j.result = Item{Action: j.Action, Outcome: OutSkipped, Detail: pub.Name() + " cannot delete a post"}
		return
	}
	err := ap.call(ctx, j, pub, deadline, func() error { return del.Delete(ctx, receipt(j.prev)) })
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
}

// errDeferred marks a call not made because its wait would outlast the
// run's budget.
type errDeferred struct {
	until time.Time
	why   string
}

func (e *errDeferred) Error() string { return e.why }

// call makes one platform call under the account's rate limit, retrying
// retryable failures that surely posted nothing, with backoff and jitter,
// as long as the wait fits the run's budget.
func (ap *Applier) call(ctx context.Context, j *job, pub platforms.Publisher, deadline time.Time, do func() error) error {
	lim := ap.limiter(j.Target)
	for attempt := 1; ; attempt++ {
		if ap.stopped() {
			return ap.stopping()
		}
		if err := ap.wait(ctx, j, lim, deadline); err != nil {
			return err
		}
		select {
		case ap.calls <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if ap.stopped() {
			<-ap.calls
			return ap.stopping()
		}
		began := ap.Now()
		err := do()
		<-ap.calls
		ap.Metrics.ObserveCall(j.Platform, j.Target, j.operation(), callOutcome(err), ap.Now().Sub(began))
		if rr, ok := pub.(platforms.RateLimitReporter); ok {
			// The platform said, in its headers, that nothing is left
			// until its reset: wait for it instead of meeting a 429.
			if remaining, reset, ok := rr.RateLimit(); ok && remaining <= 0 && reset.After(ap.Now()) {
				lim.block(reset)
			}
		}
		if err == nil {
			return nil
		}
		var ae *platforms.APIError
		if errors.As(err, &ae) && ae.RetryAfter > 0 && ae.Endpoint == "" {
			// A wait for one endpoint (X's) holds only that endpoint,
			// which the adapter does itself; any other holds the account.
			lim.block(ap.Now().Add(ae.RetryAfter))
		}
		if !platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated || attempt > ap.Retries {
			return err
		}
		wait := ap.backoff(attempt)
		if ae != nil && ae.RetryAfter > wait {
			wait = ae.RetryAfter
		}
		if !deadline.IsZero() && ap.Now().Add(wait).After(deadline) {
			return &errDeferred{until: ap.Now().Add(wait), why: fmt.Sprintf("%s; waiting %s would outlast the run's time budget", err, human(wait))}
		}
		ap.Logger.Info("retrying", "post_id", j.Post, "target", j.Target, "attempt", attempt+1, "wait", wait.String(), "error", err.Error())
		ap.Metrics.ObserveRetry(j.Platform, j.Target)
		if err := ap.stoppableSleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (ap *Applier) limiter(target string) *limiter {
	if l, ok := ap.limiters.Load(target); ok {
		return l.(*limiter)
	}
	r, burst := ap.Limit(target)
	l, _ := ap.limiters.LoadOrStore(target, &limiter{bucket: rate.NewLimiter(r, burst)})
	return l.(*limiter)
}

func (l *limiter) block(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.blocked) {
		l.blocked = until
	}
}

// wait takes a token from the account's bucket, after any time the
// platform asked for, unless that would outlast the deadline.
func (ap *Applier) wait(ctx context.Context, j *job, l *limiter, deadline time.Time) error {
	now := ap.Now()
	l.mu.Lock()
	blocked := l.blocked
	l.mu.Unlock()
	if blocked.After(now) {
		if !deadline.IsZero() && blocked.After(deadline) {
			return &errDeferred{until: blocked, why: "rate-limited by the platform until " + blocked.UTC().Format(time.RFC3339) + ", after the run's time budget"}
		}
		ap.Metrics.ObserveRateLimitWait(j.Platform, j.Target, blocked.Sub(now))
		if err := ap.stoppableSleep(ctx, blocked.Sub(now)); err != nil {
			return err
		}
	}
	r := l.bucket.ReserveN(ap.Now(), 1)
	if !r.OK() {
		return errors.New("rate limit allows no request")
	}
	d := r.DelayFrom(ap.Now())
	if d <= 0 {
		return nil
	}
	if !deadline.IsZero() && ap.Now().Add(d).After(deadline) {
		r.CancelAt(ap.Now())
		return &errDeferred{until: ap.Now().Add(d), why: "the account's rate limit leaves no room before the run's time budget ends"}
	}
	ap.Metrics.ObserveRateLimitWait(j.Platform, j.Target, d)
	if err := ap.stoppableSleep(ctx, d); err != nil {
		r.CancelAt(ap.Now())
		return err
	}
	return nil
}

// backoff is the wait before retry number attempt: exponential with full
// jitter between half and all of it.
func (ap *Applier) backoff(attempt int) time.Duration {
	d := float64(ap.BaseBackoff) * math.Pow(2, float64(attempt-1))
	if d > float64(ap.MaxBackoff) {
		d = float64(ap.MaxBackoff)
	}
	return time.Duration(d/2 + mrand.Float64()*d/2)
}

// CredentialRetry is how long a target whose account's credentials were
// refused waits before a run tries it again by itself.
const CredentialRetry = 6 * time.Hour

// retryAt is when a later run may retry a failure: never by itself for a
// failure that will not pass (auth, validation), else after backoff.
func (ap *Applier) retryAt(err error, attempts int) time.Time {
	if k := kindOf(err); k == "auth" || k == "reconnect" {
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
		ts.LastError = &state.Error{Message: "not sent: " + d.why, Kind: "deferred"}
		ts.Hash = j.payload.Hash
		j.ts = &ts
	}
	j.result = Item{Action: j.Action, Outcome: OutDeferred, Detail: d.why + "; left for the next run"}
	return true
}

func (j *job) published(ap *Applier, pub platforms.Publisher, rc *platforms.Receipt, out Outcome, detail string) {
	ts := j.prev
	ts.Status = state.StatusPublished
	j.stamp(&ts)
	ts.Provider = pub.Name()
	if j.payload != nil {
		ts.Hash = j.payload.Hash
	}
	ts.LastError, ts.NextRetryAt = nil, time.Time{}
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

// stamp records this run's attempt (key, count, time) on ts, when the job
// made one; updates and deletes carry the published attempt unchanged.
func (j *job) stamp(ts *state.TargetState) {
	if j.key == "" {
		return
	}
	ts.Attempt, ts.Attempts = string(j.key), j.attempts
	if !j.attemptAt.IsZero() {
		ts.LastAttemptAt = j.attemptAt
	}
}

func (j *job) fail(ap *Applier, kind string, err error, retryAt time.Time) {
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
	case kind == "auth" || kind == "reconnect":
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
	ts.LastError = &state.Error{Message: why, Kind: "unknown_outcome"}
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: OutUnknown, Detail: why}
}

// keepWithError records a failed update or delete: the published post is
// still there as it was, and the next plan proposes the action again.
func (j *job) keepWithError(ap *Applier, kind string, err error) {
	ts := j.prev
	ts.LastError = &state.Error{Message: err.Error(), Kind: kind}
	j.ts = &ts
	j.result = Item{Action: j.Action, Outcome: OutFailed, Detail: err.Error()}
}

func receipt(ts state.TargetState) *platforms.Receipt {
	return &platforms.Receipt{Provider: ts.Provider, IDs: ts.IDs, URLs: ts.URLs, PublishedAt: ts.FirstPublishedAt, Extra: ts.Extra}
}

// NotEditable is the state error kind of an edit the platform refused
// for good (platforms.ErrNotEditable: X's window or X Premium, LinkedIn's
// images): the plan shows the target as drift rather than planning the
// edit again.
const NotEditable = "not_editable"

func kindOf(err error) string {
	var ae *platforms.APIError
	switch {
	case errors.Is(err, platforms.ErrNeedsReconnect):
		return "reconnect"
	case errors.Is(err, platforms.ErrNotEditable):
		return NotEditable
	case errors.As(err, &ae) && ae.Status == 429:
		return "rate_limit"
	case errors.As(err, &ae) && (ae.Status == 401 || ae.Status == 403):
		return "auth"
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500:
		return "rejected"
	case errors.As(err, &ae) && ae.Status >= 500:
		return "server"
	}
	return "error"
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
	for _, o := range []Outcome{OutPublished, OutUpdated, OutDeleted, OutMoved, OutFailed, OutUnknown, OutDeferred} {
		if n := r.Count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "record results"
	}
	return strings.Join(parts, ", ")
}

// stopping is the deferral of a call not started because Stop closed:
// the next run may send it at once.
func (ap *Applier) stopping() error {
	return &errDeferred{until: ap.Now(), why: "herald was shutting down"}
}

// stopped reports whether Stop has closed.
func (ap *Applier) stopped() bool {
	if ap.Stop == nil {
		return false
	}
	select {
	case <-ap.Stop:
		return true
	default:
		return false
	}
}

// stoppableSleep waits like Sleep, but a wait cut short by Stop is a
// deferral: the call it was waiting for is not made.
func (ap *Applier) stoppableSleep(ctx context.Context, d time.Duration) error {
	if ap.Stop == nil {
		return ap.Sleep(ctx, d)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ap.Stop:
			cancel()
		case <-sctx.Done():
		}
	}()
	err := ap.Sleep(sctx, d)
	if err != nil && ctx.Err() == nil && ap.stopped() {
		return ap.stopping()
	}
	return err
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
	kind := ""
	if j.ts != nil && j.ts.LastError != nil {
		kind = j.ts.LastError.Kind
	} else if strings.HasPrefix(j.result.Detail, "render: ") {
		kind = "render"
	}
	ap.Metrics.ObservePublish(j.Platform, j.Target, string(j.result.Outcome), kind)
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
