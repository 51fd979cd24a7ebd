package bluesky

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/gif"  // aspect ratios of GIF images
	_ "image/jpeg" // aspect ratios of JPEG images
	_ "image/png"  // aspect ratios of PNG images

	_ "golang.org/x/image/webp" // aspect ratios of WebP images (VP8, VP8L, VP8X)
)

// aspectRatioOf reads an image's width and height as it is shown: from
// its header (PNG, JPEG, GIF, or WebP in any of its three forms), turned a
// quarter when its EXIF orientation says the picture is stored on its side
// (orientations 5 to 8, which cameras write for portrait photos). nil when
// the header cannot be read: the embed then has no aspectRatio, which the
// lexicon allows.
func aspectRatioOf(data []byte) *aspectRatio {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil
	}
	if o := exifOrientation(data); o >= 5 && o <= 8 {
		cfg.Width, cfg.Height = cfg.Height, cfg.Width
	}
	return &aspectRatio{Width: cfg.Width, Height: cfg.Height}
}

// exifOrientation returns an image's EXIF Orientation (1 to 8), or 1 when
// it has none or it cannot be read. EXIF lives in a JPEG's APP1 segment
// ("Exif\0\0" and a TIFF structure), in WebP's EXIF chunk and in PNG's
// eXIf chunk (both the TIFF structure, sometimes after "Exif\0\0").
//
// This reads only what it needs, bounds-checked, rather than taking an
// EXIF library: one tag of the first IFD is the whole question.
func exifOrientation(data []byte) int {
	var tiff []byte
	switch {
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xD8:
		tiff = jpegExif(data)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		tiff = webpExif(data)
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		tiff = pngExif(data)
	}
	return tiffOrientation(bytes.TrimPrefix(tiff, []byte("Exif\x00\x00")))
}

// jpegExif returns the TIFF structure of a JPEG's Exif APP1 segment. The
// segments before the image data are walked by their lengths.
func jpegExif(data []byte) []byte {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return nil
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // no length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // image data, or the end
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg
		}
		i += 2 + n
	}
	return nil
}

// webpExif returns the payload of a WebP file's EXIF chunk.
func webpExif(data []byte) []byte {
	end := min(len(data), 8+int(binary.LittleEndian.Uint32(data[4:8])))
	for i := 12; i+8 <= end; {
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || n > end-i-8 {
			return nil
		}
		if string(data[i:i+4]) == "EXIF" {
			return data[i+8 : i+8+n]
		}
		i += 8 + n + n&1 // chunks are padded to an even length
	}
	return nil
}

// pngExif returns the payload of a PNG file's eXIf chunk.
func pngExif(data []byte) []byte {
	for i := 8; i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n < 0 || n > len(data)-i-12 {
			return nil
		}
		switch string(data[i+4 : i+8]) {
		case "eXIf":
			return data[i+8 : i+8+n]
		case "IEND":
			return nil
		}
		i += 12 + n
	}
	return nil
}

// tiffOrientation reads tag 0x0112 (Orientation, one SHORT) of a TIFF
// structure's first IFD.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 1
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(tiff)) && e < ifd+2+count*12; e += 12 {
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		const short = 3
		if order.Uint16(tiff[e+2:]) != short || order.Uint32(tiff[e+4:]) != 1 {
			return 1
		}
		if o := int(order.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}
