package render

import (
	"math/bits"
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
	sg := newSegmentation(text, nil, nil)
	spans := splitSpans(sg.text, sg.points(sg.urls), lim, count, numbered)
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = sg.text[s.start:s.end] + numberSuffix(numbered && len(spans) > 1, i+1, len(spans))
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
	noBreak = 0x7f
)

// segmentation is what splitting needs to know about a text, whatever
// the platform: where it may break and how coarsely, where its grapheme
// clusters end, where white space ends each prefix, and its URLs. It is
// computed in one pass over the text and shared by every platform that
// receives the same text.
type segmentation struct {
	// text is the text to split, white space trimmed from its end.
	text string
	// ascii says that text is all ASCII, and crlf that it holds a CR LF.
	ascii, crlf bool
	// level[p] is the coarsest break at byte offset p (0 to len(text)),
	// or noBreak, with clusterEnd set where a grapheme cluster ends. URLs
	// and links are not yet taken out: what must not be broken differs
	// between platforms.
	level []uint8
	// trim[p] is the end of text[:p] without its trailing white space.
	trim []int32
	// coarse are the offsets of the paragraph and sentence breaks, in
	// order: packing looks for the coarsest break of a piece among them
	// rather than through every byte.
	coarse []int32
	// urls are the URLs twitter-text finds, with or without a scheme.
	urls []span
	// http are the URLs with a scheme (Mastodon's), found on first use.
	http []span
	// httpDone says whether http was computed.
	httpDone bool
	// httpOf, if not nil, gives http as found already in the same text.
	httpOf func() []span
}

// clusterEnd marks the offsets in segmentation.level where a grapheme
// cluster ends; levelMask takes it off.
const (
	clusterEnd = 0x80
	levelMask  = 0x7f
)

// newSegmentation segments text in one pass: grapheme clusters (ASCII a
// byte at a time, uniseg's state machine over the rest, its state carried
// from cluster to cluster), white-space runs (a paragraph break if the run
// holds two newlines, a sentence-level break if it holds one or follows
// sentence punctuation, a word break otherwise) and CJK full stops.
//
// urls, if not nil, returns the URLs of the text before trimming, found
// already: they are the same, white space ending no URL. The arrays come
// from mem, if not nil.
func newSegmentation(text string, urls func() []span, mem *arena) *segmentation {
	return newSegmentationOf(text, false, urls, mem)
}

// newSegmentationOf is newSegmentation of a text known to be ASCII if
// ascii is set (else it is looked at).
func newSegmentationOf(text string, ascii bool, urls func() []span, mem *arena) *segmentation {
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	n := len(text)
	sg := &segmentation{text: text, ascii: ascii || isASCIIString(text), level: mem.bytes(n + 1), trim: mem.int32s(n + 1)}
	// About a sentence in every 64 bytes, so that the list is not grown
	// break by break.
	sg.coarse = mem.int32s(n/64 + 4)[:0]
	sg.crlf = sg.ascii && strings.Contains(text, "\r\n")
	sg.segment(sg.ascii)
	if urls != nil {
		sg.urls = urls()
	} else {
		sg.urls = extractURLs(text, true)
	}
	return sg
}

// segment fills the levels, trim and coarse breaks, reading the text a
// byte at a time if ascii (which it must then be).
func (sg *segmentation) segment(ascii bool) {
	sc := segScanner{sg: sg, sorted: true, run: -1}
	if ascii {
		sc.scanASCII()
	} else {
		sc.scan()
	}
	if sc.run >= 0 {
		sc.closeRun()
	}
	sc.set(len(sg.text), breakParagraph)
	if !sc.sorted {
		slices.Sort(sg.coarse)
		sg.coarse = slices.Compact(sg.coarse)
	}
}

// segScanner is newSegmentation's state while it reads the text.
type segScanner struct {
	sg     *segmentation
	sorted bool // whether sg.coarse is in order
	// lastSolid is the end of the last character that is not white space.
	lastSolid int32
	// run is where the white-space run being read starts (-1: none), and
	// newlines how many newlines it holds.
	run, newlines int
}

// set lowers the break level at p to l.
func (sc *segScanner) set(p int, l uint8) {
	sg := sc.sg
	lv := sg.level
	if p > 0 && l < lv[p]&levelMask {
		lv[p] = lv[p]&clusterEnd | l
		if l <= breakSentence {
			if k := len(sg.coarse); k == 0 || sg.coarse[k-1] < int32(p) {
				sg.coarse = append(sg.coarse, int32(p))
			} else if sg.coarse[k-1] > int32(p) {
				sc.sorted = false
				sg.coarse = append(sg.coarse, int32(p))
			}
		}
	}
}

