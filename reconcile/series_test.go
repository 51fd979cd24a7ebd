package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// seriesPost is a recurring post from start with texts[0] as its body
// and texts[1:] as its repeat.texts, on targets.
func seriesPost(id string, start time.Time, r *schema.Repeat, texts []string, targets ...string) schema.Summary {
	s := post(id, &start, targets...)
	r.Texts = len(texts) - 1
	s.Repeat = r
	for i := range s.Targets {
		tg := &s.Targets[i]
		tg.Hash = hashOf(texts[0], tg.Name)
		for j, text := range texts {
			if j > 0 {
				tg.Texts = append(tg.Texts, hashOf(text, tg.Name))
			}
			tg.Words = append(tg.Words, "words:"+text)
		}
	}
	return s
}

// refusing is a fake platform that refuses, as X does, a post whose text
// repeats one it holds: 403, an unknown outcome, as X's adapter maps it.
type refusing struct{ *fakePlatform }

func (f refusing) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if slices.Contains(f.texts(), p.Text()) {
		return nil, &platforms.APIError{Platform: f.name, Status: 403, Code: "duplicate-content",
			Message: "You are not allowed to create a Tweet with duplicate content.", Outcome: platforms.Unknown}
	}
	return f.fakePlatform.Publish(ctx, p, key)
}

// seriesWorld is a world whose posts may repeat: each action's payload
// is its post's text for the action's Text, and X refuses repeats.
type seriesWorld struct {
	*world
	texts map[string][]string // post ID -> body, then repeat.texts
	fakes map[string]*fakePlatform
}

func newSeriesWorld(t *testing.T, targets ...string) *seriesWorld {
	w := &seriesWorld{world: newWorld(t, nil), texts: map[string][]string{}, fakes: map[string]*fakePlatform{}}
	for _, name := range targets {
		f := &fakePlatform{name: name, now: w.clock.Now}
		w.fakes[name] = f
		var pub platforms.Publisher = finding{f}
		if name == "x" {
			pub = refusing{f}
		}
		w.providers[name] = []platforms.Publisher{pub}
	}
	return w
}

func (w *seriesWorld) add(s schema.Summary, texts []string) {
	w.posts = append(w.posts, s)
	w.texts[s.ID] = texts
}

func (w *seriesWorld) plan() *Plan {
	var records []*state.Record
	if err := w.store.Walk(context.Background(), func(r *state.Record) error { records = append(records, r); return nil }); err != nil {
		w.t.Fatal(err)
	}
	return MakePlan(PlanInput{Now: w.clock.Now(), Posts: w.posts, Records: records, Config: testConfig(), Caps: seriesCaps})
}

func seriesCaps(platform string) Capabilities {
	c := caps(platform)
	if platform == "x" {
		c.RefusesRepeat = "X refuses a repeat of the same text"
	}
	return c
}

func (w *seriesWorld) run() *Result {
	w.t.Helper()
	ap := w.applier()
	ap.Payload = func(ctx context.Context, a Action, _ map[string]string) (*platforms.Payload, error) {
		text := w.texts[a.Post][a.Text]
		account := state.AccountOf(a.Target)
		return &platforms.Payload{PostID: a.Post, Target: a.Target, Platform: a.Platform,
			Parts: []platforms.Part{{Text: text}}, Hash: hashOf(text, account)}, nil
	}
	res, err := ap.Apply(context.Background(), w.plan())
	if err != nil {
		w.t.Fatalf("apply: %v", err)
	}
	return res
}

