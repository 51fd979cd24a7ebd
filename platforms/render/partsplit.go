package render

import (
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/heraldhq/herald/schema"
	"golang.org/x/text/unicode/norm"
)

// partSplit is one part's text made ready to split for one platform: its
// segmentation (shared with the other platforms), the offsets it may
// break at on this platform (outside its links and URLs), and the
// running weight of its grapheme clusters as the platform counts them.
// A candidate piece is then measured by one subtraction instead of a
// count of its text.
type partSplit struct {
	rl   *rules
	mem  *arena
	bt   builtText
	sg   *segmentation
	keep []span // never broken inside: links and URLs
	// lv is the segmentation's levels with no break inside keep.
	lv []uint8
	// cw[p] is the platform's weight of the clusters that end by offset p.
	cw []int32
	// monotone says that cw never falls (no weight is negative).
	monotone bool
}

func (r *Renderer) newPartSplit(rl *rules, bt builtText) *partSplit {
	sg := r.info(bt.text).segmentation()
	keep := make([]span, 0, len(bt.unsplit)+len(sg.urls))
	keep = append(append(keep, bt.unsplit...), sg.urls...)
	ps := &partSplit{rl: rl, mem: r.arena(), bt: bt, sg: sg, keep: keep}
	ps.lv = r.arena().bytes(len(sg.level))
	copy(ps.lv, sg.level)
	for _, k := range mergeSpans(keep) {
		for p := k.start + 1; p < k.end && p < len(ps.lv); p++ {
			ps.lv[p] = noBreak
		}
	}
	ps.cw = ps.weights()
	return ps
}

// split splits the part into thread pieces with the facets of each,
// relative to the piece. Room for the content warning and the numbering
// suffix (reserve) is kept in every piece, so that any of them fits.
//
// Pieces are packed by the running weights, then checked with the
// platform's own counter: each piece must fit and the next break after
// it must not, which is what the greedy packing asks. Should the weights
// and the counter ever disagree (a URL found differently in a piece than
// in the whole text), the part is packed again measuring every candidate
// piece with the counter.
func (ps *partSplit) split(lim schema.Limits, spoiler int, reserve string) []builtText {
	return ps.appendSplit(nil, lim, spoiler, reserve)
}

// appendSplit is split, appending the pieces to out.
func (ps *partSplit) appendSplit(out []builtText, lim schema.Limits, spoiler int, reserve string) []builtText {
	text := ps.sg.text
	fits := func(s span) bool {
		n, b := ps.measure(s, reserve)
		return !(lim.Bytes > 0 && b > lim.Bytes || lim.Length > 0 && n+spoiler > lim.Length)
	}
	var spans []span
	if lim.Length <= 0 && lim.Bytes <= 0 {
		spans = []span{trimSpan(text, span{0, len(text)})}
	} else {
		extra := spoiler
		if reserve != "" {
			extra += ps.rl.count(reserve)
		}
		var ok bool
		spans, ok = ps.packWeighted(lim, extra, len(reserve), fits)
		if !ok {
			spans = pack(text, ps.sg.points(ps.keep), fits)
		}
	}
	// A piece sent as it is, with nothing added to it and not escaped
	// (LinkedIn's), is counted here as the platform receives it, as
	// cheaply as while packing: the count is kept for the part.
	remember := reserve == "" && !ps.rl.escape
	out = slices.Grow(out, len(spans))
	for _, s := range spans {
		sub := sliceBuilt(ps.bt, s)
		if remember {
			n, _ := ps.measure(s, "")
			sub.counted = n + 1
		}
		out = append(out, sub)
	}
	return out
}

