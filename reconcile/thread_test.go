package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

var threadParts = []string{"one", "two", "three"}

// assertThread checks that f holds the thread parts once each, every part
// a reply to the one before, and returns their IDs in order.
func assertThread(t *testing.T, f *fakePlatform, parts []string) []string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	byPart := map[int][]fakePost{}
	for _, p := range f.posts {
		if !p.deleted {
			byPart[p.part] = append(byPart[p.part], p)
		}
	}
	var ids []string
	for i, text := range parts {
		got := byPart[i]
		if len(got) != 1 {
			t.Fatalf("part %d is on the platform %d times, want once: %+v", i+1, len(got), f.posts)
		}
		if got[0].text != text {
			t.Errorf("part %d reads %q, want %q", i+1, got[0].text, text)
		}
		if i > 0 && got[0].replyTo != ids[i-1] {
			t.Errorf("part %d replies to %q, want part %d (%s)", i+1, got[0].replyTo, i, ids[i-1])
		}
		ids = append(ids, got[0].id)
	}
	if n := len(f.posts); n != len(parts) {
		t.Errorf("%d posts on the platform, want the %d parts: %+v", n, len(parts), f.posts)
	}
	return ids
}

// crashedThread is the state and platform a run leaves when it died after
// posting the first k parts of a thread: its intent, recorded an hour
// ago, and the parts.
func crashedThread(t *testing.T, w *world, f *fakePlatform, k int) {
	t.Helper()
	began := planNow.Add(-time.Hour)
	rec := &state.Record{Post: "a", File: "posts/a.md", Targets: map[string]state.TargetState{
		"x": {Status: state.StatusPublishing, Attempt: "k1", Attempts: 1, Run: "a-dead-run",
			Hash: hashOf(strings.Join(threadParts, "\n\n"), "x"), LastAttemptAt: began, UpdatedAt: began}}}
	if err := w.store.Put(rec); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	prev := ""
	for i := range k {
		id := fmt.Sprint(len(f.posts) + 1)
		f.posts = append(f.posts, fakePost{key: "k1", text: threadParts[i], id: id, part: i, replyTo: prev, at: began.Add(time.Second)})
		prev = id
	}
	f.mu.Unlock()
}

// TestApplyResumesAThreadFoundInPart: a run died after posting part 1 of
// 3. The next run's look-up proves part 1 exists and the rest does not,
// and herald posts parts 2 and 3 as replies to it, under a new intent
// that keeps the part known, and records all three.
func TestApplyResumesAThreadFoundInPart(t *testing.T) {
	for _, idem := range []bool{false, true} {
		t.Run(fmt.Sprintf("idempotent=%t", idem), func(t *testing.T) {
			w := newWorld(t, nil)
			f := &fakePlatform{name: "x", idempotent: idem, now: w.clock.Now}
			w.providers["x"] = []platforms.Publisher{resuming{finding{f}}}
			w.addThread("a", threadParts, "x")
			crashedThread(t, w, f, 1)

			res := w.mustRun()
			if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if want := "posted parts 2 to 3 as replies to part 1"; !strings.Contains(res.Items[0].Detail, want) {
				t.Errorf("detail %q, want it to say %q", res.Items[0].Detail, want)
			}
			ids := assertThread(t, f, threadParts)
			ts := w.status("a", "x")
			if ts.Status != state.StatusPublished || !cmp.Equal(ids, ts.IDs) || ts.Attempt != "k1" || ts.Attempts != 2 ||
				!ts.LastAttemptAt.Equal(planNow.Add(-time.Hour)) || ts.Provider != "x" || len(ts.URLs) != 3 {
				t.Errorf("state %+v, want published with the three parts of attempt k1, begun an hour ago", ts)
			}

			// The intent, committed before the resume, keeps part 1 and
			// when the attempt began, so that a crash during the resume
			// is settled by a look-up again.
			commits := w.store.(*state.MemStore).Commits()
			if len(commits) != 2 {
				t.Fatalf("%d commits, want the intent and the results", len(commits))
			}
			intent, err := state.Decode("a.json", commits[0].Files[".herald/state/a.json"])
			if err != nil {
				t.Fatal(err)
			}
			its := intent.Targets["x"]
			if its.Status != state.StatusPublishing || !cmp.Equal(ids[:1], its.IDs) || its.Run == "a-dead-run" || its.Run == "" ||
				!its.LastAttemptAt.Equal(planNow.Add(-time.Hour)) || its.Provider != "x" {
				t.Errorf("intent %+v, want publishing with part 1, this run's marker and the attempt's start", its)
			}
			if res := w.mustRun(); len(res.Items) != 0 {
				t.Errorf("a later run acted: %v", outcomes(res))
			}
		})
	}
}

