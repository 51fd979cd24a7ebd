package render

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/schema"
)

// utmPost parses a post with the configuration of utmYAML: links to
// sluice.example.com and its subdomains carry the UTM parameters.
const utmYAML = `accounts:
  x: {}
  bluesky: {}
  mastodon: {}
  threads: {}
  linkedin: {}
  facebook: {}
  pinterest: {}
  reddit: {}
  ghost: {}
utm:
  domains: [sluice.example.com, "*.sluice.example.com"]
`

func utmSetup(t *testing.T, src string) (*schema.Config, *schema.Post) {
	t.Helper()
	cfg, err := schema.LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte(utmYAML)}})
	if err != nil {
		t.Fatal(err)
	}
	p, errs := schema.ParsePost(cfg, "posts/launch.md", []byte(src))
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	return cfg, p
}

// tagged renders the post for a target after tagging its links.
func tagged(t *testing.T, cfg *schema.Config, p *schema.Post, platform string, lim schema.Limits) (*schema.Post, *Output) {
	t.Helper()
	tg := schema.Target{Name: platform, Platform: platform}
	q, _ := TagLinks(p, tg, cfg.Tagger(p, tg))
	o, err := Render(q, tg, lim)
	if err != nil {
		t.Fatal(err)
	}
	return q, o
}

func TestTagLinksText(t *testing.T) {
	const q = "utm_source=mastodon&utm_medium=social&utm_campaign=q4-launch"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"bare", "Out now: https://sluice.example.com/v2", "Out now: https://sluice.example.com/v2?" + q},
		{"autolink", "<https://sluice.example.com/v2?ref=a>", "https://sluice.example.com/v2?ref=a&" + q},
		{"markdown link", "[the docs](https://docs.sluice.example.com/start#install)", "the docs (https://docs.sluice.example.com/start?" + q + "#install)"},
		{"www", "www.sluice.example.com/v2.", "www.sluice.example.com/v2?" + q + "."},
		{"punctuation goldmark keeps", "see https://sluice.example.com/v2; then", "see https://sluice.example.com/v2?" + q + "; then"},
		{"inside emphasis", "*read https://sluice.example.com/a*", "read https://sluice.example.com/a?" + q},
		{"in a list and a quote", "> - https://sluice.example.com/a", "> - https://sluice.example.com/a?" + q},
		{"other site", "https://github.com/heraldhq/herald and [x](https://example.org)", "https://github.com/heraldhq/herald and x (https://example.org)"},
		{"already tagged", "https://sluice.example.com/a?utm_source=blog", "https://sluice.example.com/a?utm_source=blog"},
		{"code span", "`curl https://sluice.example.com/install.sh` then https://sluice.example.com/", "curl https://sluice.example.com/install.sh then https://sluice.example.com/?" + q},
		{"code block", "```\nhttps://sluice.example.com/a\n```", "https://sluice.example.com/a"},
		{"international name", "https://bücher.sluice.example.com/a", "https://bücher.sluice.example.com/a?" + q},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, p := utmSetup(t, "---\nto: mastodon\ncampaign: q4-launch\n---\n"+tc.body+"\n")
			before := render1(t, p, "mastodon")
			_, o := tagged(t, cfg, p, "mastodon", schema.Limits{})
			if o.Parts[0].Text != tc.want {
				t.Errorf("text = %q\nwant   %q", o.Parts[0].Text, tc.want)
			}
			if after := render1(t, p, "mastodon"); after != before {
				t.Errorf("the post itself changed: %q, was %q", after, before)
			}
		})
	}
}

