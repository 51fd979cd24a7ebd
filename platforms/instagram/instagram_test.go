package instagram_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/instagram"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
)

func mediaURL(p string) string { return "https://media.example.org/site/" + p }

// TestRenderGolden renders the shared inputs for Instagram, with an image,
// and prints the containers herald creates for each, then for a Reel and
// a mixed carousel: what the plan shows is what is posted.
func TestRenderGolden(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join("..", "render", "testdata", "inputs.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	show := func(name string, p *platforms.Payload) {
		children, parent := instagram.Containers(p, mediaURL)
		tags, mentions := instagram.Counts(instagram.Caption(p))
		fmt.Fprintf(&b, "=== %s (hashtags %d, mentions %d)\n", name, tags, mentions)
		for i, c := range children {
			fmt.Fprintf(&b, "child %d:\n%s", i+1, fields(c))
		}
		fmt.Fprintf(&b, "post:\n%s", fields(parent))
	}
	for _, f := range ar.Files {
		post := &schema.Post{File: "posts/p.md", BodyLine: 5, Markdown: string(f.Data), Body: schema.ParseMarkdown(f.Data, 5)}
		o, err := render.Render(post, schema.Target{Name: "instagram", Platform: "instagram"}, schema.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		p := &platforms.Payload{PostID: "p", Target: "instagram", Platform: "instagram"}
		for _, part := range o.Parts {
			p.Parts = append(p.Parts, platforms.Part{Text: part.Text})
		}
		p.Media = []platforms.Media{media("posts/hero.jpg", "image/jpeg", "The hero image")}
		show(f.Name, p)
	}
	reel := platformtest.Payload("reel", "A Reel #launch")
	reel.Media = []platforms.Media{media("posts/clip.mp4", "video/mp4", "not sent: Reels take no alt text")}
	reel.Options = map[string]any{"share_to_feed": true}
	show("reel", reel)
	mixed := platformtest.Payload("mixed", "Two images and a video, @alice")
	mixed.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "first"), media("posts/b.mp4", "video/mp4", ""), media("posts/c.jpg", "image/jpeg", "")}
	show("carousel", mixed)
	golden(t, "render.golden", b.String())
}

// fields prints a form one field a line, sorted.
func fields(v url.Values) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(v)) {
		fmt.Fprintf(&b, "  %s: %q\n", k, v.Get(k))
	}
	return b.String()
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

func TestCarouselWithReelItem(t *testing.T) {
	s := newSetup(t, config{opts: instagram.FakeOptions{VideoPolls: 2}})
	p := platformtest.Payload("c", "A carousel")
	p.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "first image"), media("posts/b.mp4", "video/mp4", "")}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || len(posts[0].Media) != 2 || posts[0].Media[0].Alt != "first image" || posts[0].Fields["media_type"] != "CAROUSEL" {
		t.Fatalf("posts %+v", posts)
	}
	if len(s.sleeps) != 1 {
		t.Errorf("waited %v; want one wait for the video item", s.sleeps)
	}
	if r.URLs[0] != posts[0].URL || !strings.HasPrefix(r.URLs[0], "https://www.instagram.com/p/") {
		t.Errorf("receipt URL %q, want the permalink %q", r.URLs[0], posts[0].URL)
	}
}

func TestReelPolledUntilFinished(t *testing.T) {
	s := newSetup(t, config{opts: instagram.FakeOptions{VideoPolls: 4}})
	p := platformtest.Payload("r", "A Reel")
	p.Media = []platforms.Media{media("posts/r.mp4", "video/mp4", "")}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, s.sleeps); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.URLs[0], "/reel/") {
		t.Errorf("URL %q is not a Reel's", r.URLs[0])
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	s := newSetup(t, config{})
	many := func(sign string, n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf("%sw%d", sign, i))
		}
		return strings.Join(parts, " ")
	}
	jpeg := []platforms.Media{media("posts/a.jpg", "image/jpeg", "")}
	cases := map[string]struct {
		text  string
		media []platforms.Media
		want  string
	}{
		"no media":     {"Words only", nil, "without an image or a video"},
		"png":          {"A PNG", []platforms.Media{media("posts/a.png", "image/png", "")}, "JPEG images only"},
		"31 hashtags":  {many("#", 31), jpeg, "31 hashtags"},
		"21 mentions":  {many("@", 21), jpeg, "21 @-mentions"},
		"long caption": {strings.Repeat("a", instagram.MaxCaption+1), jpeg, "2201 characters"},
		"11 items":     {"Too many", slicesRepeat(jpeg[0], 11), "at most 10"},
	}
	for name, c := range cases {
		p := platformtest.Payload("x", c.text)
		p.Media = c.media
		_, err := s.a.Publish(t.Context(), p, "k")
		if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: publish = %v; want a refusal naming %q", name, err, c.want)
		}
	}
	ok := platformtest.Payload("x", many("#", 30)+" "+many("@", 20))
	ok.Media = jpeg
	if _, err := s.a.Publish(t.Context(), ok, "k"); err != nil {
		t.Errorf("30 hashtags and 20 mentions: %v", err)
	}
	if n := len(s.fake.Posts()); n != 1 {
		t.Errorf("%d posts, want only the one at the caps", n)
	}
}

