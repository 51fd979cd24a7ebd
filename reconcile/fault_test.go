package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/state"
)

// cutPoint is where a run stops: a crash at a protocol step, or a push
// that fails.
type cutPoint struct {
	name string
	step Step
	// nth is, for StepAfterCall, after which call the run stops.
	nth int
	// fault, when set, breaks the push that follows step instead of
	// crashing there.
	fault pushFault
	// posted is how many posts the cut run leaves on the platforms.
	posted int
}

// cutPoints lists every place a run of 3 posts × 2 targets can stop.
func cutPoints() []cutPoint {
	cuts := []cutPoint{
		{name: "crash after intent commit", step: StepAfterIntentCommit},
		{name: "crash after intent push", step: StepAfterIntentPush},
	}
	for n := 1; n <= 6; n++ {
		cuts = append(cuts, cutPoint{name: fmt.Sprintf("crash after call %d", n), step: StepAfterCall, nth: n, posted: n})
	}
	cuts = append(cuts,
		cutPoint{name: "crash before result commit", step: StepBeforeResultCommit, posted: 6},
		cutPoint{name: "crash before result push", step: StepBeforeResultPush, posted: 6},
	)
	for _, f := range []pushFault{pushUnreachable, pushLostReply, pushRejected} {
		cuts = append(cuts,
			cutPoint{name: "intent push " + f.String(), step: StepAfterIntentCommit, fault: f},
			cutPoint{name: "result push " + f.String(), step: StepBeforeResultPush, fault: f, posted: 6},
		)
	}
	return cuts
}

// hook stops a run at c, or arms c's push fault.
func (c cutPoint) hook(r *rig) func(Step, *Action) error {
	var calls atomic.Int64
	return func(step Step, a *Action) error {
		if step != c.step {
			return nil
		}
		if step == StepAfterCall && calls.Add(1) != int64(c.nth) {
			return nil
		}
		switch c.fault {
		case pushOK:
			return errCrash
		case pushRejected:
			r.rejectNextPush()
		default:
			r.proxy.arm(c.fault)
		}
		return nil
	}
}

// TestApplyCrashAnywhere stops a run at every step of the protocol, and
// breaks each of its pushes, then runs again until nothing is left to do:
// every post must exist exactly once, and the remote must say so.
func TestApplyCrashAnywhere(t *testing.T) {
	t.Parallel()
	for _, idem := range []bool{false, true} {
		variant := "not idempotent"
		if idem {
			variant = "idempotent"
		}
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			for _, c := range cutPoints() {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					r := newRig(t, c.fault == pushUnreachable || c.fault == pushLostReply, idem, "mastodon", "x")
					for _, id := range []string{"a", "b", "c"} {
						r.addPost(id)
					}
					// One call at a time, so that "after call n" leaves
					// about n posts behind.
					_, err := r.run(c.hook(r), 1)
					if err == nil {
						t.Fatal("the cut run returned no error")
					}
					if c.fault == pushRejected && !r.rejected() {
						t.Fatal("the remote did not refuse the push")
					}
					if r.proxy != nil && r.proxy.broken != 1 {
						t.Fatalf("%d pushes broken, want 1", r.proxy.broken)
					}
					// One call at a time, but the two accounts take
					// turns: the other account's call may start before
					// the hook of the one just done runs.
					slack := 0
					if c.step == StepAfterCall {
						slack = 1
					}
					if got := r.total(); got < c.posted || got > min(c.posted+slack, 6) {
						t.Fatalf("the cut run left %d posts, want %d (err: %v)", got, c.posted, err)
					}
					runs := r.settle(3)
					t.Logf("cut: %v; settled in %d runs", err, runs)
					r.assertExactlyOnce()
				})
			}
		})
	}
}

// TestApplyTimeoutAfterAcceptThenCrash: the platform stores a post and the
// call times out; the run records nothing (it crashes), or records the
// unknown outcome and the next run crashes while looking it up. The
// Finder then finds the post, and it is never posted again.
func TestApplyTimeoutAfterAcceptThenCrash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// crashes are the cut runs, in order, before recovery.
		crashes []cutPoint
		// unknown is whether the state on the remote says publishing with
		// an unknown-outcome error before recovery.
		unknown bool
	}{
		{name: "crash before the result commit", crashes: []cutPoint{{step: StepBeforeResultCommit}}},
		{name: "crash after the timed-out call", crashes: []cutPoint{{step: StepAfterCall, nth: 1}}},
		{name: "recorded, then the look-up run crashes", crashes: []cutPoint{{}, {step: StepAfterCall, nth: 1}}, unknown: true},
	}
	for _, idem := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/idempotent=%t", tt.name, idem), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, false, idem, "x")
				r.addPost("a")
				r.fakes["x"].faults = []fault{faultAcceptThenTimeout}
				for i, c := range tt.crashes {
					var hook func(Step, *Action) error
					if c.step != "" {
						hook = c.hook(r)
					}
					res, err := r.run(hook, 1)
					switch {
					case c.step == "" && err != nil:
						t.Fatalf("run %d: %v", i+1, err)
					case c.step == "" && !cmp.Equal([]string{"a/x:unknown"}, outcomes(res)):
						t.Fatalf("run %d: %v, want the outcome unknown", i+1, outcomes(res))
					case c.step != "" && err == nil:
						t.Fatalf("run %d was not cut", i+1)
					}
				}
				ts := r.remoteState("a", "x")
				if ts.Status != state.StatusPublishing || ts.Attempt != "key-1" || (ts.LastError != nil) != tt.unknown {
					t.Fatalf("state before recovery: %+v", ts)
				}
				if n := r.total(); n != 1 {
					t.Fatalf("%d posts after the timeout, want the 1 the platform accepted", n)
				}
				runs := r.settle(2)
				if runs != 1 {
					t.Errorf("settled in %d runs, want 1 look-up", runs)
				}
				r.assertExactlyOnce()
				if calls := r.fakes["x"].calls; calls != 1 {
					t.Errorf("the platform was asked to publish %d times, want 1", calls)
				}
			})
		}
	}
}

