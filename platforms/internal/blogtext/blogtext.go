// Package blogtext holds the text handling that blog adapters share:
// slugs as blogs keep them, paragraphs of HTML from plain text, the plain
// text of an HTML body, and a title for a post that has none.
package blogtext

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"

	"github.com/heraldhq/herald/platforms"
)

// Slug turns a post's ID into a slug as Ghost and WordPress keep them:
// lowercase ASCII letters and digits, runs of anything else as one
// hyphen, no hyphen at either end ("2026/Launch Day" is
// "2026-launch-day"), at most max bytes.
func Slug(s string, max int) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
			continue
		}
		hyphen = true
	}
	out := b.String()
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}

// Paragraphs renders plain text as HTML paragraphs: one <p> per
// blank-line-separated block, line breaks as <br>, everything escaped.
// It is the body of a payload that carries text but no HTML.
func Paragraphs(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i := range lines {
			lines[i] = html.EscapeString(lines[i])
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>")
	}
	return b.String()
}

// PlainText is the text of an HTML body as a reader sees it: block
// elements' texts separated by a blank line, <br> as a line break,
// entities decoded, tags dropped. The blogs' fakes record a post's text
// this way, and so do the live tests reading a real server back.
func PlainText(body string) string {
	z := xhtml.NewTokenizer(strings.NewReader(body))
	var blocks []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			blocks = append(blocks, s)
		}
		cur.Reset()
	}
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			flush()
			return strings.Join(blocks, "\n\n")
		case xhtml.TextToken:
			cur.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br":
				cur.WriteByte('\n')
			case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "figure", "figcaption", "hr", "table", "tr":
				flush()
			}
		}
	}
}

// Title is a title for a post that has none: the text's first line, cut
// at a word boundary before 80 characters, or fallback (the post's ID)
// when the text is empty.
func Title(text, fallback string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return fallback
	}
	r := []rune(line)
	if len(r) <= 80 {
		return line
	}
	cut := string(r[:80])
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// TitleHash and BodyHash are hashes of what a reader sees of a post: its
// title, and the PlainText of its HTML. A blog that rewrites HTML as it
// stores it (Ghost's Lexical, WordPress's filters) keeps them, so that
// herald can tell, field by field, a post as it wrote it from one someone
// has since edited.
func TitleHash(title string) string { return sum(strings.TrimSpace(title)) }

// BodyHash: see TitleHash.
func BodyHash(body string) string { return sum(PlainText(body)) }

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Lost reports whether writing the new version (title, body) over the
// post as it is now (curTitle, curBody) would lose someone's edit:
// whether a field now differs both from herald's last version (the
// hashes lastTitle, lastBody) and from the new one. A field edited to
// what the new version holds, or not edited, loses nothing.
func Lost(curTitle, curBody, lastTitle, lastBody, title, body string) bool {
	t, b := TitleHash(curTitle), BodyHash(curBody)
	return (t != lastTitle && t != TitleHash(title)) || (b != lastBody && b != BodyHash(body))
}

// Fill gives a blog post what every blog needs before it is checked: its
// HTML built from the text's paragraphs when the renderer gave none, and
// a title (the text's first line, else the post's ID) when it has none.
// A post with no content at all is refused.
func Fill(p *platforms.Payload) error {
	if strings.TrimSpace(p.HTML) == "" {
		p.HTML = Paragraphs(p.Text())
	}
	if strings.TrimSpace(p.HTML) == "" {
		return errors.New("the post has no content")
	}
	if strings.TrimSpace(p.Title) == "" {
		p.Title = Title(p.Text(), p.PostID)
	}
	return nil
}

// Slugs are the n slugs a blog gives posts with the same slug after the
// first from-1 ones: slug itself for the first, then slug-2, slug-3, as
// WordPress and Ghost number a title used again. A look-up reads them in
// batches (Slugs(slug, 1, 10), Slugs(slug, 11, 10), ...).
func Slugs(slug string, from, n int) []string {
	out := make([]string, 0, n)
	for i := from; i < from+n; i++ {
		if i == 1 {
			out = append(out, slug)
		} else {
			out = append(out, fmt.Sprintf("%s-%d", slug, i))
		}
	}
	return out
}
