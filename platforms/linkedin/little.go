package linkedin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// littleReserved are the characters LinkedIn's little text format
// reserves; the shared renderer (render.EscapeLittle) escapes the same
// set.
const littleReserved = `\|{}@[]()<>#*_~`

// hashtagPrefix starts the hashtag template {hashtag|\#|tag}.
const hashtagPrefix = `{hashtag|\#|`

func reserved(r rune) bool { return strings.ContainsRune(littleReserved, r) }

// hashtagTemplate reads a hashtag template at the start of s and returns
// its tag, unescaped, and its length in bytes; n is 0 when s does not
// start with a well-formed template.
func hashtagTemplate(s string) (tag string, n int) {
	if !strings.HasPrefix(s, hashtagPrefix) {
		return "", 0
	}
	var b strings.Builder
	for i := len(hashtagPrefix); i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\' && i+size < len(s):
			r2, s2 := utf8.DecodeRuneInString(s[i+size:])
			b.WriteRune(r2)
			i += size + s2
		case r == '}':
			if b.Len() == 0 {
				return "", 0
			}
			return b.String(), i + 1
		case reserved(r):
			return "", 0
		default:
			b.WriteRune(r)
			i += size
		}
	}
	return "", 0
}

// guardLittle backslash-escapes every reserved character that is not
// already escaped and not part of a hashtag template, so that LinkedIn
// cannot cut the text at it. Text the renderer escaped (render.EscapeLittle)
// comes out unchanged, so guarding twice changes nothing.
func guardLittle(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if _, n := hashtagTemplate(s[i:]); n > 0 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\' && i+size < len(s):
			_, s2 := utf8.DecodeRuneInString(s[i+size:])
			b.WriteString(s[i : i+size+s2])
			i += size + s2
			continue
		case reserved(r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// littleShown is what LinkedIn shows for a commentary in little format:
// escapes resolved, hashtag templates and #hashtag elements as #tag,
// mentions @[Name](urn) as Name, and the text cut at the first reserved
// character that is none of these, which is what LinkedIn does silently.
// truncated says whether it was cut.
func littleShown(s string) (shown string, truncated bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if tag, n := hashtagTemplate(s[i:]); n > 0 {
			b.WriteString("#" + tag)
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\' && i+size < len(s):
			r2, s2 := utf8.DecodeRuneInString(s[i+size:])
			b.WriteRune(r2)
			i += size + s2
			continue
		case r == '#':
			if word := hashtagWord(s[i+size:]); word != "" {
				b.WriteString("#" + word)
				i += size + len(word)
				continue
			}
			return b.String(), true
		case r == '@':
			if name, n := mention(s[i:]); n > 0 {
				b.WriteString(name)
				i += n
				continue
			}
			return b.String(), true
		case reserved(r):
			return b.String(), true
		}
		b.WriteRune(r)
		i += size
	}
	return b.String(), false
}

// hashtagWord is the run of letters, digits and underscores a #hashtag
// element takes.
func hashtagWord(s string) string {
	end := 0
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			break
		}
		end = i + utf8.RuneLen(r)
	}
	return s[:end]
}

// mention reads a MentionElement @[Name](urn:li:...) at the start of s.
func mention(s string) (name string, n int) {
	rest, ok := strings.CutPrefix(s, "@[")
	if !ok {
		return "", 0
	}
	name, after, ok := strings.Cut(rest, "](")
	if !ok || name == "" || strings.ContainsAny(name, littleReserved) {
		return "", 0
	}
	urn, _, ok := strings.Cut(after, ")")
	if !ok || !strings.HasPrefix(urn, "urn:li:") {
		return "", 0
	}
	return name, len("@[") + len(name) + len("](") + len(urn) + len(")")
}
