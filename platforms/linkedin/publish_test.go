package linkedin_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

var update = flag.Bool("update", os.Getenv("UPDATE") != "", "rewrite golden files")

// rendered is a part as the shared renderer gives it for LinkedIn: the
// text escaped as little text, with each #tag as a hashtag template.
func rendered(text string) platforms.Part {
	var facets []render.Facet
	for i := 0; i < len(text); i++ {
		if text[i] == '#' && (i == 0 || text[i-1] == ' ') {
			end := i + 1
			for end < len(text) && text[end] != ' ' {
				end++
			}
			facets = append(facets, render.Facet{Start: i, End: end, Type: render.FacetTag, Value: text[i+1 : end]})
		}
	}
	return platforms.Part{Text: render.EscapeLittle(text, facets)}
}

func image(name string, data []byte, alt string) platforms.Media {
	return platforms.Media{Path: "posts/" + name, Alt: alt, Type: "image/png", Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// png1 and png2 are two different 1x1 PNGs (they differ in the pixel).
var (
	png1 = append([]byte("\x89PNG\r\n\x1a\n"), []byte("first-image-bytes")...)
	png2 = append([]byte("\x89PNG\r\n\x1a\n"), []byte("second-image-bytes")...)
)

func TestPublishThreadWithImagesReadBack(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{ProcessingPolls: 2})
	parts := []string{
		"Release notes (v2.0): [beta] flags_and_stars * ~ <tags> {braces} a|b \\ path @team #golang",
		"Second part: 日本語 and 🎉 with https://example.com/a_b?c=(d)",
	}
	p := &platforms.Payload{PostID: "notes", Target: "main", Platform: "linkedin",
		Parts:   []platforms.Part{rendered(parts[0]), rendered(parts[1])},
		Media:   []platforms.Media{image("a.png", png1, "A chart (rising)"), image("b.png", png2, "Team photo #2")},
		Options: map[string]any{linkedin.OptFirstComment: "Links: https://example.com/x_(y) #more @you"},
	}
	prepared, err := platforms.Prepare(s.li, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.li.Publish(t.Context(), prepared, "attempt-1")
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 {
		t.Fatalf("fake holds %d posts, want one: LinkedIn has no threads", len(posts))
	}
	got := posts[0]
	if truncated := got.Fields["truncated"]; truncated != false {
		t.Errorf("LinkedIn would have truncated the post: it shows %q", got.Text)
	}
	// What LinkedIn shows is the text as written, parts joined by a blank
	// line: nothing cut, no backslash showing.
	if diff := cmp.Diff(parts[0]+"\n\n"+parts[1], got.Text); diff != "" {
		t.Errorf("shown text (-want +got):\n%s", diff)
	}
	if got.Fields["commentary"] != prepared.Parts[0].Text {
		t.Errorf("commentary sent %q, want the prepared text %q", got.Fields["commentary"], prepared.Parts[0].Text)
	}
	type media struct{ Alt, Type, Data string }
	var gotMedia []media
	for _, m := range got.Media {
		gotMedia = append(gotMedia, media{m.Alt, m.Type, string(m.Data)})
	}
	wantMedia := []media{{"A chart (rising)", "image/png", string(png1)}, {"Team photo #2", "image/png", string(png2)}}
	if diff := cmp.Diff(wantMedia, gotMedia); diff != "" {
		t.Errorf("media (-want +got):\n%s", diff)
	}
	wantReceipt := &platforms.Receipt{Provider: "linkedin", IDs: []string{got.ID}, URLs: []string{"https://www.linkedin.com/feed/update/" + got.ID + "/"},
		PublishedAt: start, Extra: map[string]string{"author": s.fake.Author(), "first_comment": "urn:li:comment:(" + got.ID + ",1)"}}
	// The fingerprints of what was published, for edits: one for the
	// text, one per image, one for the comment.
	fps := regexp.MustCompile(`^[0-9a-f]{16}(,[0-9a-f]{16})*$`)
	for key, n := range map[string]int{"text_fp": 1, "media_fp": 2, "first_comment_fp": 1} {
		if v := r.Extra[key]; !fps.MatchString(v) || strings.Count(v, ",")+1 != n {
			t.Errorf("receipt extra %s = %q, want %d fingerprints", key, v, n)
		}
		delete(r.Extra, key)
	}
	if diff := cmp.Diff(wantReceipt, r); diff != "" {
		t.Errorf("receipt (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Links: https://example.com/x_(y) #more @you"}, s.fake.Comments(got.ID)); diff != "" {
		t.Errorf("first comment as shown (-want +got):\n%s", diff)
	}
}

func TestFakeShowsWhatLinkedInShows(t *testing.T) {
	tests := []struct {
		name, in, want string
		truncated      bool
	}{
		{"plain", "Hello, world.", "Hello, world.", false},
		{"escaped reserved", `a \(b\) \[c\] \_d\_ \\ \#e`, `a (b) [c] _d_ \ #e`, false},
		{"hashtag template", `see {hashtag|\#|go\_lang} now`, "see #go_lang now", false},
		{"hashtag element", "ship #golang today", "ship #golang today", false},
		{"mention element", "thanks @[Ada](urn:li:person:1)!", "thanks Ada!", false},
		{"unescaped parenthesis cuts", "Release (v2) is out", "Release ", true},
		{"unescaped underscore cuts", "snake_case", "snake", true},
		{"bare at sign cuts", "mail me @ home", "mail me ", true},
		{"bare hash cuts", "# heading", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truncated := linkedin.LittleShown(tt.in)
			if got != tt.want || truncated != tt.truncated {
				t.Errorf("shown(%q) = %q, %v; want %q, %v", tt.in, got, truncated, tt.want, tt.truncated)
			}
		})
	}
}

func TestUnescapedTextIsGuarded(t *testing.T) {
	// A payload that skipped the renderer's escaping still reaches
	// LinkedIn whole.
	s := newSetup(t, linkedin.FakeOptions{})
	const text = "Raw (unescaped) text with snake_case and a #tag"
	if _, err := s.li.Publish(t.Context(), platformtest.Payload("raw", text), "k"); err != nil {
		t.Fatal(err)
	}
	post := s.fake.Posts()[0]
	if post.Text != text || post.Fields["truncated"] != false {
		t.Errorf("LinkedIn shows %q (truncated %v), want %q whole", post.Text, post.Fields["truncated"], text)
	}
}

func TestPrepareGolden(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	cases := []struct {
		name    string
		payload *platforms.Payload
	}{
		{"one part rendered", &platforms.Payload{Parts: []platforms.Part{rendered("Hello (world) #golang")}}},
		{"thread joined", &platforms.Payload{Parts: []platforms.Part{rendered("1/3 first"), rendered("2/3 [second]"), rendered("3/3 third_part")}}},
		{"raw text guarded", &platforms.Payload{Parts: []platforms.Part{{Text: `unescaped (raw) a_b {c} <d> \(kept\)`}}}},
		{"first comment escaped", &platforms.Payload{Parts: []platforms.Part{rendered("Post")},
			Options: map[string]any{"first_comment": "Read more (here): https://example.com/a_b #tag"}}},
	}
	var b strings.Builder
	for _, c := range cases {
		out, err := platforms.Prepare(s.li, c.payload)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fmt.Fprintf(&b, "== %s\n", c.name)
		for i, part := range out.Parts {
			fmt.Fprintf(&b, "-- part %d (%d UTF-16 units)\n%s\n", i+1, render.CountLinkedIn(part.Text), part.Text)
		}
		if c, ok := out.Option("first_comment"); ok {
			fmt.Fprintf(&b, "-- first_comment\n%s\n", c)
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
		t.Fatalf("%v (run with UPDATE=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("prepare output (-golden +got):\n%s", diff)
	}
}

func TestPrepareRefusesWhatLinkedInWouldCut(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	tests := []struct {
		name  string
		parts []string
		ok    bool
	}{
		{"exactly 3000", []string{strings.Repeat("a", 3000)}, true},
		{"3001", []string{strings.Repeat("a", 3001)}, false},
		{"escaping counts", []string{strings.Repeat("(", 1500)}, true},
		{"escaping pushes over", []string{strings.Repeat("(", 1501)}, false},
		{"emoji count two units", []string{strings.Repeat("🎉", 1500)}, true},
		{"joined parts over", []string{strings.Repeat("a", 1500), strings.Repeat("b", 1499)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformtest.Payload("long", tt.parts...)
			_, err := platforms.Prepare(s.li, p)
			if (err == nil) != tt.ok {
				t.Errorf("prepare = %v, want ok %v", err, tt.ok)
			}
			// Publish checks the same, before anything is sent.
			_, err = s.li.Publish(t.Context(), platformtest.Payload("long", tt.parts...), "k")
			if (err == nil) != tt.ok {
				t.Errorf("publish = %v, want ok %v", err, tt.ok)
			}
			if err != nil && platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Errorf("outcome %s, want not_created", platforms.OutcomeOf(err))
			}
		})
	}
}

func TestFirstCommentFailureStillPublishes(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{FailComments: true})
	p := platformtest.Payload("c", "Post with a comment")
	p.Options = map[string]any{"first_comment": "First!"}
	r, err := s.li.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatalf("publish = %v; a failed first comment must not fail a published post", err)
	}
	if len(s.fake.Posts()) != 1 || len(r.IDs) != 1 || r.IDs[0] != s.fake.Posts()[0].ID {
		t.Fatalf("receipt %+v, posts %+v: want the one post", r, s.fake.Posts())
	}
	if r.Extra["first_comment"] != "failed" {
		t.Errorf("Extra = %v, want first_comment=failed", r.Extra)
	}
	if !strings.Contains(s.logs.String(), "level=WARN") || !strings.Contains(s.logs.String(), "first comment failed") {
		t.Errorf("no warning logged:\n%s", s.logs)
	}
}

