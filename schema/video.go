package schema

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	mp4 "github.com/abema/go-mp4"
)

// videoInfo is what the limits of platforms are about, read from a video's
// container: how long it plays and the size it is shown at (after the
// rotation a phone records in the track header).
type videoInfo struct {
	Duration      time.Duration
	Width, Height int
}

// maxMoovSize is the largest MP4 movie box (the index of every sample)
// herald reads into memory: an hour of 60 fps video indexes in a few MiB.
const maxMoovSize = 64 << 20

// probeVideo reads the duration and the shown size of a video of MIME type
// typ from r, which starts at the file's first byte. It reads r forward
// only: the media bytes (mdat, Clusters) are skipped by reading through
// them, so that r can be the hashing stream of a file of hundreds of MiB,
// and only the headers are kept. On return r may be anywhere in the file.
func probeVideo(typ string, r io.Reader) (videoInfo, error) {
	switch typ {
	case "video/mp4", "video/quicktime":
		return probeMP4(r)
	case "video/webm":
		return probeWebM(r)
	}
	return videoInfo{}, fmt.Errorf("herald reads MP4, MOV and WebM videos, not %s", typ)
}

// probeMP4 walks the top-level boxes of an ISO media (MP4) or QuickTime
// file, skipping each one but the movie box (moov), which it reads whole
// and hands to github.com/abema/go-mp4 to decode. The moov box may come
// before or after the media data: both are read in one forward pass.
func probeMP4(r io.Reader) (videoInfo, error) {
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return videoInfo{}, errors.New("the file has no movie header (moov box): it is cut short or not an MP4")
			}
			return videoInfo{}, err
		}
		size := uint64(binary.BigEndian.Uint32(hdr[:4]))
		typ := string(hdr[4:8])
		hlen := uint64(8)
		switch size {
		case 1: // a 64-bit size follows
			var ext [8]byte
			if _, err := io.ReadFull(r, ext[:]); err != nil {
				return videoInfo{}, fmt.Errorf("box %q: %w", typ, err)
			}
			size, hlen = binary.BigEndian.Uint64(ext[:]), 16
		case 0: // the box runs to the end of the file
			if typ != "moov" {
				return videoInfo{}, errors.New("the file has no movie header (moov box) before its last box")
			}
			moov, err := io.ReadAll(io.LimitReader(r, maxMoovSize+1))
			if err != nil {
				return videoInfo{}, err
			}
			if len(moov) > maxMoovSize {
				return videoInfo{}, fmt.Errorf("the movie header is larger than %d MiB", maxMoovSize>>20)
			}
			return decodeMoov(moov)
		}
		if size < hlen {
			return videoInfo{}, fmt.Errorf("box %q has a size of %d bytes, less than its header", typ, size)
		}
		body := size - hlen
		if typ != "moov" {
			if body > math.MaxInt64 {
				return videoInfo{}, fmt.Errorf("box %q is too large", typ)
			}
			if _, err := io.CopyN(io.Discard, r, int64(body)); err != nil {
				return videoInfo{}, fmt.Errorf("box %q is cut short: %w", typ, err)
			}
			continue
		}
		if body > maxMoovSize {
			return videoInfo{}, fmt.Errorf("the movie header is larger than %d MiB", maxMoovSize>>20)
		}
		// Read as it comes rather than allocated from the size the box
		// claims, which a broken file may overstate.
		moov, err := io.ReadAll(io.LimitReader(r, int64(body)))
		if err != nil {
			return videoInfo{}, err
		}
		if uint64(len(moov)) != body {
			return videoInfo{}, errors.New("the movie header (moov box) is cut short")
		}
		return decodeMoov(moov)
	}
}

// decodeMoov reads the movie's duration and its first video track's shown
// size from the body of a moov box.
func decodeMoov(body []byte) (videoInfo, error) {
	var buf bytes.Buffer
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(body)+8))
	copy(hdr[4:], "moov")
	buf.Write(hdr[:])
	buf.Write(body)
	rs := bytes.NewReader(buf.Bytes())

	var info videoInfo
	mvhds, err := mp4.ExtractBoxWithPayload(rs, nil, mp4.BoxPath{mp4.BoxTypeMoov(), mp4.BoxTypeMvhd()})
	if err != nil {
		return info, fmt.Errorf("movie header: %w", err)
	}
	if len(mvhds) == 0 {
		return info, errors.New("the movie has no header (mvhd box)")
	}
	mvhd := mvhds[0].Payload.(*mp4.Mvhd)
	if mvhd.Timescale == 0 {
		return info, errors.New("the movie header has a time scale of 0")
	}
	info.Duration = scaleDuration(mvhd.GetDuration(), uint64(mvhd.Timescale))

	traks, err := mp4.ExtractBox(rs, nil, mp4.BoxPath{mp4.BoxTypeMoov(), mp4.BoxTypeTrak()})
	if err != nil {
		return info, fmt.Errorf("tracks: %w", err)
	}
	for _, trak := range traks {
		hdlrs, err := mp4.ExtractBoxWithPayload(rs, trak, mp4.BoxPath{mp4.BoxTypeMdia(), mp4.BoxTypeHdlr()})
		if err != nil {
			return info, fmt.Errorf("track handler: %w", err)
		}
		if len(hdlrs) == 0 || string(hdlrs[0].Payload.(*mp4.Hdlr).HandlerType[:]) != "vide" {
			continue
		}
		tkhds, err := mp4.ExtractBoxWithPayload(rs, trak, mp4.BoxPath{mp4.BoxTypeTkhd()})
		if err != nil {
			return info, fmt.Errorf("track header: %w", err)
		}
		if len(tkhds) == 0 {
			continue
		}
		tkhd := tkhds[0].Payload.(*mp4.Tkhd)
		info.Width, info.Height = int(tkhd.Width>>16), int(tkhd.Height>>16)
		if rotated(tkhd.Matrix) {
			info.Width, info.Height = info.Height, info.Width
		}
		break
	}
	if info.Width == 0 || info.Height == 0 {
		return info, errors.New("the movie has no video track with a size")
	}
	return info, nil
}

