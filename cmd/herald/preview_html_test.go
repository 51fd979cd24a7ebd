package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/heraldhq/herald/internal/browsertest"
	"github.com/heraldhq/herald/internal/golden"
)

// testPNG is a w x h PNG of vertical bars in c, on white.
func testPNG(t testing.TB, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.White)
			if (x/6)%2 == 0 && y > h-(x*7%h) {
				img.Set(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ogServer serves linked pages with Open Graph tags, their image, and a
// page that is gone.
func ogServer(t testing.TB) *httptest.Server {
	card := testPNG(t, 120, 63, color.RGBA{0x82, 0x50, 0xdf, 0xff})
	page := func(title, desc, img string) string {
		return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>ignored</title>` +
			`<meta property="og:title" content="` + title + `">` +
			`<meta property="og:description" content="` + desc + `">` +
			`<meta property="og:site_name" content="Sluice blog">` +
			`<meta property="og:image" content="` + img + `">` +
			`<meta property="og:image:alt" content="A purple bar chart">` +
			`</head><body><p>The article.</p></body></html>`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /blog/sluice-2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Sluice 2 &amp; the new dashboard", "Everything in the release, with <b>escaped</b> &lt;markup&gt;.", "/img/card.png"))
	})
	mux.HandleFunc("GET /blog/retries", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, page("How Sluice retries", "Backoff, jitter and a journal.", "../img/card.png"))
	})
	mux.HandleFunc("GET /img/card.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(card)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// Every linked site is the server: a link needs a real-looking host
	// to be a link, where 127.0.0.1 is not.
	linkCardTransport = siteTransport{srv}
	t.Cleanup(func() { linkCardTransport = nil })
	return srv
}

// siteTransport sends every request to the server, as if it were each
// linked site.
type siteTransport struct{ srv *httptest.Server }

func (s siteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	local := r.Clone(r.Context())
	local.URL.Scheme = "http"
	local.URL.Host = strings.TrimPrefix(s.srv.URL, "http://")
	local.Host = ""
	resp, err := s.srv.Client().Transport.RoundTrip(local)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

// previewRepo writes testdata/preview/repo.txtar into a new directory,
// its links pointing at srv, with the images its posts show.
func previewRepo(t testing.TB, srv *httptest.Server) string {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", "preview", "repo.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		data := bytes.ReplaceAll(f.Data, []byte("OGSERVER"), []byte("https://sluice.example.com"))
		write(t, filepath.Join(dir, f.Name), data)
	}
	write(t, filepath.Join(dir, "posts", "images", "dashboard.png"), testPNG(t, 96, 60, color.RGBA{0x11, 0x85, 0xfe, 0xff}))
	write(t, filepath.Join(dir, "posts", "images", "chart.png"), testPNG(t, 80, 40, color.RGBA{0x1a, 0x7f, 0x37, 0xff}))
	return dir
}

func write(t testing.TB, file string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runPreview runs herald preview with args in repo and returns its exit
// code and output.
func runPreview(t testing.TB, repo string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "HERALD_NOW" {
			return testNow
		}
		return ""
	}
	code := run(context.Background(), append([]string{"preview", "--repo", repo}, args...), strings.NewReader(""), &stdout, &stderr, getenv)
	return code, stdout.String(), stderr.String()
}

// TestPreviewHTML checks the pages herald preview --html writes against
// golden files (UPDATE=1 rewrites them): one post per network, a thread
// with link cards read from a local server, a page that is gone, and a
// blog article with a local and a remote image.
func TestPreviewHTML(t *testing.T) {
	srv := ogServer(t)
	repo := previewRepo(t, srv)
	out := filepath.Join(t.TempDir(), "preview")
	code, stdout, stderr := runPreview(t, repo, "--html", out)
	if code != 0 {
		t.Fatalf("herald preview exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if want := "Wrote " + filepath.Join(out, "index.html") + ": 4 posts.\n"; !strings.HasSuffix(stdout, want) {
		t.Errorf("stdout ends %q, want %q", stdout[max(0, len(stdout)-80):], want)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"gone.html", "index.html", "launch.html", "media", "notes.html", "thread.html"}; !slices.Equal(names, want) {
		t.Errorf("wrote %q, want %q", names, want)
	}
	media, err := os.ReadDir(filepath.Join(out, "media"))
	if err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for _, m := range media {
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&list, "%s %d\n", m.Name(), info.Size())
	}
	golden.Check(t, "preview/media.txt", []byte(list.String()))

	external := regexp.MustCompile(`(?i)<(?:img|video|script|link|iframe|source)\b[^>]*\b(?:src|href)="(?:[a-z]+:|//)`)
	// Every page carries the stylesheet inline, as it is in the source:
	// checked against it, and left out of the pages' goldens.
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	sheet, err := os.ReadFile("../../internal/preview/templates/style.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "launch.html", "thread.html", "gone.html", "notes.html"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			if m := external.Find(data); m != nil {
				t.Errorf("the page loads a resource from outside its directory: %s", m)
			}
			if bytes.Contains(data, []byte("<b>today")) || bytes.Contains(data, []byte("<b>escaped")) {
				t.Errorf("text from a post or a linked page is not escaped")
			}
			css := style.FindSubmatch(data)
			if css == nil {
				t.Fatal("the page has no inline stylesheet")
			}
			if !bytes.Equal(bytes.TrimSpace(css[1]), bytes.TrimSpace(sheet)) {
				t.Errorf("the page's stylesheet is not internal/preview/templates/style.css")
			}
			golden.Check(t, "preview/"+name, style.ReplaceAll(data, []byte("<style>(internal/preview/templates/style.css)</style>")))
		})
	}
}

