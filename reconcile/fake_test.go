package reconcile

import (
	"context"
	"errors"
	"fmt"
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
// survive: it can refuse, rate-limit, or accept a post and then time out.
// It records every post it accepted, so a test can say "exactly one".
type fakePlatform struct {
	name string
	// idempotent platforms return the earlier post for a repeated key.
	idempotent bool

	mu    sync.Mutex
	posts []fakePost
	calls int
	// faults are consumed one per Publish call, in order.
	faults []fault
	// findErr, when set, is what Find answers.
	findErr error
}

type fakePost struct {
	key     platforms.AttemptKey
	text    string
	id      string
	deleted bool
}

type fault int

const (
	faultNone fault = iota
	faultAcceptThenTimeout
	fault429
	fault503
	faultAuth
	faultRefused
)

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
	if f.idempotent {
		for _, p := range f.posts {
			if p.key == key {
				return &platforms.Receipt{Provider: f.name, IDs: []string{p.id}, URLs: []string{"https://" + f.name + ".example/" + p.id}}, nil
			}
		}
	}
	id := fmt.Sprint(len(f.posts) + 1)
	f.posts = append(f.posts, fakePost{key: key, text: p.Text(), id: id})
	if ft == faultAcceptThenTimeout {
		return nil, &platforms.APIError{Platform: f.name, Message: "timeout awaiting response headers", Outcome: platforms.Unknown, Err: context.DeadlineExceeded}
	}
	return &platforms.Receipt{Provider: f.name, IDs: []string{id}, URLs: []string{"https://" + f.name + ".example/" + id}}, nil
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

func (f finding) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.findErr != nil {
		return nil, f.findErr
	}
	for _, post := range f.posts {
		if post.key == a.Key && !post.deleted {
			return &platforms.Receipt{Provider: f.name, IDs: []string{post.id}, URLs: []string{"https://" + f.name + ".example/" + post.id}}, nil
		}
	}
	return nil, fmt.Errorf("attempt %s: %w", a.Key, platforms.ErrNotFound)
}

// live returns the texts of posts not deleted.
func (f *fakePlatform) live() []string {
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
