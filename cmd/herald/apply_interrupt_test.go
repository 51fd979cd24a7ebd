package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/state"
)

// hangingPublisher accepts its first post and then hangs until its
// context ends, as a platform that stopped answering does.
type hangingPublisher struct {
	entered chan struct{}
	once    sync.Once
	mu      sync.Mutex
	posts   []string
}

func (h *hangingPublisher) Name() string { return "feed" }

func (h *hangingPublisher) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	h.mu.Lock()
	h.posts = append(h.posts, p.PostID)
	h.mu.Unlock()
	h.once.Do(func() { close(h.entered) })
	<-ctx.Done()
	return nil, &platforms.APIError{Platform: "feed", Message: "no answer", Outcome: platforms.Unknown, Err: ctx.Err()}
}

// TestApplyInterruptCommitsAndPushes: herald apply --push is interrupted
// (SIGTERM) while a platform call hangs, and told to hurry by a second
// signal. It returns the interrupt, and the remote records every result:
// the call in flight as an unknown outcome for the next run to look up,
// the post not sent as deferred. The work tree is left clean.
func TestApplyInterruptCommitsAndPushes(t *testing.T) {
	remote, dir := contentRepo(t)
	now := time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	w := &syncWriter{w: &out}
	e := &env{stdout: w, stderr: w, getenv: func(string) string { return "" }, now: func() time.Time { return now },
		log: slog.New(slog.NewTextHandler(w, nil))}
	hang := &hangingPublisher{entered: make(chan struct{})}
	var f applyFlags
	f.plan.repo, f.plan.noCache = dir, true
	f.concurrency, f.push = 1, true

	hurry := make(chan struct{})
	base := context.WithValue(t.Context(), hurryKey{}, (<-chan struct{})(hurry))
	ctx, interrupt := context.WithCancelCause(base)
	done := make(chan error, 1)
	go func() {
		done <- reconcileOnce(ctx, e, &f, reconcileHooks{providers: func(*env, *reconcile.Repo, state.Store) reconcile.Providers {
			return func(string) ([]platforms.Publisher, error) { return []platforms.Publisher{hang}, nil }
		}})
	}()
	select {
	case <-hang.entered:
	case <-time.After(30 * time.Second):
		t.Fatalf("no platform call in 30s:\n%s", out.String())
	}
	interrupt(&interrupted{sig: syscall.SIGTERM})
	close(hurry)
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("apply did not return 30s after it was told to hurry")
	}
	var in *interrupted
	if !errors.As(err, &in) || !errors.Is(err, ctx.Err()) {
		t.Fatalf("apply returned %v, want the interrupt\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Applied: 1 unknown, 1 deferred.") {
		t.Errorf("output lacks the summary:\n%s", out.String())
	}

	store, err := state.OpenGit(state.GitOptions{Dir: gittest.Clone(t, remote, nil)})
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		Status    state.Status
		ErrorKind state.ErrorKind
	}
	got := map[string]target{}
	for _, id := range []string{"first", "later"} {
		rec, err := store.Load(context.Background(), id)
		if err != nil {
			t.Fatalf("load %s from the remote: %v", id, err)
		}
		ts := rec.Targets["site"]
		tg := target{Status: ts.Status}
		if ts.LastError != nil {
			tg.ErrorKind = ts.LastError.Kind
		}
		got[id] = tg
	}
	want := map[string]target{
		"first": {Status: state.StatusPublishing, ErrorKind: state.KindUnknownOutcome},
		"later": {Status: state.StatusFailed, ErrorKind: state.KindDeferred},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state on the remote (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"first"}, hang.posts); diff != "" {
		t.Errorf("calls made (-want +got):\n%s", diff)
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := wt.Status(); err != nil || !st.IsClean() {
		t.Errorf("the work tree is not clean after the interrupt (%v):\n%s", err, st)
	}
}
