package render

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/rivo/uniseg"

	"github.com/heraldhq/herald/schema"
)

// TestGraphemeBreaksMatchUniseg checks that the cluster ends found with
// the ASCII shortcut are the ones uniseg finds.
func TestGraphemeBreaksMatchUniseg(t *testing.T) {
	pieces := []string{"a", " ", "\r", "\n", "\r\n", "e\u0301", "\u0301", "👩\u200d👩\u200d👧", "🇫🇷", "🇫", "\u0600", "각", "\u1100\u1161",
		"#\ufe0f\u20e3", "\u200d", "\t", "Z"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		var want []int
		g := uniseg.NewGraphemes(text)
		for g.Next() {
			_, to := g.Positions()
			want = append(want, to)
		}
		var got []int
		graphemeEnds(text, func(end int) { got = append(got, end) })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("breaks of %+q (-uniseg +got):\n%s", text, diff)
		}
		// The segmentation marks the same cluster ends, for a text
		// without trailing white space (which it trims).
		if strings.TrimRightFunc(text, unicode.IsSpace) != text {
			continue
		}
		got = nil
		for p, l := range newSegmentation(text, nil, nil).level {
			if l&clusterEnd != 0 {
				got = append(got, p)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("breaks of %+q (-uniseg +got):\n%s", text, diff)
		}
	}
}

// TestSpanSetFree checks the bisecting overlap test against the plain one.
func TestSpanSetFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		var spans []span
		for range rng.IntN(8) {
			s := rng.IntN(50)
			spans = append(spans, span{s, s + 1 + rng.IntN(10)})
		}
		set := newSpanSet(spans)
		for range 50 {
			s := rng.IntN(60)
			e := s + 1 + rng.IntN(10)
			want := true
			for _, b := range spans {
				if s < b.end && b.start < e {
					want = false
				}
			}
			if got := set.free(s, e); got != want {
				t.Fatalf("free(%d, %d) over %v = %v, want %v", s, e, spans, got, want)
			}
		}
	}
}

// TestSplitMeasuresLinearly checks that splitting measures about as much
// text per piece however long the text is: the pieces are found near
// where they start, not by measuring the whole rest each time.
func TestSplitMeasuresLinearly(t *testing.T) {
	ratio := func(n int) float64 {
		text := strings.Repeat("word word word word. ", n/21)
		measured := 0
		count := func(s string) int {
			measured += len(s)
			return len(s)
		}
		pieces := Split(text, schema.Limits{Length: n / 50}, count, true)
		if len(pieces) < 40 || len(pieces) >= MaxThreadParts {
			t.Fatalf("%d pieces", len(pieces))
		}
		return float64(measured) / float64(len(text))
	}
	small, large := ratio(40_000), ratio(640_000)
	t.Logf("bytes measured per byte of text: %.1f at 40 KB, %.1f at 640 KB", small, large)
	if large > 1.5*small {
		t.Errorf("measuring grows with the text: %.1f then %.1f bytes per byte", small, large)
	}
}

// TestThreadPartsLimit checks the limit on thread parts: too many written
// parts are an error, and a split stops at the limit with the rest in the
// last part, over the platform's limit, for validation to report.
func TestThreadPartsLimit(t *testing.T) {
	x := schema.Target{Name: "x", Platform: "x"}
	breaks := postFromMarkdown(strings.Repeat("a\n\n---\n\n", MaxThreadParts+5))
	if _, err := Render(breaks, x, schema.Limits{Length: 280}); err == nil ||
		err.Error() != "105 thread parts (--- breaks) for x, more than 100 (part 101 starts on line 405)" {
		t.Errorf("err = %v", err)
	}

	long := postFromMarkdown(strings.Repeat("word ", 10_000))
	long.Thread = schema.ThreadAuto
	o, err := Render(long, x, schema.Limits{Length: 280})
	if err != nil {
		t.Fatal(err)
	}
	last := o.Parts[len(o.Parts)-1]
	if len(o.Parts) != MaxThreadParts || last.Length <= 280 || o.Parts[0].Length > 280 {
		t.Errorf("%d parts, the first %d long, the last %d", len(o.Parts), o.Parts[0].Length, last.Length)
	}

	// Far beyond any thread: left whole, not split.
	huge := postFromMarkdown(strings.Repeat("word ", 60_000))
	huge.Thread = schema.ThreadNumbered
	o, err = Render(huge, x, schema.Limits{Length: 280})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Parts) != 1 || o.Parts[0].Length != 60_000*5-1 {
		t.Errorf("%d parts, the first %d long", len(o.Parts), o.Parts[0].Length)
	}
}

// TestFirstTrue checks the galloping search against sort.Search, for
// every answer and every hint.
func TestFirstTrue(t *testing.T) {
	for n := range 40 {
		for answer := 0; answer <= n; answer++ {
			for hint := -1; hint <= n+1; hint++ {
				f := func(i int) bool {
					if i < 0 || i >= n {
						t.Fatalf("n=%d: f(%d) asked", n, i)
					}
					return i >= answer
				}
				if got := firstTrue(n, f, hint); got != answer {
					t.Fatalf("firstTrue(n=%d, hint=%d) = %d, want %d", n, hint, got, answer)
				}
			}
		}
	}
}

