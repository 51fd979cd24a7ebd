package bluesky

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/webp"

	"github.com/heraldhq/herald/platforms"
)

// The images below are real: every one decodes in full with the standard
// decoders or golang.org/x/image/webp, which the test checks, and only
// then is its aspect ratio compared.

// tiffOrientationTag is a TIFF structure whose first IFD holds one entry,
// Orientation = o, in the given byte order ("II" or "MM"), after entries
// that come before it in tag order.
func tiffOrientationTag(order string, o uint16) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	if order == "MM" {
		bo = binary.BigEndian
	}
	b := []byte(order)
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8) // the IFD follows the header
	b = bo.AppendUint16(b, 2) // two entries
	// ImageDescription (0x010E), ASCII, 4 bytes inline: "cat\0".
	b = bo.AppendUint16(b, 0x010E)
	b = bo.AppendUint16(b, 2)
	b = bo.AppendUint32(b, 4)
	b = append(b, "cat\x00"...)
	// Orientation (0x0112), SHORT, 1 value, left-justified in 4 bytes.
	b = bo.AppendUint16(b, 0x0112)
	b = bo.AppendUint16(b, 3)
	b = bo.AppendUint32(b, 1)
	b = bo.AppendUint16(b, o)
	b = bo.AppendUint16(b, 0)
	return bo.AppendUint32(b, 0) // no next IFD
}

