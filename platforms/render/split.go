package render

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/heraldhq/herald/schema"
	"github.com/rivo/uniseg"
)

// Split cuts text into thread pieces that each fit lim, as counted by
// count and in UTF-8 bytes. It breaks at paragraph boundaries first, then
// after sentences (and at line ends), then between words, and only as a
// last resort between grapheme clusters; never inside a URL or a grapheme
// cluster. With numbered, every piece ends with " i/n", whose room is kept
// while packing. A URL that alone does not fit stays whole in a piece of
// its own, over the limit, for validation to report. The result depends
// only on the arguments.
func Split(text string, lim schema.Limits, count func(string) int, numbered bool) []string {
	spans := splitSpans(newBreaks(text, extractURLs(text, true)), lim, count, numbered)
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = text[s.start:s.end] + numberSuffix(numbered && len(spans) > 1, i+1, len(spans))
	}
	return out
}

func numberSuffix(numbered bool, i, n int) string {
	if !numbered {
		return ""
	}
	return " " + strconv.Itoa(i) + "/" + strconv.Itoa(n)
}

// Break levels, coarsest first.
const (
	breakParagraph = iota
	breakSentence
	breakWord
	breakGrapheme
	breakLevels
)

// breaks is a text to split, white space trimmed from its end, with the
// places it may be broken at. Computing them walks the whole text, so a
// caller that splits one text several times computes them once.
type breaks struct {
	text   string
	points [breakLevels][]int
}

// newBreaks finds the break points of text; keep are ranges that must
// not be broken (URLs, link facets).
func newBreaks(text string, keep []span) *breaks {
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	return &breaks{text: text, points: breakPoints(text, keep)}
}

// splitSpans is Split's work: the byte ranges of b.text that make the
// pieces, with no surrounding white space.
func splitSpans(b *breaks, lim schema.Limits, count func(string) int, numbered bool) []span {
	text := b.text
	if lim.Length <= 0 && lim.Bytes <= 0 {
		return []span{trimSpan(text, span{0, len(text)})}
	}
	breaks := b.points
	digits := 1
	for {
		reserve := ""
		if numbered {
			nines := strings.Repeat("9", digits)
			reserve = " " + nines + "/" + nines
		}
		fits := func(s span) bool {
			piece := text[s.start:s.end] + reserve
			if lim.Bytes > 0 && len(piece) > lim.Bytes {
				return false
			}
			return lim.Length <= 0 || count(piece) <= lim.Length
		}
		spans := pack(text, breaks, fits)
		if !numbered || len(strconv.Itoa(len(spans))) <= digits {
			return spans
		}
		digits = len(strconv.Itoa(len(spans)))
	}
}

// pack greedily fills pieces: from each start it takes the farthest break
// of the coarsest level that still fits. The last paragraph break is the
// end of text, so a rest that fits whole is taken whole.
//
// It first finds how far any piece from the start can reach (the farthest
// grapheme break that fits: every break is one), searching near where the
// previous piece ended, and looks for coarser breaks only up to there: it
// measures pieces about as long as the ones it makes, never the whole
// rest of a long text, so splitting stays linear in the text.
func pack(text string, breaks [breakLevels][]int, fits func(span) bool) []span {
	var out []span
	pos := skipSpace(text, 0)
	hint := 1 // grapheme breaks in the previous piece
	for pos < len(text) {
		if len(out) == MaxThreadParts-1 {
			out = append(out, trimSpan(text, span{pos, len(text)}))
			break
		}
		end := -1
		reach, used := farthestFit(text, pos, breaks[breakGrapheme], fits, hint)
		if reach >= 0 {
			hint = used
			for level := 0; level < breakLevels && end < 0; level++ {
				points := breaks[level]
				points = points[:sort.SearchInts(points, reach+1)]
				// Every break up to reach fits: try the last one first.
				end, _ = farthestFit(text, pos, points, fits, len(points))
			}
		}
		if end < 0 {
			// Nothing fits: the next unbreakable unit goes alone.
			end = firstBreakAfter(breaks[breakGrapheme], pos, len(text))
		}
		out = append(out, trimSpan(text, span{pos, end}))
		pos = skipSpace(text, end)
	}
	return out
}

// farthestFit searches the sorted break points after pos for the farthest
// one whose piece fits, or -1, starting near the hint-th of them; it also
// returns how many of them fit. Pieces grow with their end, so fitting is
// monotone (up to URL weighting, which break points never cut into).
func farthestFit(text string, pos int, points []int, fits func(span) bool, hint int) (int, int) {
	cands := points[sort.SearchInts(points, pos+1):]
	memo := map[int]bool{}
	tooLong := func(i int) bool {
		if v, ok := memo[i]; ok {
			return v
		}
		s := trimSpan(text, span{pos, cands[i]})
		v := s.end > s.start && !fits(s)
		memo[i] = v
		return v
	}
	n := firstTrue(len(cands), tooLong, hint)
	for i := n - 1; i >= 0; i-- {
		if s := trimSpan(text, span{pos, cands[i]}); s.end > s.start && !tooLong(i) {
			return cands[i], n
		}
	}
	return -1, n
}

