package calendar

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var screenshotOut = flag.String("screenshot", "", "keep the headless Chromium screenshot of the page in `file`")

// chromium returns the path of Debian's chromium. It skips the test when
// there is none, except under CI, which must run it (.ci/run installs it).
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed, and CI must run the browser test: %v", err)
		}
		t.Skip("chromium is not installed; apt-get install -y chromium")
	}
	return path
}

// runChromium runs headless chromium on the page with extra flags and
// returns its stdout and stderr.
func runChromium(t *testing.T, bin, page string, extra ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,2000"}, extra...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.Bytes())
	}
	return out.Bytes(), errb.Bytes()
}

// consoleLine is how chromium logs a page's console message (every
// level, uncaught exceptions included) with --enable-logging=stderr.
var consoleLine = regexp.MustCompile(`(?m):CONSOLE[:(]\d*\)?\] (.*)$`)

// screenshot renders the page to a PNG and returns it decoded, with the
// page's console messages.
func screenshot(t *testing.T, bin, page string) (image.Image, []string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "page.png")
	_, stderr := runChromium(t, bin, page, "--enable-logging=stderr", "--v=0", "--screenshot="+file)
	var console []string
	for _, m := range consoleLine.FindAllSubmatch(stderr, -1) {
		console = append(console, string(m[1]))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	return img, console
}

// share is the fraction of the pixels in r that match.
func share(img image.Image, r image.Rectangle, match func(r, g, b uint32) bool) float64 {
	r = r.Intersect(img.Bounds())
	n, hit := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			n++
			if match(cr>>8, cg>>8, cb>>8) {
				hit++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}

func notWhite(r, g, b uint32) bool { return r < 240 || g < 240 || b < 240 }

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
	bin := chromium(t)
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
		dom, _ := runChromium(t, bin, page, "--dump-dom")
		s := string(dom)
		if got := strings.Count(s, "<td data-date="); got != 31 {
			t.Errorf("the month grid has %d day cells, want 31", got)
		}
		if !regexp.MustCompile(`<path class="line" d="M[0-9. LM]+"`).MatchString(s) {
			t.Errorf("the chart has no line path")
		}
		if got := strings.Count(s, `<circle class="dot"`); got != 4 {
			t.Errorf("the chart has %d points, want 4", got)
		}
		// The script ran: it counts the rows the filter shows.
		if !strings.Contains(s, `<span id="shown" aria-live="polite">15 of 15 targets</span>`) {
			t.Errorf("the list's filter script did not run")
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		img, console := screenshot(t, bin, page)
		if *screenshotOut != "" {
			keep, err := os.Create(*screenshotOut)
			if err != nil {
				t.Fatal(err)
			}
			defer keep.Close()
			if err := png.Encode(keep, img); err != nil {
				t.Fatal(err)
			}
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
			{"grid drawn", image.Rect(0, 150, 1280, 800), notWhite, 0.02},
			// The chart: its purple line somewhere below the grid.
			{"chart drawn", image.Rect(0, 800, 1280, 2000), chartPurple, 0.0005},
			{"page not blank", image.Rect(0, 0, 1280, 2000), notWhite, 0.02},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := share(img, tt.area, tt.match); got < tt.min {
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
		img, console := screenshot(t, bin, bad)
		if len(console) != 1 || !strings.Contains(console[0], "Uncaught ReferenceError") {
			t.Errorf("console = %q, want the uncaught ReferenceError", console)
		}
		if got := share(img, image.Rect(0, 150, 1280, 800), notWhite); got > 0.001 {
			t.Errorf("a blank page has %.4f non-white pixels in the grid's area", got)
		}
	})
}