// graphemeEnds, the reference the segmentation is checked against, calls fn with the end of every grapheme cluster of text,
// in order. Two ASCII characters are always two clusters, but for CR LF:
// only the stretches around other characters go through uniseg, with
// its state carried from cluster to cluster.
func graphemeEnds(text string, fn func(end int)) {
	state := -1
	for i := 0; i < len(text); {
		if asciiCluster(text, i) {
			fn(i + 1)
			i++
			state = -1
			continue
		}
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(text[i:], state)
		i += len(cluster)
		fn(i)
	}
}

// TestEndsSentence: endsSentence is the trim-and-look it replaced, on
// texts of sentence marks, quotes, brackets and broken UTF-8.
func TestEndsSentence(t *testing.T) {
	ref := func(s string) bool {
		s = strings.TrimRight(s, `"'”’)]»`)
		r, _ := utf8.DecodeLastRuneInString(s)
		return strings.ContainsRune(".!?…。！？", r)
	}
	pieces := []string{"a", " ", ".", "!", "?", "…", "。", "！", "？", `"`, "'", "”", "’", ")", "]", "»", "(", "é", "\xff", "\xe2\x80", "\ufffd", "“"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if s := b.String(); endsSentence(s) != ref(s) {
			t.Fatalf("endsSentence(%q) = %v, want %v", s, endsSentence(s), ref(s))
		}
	}
}

// TestPartLengthsCounted: a part's Length is its platform's count of
// its text (plus the content warning), whether it was counted while
// packing and kept, or counted again: on random long bodies, every
// platform, every thread mode, tight limits and a Mastodon content
// warning.
func TestPartLengthsCounted(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	platforms := []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn}
	for i := range 60 {
		src := randomBody(r, 20+r.IntN(500))
		for _, platform := range platforms {
			for _, mode := range []schema.ThreadMode{schema.ThreadManual, schema.ThreadAuto, schema.ThreadNumbered} {
				lim := benchLimits[platform]
				if r.IntN(3) == 0 {
					lim.Length = lim.Length / (2 + r.IntN(3))
				}
				p := postFromMarkdown(src)
				p.Thread = mode
				spoiler := 0
				if platform == PlatformMastodon && r.IntN(2) == 0 {
					p.Overrides = map[string]*schema.Override{platform: {Extra: map[string]any{SpoilerKey: "cw: long"}}}
					spoiler = CountMastodon("cw: long")
				}
				o, err := Render(p, schema.Target{Name: platform, Platform: platform}, lim)
				if err != nil {
					t.Fatal(err)
				}
				for k, part := range o.Parts {
					if want := rulesFor(platform).count(part.Text) + spoiler; part.Length != want {
						t.Fatalf("%d/%s/%s: part %d has Length %d, its count is %d:\n%q", i, platform, mode, k+1, part.Length, want, part.Text)
					}
				}
			}
		}
	}
}

// appendURLsAlways is appendURLs as it was, asking matchURL after every
// label followed by a dot or a colon: the reference for the shortcut.
func appendURLsAlways(out []span, s string, bare bool) []span {
	if strings.IndexByte(s, '.') < 0 || !bare && strings.IndexByte(s, ':') < 0 {
		return out
	}
	for q := 0; q < len(s); {
		c := s[q]
		if c < utf8.RuneSelf && isASCIIAlnum(rune(c)) && q > 0 {
			q++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[q:])
		}
		if validURLPreceding(r) {
			i := q + size
			e := labelEnd(s, i)
			if e < len(s) && (s[e] == '.' || s[e] == ':') {
				if m, ok := matchURL(s, i); ok {
					out = m.appendTo(out, s, r, bare)
					q = m.end
					continue
				}
			}
			if e > i && (e == len(s) || s[e] != '.' && s[e] != ':') {
				q = e
				continue
			}
		}
		if q == 0 {
			if m, ok := matchURL(s, 0); ok {
				out = m.appendTo(out, s, -1, bare)
				q = m.end
				continue
			}
		}
		q += size
	}
	return out
}

// TestAppendURLsShortcut: the URLs found are the same with and without
// the shortcut that skips full stops, on random texts of words, dots,
// colons, schemes, domains and non-ASCII letters.
func TestAppendURLsShortcut(t *testing.T) {
	pieces := []string{"a", "word", " ", ".", ". ", ":", "://", "http", "https://", "example", ".com", ".co", "..", "-", "_",
		"é", "日本", "\u00a0", "/", "?q=1", "(", ")", "@", "#", "x.y", "t.co/abc", "\n", "www", ".jp", "1", ".1"}
	r := rand.New(rand.NewPCG(31, 32))
	for range 100000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		for _, bare := range []bool{true, false} {
			if got, want := appendURLs(nil, s, bare), appendURLsAlways(nil, s, bare); !slices.Equal(got, want) {
				t.Fatalf("appendURLs(%q, %v) = %v, want %v", s, bare, got, want)
			}
		}
	}
}

