package render

import (
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
	spans := splitSpans(text, lim, count, numbered, extractURLs(text, true))
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

// splitSpans is Split's work: the byte ranges of text that make the
// pieces, with no surrounding white space. keep are ranges that must not be
// broken (URLs, link facets).
func splitSpans(text string, lim schema.Limits, count func(string) int, numbered bool, keep []span) []span {
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	if lim.Length <= 0 && lim.Bytes <= 0 {
		return []span{trimSpan(text, span{0, len(text)})}
	}
	breaks := breakPoints(text, keep)
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
// of the coarsest level that still fits.
func pack(text string, breaks [breakLevels][]int, fits func(span) bool) []span {
	var out []span
	pos := skipSpace(text, 0)
	for pos < len(text) {
		whole := trimSpan(text, span{pos, len(text)})
		if fits(whole) {
			out = append(out, whole)
			break
		}
		end := -1
		for level := 0; level < breakLevels && end < 0; level++ {
			end = farthestFit(text, pos, breaks[level], fits)
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

// farthestFit binary-searches the sorted break points after pos for the
// farthest one whose piece fits, or -1.
func farthestFit(text string, pos int, points []int, fits func(span) bool) int {
	lo := sort.SearchInts(points, pos+1)
	cands := points[lo:]
	// Pieces grow with their end, so fitting is monotone (up to URL
	// weighting, which break points never cut into).
	n := sort.Search(len(cands), func(i int) bool {
		s := trimSpan(text, span{pos, cands[i]})
		return s.end > s.start && !fits(s)
	})
	for i := n - 1; i >= 0; i-- {
		s := trimSpan(text, span{pos, cands[i]})
		if s.end > s.start && fits(s) {
			return cands[i]
		}
	}
	return -1
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
	inside := func(p int) bool {
		for _, k := range keep {
			if k.start < p && p < k.end {
				return true
			}
		}
		return false
	}
	var sets [breakLevels]map[int]bool
	for i := range sets {
		sets[i] = map[int]bool{}
	}
	add := func(level, p int) {
		if p <= 0 || p > len(text) || inside(p) {
			return
		}
		for l := level; l < breakLevels; l++ {
			sets[l][p] = true
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
	g := uniseg.NewGraphemes(text)
	for g.Next() {
		_, to := g.Positions()
		add(breakGrapheme, to)
	}
	add(breakParagraph, len(text))
	var out [breakLevels][]int
	for l := range sets {
		for p := range sets[l] {
			out[l] = append(out[l], p)
		}
		sort.Ints(out[l])
	}
	return out
}

// endsSentence reports whether s ends with sentence punctuation, maybe
// followed by closing quotes or brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, `"'”’)]»`)
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?…。！？", r)
}
