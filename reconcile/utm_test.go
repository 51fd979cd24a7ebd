package reconcile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

const utmAccounts = `accounts:
  mastodon: {token_env: MASTODON_TOKEN}
  x: {token_env: X_TOKEN}
  bluesky: {token_env: BLUESKY_TOKEN}
  facebook: {token_env: FACEBOOK_TOKEN}
  threads:
    token_env: THREADS_TOKEN
    max_length: 80
`

const utmSetting = `utm:
  domains: [sluice.example.com, "*.sluice.example.com"]
`

// utmRepo writes a repository with the configuration cfg and the posts.
func utmRepo(t *testing.T, cfg string, posts map[string]string) *Repo {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"herald.yaml": cfg}
	for name, src := range posts {
		files[name] = src
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	return repo
}

func prepareAll(t *testing.T, repo *Repo, files ...string) []*Prepared {
	t.Helper()
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Prepared
	for _, f := range files {
		p := repo.Prepare(v, f)
		if !p.Valid() {
			t.Fatalf("%s: %v", f, p.Errors)
		}
		out = append(out, p)
	}
	return out
}

const launchPost = `---
to: [mastodon, x, bluesky, facebook]
campaign: q4-launch
facebook: {link: "https://sluice.example.com/v2"}
---
Sluice v2 is out: https://sluice.example.com/v2 (source: https://github.com/heraldhq/sluice)
`

// TestUTMNoEditsForPublishedPosts: adding utm to the configuration
// changes what new posts send, and nothing of what was published: the
// plan shows no edit, and a new post gets the parameters.
func TestUTMNoEditsForPublishedPosts(t *testing.T) {
	posts := map[string]string{"posts/launch.md": launchPost}
	before := prepareAll(t, utmRepo(t, utmAccounts, posts), "posts/launch.md")[0]

	// launch was published before utm was configured.
	rec := &state.Record{Post: "launch", File: "posts/launch.md", Hash: before.Summary.Hash, Targets: map[string]state.TargetState{}}
	for _, ts := range before.Summary.Targets {
		rec.Targets[ts.Name] = state.TargetState{Status: state.StatusPublished, Hash: ts.Hash, IDs: []string{"1"}, URLs: []string{"https://" + ts.Name + ".example/1"}}
	}

	posts["posts/next.md"] = strings.Replace(launchPost, "campaign: q4-launch", "id: next\ncampaign: q1", 1)
	repo := utmRepo(t, utmAccounts+utmSetting, posts)
	after := prepareAll(t, repo, "posts/launch.md", "posts/next.md")

	for i, ts := range after[0].Summary.Targets {
		if ts.Hash != before.Summary.Targets[i].Hash {
			t.Errorf("%s: the hash plans compare changed with utm: %s, was %s", ts.Name, ts.Hash, before.Summary.Targets[i].Hash)
		}
	}
	plan := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{*after[0].Summary, *after[1].Summary},
		Records: []*state.Record{rec}, Config: repo.Config, Caps: func(string) Capabilities { return Capabilities{Update: true} }})
	for _, a := range plan.Actions {
		switch a.Post {
		case "launch":
			if a.Kind != NoOp {
				t.Errorf("published %s/%s: %s (%s), want no-op", a.Post, a.Target, a.Kind, a.Reason)
			}
		case "next":
			want := "its own links carry utm_source=" + a.Platform + "&utm_medium=social&utm_campaign=q1"
			if a.Kind != Create || !strings.HasSuffix(a.Reason, want) {
				t.Errorf("new %s/%s: %s (%s), want a create whose reason ends %q", a.Post, a.Target, a.Kind, a.Reason, want)
			}
		}
	}
	if plan.Summary[Update] != 0 || plan.Summary[Drift] != 0 || plan.Summary[Create] != 4 {
		t.Errorf("summary %v, want 4 creates and no edit", plan.Summary)
	}

	// What the new post sends carries the parameters; the link to
	// another site does not.
	for _, target := range []string{"mastodon", "x", "facebook"} {
		pl, err := repo.Payload(after[1], target)
		if err != nil {
			t.Fatal(err)
		}
		tag := "?utm_source=" + target + "&utm_medium=social&utm_campaign=q1"
		if want := "Sluice v2 is out: https://sluice.example.com/v2" + tag + " (source: https://github.com/heraldhq/sluice)"; pl.Text() != want {
			t.Errorf("%s receives %q\nwant %q", target, pl.Text(), want)
		}
		if target == "facebook" {
			if got, _ := pl.Option("link"); got != "https://sluice.example.com/v2"+tag {
				t.Errorf("facebook link = %q", got)
			}
		}
		if h := after[1].Summary.Targets; pl.Hash == "" || pl.Hash != hashFor(h, target) {
			t.Errorf("%s payload hash %q is not the summary's", target, pl.Hash)
		}
	}
	pl, err := repo.Payload(after[1], "bluesky")
	if err != nil {
		t.Fatal(err)
	}
	if f := pl.Parts[0].Facets[0]; f.Value != "https://sluice.example.com/v2?utm_source=bluesky&utm_medium=social&utm_campaign=q1" {
		t.Errorf("bluesky link facet = %+v", f)
	}
}

