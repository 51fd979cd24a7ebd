package bluesky_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// pngOf returns a w x h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func media(path, alt string, data []byte) platforms.Media {
	return platforms.Media{Path: path, Alt: alt, Type: "image/png", Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// facetAt marks the first occurrence of span in text.
func facetAt(t *testing.T, text, span string, typ platforms.FacetType, value string) platforms.Facet {
	t.Helper()
	i := strings.Index(text, span)
	if i < 0 {
		t.Fatalf("%q not in %q", span, text)
	}
	return platforms.Facet{Start: i, End: i + len(span), Type: typ, Value: value}
}

type gotFacet struct {
	Start, End int
	Feature    map[string]any
}

func facetsOf(t *testing.T, p platformtest.Post) []gotFacet {
	t.Helper()
	var out []gotFacet
	raw, _ := p.Fields["facets"].([]any)
	for _, x := range raw {
		f := x.(map[string]any)
		idx := f["index"].(map[string]any)
		feats := f["features"].([]any)
		if len(feats) != 1 {
			t.Errorf("facet %v has %d features, want 1", f, len(feats))
		}
		out = append(out, gotFacet{int(idx["byteStart"].(float64)), int(idx["byteEnd"].(float64)), feats[0].(map[string]any)})
	}
	return out
}

func TestThreadWithImageReadBack(t *testing.T) {
	var logs bytes.Buffer
	f := bluesky.NewFake(t, bluesky.FakeOptions{Handles: map[string]string{"alice.example.com": "did:plc:alice0000000000000000000"}})
	b := newAdapter(t, f, fixedNow, logTo(&logs), &platforms.MemTokens{})

	first := "Café ☕ with @alice.example.com and @ghost.example.com: see example.com/launch #herald 🎉"
	second := "2/2 naïve ünïcödé and a #tag at the end"
	img := pngOf(t, 3, 2)
	p := &platforms.Payload{PostID: "launch", Title: "Launch", Parts: []platforms.Part{
		{Text: first, Facets: []platforms.Facet{
			facetAt(t, first, "@alice.example.com", platforms.FacetMention, "alice.example.com"),
			facetAt(t, first, "@ghost.example.com", platforms.FacetMention, "ghost.example.com"),
			facetAt(t, first, "example.com/launch", platforms.FacetLink, "https://example.com/launch?utm=x"),
			facetAt(t, first, "#herald", platforms.FacetTag, "herald"),
		}},
		{Text: second, Facets: []platforms.Facet{facetAt(t, second, "#tag", platforms.FacetTag, "tag")}},
	}, Media: []platforms.Media{media("img/a.png", "Three by two pixels, all transparent", img)},
		Options: map[string]any{"langs": []any{"en", "fr"}}}

	r, err := b.Publish(t.Context(), p, "attempt-1")
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 2 {
		t.Fatalf("fake holds %d posts, want 2", len(posts))
	}
	root, reply := posts[0], posts[1]

	t.Run("text", func(t *testing.T) {
		if diff := cmp.Diff([]string{first, second}, []string{root.Text, reply.Text}); diff != "" {
			t.Errorf("texts (-want +got):\n%s", diff)
		}
	})
	t.Run("facets", func(t *testing.T) {
		alice := facetAt(t, first, "@alice.example.com", "", "")
		link := facetAt(t, first, "example.com/launch", "", "")
		tag := facetAt(t, first, "#herald", "", "")
		want := []gotFacet{
			{alice.Start, alice.End, map[string]any{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice0000000000000000000"}},
			{link.Start, link.End, map[string]any{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/launch?utm=x"}},
			{tag.Start, tag.End, map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "herald"}},
		}
		if diff := cmp.Diff(want, facetsOf(t, root)); diff != "" {
			t.Errorf("root facets (-want +got):\n%s", diff)
		}
		// Byte offsets, not runes: "Café ☕ with " is 15 bytes.
		if alice.Start != 15 || first[alice.Start:alice.End] != "@alice.example.com" {
			t.Errorf("mention at %d:%d = %q", alice.Start, alice.End, first[alice.Start:alice.End])
		}
		tag2 := facetAt(t, second, "#tag", "", "")
		if diff := cmp.Diff([]gotFacet{{tag2.Start, tag2.End, map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}}}, facetsOf(t, reply)); diff != "" {
			t.Errorf("reply facets (-want +got):\n%s", diff)
		}
		if !strings.Contains(logs.String(), "handle=ghost.example.com") {
			t.Errorf("no warning about the unresolvable handle in the logs:\n%s", logs.String())
		}
	})
	t.Run("image", func(t *testing.T) {
		if len(root.Media) != 1 || len(reply.Media) != 0 {
			t.Fatalf("media on root %d, on reply %d; want 1 and 0", len(root.Media), len(reply.Media))
		}
		m := root.Media[0]
		if m.Alt != "Three by two pixels, all transparent" || m.Type != "image/png" || !bytes.Equal(m.Data, img) {
			t.Errorf("image = alt %q type %q %d bytes", m.Alt, m.Type, len(m.Data))
		}
		embed := root.Fields["embed"].(map[string]any)
		ar := embed["images"].([]any)[0].(map[string]any)["aspectRatio"]
		if diff := cmp.Diff(map[string]any{"width": 3.0, "height": 2.0}, ar); diff != "" {
			t.Errorf("aspectRatio (-want +got):\n%s", diff)
		}
	})
	t.Run("reply chain", func(t *testing.T) {
		if root.ReplyTo != "" || reply.ReplyTo != root.ID || reply.Fields["reply_root"] != root.ID {
			t.Errorf("root replies to %q; reply's parent %q and root %v, want %q", root.ReplyTo, reply.ReplyTo, reply.Fields["reply_root"], root.ID)
		}
	})
	t.Run("receipt", func(t *testing.T) {
		want := &platforms.Receipt{Provider: "bluesky", IDs: []string{root.ID, reply.ID},
			URLs:        []string{"https://bsky.app/profile/herald.test/post/" + root.Key, "https://bsky.app/profile/herald.test/post/" + reply.Key},
			PublishedAt: clock, Extra: map[string]string{"cids": root.Fields["cid"].(string) + " " + reply.Fields["cid"].(string)}}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("receipt (-want +got):\n%s", diff)
		}
		if root.Key != bluesky.RecordKey("attempt-1", 0) || reply.Key != bluesky.RecordKey("attempt-1", 1) {
			t.Errorf("record keys %s, %s are not derived from the attempt key", root.Key, reply.Key)
		}
	})
	t.Run("langs", func(t *testing.T) {
		if diff := cmp.Diff([]any{"en", "fr"}, reply.Fields["langs"]); diff != "" {
			t.Errorf("langs (-want +got):\n%s", diff)
		}
	})
	t.Run("retry keeps the records", func(t *testing.T) {
		again, err := b.Publish(t.Context(), p, "attempt-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r.IDs, again.IDs); diff != "" {
			t.Errorf("retry IDs (-first +retry):\n%s", diff)
		}
		if n := len(f.Posts()); n != 2 {
			t.Errorf("after a retry the fake holds %d posts, want 2", n)
		}
	})
}

// TestRecordsGolden pins the records sent for a link post (with its card)
// and a thread, as the PDS stored them.
func TestRecordsGolden(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := newAdapter(t, f, fixedNow, nil, &platforms.MemTokens{})
	text := "Read the notes at example.com/notes-on-a-long-path… then reply. " + strings.Repeat("More words here. ", 12)
	p := &platforms.Payload{PostID: "card", Title: "Release notes", Parts: []platforms.Part{
		{Text: text, Facets: []platforms.Facet{facetAt(t, text, "example.com/notes-on-a-long-path…", platforms.FacetLink, "https://example.com/notes-on-a-long-path/2026")}},
		{Text: "And a second part."},
	}, Options: map[string]any{"langs": "en"}}
	if _, err := b.Publish(t.Context(), p, "attempt-golden"); err != nil {
		t.Fatal(err)
	}
	var records []any
	for _, post := range f.Posts() {
		records = append(records, map[string]any{"uri": post.ID, "record": post.Fields["record"]})
	}
	out, err := json.MarshalIndent(records, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "thread_with_card.json", append(out, '\n'))
}

func TestRecordKey(t *testing.T) {
	tid := regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)
	seen := map[string]bool{}
	for _, key := range []platforms.AttemptKey{"a", "attempt-1", "0123456789abcdef0123456789abcdef"} {
		for i := range 30 {
			k := bluesky.RecordKey(key, i)
			if !tid.MatchString(k) {
				t.Errorf("RecordKey(%q, %d) = %q, not a TID", key, i, k)
			}
			if seen[k] {
				t.Errorf("RecordKey(%q, %d) = %q repeats", key, i, k)
			}
			seen[k] = true
			if at := tidTime(k); at.Before(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) || at.After(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("RecordKey(%q, %d) = %q decodes to %s, outside 2023 to mid-2027", key, i, k, at)
			}
			if again := bluesky.RecordKey(key, i); again != k {
				t.Errorf("RecordKey(%q, %d) is %q then %q", key, i, k, again)
			}
		}
	}
	// The derivation must never change: a retry by a newer herald of an
	// attempt an older one started must write the same record.
	tests := []struct {
		key   platforms.AttemptKey
		index int
		want  string
	}{
		{"attempt-1", 0, "3llxr2hup3omp"},
		{"attempt-1", 1, "3liqplpmavrad"},
		{"0123456789abcdef0123456789abcdef", 0, "3n6xnk4qzgmtm"},
	}
	for _, tt := range tests {
		if got := bluesky.RecordKey(tt.key, tt.index); got != tt.want {
			t.Errorf("RecordKey(%q, %d) = %q, want %q", tt.key, tt.index, got, tt.want)
		}
	}
}

// tidTime decodes a TID's timestamp, independently of the adapter.
func tidTime(tid string) time.Time {
	var n uint64
	for _, c := range tid {
		n = n<<5 | uint64(strings.IndexRune("234567abcdefghijklmnopqrstuvwxyz", c))
	}
	return time.UnixMicro(int64(n >> 10)).UTC()
}

func TestPublishRefusesBeforeSending(t *testing.T) {
	small := pngOf(t, 1, 1)
	tests := []struct {
		name string
		p    *platforms.Payload
		want string
	}{
		{"five images", &platforms.Payload{Parts: []platforms.Part{{Text: "x"}}, Media: []platforms.Media{
			media("1.png", "", small), media("2.png", "", small), media("3.png", "", small), media("4.png", "", small), media("5.png", "", small)}},
			"at most 4"},
		{"image over the blob limit", &platforms.Payload{Parts: []platforms.Part{{Text: "x"}},
			Media: []platforms.Media{media("big.png", "big", make([]byte, bluesky.DefaultMaxImageBytes+1))}}, "more than 2000000 bytes, the largest image Bluesky takes"},
		{"video beside an image", &platforms.Payload{Parts: []platforms.Part{{Text: "x"}},
			Media: []platforms.Media{media("1.png", "", small), {Path: "v.mp4", Type: "video/mp4", Open: func() (io.ReadCloser, error) { return io.NopCloser(nil), nil }}}},
			"a video on its own"},
		{"two videos", &platforms.Payload{Parts: []platforms.Part{{Text: "x"}},
			Media: []platforms.Media{{Path: "v.mp4", Type: "video/mp4"}, {Path: "w.mp4", Type: "video/mp4"}}}, "takes one video"},
		{"video over the lexicon's size", &platforms.Payload{Parts: []platforms.Part{{Text: "x"}},
			Media: []platforms.Media{{Path: "v.mp4", Type: "video/mp4", Size: bluesky.MaxVideoBytes + 1,
				Open: func() (io.ReadCloser, error) { return io.NopCloser(nil), nil }}}}, "at most 300000000"},
		{"four languages", &platforms.Payload{Parts: []platforms.Part{{Text: "x"}}, Options: map[string]any{"langs": "en,fr,de,es"}}, "at most 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := bluesky.NewFake(t, bluesky.FakeOptions{})
			b := newAdapter(t, f, fixedNow, nil, &platforms.MemTokens{})
			_, err := b.Publish(t.Context(), tt.p, "attempt")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
				t.Errorf("outcome %s, want not_created", o)
			}
			if n := len(f.Posts()); n != 0 {
				t.Errorf("fake holds %d posts", n)
			}
		})
	}
}

