package reconcile

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/x"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

func TestScheduleDue(t *testing.T) {
	pub := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	never := time.Time{}
	cases := []struct {
		name     string
		age      time.Duration
		sinceRun time.Duration // since the last sync; 0: never synced
		due      bool
		next     time.Duration // after pub; 0: never
	}{
		{name: "30m never synced", age: 30 * time.Minute, due: true},
		{name: "30m synced 10m ago", age: 30 * time.Minute, sinceRun: 10 * time.Minute, next: 74 * time.Minute},
		{name: "30m synced 58m ago at publish", age: 58 * time.Minute, sinceRun: 58 * time.Minute, due: true},
		{name: "5h never synced", age: 5 * time.Hour, due: true},
		{name: "5h synced 30m ago", age: 5 * time.Hour, sinceRun: 30 * time.Minute, next: 5*time.Hour + 24*time.Minute},
		{name: "5h synced 70m ago", age: 5 * time.Hour, sinceRun: 70 * time.Minute, due: true},
		{name: "23h30m synced 20m ago waits for the 6h tier", age: 23*time.Hour + 30*time.Minute, sinceRun: 20 * time.Minute,
			next: 23*time.Hour + 10*time.Minute + 5*time.Hour + 24*time.Minute},
		{name: "3d never synced", age: 72 * time.Hour, due: true},
		{name: "3d synced 2h ago", age: 72 * time.Hour, sinceRun: 2 * time.Hour, next: 70*time.Hour + 5*time.Hour + 24*time.Minute},
		{name: "3d synced 7h ago", age: 72 * time.Hour, sinceRun: 7 * time.Hour, due: true},
		{name: "60d never synced", age: 60 * 24 * time.Hour, due: true},
		{name: "60d synced 3h ago", age: 60 * 24 * time.Hour, sinceRun: 3 * time.Hour,
			next: 60*24*time.Hour - 3*time.Hour + 21*time.Hour + 36*time.Minute},
		{name: "60d synced 25h ago", age: 60 * 24 * time.Hour, sinceRun: 25 * time.Hour, due: true},
		{name: "89d23h synced 2h ago is never due again", age: 90*24*time.Hour - time.Hour, sinceRun: 2 * time.Hour},
		{name: "100d never synced", age: 100 * 24 * time.Hour},
		{name: "100d synced 1h ago", age: 100 * 24 * time.Hour, sinceRun: time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := pub.Add(c.age)
			synced := never
			if c.sinceRun > 0 {
				synced = now.Add(-c.sinceRun)
			}
			due, next := DefaultSchedule().Due(pub, synced, now)
			want := never
			if c.next > 0 {
				want = pub.Add(c.next)
			}
			if due != c.due || !next.Equal(want) {
				t.Errorf("Due = %v, %v; want %v, %v", due, next, c.due, want)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	t.Run("default round trip", func(t *testing.T) {
		s := DefaultSchedule().String()
		if s != "1d:1h,7d:6h,90d:1d" {
			t.Errorf("String = %q", s)
		}
		got, err := ParseSchedule(s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(DefaultSchedule(), got); diff != "" {
			t.Errorf("ParseSchedule (-want +got):\n%s", diff)
		}
	})
	t.Run("minutes", func(t *testing.T) {
		got, err := ParseSchedule("12h:30m, 2d:90m")
		if err != nil {
			t.Fatal(err)
		}
		want := Schedule{{Until: 12 * time.Hour, Every: 30 * time.Minute}, {Until: 48 * time.Hour, Every: 90 * time.Minute}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if got.String() != "12h:30m,2d:1h30m" {
			t.Errorf("String = %q", got.String())
		}
	})
	for _, bad := range []string{"", "24h", "7d:6h,1d:1h", "xd:1h", "1d:0s", "1d:soon"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			if _, err := ParseSchedule(bad); err == nil {
				t.Errorf("ParseSchedule(%q) succeeded", bad)
			}
		})
	}
}

// syncWorld is a published post on the real adapters, each talking to its
// platform's contract fake, and the state that records it.
type syncWorld struct {
	t     *testing.T
	clock *clock
	masto *mastodon.Fake
	bsky  *bluesky.Fake
	xf    *x.Fake
	// limited makes the proxy in front of Mastodon answer 429 to reads.
	limited atomic.Bool
	pubs    map[string]platforms.Publisher
	store   *state.MemStore
}

const syncMastoToken = "sync-mastodon-token"

func newSyncWorld(t *testing.T) *syncWorld {
	t.Helper()
	w := &syncWorld{t: t, clock: &clock{t: planNow}, pubs: map[string]platforms.Publisher{}}
	w.masto = mastodon.NewFake(t, mastodon.FakeOptions{Token: syncMastoToken, Now: w.clock.Now})
	w.bsky = bluesky.NewFake(t, bluesky.FakeOptions{Password: "app-pass", Now: w.clock.Now})
	w.xf = x.NewFake(t, x.FakeOptions{Now: w.clock.Now})

	// Mastodon is reached through a proxy that can rate-limit its reads,
	// as a server does after too many requests in its window.
	target, err := url.Parse(w.masto.URL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if w.limited.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/api/v1/statuses/") {
			rw.Header().Set("Retry-After", "30")
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(rw, `{"error":"Too many requests"}`)
			return
		}
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(proxy.Close)
	mastoBase := proxy.URL + target.Path

	env := map[string]string{"MASTODON_TOKEN": syncMastoToken, "BLUESKY_PASSWORD": "app-pass",
		"X_CLIENT_ID": "herald-client", "X_ACCESS_TOKEN": w.xf.AccessToken(), "X_REFRESH_TOKEN": w.xf.RefreshToken()}
	getenv := func(k string) string { return env[k] }
	log := slog.New(slog.DiscardHandler)
	for _, s := range []struct {
		new  func(platforms.Settings) (platforms.Publisher, error)
		name string
		base string
		vals map[string]any
	}{
		{mastodon.New, "mastodon", mastoBase, map[string]any{"token_env": "MASTODON_TOKEN"}},
		{bluesky.New, "bluesky", w.bsky.URL(), map[string]any{"handle": w.bsky.AccountHandle(), "password_env": "BLUESKY_PASSWORD", "appview_url": w.bsky.AppViewURL()}},
		{x.New, "x", w.xf.URL(), map[string]any{"client_id_env": "X_CLIENT_ID", "access_token_env": "X_ACCESS_TOKEN", "refresh_token_env": "X_REFRESH_TOKEN"}},
	} {
		pub, err := s.new(platforms.Settings{Account: s.name, Platform: s.name, BaseURL: s.base, Values: s.vals,
			Getenv: getenv, HTTPClient: &http.Client{Timeout: 10 * time.Second}, Logger: log, Now: w.clock.Now, Tokens: &platforms.MemTokens{}})
		if err != nil {
			t.Fatal(err)
		}
		w.pubs[s.name] = pub
	}
	// An account whose adapter cannot read metrics.
	w.pubs["blog"] = &fakePlatform{name: "blog"}
	return w
}

// publish posts id to every target through the adapters, as apply would
// have, and returns the record apply would have written, published at at.
func (w *syncWorld) publish(id string, at time.Time, targets ...string) *state.Record {
	w.t.Helper()
	rec := &state.Record{Post: id, File: "posts/" + id + ".md", Targets: map[string]state.TargetState{}}
	for _, target := range targets {
		pub := w.pubs[target]
		rc, err := pub.Publish(w.t.Context(), &platforms.Payload{PostID: id, Target: target, Platform: target,
			Parts: []platforms.Part{{Text: "Sluice 2 is out: " + id}}}, platforms.AttemptKey("key-"+id+"-"+target))
		if err != nil {
			w.t.Fatalf("publish %s to %s: %v", id, target, err)
		}
		rec.Targets[target] = state.TargetState{Status: state.StatusPublished, Attempt: "key-" + id + "-" + target, Attempts: 1,
			IDs: rc.IDs, URLs: rc.URLs, Provider: pub.Name(), FirstPublishedAt: at, UpdatedAt: at,
			Hash: "t-" + id + "-" + target} // as post() hashes it, so that the plan sees it unchanged
	}
	return rec
}

func (w *syncWorld) applier() *Applier {
	return &Applier{
		Store: w.store,
		Providers: func(target string) ([]platforms.Publisher, error) {
			p, ok := w.pubs[target]
			if !ok {
				return nil, fmt.Errorf("no account %q", target)
			}
			return []platforms.Publisher{p}, nil
		},
		Now:   w.clock.Now,
		Sleep: w.clock.Sleep,
	}
}

func (w *syncWorld) load(id, target string) state.TargetState {
	w.t.Helper()
	r, err := w.store.Load(w.t.Context(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return r.Targets[target]
}

// brief is what a test compares of a sync item: the metrics' counts as
// printed, not their sync time.
type brief struct {
	Post, Target string
	Outcome      SyncOutcome
	Counts       string
}

func briefs(res *SyncResult) []brief {
	var out []brief
	for _, it := range res.Items {
		out = append(out, brief{Post: it.Post, Target: it.Target, Outcome: it.Outcome, Counts: it.Counts()})
	}
	return out
}

func ptr(v int64) *int64 { return &v }

func TestSyncReadsTheAdapters(t *testing.T) {
	w := newSyncWorld(t)
	launch := w.publish("launch", planNow.Add(-2*time.Hour), "mastodon", "bluesky", "x", "blog")
	old := w.publish("old", planNow.Add(-100*24*time.Hour), "mastodon")
	fresh := w.publish("fresh", planNow.Add(-3*time.Hour), "mastodon")
	// Synced 20 minutes ago: not due until an hour after that, less slack.
	ts := fresh.Targets["mastodon"]
	ts.Metrics = &state.Metrics{Likes: ptr(1), SyncedAt: planNow.Add(-20 * time.Minute)}
	fresh.Targets["mastodon"] = ts

	w.masto.SetCounts(launch.Targets["mastodon"].IDs[0], mastodon.Counts{Favourites: 12, Reblogs: 3, Replies: 1})
	w.bsky.Engage(launch.Targets["bluesky"].IDs[0], bluesky.Counts{Likes: 40, Reposts: 5, Replies: 2, Quotes: 1})
	store, err := state.NewMemStore(launch, old, fresh)
	if err != nil {
		t.Fatal(err)
	}
	w.store = store

	res, err := w.applier().Sync(t.Context(), DefaultSchedule())
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{Post: "fresh", Target: "mastodon", Outcome: SyncNotDue},
		{Post: "launch", Target: "blog", Outcome: SyncUnsupported},
		// Bluesky gives no impressions; the fake reports no bookmarks.
		{Post: "launch", Target: "bluesky", Outcome: SyncSynced, Counts: "likes 40, reposts 5, replies 2, quotes 1"},
		// Mastodon gives no impressions; this server (4.5) gives quotes.
		{Post: "launch", Target: "mastodon", Outcome: SyncSynced, Counts: "likes 12, reposts 3, replies 1, quotes 0"},
		{Post: "launch", Target: "x", Outcome: SyncSynced, Counts: "likes 7, reposts 2, replies 1, quotes 0, impressions 120, saves 3"},
		{Post: "old", Target: "mastodon", Outcome: SyncNotDue},
	}
	if diff := cmp.Diff(want, briefs(res)); diff != "" {
		t.Errorf("sync items (-want +got):\n%s", diff)
	}
	if res.Failed() {
		t.Error("Failed() = true with nothing failed")
	}
	if got, want := res.Items[0].Next, planNow.Add(-20*time.Minute+54*time.Minute); !got.Equal(want) {
		t.Errorf("fresh is next due at %v, want %v", got, want)
	}

	wantMasto := &state.Metrics{Likes: ptr(12), Reposts: ptr(3), Replies: ptr(1), Quotes: ptr(0), SyncedAt: planNow}
	got := w.load("launch", "mastodon")
	if diff := cmp.Diff(wantMasto, got.Metrics); diff != "" {
		t.Errorf("recorded metrics (-want +got):\n%s", diff)
	}
	if !got.UpdatedAt.Equal(planNow.Add(-2 * time.Hour)) {
		t.Errorf("updated_at changed to %v: metrics must not win a merge over a status change", got.UpdatedAt)
	}
	if m := w.load("launch", "blog").Metrics; m != nil {
		t.Errorf("unsupported target got metrics %+v", m)
	}

	commits := store.Commits()
	if len(commits) != 1 {
		t.Fatalf("%d commits, want 1", len(commits))
	}
	if first, _, _ := strings.Cut(commits[0].Message, "\n"); first != "herald: sync metrics of 3 targets [skip ci]" {
		t.Errorf("commit message %q", first)
	}

	t.Run("a second run an hour later commits once more", func(t *testing.T) {
		w.clock.Sleep(t.Context(), time.Hour)
		w.masto.SetCounts(launch.Targets["mastodon"].IDs[0], mastodon.Counts{Favourites: 20, Reblogs: 4, Replies: 1})
		res, err := w.applier().Sync(t.Context(), DefaultSchedule())
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Count(SyncSynced); n != 4 {
			t.Errorf("%d synced, want 4 (launch on three platforms, fresh)", n)
		}
		if got := w.load("launch", "mastodon").Metrics; *got.Likes != 20 || !got.SyncedAt.Equal(planNow.Add(time.Hour)) {
			t.Errorf("metrics %+v", got)
		}
		if n := len(store.Commits()); n != 2 {
			t.Errorf("%d commits after two runs, want 2", n)
		}
	})
}

func TestSyncDeletedRemotelyShowsAsDrift(t *testing.T) {
	w := newSyncWorld(t)
	rec := w.publish("launch", planNow.Add(-2*time.Hour), "mastodon", "x")
	w.masto.RemoveRemotely(rec.Targets["mastodon"].IDs[0])
	store, err := state.NewMemStore(rec)
	if err != nil {
		t.Fatal(err)
	}
	w.store = store

	res, err := w.applier().Sync(t.Context(), DefaultSchedule())
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{Post: "launch", Target: "mastodon", Outcome: SyncDeletedRemotely},
		{Post: "launch", Target: "x", Outcome: SyncSynced, Counts: "likes 7, reposts 2, replies 1, quotes 0, impressions 120, saves 3"},
	}
	if diff := cmp.Diff(want, briefs(res)); diff != "" {
		t.Errorf("sync items (-want +got):\n%s", diff)
	}
	if res.Failed() {
		t.Error("a post deleted on the platform counts as a failure")
	}
	ts := w.load("launch", "mastodon")
	if ts.Status != state.StatusDeletedRemotely || !ts.UpdatedAt.Equal(planNow) {
		t.Errorf("status %s, updated_at %v", ts.Status, ts.UpdatedAt)
	}

	var records []*state.Record
	if err := store.Walk(t.Context(), func(r *state.Record) error { records = append(records, r); return nil }); err != nil {
		t.Fatal(err)
	}
	s := post("launch", at("2026-11-21T15:00:00Z"), "mastodon", "x")
	s.Hash = rec.Hash
	p := MakePlan(PlanInput{Now: w.clock.Now(), Posts: []schema.Summary{s}, Records: records, Config: testConfig(), Caps: caps})
	var got []string
	for _, a := range p.Actions {
		got = append(got, a.Target+" "+string(a.Kind))
	}
	if diff := cmp.Diff([]string{"mastodon drift", "x no-op"}, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("plan after sync (-want +got):\n%s\n%s", diff, planText(t, p))
	}
	if p.Changes() != 0 {
		t.Errorf("the plan would act (%d changes): a post deleted on the platform must not be re-posted", p.Changes())
	}
}

func TestSyncRateLimitLeavesTheOthersSynced(t *testing.T) {
	w := newSyncWorld(t)
	rec := w.publish("launch", planNow.Add(-2*time.Hour), "mastodon", "bluesky", "x")
	store, err := state.NewMemStore(rec)
	if err != nil {
		t.Fatal(err)
	}
	w.store = store
	w.limited.Store(true)

	t.Run("retried, then failed", func(t *testing.T) {
		res, err := w.applier().Sync(t.Context(), DefaultSchedule())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]SyncOutcome{SyncSynced, SyncFailed, SyncSynced}, outcomesOf(res)); diff != "" {
			t.Errorf("outcomes of bluesky, mastodon, x (-want +got):\n%s", diff)
		}
		if d := res.Items[1].Detail; !strings.HasPrefix(d, "rate_limit: ") || !strings.Contains(d, "429") {
			t.Errorf("mastodon's detail %q does not say it was rate-limited", d)
		}
		if !res.Failed() {
			t.Error("Failed() = false with a failed item")
		}
		if m := w.load("launch", "mastodon").Metrics; m != nil {
			t.Errorf("mastodon got metrics %+v", m)
		}
		if m := w.load("launch", "x").Metrics; m == nil || *m.Likes != 7 {
			t.Errorf("x metrics %+v", m)
		}
		commits := store.Commits()
		if len(commits) != 1 || !strings.HasPrefix(commits[0].Message, "herald: sync metrics of 2 targets [skip ci]") {
			t.Errorf("commits %+v", commits)
		}
	})
	t.Run("a wait past the budget is left for the next run", func(t *testing.T) {
		w.clock.Sleep(t.Context(), time.Hour)
		ap := w.applier()
		ap.MaxDuration = 10 * time.Second
		res, err := ap.Sync(t.Context(), DefaultSchedule())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]SyncOutcome{SyncSynced, SyncFailed, SyncSynced}, outcomesOf(res)); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if d := res.Items[1].Detail; !strings.Contains(d, "left for the next run") {
			t.Errorf("detail %q", d)
		}
	})
}

