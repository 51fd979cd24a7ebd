package render

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/schema"
	"golang.org/x/text/unicode/norm"
)

// Part is one post of a thread as the platform receives it, measured:
// Length by the platform's counter, Bytes in UTF-8. Line is where the
// part starts in the post's file (0 when it comes from an override).
type Part struct {
	Text   string
	Facets []Facet
	Length int
	Bytes  int
	Line   int
}

// Output is a post rendered for one target: what the adapter sends and
// what validation measures.
type Output struct {
	Target   string
	Platform string
	Title    string // blogs, and the social platforms that take a title (titled)
	Parts    []Part
	HTML     string // blogs
	Limits   schema.Limits
	Media    int // media items, all with the first part
	// Images are the images among the media, with their sizes, for the
	// platforms that limit one image's size (Bluesky).
	Images []schema.RenderedImage
	// MediaTypes is each media item's MIME type, in order.
	MediaTypes []string
	// Videos are the videos among the media, measured, for the
	// platforms' video limits.
	Videos []schema.RenderedVideo
	Source schema.Position
}

// Rendered is the measured view of the output that CUE validates.
func (o *Output) Rendered() schema.Rendered {
	r := schema.Rendered{Target: o.Target, Platform: o.Platform, Limits: o.Limits, Media: o.Media, Images: o.Images, MediaTypes: o.MediaTypes, Videos: o.Videos, Source: o.Source}
	if len(o.Parts) > 0 {
		r.Parts = make([]schema.RenderedPart, 0, len(o.Parts))
	}
	for _, p := range o.Parts {
		r.Parts = append(r.Parts, schema.RenderedPart{Text: p.Text, Length: p.Length, Bytes: p.Bytes, Line: p.Line})
		for _, f := range p.Facets {
			switch f.Type {
			case FacetTag:
				r.Hashtags++
			case FacetMention:
				r.Mentions++
			}
		}
	}
	return r
}

// IsBlog reports whether a platform publishes articles (HTML and a title)
// rather than short posts.
func IsBlog(platform string) bool { return rulesFor(platform).blog }

// MaxThreadParts is the most parts a thread may have, written (--- breaks)
// or split. A split reaching it puts the rest of the text in the last
// part, over the platform's limit, for validation to report: splitting a
// huge text further would only cost time for a thread nobody would post.
const MaxThreadParts = 100

// SpoilerKey is the Mastodon override key whose content warning counts
// against the first part's length.
const SpoilerKey = "spoiler_text"

// Render turns a post into what target t receives, measured against lim.
// The target's override body replaces the post's body when set. Every
// thematic-break part becomes a Part; with thread mode auto or numbered a
// part over lim is split further, otherwise it is returned whole and over
// the limit, for validation to report: text is never cut silently.
func Render(p *schema.Post, t schema.Target, lim schema.Limits) (*Output, error) {
	var r Renderer
	defer r.Release()
	return r.Render(p, t, lim)
}

// Renderer renders one post for each of its targets, sharing between
// them the work that does not depend on the platform: a text's
// segmentation (its break points, grapheme clusters and URLs) is computed
// once and used by every platform that receives that text (X, Mastodon,
// Threads and LinkedIn get the same text from the same body). The zero
// value is ready to use; a Renderer is not safe for concurrent use, and
// is meant to live as long as one post's rendering, ended by Release.
type Renderer struct {
	texts  []*textInfo
	builds []buildEntry // texts built, by blocks and style
	writes []writeEntry // texts written, by blocks and the style's links
	mem    *arena
}

// maxTexts bounds the texts a Renderer remembers: a post has a few.
const maxTexts = 16

// textInfo is what is known about one text, found on first use: its
// URLs, its #tags and its segmentation.
type textInfo struct {
	text     string
	mem      *arena
	urlSpans []span
	urlsDone bool
	tagList  []tagMatch
	tagsDone bool
	seg      *segmentation
	http     []span
	httpDone bool
	// plain says the text is ASCII, and crlf that it holds a CR LF, once
	// plainDone.
	plain, crlf, plainDone bool
}