func slicesRepeat(m platforms.Media, n int) []platforms.Media {
	out := make([]platforms.Media, n)
	for i := range out {
		out[i] = m
	}
	return out
}

func TestPublishingLimitCheckedFirst(t *testing.T) {
	s := newSetup(t, config{opts: instagram.FakeOptions{Quota: 1}})
	p := platformtest.Payload("a", "First")
	p.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "")}
	if _, err := s.a.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	before := len(s.fake.ContainerStatuses())
	p2 := platformtest.Payload("b", "Second")
	p2.Media = p.Media
	_, err := s.a.Publish(t.Context(), p2, "k2")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || ae.RetryAfter != 24*time.Hour || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish past the limit = %v; want a 429 deferred by a day, nothing sent", err)
	}
	if after := len(s.fake.ContainerStatuses()); after != before {
		t.Errorf("%d containers were made past the limit", after-before)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	s := newSetup(t, config{stored: &platforms.Token{AccessToken: "ig-token-0", Expiry: start.Add(3 * 24 * time.Hour),
		Extra: map[string]string{"issued_at": start.Add(-57 * 24 * time.Hour).Format(time.RFC3339)}}})
	p := platformtest.Payload("a", "Fresh token")
	p.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "")}
	if _, err := s.a.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	tok, _ := s.tokens.Load(t.Context(), "ig")
	if s.tokens.Saves != 1 || tok.AccessToken != s.fake.AccessToken() || !tok.Expiry.Equal(start.Add(instagram.TokenLifetime)) {
		t.Errorf("kept token %+v after %d saves; want the refreshed one, valid 60 days", tok, s.tokens.Saves)
	}
	if strings.Contains(s.logs.String(), "ig-token-") {
		t.Error("a token leaked into the logs")
	}
}

func TestExpiredTokenNeedsReconnect(t *testing.T) {
	s := newSetup(t, config{})
	s.fake.ExpireTokens()
	p := platformtest.Payload("a", "Expired")
	p.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "")}
	_, err := s.a.Publish(t.Context(), p, "k")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || platforms.IsRetryable(err) || !strings.Contains(err.Error(), "herald auth ig") {
		t.Fatalf("publish = %v; want ErrNeedsReconnect naming herald auth", err)
	}
}

func TestMetrics(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.Payload("a", "Counted")
	p.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "")}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.a.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if got := [4]int64{*m.Impressions, *m.Likes, *m.Replies, *m.Saves}; got != [4]int64{410, 21, 4, 5} || m.Reposts != nil {
		t.Errorf("metrics views, likes, comments, saved = %v, reposts %v", got, m.Reposts)
	}
	if rem, _, ok := s.a.RateLimit(); !ok || rem != 95 {
		t.Errorf("rate limit %d, %v; want 95 from X-App-Usage", rem, ok)
	}
}

func TestUserIDFromMe(t *testing.T) {
	s := newSetup(t, config{noStore: true, values: map[string]any{"access_token_env": "IG_TOKEN"}, env: map[string]string{"IG_TOKEN": "ig-token-0"}})
	p := platformtest.Payload("a", "From the environment")
	p.Media = []platforms.Media{media("posts/a.jpg", "image/jpeg", "")}
	if _, err := s.a.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	// The environment's token was refreshed once, so its expiry is known
	// and it is kept.
	if tok, err := s.tokens.Load(t.Context(), "ig"); err != nil || tok.Expiry.IsZero() {
		t.Errorf("kept token %+v, %v", tok, err)
	}
}
