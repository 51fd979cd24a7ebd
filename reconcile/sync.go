package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// Tier is one stretch of a post's life and how often its metrics are read
// during it: Every, until the post is Until old.
type Tier struct {
	Until time.Duration
	Every time.Duration
}

// Schedule says when a published post's metrics are due, by its age: the
// first tier whose Until is past the post's age gives the interval since
// the last sync. A post older than the last tier is never synced again:
// engagement has settled and the API calls are better spent elsewhere.
// Tiers are in ascending order of Until.
type Schedule []Tier

// DefaultSchedule is hourly in the first day, every 6 hours until day 7,
// daily until day 90, then never: engagement is steep early and flat late.
func DefaultSchedule() Schedule {
	return Schedule{
		{Until: 24 * time.Hour, Every: time.Hour},
		{Until: 7 * 24 * time.Hour, Every: 6 * time.Hour},
		{Until: 90 * 24 * time.Hour, Every: 24 * time.Hour},
	}
}

// slack is the part of an interval a sync may come early and still count:
// an hourly cron that fires a few minutes early keeps an hourly sync
// instead of skipping to the next hour.
const slack = 10

// Due reports whether the metrics of a post first published at published
// and last synced at synced (zero: never) are due at now. When they are
// not, next is when they will be, or zero when never again.
func (s Schedule) Due(published, synced, now time.Time) (due bool, next time.Time) {
	age := now.Sub(published)
	for i, t := range s {
		if age >= t.Until {
			continue
		}
		if synced.IsZero() || !now.Before(synced.Add(t.early())) {
			return true, time.Time{}
		}
		return false, s.next(i, published, synced)
	}
	return false, time.Time{}
}

// next is when metrics last synced at synced are due again, from tier i
// on: a sync that the next tier's interval would make due after its own
// tier ends is due by that tier's interval instead.
func (s Schedule) next(i int, published, synced time.Time) time.Time {
	for ; i < len(s); i++ {
		at := synced.Add(s[i].early())
		if i > 0 {
			if start := published.Add(s[i-1].Until); at.Before(start) {
				at = start
			}
		}
		if at.Before(published.Add(s[i].Until)) {
			return at
		}
	}
	return time.Time{}
}

// early is the interval less its slack.
func (t Tier) early() time.Duration { return t.Every - t.Every/slack }

// String writes s as ParseSchedule reads it, e.g. "24h:1h,7d:6h,90d:1d".
func (s Schedule) String() string {
	parts := make([]string, len(s))
	for i, t := range s {
		parts[i] = days(t.Until) + ":" + days(t.Every)
	}
	return strings.Join(parts, ",")
}