// isPlain reports whether the text is ASCII, and whether it holds a CR
// LF (the one cluster of two ASCII characters).
func (ti *textInfo) isPlain() (ascii, crlf bool) {
	if !ti.plainDone {
		ti.plain = isASCIIString(ti.text)
		ti.crlf = ti.plain && strings.Contains(ti.text, "\r\n")
		ti.plainDone = true
	}
	return ti.plain, ti.crlf
}

// info returns the Renderer's record of text.
func (r *Renderer) info(text string) *textInfo {
	for _, ti := range r.texts {
		if ti.text == text {
			return ti
		}
	}
	ti := &textInfo{text: text, mem: r.arena()}
	if len(r.texts) == maxTexts {
		r.texts = r.texts[1:]
	}
	r.texts = append(r.texts, ti)
	return ti
}

// urls returns the URLs twitter-text finds in the text, with or without
// a scheme.
func (ti *textInfo) urls() []span {
	if !ti.urlsDone {
		ti.urlSpans = extractURLs(ti.text, true)
		ti.urlsDone = true
	}
	return ti.urlSpans
}

// httpURLs returns the URLs with a scheme, as Mastodon finds them.
func (ti *textInfo) httpURLs() []span {
	if !ti.httpDone {
		ti.http = extractURLs(ti.text, false)
		ti.httpDone = true
	}
	return ti.http
}

// count is the platform's count of the text (as it is, not escaped),
// taken with the URLs already found in it where the counter would only
// find the same ones again: X's in a text that is NFC, Mastodon's in any.
func (ti *textInfo) count(rl *rules) int {
	ascii, crlf := ti.isPlain()
	switch rl.weigh {
	case weighX:
		if ascii || norm.NFC.IsNormalString(ti.text) {
			return countXURLs(ti.text, ascii, ti.urls())
		}
	case weighMastodon:
		return countMastodonKnown(ti.text, ascii && !crlf, ti.httpURLs())
	case weighGraphemes, weighThreads:
		if ascii {
			// An ASCII character is a cluster, but CR LF, and no emoji.
			return countASCIIClusters(ti.text, crlf)
		}
	case weighCodePoints:
		if ascii {
			return len(ti.text)
		}
	}
	return rl.count(ti.text)
}

// countASCIIClusters counts the grapheme clusters of an ASCII text: its
// bytes, less one for each CR LF if it may hold one.
func countASCIIClusters(s string, crlf bool) int {
	if crlf {
		return len(s) - strings.Count(s, "\r\n")
	}
	return len(s)
}

// tags returns the text's #tags.
func (ti *textInfo) tags() []tagMatch {
	if !ti.tagsDone {
		ti.tagList = findTags(ti.text)
		ti.tagsDone = true
	}
	return ti.tagList
}

// segmentation returns the text's segmentation.
func (ti *textInfo) segmentation() *segmentation {
	if ti.seg == nil {
		ascii, _ := ti.isPlain()
		ti.seg = newSegmentationOf(ti.text, ascii, ti.urls, ti.mem)
		if ti.seg.text == ti.text {
			// Nothing trimmed: Mastodon's URLs are the text's.
			ti.seg.httpOf = ti.httpURLs
		}
	}
	return ti.seg
}

// titled are the social platforms whose posts carry the post's title
// beside the text: a pin's title, a Reddit post's title.
var titled = map[string]bool{"pinterest": true, "reddit": true}