func TestUpdateThatLinkedInIgnoresIsAnError(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{IgnoreUpdates: true})
	r, err := s.li.Publish(t.Context(), platformtest.Payload("u", "Before"), "k")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.li.Update(t.Context(), r, platformtest.Payload("u", "After"))
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "not-updated" || platforms.IsRetryable(err) {
		t.Errorf("update = %v, want a not retryable not-updated error", err)
	}
}

func TestUpdateOfDeletedPost(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	r, err := s.li.Publish(t.Context(), platformtest.Payload("u", "Before"), "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.RemoveRemotely(r.IDs[0])
	if _, err := s.li.Update(t.Context(), r, platformtest.Payload("u", "After")); !errors.Is(err, platforms.ErrDeletedRemotely) {
		t.Errorf("update of a removed post = %v, want ErrDeletedRemotely", err)
	}
}

func TestMetrics(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name   string
		author string
		want   *platforms.Metrics
	}{
		{"organization", "urn:li:organization:2414183", &platforms.Metrics{Likes: n(7), Replies: n(2), Reposts: n(1), Impressions: n(120), Clicks: n(11)}},
		{"member", "urn:li:person:8675309", &platforms.Metrics{Likes: n(7), Replies: n(2), Reposts: n(1), Impressions: n(120)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, linkedin.FakeOptions{Author: tt.author})
			r, err := s.li.Publish(t.Context(), platformtest.Payload("m", "Counted"), "k")
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.li.Metrics(t.Context(), r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, m); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
		})
	}
}
