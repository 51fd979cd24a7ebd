package corpus

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
)

// imagesDir is the directory, below the content directory, that holds the
// images posts share.
const imagesDir = "images"

// picture is a shared image file and the alt text that describes it.
type picture struct {
	name string
	alt  string
	bars []int // bar heights of the chart drawn into it, in pixels
}

// pictures are the files posts attach; small bar charts, as teams attach to
// release notes.
var pictures = []picture{
	{"chart-1.png", "Bar chart of build times falling from 12 to 4 minutes over six releases", []int{48, 40, 33, 26, 20, 16}},
	{"chart-2.png", "Bar chart of weekly active teams, rising every month this year", []int{10, 16, 22, 30, 41, 52}},
	{"chart-3.png", "Bar chart comparing error rates before and after the change", []int{50, 12}},
	{"chart-4.png", "Bar chart of support tickets by category, login issues largest", []int{44, 21, 15, 9}},
}

// writeImages writes every shared image into dir as a PNG.
func writeImages(dir string) error {
	for _, im := range pictures {
		b, err := chartPNG(im.bars)
		if err != nil {
			return fmt.Errorf("draw %s: %w", im.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, im.name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// chartPNG draws a 96x64 bar chart with the given bar heights.
func chartPNG(bars []int) ([]byte, error) {
	const w, h = 96, 64
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{
		color.RGBA{0xff, 0xff, 0xff, 0xff},
		color.RGBA{0x25, 0x63, 0xeb, 0xff},
		color.RGBA{0x9c, 0xa3, 0xaf, 0xff},
	})
	for x := 4; x < w-4; x++ {
		img.SetColorIndex(x, h-5, 2) // the axis
	}
	step := (w - 8) / len(bars)
	for i, bh := range bars {
		x0 := 4 + i*step + step/5
		for x := x0; x < x0+step*3/5; x++ {
			for y := h - 6; y > h-6-bh; y-- {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
