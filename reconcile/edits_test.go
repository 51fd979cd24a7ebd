package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// editing is a fakePlatform whose receipts carry Extra, as adapters record
// what an edit must keep, and whose Update can refuse for good or be
// rate-limited on its endpoint.
type editing struct {
	*fakePlatform
	seen      []map[string]string // the Extra each Update received
	refuse    error               // what Update answers, when set
	createErr error               // what Publish answers, when set
}

func (e *editing) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if e.createErr != nil {
		return nil, e.createErr
	}
	r, err := e.fakePlatform.Publish(ctx, p, key)
	if r != nil {
		r.Extra = map[string]string{"media_ids": "m1"}
	}
	return r, err
}

func (e *editing) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	e.seen = append(e.seen, r.Extra)
	if e.refuse != nil {
		return nil, e.refuse
	}
	out, err := e.fakePlatform.Update(ctx, r, p)
	if out != nil {
		c := *out
		c.Extra = map[string]string{"media_ids": fmt.Sprintf("m%d", len(e.seen)+1)}
		out = &c
	}
	return out, err
}

func TestApplyKeepsReceiptExtraForEdits(t *testing.T) {
	w := newWorld(t, nil)
	m := &editing{fakePlatform: &fakePlatform{name: "mastodon"}}
	w.providers["mastodon"] = []platforms.Publisher{m}
	w.addPost("a", "hello", "mastodon")
	w.mustRun()
	if diff := cmp.Diff(map[string]string{"media_ids": "m1"}, w.status("a", "mastodon").Extra); diff != "" {
		t.Errorf("state after publish (-want +got):\n%s", diff)
	}
	for i, text := range []string{"hello, edited", "hello, edited twice"} {
		w.posts = nil
		w.addPost("a", text, "mastodon")
		if diff := cmp.Diff([]string{"a/mastodon:updated"}, outcomes(w.mustRun())); diff != "" {
			t.Fatalf("edit %d (-want +got):\n%s", i+1, diff)
		}
		want := map[string]string{"media_ids": fmt.Sprintf("m%d", i+1)}
		if diff := cmp.Diff(want, m.seen[i]); diff != "" {
			t.Errorf("edit %d got receipt extra (-want +got):\n%s", i+1, diff)
		}
	}
	if diff := cmp.Diff(map[string]string{"media_ids": "m3"}, w.status("a", "mastodon").Extra); diff != "" {
		t.Errorf("state after two edits (-want +got):\n%s", diff)
	}
}

func TestApplyNotEditableShowsDrift(t *testing.T) {
	w := newWorld(t, nil)
	m := &editing{fakePlatform: &fakePlatform{name: "mastodon"}}
	w.providers["mastodon"] = []platforms.Publisher{m}
	w.addPost("a", "hello", "mastodon")
	w.mustRun()

	m.refuse = fmt.Errorf("edit part 1: %w", &platforms.APIError{Platform: "mastodon", Code: "not-editable", Outcome: platforms.NotCreated,
		Message: "cannot edit: the edit window has passed", Err: platforms.ErrNotEditable})
	w.posts = nil
	w.addPost("a", "hello, edited", "mastodon")
	if diff := cmp.Diff([]string{"a/mastodon:failed"}, outcomes(w.mustRun())); diff != "" {
		t.Fatalf("refused edit (-want +got):\n%s", diff)
	}
	ts := w.status("a", "mastodon")
	if ts.Status != state.StatusPublished || ts.LastError == nil || ts.LastError.Kind != state.KindNotEditable {
		t.Fatalf("state after a refused edit: %+v", ts)
	}
	p := w.plan(context.Background())
	if a := p.Actions[0]; a.Kind != Drift || !strings.Contains(a.Reason, "the edit window has passed") {
		t.Errorf("plan after a refused edit: %s (%s); want drift naming the refusal", a.Kind, a.Reason)
	}
	w.mustRun()
	if n := len(m.seen); n != 1 {
		t.Errorf("Update called %d times; a refused edit is not retried", n)
	}
}

func TestApplyEndpointLimitHoldsOnlyTheEndpoint(t *testing.T) {
	w := newWorld(t, nil)
	x := &editing{fakePlatform: &fakePlatform{name: "x"}}
	w.providers["x"] = []platforms.Publisher{x}
	w.addPost("old", "published before", "x")
	w.mustRun()

	// X's day of creates is used up: creates wait 20 hours, deletes not.
	x.createErr = &platforms.APIError{Platform: "x", Status: 429, Code: "rate-limit-held", Outcome: platforms.NotCreated,
		RetryAfter: 20 * time.Hour, Endpoint: "POST tweets", Message: "the user's 24-hour limit is used up"}
	w.posts[0].Delete = true
	w.addPost("new", "to publish", "x")
	w.budget = 10 * time.Minute
	began := w.clock.Now()
	res := w.mustRun()
	got := outcomes(res)
	if diff := cmp.Diff([]string{"new/x:deferred", "old/x:deleted"}, slices.Sorted(slices.Values(got))); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if waited := w.clock.Now().Sub(began); waited > 5*time.Minute {
		t.Errorf("the run waited %s; a limit on creates must not hold the delete", waited)
	}
	if ts := w.status("new", "x"); !ts.NextRetryAt.After(began.Add(19 * time.Hour)) {
		t.Errorf("next retry at %v; want the create held until the limit's reset", ts.NextRetryAt)
	}
}