func render1(t *testing.T, p *schema.Post, platform string) string {
	t.Helper()
	o, err := Render(p, schema.Target{Name: platform, Platform: platform}, schema.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return o.Parts[0].Text
}

func TestTagLinksUnchanged(t *testing.T) {
	cfg, p := utmSetup(t, "---\nto: [mastodon, ghost]\n---\nhttps://github.com/x and `https://sluice.example.com`\n")
	tg := schema.Target{Name: "mastodon", Platform: "mastodon"}
	if q, ok := TagLinks(p, tg, cfg.Tagger(p, tg)); ok || q != p {
		t.Errorf("TagLinks changed a post without own links")
	}
	_, p = utmSetup(t, "---\nto: [ghost]\n---\nhttps://sluice.example.com/a\n")
	tg = schema.Target{Name: "ghost", Platform: "ghost"}
	if q, ok := TagLinks(p, tg, cfg.Tagger(p, tg)); ok || q != p {
		t.Errorf("TagLinks tagged a blog's links")
	}
	if q, ok := TagLinks(p, tg, nil); ok || q != p {
		t.Errorf("TagLinks without a tagger changed the post")
	}
}

func TestTagLinksOptions(t *testing.T) {
	src := `---
to: [facebook, pinterest, reddit, linkedin, x]
campaign: q4
media: []
facebook: {link: "https://sluice.example.com/v2"}
pinterest: {link: "https://sluice.example.com/v2#pin"}
reddit: {url: "https://github.com/heraldhq/herald", subreddit: golang}
linkedin: {first_comment: "Details: https://sluice.example.com/v2."}
x: {text: "Short: https://sluice.example.com/x"}
---
Body.
`
	cfg, p := utmSetup(t, src)
	for _, tc := range []struct {
		platform, key string
		want          any
	}{
		{"facebook", "link", "https://sluice.example.com/v2?utm_source=facebook&utm_medium=social&utm_campaign=q4"},
		{"pinterest", "link", "https://sluice.example.com/v2?utm_source=pinterest&utm_medium=social&utm_campaign=q4#pin"},
		{"reddit", "url", "https://github.com/heraldhq/herald"},
		{"linkedin", "first_comment", "Details: https://sluice.example.com/v2?utm_source=linkedin&utm_medium=social&utm_campaign=q4."},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			q, _ := tagged(t, cfg, p, tc.platform, schema.Limits{})
			if got := q.Overrides[tc.platform].Extra[tc.key]; got != tc.want {
				t.Errorf("%s = %v, want %v", tc.key, got, tc.want)
			}
		})
	}
	if got := p.Overrides["facebook"].Extra["link"]; got != "https://sluice.example.com/v2" {
		t.Errorf("the post's own option changed: %v", got)
	}
	_, o := tagged(t, cfg, p, "x", schema.Limits{})
	if want := "Short: https://sluice.example.com/x?utm_source=x&utm_medium=social&utm_campaign=q4"; o.Parts[0].Text != want {
		t.Errorf("x override = %q, want %q", o.Parts[0].Text, want)
	}
}

// TestTagLinksCounts: what is counted, checked against the limit and
// split is the tagged link, each platform counting it its own way.
func TestTagLinksCounts(t *testing.T) {
	const link = "https://sluice.example.com/launch"
	const tag = "?utm_source=%s&utm_medium=social&utm_campaign=q4-launch"
	cfg, p := utmSetup(t, "---\nto: [x, mastodon, threads, linkedin, bluesky]\ncampaign: q4-launch\n---\nv2 is out "+link+"\n")
	for _, tc := range []struct {
		platform string
		count    func(string) int
		fixed    bool // a URL counts the same, whatever its length
	}{
		{"x", CountX, true},
		{"mastodon", CountMastodon, true},
		{"threads", CountThreads, false},
		{"linkedin", CountLinkedIn, false},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			plain := render1(t, p, tc.platform)
			_, o := tagged(t, cfg, p, tc.platform, schema.Limits{})
			pt := o.Parts[0]
			wantURL := link + strings.ReplaceAll(tag, "%s", tc.platform)
			if !strings.Contains(pt.Text, wantURL) && tc.platform != "linkedin" {
				t.Fatalf("text %q lacks %s", pt.Text, wantURL)
			}
			if pt.Length != tc.count(pt.Text) {
				t.Errorf("length %d, but the platform counts %d", pt.Length, tc.count(pt.Text))
			}
			if tc.fixed && pt.Length != tc.count(plain) {
				t.Errorf("length %d, want %d: a URL counts 23 whatever its length", pt.Length, tc.count(plain))
			}
			if !tc.fixed && pt.Length != tc.count(plain)+len(wantURL)-len(link)+extraEscapes(tc.platform, wantURL, link) {
				t.Errorf("length %d, want the plain %d plus the parameters", pt.Length, tc.count(plain))
			}
		})
	}
	t.Run("x counts 23", func(t *testing.T) {
		_, o := tagged(t, cfg, p, "x", schema.Limits{})
		if got := o.Parts[0].Length; got != len("v2 is out ")+23 {
			t.Errorf("X length %d, want %d", got, len("v2 is out ")+23)
		}
	})
	t.Run("bluesky", func(t *testing.T) {
		_, o := tagged(t, cfg, p, "bluesky", schema.Limits{})
		pt := o.Parts[0]
		// The app shows host and path with the query, cut after 13
		// characters of it, and links the whole URL.
		const shown = "sluice.example.com/launch?utm_s..."
		if want := "v2 is out " + shown; pt.Text != want {
			t.Fatalf("text = %q, want %q", pt.Text, want)
		}
		if pt.Length != CountBluesky(pt.Text) || pt.Length != len(pt.Text) {
			t.Errorf("length %d, want %d", pt.Length, len(pt.Text))
		}
		want := []Facet{{Start: len("v2 is out "), End: len("v2 is out ") + len(shown), Type: FacetLink,
			Value: link + strings.ReplaceAll(tag, "%s", "bluesky")}}
		if diff := cmp.Diff(want, pt.Facets); diff != "" {
			t.Errorf("facets (-want +got):\n%s", diff)
		}
	})
}

