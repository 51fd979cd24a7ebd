package threads_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

func TestFindThread(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.Payload("t", "1/2 Café au lait ☕", "2/2 and the rest")
	// An older post with the same first text, and a reply elsewhere
	// with the second part's text, must not be taken for the attempt.
	if _, err := s.a.Publish(t.Context(), platformtest.Payload("old", "1/2 Café au lait ☕", "unrelated"), "old"); err != nil {
		t.Fatal(err)
	}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.IDs, got.IDs); diff != "" {
		t.Errorf("found IDs (-published +found):\n%s", diff)
	}
	if diff := cmp.Diff(r.URLs, got.URLs); diff != "" {
		t.Errorf("found URLs (-published +found):\n%s", diff)
	}

	s.fake.RemoveRemotely(r.IDs[1])
	_, err = s.a.Find(t.Context(), p, platforms.Attempt{Key: "k"})
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "partial-thread" || ae.Outcome != platforms.Created || errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of a thread missing a part = %v; want a partial-thread error, Created", err)
	}
}

func TestMetricsValues(t *testing.T) {
	s := newSetup(t, config{})
	r, err := s.a.Publish(t.Context(), platformtest.Payload("m", "Count me"), "k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.a.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	n := func(v int64) *int64 { return &v }
	want := &platforms.Metrics{Impressions: n(120), Likes: n(7), Replies: n(1), Reposts: n(2), Quotes: n(0)}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}