// remoteState is a target's state on the remote.
func (r *rig) remoteState(id, target string) state.TargetState {
	r.t.Helper()
	rec, err := r.checkout().Load(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return rec.Targets[target]
}

// TestApplyRacingRuns: two runs check out, plan the same due posts and
// apply at once. The intent that reaches the remote first wins; the other
// run skips those targets and publishes nothing, even on a platform that
// does not deduplicate.
func TestApplyRacingRuns(t *testing.T) {
	t.Parallel()
	const iterations = 20
	for i := range iterations {
		// Half the runs meet after committing their intents, so both push
		// intents on the same base; the others go as the scheduler lets
		// them.
		lockstep := i%2 == 0
		t.Run(fmt.Sprintf("%d lockstep=%t", i, lockstep), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, false, false, "mastodon", "x")
			for _, id := range []string{"a", "b", "c"} {
				r.addPost(id)
			}
			type run struct {
				ap  *Applier
				p   *Plan
				res *Result
				err error
			}
			var runs [2]*run
			var met sync.WaitGroup
			met.Add(2)
			for k := range runs {
				s := r.checkout()
				ap := r.applier(s, &process{}, nil)
				if lockstep {
					ap.Hook = func(step Step, _ *Action) error {
						if step == StepAfterIntentCommit {
							met.Done()
							met.Wait()
						}
						return nil
					}
				}
				runs[k] = &run{ap: ap, p: r.plan(s)}
			}
			var wg sync.WaitGroup
			for _, rn := range runs {
				wg.Go(func() { rn.res, rn.err = rn.ap.Apply(context.Background(), rn.p) })
			}
			wg.Wait()

			byTarget := map[string][]Outcome{}
			for k, rn := range runs {
				if rn.err != nil {
					t.Fatalf("run %d: %v", k, rn.err)
				}
				for _, it := range rn.res.Items {
					byTarget[it.Post+"/"+it.Target] = append(byTarget[it.Post+"/"+it.Target], it.Outcome)
				}
			}
			var winners [2]int
			for target, outs := range byTarget {
				if !cmp.Equal([]Outcome{OutPublished, OutSkipped}, outs) && !cmp.Equal([]Outcome{OutSkipped, OutPublished}, outs) {
					t.Errorf("%s: outcomes %v, want one published and one skipped", target, outs)
				}
				for k, o := range outs {
					if o == OutPublished {
						winners[k]++
					}
				}
			}
			if len(byTarget) != 6 {
				t.Errorf("%d targets in the results, want 6", len(byTarget))
			}
			// Intents go in one commit: one run owns them all.
			if winners != [2]int{6, 0} && winners != [2]int{0, 6} {
				t.Errorf("published per run %v, want one run to own every target", winners)
			}
			for _, rn := range runs {
				for _, it := range rn.res.Items {
					if it.Outcome == OutSkipped && !strings.Contains(it.Detail, "concurrent run") {
						t.Errorf("%s/%s skipped for %q", it.Post, it.Target, it.Detail)
					}
				}
			}
			r.assertExactlyOnce()
		})
	}
}

