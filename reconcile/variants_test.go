package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/schema"
)

// variantsPost goes to x and mastodon: mastodon gets the question
// variant instead of the post, and x gets the post again in the evening
// in the evening (a time test, with a text of its own: X refuses a text
// it already has), under x~evening.
const variantsPost = `---
title: Launch
to: [x, mastodon]
variants:
  - name: question
    text: Have you tried v2?
    to: [mastodon]
  - name: evening
    text: Tonight, v2 is out.
    publish_at: 2026-11-21T23:00:00Z
    to: x
---
v2 is out.
`

// TestApplyVariants: each instance of a post with variants is planned
// as its own action naming its variant, published once through the
// intent protocol with what its variant sends, recorded with the
// variant; a variant at its own time waits for it; a run after that
// publishes nothing.
func TestApplyVariants(t *testing.T) {
	repo, v := writeRepo(t, t.TempDir(), map[string]string{
		"herald.yaml": "accounts:\n  x: {}\n  mastodon: {}\n",
		"posts/a.md":  variantsPost,
	})
	prep := repo.Prepare(v, "posts/a.md")
	if !prep.Valid() {
		t.Fatal(prep.Errors)
	}
	w := newWorld(t, nil)
	w.posts = []schema.Summary{*prep.Summary}
	x, masto := &fakePlatform{name: "x"}, &fakePlatform{name: "mastodon"}
	w.providers["x"] = []platforms.Publisher{x}
	w.providers["mastodon"] = []platforms.Publisher{masto}
	ap := w.applier()
	ap.Payload = func(ctx context.Context, a Action, urls map[string]string) (*platforms.Payload, error) {
		return repo.Payload(repo.PrepareWith(v, a.File, urls), a.Target)
	}
	run := func() *Result {
		t.Helper()
		ctx := context.Background()
		p := w.plan(ctx)
		res, err := ap.Apply(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	lines := func(p *Plan) []string {
		var out []string
		for _, a := range p.Actions {
			out = append(out, a.Target+" "+string(a.Kind)+" variant="+a.Variant)
		}
		return out
	}

	want := []string{"mastodon create variant=question", "x create variant=base", "x~evening scheduled variant=evening"}
	if diff := cmp.Diff(want, lines(w.plan(context.Background()))); diff != "" {
		t.Fatalf("first plan (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a/mastodon:published", "a/x:published"}, outcomes(run())); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	if got := texts(masto); !cmp.Equal(got, []string{"Have you tried v2?"}) {
		t.Errorf("mastodon received %q", got)
	}
	if got := texts(x); !cmp.Equal(got, []string{"v2 is out."}) {
		t.Errorf("x received %q", got)
	}
	if ts := w.status("a", "mastodon"); ts.Variant != "question" {
		t.Errorf("mastodon's state records variant %q", ts.Variant)
	}
	if ts := w.status("a", "x"); ts.Variant != schema.BaseVariant {
		t.Errorf("x's state records variant %q", ts.Variant)
	}

	// The evening comes: x~evening goes to x, once.
	w.clock.t = time.Date(2026, 11, 21, 23, 5, 0, 0, time.UTC)
	if diff := cmp.Diff([]string{"a/x~evening:published"}, outcomes(run())); diff != "" {
		t.Fatalf("evening run (-want +got):\n%s", diff)
	}
	if got := texts(x); !cmp.Equal(got, []string{"v2 is out.", "Tonight, v2 is out."}) {
		t.Errorf("x received %q", got)
	}
	ts := w.status("a", "x~evening")
	if ts.Variant != "evening" || ts.Status != "published" {
		t.Errorf("x~evening state %+v", ts)
	}
	if res := run(); len(res.Items) != 0 || x.calls != 2 || masto.calls != 1 {
		t.Errorf("a run after everything was published: %v; calls x %d, mastodon %d", outcomes(res), x.calls, masto.calls)
	}
	p := w.plan(context.Background())
	if p.Changes() != 0 {
		t.Errorf("plan after all: %v", lines(p))
	}
}

// TestPrepareVariantLimits: a variant's text is held to the limits of
// each account it goes to, and the finding points at the variant's text
// and names it; the post as written is not blamed.
func TestPrepareVariantLimits(t *testing.T) {
	long := strings.Repeat("word ", 60) // 300 characters
	repo, v := writeRepo(t, t.TempDir(), map[string]string{
		"herald.yaml": "accounts:\n  x: {}\n  mastodon: {}\n",
		"posts/a.md": "---\nto: [x, mastodon]\nvariants:\n  - name: long\n    publish_at: 2026-11-22T09:00:00Z\n    text: |\n      " +
			long + "\n---\nShort.\n",
	})
	p := repo.Prepare(v, "posts/a.md")
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Error())
	}
	want := []string{"posts/a.md:7:1: x: variant long: 299 of 280 characters (URLs count as 23; CJK and emoji count as 2)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestPrepareVariantDuplicate: a variant that would send an X account
// the text the post already sends it is an error at the variant, since
// X refuses it; on Mastodon it is not.
func TestPrepareVariantDuplicate(t *testing.T) {
	repo, v := writeRepo(t, t.TempDir(), map[string]string{
		"herald.yaml": "accounts:\n  x: {}\n  mastodon: {}\n",
		"posts/a.md":  "---\nto: [x, mastodon]\nvariants:\n  - name: later\n    publish_at: 2026-11-22T09:00:00Z\n---\nSame.\n",
	})
	p := repo.Prepare(v, "posts/a.md")
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Error())
	}
	want := []string{"posts/a.md:4:5: variants.0: variant later would send x the text x already sends it, and X refuses a post it already has: give the variant a text of its own"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestPrepareVariantTitle: a variant that changes only the title, given
// to an account that shows none, is an error at its title; on a blog it
// is the headline test it means to be.
func TestPrepareVariantTitle(t *testing.T) {
	repo, v := writeRepo(t, t.TempDir(), map[string]string{
		"herald.yaml": "accounts:\n  x: {}\n  devto: {}\n  devto2: {platform: devto}\n",
		"posts/a.md":  "---\ntitle: A\nto: [x, devto, devto2]\nvariants:\n  - name: b\n    title: B\n    to: [x, devto2]\n---\nBody.\n",
	})
	p := repo.Prepare(v, "posts/a.md")
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Error())
	}
	want := []string{"posts/a.md:6:5: variants.0.title: X shows no title, so variant b would send x what the post sends: give the variant a text (its first line is the headline there), or leave x out of its to:"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if o := p.Output("devto2"); o == nil || o.Title != "B" {
		t.Errorf("devto2 renders %+v, want the title B", o)
	}
	if o := p.Output("devto"); o == nil || o.Title != "A" {
		t.Errorf("devto renders %+v, want the title A", o)
	}
}

func texts(f *fakePlatform) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.posts {
		out = append(out, p.text)
	}
	return out
}

