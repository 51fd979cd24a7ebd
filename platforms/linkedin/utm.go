package linkedin

import (
	"strings"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/render"
)

// commentWithoutUTM is a first comment as Prepare escaped it, with the
// UTM parameters of its links taken out: the comment as it was posted
// before the configuration tagged its links (utm:).
func commentWithoutUTM(escaped string) string {
	plain := unescapeLittle(escaped)
	stripped := platforms.TextWithoutUTM(plain)
	if stripped == plain {
		return escaped
	}
	return render.EscapeLittle(stripped, nil)
}

// unescapeLittle undoes render.EscapeLittle of a text without facets,
// which writes a backslash before every reserved character.
func unescapeLittle(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
