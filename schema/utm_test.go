package schema

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func loadYAML(t *testing.T, src string) (*Config, error) {
	t.Helper()
	return LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte(src)}})
}

func mustLoadYAML(t *testing.T, src string) *Config {
	t.Helper()
	cfg, err := loadYAML(t, src)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const utmConfig = `accounts:
  mastodon: {}
  x: {}
  linkedin:company:
    utm:
      source: linkedin-company
      content: "{id}"
  bluesky:
    utm: false
  threads:
    utm:
      domains: ["*"]
utm:
  domains: [sluice.example.com, "*.sluice.example.com"]
`

func TestTaggerTag(t *testing.T) {
	cfg := mustLoadYAML(t, utmConfig)
	post := &Post{ID: "2026/launch", Campaign: "q4 launch & more"}
	tg := cfg.Tagger(post, Target{Name: "mastodon", Platform: "mastodon"})
	if tg == nil {
		t.Fatal("no tagger for mastodon")
	}
	const q = "utm_source=mastodon&utm_medium=social&utm_campaign=q4+launch+%26+more"
	if tg.Query() != q {
		t.Fatalf("Query = %q, want %q", tg.Query(), q)
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "https://sluice.example.com/launch", "https://sluice.example.com/launch?" + q},
		{"no path", "https://sluice.example.com", "https://sluice.example.com?" + q},
		{"query kept", "https://sluice.example.com/a?ref=home&x=1", "https://sluice.example.com/a?ref=home&x=1&" + q},
		{"fragment last", "https://sluice.example.com/a?b=1#install", "https://sluice.example.com/a?b=1&" + q + "#install"},
		{"fragment without query", "https://sluice.example.com/docs#top", "https://sluice.example.com/docs?" + q + "#top"},
		{"empty query", "https://sluice.example.com/a?", "https://sluice.example.com/a?" + q},
		{"existing utm kept", "https://sluice.example.com/a?utm_source=newsletter", "https://sluice.example.com/a?utm_source=newsletter"},
		{"existing UTM any case", "https://sluice.example.com/a?x=1&UTM_Medium=email", "https://sluice.example.com/a?x=1&UTM_Medium=email"},
		{"subdomain", "https://docs.sluice.example.com/start", "https://docs.sluice.example.com/start?" + q},
		{"deep subdomain", "http://a.b.sluice.example.com/", "http://a.b.sluice.example.com/?" + q},
		{"host case and port", "HTTPS://Sluice.Example.COM:8443/x", "HTTPS://Sluice.Example.COM:8443/x?" + q},
		{"other site", "https://github.com/heraldhq/herald", "https://github.com/heraldhq/herald"},
		{"suffix is not a subdomain", "https://notsluice.example.com/", "https://notsluice.example.com/"},
		{"parent domain", "https://example.com/", "https://example.com/"},
		{"not http", "mailto:hi@sluice.example.com", "mailto:hi@sluice.example.com"},
		{"relative", "/launch", "/launch"},
		{"userinfo does not fool", "https://sluice.example.com@evil.example/", "https://sluice.example.com@evil.example/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := tg.Tag(tc.in)
			if got != tc.want || changed != (tc.in != tc.want) {
				t.Errorf("Tag(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
			}
		})
	}
}

func TestTaggerIDN(t *testing.T) {
	for _, domain := range []string{"bücher.example", "xn--bcher-kva.example"} {
		cfg := mustLoadYAML(t, "accounts:\n  x: {}\nutm:\n  domains: [\""+domain+"\"]\n")
		tg := cfg.Tagger(&Post{}, Target{Name: "x", Platform: "x"})
		for _, link := range []string{"https://bücher.example/a", "https://xn--bcher-kva.example/a", "https://BÜCHER.example/a"} {
			if got, ok := tg.Tag(link); !ok || got != link+"?utm_source=x&utm_medium=social" {
				t.Errorf("domain %s: Tag(%q) = %q, %v", domain, link, got, ok)
			}
		}
	}
}