func TestMetricsSumsTheThread(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := newAdapter(t, f, fixedNow, nil, &platforms.MemTokens{})
	r, err := b.Publish(t.Context(), platformtest.Payload("m", "one", "two", "three"), "attempt-m")
	if err != nil {
		t.Fatal(err)
	}
	// The AppView counts part two as a reply to part one, three to two.
	f.Engage(r.IDs[0], bluesky.Counts{Likes: 10, Reposts: 2, Replies: 4, Quotes: 1})
	f.Engage(r.IDs[1], bluesky.Counts{Likes: 3, Replies: 1})
	f.Engage(r.IDs[2], bluesky.Counts{Likes: 1})
	m, err := b.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	n := func(v int64) *int64 { return &v }
	want := &platforms.Metrics{Likes: n(14), Reposts: n(2), Replies: n(3), Quotes: n(1)}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	f.RemoveRemotely(r.IDs[0])
	if _, err := b.Metrics(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) {
		t.Errorf("metrics after removal = %v, want ErrDeletedRemotely", err)
	}
}

// TestTagFacetsAsTheAppWrites sends tag values as the renderer found them:
// the app's tag for "##hashash" is "#hashash", and a cashtag is a tag
// facet whose value keeps its "$".
func TestTagFacetsAsTheAppWrites(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := newAdapter(t, f, fixedNow, logTo(&bytes.Buffer{}), &platforms.MemTokens{})
	text := "##hashash and $AAPL"
	p := &platforms.Payload{PostID: "tags", Parts: []platforms.Part{{Text: text, Facets: []platforms.Facet{
		facetAt(t, text, "##hashash", platforms.FacetTag, "#hashash"),
		facetAt(t, text, "$AAPL", platforms.FacetTag, "$AAPL"),
	}}}}
	if _, err := b.Publish(t.Context(), p, "attempt-tags"); err != nil {
		t.Fatal(err)
	}
	want := []gotFacet{
		{0, 9, map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "#hashash"}},
		{14, 19, map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": "$AAPL"}},
	}
	if diff := cmp.Diff(want, facetsOf(t, f.Posts()[0])); diff != "" {
		t.Errorf("facets (-want +got):\n%s", diff)
	}
}

