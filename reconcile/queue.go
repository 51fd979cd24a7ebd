package reconcile

import (
	"fmt"
	"sort"
	"time"

	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// slotHorizon is how far past a post's arrival its queue is searched for
// a free slot; a queue full for that long holds the post and says so.
const slotHorizon = 2 * 366 * 24 * time.Hour

// slotFor is the slot a queued post takes, or why it has none.
type slotFor struct {
	at     time.Time
	queue  string
	pinned bool   // recorded in state by an earlier apply
	none   string // why no slot was found
}

// assignSlots gives each queued post its slot. A post whose state
// records a slot keeps it. The others are taken in the order they
// reached the branch (in.Added, then path), each the first slot of its
// queue at or after its arrival that is outside every freeze window and
// free on all of its targets: taken neither by a slot recorded in state
// nor by an earlier post. So the assignment is deterministic, and a post
// added later never moves an earlier one. Drafts and posts to delete
// take no slot; nor does a post all of whose targets have been
// attempted already (published before it was queued).
func assignSlots(in PlanInput, cfg *schema.Config, records map[string]*state.Record, posts []schema.Summary) map[string]slotFor {
	out := map[string]slotFor{}
	if len(cfg.Queues) == 0 {
		return out
	}
	taken := map[string]map[int64]bool{}
	take := func(account string, t time.Time) {
		if taken[account] == nil {
			taken[account] = map[int64]bool{}
		}
		taken[account][t.Unix()] = true
	}
	for _, r := range in.Records {
		for name, ts := range r.Targets {
			if !ts.Slot.IsZero() {
				take(name, ts.Slot)
			}
		}
	}
	var waiting []schema.Summary
	for _, s := range posts {
		if !s.PublishNext || cfg.Queues[s.Queue] == nil || s.Draft || s.Delete {
			continue
		}
		rec := records[s.ID]
		if at, ok := recordedSlot(rec); ok {
			out[s.ID] = slotFor{at: at, queue: s.Queue, pinned: true}
			for _, t := range s.Targets {
				take(t.Name, at)
			}
			continue
		}
		if needsSlot(s, rec) {
			waiting = append(waiting, s)
		}
	}
	added := func(s schema.Summary) time.Time {
		if t, ok := in.Added[s.File]; ok {
			return t
		}
		return in.Now // not committed yet: it arrives now
	}
	sort.SliceStable(waiting, func(i, j int) bool {
		ai, aj := added(waiting[i]), added(waiting[j])
		if !ai.Equal(aj) {
			return ai.Before(aj)
		}
		return waiting[i].File < waiting[j].File
	})
	for _, s := range waiting {
		q := cfg.Queues[s.Queue]
		from := added(s)
		found := false
		for t := range q.From(from) {
			if t.Sub(from) > slotHorizon {
				break
			}
			if inWindow(cfg.Freeze.Windows, t) {
				continue
			}
			free := true
			for _, tg := range s.Targets {
				if taken[tg.Name][t.Unix()] {
					free = false
					break
				}
			}
			if !free {
				continue
			}
			for _, tg := range s.Targets {
				take(tg.Name, t)
			}
			out[s.ID] = slotFor{at: t, queue: s.Queue}
			found = true
			break
		}
		if !found {
			out[s.ID] = slotFor{queue: s.Queue, none: fmt.Sprintf("queue %s has no free slot outside freeze windows within two years of %s", s.Queue, schema.FormatSlot(from, q.Zone))}
		}
	}
	return out
}

// recordedSlot is the slot an earlier apply recorded for a post: the
// earliest of its targets'.
func recordedSlot(rec *state.Record) (time.Time, bool) {
	if rec == nil {
		return time.Time{}, false
	}
	var at time.Time
	for _, ts := range rec.Targets {
		if !ts.Slot.IsZero() && (at.IsZero() || ts.Slot.Before(at)) {
			at = ts.Slot
		}
	}
	return at, !at.IsZero()
}

// WaitingForSlot reports whether a post is queued and waits for a slot
// to be assigned: not a draft, no slot recorded in its state rec, and a
// target never attempted. Only such posts need to know when they reached
// the branch (PlanInput.Added).
func WaitingForSlot(s schema.Summary, rec *state.Record) bool {
	if !s.PublishNext || s.Queue == "" || s.Draft || s.Delete {
		return false
	}
	if _, ok := recordedSlot(rec); ok {
		return false
	}
	return needsSlot(s, rec)
}

// needsSlot reports whether some target of s was never attempted.
func needsSlot(s schema.Summary, rec *state.Record) bool {
	for _, t := range s.Targets {
		if rec == nil {
			return true
		}
		ts, ok := rec.Targets[t.Name]
		if !ok || ts.Status == state.StatusScheduled {
			return true
		}
	}
	return false
}

func inWindow(ws []schema.Window, t time.Time) bool {
	for _, w := range ws {
		if !t.Before(w.From) && t.Before(w.Until) {
			return true
		}
	}
	return false
}

// QueueSlots is the slot each queued post takes, by post ID, as MakePlan
// assigns them from the same input: for views of the schedule (the
// calendar) that do not plan.
func QueueSlots(in PlanInput) map[string]time.Time {
	cfg := in.Config
	if cfg == nil {
		return nil
	}
	records := make(map[string]*state.Record, len(in.Records))
	for _, r := range in.Records {
		records[r.Post] = r
	}
	posts := append([]schema.Summary(nil), in.Posts...)
	sort.Slice(posts, func(i, j int) bool { return posts[i].ID < posts[j].ID })
	out := map[string]time.Time{}
	for id, sl := range assignSlots(in, cfg, records, posts) {
		if sl.none == "" {
			out[id] = sl.at
		}
	}
	return out
}
