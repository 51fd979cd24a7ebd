package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// Kind is what a plan does, or declines to do, for one target of a post.
type Kind string

// The plan's kinds. The first group changes something (on a platform or in
// state) and makes `plan --detailed-exitcode` exit 2; the second says why
// nothing is done.
const (
	Create  Kind = "create"  // due and never published
	Update  Kind = "update"  // published, content changed, the platform can edit
	Delete  Kind = "delete"  // published, and delete: true or --prune asks to remove it
	Retry   Kind = "retry"   // failed surely without posting; its backoff has elapsed
	Resolve Kind = "resolve" // an earlier attempt's outcome is unknown: ask the platform first
	Move    Kind = "move"    // the file was renamed with the same content: state follows, nothing posts

	Scheduled Kind = "scheduled" // publish_at is in the future
	Late      Kind = "late"      // due longer ago than max_lateness: held without --allow-late
	Frozen    Kind = "frozen"    // due, but publishing is frozen
	Draft     Kind = "draft"     // draft: true
	Drift     Kind = "drift"     // changed or gone on the platform, and herald will not act alone
	Held      Kind = "held"      // failed or unknown, waiting for time or a human
	Kept      Kind = "kept"      // removed from the files, kept on the platform without --prune
	NoOp      Kind = "no-op"     // published and unchanged, or nothing left to do
)

// Kinds lists every kind in the order plans print them.
var Kinds = []Kind{Create, Update, Delete, Retry, Resolve, Move,
	Scheduled, Late, Frozen, Draft, Drift, Held, Kept, NoOp}

// Acts reports whether a kind changes something when applied.
func (k Kind) Acts() bool {
	switch k {
	case Create, Update, Delete, Retry, Resolve, Move:
		return true
	}
	return false
}

// Action is the plan for one target of one post. Its JSON form is part of
// herald's documented interface.
type Action struct {
	Post     string     `json:"post"`
	File     string     `json:"file"`
	Target   string     `json:"target"`
	Platform string     `json:"platform"`
	Kind     Kind       `json:"action"`
	At       *time.Time `json:"at"` // the post's publish_at; null: due once merged
	Reason   string     `json:"reason"`
	// From is the post's previous ID and file, for a Move.
	From string `json:"from,omitempty"`
	// After lists the targets of the same post that this create or
	// retry waits for and that are acted on in the same run: apply
	// publishes them first, and this one once they are published.
	After []string `json:"after,omitempty"`
	// Would is what a Skipped action would have done in a run that
	// targeted it.
	Would Kind `json:"would,omitempty"`
	// Queue is the queue whose slot, At, a queued post (publish_at:
	// next) takes.
	Queue string `json:"queue,omitempty"`
	// Variant names the variant of the post this target sends
	// (schema.BaseVariant for the post as written), or, for a target
	// the files no longer name, the one it sent; empty for a post
	// without variants.
	Variant string `json:"variant,omitempty"`
	// Occurrence is, for a recurring post (repeat:), which occurrence
	// of the series this is, from 1; Target is then its key in state
	// ("x" for the first, "x#3" for the third). Text is the text it is
	// sent with: 0 the body, i the post's repeat.texts[i-1].
	Occurrence int `json:"occurrence,omitempty"`
	Text       int `json:"text,omitempty"`
}

// Plan is every action for every target of every post, in post then
// target order.
type Plan struct {
	Now     time.Time    `json:"now"`
	Actions []Action     `json:"actions"`
	Summary map[Kind]int `json:"summary"`
	// Notes say what the plan as a whole rests on (the order of queued
	// posts without git history).
	Notes []string `json:"notes,omitempty"`
	// Only is the selection of a targeted run; empty when untargeted.
	Only Selection      `json:"-"`
	zone *time.Location `json:"-"`
}

// Changes counts the actions that change something.
func (p *Plan) Changes() int {
	n := 0
	for _, a := range p.Actions {
		if a.Kind.Acts() {
			n++
		}
	}
	return n
}

