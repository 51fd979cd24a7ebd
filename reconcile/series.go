package reconcile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// Instance is one thing plan and apply act on for a target of a post: the
// account itself, or one occurrence of a recurring post on it. Its Key
// is its target key in state.
type Instance struct {
	// Key is the instance's target key: the account's name for a post
	// published once and for a series' first occurrence, "x#3" for its
	// third (state.OccurrenceSep).
	Key string
	// At is when the instance is due; nil: due once merged.
	At *time.Time
	// Hash is the hash of what the instance receives (TargetSummary.Hash
	// for the text it is sent with).
	Hash string
	// Occurrence is the occurrence's number in its series, from 1; 0 for
	// a post that does not repeat.
	Occurrence int
	// Text is the text it is sent with: 0 the body, i texts[i-1].
	Text int
	// State is the instance's state; nil when it has none.
	State *state.TargetState

	// What the plan says of it beyond its state.
	role     instanceRole
	total    int    // occurrences in all, 0 when the series has no end
	passed   int    // due occurrences passed over before this one
	then     string // the rest of the series, after a scheduled one
	repeated string // why no text can go: every one was said on the account
}

type instanceRole int

const (
	roleOnce     instanceRole = iota // a post published once
	roleRecorded                     // an occurrence state knows of
	roleDue                          // the latest occurrence due, not yet attempted
	roleNext                         // the next occurrence to come
)

// OccurrenceKey is the target key of occurrence n of a recurring post
// on account: the account's name for the first, so that adding repeat:
// to a published post keeps its record as the first occurrence, and
// "account#n" for the others.
func OccurrenceKey(account string, n int) string {
	if n <= 1 {
		return account
	}
	return account + state.OccurrenceSep + strconv.Itoa(n)
}

// occurrenceOf is the occurrence a target key of account names (1 for
// the account's own name), or 0 when the key is not one of its
// occurrences.
func occurrenceOf(key, account string) int {
	if key == account {
		return 1
	}
	// Two cuts rather than one by account+OccurrenceSep: plan asks this of
	// every key of every record, for each of its targets.
	rest, ok := strings.CutPrefix(key, account)
	if !ok {
		return 0
	}
	if rest, ok = strings.CutPrefix(rest, state.OccurrenceSep); !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 2 || strconv.Itoa(n) != rest {
		return 0
	}
	return n
}

