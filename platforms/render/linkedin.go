package render

import (
	"strings"
	"unicode/utf8"
)

// littleReserved are the characters LinkedIn's "little" text format
// reserves. Unescaped, LinkedIn accepts the post and cuts its text at the
// first one.
const littleReserved = `\|{}@[]()<>#*_~`

// EscapeLittle writes text in LinkedIn's little format: every reserved
// character is backslash-escaped, and each tag facet (#tag) becomes the
// documented hashtag template {hashtag|\#|tag}, so that it shows as a
// hashtag. Other facets are ignored: a mention needs a URN, which plain
// text does not have.
func EscapeLittle(text string, facets []Facet) string {
	var b strings.Builder
	// Room for the text and some escapes, so that it is not grown
	// through its length several times.
	b.Grow(len(text) + len(text)/16 + 16)
	last := 0
	for _, f := range facets {
		if f.Type != FacetTag || f.Start < last {
			continue
		}
		escapeLittleTo(&b, text[last:f.Start])
		b.WriteString(`{hashtag|\#|`)
		escapeLittleTo(&b, f.Value)
		b.WriteString(`}`)
		last = f.End
	}
	escapeLittleTo(&b, text[last:])
	return b.String()
}

// littleReservedASCII marks the reserved characters, all ASCII.
var littleReservedASCII = func() (t [utf8.RuneSelf]bool) {
	for i := 0; i < len(littleReserved); i++ {
		t[littleReserved[i]] = true
	}
	return t
}()

func escapeLittleTo(b *strings.Builder, s string) {
	if !utf8.ValidString(s) {
		// As written rune by rune: an invalid byte becomes U+FFFD.
		for _, r := range s {
			if r < utf8.RuneSelf && littleReservedASCII[r] {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return
	}
	last := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf && littleReservedASCII[c] {
			b.WriteString(s[last:i])
			b.WriteByte('\\')
			last = i
		}
	}
	b.WriteString(s[last:])
}
