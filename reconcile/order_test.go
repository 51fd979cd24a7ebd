package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// orderWorld is a world whose post "a" goes to mastodon (the blog, here)
// first and to x and bluesky after it, x's text holding the blog's URL.
func orderWorld(t *testing.T, blogFaults ...fault) (*world, *fakePlatform, map[string]map[string]string) {
	w := newWorld(t, nil)
	blog := &fakePlatform{name: "mastodon", faults: blogFaults}
	w.providers["mastodon"] = []platforms.Publisher{finding{blog}}
	w.providers["x"] = []platforms.Publisher{&fakePlatform{name: "x"}}
	w.providers["bluesky"] = []platforms.Publisher{&fakePlatform{name: "bluesky"}}
	w.addPost("a", "hello", "mastodon", "x", "bluesky")
	for i, tg := range w.posts[0].Targets {
		switch tg.Name {
		case "x":
			w.posts[0].Targets[i].After = []string{"mastodon"}
			w.posts[0].Targets[i].URLs = []string{"mastodon"}
		case "bluesky":
			w.posts[0].Targets[i].After = []string{"mastodon"}
		}
	}
	seen := map[string]map[string]string{}
	return w, blog, seen
}

func (w *world) applyRecordingURLs(seen map[string]map[string]string) (*Result, error) {
	ap := w.applier()
	ap.Payload = func(ctx context.Context, a Action, urls map[string]string) (*platforms.Payload, error) {
		seen[a.Target] = urls
		p := payload(a, w.texts[a.Post], nil)
		for _, t := range w.posts[0].Targets {
			if t.Name == a.Target {
				p.Hash = FilledHash(p.Hash, t.URLs, urls)
			}
		}
		return p, nil
	}
	ctx := context.Background()
	return ap.Apply(ctx, w.plan(ctx))
}

func TestApplyOrder(t *testing.T) {
	w, _, seen := orderWorld(t)
	p := w.plan(context.Background())
	var reasons []string
	for _, a := range p.Actions {
		reasons = append(reasons, a.Target+": "+string(a.Kind)+": "+a.Reason+" after="+strings.Join(a.After, ","))
	}
	want := []string{
		"bluesky: create: no publish_at: due once merged; waits for mastodon after=mastodon",
		"mastodon: create: no publish_at: due once merged after=",
		"x: create: no publish_at: due once merged; waits for mastodon after=mastodon",
	}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	res, err := w.applyRecordingURLs(seen)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/bluesky:published", "a/mastodon:published", "a/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	blogURL := w.status("a", "mastodon").URLs[0]
	if seen["x"]["mastodon"] != blogURL || len(seen["mastodon"]) != 0 {
		t.Errorf("URLs given to the payloads: %v; want x to get the blog's %s, the blog none", seen, blogURL)
	}
	// What x published holds the blog's URL: the next plan finds it
	// unchanged.
	p = w.plan(context.Background())
	if p.Changes() != 0 {
		t.Errorf("second plan: %+v", p.Actions)
	}
}

// TestApplyOrderDependencyFailed: the blog fails; its dependents are
// deferred with the reason and never sent, no intent recorded; the next
// plan holds them, saying why.
func TestApplyOrderDependencyFailed(t *testing.T) {
	for name, ft := range map[string]fault{"refused": faultAuth, "unknown": faultAcceptThenTimeout} {
		t.Run(name, func(t *testing.T) {
			w, _, seen := orderWorld(t, ft)
			res, err := w.applyRecordingURLs(seen)
			if err != nil {
				t.Fatal(err)
			}
			blogOutcome := "failed"
			if ft == faultAcceptThenTimeout {
				blogOutcome = "unknown"
			}
			if diff := cmp.Diff([]string{"a/bluesky:deferred", "a/mastodon:" + blogOutcome, "a/x:deferred"}, outcomes(res)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			for _, it := range res.Items {
				if it.Target != "mastodon" && !strings.Contains(it.Detail, "waits for mastodon, which is not published ("+blogOutcome) {
					t.Errorf("%s: detail %q", it.Target, it.Detail)
				}
			}
			for _, name := range []string{"x", "bluesky"} {
				if n := w.providers[name][0].(*fakePlatform).calls; n != 0 {
					t.Errorf("%s got %d posts", name, n)
				}
				if ts := w.status("a", name); ts.Status != "" {
					t.Errorf("%s has state %+v; want none: nothing was attempted", name, ts)
				}
			}
			// Next run: a refused blog is held, and so are the others;
			// an unknown one is looked up first, and the others wait
			// for that in the same run.
			p := w.plan(context.Background())
			for _, a := range p.Actions {
				switch {
				case a.Target == "mastodon":
				case ft == faultAuth && (a.Kind != Held || !strings.Contains(a.Reason, "waits for mastodon, which is not published (held:")):
					t.Errorf("next plan for %s: %s %q", a.Target, a.Kind, a.Reason)
				case ft != faultAuth && (a.Kind != Create || !cmp.Equal(a.After, []string{"mastodon"})):
					t.Errorf("next plan for %s: %s %q after %v", a.Target, a.Kind, a.Reason, a.After)
				}
			}
			if ft == faultAuth {
				return
			}
			// The look-up finds the blog's post, and the others follow
			// in the same run, with its URL.
			res, err = w.applyRecordingURLs(seen)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"a/bluesky:published", "a/mastodon:published", "a/x:published"}, outcomes(res)); diff != "" {
				t.Fatalf("second run (-want +got):\n%s", diff)
			}
			if got, want := seen["x"]["mastodon"], w.status("a", "mastodon").URLs[0]; got != want {
				t.Errorf("x got the blog's URL %q, want %q", got, want)
			}
		})
	}
}

