package render

import (
	"maps"
	"strings"

	"github.com/heraldhq/herald/schema"
)

// linkOptions are the override keys that hold a link a platform sends
// beside the text (a Facebook or LinkedIn link share, a pin's
// destination, a Reddit link post), and textOptions those that are
// plain text sent with the post (LinkedIn's first comment): TagLinks
// tags them as it tags the body.
var (
	linkOptions = map[string][]string{"facebook": {"link"}, "pinterest": {"link"}, "reddit": {"url"}}
	textOptions = map[string][]string{"linkedin": {"first_comment"}}
)

// TagLinks returns post p as target t receives it with its own links
// tagged by tg (schema.Tagger): every http(s) link of the body and of
// t's override text, Markdown links, autolinks and bare URLs alike, and
// the link and text options of linkOptions and textOptions. Code spans
// and code blocks are left as written, and so is every link the tagger
// does not own. It returns p itself and false when nothing changed, and
// otherwise a copy that shares every unchanged part with p: p is never
// modified. Blogs are never tagged: a link between pages of one's own
// site must not carry UTM parameters (they would start a new visit),
// and a canonical URL never does.
//
// The reconciler calls it once per target, before Render, so that the
// tagged link is what is counted, split, validated, previewed and sent.
func TagLinks(p *schema.Post, t schema.Target, tg *schema.Tagger) (*schema.Post, bool) {
	if tg == nil || p == nil || IsBlog(t.Platform) {
		return p, false
	}
	body, changed := tagBody(p.Body, tg)
	ov := p.Overrides[t.Name]
	var nov *schema.Override
	if ov != nil {
		c := *ov
		if ov.Body != nil {
			if b, ok := tagBody(*ov.Body, tg); ok {
				c.Body, nov = &b, &c
			}
		}
		cloned := false
		option := func(k, tagged string) {
			if !cloned {
				c.Extra, cloned = maps.Clone(ov.Extra), true
			}
			c.Extra[k], nov = tagged, &c
		}
		for _, k := range linkOptions[t.Platform] {
			if s, ok := ov.Extra[k].(string); ok {
				if tagged, ok := tg.Tag(s); ok {
					option(k, tagged)
				}
			}
		}
		for _, k := range textOptions[t.Platform] {
			if s, ok := ov.Extra[k].(string); ok {
				if tagged, ok := tg.TagText(s); ok {
					option(k, tagged)
				}
			}
		}
		changed = changed || nov != nil
	}
	if !changed {
		return p, false
	}
	q := *p
	q.Body = body
	if nov != nil {
		q.Overrides = maps.Clone(p.Overrides)
		q.Overrides[t.Name] = nov
	}
	return &q, true
}

// tagBody tags the links of a body, copying only what changes.
func tagBody(b schema.Body, tg *schema.Tagger) (schema.Body, bool) {
	var parts []schema.Part
	for i, part := range b.Parts {
		blocks, ok := tagBlocks(part.Blocks, tg)
		if !ok {
			continue
		}
		if parts == nil {
			parts = append([]schema.Part(nil), b.Parts...)
		}
		parts[i].Blocks = blocks
	}
	if parts == nil {
		return b, false
	}
	return schema.Body{Parts: parts}, true
}

func tagBlocks(blocks []schema.Block, tg *schema.Tagger) ([]schema.Block, bool) {
	var out []schema.Block
	for i, bl := range blocks {
		var nb schema.Block
		changed := false
		switch bl.Kind {
		case schema.Paragraph, schema.Heading:
			if ins, ok := tagInlines(bl.Inlines, tg); ok {
				nb, changed = bl, true
				nb.Inlines = ins
			}
		case schema.Quote, schema.List, schema.ListItem:
			if ch, ok := tagBlocks(bl.Children, tg); ok {
				nb, changed = bl, true
				nb.Children = ch
			}
		}
		if !changed {
			continue
		}
		if out == nil {
			out = append([]schema.Block(nil), blocks...)
		}
		out[i] = nb
	}
	return out, out != nil
}

// tagInlines tags the links among inlines: a Link's URL (and, for a
// bare link, the URL it shows), and URLs in text that the Markdown did
// not link (an international domain name). Code is never touched.
func tagInlines(ins []schema.Inline, tg *schema.Tagger) ([]schema.Inline, bool) {
	var out []schema.Inline
	set := func(i int, repl ...schema.Inline) {
		if out == nil {
			out = make([]schema.Inline, 0, len(ins)+1)
			out = append(out, ins[:i]...)
		}
		out = append(out, repl...)
	}
	for i, in := range ins {
		switch in.Kind {
		case schema.Link:
			if repl, ok := tagLink(in, tg); ok {
				set(i, repl...)
				continue
			}
		case schema.Emphasis, schema.Strong, schema.Strike:
			if ch, ok := tagInlines(in.Children, tg); ok {
				in.Children = ch
				set(i, in)
				continue
			}
		case schema.Text:
			if strings.Contains(in.Text, "://") {
				if s, ok := tg.TagText(in.Text); ok {
					in.Text = s
					set(i, in)
					continue
				}
			}
		}
		if out != nil {
			out = append(out, in)
		}
	}
	return out, out != nil
}

// tagLink tags one link. A bare link (an autolink, a linkified URL)
// shows its URL, so its text changes with it; punctuation the Markdown
// kept at its end (";", "'") ends the sentence, not the URL, and goes
// after the parameters.
func tagLink(in schema.Inline, tg *schema.Tagger) ([]schema.Inline, bool) {
	if !isWebURL(in.URL) {
		return nil, false
	}
	label := inlineText(in.Children)
	bare := isBareLink(label, in.URL) && (len(in.Children) == 0 || len(in.Children) == 1 && in.Children[0].Kind == schema.Text)
	url, trail := in.URL, ""
	if bare {
		url = schema.TrimURLEnd(in.URL)
		trail = in.URL[len(url):]
		if !strings.HasSuffix(label, trail) {
			url, trail = in.URL, ""
		}
	}
	tagged, ok := tg.Tag(url)
	if !ok {
		return nil, false
	}
	out := in
	out.URL = tagged
	if !bare {
		return []schema.Inline{out}, true
	}
	if label != "" {
		// The label is the URL, with or without its scheme.
		shown := tagged[len(url)-len(strings.TrimSuffix(label, trail)):]
		out.Children = []schema.Inline{{Kind: schema.Text, Text: shown}}
	}
	res := []schema.Inline{out}
	if trail != "" {
		res = append(res, schema.Inline{Kind: schema.Text, Text: trail})
	}
	return res, true
}
