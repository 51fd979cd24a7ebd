package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// world is a content repository, its state store and its platforms, run
// the way the CLI runs them: plan from the store, then apply.
type world struct {
	t         *testing.T
	clock     *clock
	posts     []schema.Summary
	texts     map[string]string   // post ID -> text
	parts     map[string][]string // post ID -> thread parts, for threads
	store     state.Store
	providers map[string][]platforms.Publisher
	keys      int
	budget    time.Duration
	hook      func(Step, *Action) error
	push      bool
}

func newWorld(t *testing.T, store state.Store) *world {
	if store == nil {
		s, err := state.NewMemStore()
		if err != nil {
			t.Fatal(err)
		}
		store = s
	}
	return &world{t: t, clock: &clock{t: planNow}, store: store, texts: map[string]string{},
		providers: map[string][]platforms.Publisher{}}
}

func (w *world) addPost(id, text string, targets ...string) {
	s := post(id, nil, targets...)
	for i := range s.Targets {
		s.Targets[i].Hash = hashOf(text, s.Targets[i].Name)
	}
	w.posts = append(w.posts, s)
	w.texts[id] = text
}

// addThread adds a post due now whose body is a thread of parts.
func (w *world) addThread(id string, parts []string, targets ...string) {
	if w.parts == nil {
		w.parts = map[string][]string{}
	}
	w.parts[id] = parts
	w.addPost(id, strings.Join(parts, "\n\n"), targets...)
}

// payload is what a target receives of a post: one part of text, or the
// parts of a thread.
func payload(a Action, text string, parts []string) *platforms.Payload {
	p := &platforms.Payload{PostID: a.Post, Target: a.Target, Platform: a.Platform,
		Parts: []platforms.Part{{Text: text}}, Hash: hashOf(text, a.Target)}
	if len(parts) > 0 {
		p.Parts = nil
		for _, t := range parts {
			p.Parts = append(p.Parts, platforms.Part{Text: t})
		}
	}
	return p
}

func hashOf(text, target string) string {
	return fmt.Sprintf("%x", len(text)) + "-" + text + "-" + target
}

