package reconcile

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// stall is a platform whose first call hangs after the platform acted,
// as a slow platform does when herald is told to stop: it is released by
// the test, or gives up when its context ends.
type stall struct {
	*fakePlatform
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newStall(f *fakePlatform) *stall {
	return &stall{fakePlatform: f, entered: make(chan struct{}), release: make(chan struct{})}
}

// hang holds the first call; it reports whether the call was released
// rather than cut.
func (s *stall) hang(ctx context.Context) bool {
	first := false
	s.once.Do(func() { first = true })
	if !first {
		return true
	}
	close(s.entered)
	select {
	case <-s.release:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *stall) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	rc, err := s.fakePlatform.Publish(ctx, p, key)
	if !s.hang(ctx) {
		return nil, &platforms.APIError{Platform: s.name, Message: "request cancelled after it was sent", Outcome: platforms.Unknown, Err: ctx.Err()}
	}
	return rc, err
}

func (s *stall) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	return finding{s.fakePlatform}.Find(ctx, p, a)
}

func (s *stall) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if !s.hang(ctx) {
		return nil, ctx.Err()
	}
	likes := int64(len(r.IDs[0]))
	return &platforms.Metrics{Likes: &likes}, nil
}

// interruptedApply starts an apply of posts a to d on the rig, one call
// at a time, through st, and interrupts it while its first call hangs.
// hurry, when set, is closed right after the interrupt; release lets the
// call in flight finish then.
func interruptedApply(t *testing.T, r *rig, st *stall, grace time.Duration, hurry, release bool) (*Result, time.Duration, error) {
	t.Helper()
	s := r.checkout()
	p := r.plan(s)
	ap := r.applier(s, &process{}, nil)
	ap.Concurrency = 1
	ap.Grace = grace
	ap.Providers = func(string) ([]platforms.Publisher, error) { return []platforms.Publisher{st}, nil }
	hurryCh := make(chan struct{})
	ap.Hurry = hurryCh
	ctx, interrupt := context.WithCancel(t.Context())
	type ret struct {
		res *Result
		err error
	}
	done := make(chan ret, 1)
	go func() {
		res, err := ap.Apply(ctx, p)
		done <- ret{res, err}
	}()
	select {
	case <-st.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the apply made no call in 30s")
	}
	began := time.Now()
	interrupt()
	if hurry {
		close(hurryCh)
	}
	if release {
		close(st.release)
	}
	select {
	case rt := <-done:
		return rt.res, time.Since(began), rt.err
	case <-time.After(60 * time.Second):
		t.Fatal("the interrupted apply did not return in 60s")
	}
	return nil, 0, nil
}

// TestApplyInterruptRecordsResults: SIGINT or SIGTERM (a cancelled
// Actions job) while a call is in flight. No call starts after it; the
// call in flight finishes, or is cut when the grace period runs out or a
// second signal says to hurry; and every result is committed and pushed,
// although the run's context is cancelled. The next runs then settle
// every post exactly once.
func TestApplyInterruptRecordsResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		grace time.Duration
		hurry bool
		// released lets the call in flight finish.
		released bool
		// first is a's outcome and status on the remote.
		first  Outcome
		status state.Status
	}{
		{name: "the call in flight finishes", grace: time.Minute, released: true, first: OutPublished, status: state.StatusPublished},
		{name: "the grace period runs out", grace: 3 * time.Second, first: OutUnknown, status: state.StatusPublishing},
		{name: "a second signal hurries", grace: time.Hour, hurry: true, first: OutUnknown, status: state.StatusPublishing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, false, false, "x")
			for _, id := range []string{"a", "b", "c", "d"} {
				r.addPost(id)
			}
			st := newStall(r.fakes["x"])
			res, took, err := interruptedApply(t, r, st, tt.grace, tt.hurry, tt.released)
			if err != nil {
				t.Fatalf("interrupted apply: %v", err)
			}
			want := []string{"a/x:" + string(tt.first), "b/x:deferred", "c/x:deferred", "d/x:deferred"}
			if diff := cmp.Diff(want, outcomes(res)); diff != "" {
				t.Fatalf("outcomes (-want +got):\n%s", diff)
			}
			if !tt.released && took > 20*time.Second {
				t.Errorf("the interrupted apply took %s to wind down", took)
			}
			if n := r.total(); n != 1 {
				t.Fatalf("%d posts on the platform, want only the call in flight's", n)
			}

			// The remote knows what happened, as a fresh checkout sees it.
			a := r.remoteState("a", "x")
			if a.Status != tt.status || a.Attempt != "key-1" {
				t.Errorf("a/x on the remote: %+v, want %s", a, tt.status)
			}
			if tt.status == state.StatusPublishing && (a.LastError == nil || a.LastError.Kind != state.KindUnknownOutcome) {
				t.Errorf("a/x on the remote: %+v, want its unknown outcome recorded for the look-up", a)
			}
			for _, id := range []string{"b", "c", "d"} {
				ts := r.remoteState(id, "x")
				if ts.Status != state.StatusFailed || ts.LastError == nil || ts.LastError.Kind != state.KindDeferred || !ts.NextRetryAt.Equal(planNow) {
					t.Errorf("%s/x on the remote: %+v, want not sent, to be sent at once", id, ts)
				}
			}

			runs := r.settle(2)
			if runs != 1 {
				t.Errorf("settled in %d runs, want 1", runs)
			}
			r.assertExactlyOnce()
		})
	}
}

