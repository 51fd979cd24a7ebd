package x_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

// pixel is a 1x1 PNG.
var pixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\x18\xdd\x8d\xb0\x00\x00\x00\x00IEND\xaeB`\x82")

func image(name, alt string) platforms.Media {
	return platforms.Media{Path: "posts/" + name, Alt: alt, Type: "image/png", Size: int64(len(pixel)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pixel)), nil }}
}

// linked returns a part whose link is marked with a facet, as the renderer
// marks it.
func linked(text, link string) platforms.Part {
	i := strings.Index(text, link)
	return platforms.Part{Text: text, Facets: []platforms.Facet{{Start: i, End: i + len(link), Type: platforms.FacetLink, Value: link}}}
}

func TestThreadWithImageReadBack(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	p := &platforms.Payload{PostID: "launch", Target: "main", Parts: []platforms.Part{
		linked("Launch day 🚀 for café owners & friends: https://example.com/launch?ref=x #herald @xdevelopers", "https://example.com/launch?ref=x"),
		{Text: "2/2 thanks to everyone, naïve 日本語 included"},
	}, Media: []platforms.Media{image("a.png", "A rocket over a café, drawn in crayon"), image("b.png", "")},
		Options: map[string]any{"reply_settings": "following"}}
	r, err := s.x.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	posts := s.fake.Posts()
	if len(posts) != 2 {
		t.Fatalf("posts = %+v, want 2", posts)
	}
	type got struct {
		Text, ReplyTo string
		Media         []platformtest.MediaItem
		ReplySettings any
	}
	want := []got{
		{Text: p.Parts[0].Text, Media: []platformtest.MediaItem{
			{ID: posts[0].Media[0].ID, Type: "image/png", Alt: "A rocket over a café, drawn in crayon", Data: pixel},
			{ID: posts[0].Media[1].ID, Type: "image/png", Data: pixel}}, ReplySettings: "following"},
		{Text: p.Parts[1].Text, ReplyTo: posts[0].ID},
	}
	var have []got
	for _, post := range posts {
		have = append(have, got{post.Text, post.ReplyTo, post.Media, post.Fields["reply_settings"]})
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("what X holds (-want +got):\n%s", diff)
	}
	wantReceipt := []string{"https://x.com/i/web/status/" + posts[0].ID, "https://x.com/i/web/status/" + posts[1].ID}
	if diff := cmp.Diff([]string{posts[0].ID, posts[1].ID}, r.IDs); diff != "" {
		t.Errorf("receipt IDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantReceipt, r.URLs); diff != "" {
		t.Errorf("receipt URLs (-want +got):\n%s", diff)
	}
	// X has no facets to send; the facet offsets still name the link in
	// the text X holds, byte for byte.
	f := p.Parts[0].Facets[0]
	if link := posts[0].Text[f.Start:f.End]; link != f.Value {
		t.Errorf("facet bytes %d:%d of the posted text = %q, want %q", f.Start, f.End, link, f.Value)
	}
	// And Find reads the same thread back through the timeline, t.co
	// links, &amp; and the media link included.
	found, err := s.x.Find(t.Context(), p, platforms.Attempt{Key: "k"})
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	if diff := cmp.Diff(r.IDs, found.IDs); diff != "" {
		t.Errorf("found IDs (-published +found):\n%s", diff)
	}
}

func TestUsernameURL(t *testing.T) {
	values := map[string]any{"username": "@heraldhq"}
	for k, v := range oauth2Values {
		values[k] = v
	}
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	a := newAdapter(t, s.fake, s.clock, s.tokens, values, env{"X_CLIENT_ID": "herald-client"}, io.Discard)
	r, err := a.Publish(t.Context(), platformtest.Payload("p", "Named"), "k")
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://x.com/heraldhq/status/" + r.IDs[0]; r.URLs[0] != want {
		t.Errorf("URL = %s, want %s", r.URLs[0], want)
	}
}

func TestDuplicateIsUnknownAndFound(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "Read https://example.com/a & https://example.com/b <now>"}}}
	first, err := s.x.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.x.Publish(t.Context(), p, "k")
	if o := platforms.OutcomeOf(err); o != platforms.Unknown || platforms.IsRetryable(err) {
		t.Fatalf("second publish: outcome %s, retryable %v (%v); want unknown, not retryable", o, platforms.IsRetryable(err), err)
	}
	found, err := s.x.Find(t.Context(), p, platforms.Attempt{Key: "k"})
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	if diff := cmp.Diff(first.IDs, found.IDs); diff != "" {
		t.Errorf("found (-first +found):\n%s", diff)
	}
	if n := len(s.fake.Posts()); n != 1 {
		t.Errorf("posts = %d, want 1", n)
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name      string
		published []string // parts published as one thread first
		find      []string
		wantErr   error // nil: found; ErrNotFound; or another error
		found     int   // the error is an IncompleteError with this many parts
	}{
		{"same text", []string{"Hello world"}, []string{"Hello world"}, nil, 0},
		{"url comes back as t.co", []string{"See https://example.com/x?y=1"}, []string{"See https://example.com/x?y=1"}, nil, 0},
		{"different text", []string{"Hello world"}, []string{"Hello, world"}, platforms.ErrNotFound, 0},
		{"thread found whole", []string{"one", "two", "three"}, []string{"one", "two", "three"}, nil, 0},
		{"thread found in part", []string{"one", "two"}, []string{"one", "two", "three"}, errors.New("incomplete"), 2},
		{"a reply is not a first part", []string{"head", "Hello world"}, []string{"Hello world"}, platforms.ErrNotFound, 0},
		{"nothing posted", nil, []string{"one"}, platforms.ErrNotFound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, x.FakeOptions{}, nil, nil)
			var want []string
			if tt.published != nil {
				r, err := s.x.Publish(t.Context(), platformtest.Payload("p", tt.published...), "k")
				if err != nil {
					t.Fatal(err)
				}
				want = r.IDs
			}
			got, err := s.x.Find(t.Context(), platformtest.Payload("p", tt.find...), platforms.Attempt{Key: "k", Began: start})
			var ie *platforms.IncompleteError
			switch {
			case tt.wantErr == nil:
				if err != nil {
					t.Fatalf("find: %v", err)
				}
				if diff := cmp.Diff(want, got.IDs); diff != "" {
					t.Errorf("found IDs (-want +got):\n%s", diff)
				}
			case errors.Is(tt.wantErr, platforms.ErrNotFound):
				if !errors.Is(err, platforms.ErrNotFound) {
					t.Errorf("find = %+v, %v; want ErrNotFound", got, err)
				}
			default:
				if !errors.As(err, &ie) || ie.Found != tt.found || ie.Total != len(tt.find) {
					t.Fatalf("find = %+v, %v; want an IncompleteError, %d of %d", got, err, tt.found, len(tt.find))
				}
				if diff := cmp.Diff(want, got.IDs); diff != "" {
					t.Errorf("found IDs (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestFindBusyAccount: the scan stops at the attempt's beginning, less
// the clock-skew margin, and reaching it is proof of absence however
// many posts come before; a scan that cannot reach it cannot tell.
func TestFindBusyAccount(t *testing.T) {
	const page, pages = 20, 3
	values := maps.Clone(oauth2Values)
	values["find_max_results"], values["find_max_pages"] = page, pages
	newSetup := func(t *testing.T, opts x.FakeOptions, _ map[string]any, _ env) *setup {
		s := newSetup(t, opts, nil, nil)
		s.x = newAdapter(t, s.fake, s.clock, s.tokens, values, env{"X_CLIENT_ID": "herald-client"}, s.logs)
		return s
	}
	t.Run("absent", func(t *testing.T) {
		s := newSetup(t, x.FakeOptions{}, values, nil)
		s.fake.Seed(page*pages+1, start.Add(-time.Hour))
		s.fake.Seed(page+1, start)
		got, err := s.x.Find(t.Context(), platformtest.Payload("p", "Never posted"), platforms.Attempt{Key: "k", Began: start})
		if !errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "none of the account's 21 posts since 2026-03-01T08:58:00Z") {
			t.Errorf("find = %+v, %v; want ErrNotFound after reading the 21 posts since the attempt began", got, err)
		}
	})
	t.Run("found under later posts", func(t *testing.T) {
		s := newSetup(t, x.FakeOptions{}, values, nil)
		s.fake.Seed(page*pages+1, start.Add(-time.Hour))
		r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "Found under the noise", "and its reply"), "k")
		if err != nil {
			t.Fatal(err)
		}
		s.fake.Seed(page+5, start)
		got, err := s.x.Find(t.Context(), platformtest.Payload("p", "Found under the noise", "and its reply"), platforms.Attempt{Key: "k", Began: start})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r.IDs, got.IDs); diff != "" {
			t.Errorf("found IDs (-published +found):\n%s", diff)
		}
	})
	t.Run("more posts since the attempt than a scan reads", func(t *testing.T) {
		s := newSetup(t, x.FakeOptions{}, values, nil)
		s.fake.Seed(page*pages+1, start)
		got, err := s.x.Find(t.Context(), platformtest.Payload("p", "Never posted"), platforms.Attempt{Key: "k", Began: start})
		if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "cannot tell") {
			t.Errorf("find = %+v, %v; want cannot tell", got, err)
		}
	})
	t.Run("a copy from before the attempt is not the attempt", func(t *testing.T) {
		s := newSetup(t, x.FakeOptions{}, values, nil)
		if _, err := s.x.Publish(t.Context(), platformtest.Payload("p", "Weekly reminder"), "last-week"); err != nil {
			t.Fatal(err)
		}
		s.clock.Add(time.Hour)
		got, err := s.x.Find(t.Context(), platformtest.Payload("p", "Weekly reminder"), platforms.Attempt{Key: "k", Began: s.clock.Now()})
		if !errors.Is(err, platforms.ErrNotFound) {
			t.Errorf("find = %+v, %v; want ErrNotFound", got, err)
		}
	})
}

// TestFindGapAndTwins: a later part outside the chain, or two posts that
// match, cannot be told apart.
func TestFindGapAndTwins(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "one of three", "not two"), "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.RemoveRemotely(r.IDs[1])
	if _, err := s.x.Publish(t.Context(), platformtest.Payload("p", "three of three"), "stray"); err != nil {
		t.Fatal(err)
	}
	got, err := s.x.Find(t.Context(), platformtest.Payload("p", "one of three", "two of three", "three of three"), platforms.Attempt{Key: "k", Began: start})
	var ie *platforms.IncompleteError
	if err == nil || errors.As(err, &ie) || !strings.Contains(err.Error(), "holds the text of part 3 outside the reply chain") {
		t.Errorf("find = %+v, %v; want the gap named", got, err)
	}
}

// TestResume finishes a thread cut after its image-carrying first part:
// no upload again, a reply chain, the whole receipt with part hashes.
func TestResume(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	p := platformtest.Payload("p", "one of three", "two of three", "three of three")
	p.Media = []platforms.Media{image("a.png", "alt")}
	s.fake.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
	if _, err := s.x.Publish(t.Context(), p, "k"); err == nil {
		t.Fatal("publish with part 2 failing succeeded")
	}
	found, err := s.x.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: start})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 1 {
		t.Fatalf("find = %+v, %v; want 1 of 3", found, err)
	}
	r, err := s.x.Resume(t.Context(), found, p, "k2")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 3 || posts[1].ReplyTo != posts[0].ID || posts[2].ReplyTo != posts[1].ID {
		t.Fatalf("thread %+v, want three posts in a reply chain", posts)
	}
	if len(posts[0].Media) != 1 || len(posts[1].Media) != 0 || len(posts[2].Media) != 0 {
		t.Errorf("media on parts: %d, %d, %d; want 1, 0, 0", len(posts[0].Media), len(posts[1].Media), len(posts[2].Media))
	}
	if diff := cmp.Diff([]string{posts[0].ID, posts[1].ID, posts[2].ID}, r.IDs); diff != "" {
		t.Errorf("receipt IDs (-want +got):\n%s", diff)
	}
	whole, err := s.x.Find(t.Context(), p, platforms.Attempt{Key: "k2", Began: start})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.Extra["part_hashes"], whole.Extra["part_hashes"]); diff != "" || len(r.URLs) != 3 {
		t.Errorf("resumed receipt %+v: want all URLs and the part hashes Find computes (-resume +find):\n%s", r, diff)
	}
}

func TestEdit(t *testing.T) {
	tests := []struct {
		name    string
		edits   int           // successful edits before the one checked
		after   time.Duration // time from posting to the checked edit
		parts   []string
		wantErr bool
	}{
		{"within the window", 0, 10 * time.Minute, []string{"Edited"}, false},
		{"fifth edit", 4, 20 * time.Minute, []string{"Edited"}, false},
		{"after thirty minutes", 0, 31 * time.Minute, []string{"Edited"}, true},
		{"sixth edit", 5, 20 * time.Minute, []string{"Edited"}, true},
		{"thread gains a part", 0, time.Minute, []string{"Edited", "new part"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, x.FakeOptions{}, nil, nil)
			p := platformtest.WithImage(platformtest.Payload("p", "Original"), "alt")
			r, err := s.x.Publish(t.Context(), p, "k")
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.edits {
				if r, err = s.x.Update(t.Context(), r, platformtest.Payload("p", "Edit "+string(rune('a'+i)))); err != nil {
					t.Fatalf("edit %d: %v", i+1, err)
				}
			}
			s.clock.Add(tt.after)
			r2, err := s.x.Update(t.Context(), r, platformtest.Payload("p", tt.parts...))
			if tt.wantErr {
				if err == nil || platforms.IsRetryable(err) || platforms.OutcomeOf(err) != platforms.NotCreated {
					t.Fatalf("update = %+v, %v; want a not retryable, not_created error", r2, err)
				}
				if !strings.Contains(err.Error(), "cannot edit on X") {
					t.Errorf("error %q does not say the post cannot be edited", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			post := s.fake.Posts()
			if len(post) != 1 || post[0].Text != "Edited" || r2.IDs[0] != post[0].ID || r2.IDs[0] == r.IDs[0] {
				t.Fatalf("after the edit X holds %+v and the receipt names %v (was %v); want one new post", post, r2.IDs, r.IDs)
			}
			if len(post[0].Media) != 1 || post[0].Media[0].Alt != "alt" {
				t.Errorf("the edit lost the image: %+v", post[0].Media)
			}
			if !r2.PublishedAt.Equal(r.PublishedAt) {
				t.Errorf("PublishedAt moved from %s to %s; the window counts from the original", r.PublishedAt, r2.PublishedAt)
			}
		})
	}
}

func TestEditOnlyChangedParts(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "one", "two"), "k")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.x.Update(t.Context(), r, platformtest.Payload("p", "one", "two, fixed"))
	if err != nil {
		t.Fatal(err)
	}
	if r2.IDs[0] != r.IDs[0] || r2.IDs[1] == r.IDs[1] {
		t.Errorf("IDs %v -> %v: want the first kept and the second replaced", r.IDs, r2.IDs)
	}
}

func TestDelete(t *testing.T) {
	t.Run("declined by X", func(t *testing.T) {
		s := newSetup(t, x.FakeOptions{DeclineDeletes: true}, nil, nil)
		r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "Stays"), "k")
		if err != nil {
			t.Fatal(err)
		}
		err = s.x.Delete(t.Context(), r)
		if err == nil || errors.Is(err, platforms.ErrDeletedRemotely) || !strings.Contains(err.Error(), "not deleted") {
			t.Errorf("delete = %v; want an error saying X did not delete it", err)
		}
	})
	t.Run("gone already", func(t *testing.T) {
		s := newSetup(t, x.FakeOptions{}, nil, nil)
		r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "one", "two"), "k")
		if err != nil {
			t.Fatal(err)
		}
		s.fake.RemoveRemotely(r.IDs[1])
		if err := s.x.Delete(t.Context(), r); err != nil {
			t.Errorf("delete with a part gone = %v, want nil", err)
		}
		if n := len(s.fake.Posts()); n != 0 {
			t.Errorf("posts left = %d", n)
		}
	})
}

func TestMetrics(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "Counted"), "k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.x.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	n := func(v int64) *int64 { return &v }
	want := &platforms.Metrics{Likes: n(7), Reposts: n(2), Replies: n(1), Quotes: n(0), Impressions: n(120), Saves: n(3)}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	// A thread's part 2 replies to part 1: X counts it, herald does not.
	thread, err := s.x.Publish(t.Context(), platformtest.Payload("p", "Counted head", "its tail"), "k2")
	if err != nil {
		t.Fatal(err)
	}
	m, err = s.x.Metrics(t.Context(), thread)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("metrics of a thread (-want +got):\n%s", diff)
	}
}

func TestMediaLimits(t *testing.T) {
	tests := []struct {
		name  string
		media []platforms.Media
		says  string
	}{
		{"five images", []platforms.Media{image("1.png", ""), image("2.png", ""), image("3.png", ""), image("4.png", ""), image("5.png", "")}, "at most 4"},
		{"alt text too long", []platforms.Media{image("1.png", strings.Repeat("é", 1001))}, "alt text is 1001 characters"},
		{"webm video", []platforms.Media{{Path: "posts/v.webm", Type: "video/webm", Size: 10}}, "X does not take video/webm files"},
		{"HEIC, as phones make", []platforms.Media{{Path: "posts/p.heic", Type: "image/heic", Size: 10}}, "X does not take image/heic files; it takes JPEG, PNG, WebP and GIF"},
		{"AVIF", []platforms.Media{{Path: "posts/p.avif", Type: "image/avif", Size: 10}}, "X does not take image/avif files"},
		{"a GIF with an image", []platforms.Media{gif("a.gif", 10), image("1.png", "")}, "one GIF alone"},
		{"a GIF over 15 MB", []platforms.Media{gif("a.gif", x.MaxGIFBytes+1)}, "up to 15728640"},
		{"a PNG over 5 MB", []platforms.Media{{Path: "posts/big.png", Type: "image/png", Size: x.MaxImageBytes + 1}}, "up to 5242880"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, x.FakeOptions{}, nil, nil)
			p := platformtest.Payload("p", "With media")
			p.Media = tt.media
			_, err := s.x.Publish(t.Context(), p, "k")
			if err == nil || !strings.Contains(err.Error(), tt.says) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Errorf("publish = %v; want a not_created error saying %q", err, tt.says)
			}
			if n := len(s.fake.Posts()); n != 0 {
				t.Errorf("posts = %d, want 0", n)
			}
		})
	}
}

func TestMediaProcessingIsPolled(t *testing.T) {
	s := newSetup(t, x.FakeOptions{ProcessingPolls: 3}, nil, nil)
	var slept []time.Duration
	x.SetSleep(s.x, func(d time.Duration) { slept = append(slept, d) })
	if _, err := s.x.Publish(t.Context(), platformtest.WithImage(platformtest.Payload("p", "Processed"), "alt"), "k"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second, time.Second}, slept); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestTooLongTextGetsXsAnswer(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	// 141 CJK characters weigh 282.
	_, err := s.x.Publish(t.Context(), platformtest.Payload("p", strings.Repeat("日", 141)), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "invalid-request" || !strings.Contains(ae.Message, "too long") {
		t.Errorf("err = %v; want X's 400 invalid-request for too long text", err)
	}
	// 140 weigh 280 and pass.
	if _, err := s.x.Publish(t.Context(), platformtest.Payload("p", strings.Repeat("日", 140)), "k"); err != nil {
		t.Errorf("280 weighted characters refused: %v", err)
	}
}