func hashFor(ts []schema.TargetSummary, name string) string {
	for _, t := range ts {
		if t.Name == name {
			return t.Hash
		}
	}
	return ""
}

// TestUTMEditSendsParameters: a published post that is edited after utm
// was configured is an edit, and the edit sends the tagged links.
func TestUTMEditSendsParameters(t *testing.T) {
	posts := map[string]string{"posts/launch.md": launchPost}
	before := prepareAll(t, utmRepo(t, utmAccounts, posts), "posts/launch.md")[0]
	posts["posts/launch.md"] = strings.Replace(launchPost, "is out", "is out today", 1)
	after := prepareAll(t, utmRepo(t, utmAccounts+utmSetting, posts), "posts/launch.md")[0]
	rec := &state.Record{Post: "launch", File: "posts/launch.md", Targets: map[string]state.TargetState{
		"mastodon": {Status: state.StatusPublished, Hash: hashFor(before.Summary.Targets, "mastodon")}}}
	s := *after.Summary
	s.Targets = s.Targets[:0:0]
	for _, ts := range after.Summary.Targets {
		if ts.Name == "mastodon" {
			s.Targets = append(s.Targets, ts)
		}
	}
	plan := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{s}, Records: []*state.Record{rec}, Config: &schema.Config{},
		Caps: func(string) Capabilities { return Capabilities{Update: true} }})
	if a := plan.Actions[0]; a.Kind != Update || !strings.Contains(a.Reason, "its own links carry utm_source=mastodon") {
		t.Errorf("edited post: %s (%s), want an update that says what its links carry", a.Kind, a.Reason)
	}
}

// TestUTMCountsTheTaggedLink: validation measures what is sent, so a
// text that fits without the parameters may not fit with them.
func TestUTMCountsTheTaggedLink(t *testing.T) {
	post := "---\nto: [threads, x]\ncampaign: q4-launch\n---\nSluice v2: https://sluice.example.com/v2\n"
	repo := utmRepo(t, utmAccounts, map[string]string{"posts/a.md": post})
	if p := prepareAll(t, repo, "posts/a.md")[0]; !p.Valid() {
		t.Fatalf("without utm: %v", p.Errors)
	}
	repo = utmRepo(t, utmAccounts+utmSetting, map[string]string{"posts/a.md": post})
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := repo.Prepare(v, "posts/a.md")
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Error(), "threads: 100 of 80 characters") {
		t.Fatalf("errors %v, want threads over its 80 characters", p.Errors)
	}
	if o := p.Output("x"); o.Parts[0].Length != len("Sluice v2: ")+23 {
		t.Errorf("x counts %d", o.Parts[0].Length)
	}
}

// BenchmarkTagLinks measures what tagging costs a target: nothing but
// a look-up when utm is not configured.
func BenchmarkTagLinks(b *testing.B) {
	for _, bc := range []struct{ name, cfg string }{{"unconfigured", utmAccounts}, {"configured", utmAccounts + utmSetting}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "herald.yaml"), []byte(bc.cfg), 0o644); err != nil {
				b.Fatal(err)
			}
			repo, err := OpenRepo(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer repo.Close()
			p, errs := schema.ParsePost(repo.Config, "posts/launch.md", []byte(launchPost))
			if errs.HasErrors() {
				b.Fatal(errs)
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, t := range p.To {
					tagLinks(repo.Config, p, t)
				}
			}
		})
	}
}