// closeRun ends the white-space run, a break of its level.
func (sc *segScanner) closeRun() {
	switch {
	case sc.newlines >= 2:
		sc.set(sc.run, breakParagraph)
	case sc.newlines == 1 || endsSentence(sc.sg.text[:sc.run]):
		sc.set(sc.run, breakSentence)
	default:
		sc.set(sc.run, breakWord)
	}
	sc.run = -1
}

// scanASCII is scan for an ASCII text, where every byte is a cluster but
// a CR followed by an LF, which are one: it writes every offset as a
// cluster's end first, then reads the white space run by run, jumping
// over the words between. Its breaks come in order, so the coarse ones
// are listed in order; a run's break is set here rather than by
// closeRun, its level being the grapheme break every byte has.
func (sc *segScanner) scanASCII() {
	sg := sc.sg
	text, lv, trim := sg.text, sg.level, sg.trim
	n := len(text)
	// Every offset but the start ends a cluster, a grapheme break, and
	// ends a text without trailing space: so they are all written so
	// first, and the white space is then read run by run.
	lv[0] = noBreak
	if n > 0 {
		lv[1] = clusterEnd | breakGrapheme
		for done := 1; done < n; done *= 2 {
			copy(lv[1+done:], lv[1:1+done])
		}
	}
	for k := range trim {
		trim[k] = int32(k)
	}
	for i := nextASCIISpace(text, 0); i < n; i = nextASCIISpace(text, i) {
		// A run of white space from i: each offset in it (and at its end)
		// ends the text before it, trimmed, at i.
		newlines := 0
		j := i
		for ; j < n && asciiSpace[text[j]]; j++ {
			switch text[j] {
			case '\n':
				newlines++
			case '\r':
				if j+1 < n && text[j+1] == '\n' {
					lv[j+1] = noBreak // inside the cluster CR LF
				}
			}
			trim[j+1] = int32(i)
		}
		if i > 0 { // a run at the start is no break
			l := uint8(breakWord)
			switch {
			case newlines >= 2:
				l = breakParagraph
			case newlines == 1 || sentenceEnd[text[i-1]] && endsSentence(text[:i]):
				l = breakSentence
			}
			lv[i] = clusterEnd | l
			if l <= breakSentence {
				sg.coarse = append(sg.coarse, int32(i))
			}
		}
		i = j
	}
	sc.run = -1 // the text is trimmed: no run is left open
}

// nextASCIISpace returns the offset of the first white-space byte of the
// ASCII text s at or after i, or len(s). It reads eight bytes at a time:
// white space is below '!', and the lowest byte of a word that is below
// '!' is found by subtracting '!' from each (its top bit then set, as no
// byte is 0x80 or over); a control character found that way is no space
// and the search goes on after it.
func nextASCIISpace(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		for m := (x - '!'*ones) & ^x & highs; m != 0; m &= m - 1 {
			k := i + bits.TrailingZeros64(m)/8
			if asciiSpace[s[k]] {
				return k
			}
		}
	}
	for ; i < len(s); i++ {
		if asciiSpace[s[i]] {
			return i
		}
	}
	return i
}

// sentenceEnd are the ASCII characters a sentence's end (endsSentence)
// ends with: its punctuation, closing quotes and brackets.
var sentenceEnd = [utf8.RuneSelf]bool{'.': true, '!': true, '?': true, '"': true, '\'': true, ')': true, ']': true}