// Instances is the one place a post's target becomes the instances plan
// acts on, at now: a post published once has one, the account. A
// recurring post (Summary.Repeat) has, per account:
//   - every occurrence state records, whatever its status (published,
//     failed, in flight), so that it is edited, retried, settled or
//     deleted like any target;
//   - the latest occurrence due, if never attempted: only that one goes,
//     so that a run after a long gap publishes no burst (the due ones
//     before it are passed over, and said so);
//   - the next occurrence to come, scheduled, with the rest of the series
//     summed up.
//
// A blog or feed target (render.IsBlog) is a page, published once: it
// takes the first occurrence only. On a platform that refuses a repeated
// text (caps.RefusesRepeat), an occurrence takes the first text, from its
// turn on, that no occurrence on the account was sent with.
//
// t.Hash is the target's hash as the plan compares it (FilledHash).
func Instances(s schema.Summary, t schema.TargetSummary, rec *state.Record, now time.Time, zone *time.Location, caps Capabilities) []Instance {
	recorded := map[int]state.TargetState{}
	if rec != nil {
		for key, ts := range rec.Targets {
			if n := occurrenceOf(key, t.Name); n > 0 && ts.Status != state.StatusScheduled {
				recorded[n] = ts
			}
		}
	}
	hashOf := func(text int) string {
		if text > 0 && text <= len(t.Texts) {
			return t.Texts[text-1]
		}
		return t.Hash
	}
	r := s.Repeat
	if r == nil || s.PublishAt == nil || render.IsBlog(t.Platform) {
		// Once: the account itself, and the occurrences a series that
		// is no more (or that a blog never took) left in state.
		once := Instance{Key: t.Name, At: s.PublishAt, Hash: t.Hash}
		if ts, ok := recorded[1]; ok {
			once.State = &ts
		}
		out := []Instance{once}
		for _, n := range sortedOccurrences(recorded) {
			if n > 1 {
				ts := recorded[n]
				out = append(out, Instance{Key: OccurrenceKey(t.Name, n), Hash: hashOf(ts.Text), Occurrence: n, Text: ts.Text, State: &ts, role: roleRecorded})
			}
		}
		return out
	}

	// Walk the series: the times of the occurrences state records, the
	// latest one due, the next one, and how many there are in all.
	var (
		times          = map[int]time.Time{}
		lastDue, next  int
		total, maxSeen int
	)
	maxRecorded := 0
	for n := range recorded {
		maxRecorded = max(maxRecorded, n)
	}
	for n, at := range r.Times(*s.PublishAt, zone) {
		maxSeen = n
		if _, ok := recorded[n]; ok {
			times[n] = at
		}
		if !at.After(now) {
			lastDue = n
			times[n] = at
			continue
		}
		if next == 0 {
			if _, ok := recorded[n]; !ok {
				next = n
				times[n] = at
			}
		}
		if next > 0 && n >= maxRecorded && !r.Bounded() {
			break
		}
	}
	if r.Bounded() {
		total = maxSeen
	}

	var out []Instance
	said := map[string]bool{} // Words and hashes the account was sent
	for _, n := range sortedOccurrences(recorded) {
		ts := recorded[n]
		in := Instance{Key: OccurrenceKey(t.Name, n), Hash: hashOf(ts.Text), Occurrence: n, Text: ts.Text, State: &ts, role: roleRecorded, total: total}
		if ts.Text > len(t.Texts) {
			// Its text was taken out of texts: what was sent stays as
			// it was, rather than be edited into another text.
			in.Hash = ts.Hash
		}
		if at, ok := times[n]; ok {
			in.At = &at
		}
		out = append(out, in)
		if ts.Status == state.StatusPublished || ts.Status == state.StatusPublishing || ts.Status == state.StatusUnknown {
			said[ts.Hash] = true
			if ts.Text < len(t.Words) {
				said[t.Words[ts.Text]] = true
			}
		}
	}
	pick := func(n int) (int, string) {
		text := r.TextOf(n)
		if caps.RefusesRepeat == "" || len(t.Words) == 0 {
			return text, ""
		}
		for i := 0; i <= r.Texts; i++ {
			v := (text + i) % (r.Texts + 1)
			if v < len(t.Words) && !said[t.Words[v]] && !said[hashOf(v)] {
				return v, ""
			}
		}
		return text, caps.RefusesRepeat
	}
	take := func(in *Instance) {
		said[in.Hash] = true
		if in.Text < len(t.Words) {
			said[t.Words[in.Text]] = true
		}
	}
	if _, ok := recorded[lastDue]; lastDue > 0 && !ok && !s.Delete {
		at := times[lastDue]
		in := Instance{Key: OccurrenceKey(t.Name, lastDue), At: &at, Occurrence: lastDue, role: roleDue, total: total}
		in.Text, in.repeated = pick(lastDue)
		in.Hash = hashOf(in.Text)
		for n := lastDue - 1; n > maxRecordedBelow(recorded, lastDue); n-- {
			in.passed++
		}
		if in.repeated == "" {
			take(&in)
		}
		out = append(out, in)
	}
	if next > 0 && !s.Delete {
		at := times[next]
		in := Instance{Key: OccurrenceKey(t.Name, next), At: &at, Occurrence: next, role: roleNext, total: total}
		in.Text, in.repeated = pick(next)
		in.Hash = hashOf(in.Text)
		in.then = rest(r, next, total, zone)
		out = append(out, in)
	}
	if len(out) == 0 {
		// Nothing recorded, nothing due, nothing to come (a series
		// ended before it was published, or delete: true): the account
		// itself, for the plan to say so.
		out = append(out, Instance{Key: t.Name, At: s.PublishAt, Hash: t.Hash, Occurrence: 1, role: roleDue, total: total})
	}
	return out
}

// rest sums up the series after occurrence n: "then 5 more, weekly on
// Mon, Thu, until 2027-03-01", or "then weekly, without end".
func rest(r *schema.Repeat, n, total int, zone *time.Location) string {
	rule := r.Describe()
	switch {
	case total > 0 && total == n:
		return "the last of the series"
	case total > 0 && r.Until != nil:
		return fmt.Sprintf("then %d more, %s, until %s", total-n, rule, r.Until.In(zone).Format("2006-01-02"))
	case total > 0:
		return fmt.Sprintf("then %d more, %s", total-n, rule)
	}
	return "then " + rule + ", without end"
}

