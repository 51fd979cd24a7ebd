package corpus

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/heraldhq/herald/reconcile"
)

// TestGenerateLongForm checks the long-form corpus: thread: auto on every
// post, bodies of 100 to 400 words (a sentence more at most) in 2 to 6
// paragraphs plus a list, 1 to 4 accounts, and about the asked shares of
// images and per-account texts.
func TestGenerateLongForm(t *testing.T) {
	opts := LongForm(400)
	_, files := generate(t, opts)
	var posts, media, overrides, links, lists int
	for name, text := range files {
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		posts++
		front, body := splitPost(t, name, text)
		var fm struct {
			To     []string         `yaml:"to"`
			Thread string           `yaml:"thread"`
			Media  []map[string]any `yaml:"media"`
			Rest   map[string]any   `yaml:",inline"`
		}
		if err := yaml.Unmarshal([]byte(front), &fm); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fm.Thread != "auto" {
			t.Errorf("%s: thread %q, want auto", name, fm.Thread)
		}
		if n := len(fm.To); n < 1 || n > 4 {
			t.Errorf("%s: %d accounts, want 1 to 4", name, n)
		}
		if len(fm.Media) > 0 {
			media++
			if fm.Media[0]["alt"] == "" {
				t.Errorf("%s: an image without alt text", name)
			}
		}
		for _, a := range Accounts {
			ov, ok := fm.Rest[a].(map[string]any)
			if !ok {
				continue
			}
			overrides++
			if s, _ := ov["text"].(string); countWords(s) < 40 {
				t.Errorf("%s: %s's text has %d words, want at least 40", name, a, countWords(s))
			}
		}
		if strings.Contains(body, "ThreadBreak") || strings.Contains(body, "\n---\n") {
			t.Errorf("%s: a written thread break in a long-form body", name)
		}
		if w := countWords(body); w < 100 || w > 430 {
			t.Errorf("%s: %d words, want 100 to 400 (and less than a sentence more)", name, w)
		}
		if strings.Contains(body, "https://") {
			links++
		}
		if strings.Contains(body, "\n- ") {
			lists++
		}
		if paras := strings.Count(strings.TrimSpace(body), "\n\n") + 1; paras < 2 || paras > 8 {
			t.Errorf("%s: %d blocks, want 2 to 6 paragraphs and perhaps a list", name, paras)
		}
	}
	if posts != opts.N {
		t.Fatalf("%d posts, want %d", posts, opts.N)
	}
	within := func(what string, got int, share float64) {
		if want := share * float64(posts); float64(got) < want*0.75 || float64(got) > want*1.25 {
			t.Errorf("%d posts with %s among %d, want about %.0f", got, what, posts, want)
		}
	}
	within("an image", media, 0.30)
	within("an account's own text", overrides, 0.35)
	if links == 0 || lists == 0 {
		t.Errorf("%d posts with links, %d with lists: want some of each", links, lists)
	}
}

// TestLongFormValidates checks that herald finds nothing to report in the
// long-form corpus, and that it splits its texts into threads: what the
// long-form benchmarks measure.
func TestLongFormValidates(t *testing.T) {
	dir, _ := generate(t, LongForm(150))
	repo, err := reconcile.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	rep, err := repo.Check(t.Context(), reconcile.CheckOptions{Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid() {
		t.Fatalf("the long-form corpus is not valid: %v", rep.Errors)
	}
	threads := map[string]int{}
	for _, p := range rep.Prepared {
		for _, o := range p.Outputs {
			if len(o.Parts) > 1 {
				threads[o.Platform]++
			}
		}
	}
	for _, platform := range []string{"x", "bluesky", "mastodon", "threads"} {
		if threads[platform] == 0 {
			t.Errorf("no text was split into a thread for %s: %v", platform, threads)
		}
	}
}
