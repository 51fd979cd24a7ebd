package main

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// maxSlug is the longest slug, in bytes: enough for a title's gist, short
// enough for a file name that reads well in a pull request.
const maxSlug = 60

// transliterations are letters that lose no mark under decomposition but
// have a usual ASCII spelling.
var transliterations = strings.NewReplacer(
	"ß", "ss", "æ", "ae", "Æ", "ae", "œ", "oe", "Œ", "oe", "ø", "o", "Ø", "o",
	"ł", "l", "Ł", "l", "đ", "d", "Đ", "d", "ð", "d", "Ð", "d", "þ", "th", "Þ", "th",
	"ı", "i", "&", " and ", "'", "", "’", "",
)

// slugify turns a title into a file name stem: ASCII lower case letters
// and digits separated by single hyphens, accents stripped ("Café crème"
// -> "cafe-creme"), cut at a word boundary to at most maxSlug bytes. It
// returns "" when nothing of the title is left.
func slugify(title string) string {
	strip := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(strip, transliterations.Replace(title))
	if err != nil {
		s = title
	}
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	slug := b.String()
	if len(slug) <= maxSlug {
		return slug
	}
	cut := slug[:maxSlug+1]
	if i := strings.LastIndexByte(cut, '-'); i > 0 {
		return cut[:i]
	}
	return slug[:maxSlug]
}
