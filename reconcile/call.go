package reconcile

import (
	"context"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// each runs fn for every job, concurrently per account and in plan order
// within one, reaching the StepAfterCall hook after each; a hook error
// cancels the rest, as a crash would, and is returned.
func (r *run) each(jobs []*job, fn func(*job)) error {
	var hookErr error
	var hookOnce sync.Once
	var targets []string
	byTarget := map[string][]*job{}
	for _, j := range jobs {
		if _, ok := byTarget[j.account()]; !ok {
			targets = append(targets, j.account())
		}
		byTarget[j.account()] = append(byTarget[j.account()], j)
	}
	var wg sync.WaitGroup
	for _, target := range targets {
		wg.Go(func() {
			var account sync.WaitGroup
			sem := make(chan struct{}, r.ap.Concurrency)
			for _, j := range byTarget[target] {
				if r.crashed.Load() {
					break
				}
				sem <- struct{}{}
				account.Go(func() {
					defer func() { <-sem }()
					fn(j)
					if err := r.ap.hook(StepAfterCall, &j.Action); err != nil {
						hookOnce.Do(func() { hookErr = err; r.crashed.Store(true); r.cancel(err) })
					}
				})
			}
			account.Wait()
		})
	}
	wg.Wait()
	return hookErr
}

// finalError is a failed call that must not be made again as it was:
// part of a thread is out, so the same request could post it twice.
type finalError struct{ error }

// final marks err as a failure call must not retry.
func final(err error) error { return &finalError{err} }

func (e *finalError) Unwrap() error { return e.error }

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
//
// do makes the call with the context it is given.
func (r *run) call(j *job, pub platforms.Publisher, do func(ctx context.Context) error) error {
	ap := r.ap
	ctx := r.callCtx
	lim := ap.limiter(j.account(), pub.Name())
	for attempt := 1; ; attempt++ {
		if r.stopped() {
			return r.stopping()
		}
		if err := r.wait(j, lim); err != nil {
			return err
		}
		select {
		case r.slots <- struct{}{}:
		case <-ctx.Done():
			if r.stopped() && !r.crashed.Load() {
				return r.stopping()
			}
			return ctx.Err()
		}
		if r.stopped() {
			<-r.slots
			return r.stopping()
		}
		began := ap.Now()
		err := do(ctx)
		<-r.slots
		ap.Metrics.ObserveCall(j.Platform, j.account(), j.operation(), callOutcome(err), ap.Now().Sub(began))
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
		var fe *finalError
		if errors.As(err, &fe) {
			return fe.error
		}
		if !platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated || attempt > ap.Retries || j.failover {
			return err
		}
		wait := ap.backoff(attempt)
		if ae != nil && ae.RetryAfter > wait {
			wait = ae.RetryAfter
		}
		if !r.deadline.IsZero() && ap.Now().Add(wait).After(r.deadline) {
			return &errDeferred{until: ap.Now().Add(wait), why: fmt.Sprintf("%s; waiting %s would outlast the run's time budget", err, human(wait))}
		}
		ap.Logger.Info("retrying", "post_id", j.Post, "target", j.Target, "attempt", attempt+1, "wait", wait.String(), "error", err.Error())
		ap.Metrics.ObserveRetry(j.Platform, j.account())
		if err := r.sleep(wait); err != nil {
			return err
		}
	}
}

// limiter is one account's token bucket, plus a time before which the
// platform asked not to be called at all.
type limiter struct {
	mu      sync.Mutex
	bucket  *rate.Limiter
	blocked time.Time
}

// limiter is the bucket of one account as reached through one provider:
// a relay's limits (and the Retry-After it sends) are not the platform's,
// so a 429 from one provider does not hold the account's calls through
// the next.
func (ap *Applier) limiter(target, provider string) *limiter {
	target = state.AccountOf(target) // every instance of a post on an account shares its bucket
	key := target + "\x00" + provider
	if l, ok := ap.limiters.Load(key); ok {
		return l.(*limiter)
	}
	r, burst := ap.Limit(target)
	l, _ := ap.limiters.LoadOrStore(key, &limiter{bucket: rate.NewLimiter(r, burst)})
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
func (r *run) wait(j *job, l *limiter) error {
	ap, deadline := r.ap, r.deadline
	now := ap.Now()
	l.mu.Lock()
	blocked := l.blocked
	l.mu.Unlock()
	if blocked.After(now) {
		if !deadline.IsZero() && blocked.After(deadline) {
			return &errDeferred{until: blocked, why: "rate-limited by the platform until " + blocked.UTC().Format(time.RFC3339) + ", after the run's time budget"}
		}
		ap.Metrics.ObserveRateLimitWait(j.Platform, j.account(), blocked.Sub(now))
		if err := r.sleep(blocked.Sub(now)); err != nil {
			return err
		}
	}
	res := l.bucket.ReserveN(ap.Now(), 1)
	if !res.OK() {
		return errors.New("rate limit allows no request")
	}
	d := res.DelayFrom(ap.Now())
	if d <= 0 {
		return nil
	}
	if !deadline.IsZero() && ap.Now().Add(d).After(deadline) {
		res.CancelAt(ap.Now())
		return &errDeferred{until: ap.Now().Add(d), why: "the account's rate limit leaves no room before the run's time budget ends"}
	}
	ap.Metrics.ObserveRateLimitWait(j.Platform, j.account(), d)
	if err := r.sleep(d); err != nil {
		res.CancelAt(ap.Now())
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

// sleep waits like Sleep, but a wait cut short by the stop is a
// deferral: the call it was waiting for is not made.
func (r *run) sleep(d time.Duration) error {
	sctx, cancel := context.WithCancel(r.callCtx)
	defer cancel()
	defer context.AfterFunc(r.ctx, cancel)()
	err := r.ap.Sleep(sctx, d)
	if err != nil && r.stopped() && !r.crashed.Load() {
		return r.stopping()
	}
	return err
}