// TestApplyInterruptedBeforeCalls: an apply stopped before its intents
// records none and sends nothing; an earlier run's attempt it had found
// is still recorded.
func TestApplyInterruptedBeforeCalls(t *testing.T) {
	w := newWorld(t, nil)
	x := &fakePlatform{name: "x", now: w.clock.Now}
	w.providers["x"] = []platforms.Publisher{finding{x}}
	w.addPost("a", "hello", "x")
	w.addPost("b", "world", "x")
	// a was sent by a run that died before recording it.
	if err := w.store.Put(&state.Record{Post: "a", File: "posts/a.md", Targets: map[string]state.TargetState{
		"x": {Status: state.StatusPublishing, Attempt: "k0", Attempts: 1, LastAttemptAt: planNow}}}); err != nil {
		t.Fatal(err)
	}
	x.posts = []fakePost{{key: "k0", text: "hello", id: "1", at: planNow}}

	ctx, interrupt := context.WithCancel(context.Background())
	p := w.plan(ctx)
	ap := w.applier()
	ap.Hook = func(step Step, _ *Action) error {
		if step == StepAfterCall {
			interrupt() // after the look-up
		}
		return nil
	}
	res, err := ap.Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/x:published", "b/x:deferred"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if ts := w.status("a", "x"); ts.Status != state.StatusPublished {
		t.Errorf("a/x: %+v, want the look-up's find recorded", ts)
	}
	rec, err := w.store.Load(context.Background(), "b")
	if err == nil && len(rec.Targets) > 0 {
		t.Errorf("b has state %+v, want none: nothing was recorded or sent", rec.Targets)
	}
	if x.calls != 0 {
		t.Errorf("%d publish calls after the interrupt", x.calls)
	}
	if commits := w.store.(*state.MemStore).Commits(); len(commits) != 1 {
		t.Errorf("%d commits, want the results only", len(commits))
	}
}

// TestSyncInterruptRecordsMetrics: a sync interrupted while it reads
// metrics commits and pushes what it read.
func TestSyncInterruptRecordsMetrics(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, false, "x")
	r.addPost("a")
	r.addPost("b")
	r.settle(1)

	s := r.checkout()
	st := newStall(r.fakes["x"])
	close(st.release)
	ap := r.applier(s, &process{}, nil)
	ap.Concurrency = 1
	ap.Providers = func(string) ([]platforms.Publisher, error) { return []platforms.Publisher{st}, nil }
	ctx, interrupt := context.WithCancel(t.Context())
	ap.Hook = func(step Step, _ *Action) error {
		if step == StepAfterCall {
			interrupt()
		}
		return nil
	}
	res, err := ap.Sync(ctx, DefaultSchedule())
	if err != nil {
		t.Fatalf("interrupted sync: %v", err)
	}
	var got []string
	for _, it := range res.Items {
		got = append(got, it.Post+":"+string(it.Outcome))
	}
	if diff := cmp.Diff([]string{"a:synced", "b:failed"}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if a := r.remoteState("a", "x"); a.Metrics == nil || a.Metrics.Likes == nil {
		t.Errorf("a/x on the remote: %+v, want the metrics read before the interrupt", a)
	}
	if b := r.remoteState("b", "x"); b.Metrics != nil {
		t.Errorf("b/x on the remote has metrics %+v, but none were read", b.Metrics)
	}
}