func (w *world) plan(ctx context.Context) *Plan {
	var records []*state.Record
	if err := w.store.Walk(ctx, func(r *state.Record) error { records = append(records, r); return nil }); err != nil {
		w.t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Accounts["mastodon2"] = &schema.Account{Name: "mastodon2", Platform: "mastodon"}
	return MakePlan(PlanInput{Now: w.clock.Now(), Posts: w.posts, Records: records, Config: cfg, Caps: caps})
}

func (w *world) applier() *Applier {
	return &Applier{
		Store: w.store,
		Providers: func(target string) ([]platforms.Publisher, error) {
			p, ok := w.providers[target]
			if !ok {
				return nil, fmt.Errorf("no account %q", target)
			}
			return p, nil
		},
		Payload: func(ctx context.Context, a Action, _ map[string]string) (*platforms.Payload, error) {
			return payload(a, w.texts[a.Post], w.parts[a.Post]), nil
		},
		Now:         w.clock.Now,
		Sleep:       w.clock.Sleep,
		NewKey:      func() string { w.keys++; return fmt.Sprintf("key-%d", w.keys) },
		MaxDuration: w.budget,
		Hook:        w.hook,
		Push:        w.push,
		Limit:       nil,
	}
}

// run plans and applies once, as `herald apply` does.
func (w *world) run() (*Result, error) {
	ctx := context.Background()
	return w.applier().Apply(ctx, w.plan(ctx))
}

func (w *world) mustRun() *Result {
	w.t.Helper()
	res, err := w.run()
	if err != nil {
		w.t.Fatalf("apply: %v", err)
	}
	return res
}

func (w *world) status(id, target string) state.TargetState {
	w.t.Helper()
	r, err := w.store.Load(context.Background(), id)
	if err != nil {
		w.t.Fatalf("load %s: %v", id, err)
	}
	return r.Targets[target]
}

func outcomes(res *Result) []string {
	var out []string
	for _, it := range res.Items {
		out = append(out, it.Post+"/"+it.Target+":"+string(it.Outcome))
	}
	return out
}

func TestApplyPublishesOnceAndIsIdempotent(t *testing.T) {
	w := newWorld(t, nil)
	x := &fakePlatform{name: "x"}
	m := &fakePlatform{name: "mastodon", idempotent: true}
	w.providers["x"] = []platforms.Publisher{x}
	w.providers["mastodon"] = []platforms.Publisher{m}
	w.addPost("a", "hello", "x", "mastodon")
	w.addPost("b", "world", "x")

	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/mastodon:published", "a/x:published", "b/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	ts := w.status("a", "x")
	if ts.Status != state.StatusPublished || len(ts.URLs) != 1 || ts.Attempt == "" || ts.Attempts != 1 ||
		ts.LastAttemptAt != planNow || ts.FirstPublishedAt != planNow || ts.Provider != "x" || ts.Hash != hashOf("hello", "x") {
		t.Errorf("state of a/x: %+v", ts)
	}
	// One commit for the intents, one for the results.
	if ms, ok := w.store.(*state.MemStore); ok && len(ms.Commits()) != 2 {
		t.Errorf("commits = %d, want 2", len(ms.Commits()))
	}

	res = w.mustRun()
	if len(res.Items) != 0 {
		t.Errorf("second run did something: %v", outcomes(res))
	}
	if got := x.texts(); len(got) != 2 {
		t.Errorf("x has %d posts, want 2: %q", len(got), got)
	}
	if got := m.texts(); len(got) != 1 {
		t.Errorf("mastodon has %d posts, want 1", len(got))
	}
}

func TestApplyTimeoutAfterAcceptIsFoundNextRun(t *testing.T) {
	w := newWorld(t, nil)
	x := &fakePlatform{name: "x", faults: []fault{faultAcceptThenTimeout}}
	w.providers["x"] = []platforms.Publisher{finding{x}}
	w.addPost("a", "hello", "x")

	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/x:unknown"}, outcomes(res)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	if !res.Failed() {
		t.Error("an unknown outcome must fail the run")
	}
	if ts := w.status("a", "x"); ts.Status != state.StatusPublishing || ts.Attempt != "key-1" {
		t.Fatalf("after timeout: %+v", ts)
	}
	if p := w.plan(context.Background()); p.Actions[0].Kind != Resolve {
		t.Fatalf("next plan: %+v", p.Actions)
	}
	res = w.mustRun()
	if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("second run (-want +got):\n%s", diff)
	}
	if n := len(x.texts()); n != 1 {
		t.Fatalf("x has %d posts, want exactly 1", n)
	}
	if ts := w.status("a", "x"); ts.Status != state.StatusPublished || ts.IDs[0] != "1" {
		t.Errorf("after resolve: %+v", ts)
	}
}

func TestApplyResolveNotFoundRetriesWithSameKey(t *testing.T) {
	w := newWorld(t, nil)
	m := &fakePlatform{name: "mastodon", idempotent: true}
	w.providers["mastodon"] = []platforms.Publisher{finding{m}}
	w.addPost("a", "hello", "mastodon")
	// A run that crashed after its intent: publishing, never sent.
	rec := &state.Record{Post: "a", File: "posts/a.md", Targets: map[string]state.TargetState{
		"mastodon": {Status: state.StatusPublishing, Attempt: "crashed-key", Attempts: 1}}}
	if err := w.store.Put(rec); err != nil {
		t.Fatal(err)
	}
	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/mastodon:published"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if m.posts[0].key != "crashed-key" {
		t.Errorf("retried with key %q, want the recorded one", m.posts[0].key)
	}
}

