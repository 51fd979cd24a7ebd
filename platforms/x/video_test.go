package x_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

// videoSetup is a setup whose adapter sends 16 KiB segments (the suite's
// video is three) and records its waits.
func videoSetup(t *testing.T, opts x.FakeOptions) (*setup, *[]time.Duration) {
	t.Helper()
	s := newSetup(t, opts, nil, nil)
	x.SetChunkSize(s.x, 16<<10)
	var slept []time.Duration
	x.SetSleep(s.x, func(d time.Duration) { slept = append(slept, d) })
	return s, &slept
}

func onePost(t *testing.T, s *setup) platformtest.Post {
	t.Helper()
	posts := s.fake.Posts()
	if len(posts) != 1 {
		t.Fatalf("posts = %d, want 1", len(posts))
	}
	return posts[0]
}

// TestVideoChunkedUpload sends a video in segments, waits for X's
// processing, and posts it, without alt text, which X does not keep for
// videos; the log shows the progress.
func TestVideoChunkedUpload(t *testing.T) {
	s, slept := videoSetup(t, x.FakeOptions{ProcessingPolls: 2})
	if _, err := s.x.Publish(t.Context(), platformtest.WithVideo(platformtest.Payload("p", "A clip"), "A test pattern"), "k"); err != nil {
		t.Fatal(err)
	}
	post := onePost(t, s)
	if len(post.Media) != 1 || post.Media[0].Type != "video/mp4" || !bytes.Equal(post.Media[0].Data, platformtest.VideoBytes()) {
		t.Fatalf("media = %+v", post.Media)
	}
	if post.Media[0].Alt != "" {
		t.Errorf("alt = %q; X keeps none for videos", post.Media[0].Alt)
	}
	// Finalize said pending (check after 1 s), the first status
	// in_progress (1 s), the second succeeded.
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, *slept); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	logs := s.logs.String()
	for _, want := range []string{`msg="upload progress" platform=x account=main file=posts/clip.mp4 chunk=3 chunks=3`, "X takes no alt text for videos"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if n := s.fake.Uploads(); n != 1 {
		t.Errorf("uploads = %d, want 1", n)
	}
}

// TestVideoUploadResumesAndRestarts checks that a segment lost to a 503 is
// sent again without starting over, that an upload X forgot starts over,
// and that either way exactly one post exists, with the whole file.
func TestVideoUploadResumesAndRestarts(t *testing.T) {
	tests := []struct {
		name    string
		opts    x.FakeOptions
		uploads int
	}{
		{"a segment answered 503", x.FakeOptions{FailAppends: 1}, 1},
		{"an upload X forgot", x.FakeOptions{ExpireUploadAfter: 2}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := videoSetup(t, tt.opts)
			if _, err := s.x.Publish(t.Context(), platformtest.WithVideo(platformtest.Payload("p", "A clip"), ""), "k"); err != nil {
				t.Fatal(err)
			}
			post := onePost(t, s)
			if !bytes.Equal(post.Media[0].Data, platformtest.VideoBytes()) {
				t.Errorf("X holds %d bytes, want the file's %d", len(post.Media[0].Data), len(platformtest.VideoBytes()))
			}
			if n := s.fake.Uploads(); n != tt.uploads {
				t.Errorf("uploads = %d, want %d", n, tt.uploads)
			}
		})
	}
}

// TestVideoRefusals checks that a failed upload or processing, and a
// video X would not take, end before any post, as not created.
func TestVideoRefusals(t *testing.T) {
	webm := platformtest.WithVideo(platformtest.Payload("p", "A clip"), "")
	webm.Media[0].Type, webm.Media[0].Path = "video/webm", "posts/clip.webm"
	tests := []struct {
		name    string
		opts    x.FakeOptions
		payload *platforms.Payload
		says    string
		uploads int
	}{
		{"processing failed", x.FakeOptions{FailVideoProcessing: true},
			platformtest.WithVideo(platformtest.Payload("p", "A clip"), ""), "could not process posts/clip.mp4: Unsupported video format", 1},
		{"a video beside an image", x.FakeOptions{},
			platformtest.WithImage(platformtest.WithVideo(platformtest.Payload("p", "A clip"), ""), "pixel"), "one video alone", 0},
		{"a WebM", x.FakeOptions{}, webm, "X does not take video/webm files", 0},
		{"segments failing every time", x.FakeOptions{FailAppends: 100},
			platformtest.WithVideo(platformtest.Payload("p", "A clip"), ""), "chunk 1 of 3", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := videoSetup(t, tt.opts)
			_, err := s.x.Publish(t.Context(), tt.payload, "k")
			if err == nil || !strings.Contains(err.Error(), tt.says) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Fatalf("publish = %v; want a not_created error saying %q", err, tt.says)
			}
			if n := len(s.fake.Posts()); n != 0 {
				t.Errorf("posts = %d, want 0", n)
			}
			if n := s.fake.Uploads(); n != tt.uploads {
				t.Errorf("uploads = %d, want %d", n, tt.uploads)
			}
		})
	}
}

// TestVideoEditKeepsTheUpload edits the text of a post with a video: the
// video is not uploaded again.
func TestVideoEditKeepsTheUpload(t *testing.T) {
	s, _ := videoSetup(t, x.FakeOptions{})
	r, err := s.x.Publish(t.Context(), platformtest.WithVideo(platformtest.Payload("p", "Before"), ""), "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.x.Update(t.Context(), r, platformtest.WithVideo(platformtest.Payload("p", "After"), "")); err != nil {
		t.Fatal(err)
	}
	if n := s.fake.Uploads(); n != 1 {
		t.Errorf("uploads = %d, want the first only", n)
	}
	post := onePost(t, s)
	if post.Text != "After" || len(post.Media) != 1 || post.Media[0].Type != "video/mp4" {
		t.Errorf("post = %q with %d media", post.Text, len(post.Media))
	}
}
