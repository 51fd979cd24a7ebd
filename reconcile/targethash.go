package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/render"
)

// targetView is what TargetHash hashes, as JSON: the field names and
// their order are part of every hash recorded in state files, so they
// never change.
type targetView struct {
	Platform string
	Title    string
	HTML     string
	Parts    []render.Part
	Media    []targetMedia
	Options  map[string]any
	Tags     []string
}

type targetMedia struct{ Hash, Alt, Type string }

// json is encoding/json's encoding of v, byte for byte (the hashes in
// state files are of those bytes), written without reflection: hashing
// every target of every post was a tenth of a long-form check. Options,
// rare and of any shape, are left to encoding/json.
func (v *targetView) json() []byte { return v.appendJSON(nil) }

// hash is the hex SHA-256 of v's JSON, written in a buffer that is used
// again for the next target.
func (v *targetView) hash() string {
	bp := jsonBuffers.Get().(*[]byte)
	b := v.appendJSON((*bp)[:0])
	sum := sha256.Sum256(b)
	if cap(b) <= 1<<20 {
		*bp = b
		jsonBuffers.Put(bp)
	}
	return hex.EncodeToString(sum[:])
}

var jsonBuffers = sync.Pool{New: func() any { return new([]byte) }}

func (v *targetView) appendJSON(b []byte) []byte {
	if v.Options != nil {
		data, _ := json.Marshal(v)
		return append(b, data...)
	}
	b = append(b, `{"Platform":`...)
	b = appendJSONString(b, v.Platform)
	b = append(b, `,"Title":`...)
	b = appendJSONString(b, v.Title)
	b = append(b, `,"HTML":`...)
	b = appendJSONString(b, v.HTML)
	b = append(b, `,"Parts":`...)
	if v.Parts == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, pt := range v.Parts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Text":`...)
			b = appendJSONString(b, pt.Text)
			b = append(b, `,"Facets":`...)
			if pt.Facets == nil {
				b = append(b, "null"...)
			} else {
				b = append(b, '[')
				for j, f := range pt.Facets {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, `{"Start":`...)
					b = strconv.AppendInt(b, int64(f.Start), 10)
					b = append(b, `,"End":`...)
					b = strconv.AppendInt(b, int64(f.End), 10)
					b = append(b, `,"Type":`...)
					b = appendJSONString(b, f.Type)
					b = append(b, `,"Value":`...)
					b = appendJSONString(b, f.Value)
					b = append(b, '}')
				}
				b = append(b, ']')
			}
			b = append(b, `,"Length":`...)
			b = strconv.AppendInt(b, int64(pt.Length), 10)
			b = append(b, `,"Bytes":`...)
			b = strconv.AppendInt(b, int64(pt.Bytes), 10)
			b = append(b, `,"Line":`...)
			b = strconv.AppendInt(b, int64(pt.Line), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"Media":`...)
	if v.Media == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, m := range v.Media {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Hash":`...)
			b = appendJSONString(b, m.Hash)
			b = append(b, `,"Alt":`...)
			b = appendJSONString(b, m.Alt)
			b = append(b, `,"Type":`...)
			b = appendJSONString(b, m.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"Options":null,"Tags":`...)
	if v.Tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range v.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, t)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// jsonPlain are the ASCII bytes encoding/json writes as they are (with
// its default HTML escaping): printable, but not ", \, <, > or &.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// appendJSONString appends s as encoding/json.Marshal writes a string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
