// Package videotest writes tiny but well-formed video containers (MP4,
// QuickTime and WebM) for tests: the headers a video reader looks at,
// with a given duration and frame size, and a few bytes of media data
// (not decodable frames). Tests make them instead of keeping binary
// fixtures, so the figures a test asserts are written next to it.
package videotest

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// Spec is the video a container describes.
type Spec struct {
	Duration      time.Duration
	Width, Height int
	// Rotate90 records the frame as Height x Width with a track matrix
	// turning it a quarter turn, as phones record portrait video (MP4
	// and MOV only).
	Rotate90 bool
	// MoovLast puts the movie header after the media data, as cameras
	// write it (MP4 and MOV only).
	MoovLast bool
	// Padding is how many bytes of media data to write.
	Padding int
}

// MP4 returns an ISO media file (brand isom) for s.
func MP4(s Spec) []byte { return isoFile("isom", s) }

// MOV returns a QuickTime file (brand "qt  ") for s.
func MOV(s Spec) []byte { return isoFile("qt  ", s) }

func box(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	out := make([]byte, 8, n)
	binary.BigEndian.PutUint32(out, uint32(n))
	copy(out[4:], typ)
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func isoFile(brand string, s Spec) []byte {
	const timescale = 1000
	dur := uint32(s.Duration / time.Millisecond)
	w, h := s.Width, s.Height
	matrix := []int32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
	if s.Rotate90 {
		w, h = h, w
		matrix = []int32{0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000}
	}
	var mat []byte
	for _, m := range matrix {
		mat = append(mat, u32(uint32(m))...)
	}
	ftyp := box("ftyp", []byte(brand), u32(0x200), []byte(brand), []byte("mp41"))
	mvhd := box("mvhd", u32(0), u32(0), u32(0), u32(timescale), u32(dur),
		u32(0x10000), u16(0x100), make([]byte, 10), mat, make([]byte, 24), u32(2))
	tkhd := box("tkhd", u32(3), u32(0), u32(0), u32(1), u32(0), u32(dur),
		make([]byte, 8), u16(0), u16(0), u16(0), u16(0), mat,
		u32(uint32(w)<<16), u32(uint32(h)<<16))
	mdhd := box("mdhd", u32(0), u32(0), u32(0), u32(timescale), u32(dur), u16(0x55c4), u16(0))
	pre := u32(0)
	if brand == "qt  " {
		pre = []byte("mhlr")
	}
	hdlr := box("hdlr", u32(0), pre, []byte("vide"), make([]byte, 12), []byte("VideoHandler\x00"))
	trak := box("trak", tkhd, box("mdia", mdhd, hdlr))
	// A second, audio track first would be as real; one video track
	// after a sound track shows the reader picks the video one.
	stkhd := box("tkhd", u32(3), u32(0), u32(0), u32(2), u32(0), u32(dur),
		make([]byte, 8), u16(0), u16(1), u16(0x100), u16(0), mat, u32(0), u32(0))
	strak := box("trak", stkhd, box("mdia", mdhd, box("hdlr", u32(0), pre, []byte("soun"), make([]byte, 12), []byte("SoundHandler\x00"))))
	moov := box("moov", mvhd, strak, trak)
	mdat := box("mdat", bytes.Repeat([]byte{0}, s.Padding))
	if s.MoovLast {
		return bytes.Join([][]byte{ftyp, mdat, moov}, nil)
	}
	return bytes.Join([][]byte{ftyp, moov, mdat}, nil)
}

// WebM returns a WebM (Matroska) file for s: an EBML header, a Segment of
// unknown size (as live writers make) holding Info (TimestampScale 1 ms,
// Duration), Tracks (an audio track, then a video track with its pixel
// size) and one Cluster of Padding bytes.
func WebM(s Spec) []byte {
	header := el(0x1A45DFA3,
		el(0x4286, []byte{1}), el(0x42F7, []byte{1}), el(0x42F2, []byte{4}), el(0x42F3, []byte{8}),
		el(0x4282, []byte("webm")), el(0x4287, []byte{4}), el(0x4285, []byte{2}))
	info := el(0x1549A966,
		el(0x2AD7B1, u32(1_000_000)),
		el(0x4489, binary.BigEndian.AppendUint64(nil, math.Float64bits(float64(s.Duration/time.Millisecond)))),
		el(0x4D80, []byte("videotest")))
	audio := el(0xAE, el(0xD7, []byte{1}), el(0x83, []byte{2}), el(0x86, []byte("A_OPUS")))
	video := el(0xAE, el(0xD7, []byte{2}), el(0x83, []byte{1}), el(0x86, []byte("V_VP9")),
		el(0xE0, el(0xB0, u16(uint16(s.Width))), el(0xBA, u16(uint16(s.Height)))))
	tracks := el(0x1654AE6B, audio, video)
	cluster := el(0x1F43B675, el(0xE7, []byte{0}), el(0xA3, bytes.Repeat([]byte{0}, s.Padding)))
	seg := []byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	return bytes.Join([][]byte{header, seg, info, tracks, cluster}, nil)
}

// el writes an EBML element: its ID (with its marker bits, as written in
// the Matroska specification) and an 8-byte data size.
func el(id uint32, payload ...[]byte) []byte {
	var out []byte
	switch {
	case id > 0xFFFFFF:
		out = u32(id)
	case id > 0xFFFF:
		out = []byte{byte(id >> 16), byte(id >> 8), byte(id)}
	case id > 0xFF:
		out = u16(uint16(id))
	default:
		out = []byte{byte(id)}
	}
	n := 0
	for _, p := range payload {
		n += len(p)
	}
	// 0x01 then 7 bytes of size: an 8-byte vint.
	out = append(out, 0x01)
	out = append(out, binary.BigEndian.AppendUint64(nil, uint64(n))[1:]...)
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}
