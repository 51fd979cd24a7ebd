package facebook_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/videotest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/progress"
)

// uploadSetup is a Page account without media_base_url, so that videos
// are uploaded, and a fake that asks for chunk-byte ranges.
func uploadSetup(t *testing.T, chunk int64, opts facebook.FakeOptions) *setup {
	opts.ChunkSize = chunk
	return newSetup(t, config{opts: opts, values: map[string]any{"media_base_url": ""}})
}

// clip is a well-formed MP4 of about n bytes.
func clip(n int) []byte {
	return videotest.MP4(videotest.Spec{Duration: 8 * time.Second, Width: 1280, Height: 720, Padding: n})
}

// recorder keeps the progress updates an upload reports.
type recorder struct {
	mu sync.Mutex
	u  []progress.Update
}

func (r *recorder) ctx(ctx context.Context) context.Context {
	return progress.With(ctx, func(u progress.Update) { r.mu.Lock(); r.u = append(r.u, u); r.mu.Unlock() })
}

func TestVideoUploadedWithoutMediaBaseURL(t *testing.T) {
	s := uploadSetup(t, 64<<10, facebook.FakeOptions{VideoPolls: 2})
	data := clip(300_000)
	p := platformtest.Payload("clip", "A clip, uploaded")
	p.Title = "The clip"
	p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", data)}
	var rec recorder
	r, err := s.a.Publish(rec.ctx(t.Context()), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || posts[0].ID != r.IDs[0] || posts[0].Text != "A clip, uploaded" || posts[0].Fields["title"] != "The clip" {
		t.Fatalf("posts %+v, receipt %+v", posts, r)
	}
	if m := posts[0].Media[0]; m.Type != "video/mp4" || !bytes.Equal(m.Data, data) {
		t.Errorf("the fake holds %d bytes of %s, want the file's %d", len(m.Data), m.Type, len(data))
	}
	if len(s.sleeps) != 1 {
		t.Errorf("waited %v for processing, want one wait", s.sleeps)
	}
	// Progress: a start, one update per chunk (5 of 64 KiB), never a URL.
	if n := len(rec.u); n != 6 || rec.u[0].Sent != 0 || rec.u[n-1].Sent != int64(len(data)) {
		t.Errorf("progress %+v", rec.u)
	}
	for _, u := range rec.u {
		if u.Platform != "facebook" || u.File != "posts/clip.mp4" {
			t.Errorf("progress names %q %q", u.Platform, u.File)
		}
	}
	if strings.Contains(s.logs.String(), s.fake.PageToken()) {
		t.Error("the log holds the Page token")
	}
}

// TestVideoTransferResumesFromFacebooksOffset: a transfer arrives but its
// answer is lost; sent again, it is refused with the offset Facebook
// holds (1363037), and the upload goes on from there: the video is whole
// and posted once.
func TestVideoTransferResumesFromFacebooksOffset(t *testing.T) {
	s := uploadSetup(t, 64<<10, facebook.FakeOptions{DropTransfer: 2})
	data := clip(300_000)
	p := platformtest.Payload("clip", "A clip, resumed")
	p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", data)}
	if _, err := s.a.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || !bytes.Equal(posts[0].Media[0].Data, data) {
		t.Fatalf("posts %d, want one with the file's bytes", len(posts))
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "video transfer failed; sending it again") || !strings.Contains(logs, "Facebook asks to resume the upload elsewhere") {
		t.Errorf("the log does not show the retry and the resume:\n%s", logs)
	}
}

// TestVideoTransferRateLimited: a 429 on a transfer waits as asked and
// sends the range again.
func TestVideoTransferRateLimited(t *testing.T) {
	s := uploadSetup(t, 64<<10, facebook.FakeOptions{})
	s.fake.Inject(platformtest.Fault{Kind: platformtest.RateLimited, RetryAfter: 20 * time.Second, After: 2}) // start, transfer 1, then this
	data := clip(200_000)
	p := platformtest.Payload("clip", "A clip, slowed")
	p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", data)}
	if _, err := s.a.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	if len(s.sleeps) != 1 || s.sleeps[0] != 20*time.Second {
		t.Errorf("waited %v, want the 20 s Facebook asked for", s.sleeps)
	}
	if posts := s.fake.Posts(); len(posts) != 1 || !bytes.Equal(posts[0].Media[0].Data, data) {
		t.Fatal("the video is not posted whole, once")
	}
}

// TestVideoUploadFailuresPostNothing: a refused token, a start refused,
// or a transfer that keeps failing end the upload NotCreated, with
// nothing on the Page.
func TestVideoUploadFailuresPostNothing(t *testing.T) {
	t.Run("revoked token", func(t *testing.T) {
		s := uploadSetup(t, 64<<10, facebook.FakeOptions{})
		s.fake.RevokeTokens()
		p := platformtest.Payload("clip", "A clip")
		p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", clip(1000))}
		_, err := s.a.Publish(t.Context(), p, "k")
		if platforms.OutcomeOf(err) != platforms.NotCreated || !errors.Is(err, platforms.ErrNeedsReconnect) {
			t.Fatalf("publish = %v, want NotCreated needing a reconnect", err)
		}
	})
	t.Run("server errors", func(t *testing.T) {
		s := uploadSetup(t, 64<<10, facebook.FakeOptions{})
		// The start goes through; every transfer then fails.
		s.fake.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 1})
		for range 10 {
			s.fake.Inject(platformtest.Fault{Kind: platformtest.ServerError})
		}
		p := platformtest.Payload("clip", "A clip")
		p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", clip(1000))}
		_, err := s.a.Publish(t.Context(), p, "k")
		if platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "gave up after 8 retries") {
			t.Fatalf("publish = %v, want NotCreated after 8 retries", err)
		}
		if n := len(s.fake.Posts()); n != 0 {
			t.Errorf("%d posts on the Page", n)
		}
	})
	t.Run("finish unanswered is unknown", func(t *testing.T) {
		// The finish publishes: a 500 there may hide a published video,
		// so the outcome is Unknown, for Find to settle.
		s := uploadSetup(t, 64<<10, facebook.FakeOptions{})
		s.fake.Inject(platformtest.Fault{Kind: platformtest.ServerError, After: 5}) // start, 4 transfers
		p := platformtest.Payload("clip", "A clip")
		p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", clip(200_000))}
		_, err := s.a.Publish(t.Context(), p, "k")
		if platforms.OutcomeOf(err) != platforms.Unknown {
			t.Fatalf("publish = %v, want Unknown", err)
		}
	})
	t.Run("not a video", func(t *testing.T) {
		s := uploadSetup(t, 64<<10, facebook.FakeOptions{})
		p := platformtest.Payload("clip", "Text, named .mp4")
		p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", []byte("not a video at all"))}
		_, err := s.a.Publish(t.Context(), p, "k")
		if platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "not a video") {
			t.Fatalf("publish = %v, want NotCreated naming the reason", err)
		}
		if n := len(s.fake.Posts()); n != 0 {
			t.Errorf("the failed video is still on the Page (%d posts)", n)
		}
	})
}
