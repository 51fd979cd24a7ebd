// Package browsertest opens pages herald writes (the calendar, the HTML
// preview, the pull request comment) in headless Chromium, for tests: the
// DOM after the page's scripts ran, a screenshot, and the messages the
// page logged to its console.
//
// It runs Debian's chromium package (/usr/bin/chromium) as a process, with
// no driver: --dump-dom and --screenshot are enough to check a page, and
// nothing is downloaded. A test skips when chromium is not installed,
// except under CI (the CI environment variable set), which must run it:
// .ci/run installs the package.
package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Timeout bounds one run of Chromium.
const Timeout = 90 * time.Second

// Browser is a Chromium binary tests run pages in.
type Browser struct {
	Path string
	// Width and Height are the window's size, and the screenshot's.
	Width, Height int
}

// Chromium returns the installed chromium with a 1280x2000 window. It
// skips the test when there is none, and fails it under CI.
func Chromium(t testing.TB) *Browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed, and CI must run the browser test: %v", err)
		}
		t.Skip("chromium is not installed; apt-get install -y chromium")
	}
	return &Browser{Path: path, Width: 1280, Height: 2000}
}

// Run runs headless chromium on the page (a file path) with extra flags
// and returns its stdout and stderr. Chromium gets a fresh profile, no
// sandbox (tests run as root in containers), and no background
// networking: the page loads only what it names.
func (b *Browser) Run(t testing.TB, page string, extra ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	defer cancel()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--window-size=" + strconv.Itoa(b.Width) + "," + strconv.Itoa(b.Height)}, extra...)
	args = append(args, "file://"+filepath.ToSlash(abs))
	cmd := exec.CommandContext(ctx, b.Path, args...)
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

// Console returns the page's console messages in chromium's stderr, when
// it ran with ConsoleFlags.
func Console(stderr []byte) []string {
	var console []string
	for _, m := range consoleLine.FindAllSubmatch(stderr, -1) {
		console = append(console, string(m[1]))
	}
	return console
}

// ConsoleFlags make chromium log the page's console to stderr.
var ConsoleFlags = []string{"--enable-logging=stderr", "--v=0"}

// DOM returns the page's DOM, serialized once it has loaded and its
// scripts ran, with its console messages. Extra flags go to chromium:
// --virtual-time-budget=MS, for one, lets timers and late loads finish.
func (b *Browser) DOM(t testing.TB, page string, extra ...string) (string, []string) {
	t.Helper()
	flags := append(append([]string{"--dump-dom"}, ConsoleFlags...), extra...)
	out, stderr := b.Run(t, page, flags...)
	return string(out), Console(stderr)
}

// Screenshot renders the page to a PNG and returns it decoded, with the
// page's console messages.
func (b *Browser) Screenshot(t testing.TB, page string, extra ...string) (image.Image, []string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "page.png")
	flags := append(append([]string{"--screenshot=" + file}, ConsoleFlags...), extra...)
	_, stderr := b.Run(t, page, flags...)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	return img, Console(stderr)
}

// SavePNG writes img to file, to keep a screenshot (for the README, or
// to look at a failure).
func SavePNG(t testing.TB, file string, img image.Image) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Share is the fraction of the pixels in r that match.
func Share(img image.Image, r image.Rectangle, match func(r, g, b uint32) bool) float64 {
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

// NotWhite matches a pixel that is not (nearly) white, 8 bits a channel.
func NotWhite(r, g, b uint32) bool { return r < 240 || g < 240 || b < 240 }