// TestApplyThreadCutShort: a publish posts part 1 of 3 and then fails.
// When the failure proves part 2 was not created, the target fails with
// part 1 recorded and the next retry posts the rest; when part 2 may
// exist, the next run looks the thread up and finishes it. Either way no
// part is posted twice and no person is asked.
func TestApplyThreadCutShort(t *testing.T) {
	tests := []struct {
		name  string
		fault fault
		// first is the first run's outcome and the state it records.
		first  Outcome
		status state.Status
		kind   state.ErrorKind
		// next is the second run's plan.
		next Kind
	}{
		{name: "part 2 refused by a 429", fault: faultCut429, first: OutFailed, status: state.StatusFailed, kind: state.KindPartial, next: Retry},
		{name: "part 2 lost before it was created", fault: faultCutLost, first: OutUnknown, status: state.StatusPublishing, kind: state.KindUnknownOutcome, next: Resolve},
		{name: "part 2 created, then its answer lost", fault: faultCutAcceptedLost, first: OutUnknown, status: state.StatusPublishing, kind: state.KindUnknownOutcome, next: Resolve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			f := &fakePlatform{name: "x", now: w.clock.Now, faults: []fault{tt.fault}}
			w.providers["x"] = []platforms.Publisher{resuming{finding{f}}}
			w.addThread("a", threadParts, "x")

			res := w.mustRun()
			if diff := cmp.Diff([]string{"a/x:" + string(tt.first)}, outcomes(res)); diff != "" {
				t.Fatalf("first run (-want +got):\n%s", diff)
			}
			if f.calls != 1 {
				t.Errorf("%d publish calls, want 1: a thread cut short is never sent again from its start", f.calls)
			}
			ts := w.status("a", "x")
			if ts.Status != tt.status || ts.LastError == nil || ts.LastError.Kind != tt.kind || len(ts.IDs) != 1 || ts.Provider != "x" {
				t.Fatalf("state after the cut %+v, want %s (%s) with part 1", ts, tt.status, tt.kind)
			}
			if tt.fault == faultCut429 {
				if !strings.Contains(ts.LastError.Message, "the next attempt posts parts 2 to 3 as replies to part 1") {
					t.Errorf("error %q does not say what the next attempt does", ts.LastError.Message)
				}
				if p := w.plan(context.Background()); p.Actions[0].Kind != Held {
					t.Errorf("plan before the retry time: %s, want held", p.Actions[0].Kind)
				}
				w.clock.t = ts.NextRetryAt
			}
			if p := w.plan(context.Background()); p.Actions[0].Kind != tt.next {
				t.Fatalf("next plan %s, want %s", p.Actions[0].Kind, tt.next)
			}

			res = w.mustRun()
			if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
				t.Fatalf("second run (-want +got):\n%s", diff)
			}
			ids := assertThread(t, f, threadParts)
			ts = w.status("a", "x")
			if ts.Status != state.StatusPublished || !cmp.Equal(ids, ts.IDs) || ts.Attempt != "key-1" || ts.LastError != nil {
				t.Errorf("state %+v, want the three parts of the one attempt", ts)
			}
		})
	}
}

// TestApplyThreadUnknownOnlyWhenUndecidable: a thread found or left in
// part stays unknown only when herald cannot tell or cannot finish it,
// and then the message says what to check and which command records it.
func TestApplyThreadUnknownOnlyWhenUndecidable(t *testing.T) {
	tests := []struct {
		name string
		// setup leaves the state and the platform as an earlier run did.
		setup func(t *testing.T, w *world, f *fakePlatform)
		// finder only: the adapter cannot resume.
		cannotResume bool
		runID        string
		fault        fault
		want         []string
	}{
		{
			name:         "the adapter cannot resume",
			setup:        func(t *testing.T, w *world, f *fakePlatform) { crashedThread(t, w, f, 1) },
			cannotResume: true,
			want:         []string{"parts 1 to 1 of 3 were posted", "x cannot post the rest of a thread", "the first to part 1 (https://x.example/1)", "herald resolve a x --published URL-OF-PART-1 --id 1,", "herald resolve a x --not-published"},
		},
		{
			name:         "a publish cut short on an adapter that cannot resume",
			setup:        func(t *testing.T, w *world, f *fakePlatform) {},
			cannotResume: true,
			fault:        faultCut429,
			want:         []string{"part 2 failed (x: 429", "x cannot post the rest of a thread", "herald resolve a x --published"},
		},
		{
			name: "two candidates for part 1",
			setup: func(t *testing.T, w *world, f *fakePlatform) {
				crashedThread(t, w, f, 1)
				f.posts = append(f.posts, fakePost{key: "k1", text: "one", id: "99", at: planNow.Add(-time.Hour)})
			},
			want: []string{"2 posts could be its first part", "check the account x on x", "herald resolve a x --published URL"},
		},
		{
			name: "a gap in the chain",
			setup: func(t *testing.T, w *world, f *fakePlatform) {
				crashedThread(t, w, f, 1)
				f.posts = append(f.posts, fakePost{key: "k1", text: "three", id: "98", part: 2, replyTo: "97", at: planNow.Add(-time.Hour)})
			},
			want: []string{"part 3 is there but part 2 is not", "herald resolve a x"},
		},
		{
			name:  "the attempt is this run's own",
			setup: func(t *testing.T, w *world, f *fakePlatform) { crashedThread(t, w, f, 1) },
			runID: "a-dead-run",
			want:  []string{"the attempt is this run's own", "herald resolve a x"},
		},
		{
			name: "state records parts the platform no longer shows",
			setup: func(t *testing.T, w *world, f *fakePlatform) {
				crashedThread(t, w, f, 1)
				rec, err := w.store.Load(context.Background(), "a")
				if err != nil {
					t.Fatal(err)
				}
				ts := rec.Targets["x"]
				ts.IDs, ts.Provider = []string{"1"}, "x"
				rec.Targets["x"] = ts
				if err := w.store.Put(rec); err != nil {
					t.Fatal(err)
				}
				f.posts[0].deleted = true
			},
			want: []string{"state records parts 1 to 1 (1) as posted, but x finds none of them", "herald resolve a x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			f := &fakePlatform{name: "x", now: w.clock.Now}
			if tt.fault != faultNone {
				f.faults = []fault{tt.fault}
			}
			var pub platforms.Publisher = resuming{finding{f}}
			if tt.cannotResume {
				pub = finding{f}
			}
			w.providers["x"] = []platforms.Publisher{pub}
			w.addThread("a", threadParts, "x")
			tt.setup(t, w, f)
			before := len(f.posts)
			if tt.fault != faultNone {
				before = 1 // the part the first run posts
			}
			ap := w.applier()
			ap.RunID = tt.runID
			res, err := ap.Apply(context.Background(), w.plan(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"a/x:unknown"}, outcomes(res)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.Items[0].Detail, want) {
					t.Errorf("detail %q\nwant it to say %q", res.Items[0].Detail, want)
				}
			}
			if ts := w.status("a", "x"); ts.Status != state.StatusUnknown || ts.LastError == nil || ts.LastError.Message != res.Items[0].Detail {
				t.Errorf("state %+v, want unknown with the detail as its error", ts)
			}
			if p := w.plan(context.Background()); p.Actions[0].Kind != Held {
				t.Errorf("next plan %s, want held for a person", p.Actions[0].Kind)
			}
			if n := len(f.posts); n != before {
				t.Errorf("%d posts on the platform, want the %d there before: nothing is sent when herald cannot tell", n, before)
			}
		})
	}
}

