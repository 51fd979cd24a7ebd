package threads_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/threads"
)

func TestFindThread(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.Payload("t", "1/2 Café au lait ☕", "2/2 and the rest")
	// An older post with the same first text, from before the attempt
	// began, and a reply elsewhere with the second part's text, must not
	// be taken for the attempt.
	s.clock.Add(-time.Hour)
	if _, err := s.a.Publish(t.Context(), platformtest.Payload("old", "1/2 Café au lait ☕", "unrelated"), "old"); err != nil {
		t.Fatal(err)
	}
	s.clock.Add(time.Hour)
	began := s.clock.Now()
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: began})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.IDs, got.IDs); diff != "" {
		t.Errorf("found IDs (-published +found):\n%s", diff)
	}
	if diff := cmp.Diff(r.URLs, got.URLs); diff != "" {
		t.Errorf("found URLs (-published +found):\n%s", diff)
	}

	// Without the attempt's beginning, a week is read and both copies are
	// in it: which is the attempt cannot be told.
	if _, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k"}); err == nil || !strings.Contains(err.Error(), "cannot tell") {
		t.Errorf("find without the beginning = %v; want cannot tell", err)
	}

	s.fake.RemoveRemotely(r.IDs[1])
	found, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: began})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 1 || ie.Total != 2 {
		t.Fatalf("find of a thread missing a part = %+v, %v; want 1 of 2 parts", found, err)
	}
	if diff := cmp.Diff(r.IDs[:1], found.IDs); diff != "" || found.URLs[0] != r.URLs[0] {
		t.Errorf("found %+v, want part 1 with its permalink; IDs (-want +got):\n%s", found, diff)
	}
}

// TestFindBusyAccount: the scan stops at the attempt's beginning, less
// the clock-skew margin; reaching it is proof of absence.
func TestFindBusyAccount(t *testing.T) {
	values := map[string]any{"find_limit": 10, "find_max_pages": 3}
	t.Run("absent", func(t *testing.T) {
		s := newSetup(t, config{values: values})
		s.fake.Seed(31, start.Add(-time.Hour))
		s.fake.Seed(15, start)
		got, err := s.a.Find(t.Context(), platformtest.Payload("p", "Never posted"), platforms.Attempt{Key: "k", Began: start})
		if !errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "none of the account's 15 posts since 2026-03-01T08:58:00Z") {
			t.Errorf("find = %+v, %v; want ErrNotFound after the 15 posts since the attempt began", got, err)
		}
	})
	t.Run("found under later posts", func(t *testing.T) {
		s := newSetup(t, config{values: values})
		s.fake.Seed(31, start.Add(-time.Hour))
		p := platformtest.Payload("p", "Found under the noise", "and its reply")
		r, err := s.a.Publish(t.Context(), p, "k")
		if err != nil {
			t.Fatal(err)
		}
		s.fake.Seed(15, start)
		got, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: start})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r.IDs, got.IDs); diff != "" {
			t.Errorf("found IDs (-published +found):\n%s", diff)
		}
	})
	t.Run("more posts since the attempt than a scan reads", func(t *testing.T) {
		s := newSetup(t, config{values: values})
		s.fake.Seed(31, start)
		got, err := s.a.Find(t.Context(), platformtest.Payload("p", "Never posted"), platforms.Attempt{Key: "k", Began: start})
		if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "30 latest posts") {
			t.Errorf("find = %+v, %v; want cannot tell, after 30 posts", got, err)
		}
	})
}

// TestFindGap: a later part's text on a reply outside the chain is not a
// thread found in part.
func TestFindGap(t *testing.T) {
	s := newSetup(t, config{})
	r, err := s.a.Publish(t.Context(), platformtest.Payload("p", "one of three", "stray head"), "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.RemoveRemotely(r.IDs[1])
	other, err := s.a.Publish(t.Context(), platformtest.Payload("o", "another post", "three of three"), "o")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.a.Find(t.Context(), platformtest.Payload("p", "one of three", "two of three", "three of three"), platforms.Attempt{Key: "k", Began: start})
	var ie *platforms.IncompleteError
	if err == nil || errors.As(err, &ie) || !strings.Contains(err.Error(), "reply "+other.IDs[1]+" has the text of part 3 outside the reply chain") {
		t.Errorf("find = %+v, %v; want the gap named", got, err)
	}
}

// TestResume finishes a thread cut after its image-carrying part 1.
func TestResume(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.WithImage(platformtest.Payload("p", "one of three", "two of three", "three of three"), "a pixel")
	s.fake.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	if _, err := s.a.Publish(t.Context(), p, "k"); err == nil {
		t.Fatal("publish with part 2 failing succeeded")
	}
	found, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: start})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 1 {
		t.Fatalf("find = %+v, %v; want 1 of 3", found, err)
	}
	r, err := s.a.Resume(t.Context(), found, p, "k2")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 3 || posts[1].ReplyTo != posts[0].ID || posts[2].ReplyTo != posts[1].ID {
		t.Fatalf("thread %+v, want three posts in a reply chain", posts)
	}
	if len(posts[0].Media) != 1 || len(posts[1].Media)+len(posts[2].Media) != 0 {
		t.Errorf("media on parts: %d, %d, %d; want 1, 0, 0", len(posts[0].Media), len(posts[1].Media), len(posts[2].Media))
	}
	want := &platforms.Receipt{Provider: threads.Name, IDs: []string{posts[0].ID, posts[1].ID, posts[2].ID},
		URLs: []string{posts[0].URL, posts[1].URL, posts[2].URL}, PublishedAt: start}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("receipt (-want +got):\n%s", diff)
	}
	whole, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k2", Began: start})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, whole); diff != "" {
		t.Errorf("find after the resume (-want +got):\n%s", diff)
	}
}