// Render is the package's Render, sharing segmentations with the other
// targets this Renderer rendered.
func (r *Renderer) Render(p *schema.Post, t schema.Target, lim schema.Limits) (*Output, error) {
	if p == nil {
		return nil, errors.New("render: no post")
	}
	if !schema.IsPlatform(t.Platform) {
		return nil, fmt.Errorf("render %s: unknown platform %q", t.Name, t.Platform)
	}
	rl := rulesFor(t.Platform)
	body := p.Body
	source := schema.Position{File: p.File, Line: p.BodyLine}
	fromOverride := false
	ov := p.Overrides[t.Name]
	if ov != nil && ov.Body != nil {
		body = *ov.Body
		source = ov.Pos
		fromOverride = true
	}
	out := &Output{Target: t.Name, Platform: t.Platform, Limits: lim, Media: len(p.Media), Source: source}
	for i, m := range p.Media {
		out.MediaTypes = append(out.MediaTypes, m.Type)
		if strings.HasPrefix(m.Type, "image/") {
			out.Images = append(out.Images, schema.RenderedImage{Media: i, Bytes: m.Size})
		}
		if strings.HasPrefix(m.Type, "video/") {
			out.Videos = append(out.Videos, schema.RenderedVideo{Media: i, Type: m.Type, Bytes: m.Size,
				Duration: m.Duration, Width: m.Width, Height: m.Height})
		}
	}

	if rl.blog || titled[t.Platform] {
		out.Title = p.Title
	}
	if rl.blog {
		out.HTML = HTML(body)
		var blocks []schema.Block
		line := 0
		for i, part := range body.Parts {
			if i == 0 {
				line = part.Line
			}
			blocks = append(blocks, part.Blocks...)
		}
		text, _ := PlainText(blocks, rl.style)
		if fromOverride {
			line = 0
		}
		out.Parts = []Part{{Text: text, Length: rl.count(text), Bytes: len(text), Line: line}}
		return out, nil
	}

	spoiler := 0
	if t.Platform == PlatformMastodon && ov != nil {
		if s, ok := ov.Extra[SpoilerKey].(string); ok {
			spoiler = CountMastodon(s)
		}
	}
	splitting := p.Thread == schema.ThreadAuto || p.Thread == schema.ThreadNumbered
	numbered := p.Thread == schema.ThreadNumbered

	if len(body.Parts) > MaxThreadParts {
		line := body.Parts[MaxThreadParts].Line
		return nil, fmt.Errorf("%d thread parts (--- breaks) for %s, more than %d (part %d starts on line %d)",
			len(body.Parts), t.Name, MaxThreadParts, MaxThreadParts+1, line)
	}
	var builtBuf [4]builtText
	built := builtBuf[:0]
	for _, part := range body.Parts {
		bt := buildTextIn(r, part.Blocks, rl.style)
		if !fromOverride {
			bt.line = part.Line
		}
		if rl.escape {
			// Measured and sent escaped: escaped once.
			bt.little, bt.littleDone = EscapeLittle(bt.text, bt.facets), true
		}
		built = append(built, bt)
	}
	pieces := built
	if splitting {
		var splitsBuf [4]*partSplit
		var beyondBuf [4]bool
		splits, beyond := splitsBuf[:0], beyondBuf[:0]
		// A part too long for any thread is measured once, not once per
		// number of digits: it stays whole.
		for _, bt := range built {
			splits = append(splits, nil)
			beyond = append(beyond, beyondThread(rl, bt, lim))
		}
		// Numbering needs room for " i/n"; if n gains a digit, split again.
		for digits := 1; ; digits++ {
			reserve := ""
			if numbered {
				nines := strings.Repeat("9", digits)
				reserve = " " + nines + "/" + nines
			}
			// About as many pieces as the limit goes into the text, with
			// room for pieces that end at a sentence short of it (a
			// thread's worth at most), so that the list is not grown
			// piece by piece.
			room := len(built)
			if lim.Length > 0 {
				for _, bt := range built {
					room += 4 * len(bt.text) / (3 * lim.Length)
				}
			}
			room = min(room, len(built)+MaxThreadParts)
			pieces = make([]builtText, 0, room)
			for i, bt := range built {
				if beyond[i] {
					pieces = append(pieces, bt)
					continue
				}
				if fits, n := fitsWholeCountIn(r, rl, bt, lim, spoiler, reserve); fits {
					if reserve == "" {
						bt.counted = n + 1
					}
					pieces = append(pieces, bt)
					continue
				}
				if splits[i] == nil {
					splits[i] = r.newPartSplit(rl, bt)
				}
				pieces = splits[i].appendSplit(pieces, lim, spoiler, reserve)
			}
			if !numbered || len(strconv.Itoa(len(pieces))) <= digits {
				break
			}
		}
	}
	out.Parts = make([]Part, 0, len(pieces))
	for i, bt := range pieces {
		text, facets := finish(rl, bt)
		if numbered {
			text += numberSuffix(len(pieces) > 1, i+1, len(pieces))
		}
		// Mastodon's content warning goes with every status of a thread
		// and counts against each one's limit.
		length := bt.counted - 1 // counted while packing, as it is now
		if numbered || bt.counted == 0 {
			length = rl.count(text)
		}
		part := Part{Text: text, Facets: facets, Length: length + spoiler, Bytes: len(text), Line: bt.line}
		out.Parts = append(out.Parts, part)
	}
	return out, nil
}