func days(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// ParseSchedule reads a schedule written as comma-separated UNTIL:EVERY
// pairs, durations as time.ParseDuration takes them or a whole number of
// days with "d" ("24h:1h,7d:6h,90d:1d"), so that a schedule fits in a
// flag.
func ParseSchedule(v string) (Schedule, error) {
	var s Schedule
	for _, pair := range strings.Split(v, ",") {
		until, every, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok {
			return nil, fmt.Errorf("parse schedule: %q is not UNTIL:EVERY", pair)
		}
		u, err := parseDays(until)
		if err != nil {
			return nil, fmt.Errorf("parse schedule: %w", err)
		}
		e, err := parseDays(every)
		if err != nil {
			return nil, fmt.Errorf("parse schedule: %w", err)
		}
		if e <= 0 || u <= 0 {
			return nil, fmt.Errorf("parse schedule: %q: durations must be positive", pair)
		}
		if len(s) > 0 && u <= s[len(s)-1].Until {
			return nil, fmt.Errorf("parse schedule: %q: tiers must be in ascending order", pair)
		}
		s = append(s, Tier{Until: u, Every: e})
	}
	return s, nil
}

func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number of days", v)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// SyncOutcome is what became of one published target in a sync.
type SyncOutcome string

// Sync outcomes. Only SyncFailed makes sync exit 1.
const (
	SyncSynced          SyncOutcome = "synced"
	SyncDeletedRemotely SyncOutcome = "deleted_remotely" // the platform says the post is gone
	SyncFailed          SyncOutcome = "failed"           // retried at the next run
	SyncNotDue          SyncOutcome = "not_due"
	SyncUnsupported     SyncOutcome = "unsupported" // the adapter cannot read metrics
	SyncDryRun          SyncOutcome = "dry-run"     // due; would have been read
)

// SyncItem is one published target and what a sync did with it.
type SyncItem struct {
	Post     string
	Target   string
	Platform string
	URL      string
	Outcome  SyncOutcome
	// Detail says why an item failed, was unsupported, or is not due.
	Detail string
	// Metrics are the counts read, for a synced item.
	Metrics *state.Metrics
	// Next is when a not-due item is due, zero when never.
	Next time.Time
}

// SyncResult is everything a sync did, by post and target.
type SyncResult struct {
	Items []SyncItem
}

// Failed reports whether any target's metrics could not be read.
func (r *SyncResult) Failed() bool { return r.Count(SyncFailed) > 0 }

// Count returns how many items ended with outcome o.
func (r *SyncResult) Count(o SyncOutcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// Sync reads the engagement of every published target whose metrics sched
// says are due, and records it in one state commit ("sync metrics of N
// targets"), pushed with Push. It shares the Applier's store, providers,
// clock and dry-run switch, and its per-account rate limits, Retry-After
// and reset handling, retries and time budget (MaxDuration), so that
// reading metrics never runs an account into a limit that publishing
// then meets. Sync must not run at the same time as Apply on one Applier.
//
// A platform that answers that the post is gone (platforms.ErrDeletedRemotely)
// turns the target deleted_remotely, which the plan shows as drift and
// never re-posts. One target failing, rate-limited or not, leaves the
// others to be synced. A sync changes a target's metrics but not its
// updated_at, so that a concurrent apply's change to the same target wins
// the merge while the later metrics are kept.
//
// The returned error is for the run itself (state could not be read or
// written); what happened to each target is in the result.
//
// Cancelling ctx stops it as it stops Apply: no read starts after it,
// reads in flight get Grace to finish, and the metrics read are
// committed and pushed.
func (ap *Applier) Sync(ctx context.Context, sched Schedule) (*SyncResult, error) {
	r := ap.start(ctx)
	defer r.end()
	start := ap.Now()
	res := &SyncResult{}
	records := r.records
	type syncJob struct {
		job
		item SyncItem
	}
	var all []*syncJob
	err := ap.Store.Walk(ctx, func(rec *state.Record) error {
		records[rec.Post] = rec
		names := make([]string, 0, len(rec.Targets))
		for n, ts := range rec.Targets {
			if ts.Status == state.StatusPublished {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			ts := rec.Targets[n]
			sj := &syncJob{job: job{Action: Action{Post: rec.Post, File: rec.File, Target: n, Platform: ts.Provider}, prev: ts, hadPrev: true, op: "metrics"}}
			sj.item = SyncItem{Post: rec.Post, Target: n, Platform: ts.Provider, URL: first(ts.URLs)}
			all = append(all, sj)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("read state: %w", err)
	}

	var due []*job
	byJob := map[*job]*syncJob{}
	for _, sj := range all {
		ts := sj.prev
		published := ts.FirstPublishedAt
		if published.IsZero() {
			published = ts.UpdatedAt
		}
		var synced time.Time
		if ts.Metrics != nil {
			synced = ts.Metrics.SyncedAt
		}
		ok, next := sched.Due(published, synced, start)
		switch {
		case !ok && next.IsZero():
			sj.item.Outcome, sj.item.Detail = SyncNotDue, "published "+human(start.Sub(published))+" ago: past the sync schedule, never synced again"
		case !ok:
			sj.item.Outcome, sj.item.Next = SyncNotDue, next.UTC()
			sj.item.Detail = "synced " + human(start.Sub(synced)) + " ago; due at " + next.UTC().Format(time.RFC3339)
		case len(ts.IDs) == 0:
			sj.item.Outcome, sj.item.Detail = SyncFailed, "the state records no platform ID for this target"
		case ap.DryRun:
			if _, _, ok := ap.metricsReader(&sj.job, &sj.item); ok {
				sj.item.Outcome, sj.item.Detail = SyncDryRun, "would read its metrics"
			}
		default:
			due = append(due, &sj.job)
			byJob[&sj.job] = sj
		}
	}

	if err := r.each(due, func(j *job) { r.readMetrics(j, &byJob[j].item) }); err != nil {
		return res, err
	}

	now := ap.Now().UTC()
	var changed []*job
	for _, sj := range all {
		it := sj.item
		switch it.Outcome {
		case SyncSynced:
			it.Metrics.SyncedAt = now
			ts := sj.prev
			ts.Metrics = it.Metrics
			setTarget(records[sj.Post], sj.Target, ts)
			changed = append(changed, &sj.job)
		case SyncDeletedRemotely:
			ts := sj.prev
			ts.Status, ts.UpdatedAt, ts.LastError = state.StatusDeletedRemotely, now, nil
			setTarget(records[sj.Post], sj.Target, ts)
			changed = append(changed, &sj.job)
		}
		res.Items = append(res.Items, it)
		ap.Logger.Info("synced", "post_id", it.Post, "target", it.Target, "outcome", string(it.Outcome), "detail", it.Detail)
	}
	if len(changed) == 0 {
		return res, nil
	}
	if err := r.commit(changed, "sync metrics of "+count(len(changed), "target"), false); err != nil {
		return res, fmt.Errorf("commit metrics: %w", err)
	}
	if ap.Push {
		if err := r.push(); err != nil {
			return res, fmt.Errorf("push metrics: %w", err)
		}
	}
	return res, nil
}

// metricsReader returns the adapter that published j's target and its
// MetricsReader; when there is none, it sets the item's outcome and
// returns false.
func (ap *Applier) metricsReader(j *job, it *SyncItem) (platforms.Publisher, platforms.MetricsReader, bool) {
	providers, err := ap.Providers(j.account())
	if err != nil || len(providers) == 0 {
		if err == nil {
			err = errors.New("no provider")
		}
		it.Outcome, it.Detail = SyncFailed, err.Error()
		return nil, nil, false
	}
	pub, err := j.provider(providers)
	if err != nil {
		it.Outcome, it.Detail = SyncFailed, err.Error()
		return nil, nil, false
	}
	if it.Platform == "" {
		it.Platform = pub.Name()
	}
	mr, ok := pub.(platforms.MetricsReader)
	if !ok {
		it.Outcome, it.Detail = SyncUnsupported, pub.Name()+" cannot read a post's metrics"
		return pub, nil, false
	}
	return pub, mr, true
}

// readMetrics reads one target's metrics through the provider that
// published it, under its account's rate limit, and sets its item.
func (r *run) readMetrics(j *job, it *SyncItem) {
	pub, mr, ok := r.ap.metricsReader(j, it)
	if !ok {
		return
	}
	var m *platforms.Metrics
	err := r.call(j, pub, func(ctx context.Context) error {
		var err error
		m, err = mr.Metrics(ctx, receipt(j.prev))
		return err
	})
	if r.cutShort(err) {
		err = r.stopping()
	}
	switch {
	case errors.Is(err, platforms.ErrDeletedRemotely):
		it.Outcome, it.Detail = SyncDeletedRemotely, "the post is gone from "+pub.Name()+": shown as drift in the plan, never re-posted"
	case err != nil:
		var d *errDeferred
		if errors.As(err, &d) {
			it.Outcome, it.Detail = SyncFailed, d.why+"; left for the next run"
			return
		}
		it.Outcome, it.Detail = SyncFailed, string(kindOf(err))+": "+err.Error()
	case m == nil:
		it.Outcome, it.Detail = SyncFailed, pub.Name()+" returned no metrics"
	default:
		it.Outcome, it.Metrics = SyncSynced, &state.Metrics{Likes: m.Likes, Reposts: m.Reposts, Replies: m.Replies,
			Quotes: m.Quotes, Impressions: m.Impressions, Clicks: m.Clicks, Saves: m.Saves}
	}
}

// Counts writes the metrics that a platform gave, in a fixed order, as
// "likes 12, reposts 3, replies 1"; a metric the platform does not give is
// left out, never shown as 0.
func (it *SyncItem) Counts() string {
	if it.Metrics == nil {
		return ""
	}
	m := it.Metrics
	var parts []string
	for _, f := range []struct {
		name string
		v    *int64
	}{{"likes", m.Likes}, {"reposts", m.Reposts}, {"replies", m.Replies}, {"quotes", m.Quotes},
		{"impressions", m.Impressions}, {"clicks", m.Clicks}, {"saves", m.Saves}} {
		if f.v != nil {
			parts = append(parts, f.name+" "+strconv.FormatInt(*f.v, 10))
		}
	}
	if len(parts) == 0 {
		return "no metrics given"
	}
	return strings.Join(parts, ", ")
}
