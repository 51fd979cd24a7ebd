package threads_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/threads"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n-a-picture")

// served is the fake's crawler over a map of public URLs.
func served(files map[string][]byte) func(string) ([]byte, string, error) {
	return func(u string) ([]byte, string, error) {
		data, ok := files[u]
		if !ok {
			return nil, "", fmt.Errorf("404 for %s", u)
		}
		return data, "image/png", nil
	}
}

func image(path, alt string) platforms.Media {
	return platforms.Media{Path: path, Alt: alt, Type: "image/png", Size: int64(len(pngBytes)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pngBytes)), nil }}
}

// TestThreadWithImageReadBack publishes a thread with an image and reads
// everything back from the fake: texts, alt text, bytes Meta fetched from
// the public URL, and the reply chain.
func TestThreadWithImageReadBack(t *testing.T) {
	const url = mediaBase + "posts/2026/sunrise%20over%20sea.png"
	s := newSetup(t, config{opts: threads.FakeOptions{Fetch: served(map[string][]byte{url: pngBytes})}})
	p := platformtest.Payload("launch", "1/3 We launched 🎉 https://example.com/launch", "2/3 naïve café, 日本語", "3/3 @someone #herald")
	p.Media = []platforms.Media{image("posts/2026/sunrise over sea.png", "The sun rising over a calm sea")}
	p.Options = map[string]any{"reply_control": "accounts_you_follow"}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 3 {
		t.Fatalf("fake holds %d posts, want 3", len(posts))
	}
	type got struct {
		Text, ReplyTo, ReplyControl string
		Media                       []platformtest.MediaItem
	}
	var gots, wants []got
	for i, post := range posts {
		gots = append(gots, got{post.Text, post.ReplyTo, post.Fields["reply_control"].(string), post.Media})
		w := got{Text: p.Parts[i].Text}
		if i == 0 {
			w.ReplyControl = "accounts_you_follow"
			w.Media = []platformtest.MediaItem{{Type: "image/png", Alt: "The sun rising over a calm sea", Data: pngBytes}}
		} else {
			w.ReplyTo = posts[i-1].ID
		}
		wants = append(wants, w)
	}
	if diff := cmp.Diff(wants, gots); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	wantURLs := []string{posts[0].URL, posts[1].URL, posts[2].URL}
	if diff := cmp.Diff(wantURLs, r.URLs); diff != "" {
		t.Errorf("receipt URLs are not the permalinks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{posts[0].ID, posts[1].ID, posts[2].ID}, r.IDs); diff != "" {
		t.Errorf("receipt IDs (-want +got):\n%s", diff)
	}
	if !r.PublishedAt.Equal(start) {
		t.Errorf("PublishedAt %v, want the post's timestamp %v", r.PublishedAt, start)
	}
}

func TestCarousel(t *testing.T) {
	files := map[string][]byte{mediaBase + "a.png": pngBytes, mediaBase + "b.png": append([]byte(nil), pngBytes...)}
	s := newSetup(t, config{opts: threads.FakeOptions{Fetch: served(files)}})
	p := platformtest.Payload("album", "Two pictures")
	p.Media = []platforms.Media{image("a.png", "first"), image("b.png", "second")}
	if _, err := s.a.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 {
		t.Fatalf("fake holds %d posts, want 1 carousel", len(posts))
	}
	want := []platformtest.MediaItem{{Type: "image/png", Alt: "first", Data: pngBytes}, {Type: "image/png", Alt: "second", Data: pngBytes}}
	if diff := cmp.Diff(want, posts[0].Media); diff != "" {
		t.Errorf("carousel items (-want +got):\n%s", diff)
	}
	if mt := posts[0].Fields["media_type"]; mt != "CAROUSEL" {
		t.Errorf("media_type %v, want CAROUSEL", mt)
	}
}

// TestRefusedBeforeSending: what Threads would refuse is refused before
// any request, NotCreated, so no thread is cut off halfway.
func TestRefusedBeforeSending(t *testing.T) {
	sixLinks := "a https://a.example b https://b.example c www.c.example d https://d.example e https://e.example f https://f.example"
	tests := []struct {
		name   string
		values map[string]any
		p      *platforms.Payload
		want   string
	}{
		{"media without media_base_url", map[string]any{"media_base_url": nil},
			withMedia(platformtest.Payload("m", "pic"), image("a.png", "alt")), "set media_base_url"},
		{"part too long", nil, platformtest.Payload("long", "ok", strings.Repeat("é", 501)), "part 2 is 501 characters"},
		{"emoji count as bytes", nil, platformtest.Payload("emoji", strings.Repeat("🎉", 126)), "504 characters"},
		{"six links", nil, platformtest.Payload("links", "fine", sixLinks), "part 2 has 6 links"},
		{"gif", nil, withMedia(platformtest.Payload("gif", "x"), platforms.Media{Path: "a.gif", Type: "image/gif"}), "not supported"},
		{"bad reply_control", nil, withOption(platformtest.Payload("rc", "x"), "reply_control", "nobody"), "reply_control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, config{values: tt.values})
			r, err := s.a.Publish(t.Context(), tt.p, "k")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("publish = %+v, %v; want an error saying %q", r, err, tt.want)
			}
			if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
				t.Errorf("outcome %s, want not_created", o)
			}
			if n := len(s.fake.ContainerStatuses()); n != 0 || len(s.fake.Posts()) != 0 {
				t.Errorf("the fake saw %d containers and %d posts; want nothing sent", n, len(s.fake.Posts()))
			}
		})
	}
}

