package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"github.com/heraldhq/herald/platforms"
)

// tidAlphabet is base32-sortable, the encoding of TIDs.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidEpoch and tidSpan bound the timestamps of derived record keys to
// 2023-01-01 plus about four and a half years, so that a key reads as a
// plausible TID to tools that decode one as a time.
var tidEpoch = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

const tidSpan = 1 << 47

// RecordKey returns the record key of part index of the attempt key: a
// TID (13 base32-sortable characters, a 53-bit microsecond timestamp and a
// 10-bit clock ID) derived from a SHA-256 of the key and the index. Posts
// need a TID key (the lexicon's key type is "tid"; the AppView is reported
// to leave posts with other keys out of feeds), and deriving it from the
// attempt key makes every retry of an attempt write the same record, which
// the PDS refuses to create twice.
func RecordKey(key platforms.AttemptKey, index int) string {
	sum := sha256.Sum256([]byte("herald/bluesky/rkey\x00" + string(key) + "\x00" + strconv.Itoa(index)))
	ts := uint64(tidEpoch) + binary.BigEndian.Uint64(sum[:8])%tidSpan
	clock := uint64(binary.BigEndian.Uint16(sum[8:10])) & 0x3ff
	n := ts<<10 | clock
	var out [13]byte
	for i := 12; i >= 0; i-- {
		out[i] = tidAlphabet[n&31]
		n >>= 5
	}
	return string(out[:])
}

// record is an app.bsky.feed.post record.
type record struct {
	Type      string    `json:"$type"`
	Text      string    `json:"text"`
	CreatedAt string    `json:"createdAt"`
	Langs     []string  `json:"langs,omitempty"`
	Facets    []facet   `json:"facets,omitempty"`
	Reply     *replyRef `json:"reply,omitempty"`
	Embed     any       `json:"embed,omitempty"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

// facet is an app.bsky.richtext.facet.
type facet struct {
	Index    byteSlice `json:"index"`
	Features []feature `json:"features"`
}

type byteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// feature is one of #link, #mention or #tag; only its own field is set.
type feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	DID  string `json:"did,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// imagesEmbed is app.bsky.embed.images.
type imagesEmbed struct {
	Type   string      `json:"$type"`
	Images []imageItem `json:"images"`
}

// imageItem is one image of an images embed.
type imageItem struct {
	Alt         string          `json:"alt"`
	Image       json.RawMessage `json:"image"`
	AspectRatio *aspectRatio    `json:"aspectRatio,omitempty"`
}

type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// externalEmbed is app.bsky.embed.external, a link card.
type externalEmbed struct {
	Type     string   `json:"$type"`
	External external `json:"external"`
}

type external struct {
	URI         string `json:"uri"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// recordInput is everything one part's record is built from, so that
// building it is pure.
type recordInput struct {
	Part      platforms.Part
	CreatedAt time.Time
	Langs     []string
	// DIDs maps mentioned handles to their DIDs; a handle missing here
	// stays plain text.
	DIDs   map[string]string
	Reply  *replyRef
	Images []imageItem
	Video  *videoEmbed
	Card   *external
}

// buildRecord makes the post record of one part. Facets whose offsets do
// not fit the text are dropped, as are mentions without a DID.
func buildRecord(in recordInput) record {
	r := record{Type: postCollection, Text: in.Part.Text, CreatedAt: in.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		Langs: in.Langs, Reply: in.Reply}
	for _, f := range in.Part.Facets {
		if f.Start < 0 || f.End > len(in.Part.Text) || f.Start >= f.End {
			continue
		}
		var ft feature
		switch f.Type {
		case platforms.FacetLink:
			ft = feature{Type: "app.bsky.richtext.facet#link", URI: f.Value}
		case platforms.FacetMention:
			did := in.DIDs[mentionHandle(f.Value)]
			if did == "" {
				continue
			}
			ft = feature{Type: "app.bsky.richtext.facet#mention", DID: did}
		case platforms.FacetTag:
			ft = feature{Type: "app.bsky.richtext.facet#tag", Tag: f.Value}
		default:
			continue
		}
		r.Facets = append(r.Facets, facet{Index: byteSlice{f.Start, f.End}, Features: []feature{ft}})
	}
	switch {
	case in.Video != nil:
		r.Embed = *in.Video
	case len(in.Images) > 0:
		r.Embed = imagesEmbed{Type: "app.bsky.embed.images", Images: in.Images}
	case in.Card != nil:
		r.Embed = externalEmbed{Type: "app.bsky.embed.external", External: *in.Card}
	}
	return r
}

// mentionHandle normalises a mention's value to the handle resolveHandle
// takes.
func mentionHandle(v string) string {
	return strings.ToLower(strings.TrimPrefix(v, "@"))
}

// mentions lists the distinct handles mentioned in p, in order.
func mentions(p *platforms.Payload) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range p.Parts {
		for _, f := range part.Facets {
			if h := mentionHandle(f.Value); f.Type == platforms.FacetMention && h != "" && !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// maxDescription is how many grapheme clusters of the first part a link
// card's description keeps: the length of a page's meta description,
// which is what a card shows in its few lines. (A post's text is at most
// 300, so a cut at that length would never cut.)
const maxDescription = 160

// linkCard returns the link card for p and the index of the part that
// carries it: the post's first link, when the post has no images (an
// embed is one or the other). The title is the post's title, else the
// link's host; the description is the first part's text, cut.
func linkCard(p *platforms.Payload) (*external, int) {
	if len(p.Media) > 0 || len(p.Parts) == 0 {
		return nil, -1
	}
	for i, part := range p.Parts {
		for _, f := range part.Facets {
			if f.Type != platforms.FacetLink || f.Value == "" {
				continue
			}
			title := p.Title
			if title == "" {
				if u, err := url.Parse(f.Value); err == nil {
					title = u.Host
				}
			}
			return &external{URI: f.Value, Title: title, Description: cut(p.Parts[0].Text, maxDescription)}, i
		}
	}
	return nil, -1
}

// cut shortens s to at most n grapheme clusters, ending with an ellipsis
// when it shortened it.
func cut(s string, n int) string {
	if uniseg.GraphemeClusterCount(s) <= n {
		return s
	}
	var b strings.Builder
	g := uniseg.NewGraphemes(s)
	for i := 0; i < n-1 && g.Next(); i++ {
		b.WriteString(g.Str())
	}
	return strings.TrimRight(b.String(), " \n") + "…"
}

// langsOption reads the langs option: a string ("en" or "en,de") or a
// list of strings.
func langsOption(p *platforms.Payload) ([]string, error) {
	var langs []string
	for _, key := range []string{"langs", "lang"} {
		switch v := p.Options[key].(type) {
		case nil:
			continue
		case string:
			for l := range strings.SplitSeq(v, ",") {
				if l = strings.TrimSpace(l); l != "" {
					langs = append(langs, l)
				}
			}
		case []string:
			langs = append(langs, v...)
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, notCreated("option %s: %v is not a language tag", key, x)
				}
				langs = append(langs, s)
			}
		default:
			return nil, notCreated("option %s: %v is not a language tag or a list of them", key, v)
		}
	}
	if len(langs) > maxLangs {
		return nil, notCreated("option langs: %d languages, Bluesky takes at most %d", len(langs), maxLangs)
	}
	return langs, nil
}