// padded is a real w x h PNG made n bytes long by bytes after its end,
// which decoders ignore.
func padded(t *testing.T, w, h, n int) []byte {
	t.Helper()
	b := pngOf(t, w, h)
	if len(b) > n {
		t.Fatalf("a %dx%d PNG is already %d bytes", w, h, len(b))
	}
	return append(b, make([]byte, n-len(b))...)
}

// TestImageSizeLimits holds the adapter and the fake to Bluesky's limits
// on one image: the lexicon's 2,000,000 bytes for a blob in
// app.bsky.embed.images, which the PDS checks when the post is created,
// and the PDS's 5 MiB cap on an upload. The adapter refuses a larger image
// before sending anything; with max_image_bytes raised past them, the
// fake refuses as the PDS does, and nothing is posted.
func TestImageSizeLimits(t *testing.T) {
	tests := []struct {
		name     string
		setting  int
		size     int
		wantErr  string // "" for success
		uploaded bool   // whether the blob reached the fake
	}{
		{"exactly 2,000,000 bytes", 0, 2_000_000, "", true},
		{"one byte over, refused by the adapter", 0, 2_000_001, "is more than 2000000 bytes, the largest image Bluesky takes", false},
		{"past the lexicon, refused by the PDS", 3_000_000, 2_000_001, "blob too big (maximum 2000000, got 2000001) at $.record.embed.images[0].image", true},
		{"past the upload cap, refused by the PDS", 6_000_000, 5<<20 + 1, "request entity too large", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := bluesky.NewFake(t, bluesky.FakeOptions{})
			values := map[string]any{"handle": f.AccountHandle(), "password_env": passwordEnv, "appview_url": f.AppViewURL()}
			if tt.setting > 0 {
				values["max_image_bytes"] = tt.setting
			}
			reg := platforms.NewRegistry(map[string]platforms.Constructor{"bluesky": bluesky.New})
			pub, err := reg.New(platforms.Settings{Account: "sky", Platform: "bluesky", BaseURL: f.URL(), Values: values,
				Getenv: func(string) string { return password }, HTTPClient: f.Client(), Now: fixedNow, Tokens: &platforms.MemTokens{}})
			if err != nil {
				t.Fatal(err)
			}
			data := padded(t, 4, 3, tt.size)
			p := &platforms.Payload{PostID: "img", Parts: []platforms.Part{{Text: "a picture"}},
				Media: []platforms.Media{media("img/big.png", "A picture", data)}}
			_, err = pub.Publish(t.Context(), p, "attempt-img")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				posts := f.Posts()
				if len(posts) != 1 || len(posts[0].Media) != 1 || len(posts[0].Media[0].Data) != tt.size {
					t.Fatalf("fake holds %d posts; want one with the %d-byte image", len(posts), tt.size)
				}
				ar := posts[0].Fields["embed"].(map[string]any)["images"].([]any)[0].(map[string]any)["aspectRatio"]
				if diff := cmp.Diff(map[string]any{"width": 4.0, "height": 3.0}, ar); diff != "" {
					t.Errorf("aspectRatio (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
			}
			if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
				t.Errorf("outcome %s, want not_created", o)
			}
			if n := len(f.Posts()); n != 0 {
				t.Errorf("fake holds %d posts, want none", n)
			}
			if got := f.Blobs() == 1; got != tt.uploaded {
				t.Errorf("%d blobs stored by the fake; uploaded = %v, want %v", f.Blobs(), got, tt.uploaded)
			}
		})
	}
}