// keys lists a post's target keys in state with their status.
func (w *seriesWorld) keys(id string) []string {
	rec, err := w.store.Load(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for k, ts := range rec.Targets {
		out = append(out, fmt.Sprintf("%s=%s/%d", k, ts.Status, ts.Text))
	}
	sort.Strings(out)
	return out
}

func publishedBy(res *Result) []string {
	var out []string
	for _, it := range res.Items {
		if it.Outcome == OutPublished {
			out = append(out, it.Target)
		}
	}
	sort.Strings(out)
	return out
}

// TestSeriesOncePerOccurrence runs a weekly series of four through its
// weeks, twice a week: each occurrence is published once on each
// account, a run between occurrences publishes nothing, the texts take
// turns, and X, which refuses a repeated text, gets no fourth post once
// every text was said there.
func TestSeriesOncePerOccurrence(t *testing.T) {
	w := newSeriesWorld(t, "mastodon", "x")
	texts := []string{"Read the guide", "The guide, again", "Still the best guide"}
	w.add(seriesPost("guide", planNow, &schema.Repeat{Freq: "weekly", Interval: 1, Count: 4}, texts, "mastodon", "x"), texts)

	week := []struct {
		want []string
	}{
		{[]string{"mastodon", "x"}},
		{[]string{"mastodon#2", "x#2"}},
		{[]string{"mastodon#3", "x#3"}},
		{[]string{"mastodon#4"}},
		{nil},
	}
	for i, wk := range week {
		if got := publishedBy(w.run()); !slices.Equal(got, wk.want) {
			t.Fatalf("week %d: published %v, want %v", i+1, got, wk.want)
		}
		// A run later that week publishes nothing.
		w.clock.Sleep(context.Background(), 3*24*time.Hour)
		if got := publishedBy(w.run()); len(got) != 0 {
			t.Fatalf("week %d, again: published %v", i+1, got)
		}
		w.clock.Sleep(context.Background(), 4*24*time.Hour)
	}
	if got, want := w.fakes["mastodon"].texts(), []string{texts[0], texts[1], texts[2], texts[0]}; !slices.Equal(got, want) {
		t.Errorf("mastodon holds %q, want %q", got, want)
	}
	if got, want := w.fakes["x"].texts(), texts; !slices.Equal(got, want) {
		t.Errorf("x holds %q, want %q", got, want)
	}
	want := []string{"mastodon#2=published/1", "mastodon#3=published/2", "mastodon#4=published/0", "mastodon=published/0",
		"x#2=published/1", "x#3=published/2", "x=published/0"}
	if got := w.keys("guide"); !slices.Equal(got, want) {
		t.Errorf("state:\n got %v\nwant %v", got, want)
	}
	// X's fourth occurrence was held, saying why.
	w.clock.t = planNow.Add(3*7*24*time.Hour + time.Hour)
	var held *Action
	for _, a := range w.plan().Actions {
		if a.Target == "x#4" {
			held = &a
		}
	}
	if held == nil || held.Kind != Held || !strings.Contains(held.Reason, "X refuses a repeat of the same text") {
		t.Errorf("x#4 planned as %+v, want held as a repeat", held)
	}
}

// TestSeriesRepeatTakesNextText: with X, an occurrence whose turn is a
// text X was already sent takes the next one it was not.
func TestSeriesRepeatTakesNextText(t *testing.T) {
	w := newSeriesWorld(t, "x")
	texts := []string{"A", "B"}
	// Occurrence 1 was sent long ago with text B (an earlier order of
	// the texts): occurrence 2, whose turn is B, gets A.
	if err := w.store.Put(&state.Record{Post: "tip", File: "posts/tip.md", Targets: map[string]state.TargetState{
		"x": {Status: state.StatusPublished, Hash: hashOf("B", "x"), Text: 1, IDs: []string{"9"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Commit(context.Background(), state.CommitInfo{Summary: "seed", Time: planNow}); err != nil {
		t.Fatal(err)
	}
	w.add(seriesPost("tip", planNow.Add(-7*24*time.Hour), &schema.Repeat{Freq: "weekly", Interval: 1}, texts, "x"), texts)
	if got := publishedBy(w.run()); !slices.Equal(got, []string{"x#2"}) {
		t.Fatalf("published %v, want x#2", got)
	}
	if got := w.fakes["x"].texts(); !slices.Equal(got, []string{"A"}) {
		t.Errorf("x received %q, want A", got)
	}
}

// TestSeriesGap: a run after a long gap publishes the latest occurrence
// due alone, passing the others over, and none at all when even that one
// is later than max_lateness.
func TestSeriesGap(t *testing.T) {
	w := newSeriesWorld(t, "mastodon")
	texts := []string{"Daily tip"}
	start := planNow.Add(-10*24*time.Hour + 2*time.Hour) // the 10th occurrence was due 22h ago
	w.add(seriesPost("tip", start, &schema.Repeat{Freq: "daily", Interval: 1}, texts, "mastodon"), texts)
	p := w.plan()
	var reasons []string
	for _, a := range p.Actions {
		reasons = append(reasons, fmt.Sprintf("%s %s: %s", a.Target, a.Kind, a.Reason))
	}
	if len(p.Actions) != 2 || p.Actions[0].Target != "mastodon#10" || p.Actions[0].Kind != Create ||
		!strings.Contains(p.Actions[0].Reason, "9 earlier occurrences passed over") ||
		p.Actions[1].Target != "mastodon#11" || p.Actions[1].Kind != Scheduled || !strings.Contains(p.Actions[1].Reason, "then daily, without end") {
		t.Fatalf("plan:\n%s", strings.Join(reasons, "\n"))
	}
	if got := publishedBy(w.run()); !slices.Equal(got, []string{"mastodon#10"}) {
		t.Fatalf("published %v, want the 10th occurrence alone", got)
	}
	// Three days without a run, max_lateness 24h: the 13th occurrence
	// is due 2h ago and goes alone.
	w.clock.t = planNow.Add(3 * 24 * time.Hour)
	if got := publishedBy(w.run()); !slices.Equal(got, []string{"mastodon#13"}) {
		t.Fatalf("after a gap, published %v, want the 13th occurrence alone", got)
	}
	// A weekly series whose latest occurrence is 3 days late: passed
	// over, nothing published, the plan says why.
	w2 := newSeriesWorld(t, "mastodon")
	w2.add(seriesPost("weekly", planNow.Add(-10*24*time.Hour), &schema.Repeat{Freq: "weekly", Interval: 1}, texts, "mastodon"), texts)
	p = w2.plan()
	if a := p.Actions[0]; a.Target != "mastodon#2" || a.Kind != Late || !strings.Contains(a.Reason, "passed over, the series goes on at its next occurrence") {
		t.Fatalf("late occurrence planned as %+v", a)
	}
	if got := publishedBy(w2.run()); len(got) != 0 {
		t.Fatalf("published %v, want nothing", got)
	}
	if got := w2.fakes["mastodon"].texts(); len(got) != 0 {
		t.Fatalf("mastodon holds %q", got)
	}
}

// TestSeriesEditAndDelete: an edit of a text edits the occurrences sent
// with it where the platform edits, and delete: true deletes every
// published occurrence.
func TestSeriesEditAndDelete(t *testing.T) {
	w := newSeriesWorld(t, "mastodon")
	texts := []string{"One", "Two"}
	w.add(seriesPost("s", planNow, &schema.Repeat{Freq: "daily", Interval: 1, Count: 3}, texts, "mastodon"), texts)
	for range 3 {
		w.run()
		w.clock.Sleep(context.Background(), 24*time.Hour)
	}
	edited := []string{"One", "Two, edited"}
	w.posts, w.texts = nil, map[string][]string{}
	w.add(seriesPost("s", planNow, &schema.Repeat{Freq: "daily", Interval: 1, Count: 3}, edited, "mastodon"), edited)
	var kinds []string
	for _, a := range w.plan().Actions {
		kinds = append(kinds, a.Target+" "+string(a.Kind))
	}
	if want := []string{"mastodon no-op", "mastodon#2 update", "mastodon#3 no-op"}; !slices.Equal(kinds, want) {
		t.Fatalf("after the edit: %v, want %v", kinds, want)
	}
	w.run()
	if got := w.fakes["mastodon"].texts(); !slices.Equal(got, []string{"One", "Two, edited", "One"}) {
		t.Errorf("mastodon holds %q", got)
	}
	w.posts[0].Delete = true
	kinds = nil
	for _, a := range w.plan().Actions {
		kinds = append(kinds, a.Target+" "+string(a.Kind))
	}
	if want := []string{"mastodon delete", "mastodon#2 delete", "mastodon#3 delete"}; !slices.Equal(kinds, want) {
		t.Fatalf("delete: true: %v, want %v", kinds, want)
	}
	w.run()
	if got := w.fakes["mastodon"].texts(); len(got) != 0 {
		t.Errorf("mastodon still holds %q", got)
	}
}

// TestSeriesPlanGolden is the plan of a few series at one time, as text.
func TestSeriesPlanGolden(t *testing.T) {
	week := 7 * 24 * time.Hour
	weekly := &schema.Repeat{Freq: "weekly", Interval: 1, Days: []time.Weekday{time.Monday, time.Thursday}}
	until := planNow.Add(10 * week)
	weekly.Until = &until
	texts := []string{"Body", "Second"}
	posts := []schema.Summary{
		seriesPost("evergreen", planNow.Add(-2*week), &schema.Repeat{Freq: "monthly", Interval: 1}, []string{"Body"}, "mastodon"),
		seriesPost("twice-weekly", planNow.Add(-3*24*time.Hour), weekly, texts, "mastodon", "x"),
		seriesPost("later", planNow.Add(week), &schema.Repeat{Freq: "daily", Interval: 2, Count: 5}, []string{"Body"}, "bluesky"),
	}
	rec := record("twice-weekly", map[string]state.TargetState{
		"mastodon": {Status: state.StatusPublished, Hash: hashOf("Body", "mastodon"), URLs: []string{"https://mastodon.example/1"}},
		"x":        {Status: state.StatusPublished, Hash: hashOf("Body", "x"), URLs: []string{"https://x.example/1"}},
		"x#2":      {Status: state.StatusFailed, Hash: hashOf("Second", "x"), Text: 1, Attempts: 1, NextRetryAt: planNow.Add(time.Hour), LastError: &state.Error{Message: "503 over capacity"}},
	})
	p := MakePlan(PlanInput{Now: planNow, Posts: posts, Records: []*state.Record{rec}, Config: testConfig(), Caps: seriesCaps})
	var text, js bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "plan-series.txt", text.Bytes())
	golden.Check(t, "plan-series.json", js.Bytes())
}

// TestSeriesTargeted: --account x acts on the occurrences of x, and
// leaves the other accounts' occurrences skipped.
func TestSeriesTargeted(t *testing.T) {
	texts := []string{"Body", "Second"}
	s := seriesPost("s", planNow.Add(-7*24*time.Hour), &schema.Repeat{Freq: "weekly", Interval: 1}, texts, "mastodon", "x")
	p := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{s}, Config: testConfig(), Caps: seriesCaps,
		Only: Selection{Accounts: []string{"x"}}, AllowLate: true})
	var got []string
	for _, a := range p.Actions {
		got = append(got, a.Target+" "+string(a.Kind))
	}
	want := []string{"mastodon#2 skipped", "mastodon#3 skipped", "x#2 create", "x#3 scheduled"}
	if !slices.Equal(got, want) {
		t.Errorf("plan --account x: %v, want %v", got, want)
	}
}

// TestSyncOccurrences: each occurrence of a recurring post is synced on
// its own, through its account's adapter.
func TestSyncOccurrences(t *testing.T) {
	w := newSyncWorld(t)
	rec := &state.Record{Post: "tip", File: "posts/tip.md", Targets: map[string]state.TargetState{}}
	for i, key := range []string{"mastodon", "mastodon#2"} {
		rc, err := w.pubs["mastodon"].Publish(t.Context(), &platforms.Payload{PostID: "tip", Target: key, Platform: "mastodon",
			Parts: []platforms.Part{{Text: fmt.Sprintf("Tip, occurrence %d", i+1)}}}, platforms.AttemptKey("key-"+key))
		if err != nil {
			t.Fatal(err)
		}
		at := planNow.Add(-time.Duration(2-i) * time.Hour)
		rec.Targets[key] = state.TargetState{Status: state.StatusPublished, IDs: rc.IDs, URLs: rc.URLs, Provider: "mastodon",
			FirstPublishedAt: at, UpdatedAt: at}
		w.masto.SetCounts(rc.IDs[0], mastodon.Counts{Favourites: int64(10 * (i + 1))})
	}
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
		{Post: "tip", Target: "mastodon", Outcome: SyncSynced, Counts: "likes 10, reposts 0, replies 0, quotes 0"},
		{Post: "tip", Target: "mastodon#2", Outcome: SyncSynced, Counts: "likes 20, reposts 0, replies 0, quotes 0"},
	}
	if diff := cmp.Diff(want, briefs(res)); diff != "" {
		t.Errorf("sync items (-want +got):\n%s", diff)
	}
}

// TestSeriesPlanFolds: a long series' unchanged occurrences are one line
// of the text plan (and every one an action in JSON).
func TestSeriesPlanFolds(t *testing.T) {
	texts := []string{"Body"}
	s := seriesPost("daily", planNow.Add(-10*24*time.Hour+time.Hour), &schema.Repeat{Freq: "daily", Interval: 1, Count: 12}, texts, "mastodon")
	targets := map[string]state.TargetState{}
	for n := 1; n <= 9; n++ {
		targets[OccurrenceKey("mastodon", n)] = state.TargetState{Status: state.StatusPublished, Hash: hashOf("Body", "mastodon"),
			URLs: []string{fmt.Sprintf("https://mastodon.example/%d", n)}}
	}
	p := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{s}, Records: []*state.Record{record("daily", targets)}, Config: testConfig(), Caps: seriesCaps})
	if len(p.Actions) != 11 {
		t.Fatalf("%d actions, want 11 (9 published, 1 due, 1 next)", len(p.Actions))
	}
	var text bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "plan-series-folded.txt", text.Bytes())
}