// TestPreviewHTMLNoFetch checks that --no-fetch reads no page, and that
// the cards say so.
func TestPreviewHTMLNoFetch(t *testing.T) {
	requests := 0
	srv := ogServer(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests++ })
	repo := previewRepo(t, srv)
	out := filepath.Join(t.TempDir(), "preview")
	if code, stdout, stderr := runPreview(t, repo, "--html", out, "--no-fetch", "posts/thread.md"); code != 0 {
		t.Fatalf("herald preview exited %d\n%s%s", code, stdout, stderr)
	}
	if requests != 0 {
		t.Errorf("--no-fetch made %d requests", requests)
	}
	data, err := os.ReadFile(filepath.Join(out, "thread.html"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(data), "Link card not read: not fetched (--no-fetch)"); got != 4 {
		t.Errorf("%d cards say they were not fetched, want 4 (one per network but Bluesky)", got)
	}
	if _, err := os.Stat(filepath.Join(out, "launch.html")); err == nil {
		t.Errorf("a post not asked for has a page")
	}
}

// checkScript, added to a copy of a page, marks the DOM once the page
// has loaded: how many images it has, and which did not load.
const checkScript = `<script>
window.addEventListener("load", function () {
  var broken = [];
  for (var i = 0; i < document.images.length; i++) {
    var img = document.images[i];
    if (!img.complete || img.naturalWidth === 0) broken.push(img.getAttribute("src"));
  }
  var mark = document.createElement("div");
  mark.id = "herald-check";
  mark.setAttribute("data-images", String(document.images.length));
  mark.setAttribute("data-broken", broken.join(" "));
  document.body.appendChild(mark);
});
</script>
`

var checkMark = regexp.MustCompile(`<div id="herald-check" data-images="(\d+)" data-broken="([^"]*)"></div>`)

// loadInChromium opens a copy of page, in its directory, with
// checkScript, and returns the DOM once loaded, the number of images,
// those that did not load, and the console messages.
func loadInChromium(t *testing.T, b *browsertest.Browser, page string) (dom string, images int, broken string, console []string) {
	t.Helper()
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(data, []byte("</body>"))
	if i < 0 {
		t.Fatalf("%s has no </body>", page)
	}
	check := filepath.Join(filepath.Dir(page), "check-"+filepath.Base(page))
	write(t, check, slices.Concat(data[:i], []byte(checkScript), data[i:]))
	dom, console = b.DOM(t, check, "--virtual-time-budget=10000")
	m := checkMark.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page did not finish loading: no check mark in the DOM\n%s", dom)
	}
	fmt.Sscan(m[1], &images)
	return dom, images, m[2], console
}

var previewShot = flag.String("preview-screenshot", "", "keep the headless Chromium screenshot of the thread's preview page in `file`")