// TestAppendURLsSkipsToDots: the URLs found are the ones the reference
// finds when the search jumps to the last space before each dot, on
// longer random texts of prose words, spaces of every kind, sentence
// ends, URLs and their pieces, and on the long-form corpus's texts.
func TestAppendURLsSkipsToDots(t *testing.T) {
	pieces := []string{"word", "words", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", ".", ". ", "end.", ":", "://",
		"http://", "https://", "example", "example.com", ".com", ".co.uk", "x.y", "t.co/abc", "www.", "-", "_", "/", "?q=1&r=2",
		"(", ")", "@", "#", "é", "日本語", "ELPAÍS.com", "a.b.c", "1.5", "e.g.", "...", "\xff", "xn--", "foo_bar.com", "-x.com"}
	r := rand.New(rand.NewPCG(41, 42))
	texts := []string{}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(60) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, p := range longFormPosts(t, 100) {
		texts = append(texts, p.Markdown)
		for _, part := range p.Body.Parts {
			for _, style := range []Style{StyleFor(PlatformX), StyleFor(PlatformBluesky)} {
				text, _ := PlainText(part.Blocks, style)
				texts = append(texts, text)
			}
		}
	}
	for _, s := range texts {
		for _, bare := range []bool{true, false} {
			if got, want := appendURLs(nil, s, bare), appendURLsAlways(nil, s, bare); !slices.Equal(got, want) {
				t.Fatalf("appendURLs(%q, %v) = %v, want %v", s, bare, got, want)
			}
		}
	}
}

// TestSegmentASCII: an ASCII text read a byte at a time is segmented as
// the general reading segments it (levels, cluster ends, trims and
// coarse breaks), on random ASCII texts of words, every kind of white
// space and CR LF, sentence ends and URLs, and the long-form corpus.
func TestSegmentASCII(t *testing.T) {
	pieces := []string{"a", "word", "Word", " ", "  ", "\t", "\n", "\n\n", "\r", "\r\n", "\r\n\r\n", "\v", "\f", ".", ". ", "!", "?",
		"\"", "'", ")", "]", "done.\"", "e.g.", "https://example.com/a", "x.y", "-", "1.", "\n- item", "> quote", " \n",
		"\x00", "\x01", "\x1f", "\x1e ", "!!", "!\x01!", "abcdefghijklmnopqrstuvwxyz", "incremental", "\x7f", " !"}
	r := rand.New(rand.NewPCG(61, 62))
	var texts []string
	for range 20000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, p := range longFormPosts(t, 50) {
		for _, part := range p.Body.Parts {
			text, _ := PlainText(part.Blocks, StyleFor(PlatformX))
			texts = append(texts, text, p.Markdown)
		}
	}
	for _, text := range texts {
		got := newSegmentation(text, nil, nil)
		if !got.ascii {
			t.Fatalf("%q: not seen as ASCII", text)
		}
		want := &segmentation{text: got.text, level: make([]uint8, len(got.text)+1), trim: make([]int32, len(got.text)+1)}
		want.segment(false)
		if !slices.Equal(got.level, want.level) || !slices.Equal(got.trim, want.trim) || !slices.Equal(got.coarse, want.coarse) {
			t.Fatalf("segmentation of %q:\nlevels %v\nwant   %v\ntrim %v\nwant %v\ncoarse %v\nwant   %v",
				text, got.level, want.level, got.trim, want.trim, got.coarse, want.coarse)
		}
	}
}

// TestNextASCIISpace: the eight-bytes-at-a-time search finds the first
// white space a byte-by-byte search finds, from every offset of random
// ASCII texts of letters, punctuation, control characters and spaces.
func TestNextASCIISpace(t *testing.T) {
	chars := "ab!\x00\x01\x1f\x20\x21\t\n\v\f\r\x7f~"
	r := rand.New(rand.NewPCG(63, 64))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for k := range b {
			b[k] = chars[r.IntN(len(chars))]
		}
		s := string(b)
		for i := 0; i <= len(s); i++ {
			want := i
			for want < len(s) && !asciiSpace[s[want]] {
				want++
			}
			if got := nextASCIISpace(s, i); got != want {
				t.Fatalf("nextASCIISpace(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	}
}

// TestPathCharTables: the tables of ASCII path characters say what
// validGeneralUrlPathChars and validUrlPathEndingChars say.
func TestPathCharTables(t *testing.T) {
	for c := range rune(utf8.RuneSelf) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if want := alnum || strings.ContainsRune("!*';:=+,.$/%#[]-_~@|&", c); isPathChar(c) != want {
			t.Errorf("isPathChar(%q) = %v, want %v", c, !want, want)
		}
		if want := alnum || strings.ContainsRune("+-=_#/", c); isPathEnd(c) != want {
			t.Errorf("isPathEnd(%q) = %v, want %v", c, !want, want)
		}
	}
}