func TestApplyResolveUndecidableAsksAHuman(t *testing.T) {
	tests := []struct {
		name string
		pub  platforms.Publisher
	}{
		{name: "finder cannot tell", pub: finding{&fakePlatform{name: "x", findErr: errors.New("search unavailable")}}},
		{name: "no finder", pub: &fakePlatform{name: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			w.providers["x"] = []platforms.Publisher{tt.pub}
			w.addPost("a", "hello", "x")
			if err := w.store.Put(&state.Record{Post: "a", Targets: map[string]state.TargetState{"x": {Status: state.StatusPublishing, Attempt: "k"}}}); err != nil {
				t.Fatal(err)
			}
			res := w.mustRun()
			if diff := cmp.Diff([]string{"a/x:unknown"}, outcomes(res)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if ts := w.status("a", "x"); ts.Status != state.StatusUnknown {
				t.Errorf("status %s, want unknown", ts.Status)
			}
			if want := "check the account x on x for the post (attempt k), then run herald resolve a x --published URL"; !strings.Contains(res.Items[0].Detail, want) {
				t.Errorf("detail %q does not say what to check and how to record it (%q)", res.Items[0].Detail, want)
			}
			if p := w.plan(context.Background()); p.Actions[0].Kind != Held {
				t.Errorf("next plan %s, want held for a human", p.Actions[0].Kind)
			}
		})
	}
}

func TestApplyRateLimit(t *testing.T) {
	t.Run("retry after fits the budget", func(t *testing.T) {
		w := newWorld(t, nil)
		x := &fakePlatform{name: "x", faults: []fault{fault429}}
		w.providers["x"] = []platforms.Publisher{x}
		w.addPost("a", "hello", "x")
		w.budget = 5 * time.Minute
		res := w.mustRun()
		if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		if waited := w.clock.Now().Sub(planNow); waited < 30*time.Second {
			t.Errorf("waited %s, want at least the 30s Retry-After", waited)
		}
	})
	t.Run("retry after beyond the budget defers", func(t *testing.T) {
		w := newWorld(t, nil)
		x := &fakePlatform{name: "x", faults: []fault{fault429}}
		w.providers["x"] = []platforms.Publisher{x}
		w.addPost("a", "hello", "x")
		w.budget = 10 * time.Second
		res := w.mustRun()
		if diff := cmp.Diff([]string{"a/x:deferred"}, outcomes(res)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		ts := w.status("a", "x")
		if ts.Status != state.StatusFailed || ts.NextRetryAt.IsZero() || ts.LastError.Kind != state.KindDeferred {
			t.Fatalf("state %+v", ts)
		}
		// Before the wait is over the plan holds it; after, it retries.
		if p := w.plan(context.Background()); p.Actions[0].Kind != Held {
			t.Errorf("plan before the wait: %s", p.Actions[0].Kind)
		}
		w.clock.t = ts.NextRetryAt
		res = w.mustRun()
		if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		if n := len(x.texts()); n != 1 {
			t.Errorf("%d posts, want 1", n)
		}
	})
}

func TestApplyFailover(t *testing.T) {
	tests := []struct {
		name    string
		fault   fault
		want    string
		onFirst int
		onNext  int
	}{
		{name: "auth rejected fails over", fault: faultAuth, want: "a/mastodon:published", onNext: 1},
		{name: "refused connection fails over", fault: faultRefused, want: "a/mastodon:published", onNext: 1},
		// A retryable refusal fails over at once, without waiting for
		// the first provider's Retry-After or backoff.
		{name: "rate limited fails over at once", fault: fault429, want: "a/mastodon:published", onNext: 1},
		{name: "unavailable before acceptance fails over", fault: fault503, want: "a/mastodon:published", onNext: 1},
		{name: "timeout after accept never fails over", fault: faultAcceptThenTimeout, want: "a/mastodon:unknown", onFirst: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			direct := &fakePlatform{name: "mastodon", faults: []fault{tt.fault}}
			relay := &fakePlatform{name: "postforme"}
			w.providers["mastodon"] = []platforms.Publisher{direct, relay}
			w.addPost("a", "hello", "mastodon")
			res := w.mustRun()
			if diff := cmp.Diff([]string{tt.want}, outcomes(res)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if len(direct.texts()) != tt.onFirst || len(relay.texts()) != tt.onNext {
				t.Errorf("direct %d, relay %d posts; want %d, %d", len(direct.texts()), len(relay.texts()), tt.onFirst, tt.onNext)
			}
		})
	}
}

// TestApplyFailoverAllRefuse: when every provider refuses, the failure
// names each refusal, and the last provider's retryable refusal was
// retried while the first one's was not.
func TestApplyFailoverAllRefuse(t *testing.T) {
	w := newWorld(t, nil)
	direct := &fakePlatform{name: "mastodon", faults: []fault{fault429, fault429}}
	relay := &fakePlatform{name: "postforme", faults: []fault{faultAuth}}
	w.providers["mastodon"] = []platforms.Publisher{direct, relay}
	w.addPost("a", "hello", "mastodon")
	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/mastodon:failed"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if direct.calls != 1 || relay.calls != 1 {
		t.Errorf("calls: direct %d, relay %d; want 1 each (no retry before failing over)", direct.calls, relay.calls)
	}
	detail := res.Items[0].Detail
	for _, want := range []string{"postforme: 401", "after failing over from mastodon: mastodon: 429"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q lacks %q", detail, want)
		}
	}
}