// TestUTMVariants: a variant's own text is tagged as the post's is, for
// the instance that sends it (a variant per account and one at its own
// time), and the hash plans compare is still the untagged one.
func TestUTMVariants(t *testing.T) {
	post := `---
to: [mastodon, x]
campaign: q4-launch
publish_at: 2026-12-01T09:00:00Z
variants:
  - name: question
    to: [mastodon]
    text: "Tired of lost webhooks? https://sluice.example.com/v2"
  - name: evening
    to: [x]
    publish_at: 2026-12-01T19:00:00Z
    text: "Tonight: Sluice v2, https://sluice.example.com/v2"
---
Sluice v2 is out: https://sluice.example.com/v2
`
	plain := prepareAll(t, utmRepo(t, utmAccounts, map[string]string{"posts/launch.md": post}), "posts/launch.md")[0]
	repo := utmRepo(t, utmAccounts+utmSetting, map[string]string{"posts/launch.md": post})
	p := prepareAll(t, repo, "posts/launch.md")[0]
	for key, want := range map[string]string{
		"mastodon":  "Tired of lost webhooks? https://sluice.example.com/v2?utm_source=mastodon&utm_medium=social&utm_campaign=q4-launch",
		"x":         "Sluice v2 is out: https://sluice.example.com/v2?utm_source=x&utm_medium=social&utm_campaign=q4-launch",
		"x~evening": "Tonight: Sluice v2, https://sluice.example.com/v2?utm_source=x&utm_medium=social&utm_campaign=q4-launch",
	} {
		pl, err := repo.Payload(p, key)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Text() != want {
			t.Errorf("%s receives %q\nwant %q", key, pl.Text(), want)
		}
		if got, was := hashFor(p.Summary.Targets, key), hashFor(plain.Summary.Targets, key); got == "" || got != was {
			t.Errorf("%s: hash %q with utm, %q without", key, got, was)
		}
	}
}

// TestUTMRepeatTexts: the texts of a recurring post are tagged as its
// body is, for the occurrences whose turn they are, and plans compare
// their untagged hashes.
func TestUTMRepeatTexts(t *testing.T) {
	post := `---
to: [mastodon]
campaign: tips
publish_at: 2026-12-01T09:00:00Z
repeat:
  every: 1w
  count: 4
  texts: ["Still tuning retries by hand? https://sluice.example.com/guide"]
---
Our retry guide: https://sluice.example.com/guide
`
	plain := prepareAll(t, utmRepo(t, utmAccounts, map[string]string{"posts/tip.md": post}), "posts/tip.md")[0]
	repo := utmRepo(t, utmAccounts+utmSetting, map[string]string{"posts/tip.md": post})
	p := prepareAll(t, repo, "posts/tip.md")[0]
	const tag = "?utm_source=mastodon&utm_medium=social&utm_campaign=tips"
	for _, tc := range []struct {
		key  string
		text int
		want string
	}{
		{"mastodon", 0, "Our retry guide: https://sluice.example.com/guide" + tag},
		{"mastodon#2", 1, "Still tuning retries by hand? https://sluice.example.com/guide" + tag},
		{"mastodon#3", 0, "Our retry guide: https://sluice.example.com/guide" + tag},
	} {
		pl, err := repo.PayloadText(p, tc.key, tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Text() != tc.want || pl.Target != tc.key {
			t.Errorf("%s (text %d) receives %q as %s\nwant %q", tc.key, tc.text, pl.Text(), pl.Target, tc.want)
		}
	}
	got, was := p.Summary.Targets[0], plain.Summary.Targets[0]
	if got.Hash != was.Hash || len(got.Texts) != 1 || got.Texts[0] != was.Texts[0] {
		t.Errorf("hashes with utm %s %v, without %s %v: want the same", got.Hash, got.Texts, was.Hash, was.Texts)
	}
}
