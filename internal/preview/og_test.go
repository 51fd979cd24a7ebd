package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ogSite serves the pages the card tests read.
func ogSite(t *testing.T) *httptest.Server {
	img := pngBytes(t, 4, 2)
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
	mux.HandleFunc("GET /post", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "herald test" {
			http.Error(w, "no user agent", http.StatusForbidden)
			return
		}
		html(w, `<!doctype html><html><head><title>The &lt;page&gt; title</title>
<meta property="og:title" content="  Sluice 2
  is out ">
<meta property="og:description" content="Retries &amp; replays.">
<meta property="og:site_name" content="Sluice">
<meta property="og:image" content="img/card.png">
<meta property="og:image:alt" content="A chart">
<meta property="og:title" content="a second og:title is ignored">
</head><body><meta property="og:description" content="in the body, ignored"></body></html>`)
	})
	mux.HandleFunc("GET /plain", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><head><title>Only a title</title><meta name="description" content="And a description."></head><body></body></html>`)
	})
	mux.HandleFunc("GET /none", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><body><p>Nothing to show.</p></body></html>`)
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><head><meta property="og:title" content="Head first"></head><body>`+strings.Repeat("x", 4096)+`</body></html>`)
	})
	mux.HandleFunc("GET /bighead", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><head><script>`+strings.Repeat("x", 4096)+`</script><meta property="og:title" content="Too late"></head></html>`)
	})
	mux.HandleFunc("GET /doc.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7"))
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/blog/post", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /blog/post", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><head><meta property="og:title" content="Moved"><meta property="og:image" content="../img/card.png"></head></html>`)
	})
	mux.HandleFunc("GET /img/card.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	})
	mux.HandleFunc("GET /img/big.png", func(w http.ResponseWriter, r *http.Request) {
		w.Write(append(img, make([]byte, 4096)...))
	})
	mux.HandleFunc("GET /img/fake.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/"
	l.Close()
	return u
}

func TestCard(t *testing.T) {
	srv := ogSite(t)
	f := &Fetcher{Timeout: 500 * time.Millisecond, MaxPage: 1024, UserAgent: "herald test"}
	host := strings.TrimPrefix(srv.URL, "http://")
	host, _, _ = strings.Cut(host, ":")
	closed := closedURL(t)
	tests := []struct {
		name string
		url  string
		want Card
	}{
		{"open graph", srv.URL + "/post", Card{Title: "Sluice 2 is out", Description: "Retries & replays.", SiteName: "Sluice",
			ImageURL: srv.URL + "/img/card.png", ImageAlt: "A chart"}},
		{"title and description", srv.URL + "/plain", Card{Title: "Only a title", Description: "And a description."}},
		{"redirect, image relative to the final page", srv.URL + "/moved", Card{Title: "Moved", ImageURL: srv.URL + "/img/card.png"}},
		{"no tags", srv.URL + "/none", Card{Err: "the page has no Open Graph tags or title"}},
		{"oversize page read up to the limit", srv.URL + "/big", Card{Title: "Head first"}},
		{"oversize head", srv.URL + "/bighead", Card{Err: "no title in the page's first 1 KiB"}},
		{"not HTML", srv.URL + "/doc.pdf", Card{Err: "not an HTML page (application/pdf)"}},
		{"gone", srv.URL + "/gone", Card{Err: "could not read the page: HTTP 404"}},
		{"slow", srv.URL + "/slow", Card{Err: "could not read the page: timed out"}},
		{"not http", "ftp://example.com/file", Card{Err: "not an http or https URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.Card(t.Context(), tt.url)
			tt.want.URL = tt.url
			if tt.want.Err != "not an http or https URL" {
				tt.want.Host = host
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Card(%s) mismatch (-want +got):\n%s", tt.url, diff)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		got := f.Card(t.Context(), closed)
		if !strings.HasPrefix(got.Err, "could not read the page: ") || !strings.Contains(got.Err, "refused") {
			t.Errorf("Err = %q, want the connection refused", got.Err)
		}
		if got.Title != "" || got.ImageURL != "" {
			t.Errorf("an unreachable page has a card: %+v", got)
		}
	})
}

func TestCardImage(t *testing.T) {
	srv := ogSite(t)
	f := &Fetcher{Timeout: 500 * time.Millisecond, MaxImage: 1024}
	data, ext, err := f.Image(t.Context(), srv.URL+"/img/card.png")
	if err != nil || ext != ".png" || !bytes.Equal(data, pngBytes(t, 4, 2)) {
		t.Errorf("Image = %d bytes, %q, %v; want the PNG", len(data), ext, err)
	}
	for _, tt := range []struct{ path, err string }{
		{"/img/big.png", "the image is larger than 1 KiB"},
		{"/img/fake.png", "not a PNG, JPEG, GIF or WebP image (text/plain; charset=utf-8)"},
		{"/img/none.png", "HTTP 404"},
	} {
		if _, _, err := f.Image(t.Context(), srv.URL+tt.path); err == nil || err.Error() != tt.err {
			t.Errorf("Image(%s) = %v, want %q", tt.path, err, tt.err)
		}
	}
}