// TestApplyProviderGone: a post published through a relay that the
// account no longer lists is never edited through another provider.
func TestApplyProviderGone(t *testing.T) {
	w := newWorld(t, nil)
	direct := &fakePlatform{name: "mastodon", faults: []fault{faultAuth}}
	relay := &fakePlatform{name: "postforme"}
	w.providers["mastodon"] = []platforms.Publisher{direct, relay}
	w.addPost("a", "hello", "mastodon")
	w.mustRun()
	if ts := w.status("a", "mastodon"); ts.Provider != "postforme" {
		t.Fatalf("provider %q, want postforme", ts.Provider)
	}
	w.providers["mastodon"] = []platforms.Publisher{direct}
	w.addPost("a", "hello, edited", "mastodon")
	res := w.mustRun()
	if len(res.Items) != 1 || res.Items[0].Outcome != OutFailed || !strings.Contains(res.Items[0].Detail, "add postforme back") {
		t.Fatalf("items %+v; want the edit failed, naming the provider", res.Items)
	}
	if direct.calls != 1 {
		t.Errorf("direct adapter called %d times, want only the refused publish", direct.calls)
	}
}

func TestApplyOneFailureBlocksNoOther(t *testing.T) {
	w := newWorld(t, nil)
	x := &fakePlatform{name: "x", faults: []fault{faultAuth}}
	m := &fakePlatform{name: "mastodon"}
	w.providers["x"] = []platforms.Publisher{x}
	w.providers["mastodon"] = []platforms.Publisher{m}
	w.addPost("a", "hello", "x", "mastodon")
	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/mastodon:published", "a/x:failed"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	ts := w.status("a", "x")
	if ts.Status != state.StatusFailed || !ts.NextRetryAt.Equal(planNow.Add(CredentialRetry)) || ts.LastError.Kind != state.KindAuth {
		t.Errorf("x state %+v", ts)
	}
	// The next run re-posts nothing and holds the refused account...
	res = w.mustRun()
	if len(res.Items) != 0 {
		t.Errorf("second run: %v", outcomes(res))
	}
	if n := len(m.texts()); n != 1 {
		t.Errorf("mastodon has %d posts", n)
	}
	// ... until its credentials may have been fixed: then it is tried
	// again by itself, and only it.
	w.clock.t = planNow.Add(CredentialRetry)
	res = w.mustRun()
	if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("after the credential wait (-want +got):\n%s", diff)
	}
	if len(x.texts()) != 1 || len(m.texts()) != 1 {
		t.Errorf("x has %d posts, mastodon %d; want one each", len(x.texts()), len(m.texts()))
	}
}