func rgba(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(40 * x), uint8(60 * y), 200, 255})
		}
	}
	return m
}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, rgba(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, rgba(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, rgba(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withJPEGExif puts an Exif APP1 segment holding tiff after a JPEG's
// SOI, where cameras write it (after a JFIF APP0 when there is one, which
// the reader must walk past).
func withJPEGExif(data, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	app0 := []byte("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	out := append([]byte{}, data[:2]...)
	out = append(out, app0...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

// withPNGExif puts an eXIf chunk holding tiff after a PNG's IHDR.
func withPNGExif(data, tiff []byte) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, data[ihdrEnd:]...)
}

// bitWriter writes VP8L's bit stream: least significant bit first.
type bitWriter struct {
	buf []byte
	n   uint
}

func (w *bitWriter) write(v uint32, bits uint) {
	for i := range bits {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		w.buf[len(w.buf)-1] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
}

// vp8lImage is a lossless WebP bit stream (the VP8L chunk's payload) of a
// w x h image of one colour: no transforms, no colour cache, and five
// prefix codes of one symbol each, so that every pixel takes no bits.
func vp8lImage(w, h int, c color.NRGBA) []byte {
	bw := &bitWriter{buf: []byte{0x2f}, n: 8}
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1) // alpha is used
	bw.write(0, 3) // version 0
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	oneSymbol := func(sym uint8, eight bool) {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		if eight {
			bw.write(1, 1)
			bw.write(uint32(sym), 8)
		} else {
			bw.write(0, 1)
			bw.write(uint32(sym), 1)
		}
	}
	oneSymbol(c.G, true) // green: a literal
	oneSymbol(c.R, true)
	oneSymbol(c.B, true)
	oneSymbol(c.A, true)
	oneSymbol(0, false) // distance: unused
	return bw.buf
}

func riffChunk(id string, payload []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	b = append(b, payload...)
	if len(payload)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func webpFile(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// vp8xChunk is the extended header: flags (EXIF 0x08, alpha 0x10) and the
// canvas size.
func vp8xChunk(w, h int, flags byte) []byte {
	p := []byte{flags, 0, 0, 0}
	p = append(p, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	p = append(p, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return riffChunk("VP8X", p)
}

// lossyVP8 is the VP8 chunk of golang.org/x/image's
// testdata/video-001.lossy.webp (150 x 103), kept in testdata.
func lossyVP8(t *testing.T) (file, chunk []byte) {
	t.Helper()
	file, err := os.ReadFile(filepath.Join("testdata", "video-001.lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	if string(file[12:16]) != "VP8 " {
		t.Fatalf("video-001.lossy.webp holds %q, not a simple lossy image", file[12:16])
	}
	n := binary.LittleEndian.Uint32(file[16:20])
	return file, file[12 : 20+n+n&1]
}

func TestAspectRatioOf(t *testing.T) {
	lossy, vp8 := lossyVP8(t)
	red := color.NRGBA{R: 255, A: 255}
	tests := []struct {
		name   string
		data   []byte
		stored [2]int // the pixels as stored, which the decoder gives
		want   *aspectRatio
	}{
		{"png", pngImage(t, 3, 2), [2]int{3, 2}, &aspectRatio{3, 2}},
		{"png with eXIf orientation 6", withPNGExif(pngImage(t, 3, 2), tiffOrientationTag("MM", 6)), [2]int{3, 2}, &aspectRatio{2, 3}},
		{"gif", gifImage(t, 5, 4), [2]int{5, 4}, &aspectRatio{5, 4}},
		{"jpeg", jpegImage(t, 3, 2), [2]int{3, 2}, &aspectRatio{3, 2}},
		{"jpeg orientation 1", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("II", 1)), [2]int{3, 2}, &aspectRatio{3, 2}},
		{"jpeg orientation 3 (upside down)", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("II", 3)), [2]int{3, 2}, &aspectRatio{3, 2}},
		{"jpeg orientation 6 (portrait from a phone)", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("II", 6)), [2]int{3, 2}, &aspectRatio{2, 3}},
		{"jpeg orientation 8, big-endian", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("MM", 8)), [2]int{3, 2}, &aspectRatio{2, 3}},
		{"jpeg orientation 5", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("MM", 5)), [2]int{3, 2}, &aspectRatio{2, 3}},
		{"jpeg orientation 7", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("II", 7)), [2]int{3, 2}, &aspectRatio{2, 3}},
		{"jpeg orientation 9 (no such)", withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("II", 9)), [2]int{3, 2}, &aspectRatio{3, 2}},
		{"webp lossy (VP8)", lossy, [2]int{150, 103}, &aspectRatio{150, 103}},
		{"webp lossless (VP8L)", webpFile(riffChunk("VP8L", vp8lImage(3, 2, red))), [2]int{3, 2}, &aspectRatio{3, 2}},
		{"webp extended (VP8X) lossless, EXIF orientation 6",
			webpFile(vp8xChunk(3, 2, 0x08|0x10), riffChunk("VP8L", vp8lImage(3, 2, red)), riffChunk("EXIF", tiffOrientationTag("II", 6))),
			[2]int{3, 2}, &aspectRatio{2, 3}},
		{"webp extended (VP8X) lossy, EXIF with its Exif prefix, orientation 8",
			webpFile(vp8xChunk(150, 103, 0x08), vp8, riffChunk("EXIF", append([]byte("Exif\x00\x00"), tiffOrientationTag("MM", 8)...))),
			[2]int{150, 103}, &aspectRatio{103, 150}},
		{"webp extended (VP8X) without EXIF", webpFile(vp8xChunk(150, 103, 0), vp8), [2]int{150, 103}, &aspectRatio{150, 103}},
		{"not an image", []byte("GIF87 is not quite it"), [2]int{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want != nil {
				m, _, err := image.Decode(bytes.NewReader(tt.data))
				if err != nil {
					t.Fatalf("the test image does not decode: %v", err)
				}
				if b := m.Bounds(); b.Dx() != tt.stored[0] || b.Dy() != tt.stored[1] {
					t.Fatalf("the test image is %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.stored[0], tt.stored[1])
				}
			}
			if diff := cmp.Diff(tt.want, aspectRatioOf(tt.data)); diff != "" {
				t.Errorf("aspectRatioOf (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVP8LImage checks the lossless test image's encoder: every pixel
// decodes to the colour asked for.
func TestVP8LImage(t *testing.T) {
	want := color.NRGBA{R: 12, G: 34, B: 56, A: 255}
	m, err := webp.Decode(bytes.NewReader(webpFile(riffChunk("VP8L", vp8lImage(7, 5, want)))))
	if err != nil {
		t.Fatal(err)
	}
	for y := range 5 {
		for x := range 7 {
			if got := color.NRGBAModel.Convert(m.At(x, y)); got != want {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestExifOrientationDamaged feeds the reader cut and corrupted files:
// it answers 1 (as stored), never panics, never reads out of bounds.
func TestExifOrientationDamaged(t *testing.T) {
	good := [][]byte{
		withJPEGExif(jpegImage(t, 3, 2), tiffOrientationTag("II", 6)),
		withPNGExif(pngImage(t, 3, 2), tiffOrientationTag("MM", 6)),
		webpFile(vp8xChunk(3, 2, 0x08), riffChunk("VP8L", vp8lImage(3, 2, color.NRGBA{A: 255})), riffChunk("EXIF", tiffOrientationTag("II", 6))),
	}
	for _, data := range good {
		if o := exifOrientation(data); o != 6 {
			t.Fatalf("exifOrientation of an intact file = %d, want 6", o)
		}
		for n := range data {
			exifOrientation(data[:n])
		}
		for i := range data {
			for _, v := range []byte{0x00, 0xFF, 0x7F} {
				c := bytes.Clone(data)
				c[i] = v
				if o := exifOrientation(c); o < 1 || o > 8 {
					t.Fatalf("exifOrientation = %d", o)
				}
			}
		}
	}
}

func FuzzExifOrientation(f *testing.F) {
	f.Add(withJPEGExif([]byte{0xFF, 0xD8, 0xFF, 0xD9}, tiffOrientationTag("II", 6)))
	f.Add(withPNGExif(pngImage(&testing.T{}, 1, 1), tiffOrientationTag("MM", 8)))
	f.Add(webpFile(vp8xChunk(1, 1, 0x08), riffChunk("EXIF", tiffOrientationTag("II", 5))))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("exifOrientation = %d", o)
		}
	})
}

// TestPublishSendsTheShownAspectRatio publishes a portrait phone photo (a
// landscape JPEG with EXIF orientation 6) and a lossless WebP through the
// fake: each image's aspectRatio is as shown.
func TestPublishSendsTheShownAspectRatio(t *testing.T) {
	f := NewFake(t, FakeOptions{})
	b, err := NewBluesky(platforms.Settings{Account: "sky", Platform: Name, BaseURL: f.URL(),
		Values: map[string]any{"handle": f.AccountHandle(), "password_env": "P", "appview_url": f.AppViewURL()},
		Getenv: func(string) string { return "fake-app-pass-word" }, HTTPClient: f.Client(), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	photo := withJPEGExif(jpegImage(t, 40, 30), tiffOrientationTag("II", 6))
	lossless := webpFile(riffChunk("VP8L", vp8lImage(16, 9, color.NRGBA{G: 200, A: 255})))
	item := func(path, typ string, data []byte) platforms.Media {
		return platforms.Media{Path: path, Alt: path, Type: typ, Size: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	}
	p := &platforms.Payload{PostID: "photos", Parts: []platforms.Part{{Text: "Two pictures"}},
		Media: []platforms.Media{item("portrait.jpg", "image/jpeg", photo), item("wide.webp", "image/webp", lossless)}}
	if _, err := b.Publish(t.Context(), p, "attempt-photos"); err != nil {
		t.Fatal(err)
	}
	var got []any
	for _, img := range f.Posts()[0].Fields["embed"].(map[string]any)["images"].([]any) {
		got = append(got, img.(map[string]any)["aspectRatio"])
	}
	want := []any{map[string]any{"width": 30.0, "height": 40.0}, map[string]any{"width": 16.0, "height": 9.0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("aspect ratios (-want +got):\n%s", diff)
	}
}
