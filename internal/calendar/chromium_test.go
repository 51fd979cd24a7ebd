package calendar

import (
	"bytes"
	"flag"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/browsertest"
)

var screenshotOut = flag.String("screenshot", "", "keep the headless Chromium screenshot of the page in `file`")

// chartPurple matches the chart's line and dots (#8250df), a colour the
// page uses for nothing else.
func chartPurple(r, g, b uint32) bool {
	return r > 100 && r < 160 && g > 60 && g < 110 && b > 190
}

// TestPageInChromium opens the HTML page in headless Chromium: the page
// must log nothing to the console, its DOM must hold the month grid's
// cells and the chart's path, and the screenshot must show the grid and
// the chart drawn where they are laid out (no blank page).
func TestPageInChromium(t *testing.T) {
	browser := browsertest.Chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "calendar.html")
	var b bytes.Buffer
	if err := WritePage(&b, fixture(), PageOptions{Title: "Fernhill content calendar", Month: now, Location: newYork, Now: now, History: fixtureHistory()}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("dom", func(t *testing.T) {
		s, _ := browser.DOM(t, page)
		if got := strings.Count(s, "<td data-date="); got != 31 {
			t.Errorf("the month grid has %d day cells, want 31", got)
		}
		if !regexp.MustCompile(`<path class="line" d="M[0-9. LM]+"`).MatchString(s) {
			t.Errorf("the chart has no line path")
		}
		if got := strings.Count(s, `<circle class="dot"`); got != 4 {
			t.Errorf("the chart has %d points, want 4", got)
		}
		// The best times: a heat map per account with metrics, 7 days by
		// 24 hours, its shaded cells drawn with their post counts.
		if got := strings.Count(s, `<table class="heat"`); got != 3 {
			t.Errorf("%d heat maps, want 3", got)
		}
		if !regexp.MustCompile(`<td class="h[1-4]" title="\d+ posts?, [0-9.]+ interactions a post">\d+</td>`).MatchString(s) {
			t.Errorf("no shaded heat map cell with its count")
		}
		// The script ran: it counts the rows the filter shows.
		if !strings.Contains(s, `<span id="shown" aria-live="polite">15 of 15 targets</span>`) {
			t.Errorf("the list's filter script did not run")
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		img, console := browser.Screenshot(t, page)
		if *screenshotOut != "" {
			browsertest.SavePNG(t, *screenshotOut, img)
		}
		if len(console) > 0 {
			t.Errorf("console messages, want none:\n%s", strings.Join(console, "\n"))
		}
		if got := img.Bounds().Size(); got != image.Pt(1280, 2000) {
			t.Errorf("screenshot is %v, want 1280x2000", got)
		}
		tests := []struct {
			name  string
			area  image.Rectangle
			match func(r, g, b uint32) bool
			min   float64
		}{
			// The month grid: header and five weeks below the title.
			{"grid drawn", image.Rect(0, 150, 1280, 800), browsertest.NotWhite, 0.02},
			// The chart: its purple line somewhere below the grid.
			{"chart drawn", image.Rect(0, 800, 1280, 2000), chartPurple, 0.0005},
			{"page not blank", image.Rect(0, 0, 1280, 2000), browsertest.NotWhite, 0.02},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := browsertest.Share(img, tt.area, tt.match); got < tt.min {
					t.Errorf("%.4f of the pixels in %v match, want at least %.4f", got, tt.area, tt.min)
				}
			})
		}
	})

	// The checks above would see a broken page: a script error is a
	// console message, and a blank page has no grid.
	t.Run("a broken page fails the checks", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.html")
		if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>`), 0o644); err != nil {
			t.Fatal(err)
		}
		img, console := browser.Screenshot(t, bad)
		if len(console) != 1 || !strings.Contains(console[0], "Uncaught ReferenceError") {
			t.Errorf("console = %q, want the uncaught ReferenceError", console)
		}
		if got := browsertest.Share(img, image.Rect(0, 150, 1280, 800), browsertest.NotWhite); got > 0.001 {
			t.Errorf("a blank page has %.4f non-white pixels in the grid's area", got)
		}
	})
}