// TestApplyResumeCrashAnywhere: a run died after posting part 1 of 3;
// the run that resumes the thread is then stopped at every step of the
// protocol, and its pushes broken, an hour later. Runs follow until
// nothing is left to do: every part must exist once, in order, and the
// remote must record all three. The look-ups must reach back to part 1,
// which was posted long before the resume.
func TestApplyResumeCrashAnywhere(t *testing.T) {
	t.Parallel()
	cuts := []cutPoint{
		{name: "crash after intent commit", step: StepAfterIntentCommit},
		{name: "crash after intent push", step: StepAfterIntentPush},
		{name: "crash after the look-up", step: StepAfterCall, nth: 1},
		{name: "crash after the resume", step: StepAfterCall, nth: 2},
		{name: "crash before result commit", step: StepBeforeResultCommit},
		{name: "crash before result push", step: StepBeforeResultPush},
	}
	for _, f := range []pushFault{pushUnreachable, pushLostReply, pushRejected} {
		cuts = append(cuts,
			cutPoint{name: "intent push " + f.String(), step: StepAfterIntentCommit, fault: f},
			cutPoint{name: "result push " + f.String(), step: StepBeforeResultPush, fault: f},
		)
	}
	for _, idem := range []bool{false, true} {
		for _, c := range cuts {
			t.Run(fmt.Sprintf("%s/idempotent=%t", c.name, idem), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, c.fault == pushUnreachable || c.fault == pushLostReply, idem, "x")
				r.parts["a"] = threadParts
				r.addPost("a")
				r.texts["a"] = strings.Join(threadParts, "\n\n")
				r.posts[0].Targets[0].Hash = hashOf(r.texts["a"], "x")
				fake := r.fakes["x"]

				// The first run posts part 1, then dies: its intent is all
				// the remote knows.
				fake.faults = []fault{faultCutLost}
				if _, err := r.run(func(step Step, _ *Action) error {
					if step == StepAfterCall {
						return errCrash
					}
					return nil
				}, 1); err == nil {
					t.Fatal("the first run was not cut")
				}
				if n := len(fake.texts()); n != 1 {
					t.Fatalf("%d parts after the first run, want 1", n)
				}

				r.clock.Sleep(context.Background(), time.Hour)
				if _, err := r.run(c.hook(r), 1); err == nil {
					t.Fatal("the resuming run was not cut")
				}
				r.clock.Sleep(context.Background(), time.Hour)
				runs := r.settle(3)
				t.Logf("settled in %d runs", runs)

				ids := assertThread(t, fake, threadParts)
				ts := r.remoteState("a", "x")
				if ts.Status != state.StatusPublished || !cmp.Equal(ids, ts.IDs) || ts.Attempt != "key-1" {
					t.Errorf("remote state %+v, want published with %v", ts, ids)
				}
			})
		}
	}
}