func sortedOccurrences(m map[int]state.TargetState) []int {
	ns := make([]int, 0, len(m))
	for n := range m {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

// maxRecordedBelow is the latest recorded occurrence before n, 0 if none.
func maxRecordedBelow(recorded map[int]state.TargetState, n int) int {
	best := 0
	for k := range recorded {
		if k < n && k > best {
			best = k
		}
	}
	return best
}

// instance plans one instance of a target of s.
func (pl *planner) instance(s schema.Summary, t schema.TargetSummary, in Instance) Action {
	si, ti := s, t
	si.PublishAt = in.At
	ti.Name, ti.Hash = in.Key, in.Hash
	a := pl.target(si, ti, in.State)
	a.Occurrence, a.Text = in.Occurrence, in.Text
	if in.role == roleOnce {
		return a
	}
	of := strconv.Itoa(in.Occurrence)
	if in.total > 0 {
		of += " of " + strconv.Itoa(in.total)
	}
	switch {
	case in.repeated != "" && (a.Kind == Create || a.Kind == Retry):
		a.Kind = Held
		a.Reason = fmt.Sprintf("occurrence %s skipped: %s, and every text of the series was sent to %s already: add texts under repeat", of, in.repeated, state.AccountOf(in.Key))
		return a
	case a.Kind == Late && in.role == roleDue:
		late := pl.in.Now.Sub(*in.At)
		goesOn := "the series goes on at its next occurrence"
		if in.total > 0 && in.Occurrence == in.total {
			goesOn = "it was the last of the series"
		}
		a.Reason = fmt.Sprintf("occurrence %s was due %s, %s ago, more than max_lateness: passed over, %s (publish it with --allow-late)",
			of, pl.when(*in.At), human(late), goesOn)
		return a
	}
	a.Reason = "occurrence " + of + ": " + a.Reason
	if in.passed > 0 {
		a.Reason += fmt.Sprintf("; %s passed over (no run published them in time)", count(in.passed, "earlier occurrence"))
	}
	if in.then != "" {
		a.Reason += "; " + in.then
	}
	if in.repeated != "" {
		a.Reason += fmt.Sprintf("; will be skipped: %s, and every text was sent already (add texts under repeat)", in.repeated)
	}
	return a
}

// OccurrenceOf is the occurrence of a recurring post a target key names:
// 1 for an account's own name, n for "account#n", 0 for a key that is
// not an occurrence (a variant's).
func OccurrenceOf(key string) int { return occurrenceOf(key, state.AccountOf(key)) }

// Upcoming is the occurrences of a recurring post on target t after now
// that state does not record: the next one, and the others up to until.
// Each says, in Series, where it stands ("occurrence 3 of 12", and for
// the next one the rest of the series). Views of the schedule (status,
// the calendar) show them; a post that does not repeat has none, and a
// blog or feed target only its first occurrence.
func Upcoming(s schema.Summary, t schema.TargetSummary, rec *state.Record, now, until time.Time, zone *time.Location) []Instance {
	r := s.Repeat
	if r == nil || s.PublishAt == nil || s.Delete {
		return nil
	}
	total := 0
	if r.Bounded() {
		for n := range r.Times(*s.PublishAt, zone) {
			total = n
		}
	}
	var out []Instance
	for n, at := range r.Times(*s.PublishAt, zone) {
		if render.IsBlog(t.Platform) && n > 1 {
			break
		}
		if !at.After(now) {
			continue
		}
		if len(out) > 0 && at.After(until) {
			break
		}
		key := OccurrenceKey(t.Name, n)
		if rec != nil {
			if ts, ok := rec.Targets[key]; ok && ts.Status != state.StatusScheduled {
				continue
			}
		}
		in := Instance{Key: key, At: &at, Occurrence: n, Text: r.TextOf(n), role: roleNext, total: total}
		if len(out) == 0 {
			in.then = rest(r, n, total, zone)
		}
		out = append(out, in)
	}
	return out
}

// Series says where an instance stands in its series, for views:
// "occurrence 3 of 12", then the rest of the series after the next one;
// "" for a post that does not repeat.
func (in Instance) Series() string {
	if in.Occurrence == 0 {
		return ""
	}
	s := "occurrence " + strconv.Itoa(in.Occurrence)
	if in.total > 0 {
		s += " of " + strconv.Itoa(in.total)
	}
	if in.then != "" {
		s += "; " + in.then
	}
	return s
}
