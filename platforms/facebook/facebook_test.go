package facebook_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
)

// TestRenderGolden renders the shared inputs for Facebook and prints the
// feed form herald sends for each: what the plan shows is what is posted.
func TestRenderGolden(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join("..", "render", "testdata", "inputs.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range ar.Files {
		post := &schema.Post{File: "posts/p.md", BodyLine: 5, Markdown: string(f.Data), Body: schema.ParseMarkdown(f.Data, 5)}
		o, err := render.Render(post, schema.Target{Name: "facebook", Platform: "facebook"}, schema.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		p := &platforms.Payload{PostID: "p", Target: "facebook", Platform: "facebook"}
		for _, part := range o.Parts {
			p.Parts = append(p.Parts, platforms.Part{Text: part.Text})
		}
		form := facebook.FeedForm(p, nil)
		fmt.Fprintf(&b, "=== %s\n", f.Name)
		for _, k := range []string{"message", "link"} {
			if form.Has(k) {
				fmt.Fprintf(&b, "%s: %q\n", k, form.Get(k))
			}
		}
	}
	p := platformtest.Payload("photos", "Two photos")
	p.Options = map[string]any{}
	fmt.Fprintf(&b, "=== photos\n%s\n", facebook.FeedForm(p, []string{"111", "222"}).Encode())
	link := platformtest.Payload("link", "Read the post")
	link.Options = map[string]any{"link": "https://example.com/post"}
	fmt.Fprintf(&b, "=== link\n%s\n", facebook.FeedForm(link, nil).Encode())
	golden(t, "render.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE=1 writes it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")

func TestMultiPhotoPost(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.Payload("album", "Three photos from the launch")
	for i := range 3 {
		p.Media = append(p.Media, media(fmt.Sprintf("posts/p%d.png", i), "image/png", fmt.Sprintf("photo %d", i), png))
	}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || len(posts[0].Media) != 3 {
		t.Fatalf("want one post with 3 photos, got %+v", posts)
	}
	for i, m := range posts[0].Media {
		if m.Alt != fmt.Sprintf("photo %d", i) || string(m.Data) != string(png) {
			t.Errorf("photo %d: alt %q, %d bytes", i, m.Alt, len(m.Data))
		}
	}
	if r.IDs[0] != posts[0].ID || !strings.HasPrefix(r.URLs[0], "https://www.facebook.com/") {
		t.Errorf("receipt %+v for post %s", r, posts[0].ID)
	}
}

func TestVideoPostWaitsForProcessing(t *testing.T) {
	s := newSetup(t, config{opts: facebook.FakeOptions{VideoPolls: 3}})
	p := platformtest.Payload("clip", "A short clip")
	p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", []byte("mp4"))}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.sleeps) != 2 {
		t.Errorf("waited %v, want two waits before the video was ready", s.sleeps)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || posts[0].Text != "A short clip" || posts[0].Media[0].Type != "video/mp4" {
		t.Fatalf("posts %+v", posts)
	}
	if want := "https://www.facebook.com/" + s.fake.PageID() + "/videos/" + r.IDs[0] + "/"; r.URLs[0] != want {
		t.Errorf("URL %q, want %q", r.URLs[0], want)
	}
	// The description is edited through the video.
	p.Parts[0].Text = "A short clip, described better"
	if _, err := s.a.Update(t.Context(), r, p); err != nil {
		t.Fatal(err)
	}
	if got := s.fake.Posts()[0]; got.Text != "A short clip, described better" || got.Edits != 1 {
		t.Errorf("after the edit: %+v", got)
	}
	// Find looks among the Page's videos.
	got, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: start})
	if err != nil || got.IDs[0] != r.IDs[0] {
		t.Errorf("find = %+v, %v", got, err)
	}
}

func TestVideoProcessingErrorDeletesIt(t *testing.T) {
	s := newSetup(t, config{opts: facebook.FakeOptions{Fetch: func(string) ([]byte, string, error) { return nil, "", errors.New("404") }}})
	p := platformtest.Payload("clip", "A clip that cannot be fetched")
	p.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "", []byte("mp4"))}
	_, err := s.a.Publish(t.Context(), p, "k")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "could not be downloaded") {
		t.Fatalf("publish = %v; want NotCreated naming the reason", err)
	}
	if n := len(s.fake.Posts()); n != 0 {
		t.Errorf("the failed video is still on the Page (%d posts)", n)
	}
}