// TestSeriesRename: a recurring post whose file is renamed keeps every
// occurrence's state, so that the occurrence due is not posted again
// under the new name.
func TestSeriesRename(t *testing.T) {
	w := newSeriesWorld(t, "mastodon")
	texts := []string{"One", "Two"}
	r := &schema.Repeat{Freq: "weekly", Interval: 1}
	w.add(seriesPost("tip", planNow.Add(-7*24*time.Hour-time.Hour), r, texts, "mastodon"), texts)
	if got := publishedBy(w.run()); !slices.Equal(got, []string{"mastodon#2"}) {
		t.Fatalf("published %v, want mastodon#2", got)
	}
	w.clock.Sleep(context.Background(), 7*24*time.Hour)
	if got := publishedBy(w.run()); !slices.Equal(got, []string{"mastodon#3"}) {
		t.Fatalf("published %v, want mastodon#3", got)
	}
	// Renamed: tip.md becomes evergreen/tip.md, its ID with it.
	w.posts, w.texts = nil, map[string][]string{}
	renamed := seriesPost("evergreen/tip", planNow.Add(-7*24*time.Hour-time.Hour), &schema.Repeat{Freq: "weekly", Interval: 1}, texts, "mastodon")
	w.add(renamed, texts)
	var kinds []string
	for _, a := range w.plan().Actions {
		kinds = append(kinds, a.Post+" "+a.Target+" "+string(a.Kind))
	}
	if want := []string{"evergreen/tip mastodon#2 move", "evergreen/tip mastodon#3 move"}; !slices.Equal(kinds, want) {
		t.Fatalf("after the rename: %v, want %v", kinds, want)
	}
	w.run()
	if got := publishedBy(w.run()); len(got) != 0 {
		t.Fatalf("after the move, published %v", got)
	}
	if got := w.fakes["mastodon"].texts(); !slices.Equal(got, []string{"Two", "One"}) {
		t.Errorf("mastodon holds %q, want each occurrence once", got)
	}
	if got := w.keys("evergreen/tip"); !slices.Equal(got, []string{"mastodon#2=published/1", "mastodon#3=published/0"}) {
		t.Errorf("state of the renamed post: %v", got)
	}
}

// TestSeriesRush: apply --post ID --now sends the next occurrence at once,
// unless an occurrence is due anyway: one post per account per run.
func TestSeriesRush(t *testing.T) {
	texts := []string{"Body"}
	plan := func(start time.Time) []string {
		s := seriesPost("s", start, &schema.Repeat{Freq: "weekly", Interval: 1}, texts, "mastodon")
		p := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{s}, Config: testConfig(), Caps: seriesCaps,
			Only: Selection{Posts: []string{"s"}}, Rush: true})
		var got []string
		for _, a := range p.Actions {
			got = append(got, a.Target+" "+string(a.Kind))
		}
		return got
	}
	if got, want := plan(planNow.Add(time.Hour)), []string{"mastodon create"}; !slices.Equal(got, want) {
		t.Errorf("a series yet to start, --now: %v, want %v", got, want)
	}
	if got, want := plan(planNow.Add(-time.Hour)), []string{"mastodon create", "mastodon#2 scheduled"}; !slices.Equal(got, want) {
		t.Errorf("an occurrence due, --now: %v, want %v", got, want)
	}
}
