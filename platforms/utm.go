package platforms

import (
	"strings"

	"github.com/heraldhq/herald/schema"
)

// WithoutUTM returns link without its utm_ query parameters (and
// without the "?" when nothing else is left), the rest kept byte for
// byte. An adapter that cannot change a published post's link compares
// links with it, so that a post published before the configuration
// tagged its links (utm:) can still have its text edited.
func WithoutUTM(link string) string {
	base, frag, _ := strings.Cut(link, "#")
	if strings.Contains(link, "#") {
		frag = "#" + frag
	}
	path, query, ok := strings.Cut(base, "?")
	if !ok {
		return link
	}
	var kept []string
	for _, pair := range strings.Split(query, "&") {
		if !strings.HasPrefix(strings.ToLower(pair), "utm_") {
			kept = append(kept, pair)
		}
	}
	if len(kept) == 0 || len(kept) == 1 && kept[0] == "" {
		return path + frag
	}
	return path + "?" + strings.Join(kept, "&") + frag
}

// TextWithoutUTM returns a plain text (a first comment) with the utm_
// query parameters taken out of each http(s) URL in it, as
// schema.Tagger.TagText put them in: before the punctuation that ends
// the sentence.
func TextWithoutUTM(text string) string {
	if !strings.Contains(strings.ToLower(text), "utm_") {
		return text
	}
	var b strings.Builder
	start := 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == ' ' || text[i] == '\n' || text[i] == '\t' {
			b.WriteString(wordWithoutUTM(text[start:i]))
			if i < len(text) {
				b.WriteByte(text[i])
			}
			start = i + 1
		}
	}
	return b.String()
}

// wordWithoutUTM strips the UTM parameters of a URL in one word.
func wordWithoutUTM(w string) string {
	i := strings.Index(w, "http")
	if j := strings.Index(w, "HTTP"); i < 0 || j >= 0 && j < i {
		i = j
	}
	if i < 0 || !strings.Contains(w[i:], "?") {
		return w
	}
	u := schema.TrimURLEnd(w[i:])
	return w[:i] + WithoutUTM(u) + w[i+len(u):]
}
