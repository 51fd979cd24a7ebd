package mastodon_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// countingTransport counts the requests to paths containing a substring.
type countingTransport struct {
	next  http.RoundTripper
	match string
	n     atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, c.match) {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

// TestResume cuts a three-part thread with an image after part 1, finds
// it in part, and resumes it: parts 2 and 3 reply in a chain, the image
// is neither uploaded nor attached again, and a retry of the resume with
// the same key lands on the statuses it created.
func TestResume(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
	uploads := &countingTransport{next: f.Client().Transport, match: "/api/v2/media"}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"mastodon": mastodon.New})
	pub, err := reg.New(platforms.Settings{Account: "mastodon", Platform: "mastodon", BaseURL: f.URL(),
		Values: map[string]any{"token_env": tokenEnv}, Getenv: func(string) string { return mastodon.FakeToken },
		HTTPClient: &http.Client{Transport: uploads}, Logger: testEnv(t).Logger, Now: testEnv(t).Now})
	if err != nil {
		t.Fatal(err)
	}
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "one of three"}, {Text: "two of three"}, {Text: "three of three"}},
		Media: []platforms.Media{image("posts/a.png", "the picture")}, Options: map[string]any{"spoiler_text": "CW"}}
	f.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	cut, err := pub.Publish(t.Context(), p, "attempt-1")
	if err == nil || cut == nil || len(cut.IDs) != 1 {
		t.Fatalf("publish with part 2 failing = %+v, %v; want part 1's receipt and an error", cut, err)
	}
	found, err := pub.(platforms.Finder).Find(t.Context(), p, platforms.Attempt{Key: "attempt-1", Began: clock})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 1 || ie.Total != 3 {
		t.Fatalf("find = %+v, %v; want 1 of 3 parts", found, err)
	}
	res := pub.(platforms.Resumer)
	r, err := res.Resume(t.Context(), found, p, "attempt-2")
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 3 {
		t.Fatalf("the server holds %d statuses, want 3: %+v", len(posts), posts)
	}
	var got [][3]any
	for _, post := range posts {
		got = append(got, [3]any{post.Text, post.ReplyTo, len(post.Media)})
	}
	want := [][3]any{{"one of three", "", 1}, {"two of three", posts[0].ID, 0}, {"three of three", posts[1].ID, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("thread (-want +got):\n%s", diff)
	}
	if posts[2].Fields["spoiler_text"] != "CW" {
		t.Errorf("the resumed part lost its content warning: %+v", posts[2].Fields)
	}
	if n := uploads.n.Load(); n != 1 {
		t.Errorf("%d uploads, want the one Publish made", n)
	}
	wantIDs := []string{posts[0].ID, posts[1].ID, posts[2].ID}
	if diff := cmp.Diff(wantIDs, r.IDs); diff != "" {
		t.Errorf("receipt IDs (-want +got):\n%s", diff)
	}
	if len(r.URLs) != 3 || r.URLs[2] != f.URLOf(posts[2].ID) || !r.PublishedAt.Equal(found.PublishedAt) {
		t.Errorf("receipt %+v: want every part's URL and part 1's time", r)
	}
	if posts[1].Key != mastodon.IdempotencyKey("attempt-2", 1) {
		t.Errorf("part 2 carries Idempotency-Key %q, want %q", posts[1].Key, mastodon.IdempotencyKey("attempt-2", 1))
	}

	again, err := res.Resume(t.Context(), found, p, "attempt-2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantIDs, again.IDs); diff != "" || len(f.Posts()) != 3 {
		t.Errorf("a retry of the resume made new statuses (%d on the server); IDs (-want +got):\n%s", len(f.Posts()), diff)
	}

	if _, err := res.Resume(t.Context(), r, p, "attempt-3"); platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("resume of a whole thread = %v, want a NotCreated refusal", err)
	}
}

// TestMetricsLeaveOutTheThreadsOwnReply: replies_count of part 1 counts
// part 2 when the thread is public or unlisted; Metrics reports only
// other accounts' replies.
func TestMetricsLeaveOutTheThreadsOwnReply(t *testing.T) {
	for _, tt := range []struct {
		visibility string
		parts      []string
	}{
		{"public", []string{"head", "tail"}},
		{"unlisted", []string{"head", "tail"}},
		{"private", []string{"head", "tail"}},
		{"public", []string{"alone"}},
	} {
		t.Run(tt.visibility+"/"+strconv.Itoa(len(tt.parts)), func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
			pub := newAdapter(t, f, testEnv(t), nil)
			p := &platforms.Payload{Options: map[string]any{"visibility": tt.visibility}}
			for _, text := range tt.parts {
				p.Parts = append(p.Parts, platforms.Part{Text: text})
			}
			r := mustPublish(t, pub, p, "attempt")
			f.SetCounts(r.IDs[0], mastodon.Counts{Replies: 2})
			m, err := pub.(platforms.MetricsReader).Metrics(t.Context(), r)
			if err != nil {
				t.Fatal(err)
			}
			if m.Replies == nil || *m.Replies != 2 {
				t.Errorf("replies = %v, want the 2 other accounts made", m.Replies)
			}
		})
	}
}
