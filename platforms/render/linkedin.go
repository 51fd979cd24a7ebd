package render

import "strings"

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

func escapeLittleTo(b *strings.Builder, s string) {
	for _, r := range s {
		if strings.ContainsRune(littleReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
}
