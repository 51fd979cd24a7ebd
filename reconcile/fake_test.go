package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms"
)

// clock is a fake clock: Sleep advances it instead of waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

// fakePlatform is an in-memory platform with the behaviours apply must
// survive: it can refuse, rate-limit, or accept a post and then time out,
// and cut a thread short after one part. It records every post it
// accepted, one per part, so a test can say "exactly one".
type fakePlatform struct {
	name string
	// idempotent platforms return the earlier post for a repeated key
	// and part, as Mastodon's Idempotency-Key does.
	idempotent bool
	// now stamps each post's creation, which Find's window is measured
	// against; nil: the zero time.
	now func() time.Time

	mu    sync.Mutex
	posts []fakePost
	calls int
	// faults are consumed one per Publish or Resume call, in order.
	faults []fault
	// findErr, when set, is what Find answers.
	findErr error
}

type fakePost struct {
	key     platforms.AttemptKey
	text    string
	id      string
	deleted bool
	// part is the post's place in its thread, from 0; replyTo is the ID
	// of the part before.
	part    int
	replyTo string
	at      time.Time
}

type fault int

const (
	faultNone fault = iota
	faultAcceptThenTimeout
	fault429
	fault503
	faultAuth
	faultRefused
	// The cut faults let one part of the call through, then fail the
	// next: refused by a 429 (surely not created, retryable), refused by
	// a 422 (surely not created, not retryable), lost before it was
	// created, or created and then lost (both an unknown outcome).
	faultCut429
	faultCut422
	faultCutLost
	faultCutAcceptedLost
)

// cut is the error a cut fault fails its part with, and whether that part
// is created first.
func (f *fakePlatform) cut(ft fault) (err error, created bool) {
	switch ft {
	case faultCut429:
		return &platforms.APIError{Platform: f.name, Status: 429, Message: "Too Many Requests", RetryAfter: 30 * time.Second, Outcome: platforms.NotCreated}, false
	case faultCut422:
		return &platforms.APIError{Platform: f.name, Status: 422, Message: "text too long", Outcome: platforms.NotCreated}, false
	case faultCutLost:
		return &platforms.APIError{Platform: f.name, Message: "connection reset", Outcome: platforms.Unknown, Err: errors.New("read: connection reset by peer")}, false
	case faultCutAcceptedLost:
		return &platforms.APIError{Platform: f.name, Message: "timeout awaiting response headers", Outcome: platforms.Unknown, Err: context.DeadlineExceeded}, true
	}
	return nil, false
}

func (f *fakePlatform) Name() string { return f.name }

func (f *fakePlatform) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var ft fault
	if len(f.faults) > 0 {
		ft, f.faults = f.faults[0], f.faults[1:]
	}
	switch ft {
	case fault429:
		return nil, &platforms.APIError{Platform: f.name, Status: 429, Message: "Too Many Requests", RetryAfter: 30 * time.Second, Outcome: platforms.NotCreated}
	case fault503:
		return nil, &platforms.APIError{Platform: f.name, Status: 503, Message: "over capacity", Outcome: platforms.NotCreated}
	case faultAuth:
		return nil, &platforms.APIError{Platform: f.name, Status: 401, Message: "invalid token", Outcome: platforms.NotCreated}
	case faultRefused:
		return nil, &platforms.APIError{Platform: f.name, Message: "connection refused", Outcome: platforms.NotCreated, Err: errors.New("dial tcp: connection refused")}
	}
	if len(p.Parts) <= 1 {
		id := f.post(key, 0, p.Text(), "")
		if ft == faultAcceptThenTimeout {
			return nil, &platforms.APIError{Platform: f.name, Message: "timeout awaiting response headers", Outcome: platforms.Unknown, Err: context.DeadlineExceeded}
		}
		return f.receipt(id), nil
	}
	return f.thread(&platforms.Receipt{Provider: f.name}, p, key, ft)
}

// thread posts p's parts from len(rc.IDs) on, each a reply to the one
// before, and returns the receipt of every part that exists; a cut fault
// lets one part through and fails the next.
func (f *fakePlatform) thread(rc *platforms.Receipt, p *platforms.Payload, key platforms.AttemptKey, ft fault) (*platforms.Receipt, error) {
	from := len(rc.IDs)
	for i := from; i < len(p.Parts); i++ {
		replyTo := ""
		if i > 0 {
			replyTo = rc.IDs[i-1]
		}
		if err, created := f.cut(ft); err != nil && i == from+1 {
			if created {
				f.post(key, i, p.Parts[i].Text, replyTo)
			}
			return rc, err
		}
		id := f.post(key, i, p.Parts[i].Text, replyTo)
		rc.IDs = append(rc.IDs, id)
		rc.URLs = append(rc.URLs, f.url(id))
	}
	if ft == faultAcceptThenTimeout {
		return nil, &platforms.APIError{Platform: f.name, Message: "timeout awaiting response headers", Outcome: platforms.Unknown, Err: context.DeadlineExceeded}
	}
	return rc, nil
}