// firstTrue returns the smallest i in [0, n) for which the monotone f is
// true, or n. It gallops out from the hint-th index before it bisects, so
// that it asks f about indexes near the answer when the hint is good.
func firstTrue(n int, f func(int) bool, hint int) int {
	if n == 0 {
		return 0
	}
	lo, hi := -1, n // f(lo) is false, f(hi) true, as if beyond the ends
	h := min(max(hint, 1), n) - 1
	if f(h) {
		hi = h
		for step := 1; hi-step >= 0; step *= 2 {
			if !f(hi - step) {
				lo = hi - step
				break
			}
			hi -= step
		}
	} else {
		lo = h
		for step := 1; lo+step < n; step *= 2 {
			if f(lo + step) {
				hi = lo + step
				break
			}
			lo += step
		}
	}
	return lo + 1 + sort.Search(hi-lo-1, func(i int) bool { return f(lo + 1 + i) })
}

func firstBreakAfter(points []int, pos, def int) int {
	i := sort.SearchInts(points, pos+1)
	if i < len(points) {
		return points[i]
	}
	return def
}

func skipSpace(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

func trimSpan(text string, s span) span {
	for s.start < s.end {
		r, size := utf8.DecodeRuneInString(text[s.start:s.end])
		if !unicode.IsSpace(r) {
			break
		}
		s.start += size
	}
	for s.end > s.start {
		r, size := utf8.DecodeLastRuneInString(text[s.start:s.end])
		if !unicode.IsSpace(r) {
			break
		}
		s.end -= size
	}
	return s
}

// breakPoints lists, per level, the sorted byte offsets where a piece may
// end. A coarser break is also a finer one. No break falls strictly inside
// a keep range.
func breakPoints(text string, keep []span) [breakLevels][]int {
	// The keep ranges, sorted and merged, answer "inside?" by bisection.
	merged := append([]span(nil), keep...)
	sort.Slice(merged, func(i, j int) bool { return merged[i].start < merged[j].start })
	w := 0
	for _, k := range merged {
		if w > 0 && k.start < merged[w-1].end {
			merged[w-1].end = max(merged[w-1].end, k.end)
			continue
		}
		merged[w] = k
		w++
	}
	merged = merged[:w]
	inside := func(p int) bool {
		i := sort.Search(len(merged), func(i int) bool { return merged[i].start >= p }) - 1
		return i >= 0 && p < merged[i].end
	}
	var out [breakLevels][]int
	add := func(level, p int) {
		if p <= 0 || p > len(text) || inside(p) {
			return
		}
		for l := level; l < breakLevels; l++ {
			out[l] = append(out[l], p)
		}
	}
	// White-space runs: a paragraph break if the run holds two newlines, a
	// sentence-level break if it holds one, a word break otherwise; a run
	// after sentence punctuation is a sentence break.
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) {
			i += size
			continue
		}
		start := i
		newlines := 0
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) {
				break
			}
			if r == '\n' {
				newlines++
			}
			i += size
		}
		switch {
		case newlines >= 2:
			add(breakParagraph, start)
		case newlines == 1 || endsSentence(text[:start]):
			add(breakSentence, start)
		default:
			add(breakWord, start)
		}
	}
	// CJK full stops end sentences without a following space.
	for i, r := range text {
		if r == '。' || r == '！' || r == '？' {
			add(breakSentence, i+utf8.RuneLen(r))
		}
	}
	graphemeEnds(text, func(end int) { add(breakGrapheme, end) })
	add(breakParagraph, len(text))
	for l := range out {
		sort.Ints(out[l])
		out[l] = slices.Compact(out[l])
	}
	return out
}

// graphemeEnds calls fn with the end of every grapheme cluster of text,
// in order. Two ASCII characters are always two clusters, but for CR LF:
// only the stretches around other characters go through uniseg, which
// is slow.
func graphemeEnds(text string, fn func(end int)) {
	for i := 0; i < len(text); {
		if text[i] < utf8.RuneSelf && text[i] != '\r' && (i+1 == len(text) || text[i+1] < utf8.RuneSelf) {
			fn(i + 1)
			i++
			continue
		}
		k := i + 1
		for k < len(text) && !(text[k-1] < utf8.RuneSelf && text[k-1] != '\r' && text[k] < utf8.RuneSelf) {
			k++
		}
		g := uniseg.NewGraphemes(text[i:k])
		for g.Next() {
			_, to := g.Positions()
			fn(i + to)
		}
		i = k
	}
}

// endsSentence reports whether s ends with sentence punctuation, maybe
// followed by closing quotes or brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, `"'”’)]»`)
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?…。！？", r)
}