// scan reads any text.
func (sc *segScanner) scan() {
	text, lv, trim := sc.sg.text, sc.sg.level, sc.sg.trim
	n := len(text)
	trim[0] = 0
	for i := range lv {
		lv[i] = noBreak
	}
	state := -1
	for i := 0; i < n; {
		if c := text[i]; c < utf8.RuneSelf && c != '\r' && (i+1 == n || text[i+1] < utf8.RuneSelf) {
			// An ASCII cluster of one byte.
			if asciiSpace[c] {
				if sc.run < 0 {
					sc.run, sc.newlines = i, 0
				}
				if c == '\n' {
					sc.newlines++
				}
			} else {
				if sc.run >= 0 {
					sc.closeRun()
				}
				sc.lastSolid = int32(i + 1)
			}
			i++
			trim[i] = sc.lastSolid
			lv[i] = clusterEnd | min(lv[i]&levelMask, breakGrapheme)
			state = -1
			continue
		}
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(text[i:], state)
		for j := 0; j < len(cluster); {
			r, size := utf8.DecodeRuneInString(cluster[j:])
			j += size
			if unicode.IsSpace(r) {
				if sc.run < 0 {
					sc.run, sc.newlines = i, 0
				}
				if r == '\n' {
					sc.newlines++
				}
				for k := i + 1; k <= i+size; k++ {
					trim[k] = sc.lastSolid
				}
			} else {
				if sc.run >= 0 {
					sc.closeRun()
				}
				for k := i + 1; k < i+size; k++ {
					trim[k] = sc.lastSolid
				}
				sc.lastSolid = int32(i + size)
				trim[i+size] = sc.lastSolid
				if r == '。' || r == '！' || r == '？' {
					sc.set(i+size, breakSentence)
				}
			}
			i += size
		}
		lv[i] = clusterEnd | min(lv[i]&levelMask, breakGrapheme)
	}
}

// httpURLs returns the URLs with a scheme, as Mastodon finds them.
func (sg *segmentation) httpURLs() []span {
	if !sg.httpDone {
		if sg.httpOf != nil {
			sg.http = sg.httpOf()
		} else {
			sg.http = extractURLs(sg.text, false)
		}
		sg.httpDone = true
	}
	return sg.http
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// mergeSpans sorts and merges ranges that must not be broken.
func mergeSpans(keep []span) []span {
	merged := slices.Clone(keep)
	slices.SortFunc(merged, func(a, b span) int { return a.start - b.start })
	w := 0
	for _, k := range merged {
		if w > 0 && k.start < merged[w-1].end {
			merged[w-1].end = max(merged[w-1].end, k.end)
			continue
		}
		merged[w] = k
		w++
	}
	return merged[:w]
}

// candidates returns the offsets where the text may break, in order,
// with their levels: every offset with a break that is not strictly
// inside one of the merged keep ranges.
func (sg *segmentation) candidates(merged []span) ([]int32, []uint8) {
	pos := make([]int32, 0, len(sg.text)+1)
	lvs := make([]uint8, 0, len(sg.text)+1)
	k := 0
	for p, l := range sg.level {
		if l &= levelMask; l == noBreak {
			continue
		}
		for k < len(merged) && merged[k].end <= p {
			k++
		}
		if k < len(merged) && merged[k].start < p {
			continue
		}
		pos = append(pos, int32(p))
		lvs = append(lvs, l)
	}
	return pos, lvs
}

// points lists, per level, the offsets where a piece may end, outside
// keep: a coarser break is also a finer one.
func (sg *segmentation) points(keep []span) [breakLevels][]int {
	pos, lvs := sg.candidates(mergeSpans(keep))
	var out [breakLevels][]int
	for i, p := range pos {
		for l := lvs[i]; l < breakLevels; l++ {
			out[l] = append(out[l], int(p))
		}
	}
	return out
}

// splitSpans is Split's work, with any counter: the byte ranges of text
// that make the pieces, with no surrounding white space.
func splitSpans(text string, breaks [breakLevels][]int, lim schema.Limits, count func(string) int, numbered bool) []span {
	if lim.Length <= 0 && lim.Bytes <= 0 {
		return []span{trimSpan(text, span{0, len(text)})}
	}
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
	// The last answers, so that the search below asks fits once per
	// index; it asks about a few dozen.
	var memo [64]struct {
		i     int
		v, ok bool
	}
	tooLong := func(i int) bool {
		slot := &memo[i%len(memo)]
		if slot.ok && slot.i == i {
			return slot.v
		}
		s := trimSpan(text, span{pos, cands[i]})
		v := s.end > s.start && !fits(s)
		*slot = struct {
			i     int
			v, ok bool
		}{i, v, true}
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
		if c := text[i]; c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			i++
			continue
		}
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

// endsSentence reports whether s ends with sentence punctuation, maybe
// followed by closing quotes or brackets.
func endsSentence(s string) bool {
	for len(s) > 0 {
		r, size := rune(s[len(s)-1]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeLastRuneInString(s)
		}
		switch r {
		case '"', '\'', '”', '’', ')', ']', '»':
			s = s[:len(s)-size]
		case '.', '!', '?', '…', '。', '！', '？':
			return true
		default:
			return false
		}
	}
	return false
}