func withMedia(p *platforms.Payload, m ...platforms.Media) *platforms.Payload {
	p.Media = append(p.Media, m...)
	return p
}

func withOption(p *platforms.Payload, k string, v any) *platforms.Payload {
	p.Options = map[string]any{k: v}
	return p
}

// TestContainerPolling: a container IN_PROGRESS is checked again, with
// growing waits, and published once FINISHED; one that never finishes is
// given up within Meta's five minutes, and nothing is published.
func TestContainerPolling(t *testing.T) {
	t.Run("finishes", func(t *testing.T) {
		s := newSetup(t, config{opts: threads.FakeOptions{ProcessingPolls: 3}})
		if _, err := s.a.Publish(t.Context(), platformtest.Payload("slow", "Processing"), "k"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, s.sleeps); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		if n := len(s.fake.Posts()); n != 1 {
			t.Errorf("fake holds %d posts, want 1", n)
		}
	})
	t.Run("never finishes", func(t *testing.T) {
		s := newSetup(t, config{opts: threads.FakeOptions{ProcessingPolls: 1000}})
		_, err := s.a.Publish(t.Context(), platformtest.Payload("stuck", "Stuck"), "k")
		if err == nil || !strings.Contains(err.Error(), "still IN_PROGRESS") {
			t.Fatalf("err = %v, want a container still in progress", err)
		}
		if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
			t.Errorf("outcome %s, want not_created", o)
		}
		var total time.Duration
		for _, d := range s.sleeps {
			total += d
		}
		if total > 5*time.Minute {
			t.Errorf("waited %s, more than 5 minutes", total)
		}
		if n := len(s.fake.Posts()); n != 0 {
			t.Errorf("fake holds %d posts, want none", n)
		}
	})
	t.Run("media fetch fails", func(t *testing.T) {
		s := newSetup(t, config{opts: threads.FakeOptions{Fetch: served(nil)}})
		_, err := s.a.Publish(t.Context(), withMedia(platformtest.Payload("m", "x"), image("gone.png", "alt")), "k")
		if err == nil || !strings.Contains(err.Error(), "could not process it: UNKNOWN") {
			t.Fatalf("err = %v, want the container's ERROR", err)
		}
		if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
			t.Errorf("outcome %s, want not_created", o)
		}
	})
}

// TestPartialThread: when a later part fails, the receipt of the parts
// published comes with the error, and a failure at the publish step that
// may have landed is Unknown.
func TestPartialThread(t *testing.T) {
	publishes := 0
	s := newSetup(t, config{wrap: func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/threads_publish") {
				if publishes++; publishes == 2 {
					body := `{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"fbtrace_id":"A1"}}`
					return &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}},
						Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
				}
			}
			return rt.RoundTrip(r)
		})
	}})
	r, err := s.a.Publish(t.Context(), platformtest.Payload("partial", "first", "second", "third"), "k")
	if err == nil || !strings.Contains(err.Error(), "publish part 2 of 3") {
		t.Fatalf("err = %v, want part 2 to fail", err)
	}
	if o := platforms.OutcomeOf(err); o != platforms.Unknown {
		t.Errorf("outcome of a 500 at publish is %s, want unknown", o)
	}
	posts := s.fake.Posts()
	if r == nil || len(posts) != 1 || cmp.Diff([]string{posts[0].ID}, r.IDs) != "" {
		t.Errorf("receipt %+v, want only the first part %+v", r, posts)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPermalinkNeverGuessed: when the permalink cannot be read, the
// receipt leaves the URL empty rather than build one from the media ID,
// which is not the post's shortcode.
func TestPermalinkNeverGuessed(t *testing.T) {
	s := newSetup(t, config{wrap: func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodGet && r.URL.Query().Get("fields") == "permalink,timestamp" {
				return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{}, Request: r,
					Body: io.NopCloser(strings.NewReader(`{"error":{"message":"An unexpected error has occurred.","code":2}}`))}, nil
			}
			return rt.RoundTrip(r)
		})
	}})
	r, err := s.a.Publish(t.Context(), platformtest.Payload("p", "No permalink today"), "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.URLs) != 1 || r.URLs[0] != "" {
		t.Errorf("receipt URLs %q, want one empty URL", r.URLs)
	}
	found, err := s.a.Find(t.Context(), platformtest.Payload("p", "No permalink today"), platforms.Attempt{Key: "k", Began: start})
	if err != nil || found.URLs[0] != s.fake.Posts()[0].URL {
		t.Errorf("find = %+v, %v; want the permalink Threads lists", found, err)
	}
}