// post creates part of key's thread, or returns the one an idempotent
// platform already has. f.mu is held.
func (f *fakePlatform) post(key platforms.AttemptKey, part int, text, replyTo string) string {
	if f.idempotent {
		for _, p := range f.posts {
			if p.key == key && p.part == part {
				return p.id
			}
		}
	}
	id := fmt.Sprint(len(f.posts) + 1)
	var at time.Time
	if f.now != nil {
		at = f.now()
	}
	f.posts = append(f.posts, fakePost{key: key, text: text, id: id, part: part, replyTo: replyTo, at: at})
	return id
}

func (f *fakePlatform) url(id string) string { return "https://" + f.name + ".example/" + id }

func (f *fakePlatform) receipt(ids ...string) *platforms.Receipt {
	rc := &platforms.Receipt{Provider: f.name, IDs: ids}
	for _, id := range ids {
		rc.URLs = append(rc.URLs, f.url(id))
	}
	return rc
}

// Resume posts the rest of a thread whose first parts are r's, as a
// Resumer does; it refuses a thread whose last part is not live.
func (f resuming) Resume(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var ft fault
	if len(f.faults) > 0 {
		ft, f.faults = f.faults[0], f.faults[1:]
	}
	if len(r.IDs) == 0 {
		return nil, &platforms.APIError{Platform: f.name, Message: "resume: no part to reply to", Outcome: platforms.NotCreated}
	}
	last := r.IDs[len(r.IDs)-1]
	if _, ok := f.live(last); !ok {
		return nil, &platforms.APIError{Platform: f.name, Status: 404, Message: "resume: part " + last + " is gone", Outcome: platforms.NotCreated}
	}
	rc := &platforms.Receipt{Provider: f.name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs)}
	return f.thread(rc, p, key, ft)
}

// live returns the live post with id. f.mu is held.
func (f *fakePlatform) live(id string) (fakePost, bool) {
	for _, p := range f.posts {
		if p.id == id && !p.deleted {
			return p, true
		}
	}
	return fakePost{}, false
}

func (f *fakePlatform) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.posts {
		if f.posts[i].id == r.IDs[0] {
			f.posts[i].text = p.Text()
			return r, nil
		}
	}
	return nil, &platforms.APIError{Platform: f.name, Status: 404, Message: "not found", Outcome: platforms.NotCreated, Err: platforms.ErrDeletedRemotely}
}

func (f *fakePlatform) Delete(ctx context.Context, r *platforms.Receipt) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.posts {
		if f.posts[i].id == r.IDs[0] {
			f.posts[i].deleted = true
			return nil
		}
	}
	return platforms.ErrDeletedRemotely
}

// finding is a fakePlatform that can also look attempts up.
type finding struct{ *fakePlatform }

// findWindow is how far back Find looks when the attempt's start is
// unknown.
const findWindow = 7 * 24 * time.Hour

// Find looks the attempt up as a Finder must: among the posts created
// since the attempt began (less the clock skew), its first part, then
// each next part as a reply to the one before. Two first parts, or a
// part beyond a missing one, cannot be told apart from another post or
// a hole in what the platform shows: an error, not an answer.
func (f finding) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.findErr != nil {
		return nil, f.findErr
	}
	var now time.Time
	if f.now != nil {
		now = f.now()
	}
	since := a.Since(now, findWindow)
	var mine []fakePost
	for _, post := range f.posts {
		if post.key == a.Key && !post.deleted && (f.now == nil || !post.at.Before(since)) {
			mine = append(mine, post)
		}
	}
	var heads []fakePost
	for _, post := range mine {
		if post.part == 0 {
			heads = append(heads, post)
		}
	}
	switch {
	case len(heads) == 0 && len(mine) > 0:
		return nil, fmt.Errorf("attempt %s: a reply of the thread is there but not its first part: cannot tell", a.Key)
	case len(heads) == 0:
		return nil, fmt.Errorf("attempt %s: %w", a.Key, platforms.ErrNotFound)
	case len(heads) > 1:
		return nil, fmt.Errorf("attempt %s: %d posts could be its first part: cannot tell", a.Key, len(heads))
	}
	ids := []string{heads[0].id}
	for i := 1; i < max(len(p.Parts), 1); i++ {
		next := ""
		for _, post := range mine {
			if post.part == i && post.replyTo == ids[i-1] {
				next = post.id
			}
		}
		if next == "" {
			break
		}
		ids = append(ids, next)
	}
	for _, post := range mine {
		if post.part >= len(ids) {
			return nil, fmt.Errorf("attempt %s: part %d is there but part %d is not: cannot tell", a.Key, post.part+1, len(ids)+1)
		}
	}
	if len(ids) < len(p.Parts) {
		return f.receipt(ids...), &platforms.IncompleteError{Found: len(ids), Total: len(p.Parts)}
	}
	return f.receipt(ids...), nil
}

// resuming is a fakePlatform that can look attempts up and finish the
// threads it finds in part.
type resuming struct{ finding }

var (
	_ platforms.Finder  = finding{}
	_ platforms.Finder  = resuming{}
	_ platforms.Resumer = resuming{}
)

// texts returns the texts of posts not deleted.
func (f *fakePlatform) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.posts {
		if !p.deleted {
			out = append(out, p.text)
		}
	}
	return out
}