// measure is measure of a piece of the text and reserve, counted
// without copying the piece where nothing is added to it, with what is
// known of the whole text: that it is ASCII, and its URLs, which are the
// piece's but at its edges (pieceURLs).
func (ps *partSplit) measure(s span, reserve string) (length, bytes int) {
	if reserve != "" || ps.rl.escape {
		return measure(ps.rl, ps.sg.text[s.start:s.end]+reserve)
	}
	piece := ps.sg.text[s.start:s.end]
	var buf [32]span
	switch ps.rl.weigh {
	case weighX:
		ascii := ps.sg.ascii || isASCIIString(piece)
		if ascii || norm.NFC.IsNormalString(piece) {
			return countXURLs(piece, ascii, pieceURLs(buf[:0], ps.sg.text, ps.sg.urls, s, true)), len(piece)
		}
	case weighMastodon:
		plain := ps.sg.ascii && !ps.sg.crlf
		return countMastodonKnown(piece, plain, pieceURLs(buf[:0], ps.sg.text, ps.sg.httpURLs(), s, false)), len(piece)
	case weighGraphemes, weighThreads:
		if ps.sg.ascii {
			// An ASCII character is a cluster, but CR LF, and no emoji.
			return countASCIIClusters(piece, ps.sg.crlf), len(piece)
		}
	case weighCodePoints:
		if ps.sg.ascii {
			return len(piece), len(piece)
		}
	}
	return ps.rl.count(piece), len(piece)
}

// pieceURLs appends the URLs appendURLs finds in text[s.start:s.end],
// relative to the piece, given all, the URLs it finds in the whole text.
// The search stops at every ASCII space and goes on from it as from the
// start of what follows (no match or label runs over one), so between
// the piece's first and last space it finds what it found in the whole
// text; it is run again only on the piece's first and last words.
func pieceURLs(out []span, text string, all []span, s span, bare bool) []span {
	piece := text[s.start:s.end]
	first, last := -1, -1
	for i := 0; i < len(piece); i++ {
		if c := piece[i]; c < utf8.RuneSelf && asciiSpace[c] {
			first = i
			break
		}
	}
	if first < 0 {
		return appendURLs(out, piece, bare)
	}
	for i := len(piece) - 1; ; i-- {
		if c := piece[i]; c < utf8.RuneSelf && asciiSpace[c] {
			last = i
			break
		}
	}
	out = appendURLs(out, piece[:first], bare)
	i, _ := slices.BinarySearchFunc(all, s.start+first, func(u span, p int) int { return u.start - p })
	for ; i < len(all) && all[i].start < s.start+last; i++ {
		out = append(out, span{all[i].start - s.start, all[i].end - s.start})
	}
	n := len(out)
	out = appendURLs(out, piece[last:], bare)
	for k := n; k < len(out); k++ {
		out[k].start += last
		out[k].end += last
	}
	return out
}

// packWeighted is pack measured by the running weights: from each start,
// the farthest candidate that fits is found by walking forward (weights
// only grow), then the farthest break of the coarsest level up to it. It
// reports false if the platform's counter, asked about each piece and
// the candidate after it, disagrees.
func (ps *partSplit) packWeighted(lim schema.Limits, extraW, extraB int, fits func(span) bool) ([]span, bool) {
	text, lv, cw, trim := ps.sg.text, ps.lv, ps.cw, ps.sg.trim
	n := len(text)
	// next returns the first break after p; the end of the text is one.
	next := func(p int) int {
		for p++; p < n && lv[p]&levelMask == noBreak; p++ {
		}
		return p
	}
	// About as many pieces as the limit goes into the text.
	room := 2
	if lim.Length > 0 && cw[n] > 0 {
		room += int(cw[n]) / lim.Length
	}
	if lim.Bytes > 0 {
		room = max(room, 2+n/lim.Bytes)
	}
	out := make([]span, 0, min(room, MaxThreadParts))
	pos := skipSpace(text, 0)
	for pos < n {
		if len(out) == MaxThreadParts-1 {
			out = append(out, trimSpan(text, span{pos, n}))
			break
		}
		base := cw[pos]
		// over reports whether the piece from pos to c is over the limit.
		over := func(c int) bool {
			e := int(trim[c])
			return lim.Bytes > 0 && e-pos+extraB > lim.Bytes || lim.Length > 0 && int(cw[e]-base)+extraW > lim.Length
		}
		first := next(pos)
		reach := -1
		if ps.monotone {
			// Pieces only grow with their end, at every offset: the
			// farthest offset that fits is bisected, then the last break
			// up to it taken.
			if !over(first) {
				lo, hi := first, n+1 // lo fits; hi is over, or past the end
				for hi-lo > 1 {
					if mid := int(uint(lo+hi) >> 1); over(mid) {
						hi = mid
					} else {
						lo = mid
					}
				}
				reach = lo
				for reach > first && reach < n && lv[reach]&levelMask == noBreak {
					reach--
				}
			}
		} else {
			for c := first; c <= n; c = next(c) {
				if over(c) {
					break
				}
				reach = c
				if c == n {
					break
				}
			}
		}
		var end int
		if reach < 0 {
			// Nothing fits: the next unbreakable unit goes alone.
			end = first
			if fits(trimSpan(text, span{pos, end})) {
				return nil, false
			}
		} else {
			if !fits(trimSpan(text, span{pos, reach})) ||
				reach < n && fits(trimSpan(text, span{pos, next(reach)})) {
				return nil, false
			}
			end = ps.coarsest(pos, reach)
		}
		out = append(out, trimSpan(text, span{pos, end}))
		pos = skipSpace(text, end)
	}
	return out, true
}