// rotated reports whether a track matrix turns the picture a quarter turn
// (90 or 270 degrees), as phones record portrait video: the frame is
// stored landscape and shown portrait. Such a matrix has a and d (the
// 16.16 scale terms) zero and b and c non-zero.
func rotated(m [9]int32) bool {
	return m[0] == 0 && m[4] == 0 && m[1] != 0 && m[3] != 0
}

// scaleDuration is n units of 1/scale seconds as a Duration, without
// overflowing for long videos at fine scales.
func scaleDuration(n, scale uint64) time.Duration {
	secs := n / scale
	frac := n % scale
	return time.Duration(secs)*time.Second + time.Duration(frac*uint64(time.Second)/scale)
}

// Matroska (WebM) element IDs, from RFC 9559 (Matroska) and RFC 8794
// (EBML), with their marker bits.
const (
	ebmlSegment       = 0x18538067
	ebmlInfo          = 0x1549A966
	ebmlTimestampUnit = 0x2AD7B1 // TimestampScale: nanoseconds per tick
	ebmlDuration      = 0x4489   // float, in ticks
	ebmlTracks        = 0x1654AE6B
	ebmlTrackEntry    = 0xAE
	ebmlTrackType     = 0x83 // 1: video
	ebmlVideo         = 0xE0
	ebmlPixelWidth    = 0xB0
	ebmlPixelHeight   = 0xBA
	ebmlDisplayWidth  = 0x54B0
	ebmlDisplayHeight = 0x54BA
	ebmlCluster       = 0x1F43B675
	ebmlUnknownSize   = -1
)

// maxEBMLValue is the largest value element herald reads into memory; the
// ones it wants are numbers of at most 8 bytes.
const maxEBMLValue = 8

// probeWebM reads a WebM (Matroska) file's Segment Info duration and its
// first video track's display size. It descends into the Segment, its Info
// and Tracks, and a TrackEntry's Video, skips every other element by
// reading through it, and stops at the first Cluster (the media data),
// by which point a WebM writer has written both headers.
//
// This is a small reader of its own rather than a dependency: the Go EBML
// libraries decode whole files into structs (and Clusters with them),
// where herald needs six numbers from the headers.
func probeWebM(r io.Reader) (videoInfo, error) {
	er := &ebmlReader{r: r}
	id, size, err := er.header()
	if err != nil || id != 0x1A45DFA3 {
		return videoInfo{}, errors.New("the file does not start with an EBML header")
	}
	if err := er.skip(size); err != nil {
		return videoInfo{}, err
	}
	id, _, err = er.header()
	if err != nil || id != ebmlSegment {
		return videoInfo{}, errors.New("the file has no Matroska segment after its header")
	}
	var (
		scale          uint64 = 1_000_000
		ticks          float64
		haveInfo       bool
		w, h, dw, dh   uint64
		haveVideo      bool
		inVideoTrack   bool
		trackIsVideo   bool
		trackW, trackH uint64
		trackDW        uint64
		trackDH        uint64
	)
	// ends holds the end offsets of the master elements being read, so
	// that a TrackEntry's fields are judged when it ends.
	type open struct {
		id  uint64
		end int64
	}
	var stack []open
	closeTrack := func() {
		if trackIsVideo && !haveVideo && trackW > 0 && trackH > 0 {
			w, h, dw, dh, haveVideo = trackW, trackH, trackDW, trackDH, true
		}
		trackIsVideo, trackW, trackH, trackDW, trackDH = false, 0, 0, 0, 0
	}
	for {
		for len(stack) > 0 && stack[len(stack)-1].end >= 0 && er.n >= stack[len(stack)-1].end {
			if stack[len(stack)-1].id == ebmlTrackEntry {
				closeTrack()
			}
			if stack[len(stack)-1].id == ebmlVideo {
				inVideoTrack = false
			}
			stack = stack[:len(stack)-1]
		}
		if haveInfo && haveVideo {
			break
		}
		id, size, err := er.header()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return videoInfo{}, errors.New("the WebM file is cut short in its headers")
		}
		if err != nil {
			return videoInfo{}, err
		}
		end := int64(ebmlUnknownSize)
		if size != ebmlUnknownSize {
			end = er.n + size
		}
		switch id {
		case ebmlCluster:
			for len(stack) > 0 {
				if stack[len(stack)-1].id == ebmlTrackEntry {
					closeTrack()
				}
				stack = stack[:len(stack)-1]
			}
			goto done
		case ebmlInfo:
			haveInfo = true
			stack = append(stack, open{id, end})
		case ebmlTracks:
			stack = append(stack, open{id, end})
		case ebmlTrackEntry:
			stack = append(stack, open{id, end})
		case ebmlVideo:
			inVideoTrack = true
			stack = append(stack, open{id, end})
		case ebmlTimestampUnit, ebmlTrackType, ebmlPixelWidth, ebmlPixelHeight, ebmlDisplayWidth, ebmlDisplayHeight:
			v, err := er.uint(size)
			if err != nil {
				return videoInfo{}, err
			}
			switch {
			case id == ebmlTimestampUnit && v > 0:
				scale = v
			case id == ebmlTrackType:
				trackIsVideo = v == 1
			case id == ebmlPixelWidth && inVideoTrack:
				trackW = v
			case id == ebmlPixelHeight && inVideoTrack:
				trackH = v
			case id == ebmlDisplayWidth && inVideoTrack:
				trackDW = v
			case id == ebmlDisplayHeight && inVideoTrack:
				trackDH = v
			}
		case ebmlDuration:
			f, err := er.float(size)
			if err != nil {
				return videoInfo{}, err
			}
			ticks = f
		default:
			if size == ebmlUnknownSize {
				return videoInfo{}, fmt.Errorf("element %#x has an unknown size", id)
			}
			if err := er.skip(size); err != nil {
				return videoInfo{}, err
			}
		}
	}
