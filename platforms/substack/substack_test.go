package substack_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/substack"
)

var clock = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func now() time.Time { return clock }

func media(p string, data []byte, alt string) platforms.Media {
	return platforms.Media{Path: p, Alt: alt, Type: "image/png", Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func launch() *platforms.Payload {
	return &platforms.Payload{PostID: "blog/launch", Target: "newsletter", Platform: "substack", Title: "Sluice 2 <is> out",
		HTML:  "<p>Sluice 2 ships <strong>retries</strong>.</p>\n",
		Parts: []platforms.Part{{Text: "Sluice 2 ships retries."}}, Hash: "sha256-launch",
		Media:   []platforms.Media{media("posts/img/hero.png", []byte("hero"), `The "new" dashboard`), media("posts/other/hero.png", []byte("hero 2"), "A chart")},
		Options: map[string]any{"subtitle": "Retries & replay"}}
}

// TestDraftGolden pins the page a person pastes from.
func TestDraftGolden(t *testing.T) {
	sub, b := newBackend(t, now, map[string]any{"publication_url": "https://sluice.substack.com"})
	p, err := platforms.Prepare(sub, launch())
	if err != nil {
		t.Fatal(err)
	}
	r, err := sub.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(b.dir, "drafts/substack/blog/launch/draft.html"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "draft.html", page)

	want := "open drafts/substack/blog/launch/draft.html in a browser, copy its title, subtitle and body into a new Substack post (https://sluice.substack.com/publish/post), upload the images beside it (hero.png, 2-hero.png), and publish it"
	if r.Manual != want {
		t.Errorf("Manual = %q\nwant     %q", r.Manual, want)
	}
	if r.IDs[0] != "drafts/substack/blog/launch" || r.Extra["draft"] != "drafts/substack/blog/launch/draft.html" || r.Provider != "substack" {
		t.Errorf("receipt %+v", r)
	}
	for name, data := range map[string]string{"hero.png": "hero", "2-hero.png": "hero 2"} {
		got, err := os.ReadFile(filepath.Join(b.dir, "drafts/substack/blog/launch", name))
		if err != nil || string(got) != data {
			t.Errorf("image %s: %q, %v", name, got, err)
		}
	}
	staged := slices.Sorted(func(yield func(string) bool) {
		for k := range b.staged {
			if !yield(k) {
				return
			}
		}
	})
	if diff := strings.Join(staged, " "); diff != "drafts/substack/blog/launch/2-hero.png drafts/substack/blog/launch/draft.html drafts/substack/blog/launch/hero.png" {
		t.Errorf("staged %s", diff)
	}
	if m, _ := filepath.Glob(filepath.Join(b.dir, "drafts/substack/blog/launch/*.herald-tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// Find recognises the draft of this version of the post, and stages it
// again for the commit; a draft of another version is not the attempt.
func TestFindReadsTheDraftBack(t *testing.T) {
	sub, b := newBackend(t, now, map[string]any{"drafts": "newsletter/"})
	p, _ := platforms.Prepare(sub, launch())
	if _, err := sub.Find(t.Context(), p, platforms.Attempt{}); !errors.Is(err, platforms.ErrNotFound) {
		t.Fatalf("find before any draft = %v", err)
	}
	if _, err := sub.Publish(t.Context(), p, "k1"); err != nil {
		t.Fatal(err)
	}
	clear(b.staged)
	r, err := sub.Find(t.Context(), p, platforms.Attempt{})
	if err != nil || r.IDs[0] != "newsletter/blog/launch" || !strings.Contains(r.Manual, "(hero.png, 2-hero.png)") {
		t.Fatalf("find = %+v, %v", r, err)
	}
	if len(b.staged) != 3 {
		t.Errorf("find staged %d files, want the page and its 2 images", len(b.staged))
	}
	edited := launch()
	edited.Hash = "sha256-edited"
	edited, _ = platforms.Prepare(sub, edited)
	if _, err := sub.Find(t.Context(), edited, platforms.Attempt{}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of an edited post over the old draft = %v, want ErrNotFound", err)
	}
}

func TestSettingsAndRoot(t *testing.T) {
	for _, c := range []struct {
		values map[string]any
		want   string
	}{
		{map[string]any{"drafts": "../out"}, "leaves the repository"},
		{map[string]any{"drafts": "/tmp/out"}, "leaves the repository"},
		{map[string]any{"drafts": ".herald/drafts"}, "where git or herald keeps"},
		{map[string]any{"drafts": ""}, "want a folder"},
		{map[string]any{"publication_url": "sluice.substack.com"}, "publication_url"},
	} {
		_, err := substack.NewWith(platforms.Settings{Account: "n", Values: c.values, Now: now}, substack.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewWith(%v) = %v, want %q", c.values, err, c.want)
		}
	}
	pub, err := substack.New(platforms.Settings{Account: "n", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := platforms.Prepare(pub, launch())
	if _, err := pub.Publish(t.Context(), p, "k"); !errors.Is(err, substack.ErrNoRoot) || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("publish without a root = %v", err)
	}
}