// coarsest returns the farthest break after pos and up to reach (a
// break) of the coarsest level found there: a paragraph's or a
// sentence's from the segmentation's list of them (a link or URL made
// some of them no break here), else a word's, else reach.
func (ps *partSplit) coarsest(pos, reach int) int {
	lv, coarse := ps.lv, ps.sg.coarse
	sentence := -1
	// The last coarse break up to reach, then back to pos.
	j, _ := slices.BinarySearch(coarse, int32(reach)+1)
	for j--; j >= 0 && int(coarse[j]) > pos; j-- {
		switch k := int(coarse[j]); lv[k] & levelMask {
		case breakParagraph:
			return k
		case breakSentence:
			if sentence < 0 {
				sentence = k
			}
		}
	}
	if sentence >= 0 {
		return sentence
	}
	if lv[reach]&levelMask <= breakWord {
		return reach
	}
	for k := reach - 1; k > pos; k-- {
		if lv[k]&levelMask == breakWord {
			return k
		}
	}
	return reach
}

// weights returns the running weight of the text's clusters as the
// platform counts them: cw[p] is the weight of the clusters that end by
// offset p.
func (ps *partSplit) weights() []int32 {
	if ps.sg.ascii && ps.rl.weigh != weighLinkedIn {
		return ps.weightsASCII()
	}
	return ps.weightsAny()
}

// weighted is a range of the text whose weight is fixed, as a whole: a
// URL's, a remote mention's domain's, a CR LF's.
type weighted struct {
	span
	w int32
}

// weightsASCII is weights for an ASCII text (not LinkedIn's, escaped):
// every character weighs 1, but the ranges whose weight is fixed. It
// writes the running weight directly, without reading the text's levels.
func (ps *partSplit) weightsASCII() []int32 {
	sg := ps.sg
	text := sg.text
	var buf [16]weighted
	fixed := buf[:0]
	switch ps.rl.weigh {
	case weighX:
		for _, u := range sg.urls {
			fixed = append(fixed, weighted{u, xURLLength})
		}
	case weighMastodon:
		last := 0
		for _, u := range sg.httpURLs() {
			remoteMentionDomains(text[last:u.start], func(a, b int) { fixed = append(fixed, weighted{span{last + a, last + b}, 0}) })
			fixed = append(fixed, weighted{u, xURLLength})
			last = u.end
		}
		remoteMentionDomains(text[last:], func(a, b int) { fixed = append(fixed, weighted{span{last + a, last + b}, 0}) })
	}
	if strings.Contains(text, "\r\n") {
		// The one cluster of two ASCII characters.
		w := int32(clusterWeight(ps.rl.weigh, "\r\n"))
		for i := 0; ; {
			k := strings.Index(text[i:], "\r\n")
			if k < 0 {
				break
			}
			fixed = append(fixed, weighted{span{i + k, i + k + 2}, w})
			i += k + 2
		}
		slices.SortFunc(fixed, func(a, b weighted) int { return a.start - b.start })
	}
	cw := ps.mem.int32s(len(text) + 1)
	cw[0] = 0
	p, acc := 1, int32(0) // acc is cw[p-1]
	for _, f := range fixed {
		for ; p <= f.start; p++ {
			acc++
			cw[p] = acc
		}
		for ; p < f.end; p++ {
			cw[p] = acc
		}
		acc += f.w
		cw[p] = acc
		p++
	}
	for ; p < len(cw); p++ {
		acc++
		cw[p] = acc
	}
	ps.monotone = true // no weight is negative
	return cw
}