// extraEscapes is what LinkedIn's escaping adds to the parameters (the
// _ of each utm_ is escaped): LinkedIn counts the escaped text.
func extraEscapes(platform, tagged, plain string) int {
	if platform != "linkedin" {
		return 0
	}
	return len(EscapeLittle(tagged, nil)) - len(EscapeLittle(plain, nil)) - (len(tagged) - len(plain))
}

// TestTagLinksSplit: a thread is split with the tagged links, never
// inside one, and every piece fits the limit as counted with them.
func TestTagLinksSplit(t *testing.T) {
	body := strings.Repeat("Sluice moves data between stores without a pipeline. ", 4) +
		"Read https://sluice.example.com/blog/v2 now. " + strings.Repeat("It is fast and small. ", 6)
	cfg, p := utmSetup(t, "---\nto: threads\ncampaign: q4-launch\nthread: auto\n---\n"+body+"\n")
	lim := schema.Limits{Length: 120}
	_, o := tagged(t, cfg, p, "threads", lim)
	const full = "https://sluice.example.com/blog/v2?utm_source=threads&utm_medium=social&utm_campaign=q4-launch"
	found := false
	for i, pt := range o.Parts {
		if pt.Length > lim.Length || pt.Length != CountThreads(pt.Text) {
			t.Errorf("part %d: length %d (counted %d) over %d", i+1, pt.Length, CountThreads(pt.Text), lim.Length)
		}
		found = found || strings.Contains(pt.Text, full)
	}
	if !found {
		t.Errorf("no part holds the whole tagged link:\n%v", o.Parts)
	}
}

// TestTagLinksBlueskyLinkText: a Markdown link on Bluesky is its text
// with a facet, so the parameters go in the facet alone.
func TestTagLinksBlueskyLinkText(t *testing.T) {
	cfg, p := utmSetup(t, "---\nto: bluesky\ncampaign: q4\n---\nRead [the launch post](https://sluice.example.com/blog/v2) today\n")
	_, o := tagged(t, cfg, p, "bluesky", schema.Limits{})
	pt := o.Parts[0]
	want := []Facet{{Start: 5, End: 5 + len("the launch post"), Type: FacetLink,
		Value: "https://sluice.example.com/blog/v2?utm_source=bluesky&utm_medium=social&utm_campaign=q4"}}
	if diff := cmp.Diff(want, pt.Facets); diff != "" || pt.Text != "Read the launch post today" {
		t.Errorf("text %q, facets (-want +got):\n%s", pt.Text, diff)
	}
}

// TestTagLinksThreadParts: every part of a written thread is tagged.
func TestTagLinksThreadParts(t *testing.T) {
	cfg, p := utmSetup(t, "---\nto: x\n---\nFirst: https://sluice.example.com/a\n\n---\n\nThen [b](https://sluice.example.com/b) and `https://sluice.example.com/c`\n")
	_, o := tagged(t, cfg, p, "x", schema.Limits{})
	want := []string{
		"First: https://sluice.example.com/a?utm_source=x&utm_medium=social",
		"Then b (https://sluice.example.com/b?utm_source=x&utm_medium=social) and https://sluice.example.com/c",
	}
	var got []string
	for _, pt := range o.Parts {
		got = append(got, pt.Text)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
}