func TestTaggerPerAccount(t *testing.T) {
	cfg := mustLoadYAML(t, utmConfig)
	post := &Post{ID: "launch", Campaign: "q4"}
	for _, tc := range []struct {
		target, platform string
		want             string // "" when nothing is tagged
		other            bool   // whether a link to another site is tagged
	}{
		{"mastodon", "mastodon", "utm_source=mastodon&utm_medium=social&utm_campaign=q4", false},
		{"linkedin:company", "linkedin", "utm_source=linkedin-company&utm_medium=social&utm_campaign=q4&utm_content=launch", false},
		{"bluesky", "bluesky", "", false},
		{"threads", "threads", "utm_source=threads&utm_medium=social&utm_campaign=q4", true},
	} {
		t.Run(tc.target, func(t *testing.T) {
			tg := cfg.Tagger(post, Target{Name: tc.target, Platform: tc.platform})
			if tc.want == "" {
				if tg != nil {
					t.Fatalf("tagger %q, want none", tg.Query())
				}
				return
			}
			if tg == nil || tg.Query() != tc.want {
				t.Fatalf("tagger = %v, want query %q", tg, tc.want)
			}
			if _, ok := tg.Tag("https://github.com/x"); ok != tc.other {
				t.Errorf("link to another site tagged = %v, want %v", ok, tc.other)
			}
		})
	}
	t.Run("post says utm: false", func(t *testing.T) {
		if tg := cfg.Tagger(&Post{NoUTM: true}, Target{Name: "mastodon", Platform: "mastodon"}); tg != nil {
			t.Errorf("tagger %q for a post with utm: false", tg.Query())
		}
	})
	t.Run("no campaign", func(t *testing.T) {
		tg := cfg.Tagger(&Post{ID: "a"}, Target{Name: "x", Platform: "x"})
		if tg == nil || tg.Query() != "utm_source=x&utm_medium=social" {
			t.Errorf("tagger = %v, want utm_campaign left out", tg)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		cfg := mustLoadYAML(t, "accounts:\n  x: {}\n")
		if tg := cfg.Tagger(&Post{Campaign: "q4"}, Target{Name: "x", Platform: "x"}); tg != nil {
			t.Errorf("tagger %q without utm", tg.Query())
		}
	})
	t.Run("without domains nothing is tagged", func(t *testing.T) {
		cfg := mustLoadYAML(t, "accounts:\n  x: {}\nutm:\n  medium: social\n")
		if tg := cfg.Tagger(&Post{Campaign: "q4"}, Target{Name: "x", Platform: "x"}); tg != nil {
			t.Errorf("tagger %q without domains", tg.Query())
		}
	})
}

func TestTaggerText(t *testing.T) {
	cfg := mustLoadYAML(t, "accounts:\n  x: {}\nutm:\n  domains: [example.com]\n  medium: social\n  source: s\n")
	tg := cfg.Tagger(&Post{}, Target{Name: "x", Platform: "x"})
	const q = "?utm_source=s&utm_medium=social"
	for _, tc := range []struct{ in, want string }{
		{"Link in comments: https://example.com/a", "Link in comments: https://example.com/a" + q},
		{"see https://example.com/a.", "see https://example.com/a" + q + "."},
		{"see https://example.com/a; then", "see https://example.com/a" + q + "; then"},
		{"(https://example.com/a)", "(https://example.com/a" + q + ")"},
		{"https://example.com/wiki/Go_(language)!", "https://example.com/wiki/Go_(language)" + q + "!"},
		{"'https://example.com/a'", "'https://example.com/a" + q + "'"},
		{"two: https://example.com/1 and https://example.com/2?x=1", "two: https://example.com/1" + q + " and https://example.com/2?x=1&utm_source=s&utm_medium=social"},
		{"elsewhere https://example.org/a", "elsewhere https://example.org/a"},
		{"inside a word xhttps://example.com/a", "inside a word xhttps://example.com/a"},
		{"no link", "no link"},
		{"after wide lower-casing İİ https://example.com/a", "after wide lower-casing İİ https://example.com/a" + q},
		{"HTTPS://EXAMPLE.COM/A", "HTTPS://EXAMPLE.COM/A" + q},
	} {
		got, changed := tg.TagText(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("TagText(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
		}
	}
}

func TestLoadConfigUTM(t *testing.T) {
	cfg := mustLoadYAML(t, utmConfig)
	if diff := cmp.Diff([]string{"sluice.example.com", "*.sluice.example.com"}, cfg.UTM.Domains); diff != "" {
		t.Errorf("domains (-want +got):\n%s", diff)
	}
	if a := cfg.Accounts["bluesky"]; !a.NoUTM || a.Settings["utm"] != nil {
		t.Errorf("bluesky: NoUTM %v, settings %v", a.NoUTM, a.Settings)
	}
	u := cfg.UTMFor("linkedin:company")
	want := &UTM{Domains: []string{"sluice.example.com", "*.sluice.example.com"}, Source: "linkedin-company", Medium: "social",
		Campaign: "{campaign}", Content: "{id}", Pos: Position{File: "herald.yaml", Line: 5, Col: 5}}
	if diff := cmp.Diff(want, u, cmpopts.IgnoreUnexported(UTM{})); diff != "" {
		t.Errorf("UTMFor (-want +got):\n%s", diff)
	}
}

func TestLoadConfigUTMErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      Errors
	}{{
		name: "unknown placeholder",
		src:  "utm:\n  domains: [example.com]\n  content: \"{slug}\"\n",
		want: Errors{{File: "herald.yaml", Line: 3, Column: 3, Field: "utm.content", Message: "unknown placeholder {slug}: a value may hold {platform}, {account}, {campaign}, {id}"}},
	}, {
		name: "unknown placeholder in an account",
		src:  "accounts:\n  x:\n    utm:\n      source: \"{network}\"\n",
		want: Errors{{File: "herald.yaml", Line: 4, Column: 7, Field: "accounts.x.utm.source", Message: "unknown placeholder {network}: a value may hold {platform}, {account}, {campaign}, {id}"}},
	}, {
		name: "a domain with a path",
		src:  "utm:\n  domains: [example.com/blog]\n",
		want: Errors{{File: "herald.yaml", Line: 2, Column: 13, Field: "utm.domains.0", Message: "a domain is a host name (example.com), *.example.com for its subdomains, or * for every link"}},
	}, {
		name: "unknown key",
		src:  "utm:\n  domains: [example.com]\n  term: launch\n",
		want: Errors{{File: "herald.yaml", Line: 3, Column: 3, Field: "utm.term", Message: `unknown field "term"`}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, tc.src)
			var got Errors
			if !errors.As(err, &got) {
				t.Fatalf("error %v, want Errors", err)
			}
			for _, e := range tc.want {
				e.Severity = SeverityError
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPostUTMFalse(t *testing.T) {
	cfg := mustLoadYAML(t, utmConfig)
	p, errs := ParsePost(cfg, "posts/a.md", []byte("---\nto: mastodon\nutm: false\n---\nhttps://sluice.example.com/\n"))
	if errs != nil {
		t.Fatal(errs)
	}
	if !p.NoUTM {
		t.Error("utm: false not read")
	}
	if _, ok := p.Overrides["utm"]; ok {
		t.Error("utm read as an override")
	}
}