func planText(t *testing.T, p *Plan) string {
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func outcomesOf(res *SyncResult) []SyncOutcome {
	var out []SyncOutcome
	for _, it := range res.Items {
		out = append(out, it.Outcome)
	}
	return out
}

func TestSyncDryRunWritesNothing(t *testing.T) {
	w := newSyncWorld(t)
	rec := w.publish("launch", planNow.Add(-2*time.Hour), "mastodon")
	store, err := state.NewMemStore(rec)
	if err != nil {
		t.Fatal(err)
	}
	w.store = store
	ap := w.applier()
	ap.DryRun = true
	res, err := ap.Sync(t.Context(), DefaultSchedule())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]SyncOutcome{SyncDryRun}, outcomesOf(res)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := len(store.Commits()); n != 0 {
		t.Errorf("%d commits in a dry run", n)
	}
}

// TestSyncConcurrentPushKeepsTheLaterMetrics runs two syncs from two
// checkouts of one remote, the second pushing after the first: its push
// is rejected, replayed on the remote's head, and the merge keeps the
// metrics read later, whichever run read them.
func TestSyncConcurrentPushKeepsTheLaterMetrics(t *testing.T) {
	cases := []struct {
		name string
		// second is when the run that pushes second read its metrics,
		// the first reading at planNow.
		second time.Time
		want   int64
		// commits are the metrics commits on the remote: the second's is
		// dropped when the merge leaves it nothing to change.
		commits int
	}{
		{name: "the run pushing last read earlier", second: planNow.Add(-30 * time.Minute), want: 20, commits: 1},
		{name: "the run pushing last read later", second: planNow.Add(30 * time.Minute), want: 5, commits: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newSyncWorld(t)
			rec := w.publish("launch", planNow.Add(-2*time.Hour), "mastodon")
			data, err := state.Encode(rec)
			if err != nil {
				t.Fatal(err)
			}
			bare := gittest.Bare(t, t.TempDir(), "content")
			gittest.Seed(t, bare, nil, map[string]string{".herald/state/launch.json": string(data)})
			id := rec.Targets["mastodon"].IDs[0]

			run := func(dir string, at time.Time, likes int64) {
				t.Helper()
				store, err := state.OpenGit(state.GitOptions{Dir: dir, MaxPushAttempts: 5})
				if err != nil {
					t.Fatal(err)
				}
				w.masto.SetCounts(id, mastodon.Counts{Favourites: likes})
				ap := w.applier()
				ap.Store, ap.Push = store, true
				ap.Now = func() time.Time { return at }
				res, err := ap.Sync(t.Context(), DefaultSchedule())
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]SyncOutcome{SyncSynced}, outcomesOf(res)); diff != "" {
					t.Fatalf("(-want +got):\n%s", diff)
				}
			}
			first, second := gittest.Clone(t, bare, nil), gittest.Clone(t, bare, nil)
			run(first, planNow, 20)
			run(second, c.second, 5)

			if got := metricsCommits(t, bare); got != c.commits {
				t.Errorf("%d metrics commits on the remote, want %d", got, c.commits)
			}
			store, err := state.OpenGit(state.GitOptions{Dir: gittest.Clone(t, bare, nil)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.Load(t.Context(), "launch")
			if err != nil {
				t.Fatal(err)
			}
			m := got.Targets["mastodon"].Metrics
			if m == nil || *m.Likes != c.want {
				t.Errorf("merged metrics %+v, want the later sync's %d likes", m, c.want)
			}
		})
	}
}

// metricsCommits counts the remote's commits made by sync.
func metricsCommits(t *testing.T, bare string) int {
	t.Helper()
	repo, err := git.PlainOpen(bare)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	iter, err := repo.Log(&git.LogOptions{From: head.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = iter.ForEach(func(c *object.Commit) error {
		if strings.HasPrefix(c.Message, "herald: sync metrics of 1 target [skip ci]") {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
