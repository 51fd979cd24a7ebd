package pinterest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/pinterest"
	"github.com/heraldhq/herald/platforms/platformtest"
)

var update = flag.Bool("update", os.Getenv("UPDATE") != "", "rewrite golden files")

func media(path, typ, alt string, data []byte) platforms.Media {
	return platforms.Media{Path: path, Type: typ, Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// TestPrepareGolden holds what Prepare makes of posts, or why it refuses
// them, to testdata/prepare.golden.
func TestPrepareGolden(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	noDefault := newSetup(t, pinterest.FakeOptions{}, map[string]any{"default_image_url": ""})
	img := media("posts/a.png", "image/png", "A chart", []byte("png"))
	vid := media("posts/a.mp4", "video/mp4", "", []byte("mp4"))
	cases := []struct {
		name string
		pin  *pinterest.Pinterest
		p    *platforms.Payload
	}{
		{"thread joined into one description", s.pin, &platforms.Payload{PostID: "a", Title: "Sluice 2",
			Parts: []platforms.Part{{Text: "Retries per endpoint."}, {Text: "And replay. https://sluice.example.com"}}, Media: []platforms.Media{img}}},
		{"title over 100", s.pin, &platforms.Payload{PostID: "b", Title: strings.Repeat("t", 101), Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{img}}},
		{"description over 800", s.pin, &platforms.Payload{PostID: "c", Parts: []platforms.Part{{Text: strings.Repeat("é", 801)}}, Media: []platforms.Media{img}}},
		{"six images", s.pin, &platforms.Payload{PostID: "d", Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{img, img, img, img, img, img}}},
		{"video and image", s.pin, &platforms.Payload{PostID: "e", Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{vid, img}}},
		{"no image anywhere", noDefault.pin, &platforms.Payload{PostID: "f", Parts: []platforms.Part{{Text: "x"}}}},
		{"image_url option", noDefault.pin, &platforms.Payload{PostID: "g", Parts: []platforms.Part{{Text: "x"}}, Options: map[string]any{"image_url": "https://cdn.example.com/p.jpg", "board": "900100", "link": "https://sluice.example.com"}}},
		{"alt text over 500", s.pin, &platforms.Payload{PostID: "h", Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{media("posts/b.png", "image/png", strings.Repeat("a", 501), nil)}}},
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "== %s\n", c.name)
		out, err := platforms.Prepare(c.pin, c.p)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			continue
		}
		for _, part := range out.Parts {
			fmt.Fprintf(&b, "part: %q\n", part.Text)
		}
	}
	golden := filepath.Join("testdata", "prepare.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("prepare output (-golden +got):\n%s", diff)
	}
}

func TestPublishVideo(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{ProcessingPolls: 3}, nil)
	data := []byte("\x00\x00\x00\x18ftypmp42 a small movie")
	p := &platforms.Payload{PostID: "v", Title: "Replay in 30 seconds", Parts: []platforms.Part{{Text: "Watch replay work."}},
		Media: []platforms.Media{media("posts/replay.mp4", "video/mp4", "A terminal replaying requests", data)}}
	r, err := s.pin.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || len(posts[0].Media) != 1 {
		t.Fatalf("posts %+v", posts)
	}
	m := posts[0].Media[0]
	if m.Type != "video/mp4" || !bytes.Equal(m.Data, data) || m.Alt != "A terminal replaying requests" {
		t.Errorf("video on the pin: %s %q alt %q", m.Type, m.Data, m.Alt)
	}
	if posts[0].Fields["source_type"] != "video_id" || r.IDs[0] != posts[0].ID {
		t.Errorf("pin %+v, receipt %+v", posts[0], r)
	}
	if !strings.Contains(s.logs.String(), "waiting for Pinterest to process the video") {
		t.Errorf("no processing progress in the log:\n%s", s.logs)
	}
}

func TestPublishVideoFailed(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{FailVideo: true}, nil)
	p := &platforms.Payload{PostID: "v", Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{media("posts/bad.mov", "video/quicktime", "", []byte("mov"))}}
	_, err := s.pin.Publish(t.Context(), p, "k")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "could not process the video posts/bad.mov") {
		t.Fatalf("publish of a video Pinterest cannot process = %v (%s)", err, platforms.OutcomeOf(err))
	}
	if n := len(s.fake.Posts()); n != 0 {
		t.Errorf("%d pins exist", n)
	}
}

func TestPublishImagesAndURL(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	img := func(n byte) platforms.Media { return media("posts/p.png", "image/png", "Slide", []byte{0x89, n}) }
	if _, err := s.pin.Publish(t.Context(), &platforms.Payload{PostID: "m", Parts: []platforms.Part{{Text: "Three slides"}},
		Media: []platforms.Media{img(1), img(2), img(3)}, Options: map[string]any{"link": "https://sluice.example.com"}}, "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pin.Publish(t.Context(), &platforms.Payload{PostID: "u", Parts: []platforms.Part{{Text: "The brand card"}}}, "k2"); err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 2 || len(posts[0].Media) != 3 || posts[0].Fields["source_type"] != "multiple_image_base64" || posts[0].Fields["link"] != "https://sluice.example.com" {
		t.Fatalf("multi-image pin %+v", posts[0])
	}
	if posts[1].Fields["image_url"] != "https://cdn.example.com/brand/card.png" {
		t.Errorf("pin without media used %v, want the default_image_url", posts[1].Fields["image_url"])
	}
}