// TestApplyResultPushRejected: another run pushes between this run's
// intents and its results. The result push is refused, merged on the new
// head, and lands with the other run's changes kept.
func TestApplyResultPushRejected(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false, "mastodon", "x")
	for _, id := range []string{"a", "b", "c"} {
		r.addPost(id)
	}
	other := &state.Record{Post: "d", File: "posts/d.md", Targets: map[string]state.TargetState{
		"x": {Status: state.StatusPublished, Attempt: "other-run", IDs: []string{"99"}, UpdatedAt: planNow}}}
	var pushed bool
	hook := func(step Step, _ *Action) error {
		if step != StepBeforeResultPush {
			return nil
		}
		// Another run records a post of its own, and adds metrics to a
		// target this run just published.
		s := r.checkout()
		rec, err := s.Load(context.Background(), "a")
		if err != nil {
			return err
		}
		ts := rec.Targets["x"]
		ts.Metrics = &state.Metrics{SyncedAt: planNow}
		rec.Targets["x"] = ts
		if err := s.Put(other, rec); err != nil {
			return err
		}
		if _, err := s.Commit(context.Background(), state.CommitInfo{Summary: "other run", Time: planNow}); err != nil {
			return err
		}
		pushed = true
		return s.Push(context.Background())
	}
	res, err := r.run(hook, 0)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if !pushed {
		t.Fatal("the other run never pushed")
	}
	if n := res.Count(OutPublished); n != 6 {
		t.Errorf("%d published, want 6: %v", n, outcomes(res))
	}
	r.assertExactlyOnce()
	if got := r.remoteState("d", "x"); !cmp.Equal(other.Targets["x"], got) {
		t.Errorf("the other run's record was lost: %+v", got)
	}
	if got := r.remoteState("a", "x"); got.Status != state.StatusPublished || got.Metrics == nil {
		t.Errorf("a/x: %+v, want published with the other run's metrics", got)
	}
	if n := r.settle(0); n != 0 {
		t.Errorf("a later run had something to do")
	}
}

// TestApplyCrashAfterFailover: the direct API refuses (nothing posted) and
// the relay publishes; the run then crashes before recording it, or the
// relay times out after accepting. The next run must find the post on the
// relay, not publish it again through the direct API.
func TestApplyCrashAfterFailover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		relay []fault
		cut   *cutPoint
	}{
		{name: "crash after the relay published", cut: &cutPoint{step: StepAfterCall, nth: 1}},
		{name: "relay timed out after accepting", relay: []fault{faultAcceptThenTimeout}},
	}
	for _, idem := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/idempotent=%t", tt.name, idem), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, false, idem, "mastodon")
				r.relays["mastodon"] = &fakePlatform{name: "postforme", idempotent: idem, faults: tt.relay}
				r.addPost("a")
				r.fakes["mastodon"].faults = []fault{faultAuth}
				if tt.cut != nil {
					if _, err := r.run(tt.cut.hook(r), 1); err == nil {
						t.Fatal("the cut run returned no error")
					}
				} else {
					res, err := r.run(nil, 1)
					if err != nil || !cmp.Equal([]string{"a/mastodon:unknown"}, outcomes(res)) {
						t.Fatalf("first run: %v, %v; want the outcome unknown", outcomes(res), err)
					}
				}
				if n := len(r.relays["mastodon"].texts()); n != 1 {
					t.Fatalf("the relay holds %d posts after failing over, want 1", n)
				}
				r.settle(2)
				r.assertExactlyOnce()
				if ts := r.remoteState("a", "mastodon"); ts.Provider != "postforme" {
					t.Errorf("provider %q, want the relay that published", ts.Provider)
				}
			})
		}
	}
}

// TestApplyRacingResends: an attempt was recorded, then the run died
// before sending it. Two runs then recover it at the same moment; both
// look it up, both find it did not land, and both would send it again
// under its key. Their re-send intents differ only in the run that wrote
// them; the one that reached the remote first wins, so the platform, with
// no idempotency, still gets exactly one post.
func TestApplyRacingResends(t *testing.T) {
	t.Parallel()
	for i := range 10 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, false, false, "x")
			r.addPost("a")
			if _, err := r.run(func(step Step, _ *Action) error {
				if step == StepAfterIntentPush {
					return errors.New("crash")
				}
				return nil
			}, 1); err == nil {
				t.Fatal("the cut run returned no error")
			}
			var met sync.WaitGroup
			met.Add(2)
			var outs [2]*Result
			var errs [2]error
			var wg sync.WaitGroup
			for k := range 2 {
				s := r.checkout()
				p := r.plan(s)
				if p.Actions[0].Kind != Resolve {
					t.Fatalf("plan %v, want a resolve", p.Actions)
				}
				ap := r.applier(s, &process{}, nil)
				ap.Hook = func(step Step, _ *Action) error {
					if step == StepAfterIntentCommit {
						met.Done()
						met.Wait()
					}
					return nil
				}
				wg.Go(func() { outs[k], errs[k] = ap.Apply(context.Background(), p) })
			}
			wg.Wait()
			var got []Outcome
			for k := range 2 {
				if errs[k] != nil {
					t.Fatalf("run %d: %v", k, errs[k])
				}
				got = append(got, outs[k].Items[0].Outcome)
			}
			if !cmp.Equal([]Outcome{OutPublished, OutSkipped}, got) && !cmp.Equal([]Outcome{OutSkipped, OutPublished}, got) {
				t.Errorf("outcomes %v, want one published and one skipped", got)
			}
			if n := r.total(); n != 1 {
				t.Errorf("%d posts on the platform, want exactly 1", n)
			}
		})
	}
}
