package render

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heraldhq/herald/schema"
)

// urlTexts are random texts of words, spaces of every kind, sentence
// ends, URLs and pieces of them, for the URL search's shortcuts.
func urlTexts(r *rand.Rand, n, words int) []string {
	pieces := []string{"word", "words", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", ".", ". ", "end.", ":", "://",
		"http://", "https://", "example", "example.com", ".com", ".co.uk", "x.y", "t.co/abc", "www.", "-", "_", "/", "?q=1&r=2",
		"(", ")", "@", "#", "é", "日本語", "ELPAÍS.com", "a.b.c", "1.5", "e.g.", "...", "\xff", "xn--", "foo_bar.com", "-x.com",
		"@ops@hachyderm.io", "@maria"}
	var out []string
	for range n {
		var b strings.Builder
		for range r.IntN(words) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out = append(out, b.String())
	}
	return out
}

// TestPieceURLs: the URLs of a piece of a text, found from the whole
// text's URLs and a search of the piece's first and last words, are the
// ones a search of the whole piece finds, for any piece of random texts.
func TestPieceURLs(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, text := range urlTexts(r, 5000, 60) {
		for _, bare := range []bool{true, false} {
			all := appendURLs(nil, text, bare)
			for range 20 {
				a := r.IntN(len(text) + 1)
				b := a + r.IntN(len(text)-a+1)
				got := pieceURLs(nil, text, all, span{a, b}, bare)
				if want := appendURLs(nil, text[a:b], bare); !slices.Equal(got, want) {
					t.Fatalf("pieceURLs(%q, [%d:%d], %v) = %v, want %v (piece %q)", text, a, b, bare, got, want, text[a:b])
				}
			}
		}
	}
}

// TestPieceMeasure: a piece measured by its split (what is known of the
// whole text, no copy) counts as the platform's counter counts it, with
// and without numbering room, for every platform, on pieces between
// break points and anywhere else, of random bodies, random URL texts and
// the long-form corpus's texts.
func TestPieceMeasure(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	var srcs []string
	for range 150 {
		srcs = append(srcs, randomBody(r, 20+r.IntN(400)))
	}
	srcs = append(srcs, urlTexts(r, 300, 80)...)
	for _, p := range longFormPosts(t, 60) {
		srcs = append(srcs, p.Markdown)
	}
	platforms := []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn, "instagram", "ghost"}
	for i, src := range srcs {
		var rr Renderer
		for _, part := range postFromMarkdown(src).Body.Parts {
			measurePieces(t, r, &rr, part.Blocks, platforms, i)
		}
		rr.Release()
	}
}

// measurePieces compares the split's measure of random pieces of the
// blocks' text with the counter's, for each platform.
func measurePieces(t *testing.T, r *rand.Rand, rr *Renderer, blocks []schema.Block, platforms []string, i int) {
	t.Helper()
	for _, platform := range platforms {
		rl := rulesFor(platform)
		ps := rr.newPartSplit(rl, buildTextIn(rr, blocks, rl.style))
		text := ps.sg.text
		var breaks []int
		for p, l := range ps.lv {
			if l&levelMask != noBreak {
				breaks = append(breaks, p)
			}
		}
		for range 30 {
			var s span
			if len(breaks) > 0 && r.IntN(2) == 0 {
				a, b := breaks[r.IntN(len(breaks))], breaks[r.IntN(len(breaks))]
				s = trimSpan(text, span{min(a, b), max(a, b)})
			} else {
				a := r.IntN(len(text) + 1)
				s = span{a, a + r.IntN(len(text)-a+1)}
			}
			for _, reserve := range []string{"", " 9/9"} {
				gotN, gotB := ps.measure(s, reserve)
				wantN, wantB := measure(rl, text[s.start:s.end]+reserve)
				if gotN != wantN || gotB != wantB {
					t.Fatalf("%d/%s: measure of %q+%q = %d, %d; the counter's is %d, %d", i, platform, text[s.start:s.end], reserve, gotN, gotB, wantN, wantB)
				}
			}
		}
	}
}

// TestWeightsASCII: the running weights written directly for an ASCII
// text are the ones summed cluster by cluster, for every platform, on
// random ASCII bodies (URLs, remote mentions, CR LF) and the long-form
// corpus.
func TestWeightsASCII(t *testing.T) {
	pieces := []string{"word", " ", "\n\n", "\r\n", "\r", ". ", "https://example.com/a", "example.org", "x.y", "t.co/abc",
		"@ops@hachyderm.io", "@maria", "@a@b.c\r\n", "http://a.b\r\n", "#tag", "e.g.", "-", "(", ")"}
	r := rand.New(rand.NewPCG(55, 56))
	var texts []string
	for range 5000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, p := range longFormPosts(t, 50) {
		for _, part := range p.Body.Parts {
			text, _ := PlainText(part.Blocks, StyleFor(PlatformX))
			texts = append(texts, text)
		}
	}
	platforms := []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, "instagram", "ghost"}
	for _, text := range texts {
		var rr Renderer
		for _, platform := range platforms {
			ps := rr.newPartSplit(rulesFor(platform), builtText{text: text})
			if !ps.sg.ascii {
				t.Fatalf("%q: not seen as ASCII", text)
			}
			got, monotone := slices.Clone(ps.cw), ps.monotone
			want := ps.weightsAny()
			if !slices.Equal(got, want) || monotone != ps.monotone {
				t.Fatalf("%s: weights of %q\n%v\nwant %v", platform, text, got, want)
			}
		}
		rr.Release()
	}
}

// TestCountPlainTexts: a whole text's count taken with what is known of
// it (ASCII, CR LF, its URLs), and its pieces' counts taken by a split,
// are the counters' on random texts, ASCII or not, with CR LF, bare CR,
// URLs and remote mentions, given as they are (not through Markdown,
// which would change their line ends).
func TestCountPlainTexts(t *testing.T) {
	pieces := []string{"word", " ", "\r\n", "\r", "\n", ". ", "https://example.com/a", "example.org", "t.co/abc",
		"@ops@hachyderm.io", "@maria", "#tag", "é", "👍", "e\u0301", "日本", "\r\n\r\n", "(", ")"}
	r := rand.New(rand.NewPCG(57, 58))
	platforms := []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn, "instagram", "ghost"}
	for range 4000 {
		var b strings.Builder
		ascii := r.IntN(2) == 0
		for range r.IntN(40) {
			p := pieces[r.IntN(len(pieces))]
			if ascii && !isASCIIString(p) {
				continue
			}
			b.WriteString(p)
		}
		text := strings.TrimLeft(b.String(), " \r\n")
		var rr Renderer
		for _, platform := range platforms {
			rl := rulesFor(platform)
			if got, want := rr.info(text).count(rl), rl.count(text); got != want {
				t.Fatalf("%s: count with what is known %d, counter %d: %q", platform, got, want, text)
			}
			ps := rr.newPartSplit(rl, builtText{text: text})
			for range 20 {
				a := r.IntN(len(ps.sg.text) + 1)
				s := span{a, a + r.IntN(len(ps.sg.text)-a+1)}
				gotN, gotB := ps.measure(s, "")
				wantN, wantB := measure(rl, ps.sg.text[s.start:s.end])
				if gotN != wantN || gotB != wantB {
					t.Fatalf("%s: measure of %q = %d, %d; the counter's is %d, %d", platform, ps.sg.text[s.start:s.end], gotN, gotB, wantN, wantB)
				}
			}
		}
		rr.Release()
	}
}
