package render

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/schema"
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
	Title    string // blogs
	Parts    []Part
	HTML     string // blogs
	Limits   schema.Limits
	Media    int // media items, all with the first part
	// Images are the images among the media, with their sizes, for the
	// platforms that limit one image's size (Bluesky).
	Images []schema.RenderedImage
	// MediaTypes is each media item's MIME type, in order.
	MediaTypes []string
	Source     schema.Position
}

// Rendered is the measured view of the output that CUE validates.
func (o *Output) Rendered() schema.Rendered {
	r := schema.Rendered{Target: o.Target, Platform: o.Platform, Limits: o.Limits, Media: o.Media, Images: o.Images, MediaTypes: o.MediaTypes, Source: o.Source}
	for _, p := range o.Parts {
		r.Parts = append(r.Parts, schema.RenderedPart{Text: p.Text, Length: p.Length, Bytes: p.Bytes, Line: p.Line})
	}
	return r
}

// blogPlatforms take HTML and a title rather than plain text.
var blogPlatforms = map[string]bool{
	"ghost": true, "wordpress": true, "medium": true, "devto": true, "substack": true, "feed": true,
}

// IsBlog reports whether a platform publishes articles (HTML and a title)
// rather than short posts.
func IsBlog(platform string) bool { return blogPlatforms[platform] }

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
	if p == nil {
		return nil, errors.New("render: no post")
	}
	if !schema.IsPlatform(t.Platform) {
		return nil, fmt.Errorf("render %s: unknown platform %q", t.Name, t.Platform)
	}
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
	}

	if IsBlog(t.Platform) {
		out.Title = p.Title
		out.HTML = HTML(body)
		var blocks []schema.Block
		line := 0
		for i, part := range body.Parts {
			if i == 0 {
				line = part.Line
			}
			blocks = append(blocks, part.Blocks...)
		}
		text, _ := PlainText(blocks, StyleFor(t.Platform))
		if fromOverride {
			line = 0
		}
		out.Parts = []Part{{Text: text, Length: Count(t.Platform, text), Bytes: len(text), Line: line}}
		return out, nil
	}

	spoiler := 0
	if t.Platform == PlatformMastodon && ov != nil {
		if s, ok := ov.Extra[SpoilerKey].(string); ok {
			spoiler = CountMastodon(s)
		}
	}
	style := StyleFor(t.Platform)
	splitting := p.Thread == schema.ThreadAuto || p.Thread == schema.ThreadNumbered
	numbered := p.Thread == schema.ThreadNumbered

	if len(body.Parts) > MaxThreadParts {
		line := body.Parts[MaxThreadParts].Line
		return nil, fmt.Errorf("%d thread parts (--- breaks) for %s, more than %d (part %d starts on line %d)",
			len(body.Parts), t.Name, MaxThreadParts, MaxThreadParts+1, line)
	}
	var built []builtText
	var lines []int
	for _, part := range body.Parts {
		built = append(built, buildText(part.Blocks, style))
		if fromOverride {
			lines = append(lines, 0)
		} else {
			lines = append(lines, part.Line)
		}
	}
	pieces, pieceLines := built, lines
	if splitting {
		cache := make([]*breaks, len(built))
		// A part too long for any thread is measured once, not once per
		// number of digits: it stays whole.
		beyond := make([]bool, len(built))
		for i, bt := range built {
			beyond[i] = beyondThread(t.Platform, bt, lim)
		}
		// Numbering needs room for " i/n"; if n gains a digit, split again.
		for digits := 1; ; digits++ {
			reserve := ""
			if numbered {
				nines := strings.Repeat("9", digits)
				reserve = " " + nines + "/" + nines
			}
			pieces, pieceLines = nil, nil
			for i, bt := range built {
				subs := []builtText{bt}
				if !beyond[i] && !fitsWhole(t.Platform, bt, lim, spoiler, reserve) {
					subs = splitBuilt(t.Platform, bt, lim, spoiler, reserve, &cache[i])
				}
				for _, sub := range subs {
					pieces = append(pieces, sub)
					pieceLines = append(pieceLines, lines[i])
				}
			}
			if !numbered || len(strconv.Itoa(len(pieces))) <= digits {
				break
			}
		}
	}
	for i, bt := range pieces {
		text, facets := finish(t.Platform, bt)
		if numbered {
			text += numberSuffix(len(pieces) > 1, i+1, len(pieces))
		}
		// Mastodon's content warning goes with every status of a thread
		// and counts against each one's limit.
		part := Part{Text: text, Facets: facets, Length: Count(t.Platform, text) + spoiler, Bytes: len(text), Line: pieceLines[i]}
		out.Parts = append(out.Parts, part)
	}
	return out, nil
}