// TestDuplicateIsUnknownSettledByFind: Facebook's 506 may answer a retry
// of this very attempt; it is Unknown, and Find settles it.
func TestDuplicateIsUnknownSettledByFind(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.Payload("dup", "Said once")
	first, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.a.Publish(t.Context(), p, "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "506" || platforms.OutcomeOf(err) != platforms.Unknown {
		t.Fatalf("second publish = %v; want code 506, outcome unknown", err)
	}
	r, err := s.a.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: start})
	if err != nil || r.IDs[0] != first.IDs[0] {
		t.Fatalf("find = %+v, %v; want %s", r, err, first.IDs[0])
	}
	if n := len(s.fake.Posts()); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

func TestRevokedTokenNeedsReconnect(t *testing.T) {
	s := newSetup(t, config{})
	s.fake.RevokeTokens()
	_, err := s.a.Publish(t.Context(), platformtest.Payload("x", "Hello"), "k")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || platforms.IsRetryable(err) || !strings.Contains(err.Error(), "herald auth page") {
		t.Fatalf("publish = %v; want ErrNeedsReconnect naming herald auth", err)
	}
	if strings.Contains(err.Error(), s.fake.PageToken()) || strings.Contains(s.logs.String(), s.fake.PageToken()) {
		t.Error("the token leaked into the error or the logs")
	}
}

func TestTokenFromEnvironmentNeedsPageID(t *testing.T) {
	s := newSetup(t, config{noStore: true, values: map[string]any{"access_token_env": "FB_TOKEN"}, env: map[string]string{"FB_TOKEN": "page-token-0"}})
	_, err := s.a.Publish(t.Context(), platformtest.Payload("x", "Hello"), "k")
	if err == nil || !strings.Contains(err.Error(), "page_id") || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish without page_id = %v", err)
	}
	s = newSetup(t, config{noStore: true, values: map[string]any{"access_token_env": "FB_TOKEN", "page_id": "104000000000001"}, env: map[string]string{"FB_TOKEN": "page-token-0"}})
	if _, err := s.a.Publish(t.Context(), platformtest.Payload("x", "Hello"), "k"); err != nil {
		t.Fatal(err)
	}
}

func TestMetricsAndUsage(t *testing.T) {
	s := newSetup(t, config{opts: facebook.FakeOptions{Usage: 40}})
	r, err := s.a.Publish(t.Context(), platformtest.Payload("m", "Count me"), "k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.a.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	got := [5]int64{*m.Likes, *m.Replies, *m.Reposts, *m.Impressions, *m.Clicks}
	if got != [5]int64{12, 3, 2, 340, 17} {
		t.Errorf("metrics likes, replies, reposts, impressions, clicks = %v", got)
	}
	if rem, _, ok := s.a.RateLimit(); !ok || rem != 60 {
		t.Errorf("rate limit remaining %d, %v; want 60 from the usage headers", rem, ok)
	}
	s = newSetup(t, config{opts: facebook.FakeOptions{NoInsights: true}})
	r, _ = s.a.Publish(t.Context(), platformtest.Payload("m", "Count me"), "k")
	m, err = s.a.Metrics(t.Context(), r)
	if err != nil || m.Likes == nil || m.Impressions != nil {
		t.Errorf("metrics without insights = %+v, %v; want counts and no impressions", m, err)
	}
}

func TestRateLimitWaitsForBusinessUseCase(t *testing.T) {
	s := newSetup(t, config{})
	s.fake.Inject(platformtest.Fault{Kind: platformtest.RateLimited, RetryAfter: 5 * time.Minute})
	_, err := s.a.Publish(t.Context(), platformtest.Payload("x", "Hello"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || !platforms.IsRetryable(err) {
		t.Fatalf("publish = %v", err)
	}
	if rem, reset, ok := s.a.RateLimit(); !ok || rem != 0 || reset.Sub(start) != 5*time.Minute {
		t.Errorf("rate limit %d, %v, %v; want 0 until the estimated time to regain access", rem, reset, ok)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	s := newSetup(t, config{})
	big := platformtest.Payload("big", strings.Repeat("a", facebook.MaxChars+1))
	both := platformtest.Payload("both", "Link and photo")
	both.Options = map[string]any{"link": "https://example.com"}
	both.Media = []platforms.Media{media("posts/a.png", "image/png", "", png)}
	mixed := platformtest.Payload("mixed", "Video and photo")
	mixed.Media = []platforms.Media{media("posts/a.png", "image/png", "", png), media("posts/b.mp4", "video/mp4", "", []byte("v"))}
	for name, p := range map[string]*platforms.Payload{"too long": big, "link and media": both, "video and photo": mixed} {
		if _, err := s.a.Publish(t.Context(), p, "k"); err == nil || platforms.OutcomeOf(err) != platforms.NotCreated {
			t.Errorf("%s: publish = %v; want a refusal before sending", name, err)
		}
	}
	if n := len(s.fake.Posts()); n != 0 {
		t.Errorf("%d posts were made", n)
	}
}
