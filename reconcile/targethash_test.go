package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/heraldhq/herald/platforms/render"
)

// TestTargetJSONFields: targetView.json writes every field of what it
// hashes. A field added to render.Part or render.Facet must be written
// there too (or a change to it would not change the target's hash).
func TestTargetJSONFields(t *testing.T) {
	want := map[reflect.Type]string{
		reflect.TypeFor[targetView]():   "Platform Title HTML Parts Media Options Tags",
		reflect.TypeFor[render.Part]():  "Text Facets Length Bytes Line",
		reflect.TypeFor[render.Facet](): "Start End Type Value",
		reflect.TypeFor[targetMedia]():  "Hash Alt Type",
	}
	for typ, fields := range want {
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Name)
		}
		if strings.Join(got, " ") != fields {
			t.Errorf("%s has fields %v; targetView.json writes %s: write the new ones there, in order", typ, got, fields)
		}
	}
}

// TestTargetJSONMatchesEncodingJSON: the hand-written encoding is
// encoding/json's, byte for byte, on strings of every kind (escapes,
// HTML, invalid UTF-8, line separators), empty and nil lists.
func TestTargetJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"", "a", "plain text ", "\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"é", "日本語", "🧵", "\u2028", "\u2029", "\xff", "\xe2\x80", "\xed\xa0\x80", "\ufeff", "https://example.com/?a=1&b=<2>"}
	str := func() string {
		var b strings.Builder
		for n := rng.IntN(6); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for i := 0; i < 5000; i++ {
		v := targetView{Platform: str(), Title: str(), HTML: str()}
		if rng.IntN(4) > 0 {
			v.Parts = []render.Part{}
			for n := rng.IntN(4); n > 0; n-- {
				pt := render.Part{Text: str(), Length: rng.IntN(600) - 10, Bytes: rng.IntN(3000), Line: rng.IntN(3) - 1}
				if rng.IntN(3) > 0 {
					pt.Facets = []render.Facet{}
					for m := rng.IntN(3); m > 0; m-- {
						pt.Facets = append(pt.Facets, render.Facet{Start: rng.IntN(100), End: rng.IntN(100), Type: str(), Value: str()})
					}
				}
				v.Parts = append(v.Parts, pt)
			}
		}
		if rng.IntN(2) > 0 {
			v.Media = []targetMedia{}
			for n := rng.IntN(3); n > 0; n-- {
				v.Media = append(v.Media, targetMedia{str(), str(), str()})
			}
		}
		if rng.IntN(2) > 0 {
			v.Tags = []string{}
			for n := rng.IntN(3); n > 0; n-- {
				v.Tags = append(v.Tags, str())
			}
		}
		if rng.IntN(10) == 0 {
			v.Options = map[string]any{"spoiler_text": str(), "n": 3}
		}
		want, err := json.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.json(); !bytes.Equal(got, want) {
			t.Fatalf("targetView.json differs from encoding/json:\n got %s\nwant %s", got, want)
		}
		if sum := sha256.Sum256(want); v.hash() != hex.EncodeToString(sum[:]) {
			t.Fatalf("hash of %s is not its SHA-256", want)
		}
	}
}

// FuzzTargetJSONString: any string is written as encoding/json writes it.
func FuzzTargetJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028\xff", "🧵\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