// Capabilities says what a platform can do after publishing; a plan shows
// what it cannot do rather than failing on it.
type Capabilities struct {
	Update bool
	Delete bool
	// DeleteMeans, when set, is what a delete does on a platform whose
	// delete does not remove the post (dev.to unpublishes): the plan says
	// it instead of "removes the post".
	DeleteMeans string
	// PublishMeans, when set, is what a publish does on a platform
	// without a publishing API (Substack: a draft for a person): the
	// plan adds it to a create's reason.
	PublishMeans string
	// RefusesRepeat, when set, says that the platform refuses a post
	// whose text repeats one the account published (X's duplicate
	// 403): an occurrence of a recurring post goes there only with a
	// text none of the account's occurrences was sent with.
	RefusesRepeat string
}

// PlanInput is everything a plan depends on. Plan reads nothing else: the
// same input gives the same plan.
type PlanInput struct {
	Now   time.Time
	Posts []schema.Summary // valid posts, any order
	// Records are the state records, any order.
	Records []*state.Record
	Config  *schema.Config
	// Caps tells what each platform can do; nil means nothing beyond
	// publishing.
	Caps func(platform string) Capabilities
	// ProviderCaps tells what a relay can do with a post it published
	// (ok false: not a relay), for a target whose state records that a
	// relay published it: edits and deletes go the way the post went.
	ProviderCaps func(provider string) (Capabilities, bool)
	// Prune deletes targets and posts removed from the files.
	Prune bool
	// AllowLate publishes posts later than max_lateness.
	AllowLate bool
	// Only restricts the run to a selection of targets: the others are
	// Skipped. Empty: every target.
	Only Selection
	// Added is when each post file (by path) reached the branch: the
	// order in which queued posts take slots, and the earliest slot each
	// may take. A file missing from it arrives at Now.
	Added map[string]time.Time
	// QueueNote, when set, says that Added is not the history (a shallow
	// clone) and how the queue order falls back: the plan prints it when
	// a post is queued.
	QueueNote string
	// Rush makes the selected targets due now, whatever their publish_at
	// (apply --campaign NAME --now). It needs a non-empty Only; drafts,
	// freezes and everything else still hold them.
	Rush bool
}