// finish makes a built text into what the platform receives: LinkedIn's
// escaped little text (whose facets are in its templates), or the text as
// built with its facets.
func finish(platform string, bt builtText) (string, []Facet) {
	if platform == PlatformLinkedIn {
		return EscapeLittle(bt.text, bt.facets), nil
	}
	return bt.text, bt.facets
}

// measure counts a text as the platform will receive it. For LinkedIn it
// is an upper bound used while packing: every #tag is taken as a template,
// even one inside code that will only be escaped.
func measure(platform string, text string) (length, bytes int) {
	if platform == PlatformLinkedIn {
		text = EscapeLittle(text, detect(text, Style{Tags: true}, nil, nil))
	}
	return Count(platform, text), len(text)
}

// fitsWhole reports whether a part fits as it is, with room for the
// content warning and the numbering suffix.
func fitsWhole(platform string, bt builtText, lim schema.Limits, spoiler int, reserve string) bool {
	text, _ := finish(platform, bt)
	text += reserve
	if lim.Bytes > 0 && len(text) > lim.Bytes {
		return false
	}
	return lim.Length <= 0 || Count(platform, text)+spoiler <= lim.Length
}

// beyondThread reports whether a part is so long that no thread of
// MaxThreadParts could hold it (with room to spare for white space and
// numbering): it is then left whole, over the limit, for validation to
// report, and not split for nothing.
func beyondThread(platform string, bt builtText, lim schema.Limits) bool {
	n, b := measure(platform, bt.text)
	return lim.Length > 0 && n > 2*MaxThreadParts*lim.Length || lim.Bytes > 0 && b > 2*MaxThreadParts*lim.Bytes
}

// splitBuilt splits one part's text into thread pieces with the facets of
// each, relative to the piece. Room for the content warning and the
// numbering suffix is kept in every piece, so that any of them fits.
//
// b caches the text's break points across calls; splitBuilt fills it on
// first use.
func splitBuilt(platform string, bt builtText, lim schema.Limits, spoiler int, reserve string, b **breaks) []builtText {
	if *b == nil {
		*b = newBreaks(bt.text, append(append([]span(nil), bt.unsplit...), extractURLs(bt.text, true)...))
	}
	// Both limits are checked here, after escaping, so Split's own byte
	// check is off.
	plim := schema.Limits{Length: 1}
	count := func(s string) int {
		n, b := measure(platform, s+reserve)
		if lim.Bytes > 0 && b > lim.Bytes || lim.Length > 0 && n+spoiler > lim.Length {
			return 2
		}
		return 1
	}
	spans := splitSpans(*b, plim, count, false)
	out := make([]builtText, 0, len(spans))
	for _, s := range spans {
		out = append(out, sliceBuilt(bt, s))
	}
	return out
}

// sliceBuilt cuts a built text to a span, moving facets and code ranges
// with it. A link facet that crosses an end is clipped (it still links);
// a tag or mention that crosses one is dropped, its word being cut.
func sliceBuilt(bt builtText, s span) builtText {
	sub := builtText{text: bt.text[s.start:s.end]}
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
