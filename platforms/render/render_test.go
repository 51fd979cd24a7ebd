package render

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/schema"
)

func TestFacetOffsets(t *testing.T) {
	tests := []struct {
		name     string
		platform string
		src      string
		want     []string // the text each facet covers, in order
	}{
		{"bluesky after multibyte", "bluesky", "日本語 👩‍👩‍👧‍👦 [リンク](https://example.jp/x) #タグ @alice.bsky.social https://example.com/a/long/path/indeed/yes",
			[]string{"リンク", "#タグ", "@alice.bsky.social", "example.com/a/long/path/..."}},
		{"mastodon remote mention", "mastodon", "Ça va @bob@mastodon.social et #été",
			[]string{"@bob@mastodon.social", "#été"}},
		{"x link inline", "x", "é [docs](https://example.com/d) @jack",
			[]string{"https://example.com/d", "@jack"}},
		{"no facets in code", "bluesky", "`#a @b.bsky.social` #c", []string{"#c"}},
		{"no tag inside a url", "bluesky", "https://example.com/#frag #real", []string{"example.com/#frag", "#real"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Render(postFromMarkdown(tt.src), schema.Target{Name: "t", Platform: tt.platform}, schema.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range o.Parts[0].Facets {
				got = append(got, o.Parts[0].Text[f.Start:f.End])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("facets of %q (-want +got):\n%s", o.Parts[0].Text, diff)
			}
		})
	}
}

func TestHTMLUnsafeURLs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"javascript link is text", "[click](javascript:alert(1))", "<p>click</p>\n"},
		{"hidden scheme", "[x](java%0ascript:alert) [y](<JAVA\tSCRIPT:alert>)", "<p>x y</p>\n"},
		{"javascript image is alt", "![alt](javascript:x)", "<p>alt</p>\n"},
		{"escaped href", `[a](https://e.com/?a=1&b="2")`, "<p><a href=\"https://e.com/?a=1&amp;b=&#34;2&#34;\">a</a></p>\n"},
		{"text escaped", "a <b> & c", "<p>a &lt;b&gt; &amp; c</p>\n"},
		{"ordered start", "3. three\n4. four\n", "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(schema.ParseMarkdown([]byte(tt.src), 1))
			if got != tt.want {
				t.Errorf("HTML(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	override := schema.ParseMarkdown([]byte("Short override."), 3)
	p := postFromMarkdown("One.\n\n---\n\nTwo.")
	p.Title = "T"
	p.Media = []schema.Media{{File: "a.png", Type: "image/png"}, {File: "b.heic", Type: "image/heic"}}
	p.Overrides = map[string]*schema.Override{
		"masto": {Body: &override, Extra: map[string]any{"spoiler_text": "CW: food"}, Pos: schema.Position{File: "posts/p.md", Line: 3, Col: 1}},
	}
	t.Run("parts lines media source", func(t *testing.T) {
		o, err := Render(p, schema.Target{Name: "bsky", Platform: "bluesky"}, schema.Limits{Length: 300, Bytes: 3000})
		if err != nil {
			t.Fatal(err)
		}
		want := schema.Rendered{Target: "bsky", Platform: "bluesky", Limits: schema.Limits{Length: 300, Bytes: 3000}, Media: 2,
			Images:     []schema.RenderedImage{{Media: 0}, {Media: 1}},
			MediaTypes: []string{"image/png", "image/heic"},
			Source:     schema.Position{File: "posts/p.md", Line: 5},
			Parts:      []schema.RenderedPart{{Text: "One.", Length: 4, Bytes: 4, Line: 5}, {Text: "Two.", Length: 4, Bytes: 4, Line: 9}}}
		if diff := cmp.Diff(want, o.Rendered()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("override with content warning", func(t *testing.T) {
		o, err := Render(p, schema.Target{Name: "masto", Platform: "mastodon"}, schema.Limits{Length: 500})
		if err != nil {
			t.Fatal(err)
		}
		want := []Part{{Text: "Short override.", Length: 15 + 8, Bytes: 15, Line: 0}}
		if diff := cmp.Diff(want, o.Parts); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if o.Source != p.Overrides["masto"].Pos {
			t.Errorf("source = %v, want the override's", o.Source)
		}
	})
	t.Run("blog gets html and title", func(t *testing.T) {
		o, err := Render(p, schema.Target{Name: "blog", Platform: "ghost"}, schema.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if o.Title != "T" || o.HTML != "<p>One.</p>\n<hr>\n<p>Two.</p>\n" || len(o.Parts) != 1 || o.Parts[0].Text != "One.\n\nTwo." {
			t.Errorf("got title %q html %q parts %+v", o.Title, o.HTML, o.Parts)
		}
	})
	t.Run("over-long part without thread mode is kept whole", func(t *testing.T) {
		long := postFromMarkdown(strings.Repeat("word ", 100))
		o, err := Render(long, schema.Target{Name: "x", Platform: "x"}, schema.Limits{Length: 280})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Parts) != 1 || o.Parts[0].Length != 499 {
			t.Errorf("got %d parts, first length %d; want 1 part of 499", len(o.Parts), o.Parts[0].Length)
		}
	})
	t.Run("numbered thread splits and fits", func(t *testing.T) {
		long := postFromMarkdown(strings.Repeat("A sentence of words here. ", 40) + "\n\n---\n\nEnd.")
		long.Thread = schema.ThreadNumbered
		o, err := Render(long, schema.Target{Name: "x", Platform: "x"}, schema.Limits{Length: 280})
		if err != nil {
			t.Fatal(err)
		}
		n := len(o.Parts)
		if n < 5 {
			t.Fatalf("got %d parts, want at least 5", n)
		}
		for i, part := range o.Parts {
			if part.Length > 280 {
				t.Errorf("part %d length %d > 280", i+1, part.Length)
			}
			if suffix := " " + itoaTest(i+1) + "/" + itoaTest(n); !strings.HasSuffix(part.Text, suffix) {
				t.Errorf("part %d %q lacks %q", i+1, part.Text, suffix)
			}
		}
		if last := o.Parts[n-1]; last.Line != 9 || !strings.HasPrefix(last.Text, "End.") {
			t.Errorf("last part = %+v, want End. from line 9", last)
		}
	})
	t.Run("unknown platform", func(t *testing.T) {
		if _, err := Render(p, schema.Target{Name: "z", Platform: "zzz"}, schema.Limits{}); err == nil {
			t.Error("want an error")
		}
	})
}

func itoaTest(n int) string { return strconv.Itoa(n) }

func TestSplit(t *testing.T) {
	url := "https://example.com/" + strings.Repeat("x", 40)
	text := "First paragraph is short.\n\nSecond one has two sentences. It goes on a while longer than the first. " + url + " then more words follow here to finish.\n\n" + strings.Repeat("日本語", 30)
	tests := []struct {
		name     string
		lim      schema.Limits
		count    func(string) int
		numbered bool
	}{
		{"x 60", schema.Limits{Length: 60}, CountX, false},
		{"x 60 numbered", schema.Limits{Length: 60}, CountX, true},
		{"bluesky bytes", schema.Limits{Length: 300, Bytes: 50}, CountBluesky, false},
		{"tiny numbered", schema.Limits{Length: 30}, CountX, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pieces := Split(text, tt.lim, tt.count, tt.numbered)
			again := Split(text, tt.lim, tt.count, tt.numbered)
			if diff := cmp.Diff(pieces, again); diff != "" {
				t.Errorf("not deterministic:\n%s", diff)
			}
			var words []string
			for i, p := range pieces {
				if tt.count(p) > tt.lim.Length || tt.lim.Bytes > 0 && len(p) > tt.lim.Bytes {
					if !strings.Contains(p, url) {
						t.Errorf("piece %d %q does not fit", i, p)
					}
				}
				if tt.numbered {
					suffix := numberSuffix(true, i+1, len(pieces))
					if !strings.HasSuffix(p, suffix) {
						t.Errorf("piece %d %q lacks %q", i, p, suffix)
					}
					p = strings.TrimSuffix(p, suffix)
				}
				words = append(words, strings.Fields(p)...)
			}
			if !strings.Contains(strings.Join(pieces, " "), url) {
				t.Errorf("url broken across pieces: %q", pieces)
			}
			joined := strings.Join(words, "")
			if want := strings.Join(strings.Fields(text), ""); joined != want {
				t.Errorf("pieces lose or reorder text:\n got %q\nwant %q", joined, want)
			}
		})
	}
	t.Run("paragraphs first", func(t *testing.T) {
		got := Split("Aaa aaa.\n\nBbb bbb. Ccc ccc.", schema.Limits{Length: 20}, CountX, false)
		want := []string{"Aaa aaa.", "Bbb bbb. Ccc ccc."}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("sentences before words", func(t *testing.T) {
		got := Split("One two. Three four five six.", schema.Limits{Length: 20}, CountX, false)
		want := []string{"One two.", "Three four five six."}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("numbering gains a digit", func(t *testing.T) {
		got := Split(strings.Repeat("ab ", 40), schema.Limits{Length: 10}, CountX, true)
		if len(got) < 10 {
			t.Fatalf("got %d pieces, want 10 or more", len(got))
		}
		for _, p := range got {
			if CountX(p) > 10 {
				t.Errorf("piece %q is %d long", p, CountX(p))
			}
		}
	})
}

// fitsOrUnbreakable checks that a piece fits, or is a single unit that
// cannot be broken (a URL or one grapheme cluster).
func fitsOrUnbreakable(p string, lim schema.Limits, count func(string) int) bool {
	if (lim.Length <= 0 || count(p) <= lim.Length) && (lim.Bytes <= 0 || len(p) <= lim.Bytes) {
		return true
	}
	if strings.IndexFunc(p, unicode.IsSpace) < 0 && CountBluesky(p) <= 1 {
		return true
	}
	for _, u := range extractURLs(p, true) {
		if u.end-u.start > 0 {
			return true
		}
	}
	return false
}

func FuzzSplit(f *testing.F) {
	f.Add("Hello world. This is a test of the splitter.\n\nNew paragraph https://example.com/x here.", 20, false)
	f.Add(strings.Repeat("👩‍👩‍👧‍👦", 50), 7, true)
	f.Add("日本語のテキスト。次の文。", 5, true)
	f.Fuzz(func(t *testing.T, text string, length int, numbered bool) {
		if length < 8 || length > 400 || len(text) > 2000 {
			t.Skip()
		}
		lim := schema.Limits{Length: length, Bytes: length * 4}
		pieces := Split(text, lim, CountX, numbered)
		for _, p := range pieces {
			if !fitsOrUnbreakable(p, lim, CountX) {
				t.Errorf("piece %q (%d, %d bytes) does not fit %+v", p, CountX(p), len(p), lim)
			}
		}
	})
}

func FuzzCountX(f *testing.F) {
	f.Add("Hi http://test.co 👨‍👩‍👧‍👦 の")
	f.Add("example.com/a_(b)?c=d#e me@x.org")
	f.Fuzz(func(t *testing.T, text string) {
		n := CountX(text)
		if n < 0 {
			t.Errorf("CountX(%q) = %d", text, n)
		}
		_ = CountMastodon(text)
		_ = CountThreads(text)
		_ = EscapeLittle(text, detect(text, Style{Tags: true, Mentions: MentionHandle}, nil, nil))
	})
}

// TestSpoilerCountsOnEveryPart: Mastodon sends the content warning with
// every status of a thread, so every part's length includes it.
func TestSpoilerCountsOnEveryPart(t *testing.T) {
	p := postFromMarkdown("First part.\n\n---\n\nSecond part.\n")
	p.Overrides = map[string]*schema.Override{"masto": {Extra: map[string]any{SpoilerKey: "CW: food"}}}
	out, err := Render(p, schema.Target{Name: "masto", Platform: "mastodon"}, schema.Limits{Length: 500})
	if err != nil {
		t.Fatal(err)
	}
	cw := CountMastodon("CW: food")
	for i, want := range []int{CountMastodon("First part.") + cw, CountMastodon("Second part.") + cw} {
		if out.Parts[i].Length != want {
			t.Errorf("part %d length %d, want %d (text and warning)", i+1, out.Parts[i].Length, want)
		}
	}
}

// TestRenderImages lists the images among a post's media with their sizes,
// for the limits on one image: videos are not images.
func TestRenderImages(t *testing.T) {
	p := postFromMarkdown("Pictures.")
	p.Media = []schema.Media{{File: "a.png", Type: "image/png", Size: 10},
		{File: "b.mp4", Type: "video/mp4", Size: 5, Duration: 90 * time.Second, Width: 1080, Height: 1920},
		{File: "c.webp", Type: "image/webp", Size: 7}}
	o, err := Render(p, schema.Target{Name: "bluesky", Platform: PlatformBluesky}, schema.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.RenderedImage{{Media: 0, Bytes: 10}, {Media: 2, Bytes: 7}}
	if diff := cmp.Diff(want, o.Rendered().Images); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
	if r := o.Rendered(); r.Media != 3 {
		t.Errorf("media = %d, want 3", r.Media)
	}
	// The video is measured for the video limits: 9:16 is 0.563 wide.
	wantVideos := []schema.RenderedVideo{{Media: 1, Type: "video/mp4", Bytes: 5, Duration: 90 * time.Second, Width: 1080, Height: 1920}}
	if diff := cmp.Diff(wantVideos, o.Rendered().Videos); diff != "" {
		t.Errorf("videos (-want +got):\n%s", diff)
	}
	if a := o.Rendered().Videos[0].Aspect(); a != 0.563 {
		t.Errorf("aspect = %v, want 0.563", a)
	}
}
