package platforms

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/heraldhq/herald/schema"
)

func TestWithoutUTM(t *testing.T) {
	for in, want := range map[string]string{
		"https://e.com/a": "https://e.com/a",
		"https://e.com/a?utm_source=x&utm_medium=social":    "https://e.com/a",
		"https://e.com/a?ref=1&utm_source=x#top":            "https://e.com/a?ref=1#top",
		"https://e.com/a?utm_source=x&ref=1&UTM_Campaign=q": "https://e.com/a?ref=1",
		"https://e.com/a?utm_source=x#top":                  "https://e.com/a#top",
		"https://e.com/a?ref=1":                             "https://e.com/a?ref=1",
		"https://e.com/a#x?utm_source=y":                    "https://e.com/a#x?utm_source=y",
	} {
		if got := WithoutUTM(in); got != want {
			t.Errorf("WithoutUTM(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextWithoutUTM(t *testing.T) {
	for in, want := range map[string]string{
		"Details: https://e.com/v2?utm_source=linkedin&utm_medium=social.":         "Details: https://e.com/v2.",
		"(https://e.com/a?x=1&utm_source=l) and\nhttps://e.com/b?utm_medium=s, ok": "(https://e.com/a?x=1) and\nhttps://e.com/b, ok",
		"no links here":                  "no links here",
		"https://e.com/?q=utm_source":    "https://e.com/?q=utm_source",
		"keep https://e.com/a?ref=1 too": "keep https://e.com/a?ref=1 too",
	} {
		if got := TextWithoutUTM(in); got != want {
			t.Errorf("TextWithoutUTM(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTagRoundTrip: for links of many shapes, a tagged link parses with
// its parameters and its fragment, tagging it again changes nothing, and
// WithoutUTM gives the link back as written.
func TestTagRoundTrip(t *testing.T) {
	cfg, err := schema.LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte("accounts:\n  x: {}\nutm:\n  domains: [\"*\"]\n  content: \"{id}\"\n")}})
	if err != nil {
		t.Fatal(err)
	}
	tg := cfg.Tagger(&schema.Post{ID: "a/b c", Campaign: "Q4 & more/ünï"}, schema.Target{Name: "x", Platform: "x"})
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func(list ...string) string { return list[rnd.IntN(len(list))] }
	for range 2000 {
		link := pick("https://", "http://", "HTTPS://") + pick("e.com", "a.b.e.com:8080", "bücher.example", "[::1]:443") +
			pick("", "/", "/a", "/a/b.html", "/%E2%9C%93", "/a;b") + pick("", "?", "?x=1", "?x=1&y=", "?a=b;c=d", "?q=%26") +
			pick("", "#", "#top", "#a?b=c")
		tagged, ok := tg.Tag(link)
		if !ok {
			t.Fatalf("Tag(%q) tagged nothing", link)
		}
		u, err := url.Parse(tagged)
		if err != nil {
			t.Fatalf("Tag(%q) = %q: %v", link, tagged, err)
		}
		q := u.Query()
		if q.Get("utm_source") != "x" || q.Get("utm_medium") != "social" || q.Get("utm_campaign") != "Q4 & more/ünï" || q.Get("utm_content") != "a/b c" {
			t.Errorf("Tag(%q) = %q: query %v", link, tagged, q)
		}
		if orig, _ := url.Parse(link); orig != nil && orig.Fragment != u.Fragment {
			t.Errorf("Tag(%q) = %q: fragment %q, was %q", link, tagged, u.Fragment, orig.Fragment)
		}
		if again, ok := tg.Tag(tagged); ok || again != tagged {
			t.Errorf("tagging %q again gave %q", tagged, again)
		}
		// A link written with an empty query ("?") comes back without it.
		want := strings.Replace(link, "?#", "#", 1)
		if strings.HasSuffix(want, "?") && !strings.Contains(want, "#") {
			want = strings.TrimSuffix(want, "?")
		}
		if back := WithoutUTM(tagged); back != want {
			t.Errorf("WithoutUTM(%q) = %q, want %q", tagged, back, want)
		}
	}
}