// weightsAny is weights for any text.
func (ps *partSplit) weightsAny() []int32 {
	sg := ps.sg
	text := sg.text
	cw := ps.mem.int32s(len(text) + 1)
	clear(cw)
	// First the weight each cluster adds at its end, then the sums.
	prev := 0
	escaped := ps.rl.weigh == weighLinkedIn
	for e, l := range sg.level {
		if l&clusterEnd != 0 {
			if e-prev == 1 && !escaped {
				cw[e] = 1 // an ASCII character, or a lone byte: clusterWeight's first case
			} else {
				cw[e] = int32(clusterWeight(ps.rl.weigh, text[prev:e]))
			}
			prev = e
		}
	}
	fixed := func(s span, w int32) {
		for p := s.start + 1; p <= s.end && p < len(cw); p++ {
			cw[p] = 0
		}
		if s.end < len(cw) {
			cw[s.end] = w
		}
	}
	switch ps.rl.weigh {
	case weighX:
		for _, u := range sg.urls {
			fixed(u, xURLLength)
		}
	case weighMastodon:
		last := 0
		for _, u := range sg.httpURLs() {
			remoteMentionDomains(text[last:u.start], func(a, b int) { fixed(span{last + a, last + b}, 0) })
			fixed(u, xURLLength)
			last = u.end
		}
		remoteMentionDomains(text[last:], func(a, b int) { fixed(span{last + a, last + b}, 0) })
	case weighLinkedIn:
		for _, f := range detect(text, Style{Tags: true}, nil, nil) {
			if f.Type != FacetTag {
				continue
			}
			// The template costs the same whatever the tag's length, once
			// a piece holds the sign and a character of the tag: from
			// the end of the cluster after the sign.
			_, size := utf8.DecodeRuneInString(text[f.Start:])
			k := f.Start + size + 1
			for k < len(text) && sg.level[k]&clusterEnd == 0 {
				k++
			}
			tmpl := len(`{hashtag|\#|`) + littleLen(f.Value) + len(`}`)
			cw[k] += int32(tmpl - littleLen(text[f.Start:f.End]))
		}
	}
	// The running weight never falls where no cluster weighs less than
	// nothing, which packWeighted's bisection relies on.
	ps.monotone = true
	for p := 1; p < len(cw); p++ {
		if cw[p] < 0 {
			ps.monotone = false
		}
		cw[p] += cw[p-1]
	}
	return cw
}

// littleLen is the UTF-16 length of s escaped as little text.
func littleLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
		if r < utf8.RuneSelf && littleReservedASCII[r] {
			n++
		}
	}
	return n
}

// clusterWeight is one grapheme cluster's weight as a platform counts it.
func clusterWeight(k weightKind, c string) int {
	if len(c) == 1 {
		if k == weighLinkedIn && c[0] < utf8.RuneSelf && littleReservedASCII[c[0]] {
			return 2
		}
		return 1
	}
	switch k {
	case weighGraphemes, weighMastodon:
		return 1
	case weighThreads:
		if isEmojiCluster(c) || isSingleEmoji(c) {
			return len(c)
		}
		return 1
	case weighX:
		if !norm.NFC.IsNormalString(c) {
			c = norm.NFC.String(c)
		}
		if isEmojiCluster(c) {
			return xDefaultWeight / xScale
		}
		w := 0
		for _, r := range c {
			w += xWeight(r)
		}
		return w / xScale
	case weighLinkedIn:
		return littleLen(c)
	}
	return utf8.RuneCountInString(c)
}
