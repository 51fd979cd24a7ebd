package reconcile

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

func testQueues(t *testing.T, cfg *schema.Config) {
	t.Helper()
	mk := func(name string, accounts []string, slots ...string) *schema.Queue {
		q := &schema.Queue{Name: name, Accounts: accounts, Zone: cfg.Timezone}
		for _, s := range slots {
			ws, err := schema.ParseSlots(s)
			if err != nil {
				t.Fatal(err)
			}
			q.Slots = append(q.Slots, ws...)
		}
		return q
	}
	cfg.Queues = map[string]*schema.Queue{
		"weekdays": mk("weekdays", []string{"mastodon", "bluesky"}, "mon-fri 09:30, 13:00"),
		"x":        mk("x", []string{"x", "mastodon"}, "daily 12:00", "tue, thu 09:30"),
	}
}

func queued(id, queue string, targets ...string) schema.Summary {
	s := post(id, nil, targets...)
	s.PublishNext, s.Queue = true, queue
	return s
}

// TestQueueProperties checks the slot assignment on random repositories:
// no two posts share a slot on an account, a freeze window never gets a
// post, and adding a post that arrives after the others never moves one
// of them.
func TestQueueProperties(t *testing.T) {
	base := time.Date(2026, 12, 7, 8, 0, 0, 0, ny)
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		cfg := testConfig()
		testQueues(t, cfg)
		if r.IntN(2) == 0 {
			from := base.Add(time.Duration(r.IntN(96)) * time.Hour)
			cfg.Freeze.Windows = []schema.Window{{From: from, Until: from.Add(time.Duration(1+r.IntN(48)) * time.Hour)}}
		}
		n := 1 + r.IntN(25)
		var posts []schema.Summary
		added := map[string]time.Time{}
		var records []*state.Record
		for i := range n {
			id := fmt.Sprintf("p%02d", i)
			var s schema.Summary
			switch r.IntN(3) {
			case 0:
				s = queued(id, "weekdays", "mastodon", "bluesky")
			case 1:
				s = queued(id, "weekdays", "bluesky")
			default:
				s = queued(id, "x", "x", "mastodon")
			}
			posts = append(posts, s)
			added[s.File] = base.Add(time.Duration(r.IntN(72*60)) * time.Minute)
		}
		// A published post holds a slot recorded in state.
		if r.IntN(2) == 0 {
			slot := time.Date(2026, 12, 8, 9, 30, 0, 0, ny)
			records = append(records, &state.Record{Post: "old", File: "posts/old.md", Targets: map[string]state.TargetState{
				"mastodon": {Status: state.StatusPublished, Slot: slot.UTC()},
			}})
		}
		in := PlanInput{Now: base, Posts: posts, Records: records, Config: cfg, Added: added}
		p := MakePlan(in)
		check := func(p *Plan, what string) map[string]time.Time {
			got := map[string]time.Time{}
			used := map[string]string{}
			for _, r := range records {
				for name, ts := range r.Targets {
					used[name+ts.Slot.String()] = r.Post
				}
			}
			for _, a := range p.Actions {
				if a.Post == "old" {
					continue
				}
				if a.Queue == "" || a.At == nil {
					t.Fatalf("seed %d %s: %s/%s has no slot: %s %s", seed, what, a.Post, a.Target, a.Kind, a.Reason)
				}
				if prev, ok := got[a.Post]; ok && !prev.Equal(*a.At) {
					t.Fatalf("seed %d %s: %s has two slots", seed, what, a.Post)
				}
				got[a.Post] = *a.At
				k := a.Target + a.At.String()
				if other, ok := used[k]; ok && other != a.Post {
					t.Errorf("seed %d %s: %s and %s share the slot %s on %s", seed, what, a.Post, other, a.At, a.Target)
				}
				used[k] = a.Post
				if inWindow(cfg.Freeze.Windows, *a.At) {
					t.Errorf("seed %d %s: %s has the slot %s in a freeze window", seed, what, a.Post, a.At)
				}
				if a.At.Before(added[a.File]) {
					t.Errorf("seed %d %s: %s has the slot %s before it arrived at %s", seed, what, a.Post, a.At, added[a.File])
				}
			}
			return got
		}
		before := check(p, "first")

		// A post arriving after all the others.
		late := queued("zz-late", []string{"weekdays", "x"}[r.IntN(2)], "mastodon")
		if late.Queue == "weekdays" && r.IntN(2) == 0 {
			late.Targets = append(late.Targets, schema.TargetSummary{Name: "bluesky", Platform: "bluesky", Hash: "t"})
		}
		in.Posts = append(append([]schema.Summary(nil), posts...), late)
		in.Added = map[string]time.Time{late.File: base.Add(72 * time.Hour)}
		for k, v := range added {
			in.Added[k] = v
		}
		after := check(MakePlan(in), "with a later post")
		for id, at := range before {
			if !after[id].Equal(at) {
				t.Errorf("seed %d: adding a later post moved %s from %s to %s", seed, id, at, after[id])
			}
		}
	}
}