// finish makes a built text into what the platform receives: LinkedIn's
// escaped little text (whose facets are in its templates), or the text as
// built with its facets.
func finish(rl *rules, bt builtText) (string, []Facet) {
	if rl.escape {
		if bt.littleDone {
			return bt.little, nil
		}
		return EscapeLittle(bt.text, bt.facets), nil
	}
	if bt.shared {
		return bt.text, slices.Clone(bt.facets)
	}
	return bt.text, bt.facets
}

// measure counts a text as the platform will receive it. For LinkedIn it
// is an upper bound used while packing: every #tag is taken as a template,
// even one inside code that will only be escaped.
func measure(rl *rules, text string) (length, bytes int) {
	if rl.escape {
		text = EscapeLittle(text, detect(text, Style{Tags: true}, nil, nil))
	}
	return rl.count(text), len(text)
}

// fitsWhole reports whether a part fits as it is, with room for the
// content warning and the numbering suffix.
func fitsWhole(rl *rules, bt builtText, lim schema.Limits, spoiler int, reserve string) bool {
	fits, _ := fitsWholeCount(rl, bt, lim, spoiler, reserve)
	return fits
}

// fitsWholeCount is fitsWhole, with the count it took of the finished
// text and the suffix (-1 when it took none).
func fitsWholeCount(rl *rules, bt builtText, lim schema.Limits, spoiler int, reserve string) (bool, int) {
	return fitsWholeCountIn(nil, rl, bt, lim, spoiler, reserve)
}

// fitsWholeCountIn is fitsWholeCount counting, when r is not nil and the
// text is sent as it was built, with what r knows of the text (its URLs).
func fitsWholeCountIn(r *Renderer, rl *rules, bt builtText, lim schema.Limits, spoiler int, reserve string) (bool, int) {
	text := bt.text
	if rl.escape {
		text, _ = finish(rl, bt)
	}
	if lim.Bytes > 0 && len(text)+len(reserve) > lim.Bytes {
		return false, -1
	}
	if reserve != "" {
		text += reserve
	}
	if lim.Length <= 0 {
		return true, -1
	}
	var n int
	if r != nil && reserve == "" && !rl.escape {
		n = r.info(text).count(rl)
	} else {
		n = rl.count(text)
	}
	return n+spoiler <= lim.Length, n
}

// beyondThread reports whether a part is so long that no thread of
// MaxThreadParts could hold it (with room to spare for white space and
// numbering): it is then left whole, over the limit, for validation to
// report, and not split for nothing.
func beyondThread(rl *rules, bt builtText, lim schema.Limits) bool {
	// No counter counts more than 8 per UTF-8 byte (X's 23 for a
	// four-byte domain, LinkedIn's hashtag template), so a text short
	// enough is not measured for this.
	if (lim.Length <= 0 || 8*len(bt.text) <= 2*MaxThreadParts*lim.Length) &&
		(lim.Bytes <= 0 || 8*len(bt.text) <= 2*MaxThreadParts*lim.Bytes) {
		return false
	}
	n, b := measure(rl, bt.text)
	return lim.Length > 0 && n > 2*MaxThreadParts*lim.Length || lim.Bytes > 0 && b > 2*MaxThreadParts*lim.Bytes
}

// sliceBuilt cuts a built text to a span, moving facets and code ranges
// with it. A link facet that crosses an end is clipped (it still links);
// a tag or mention that crosses one is dropped, its word being cut.
func sliceBuilt(bt builtText, s span) builtText {
	sub := builtText{text: bt.text[s.start:s.end], line: bt.line}
	for _, f := range bt.facets {
		st, en := max(f.Start, s.start), min(f.End, s.end)
		if st >= en || (f.Type != FacetLink && (st != f.Start || en != f.End)) {
			continue
		}
		f.Start, f.End = st-s.start, en-s.start
		sub.facets = append(sub.facets, f)
	}
	for _, c := range bt.code {
		st, en := max(c.start, s.start), min(c.end, s.end)
		if st < en {
			sub.code = append(sub.code, span{st - s.start, en - s.start})
		}
	}
	return sub
}