// MakePlan compares the posts with their state records at in.Now.
func MakePlan(in PlanInput) *Plan {
	cfg := in.Config
	if cfg == nil {
		cfg = &schema.Config{}
	}
	caps := in.Caps
	if caps == nil {
		caps = func(string) Capabilities { return Capabilities{} }
	}
	zone := cfg.Timezone
	if zone == nil {
		zone = time.UTC
	}
	p := &Plan{Now: in.Now, Summary: map[Kind]int{}, Only: in.Only, zone: zone}
	if len(in.Posts) > 0 {
		// Most posts have a few targets: room for three actions each.
		p.Actions = make([]Action, 0, 3*len(in.Posts))
	}
	for _, k := range Kinds {
		p.Summary[k] = 0
	}

	records := make(map[string]*state.Record, len(in.Records))
	for _, r := range in.Records {
		records[r.Post] = r
	}
	posts := append([]schema.Summary(nil), in.Posts...)
	sort.Slice(posts, func(i, j int) bool { return posts[i].ID < posts[j].ID })
	present := make(map[string]bool, len(posts))
	for _, s := range posts {
		present[s.ID] = true
	}

	// A post without a record whose content equals that of a record
	// without a post was renamed: its state follows it. The content is
	// the post's hash where the record has it, else what each published
	// target received: a record written by apply holds the hash of each
	// target's payload, which does not depend on the file's path.
	orphanByHash := map[string]*state.Record{}
	orphanByTarget := map[string][]*state.Record{}
	for _, r := range in.Records {
		if present[r.Post] || !hasPublished(r) {
			continue
		}
		if r.Hash != "" {
			orphanByHash[r.Hash] = r
		}
		if k := firstPublished(r); k != "" {
			orphanByTarget[k] = append(orphanByTarget[k], r)
		}
	}
	for _, list := range orphanByTarget {
		sort.Slice(list, func(i, j int) bool { return list[i].Post < list[j].Post })
	}
	renamedFrom := func(s schema.Summary) *state.Record {
		if old := orphanByHash[s.Hash]; old != nil {
			return old
		}
		for _, t := range s.Targets {
			// A recurring post's first published occurrence may have
			// received one of its texts.
			for _, h := range append([]string{t.Hash}, t.Texts...) {
				for _, r := range orphanByTarget[t.Name+" "+h] {
					if samePublished(r, s) {
						return r
					}
				}
			}
		}
		return nil
	}
	moved := map[string]bool{}

	slots := assignSlots(in, cfg, records, posts)
	if len(slots) > 0 && in.QueueNote != "" {
		p.Notes = append(p.Notes, in.QueueNote)
	}
	pl := planner{in: in, cfg: cfg, caps: caps, zone: zone, slots: slots}
	for _, s := range posts {
		if sl, ok := slots[s.ID]; ok && sl.none == "" {
			// A queued post is scheduled at its slot.
			at := sl.at
			s.PublishAt, s.PublishNext = &at, false
		}
		rec := records[s.ID]
		if rec == nil {
			if old := renamedFrom(s); old != nil && !moved[old.Post] {
				moved[old.Post] = true
				for _, t := range s.Targets {
					if _, ok := old.Targets[t.Name]; !ok && s.Repeat != nil {
						// The series is planned from the moved state
						// at the next run.
						continue
					}
					a := pl.action(s, t)
					a.Kind, a.From = Move, old.Post
					a.Reason = fmt.Sprintf("renamed from %s (same content): the state follows, nothing is posted", old.File)
					if ts, ok := old.Targets[t.Name]; !ok || ts.Status != state.StatusPublished {
						a.Kind, a.From = Create, ""
						a.Reason = pl.dueReason(s)
						pl.gate(&a, s)
					}
					p.add(a, s.Campaign)
				}
				// A recurring post's later occurrences follow too, so
				// that none is posted again under the new name.
				for _, key := range sortedTargets(old) {
					for _, t := range s.Targets {
						if n := occurrenceOf(key, t.Name); n > 1 {
							a := pl.action(s, t)
							a.Target, a.Kind, a.From, a.Occurrence, a.Text = key, Move, old.Post, n, old.Targets[key].Text
							a.Reason = fmt.Sprintf("renamed from %s (same content): the state of occurrence %d follows, nothing is posted", old.File, n)
							p.add(a, s.Campaign)
						}
					}
				}
				continue
			}
		}
		for _, a := range pl.post(s, rec) {
			p.add(a, s.Campaign)
		}
	}
	// Records whose post is gone.
	gone := make([]*state.Record, 0)
	for _, r := range in.Records {
		if !present[r.Post] && !moved[r.Post] {
			gone = append(gone, r)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].Post < gone[j].Post })
	for _, r := range gone {
		for _, name := range sortedTargets(r) {
			p.add(pl.removed(r, name, r.Targets[name], "the post's file was removed"), "")
		}
	}
	return p
}

// add appends a, turned Skipped when a targeted run does not select it
// (campaign is its post's).
func (p *Plan) add(a Action, campaign string) {
	if !p.Only.Empty() && !p.Only.Selects(a.Post, campaign, a.Target) {
		skip(&a)
	}
	p.Actions = append(p.Actions, a)
	p.Summary[a.Kind]++
}

func hasPublished(r *state.Record) bool {
	for _, ts := range r.Targets {
		if ts.Status == state.StatusPublished {
			return true
		}
	}
	return false
}

// firstPublished is the key of a record's first published target, by
// name: "name hash", or "" when the target's hash is unknown.
func firstPublished(r *state.Record) string {
	for _, name := range sortedTargets(r) {
		if ts := r.Targets[name]; ts.Status == state.StatusPublished {
			if ts.Hash == "" {
				return ""
			}
			// An occurrence of a recurring post ("x#3") is looked up by
			// its account.
			return state.AccountOf(name) + " " + ts.Hash
		}
	}
	return ""
}