done:
	if !haveVideo {
		return videoInfo{}, errors.New("the WebM file has no video track with a size before its first cluster")
	}
	if ticks <= 0 {
		return videoInfo{}, errors.New("the WebM file gives no duration (Segment Info Duration): remux it so that it does")
	}
	if dw > 0 && dh > 0 {
		w, h = dw, dh
	}
	return videoInfo{
		Duration: time.Duration(ticks * float64(scale)),
		Width:    int(w), Height: int(h),
	}, nil
}

// ebmlReader reads EBML element headers and values forward, counting the
// bytes it has read.
type ebmlReader struct {
	r io.Reader
	n int64
}

func (e *ebmlReader) byte() (byte, error) {
	var b [1]byte
	if _, err := io.ReadFull(e.r, b[:]); err != nil {
		return 0, err
	}
	e.n++
	return b[0], nil
}

// vint reads a variable-length integer; keepMarker keeps the length marker
// bit (element IDs are written with it). It returns ebmlUnknownSize for a
// size whose value bits are all ones.
func (e *ebmlReader) vint(keepMarker bool) (int64, error) {
	first, err := e.byte()
	if err != nil {
		return 0, err
	}
	length := 1
	for mask := byte(0x80); length <= 8 && first&mask == 0; mask >>= 1 {
		length++
	}
	if length > 8 {
		return 0, errors.New("a WebM element has an invalid length")
	}
	v := uint64(first)
	if !keepMarker {
		v &= uint64(0xFF >> length)
	}
	allOnes := v == uint64(0xFF>>length)
	for i := 1; i < length; i++ {
		b, err := e.byte()
		if err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		v = v<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	if !keepMarker && allOnes {
		return ebmlUnknownSize, nil
	}
	if v > math.MaxInt64 {
		return 0, errors.New("a WebM element is too large")
	}
	return int64(v), nil
}

// header reads an element's ID and data size.
func (e *ebmlReader) header() (uint64, int64, error) {
	id, err := e.vint(true)
	if err != nil {
		return 0, 0, err
	}
	size, err := e.vint(false)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, 0, err
	}
	return uint64(id), size, nil
}

func (e *ebmlReader) skip(size int64) error {
	if size < 0 {
		return errors.New("a WebM element of unknown size cannot be skipped")
	}
	n, err := io.CopyN(io.Discard, e.r, size)
	e.n += n
	if err != nil {
		return fmt.Errorf("a WebM element is cut short: %w", err)
	}
	return nil
}

func (e *ebmlReader) value(size int64) ([]byte, error) {
	if size < 0 || size > maxEBMLValue {
		return nil, fmt.Errorf("a WebM number of %d bytes", size)
	}
	b := make([]byte, size)
	n, err := io.ReadFull(e.r, b)
	e.n += int64(n)
	if err != nil {
		return nil, fmt.Errorf("a WebM element is cut short: %w", err)
	}
	return b, nil
}

func (e *ebmlReader) uint(size int64) (uint64, error) {
	b, err := e.value(size)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

func (e *ebmlReader) float(size int64) (float64, error) {
	b, err := e.value(size)
	if err != nil {
		return 0, err
	}
	switch size {
	case 0:
		return 0, nil
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	}
	return 0, fmt.Errorf("a WebM float of %d bytes", size)
}