func TestUpdateRefusesNewMedia(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	p := &platforms.Payload{PostID: "e", Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{media("posts/a.png", "image/png", "", []byte("one"))}}
	r, err := s.pin.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	p.Media = []platforms.Media{media("posts/a.png", "image/png", "", []byte("two"))}
	if _, err := s.pin.Update(t.Context(), r, p); !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("edit with new image bytes = %v, want ErrNotEditable", err)
	}
	if s.fake.Posts()[0].Edits != 0 {
		t.Error("the pin was edited")
	}
}

func TestTokenRefreshedBeforeUse(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	s.clock.Add(29*24*time.Hour + 12*time.Hour) // 12 h before the access token lapses
	if _, err := s.pin.Publish(t.Context(), platformtest.Payload("r", "After a month"), "k"); err != nil {
		t.Fatal(err)
	}
	if s.fake.Refreshes() != 1 || s.tokens.Saves != 1 {
		t.Fatalf("refreshes %d, saves %d; want one of each", s.fake.Refreshes(), s.tokens.Saves)
	}
	tok, _ := s.tokens.Load(t.Context(), "main")
	if tok.AccessToken != s.fake.AccessToken() || tok.RefreshToken != s.fake.RefreshToken() || !tok.RefreshExpiry.Equal(s.clock.Now().Add(60*24*time.Hour)) {
		t.Errorf("saved token %+v; want the fake's newest, refreshable for 60 days more", tok)
	}
	if strings.Contains(s.logs.String(), tok.AccessToken) || strings.Contains(s.logs.String(), tok.RefreshToken) {
		t.Error("a token is in the log")
	}
}

func TestRefreshTokenLapsed(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	s.clock.Add(61 * 24 * time.Hour)
	_, err := s.pin.Publish(t.Context(), platformtest.Payload("r", "Too late"), "k")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || !strings.Contains(err.Error(), "run herald auth main") || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish with a lapsed refresh token = %v", err)
	}
}

func TestRateLimitReported(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	s.fake.Inject(platformtest.Fault{Kind: platformtest.RateLimited, RetryAfter: 90 * time.Second})
	_, err := s.pin.Publish(t.Context(), platformtest.Payload("r", "Slow"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != 90*time.Second || !strings.Contains(ae.Message, "rate limit") {
		t.Fatalf("429 = %v", err)
	}
	rem, reset, ok := s.pin.RateLimit()
	if !ok || rem != 0 || !reset.Equal(start.Add(90*time.Second)) {
		t.Errorf("RateLimit() = %d, %v, %v", rem, reset, ok)
	}
}

func TestMetrics(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, nil)
	r, err := s.pin.Publish(t.Context(), platformtest.Payload("m", "Count me"), "k")
	if err != nil {
		t.Fatal(err)
	}
	// Seven syncs 29.5 days apart reach past the 90-day analytics window;
	// each refreshes the token ahead of its expiry, so the continuous
	// refresh token never lapses.
	var m *platforms.Metrics
	for range 7 {
		s.clock.Add(29*24*time.Hour + 12*time.Hour)
		if m, err = s.pin.Metrics(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if s.fake.Refreshes() != 7 {
		t.Errorf("%d refreshes over 206 days, want 7", s.fake.Refreshes())
	}
	got, _ := json.Marshal(m)
	if want := `{"Likes":1,"Reposts":null,"Replies":1,"Quotes":null,"Impressions":48,"Clicks":1,"Saves":3}`; string(got) != want {
		t.Errorf("metrics %s, want %s", got, want)
	}
}

func TestFindCannotTell(t *testing.T) {
	s := newSetup(t, pinterest.FakeOptions{}, map[string]any{"find_page_size": 2, "find_max_pages": 2})
	s.fake.Seed(5, start)
	p, err := platforms.Prepare(s.pin, platformtest.Payload("x", "Never made"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.pin.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: start})
	if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "cannot tell") {
		t.Fatalf("find on a board busier than the scan = %v; want cannot tell", err)
	}
	// Two pins with the text since the attempt began: a person decides.
	for _, k := range []platforms.AttemptKey{"k1", "k2"} {
		if _, err := s.pin.Publish(t.Context(), p, k); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.pin.Find(t.Context(), p, platforms.Attempt{Key: "k1", Began: start})
	if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "2 pins on board") {
		t.Fatalf("find with two matching pins = %v", err)
	}
}