// samePublished reports whether post s would send every published target
// of r exactly what it received.
func samePublished(r *state.Record, s schema.Summary) bool {
	for name, ts := range r.Targets {
		if ts.Status != state.StatusPublished {
			continue
		}
		same := false
		for _, t := range s.Targets {
			if t.Name == name && ts.Hash != "" && t.Hash == ts.Hash {
				same = true
			}
			// A later occurrence of a recurring post received the
			// body or one of its texts.
			if occurrenceOf(name, t.Name) > 1 && ts.Hash != "" && (t.Hash == ts.Hash || slices.Contains(t.Texts, ts.Hash)) {
				same = true
			}
		}
		if !same {
			return false
		}
	}
	return true
}

func sortedTargets(r *state.Record) []string {
	names := make([]string, 0, len(r.Targets))
	for n := range r.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type planner struct {
	in    PlanInput
	cfg   *schema.Config
	caps  func(string) Capabilities
	zone  *time.Location
	slots map[string]slotFor // by post ID
}

func (pl *planner) action(s schema.Summary, t schema.TargetSummary) Action {
	a := Action{Post: s.ID, File: s.File, Target: t.Name, Platform: t.Platform, At: s.PublishAt, Variant: t.Variant}
	if sl, ok := pl.slots[s.ID]; ok && sl.none == "" {
		a.Queue = sl.queue
	}
	return a
}

// slot describes a queued post's slot for reasons: "Tue 8 Dec 2026 09:30
// EST (queue weekdays)"; "" when s is not queued.
func (pl *planner) slot(s schema.Summary) string {
	sl, ok := pl.slots[s.ID]
	if !ok || sl.none != "" {
		return ""
	}
	return fmt.Sprintf("%s (queue %s)", schema.FormatSlot(sl.at, pl.zone), sl.queue)
}

// post plans every target of a post that is in the files: its current
// targets, then targets its record has that the post no longer names.
func (pl *planner) post(s schema.Summary, rec *state.Record) []Action {
	out := make([]Action, 0, len(s.Targets))
	// Targets by name: summaries usually list them so already, and then
	// are read as they are (nothing below writes to targets).
	targets := s.Targets
	byName := func(a, b schema.TargetSummary) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(targets, byName) {
		targets = slices.Clone(targets)
		slices.SortStableFunc(targets, byName)
	}
	var urls map[string]string // the published URLs, for targets that show some
	for _, t := range targets {
		var ts *state.TargetState
		if rec != nil {
			if v, ok := rec.Targets[t.Name]; ok {
				ts = &v
			}
		}
		// What a target with other targets' URLs publishes holds the
		// URLs state records for them.
		if len(t.URLs) > 0 && urls == nil {
			urls = PublishedURLs(rec)
		}
		t.Hash = FilledHash(t.Hash, t.URLs, urls)
		if s.Repeat == nil && !hasOccurrences(rec, t.Name) {
			st := s
			if t.PublishAt != nil {
				// A variant sent at its own time is due then.
				st.PublishAt = t.PublishAt
			}
			out = append(out, pl.target(st, t, ts))
			continue
		}
		sending := false // an occurrence on the account goes in this run
		for _, in := range Instances(s, t, rec, pl.in.Now, pl.zone, pl.caps(t.Platform)) {
			a := pl.instance(s, t, in)
			if in.role == roleNext && a.Kind == Create && sending {
				// --now moves the next occurrence to now only when no
				// other occurrence goes: one post per account per run.
				a.Kind = Scheduled
				a.Reason = fmt.Sprintf("occurrence %d at %s: --now sends one occurrence per account, and another goes in this run", in.Occurrence, pl.when(*in.At))
			}
			if a.Kind == Create || a.Kind == Retry || a.Kind == Resolve {
				sending = true
			}
			out = append(out, a)
		}
	}
	pl.order(targets, rec, out)
	var utm map[string]string
	for _, t := range targets {
		if t.UTM != "" {
			if utm == nil {
				utm = map[string]string{}
			}
			utm[t.Name] = t.UTM
		}
	}
	for i := range out {
		if utm == nil {
			break // no target carries UTM parameters
		}
		// What a publish or an edit sends carries the UTM parameters;
		// an occurrence of a recurring post ("x#3") carries its
		// account's.
		u, ok := utm[out[i].Target]
		if !ok {
			u = utm[state.AccountOf(out[i].Target)]
		}
		if k := out[i].Kind; u != "" && (k == Create || k == Retry || k == Update) {
			out[i].Reason += "; its own links carry " + u
		}
	}
	if rec != nil && len(rec.Targets) > 0 {
		// Each target and instance the post names has its action, under
		// its key; a key of the record that is neither is no longer named.
		named := namedKeys(out)
		for _, name := range sortedTargets(rec) {
			if named(name) || slices.ContainsFunc(targets, func(t schema.TargetSummary) bool { return t.Name == name }) {
				continue
			}
			a := pl.removed(rec, name, rec.Targets[name], "removed from the post's targets")
			a.File, a.At = s.File, s.PublishAt
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b Action) int {
		if c := strings.Compare(state.AccountOf(a.Target), state.AccountOf(b.Target)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Occurrence, b.Occurrence); c != 0 {
			return c
		}
		return strings.Compare(a.Target, b.Target)
	})
	return out
}

// namedKeys reports whether an action of actions is for a key. A post
// has a few targets, looked through; a recurring post's many occurrences
// go in a map.
func namedKeys(actions []Action) func(key string) bool {
	if len(actions) <= 16 {
		return func(key string) bool {
			for i := range actions {
				if actions[i].Target == key {
					return true
				}
			}
			return false
		}
	}
	m := make(map[string]bool, len(actions))
	for i := range actions {
		m[actions[i].Target] = true
	}
	return func(key string) bool { return m[key] }
}

// hasOccurrences reports whether rec records a later occurrence of a
// recurring post on account (a key "account#n").
func hasOccurrences(rec *state.Record, account string) bool {
	if rec == nil {
		return false
	}
	for key := range rec.Targets {
		if occurrenceOf(key, account) > 1 {
			return true
		}
	}
	return false
}

// target plans one target the post names.
func (pl *planner) target(s schema.Summary, t schema.TargetSummary, ts *state.TargetState) Action {
	a := pl.action(s, t)
	caps := pl.caps(t.Platform)
	if ts == nil || ts.Status == state.StatusScheduled {
		switch {
		case s.Delete:
			a.Kind, a.Reason = NoOp, "delete: true and never published: nothing to delete"
		case s.Draft:
			a.Kind, a.Reason = Draft, "draft: true: not published until the draft flag is removed"
		default:
			a.Kind, a.Reason = Create, pl.dueReason(s)
			pl.gate(&a, s)
			if a.Kind == Create && caps.PublishMeans != "" {
				a.Reason += "; " + caps.PublishMeans
			}
		}
		return a
	}
	switch ts.Status {
	case state.StatusPublishing:
		a.Kind = Resolve
		a.Reason = fmt.Sprintf("an attempt (key %s) may have reached %s: herald asks the platform before anything else", ts.Attempt, t.Platform)
	case state.StatusUnknown:
		a.Kind = Held
		a.Reason = fmt.Sprintf("outcome unknown since %s: check %s, then run herald resolve %s %s --published URL or --not-published",
			pl.when(ts.LastAttemptAt), t.Platform, s.ID, t.Name)
	case state.StatusFailed:
		pl.failed(&a, s, t, ts)
	case state.StatusPublished:
		if pl.in.ProviderCaps != nil && ts.Provider != "" {
			if c, ok := pl.in.ProviderCaps(ts.Provider); ok {
				caps = c
				t.Platform = t.Platform + " (through " + ts.Provider + ")"
			}
		}
		pl.published(&a, s, t, ts, caps)
	case state.StatusDeleted:
		a.Kind = NoOp
		a.Reason = "deleted by herald"
		if !ts.UpdatedAt.IsZero() {
			a.Reason += " on " + pl.when(ts.UpdatedAt)
		}
		if !s.Delete {
			a.Reason += "; not re-published (remove the target or give the post a new id to publish it again)"
		}
	case state.StatusManual:
		pl.manual(&a, s, t, ts)
	case state.StatusDeletedRemotely:
		a.Kind = Drift
		a.Reason = fmt.Sprintf("deleted on %s outside herald; not re-posted (remove the target, or run herald resolve %s %s --not-published to post it again)",
			t.Platform, s.ID, t.Name)
	default:
		a.Kind, a.Reason = Held, fmt.Sprintf("unknown state %q", ts.Status)
	}
	return a
}

func (pl *planner) failed(a *Action, s schema.Summary, t schema.TargetSummary, ts *state.TargetState) {
	last := "an earlier attempt failed"
	if ts.LastError != nil {
		last = "attempt " + fmt.Sprint(ts.Attempts) + " failed: " + ts.LastError.Message
	}
	switch {
	case s.Delete:
		a.Kind, a.Reason = NoOp, "delete: true and never published: nothing to delete"
	case s.Draft:
		a.Kind, a.Reason = Draft, "draft: true: "+last
	case ts.NextRetryAt.IsZero() && ts.Hash != "" && ts.Hash == t.Hash:
		a.Kind = Held
		a.Reason = fmt.Sprintf("%s; this will not pass by itself: edit the post, or run herald resolve %s %s --not-published to retry", last, s.ID, t.Name)
	case ts.NextRetryAt.After(pl.in.Now):
		a.Kind = Held
		a.Reason = fmt.Sprintf("%s; next retry at %s", last, pl.when(ts.NextRetryAt))
	default:
		a.Kind, a.Reason = Retry, last
		if ts.NextRetryAt.IsZero() {
			a.Reason += "; the post changed since"
		}
		pl.gate(a, s)
	}
}

// manual plans a target whose platform has no publishing API: herald
// wrote what a person publishes by hand. A changed post gets its draft
// written again; otherwise the plan repeats what the person must do.
func (pl *planner) manual(a *Action, s schema.Summary, t schema.TargetSummary, ts *state.TargetState) {
	todo := ts.Manual
	if todo == "" {
		todo = "publish it by hand"
	}
	switch {
	case s.Delete:
		a.Kind, a.Reason = NoOp, "delete: true, and herald never published it (a person was to publish it by hand): nothing to delete on "+t.Platform
	case s.Draft:
		a.Kind, a.Reason = Draft, "draft: true: the draft written for a person stays as it was"
	case ts.Hash != t.Hash:
		a.Kind, a.Reason = Retry, "the post changed since its draft for a person was written: herald writes the draft again"
		pl.gate(a, s)
	default:
		a.Kind = Held
		a.Reason = fmt.Sprintf("waiting for a person since %s: %s; then run herald resolve %s %s --published URL",
			pl.when(ts.UpdatedAt), todo, s.ID, t.Name)
	}
}

func (pl *planner) published(a *Action, s schema.Summary, t schema.TargetSummary, ts *state.TargetState, caps Capabilities) {
	if !s.Delete && ts.Hash == t.Hash {
		// Unchanged, the most common case by far: its reason in one
		// concatenation.
		a.Kind, a.Reason = NoOp, "published"
		if len(ts.URLs) > 0 {
			a.Reason = "published at " + ts.URLs[0]
		}
		return
	}
	url := ""
	if len(ts.URLs) > 0 {
		url = " at " + ts.URLs[0]
	}
	switch {
	case s.Delete:
		switch {
		case caps.Delete && caps.DeleteMeans != "":
			a.Kind, a.Reason = Delete, "delete: true: "+caps.DeleteMeans
			if url != "" {
				a.Reason += " (published" + url + ")"
			}
		case caps.Delete:
			a.Kind, a.Reason = Delete, "delete: true: removes the post"+url
		default:
			a.Kind, a.Reason = Drift, fmt.Sprintf("delete: true, but %s cannot delete through its API: remove it by hand%s", t.Platform, url)
		}
		pl.freezeGate(a)
	case ts.LastError != nil && ts.LastError.Kind == state.KindNotEditable:
		a.Kind, a.Reason = Drift, fmt.Sprintf("content changed, but %s refused the edit (%s): the published version%s stays as it was",
			t.Platform, ts.LastError.Message, url)
	case caps.Update:
		a.Kind, a.Reason = Update, "content changed since it was published"+url
		pl.freezeGate(a)
	default:
		a.Kind, a.Reason = Drift, fmt.Sprintf("content changed, but %s cannot edit a published post: the published version%s stays as it was", t.Platform, url)
	}
}

// order holds back the creates and retries of targets that wait for
// others of the post (primary:, after:, {{url}}): a target whose every
// such target is published goes as planned; one whose targets are
// published in this run too goes after them ("waits for blog", and
// Action.After); one whose target is held, drifted, gone or otherwise not
// published is held, saying why. Targets are taken in dependency order,
// so that a hold passes down a chain.
func (pl *planner) order(targets []schema.TargetSummary, rec *state.Record, out []Action) {
	if !slices.ContainsFunc(targets, func(t schema.TargetSummary) bool { return len(t.After) > 0 }) {
		return // no target waits for another
	}
	idx := map[string]int{}
	for i := range out {
		idx[out[i].Target] = i
	}
	after := map[string][]string{}
	for _, t := range targets {
		after[t.Name] = t.After
	}
	done := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if done[name] {
			return
		}
		done[name] = true
		for _, d := range after[name] {
			visit(d)
		}
		i, ok := idx[name]
		if !ok || len(after[name]) == 0 {
			return
		}
		a := &out[i]
		if a.Kind != Create && a.Kind != Retry {
			return
		}
		var pending []string
		for _, d := range after[name] {
			j, ok := idx[d]
			if !ok {
				continue
			}
			da := out[j]
			switch {
			case da.Kind == Create || da.Kind == Retry || da.Kind == Resolve:
				pending = append(pending, d)
			case rec != nil && rec.Targets[d].Status == state.StatusPublished && da.Kind != Delete && da.Kind != Kept:
			default:
				a.Kind = Held
				a.Reason = fmt.Sprintf("waits for %s, which is not published (%s: %s)", d, da.Kind, da.Reason)
				a.After = nil
				return
			}
		}
		if len(pending) > 0 {
			a.After = pending
			a.Reason += "; waits for " + strings.Join(pending, " and ")
		}
	}
	for _, t := range targets {
		visit(t.Name)
	}
}