// bskyBlue matches Bluesky's avatar blue (#1185fe).
func bskyBlue(r, g, b uint32) bool { return r < 40 && g > 115 && g < 150 && b > 230 }

// cardPurple matches the link card image's bars (#8250df).
func cardPurple(r, g, b uint32) bool {
	return r > 100 && r < 160 && g > 60 && g < 110 && b > 190
}

// TestPreviewHTMLInChromium opens the preview in headless Chromium: each
// network's page logs nothing to the console, every image loads (the
// post's media and the link cards' images, from the output directory),
// and the link cards are there.
func TestPreviewHTMLInChromium(t *testing.T) {
	browser := browsertest.Chromium(t)
	srv := ogServer(t)
	repo := previewRepo(t, srv)
	out := filepath.Join(t.TempDir(), "preview")
	if code, stdout, stderr := runPreview(t, repo, "--html", out); code != 0 {
		t.Fatalf("herald preview exited %d\n%s%s", code, stdout, stderr)
	}
	srv.Close() // the pages need no server

	tests := []struct {
		page   string
		images int // images that must load
		cards  int // link cards, one per network
		// where each network's card or images show
		platforms []string
	}{
		// Bluesky, Mastodon, X, LinkedIn and Threads, each with the image.
		{"launch.html", 5, 0, []string{"bluesky", "mastodon", "x", "linkedin", "threads"}},
		// The same networks, each with a link card, with the page's image
		// but on Bluesky, whose card herald makes without one.
		{"thread.html", 4, 5, []string{"bluesky", "mastodon", "x", "linkedin", "threads"}},
		// A card whose page is gone, on Mastodon and a network without a
		// look of its own.
		{"gone.html", 0, 2, []string{"mastodon", "reddit"}},
		// The feed: an article with its local image.
		{"notes.html", 1, 0, []string{"feed"}},
		{"index.html", 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			dom, images, broken, console := loadInChromium(t, browser, filepath.Join(out, tt.page))
			if len(console) > 0 {
				t.Errorf("console messages, want none:\n%s", strings.Join(console, "\n"))
			}
			if broken != "" {
				t.Errorf("images that did not load: %s", broken)
			}
			if images != tt.images {
				t.Errorf("%d images, want %d", images, tt.images)
			}
			if got := strings.Count(dom, `<a class="card" `); got != tt.cards {
				t.Errorf("%d link cards, want %d", got, tt.cards)
			}
			for _, p := range tt.platforms {
				if !strings.Contains(dom, `data-platform="`+p+`"`) {
					t.Errorf("no %s card in the page", p)
				}
			}
		})
	}

	t.Run("screenshot", func(t *testing.T) {
		img, console := browser.Screenshot(t, filepath.Join(out, "thread.html"))
		if *previewShot != "" {
			browsertest.SavePNG(t, *previewShot, img)
		}
		if len(console) > 0 {
			t.Errorf("console messages, want none:\n%s", strings.Join(console, "\n"))
		}
		// The cards are drawn: Bluesky's blue avatars on the left, and the
		// link card's purple image.
		if got := browsertest.Share(img, img.Bounds(), bskyBlue); got < 0.0005 {
			t.Errorf("%.4f of the pixels are Bluesky's blue, want at least 0.0005", got)
		}
		if got := browsertest.Share(img, img.Bounds(), cardPurple); got < 0.001 {
			t.Errorf("%.4f of the pixels are the card image's purple, want at least 0.001", got)
		}
	})

	// The checks would see a broken page: an image that is not there, and
	// a script error.
	t.Run("a broken page fails the checks", func(t *testing.T) {
		bad := filepath.Join(out, "bad.html")
		write(t, bad, []byte(`<!DOCTYPE html><html><body><img src="media/none.png" alt=""><script>undefinedFunction();</script></body></html>`))
		_, images, broken, console := loadInChromium(t, browser, bad)
		if images != 1 || broken != "media/none.png" {
			t.Errorf("images = %d, broken = %q; want 1 and media/none.png", images, broken)
		}
		if !slices.ContainsFunc(console, func(s string) bool { return strings.Contains(s, "Uncaught ReferenceError") }) {
			t.Errorf("console = %q, want the uncaught ReferenceError", console)
		}
	})
}
