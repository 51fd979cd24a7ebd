package calendar

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/heraldhq/herald/state"
)

// Statuses a target shows in the calendar, beyond state.Status: a target
// herald never acted on is scheduled (publish_at ahead), pending (due)
// or draft.
const (
	StatusScheduled = "scheduled"
	StatusPending   = "pending"
	StatusDraft     = "draft"
	StatusPublished = string(state.StatusPublished)
	StatusFailed    = string(state.StatusFailed)
)

// Post is one post as the calendar and the reports see it: the post in
// the tree joined with its state record, one Target per target.
type Post struct {
	ID    string
	Title string
	// Excerpt is the first words of the body, the post's name when it
	// has no title.
	Excerpt  string
	Campaign string
	File     string
	// At is when the post goes out, or went out: its earliest
	// publication, else its publish_at. Zero: it has no date (due once
	// merged, or a draft without one) and is not on the calendar.
	At      time.Time
	Targets []Target
	// Occurrence is, for a later occurrence of a recurring post (its
	// targets "x#3"), which one: each is on its own day. 0 otherwise.
	Occurrence int
}

// Target is one target of a Post: where it stands, its public URLs and
// its latest engagement.
type Target struct {
	Name   string
	Status string
	// At is when this target was published, or is due.
	At   time.Time
	URLs []string
	// Error is why the target failed, when it did.
	Error string
	// Metrics is the latest engagement, nil when never synced.
	Metrics *state.Metrics
	// Platform is the platform of the target's account, "" when the
	// configuration no longer has it.
	Platform string
	// Variant is the variant of the post the target sent (variants:),
	// "" for a post without variants.
	Variant string
}

// Name is what a person calls the post: its title, else the first words
// of its body, else its ID.
func (p Post) Name() string {
	switch {
	case p.Title != "":
		return p.Title
	case p.Excerpt != "":
		return p.Excerpt
	}
	return p.ID
}

// Status is the post's status as a whole, for the one mark a busy day has
// room for: failed when any target needs attention, else published when
// any target is out, else the first target's status.
func (p Post) Status() string {
	rank := map[string]int{StatusDraft: 1, StatusPending: 2, StatusScheduled: 3, StatusPublished: 4, StatusFailed: 5}
	best := ""
	for _, t := range p.Targets {
		s := bucket(t.Status)
		if rank[s] > rank[best] {
			best = s
		}
	}
	return best
}

// bucket folds herald's statuses into the calendar's five: an attempt in
// flight or of unknown outcome needs a person, as a failure does.
func bucket(status string) string {
	switch state.Status(status) {
	case state.StatusPublishing, state.StatusUnknown, state.StatusFailed, state.StatusDeletedRemotely:
		return StatusFailed
	case state.StatusDeleted:
		return StatusPublished
	case state.StatusManual:
		// Written for a person to publish by hand: still to go out.
		return StatusPending
	}
	return status
}

// Sort orders posts by time, undated last, then by ID, which is the
// order every view shows them in.
func Sort(posts []Post) {
	sort.SliceStable(posts, func(i, j int) bool {
		a, b := posts[i], posts[j]
		if a.At.IsZero() != b.At.IsZero() {
			return !a.At.IsZero()
		}
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return a.ID < b.ID
	})
}

// FirstWords returns up to n words of a Markdown body with its markup
// (headings, emphasis, links' targets) dropped, for naming an untitled
// post in a calendar.
func FirstWords(markdown string, n int) string {
	var words []string
	for _, line := range strings.Split(markdown, "\n") {
		line = strings.TrimLeft(strings.TrimSpace(line), "#>*-+ ")
		for _, w := range strings.Fields(line) {
			if strings.HasPrefix(w, "](") || strings.HasPrefix(w, "http") {
				continue
			}
			w = strings.TrimFunc(w, func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("'’.,!?:;-", r)
			})
			if i := strings.Index(w, "]("); i >= 0 {
				w = w[:i]
			}
			w = strings.Trim(w, "[]*_`")
			if w == "" {
				continue
			}
			words = append(words, w)
			if len(words) == n {
				return strings.Join(words, " ") + "…"
			}
		}
		if line == "---" || line == "***" {
			break
		}
	}
	return strings.Join(words, " ")
}