// removed plans a target that the files no longer name.
func (pl *planner) removed(r *state.Record, name string, ts state.TargetState, why string) Action {
	a := Action{Post: r.Post, File: r.File, Target: name, Variant: ts.Variant}
	if acct := pl.cfg.Accounts[state.AccountOf(name)]; acct != nil {
		a.Platform = acct.Platform
	}
	if ts.Status != state.StatusPublished {
		a.Kind, a.Reason = NoOp, why+" before it was published: nothing to delete"
		return a
	}
	url := ""
	if len(ts.URLs) > 0 {
		url = " " + ts.URLs[0]
	}
	if !pl.in.Prune {
		a.Kind = Kept
		a.Reason = why + ": the published post" + url + " stays (run with --prune, or keep the file with delete: true, to delete it)"
		return a
	}
	a.Kind, a.Reason = Delete, why+" and --prune: removes the post"+url
	pl.freezeGate(&a)
	return a
}

// dueReason says why a never-published target would be created now.
func (pl *planner) dueReason(s schema.Summary) string {
	if s.PublishAt == nil {
		return "no publish_at: due once merged"
	}
	if slot := pl.slot(s); slot != "" {
		return "its slot " + slot + " has come"
	}
	return "due since " + pl.when(*s.PublishAt)
}

// gate holds a create or retry that is not due, frozen or late.
func (pl *planner) gate(a *Action, s schema.Summary) {
	if s.PublishNext && pl.rushes(s, a.Target) {
		// Queued without a slot (none free, or no queue): --now sends
		// it all the same.
		a.Reason = "publish_at: next moved to now by --now"
		pl.freezeGate(a)
		return
	}
	if sl, ok := pl.slots[s.ID]; ok && sl.none != "" {
		a.Kind, a.Reason = Held, sl.none
		return
	}
	if s.PublishNext && s.Queue == "" {
		a.Kind, a.Reason = Held, "publish_at: next needs a queue of slots in the configuration (queues:)"
		return
	}
	slot := pl.slot(s)
	if s.PublishAt != nil && s.PublishAt.After(pl.in.Now) && pl.rushes(s, a.Target) {
		moved := fmt.Sprintf("publish_at %s moved to now by --now", pl.when(*s.PublishAt))
		if slot != "" {
			moved = "next slot " + slot + " moved to now by --now"
		}
		if a.Kind == Retry {
			a.Reason += "; " + moved
		} else {
			a.Reason = moved
		}
		pl.freezeGate(a)
		return
	}
	if s.PublishAt != nil && s.PublishAt.After(pl.in.Now) {
		a.Kind = Scheduled
		a.Reason = fmt.Sprintf("at %s (in %s)", pl.when(*s.PublishAt), human(s.PublishAt.Sub(pl.in.Now)))
		if slot != "" {
			a.Reason = fmt.Sprintf("next slot: %s, in %s", slot, human(s.PublishAt.Sub(pl.in.Now)))
		}
		return
	}
	if pl.freezeGate(a) {
		return
	}
	if s.PublishAt != nil && !pl.in.AllowLate {
		max := pl.cfg.MaxLateness
		if max == 0 {
			max = 24 * time.Hour
		}
		if late := pl.in.Now.Sub(*s.PublishAt); late > max {
			a.Kind = Late
			a.Reason = fmt.Sprintf("was due %s, %s ago, more than max_lateness %s: held (publish with --allow-late, or move publish_at)",
				pl.when(*s.PublishAt), human(late), human(max))
			if slot != "" {
				a.Reason = fmt.Sprintf("its slot %s passed %s ago, more than max_lateness %s: held (publish with --allow-late)",
					slot, human(late), human(max))
			}
		}
	}
}