func TestApplyRetryableFailureBacksOff(t *testing.T) {
	w := newWorld(t, nil)
	x := &fakePlatform{name: "x", faults: []fault{fault503, fault503, fault503, fault503, fault503}}
	w.providers["x"] = []platforms.Publisher{x}
	w.addPost("a", "hello", "x")
	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/x:failed"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if x.calls != 4 {
		t.Errorf("calls = %d, want 1 + 3 retries", x.calls)
	}
	ts := w.status("a", "x")
	if ts.NextRetryAt.IsZero() {
		t.Fatal("a retryable failure needs a retry time")
	}
	w.clock.t = ts.NextRetryAt
	res = w.mustRun()
	if diff := cmp.Diff([]string{"a/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("retry (-want +got):\n%s", diff)
	}
}

func TestApplyUpdateAndDelete(t *testing.T) {
	w := newWorld(t, nil)
	m := &fakePlatform{name: "mastodon"}
	w.providers["mastodon"] = []platforms.Publisher{m}
	w.addPost("a", "hello", "mastodon")
	w.mustRun()

	w.posts = nil
	w.addPost("a", "hello, edited", "mastodon")
	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/mastodon:updated"}, outcomes(res)); diff != "" {
		t.Fatalf("update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hello, edited"}, m.texts()); diff != "" {
		t.Errorf("platform (-want +got):\n%s", diff)
	}

	w.posts[0].Delete = true
	res = w.mustRun()
	if diff := cmp.Diff([]string{"a/mastodon:deleted"}, outcomes(res)); diff != "" {
		t.Fatalf("delete (-want +got):\n%s", diff)
	}
	if len(m.texts()) != 0 {
		t.Errorf("still live: %q", m.texts())
	}
	if ts := w.status("a", "mastodon"); ts.Status != state.StatusDeleted {
		t.Errorf("status %s", ts.Status)
	}
	if res := w.mustRun(); len(res.Items) != 0 {
		t.Errorf("after delete: %v", outcomes(res))
	}
}

func TestApplyDryRunTouchesNothing(t *testing.T) {
	w := newWorld(t, nil)
	x := &fakePlatform{name: "x"}
	w.providers["x"] = []platforms.Publisher{x}
	w.addPost("a", "hello", "x")
	ap := w.applier()
	ap.DryRun = true
	res, err := ap.Apply(context.Background(), w.plan(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/x:dry-run"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if x.calls != 0 || len(w.store.(*state.MemStore).Commits()) != 0 {
		t.Errorf("dry run called %d times, committed %d", x.calls, len(w.store.(*state.MemStore).Commits()))
	}
}

// reporting is a fakePlatform whose responses say, as rate-limit headers
// would, that no request is left until a reset.
type reporting struct {
	*fakePlatform
	reset time.Time
	calls []time.Time
	clock *clock
}

func (r *reporting) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	r.calls = append(r.calls, r.clock.Now())
	return r.fakePlatform.Publish(ctx, p, key)
}

func (r *reporting) RateLimit() (int, time.Time, bool) { return 0, r.reset, true }

// TestApplyHonoursRateLimitReset: after a response saying nothing is left
// until the reset, the account's next call waits for the reset, instead
// of meeting a 429.
func TestApplyHonoursRateLimitReset(t *testing.T) {
	w := newWorld(t, nil)
	rp := &reporting{fakePlatform: &fakePlatform{name: "x"}, reset: planNow.Add(15 * time.Minute), clock: w.clock}
	w.providers["x"] = []platforms.Publisher{rp}
	w.addPost("a", "one", "x")
	w.addPost("b", "two", "x")
	ap := w.applier()
	ap.Concurrency = 1
	res, err := ap.Apply(context.Background(), w.plan(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/x:published", "b/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if len(rp.calls) != 2 || rp.calls[1].Before(rp.reset) {
		t.Errorf("calls at %v; the second must wait for the reset at %v", rp.calls, rp.reset)
	}
}
