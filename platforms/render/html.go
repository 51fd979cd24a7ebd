package render

import (
	"html"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/schema"
)

// HTML renders a body as HTML5 for blog platforms (Ghost, WordPress,
// Medium, the feed). Every text and attribute is escaped; thread parts are
// separated by <hr>; a link or image whose URL would run script
// (javascript:, vbscript:, data: other than images) becomes plain text.
func HTML(b schema.Body) string {
	var w strings.Builder
	for i, p := range b.Parts {
		if i > 0 {
			w.WriteString("<hr>\n")
		}
		for _, bl := range p.Blocks {
			htmlBlock(&w, bl)
		}
	}
	return w.String()
}

func htmlBlock(w *strings.Builder, bl schema.Block) {
	switch bl.Kind {
	case schema.Paragraph:
		w.WriteString("<p>")
		htmlInlines(w, bl.Inlines)
		w.WriteString("</p>\n")
	case schema.Heading:
		level := min(max(bl.Level, 1), 6)
		tag := "h" + strconv.Itoa(level)
		w.WriteString("<" + tag + ">")
		htmlInlines(w, bl.Inlines)
		w.WriteString("</" + tag + ">\n")
	case schema.Quote:
		w.WriteString("<blockquote>\n")
		for _, c := range bl.Children {
			htmlBlock(w, c)
		}
		w.WriteString("</blockquote>\n")
	case schema.List:
		tag := "ul"
		if bl.Ordered {
			tag = "ol"
		}
		w.WriteString("<" + tag)
		if bl.Ordered && bl.Start != 1 {
			w.WriteString(` start="` + strconv.Itoa(bl.Start) + `"`)
		}
		w.WriteString(">\n")
		for _, item := range bl.Children {
			htmlItem(w, item)
		}
		w.WriteString("</" + tag + ">\n")
	case schema.ListItem:
		htmlItem(w, bl)
	case schema.CodeBlock:
		w.WriteString("<pre><code")
		if bl.Lang != "" {
			w.WriteString(` class="language-` + html.EscapeString(bl.Lang) + `"`)
		}
		w.WriteString(">")
		w.WriteString(html.EscapeString(bl.Text))
		w.WriteString("</code></pre>\n")
	}
}

// htmlItem writes a list item; a lone paragraph is written without <p>, as
// tight Markdown lists are.
func htmlItem(w *strings.Builder, item schema.Block) {
	w.WriteString("<li>")
	if len(item.Children) == 1 && item.Children[0].Kind == schema.Paragraph {
		htmlInlines(w, item.Children[0].Inlines)
		w.WriteString("</li>\n")
		return
	}
	w.WriteString("\n")
	for _, c := range item.Children {
		htmlBlock(w, c)
	}
	w.WriteString("</li>\n")
}

func htmlInlines(w *strings.Builder, ins []schema.Inline) {
	for _, in := range ins {
		switch in.Kind {
		case schema.Text:
			w.WriteString(html.EscapeString(in.Text))
		case schema.SoftBreak:
			w.WriteString("\n")
		case schema.HardBreak:
			w.WriteString("<br>\n")
		case schema.Emphasis:
			wrap(w, "em", in.Children)
		case schema.Strong:
			wrap(w, "strong", in.Children)
		case schema.Strike:
			wrap(w, "del", in.Children)
		case schema.Code:
			w.WriteString("<code>" + html.EscapeString(in.Text) + "</code>")
		case schema.Link:
			if !safeURL(in.URL, false) {
				htmlInlines(w, in.Children)
				continue
			}
			w.WriteString(`<a href="` + html.EscapeString(in.URL) + `"`)
			if in.Title != "" {
				w.WriteString(` title="` + html.EscapeString(in.Title) + `"`)
			}
			w.WriteString(">")
			htmlInlines(w, in.Children)
			w.WriteString("</a>")
		case schema.Image:
			if !safeURL(in.URL, true) {
				w.WriteString(html.EscapeString(in.Text))
				continue
			}
			w.WriteString(`<img src="` + html.EscapeString(in.URL) + `" alt="` + html.EscapeString(in.Text) + `"`)
			if in.Title != "" {
				w.WriteString(` title="` + html.EscapeString(in.Title) + `"`)
			}
			w.WriteString(">")
		}
	}
}

func wrap(w *strings.Builder, tag string, children []schema.Inline) {
	w.WriteString("<" + tag + ">")
	htmlInlines(w, children)
	w.WriteString("</" + tag + ">")
}

// safeURL reports whether a URL may go into href or src. Browsers ignore
// white space and control characters inside a scheme ("java\tscript:"),
// so they are dropped before the scheme is read.
func safeURL(u string, image bool) bool {
	var b strings.Builder
	for _, r := range u {
		if r <= ' ' || r == 0x7F {
			continue
		}
		b.WriteRune(r)
	}
	l := strings.ToLower(b.String())
	colon := strings.IndexByte(l, ':')
	if colon < 0 || strings.ContainsAny(l[:colon], "/?#") {
		return true // relative
	}
	switch scheme := l[:colon]; scheme {
	case "http", "https", "mailto":
		return true
	case "data":
		return image && strings.HasPrefix(l, "data:image/") && !strings.HasPrefix(l, "data:image/svg")
	default:
		return false
	}
}