// rushes reports whether --now makes target of s due at once.
func (pl *planner) rushes(s schema.Summary, target string) bool {
	return pl.in.Rush && !pl.in.Only.Empty() && pl.in.Only.Selects(s.ID, s.Campaign, target)
}

// freezeGate holds an action that would change a platform while
// publishing is frozen, and reports whether it did.
func (pl *planner) freezeGate(a *Action) bool {
	reason, frozen := pl.frozen()
	if !frozen {
		return false
	}
	a.Reason = fmt.Sprintf("would %s, but publishing is frozen%s", a.Kind, reason)
	a.Kind = Frozen
	return true
}

func (pl *planner) frozen() (string, bool) {
	f := pl.cfg.Freeze
	if f.On {
		if f.Reason != "" {
			return ": " + f.Reason, true
		}
		return "", true
	}
	for _, w := range f.Windows {
		if !pl.in.Now.Before(w.From) && pl.in.Now.Before(w.Until) {
			r := " until " + pl.when(w.Until)
			if w.Reason != "" {
				r += ": " + w.Reason
			}
			return r, true
		}
	}
	return "", false
}

// when formats a time in the repository's zone, to the minute.
func (pl *planner) when(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.In(pl.zone).Format("2006-01-02 15:04 MST")
}

// human formats a duration the way people say it: 3d 4h, 2h 5m, 45s.
func human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	s := (d - m*time.Minute) / time.Second
	var parts []string
	switch {
	case days > 0:
		parts = append(parts, fmt.Sprintf("%dd", days))
		if h > 0 {
			parts = append(parts, fmt.Sprintf("%dh", h))
		}
	case h > 0:
		parts = append(parts, fmt.Sprintf("%dh", h))
		if m > 0 {
			parts = append(parts, fmt.Sprintf("%dm", m))
		}
	case m > 0:
		parts = append(parts, fmt.Sprintf("%dm", m))
	default:
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	return strings.Join(parts, " ")
}