// TestApplyVariantsCrash stops the run that publishes a variant at its
// own time at each step of the protocol, then runs again until nothing
// is left: the variant exists once on its account, beside the post.
func TestApplyVariantsCrash(t *testing.T) {
	for _, step := range []Step{StepAfterIntentCommit, StepAfterCall, StepBeforeResultCommit} {
		t.Run(string(step), func(t *testing.T) {
			repo, v := writeRepo(t, t.TempDir(), map[string]string{
				"herald.yaml": "accounts:\n  x: {}\n  mastodon: {}\n",
				"posts/a.md":  variantsPost,
			})
			prep := repo.Prepare(v, "posts/a.md")
			if !prep.Valid() {
				t.Fatal(prep.Errors)
			}
			w := newWorld(t, nil)
			w.posts = []schema.Summary{*prep.Summary}
			x := &fakePlatform{name: "x", now: w.clock.Now}
			w.providers["x"] = []platforms.Publisher{finding{x}}
			w.providers["mastodon"] = []platforms.Publisher{finding{&fakePlatform{name: "mastodon", now: w.clock.Now}}}
			apply := func(hook func(Step, *Action) error) (*Result, error) {
				ap := w.applier()
				ap.Hook = hook
				ap.Payload = func(ctx context.Context, a Action, urls map[string]string) (*platforms.Payload, error) {
					return repo.Payload(repo.PrepareWith(v, a.File, urls), a.Target)
				}
				ctx := context.Background()
				return ap.Apply(ctx, w.plan(ctx))
			}
			if _, err := apply(nil); err != nil {
				t.Fatal(err)
			}
			w.clock.t = time.Date(2026, 11, 21, 23, 5, 0, 0, time.UTC)
			crashed := false
			if _, err := apply(func(s Step, a *Action) error {
				if s == step && (a == nil || a.Target == "x~evening") {
					crashed = true
					return errCrash
				}
				return nil
			}); err == nil || !crashed {
				t.Fatalf("the run did not stop at %s: %v", step, err)
			}
			for i := 0; i < 3; i++ {
				w.clock.t = w.clock.t.Add(time.Minute)
				if _, err := apply(nil); err != nil {
					t.Fatal(err)
				}
			}
			if got := texts(x); !cmp.Equal(got, []string{"v2 is out.", "Tonight, v2 is out."}) {
				t.Errorf("x holds %q", got)
			}
			if ts := w.status("a", "x~evening"); ts.Status != "published" || ts.Variant != "evening" {
				t.Errorf("x~evening: %+v", ts)
			}
			if p := w.plan(context.Background()); p.Changes() != 0 {
				t.Errorf("a plan after settling acts: %+v", p.Actions)
			}
		})
	}
}