// TestQueuePlan checks what the plan says of queued posts: the slot when
// it is ahead, due once it has come, late after max_lateness, a recorded
// slot kept, and the order by arrival then path.
func TestQueuePlan(t *testing.T) {
	cfg := testConfig()
	testQueues(t, cfg)
	arrived := time.Date(2026, 12, 7, 10, 0, 0, 0, ny) // Monday, after the 09:30 slot
	posts := []schema.Summary{
		queued("b", "weekdays", "mastodon"),
		queued("a", "weekdays", "mastodon", "bluesky"),
		queued("c", "weekdays", "bluesky"),
	}
	added := map[string]time.Time{"posts/a.md": arrived, "posts/b.md": arrived, "posts/c.md": arrived.Add(-time.Hour)}
	reasons := func(now time.Time, records ...*state.Record) []string {
		p := MakePlan(PlanInput{Now: now, Posts: posts, Records: records, Config: cfg, Added: added})
		var out []string
		for _, a := range p.Actions {
			out = append(out, fmt.Sprintf("%s/%s %s: %s", a.Post, a.Target, a.Kind, a.Reason))
		}
		return out
	}
	got := reasons(arrived)
	want := []string{
		"a/bluesky scheduled: next slot: Mon 7 Dec 2026 13:00 EST (queue weekdays), in 3h",
		"a/mastodon scheduled: next slot: Mon 7 Dec 2026 13:00 EST (queue weekdays), in 3h",
		"b/mastodon scheduled: next slot: Tue 8 Dec 2026 09:30 EST (queue weekdays), in 23h 30m",
		"c/bluesky create: its slot Mon 7 Dec 2026 09:30 EST (queue weekdays) has come",
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("plan at arrival:\n got %q\nwant %q", got, want)
			break
		}
	}
	// Two days after a's slot: late.
	got = reasons(arrived.Add(50 * time.Hour))
	if want := "a/bluesky late: its slot Mon 7 Dec 2026 13:00 EST (queue weekdays) passed 1d 23h ago, more than max_lateness 1d: held (publish with --allow-late)"; got[0] != want {
		t.Errorf("late:\n got %q\nwant %q", got[0], want)
	}
	// b published in an earlier slot (recorded): it keeps it, and a
	// takes the slot it would have had anyway.
	rec := &state.Record{Post: "b", File: "posts/b.md", Targets: map[string]state.TargetState{
		"mastodon": {Status: state.StatusPublished, Hash: "t-b-mastodon", Slot: time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)},
	}}
	got = reasons(arrived, rec)
	if want := "a/bluesky scheduled: next slot: Tue 8 Dec 2026 09:30 EST (queue weekdays), in 23h 30m"; got[0] != want {
		t.Errorf("with b's slot recorded:\n got %q\nwant %q", got[0], want)
	}
}