// TestPlanFilledHash: a target holding another's URL is unchanged while
// that URL is; a new URL for the blog makes it an update.
func TestPlanFilledHash(t *testing.T) {
	s := post("a", nil, "mastodon", "x")
	s.Targets[1].After, s.Targets[1].URLs = []string{"mastodon"}, []string{"mastodon"}
	blog := published("a", "mastodon")
	xs := published("a", "x")
	xs.Hash = FilledHash(s.Targets[1].Hash, []string{"mastodon"}, map[string]string{"mastodon": blog.URLs[0]})
	plan := func(url string) Kind {
		b := blog
		b.URLs = []string{url}
		p := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{s}, Config: testConfig(), Caps: caps,
			Records: []*state.Record{record("a", map[string]state.TargetState{"mastodon": b, "x": xs})}})
		for _, a := range p.Actions {
			if a.Target == "x" {
				return a.Kind
			}
		}
		return ""
	}
	if k := plan(blog.URLs[0]); k != NoOp {
		t.Errorf("same URL: %s, want no-op", k)
	}
	if k := plan("https://elsewhere.example/a"); k != Drift {
		t.Errorf("new URL: %s, want drift (x cannot edit here)", k)
	}
}

// TestPreparePlaceholders: {{url "blog"}} is measured as a URL on the
// blog's host until the blog is published (23 on X, the shortened link
// text on Bluesky), then filled with the published URL; a blog copy
// after the blog gets its URL as canonical_url; the hash of what was
// published is the stand-in hash with the URL.
func TestPreparePlaceholders(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"herald.yaml": "accounts:\n  blog: {platform: ghost, base_url: https://blog.example.com}\n  devto: {}\n  x: {}\n  bluesky: {}\n",
		"posts/a.md": "---\ntitle: A\nto: [blog, devto, x, bluesky]\nprimary: blog\n" +
			"x: {text: 'Read: {{url \"blog\"}}'}\nbluesky: {text: 'Read: {{url \"blog\"}}'}\n---\nThe article.\n",
	}
	repo, v := writeRepo(t, dir, files)
	p := repo.Prepare(v, "posts/a.md")
	if !p.Valid() {
		t.Fatal(p.Errors)
	}
	lengths := map[string]int{}
	for _, o := range p.Outputs {
		lengths[o.Target] = o.Parts[0].Length
	}
	if lengths["x"] != len("Read: ")+23 {
		t.Errorf("x counts %d, want the text and 23 for the URL", lengths["x"])
	}
	if want := len("Read: blog.example.com/url-of-blog-..."); lengths["bluesky"] != want {
		t.Errorf("bluesky counts %d, want %d (host and the shortened path)", lengths["bluesky"], want)
	}
	var xHash string
	var xRefs []string
	for _, ts := range p.Summary.Targets {
		if ts.Name == "x" {
			xHash, xRefs = ts.Hash, ts.URLs
		}
		if ts.Name == "devto" && !cmp.Equal(ts.URLs, []string{"blog"}) {
			t.Errorf("devto's URL refs %v, want the blog's (canonical_url)", ts.URLs)
		}
	}
	if _, err := repo.Payload(p, "x"); err == nil {
		t.Error("a payload with a stand-in URL was made")
	}
	const url = "https://blog.example.com/2026/12/a-rather-long-article-slug/"
	urls := map[string]string{"blog": url}
	filled := repo.PrepareWith(v, "posts/a.md", urls)
	x, err := repo.Payload(filled, "x")
	if err != nil {
		t.Fatal(err)
	}
	if x.Parts[0].Text != "Read: "+url || x.Hash != FilledHash(xHash, xRefs, urls) {
		t.Errorf("x payload %q, hash %s", x.Parts[0].Text, x.Hash)
	}
	devto, err := repo.Payload(filled, "devto")
	if err != nil {
		t.Fatal(err)
	}
	if devto.CanonicalURL != url {
		t.Errorf("devto canonical %q, want %q", devto.CanonicalURL, url)
	}
	blog, err := repo.Payload(filled, "blog")
	if err != nil {
		t.Fatal(err)
	}
	if blog.CanonicalURL != "" {
		t.Errorf("the primary's canonical %q, want none", blog.CanonicalURL)
	}
}