// TestQuotaDefersThreads: a thread the publishing quota would cut is
// refused before anything is sent, as a 429 to wait out, and so is a
// resume; a single post is not checked.
func TestQuotaDefersThreads(t *testing.T) {
	tests := []struct {
		name         string
		opts         threads.FakeOptions
		published    []string // published first, to use quota
		parts        []string
		wantDefer    bool
		wantQuotaMsg string
	}{
		{"room for the thread", threads.FakeOptions{PostQuota: 2, ReplyQuota: 2}, []string{"a", "b"}, []string{"x", "y"}, false, ""},
		{"no room for the replies", threads.FakeOptions{PostQuota: 5, ReplyQuota: 2}, []string{"a", "b"}, []string{"x", "y", "z"}, true,
			"needs 1 post(s) and 2 replies, and the account has 4 of 5 posts and 1 of 2 replies left"},
		{"no room for the post", threads.FakeOptions{PostQuota: 1, ReplyQuota: 10}, []string{"a"}, []string{"x", "y"}, true,
			"has 0 of 1 posts and 10 of 10 replies left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, config{opts: tt.opts})
			if _, err := s.a.Publish(t.Context(), platformtest.Payload("used", tt.published...), "used"); err != nil {
				t.Fatal(err)
			}
			before := len(s.fake.Posts())
			statuses := len(s.fake.ContainerStatuses())
			_, err := s.a.Publish(t.Context(), platformtest.Payload("p", tt.parts...), "k")
			if !tt.wantDefer {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *platforms.APIError
			if !errors.As(err, &ae) || ae.Status != 429 || ae.Outcome != platforms.NotCreated || ae.RetryAfter != 24*time.Hour ||
				!platforms.IsRetryable(err) || !strings.Contains(err.Error(), tt.wantQuotaMsg) {
				t.Fatalf("publish = %v; want a retryable 429, NotCreated, retry after 24h, saying %q", err, tt.wantQuotaMsg)
			}
			if len(s.fake.Posts()) != before || len(s.fake.ContainerStatuses()) != statuses {
				t.Errorf("a deferred thread sent something: %d posts (had %d), %d containers (had %d)",
					len(s.fake.Posts()), before, len(s.fake.ContainerStatuses()), statuses)
			}
		})
	}
	t.Run("resume", func(t *testing.T) {
		s := newSetup(t, config{opts: threads.FakeOptions{ReplyQuota: 2}})
		p := platformtest.Payload("p", "one", "two", "three")
		s.fake.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
		first, _ := s.a.Publish(t.Context(), p, "k")
		if _, err := s.a.Publish(t.Context(), platformtest.Payload("o", "other", "uses a reply"), "o"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.a.Resume(t.Context(), first, p, "k2"); platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "publishing-quota") {
			t.Errorf("resume of 2 replies with 1 left = %v; want the quota refusal", err)
		}
		s.clock.Add(24*time.Hour + time.Minute)
		if _, err := s.a.Resume(t.Context(), first, p, "k2"); err != nil {
			t.Errorf("resume once the window freed: %v", err)
		}
	})
	t.Run("single post", func(t *testing.T) {
		s := newSetup(t, config{opts: threads.FakeOptions{NoManageReplies: true}})
		if _, err := s.a.Publish(t.Context(), platformtest.Payload("p", "alone"), "k"); err != nil {
			t.Errorf("a single post needs no quota check: %v", err)
		}
		_, err := s.a.Publish(t.Context(), platformtest.Payload("t", "a", "thread"), "k")
		if platforms.OutcomeOf(err) != platforms.NotCreated || platforms.IsRetryable(err) || !strings.Contains(err.Error(), "threads_manage_replies") {
			t.Errorf("a thread without threads_manage_replies = %v; want a final refusal naming the permission", err)
		}
	})
}

func TestMetricsValues(t *testing.T) {
	s := newSetup(t, config{})
	n := func(v int64) *int64 { return &v }
	want := &platforms.Metrics{Impressions: n(120), Likes: n(7), Replies: n(1), Reposts: n(2), Quotes: n(0)}
	for _, parts := range [][]string{{"Count me"}, {"Count this thread", "but not its own reply"}} {
		r, err := s.a.Publish(t.Context(), platformtest.Payload("m", parts...), "k")
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.a.Metrics(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("metrics of %d parts (-want +got):\n%s", len(parts), diff)
		}
	}
}
