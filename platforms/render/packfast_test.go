package render

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heraldhq/herald/schema"
)

// packWeightedWalk is packWeighted as it was, walking every byte: forward
// from each start to the farthest break that fits, then back through the
// piece for the farthest break of the coarsest level. The reference for
// the bisection and the list of coarse breaks.
func (ps *partSplit) packWeightedWalk(lim schema.Limits, extraW, extraB int, fits func(span) bool) ([]span, bool) {
	text, lv, cw, trim := ps.sg.text, ps.lv, ps.cw, ps.sg.trim
	n := len(text)
	next := func(p int) int {
		for p++; p < n && lv[p]&levelMask == noBreak; p++ {
		}
		return p
	}
	var out []span
	pos := skipSpace(text, 0)
	for pos < n {
		if len(out) == MaxThreadParts-1 {
			out = append(out, trimSpan(text, span{pos, n}))
			break
		}
		base := cw[pos]
		first := next(pos)
		reach := -1
		for c := first; c <= n; c = next(c) {
			e := int(trim[c])
			if lim.Bytes > 0 && e-pos+extraB > lim.Bytes || lim.Length > 0 && int(cw[e]-base)+extraW > lim.Length {
				break
			}
			reach = c
			if c == n {
				break
			}
		}
		var end int
		if reach < 0 {
			end = first
			if fits(trimSpan(text, span{pos, end})) {
				return nil, false
			}
		} else {
			if !fits(trimSpan(text, span{pos, reach})) ||
				reach < n && fits(trimSpan(text, span{pos, next(reach)})) {
				return nil, false
			}
			best, bestLevel := reach, lv[reach]&levelMask
			for k := reach - 1; k > pos && bestLevel > breakParagraph; k-- {
				if l := lv[k] & levelMask; l < bestLevel {
					best, bestLevel = k, l
				}
			}
			end = best
		}
		out = append(out, trimSpan(text, span{pos, end}))
		pos = skipSpace(text, end)
	}
	return out, true
}

// TestPackWeightedMatchesWalk: the bisecting packer cuts every text where
// the byte-walking one does, on random long bodies (links, URLs, CJK,
// emoji, lists, long words), every platform, limits from tight to loose,
// with and without numbering room and a content warning, and with the
// counter's checks answering both ways.
func TestPackWeightedMatchesWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	platforms := []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn}
	long := []string{strings.Repeat("a", 300), strings.Repeat("日本", 200), "https://example.com/" + strings.Repeat("p", 400)}
	packed, pieces := map[string]int{}, 0
	for i := range 400 {
		src := randomBody(r, 5+r.IntN(700))
		if r.IntN(5) == 0 {
			src += " " + long[r.IntN(len(long))] + " tail."
		}
		for _, platform := range platforms {
			rl := rulesFor(platform)
			bt := buildText(postFromMarkdown(src).Body.Parts[0].Blocks, rl.style)
			var rr Renderer
			ps := rr.newPartSplit(rl, bt)
			lim := benchLimits[platform]
			switch r.IntN(4) {
			case 0:
				lim.Length = 10 + r.IntN(60)
			case 1:
				lim.Length = lim.Length / (2 + r.IntN(3))
			}
			if r.IntN(4) == 0 {
				lim.Bytes = 30 + r.IntN(400)
			}
			extraW, extraB := 0, 0
			if r.IntN(2) == 0 {
				extraW, extraB = r.IntN(8), r.IntN(8)
			}
			name := fmt.Sprintf("%d/%s/%+v/%d,%d", i, platform, lim, extraW, extraB)
			// The counter's check, then the weights' own answer, which
			// always agrees with the packing: every text is packed to its
			// end that way.
			checks := map[string]func(span) bool{
				"counter": func(s span) bool {
					n, b := measure(rl, ps.sg.text[s.start:s.end])
					return !(lim.Bytes > 0 && b+extraB > lim.Bytes || lim.Length > 0 && n+extraW > lim.Length)
				},
				"weights": func(s span) bool {
					w := int(ps.cw[s.end] - ps.cw[s.start])
					return !(lim.Bytes > 0 && s.end-s.start+extraB > lim.Bytes || lim.Length > 0 && w+extraW > lim.Length)
				},
			}
			for kind, fits := range checks {
				got, gotOK := ps.packWeighted(lim, extraW, extraB, fits)
				want, wantOK := ps.packWeightedWalk(lim, extraW, extraB, fits)
				if gotOK != wantOK || !slices.Equal(got, want) {
					t.Fatalf("%s/%s: packWeighted = %v, %v; the walk gives %v, %v\n%q", name, kind, got, gotOK, want, wantOK, ps.sg.text)
				}
				if gotOK {
					packed[kind]++
					pieces += len(got)
				}
			}
			rr.Release()
		}
	}
	// Both checks must have let most texts be packed to the end, or the
	// comparison compared little.
	if packed["counter"] < 1500 || packed["weights"] < 1900 {
		t.Errorf("texts packed to the end: %v of 2000 each; want most", packed)
	}
	t.Logf("texts packed to the end: %v of 2000 each, %d pieces", packed, pieces)
}

// TestCoarseBreaksListed: the segmentation's list of coarse breaks holds
// exactly the offsets whose level is a paragraph's or a sentence's.
func TestCoarseBreaksListed(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for i := range 2000 {
		text := randomBody(r, r.IntN(200))
		if r.IntN(3) == 0 {
			text = strings.NewReplacer(" ", "。", ".", "！").Replace(text)
		}
		sg := newSegmentation(text, nil, nil)
		var want []int32
		for p, l := range sg.level {
			if l&levelMask <= breakSentence {
				want = append(want, int32(p))
			}
		}
		if !slices.Equal(sg.coarse, want) {
			t.Fatalf("%d: coarse breaks %v, want %v in %q", i, sg.coarse, want, sg.text)
		}
	}
}

// TestCountWithKnownURLs: a text's count taken with the URLs already
// found in it is its platform's count, for every platform, on random
// bodies and on texts of URL fragments, non-NFC accents and CJK.
func TestCountWithKnownURLs(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	pieces := []string{"a", " ", ".", "http://", "https://", "example", ".com", ".jp", "/path", "日本", "e\u0301", "é", "👩\u200d👧",
		"@ops@hachyderm.io", "t.co/abc", "\n", "www.", "(", ")", "?q=1", "\u00a0", "Å"}
	for i := range 20000 {
		var text string
		if i%4 == 0 {
			rl := rulesFor(PlatformX)
			text = buildText(postFromMarkdown(randomBody(r, 5+r.IntN(300))).Body.Parts[0].Blocks, rl.style).text
		} else {
			var b strings.Builder
			for range r.IntN(16) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			text = b.String()
		}
		for _, platform := range []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, "instagram", "pinterest"} {
			rl := rulesFor(platform)
			var rr Renderer
			if got, want := rr.info(text).count(rl), rl.count(text); got != want {
				t.Fatalf("%s: count with known URLs %d, counter %d: %q", platform, got, want, text)
			}
			rr.Release()
		}
	}
}