// writeRepo writes files into dir and opens it as a repository, with a
// validator for it.
func writeRepo(t *testing.T, dir string, files map[string]string) (*Repo, *schema.Validator) {
	t.Helper()
	for name, data := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		t.Fatal(err)
	}
	return repo, v
}

// TestCanonicalFeed: a second feed that mirrors the site's gets the
// site's entry URL as its canonical URL, from primary or from after:,
// and a blog copy that sets canonical_url keeps its own; a social
// target gets none.
func TestCanonicalFeed(t *testing.T) {
	const cfg = "accounts:\n  site: {platform: feed, atom: public/site.atom, site_url: https://sluice.example.com}\n" +
		"  mirror: {platform: feed, atom: public/mirror.atom}\n  own: {platform: devto}\n  x: {}\n"
	repo, v := writeRepo(t, t.TempDir(), map[string]string{
		"herald.yaml": cfg,
		"posts/a.md":  "---\ntitle: A\nto: [site, mirror, own, x]\nprimary: site\nown: {canonical_url: https://elsewhere.example/a}\n---\nBody.\n",
		"posts/b.md":  "---\ntitle: B\nto: [site, mirror]\nmirror: {after: site}\n---\nBody.\n",
	})
	const url = "https://sluice.example.com/a"
	for _, tt := range []struct{ file, target, want string }{
		{"posts/a.md", "mirror", url},
		{"posts/a.md", "own", "https://elsewhere.example/a"},
		{"posts/a.md", "x", ""},
		{"posts/a.md", "site", ""},
		{"posts/b.md", "mirror", url},
	} {
		p := repo.PrepareWith(v, tt.file, map[string]string{"site": url})
		if !p.Valid() {
			t.Fatal(p.Errors)
		}
		pl, err := repo.Payload(p, tt.target)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.file, tt.target, err)
		}
		if pl.CanonicalURL != tt.want {
			t.Errorf("%s %s: canonical %q, want %q", tt.file, tt.target, pl.CanonicalURL, tt.want)
		}
	}
}

// TestApplyOrderCrash stops a run at each protocol step of the second
// wave (after the blog's results were committed); the next run finishes
// with every target published exactly once, the announcement holding the
// blog's URL.
func TestApplyOrderCrash(t *testing.T) {
	for _, step := range []Step{StepAfterIntentCommit, StepAfterCall, StepBeforeResultCommit} {
		t.Run(string(step), func(t *testing.T) {
			w, blog, seen := orderWorld(t)
			x := w.providers["x"][0].(*fakePlatform)
			w.providers["x"] = []platforms.Publisher{finding{x}}
			bsky := w.providers["bluesky"][0].(*fakePlatform)
			w.providers["bluesky"] = []platforms.Publisher{finding{bsky}}
			commits := 0
			w.hook = func(s Step, a *Action) error {
				if s == StepAfterIntentCommit {
					commits++
				}
				if s == step && commits == 2 {
					return errors.New("killed")
				}
				return nil
			}
			if _, err := w.applyRecordingURLs(seen); err == nil {
				t.Fatal("the killed run returned no error")
			}
			w.hook = nil
			if _, err := w.applyRecordingURLs(seen); err != nil {
				t.Fatal(err)
			}
			for name, f := range map[string]*fakePlatform{"mastodon": blog, "x": x, "bluesky": bsky} {
				if n := len(f.texts()); n != 1 {
					t.Errorf("%s holds %d posts, want 1", name, n)
				}
				if ts := w.status("a", name); ts.Status != state.StatusPublished {
					t.Errorf("%s: %s", name, ts.Status)
				}
			}
			if got, want := seen["x"]["mastodon"], w.status("a", "mastodon").URLs[0]; got != want {
				t.Errorf("x got the blog's URL %q, want %q", got, want)
			}
			if p := w.plan(context.Background()); p.Changes() != 0 {
				t.Errorf("a third run would act: %+v", p.Actions)
			}
		})
	}
}
