package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Card is a link card as the networks draw it from the linked page's Open
// Graph tags (og:title, og:description, og:image, og:site_name; the
// <title> and meta description when there are none). Err says why the
// page could not be read; the card is then drawn with the URL alone.
type Card struct {
	URL         string
	Host        string
	Title       string
	Description string
	SiteName    string
	// ImageURL is og:image, resolved against the page's URL; Image is
	// the file the image was saved as, relative to the output directory,
	// or empty when it was not downloaded.
	ImageURL string
	Image    string
	ImageAlt string
	Err      string
	// Note says where a card comes from when not from the page.
	Note string
}

// Fetcher reads link cards. A preview must never fail because a page is
// slow, huge or gone: every limit turns into Card.Err.
type Fetcher struct {
	// Client makes the requests; nil uses one with Timeout.
	Client *http.Client
	// Timeout bounds each request, headers and body; 0 means 5 seconds.
	Timeout time.Duration
	// MaxPage is how much of a page is read for its tags; 0 means 512 KiB.
	// The tags are in the <head>, so a longer page is read that far only.
	MaxPage int64
	// MaxImage is the largest og:image downloaded; 0 means 5 MiB.
	MaxImage int64
	// UserAgent is sent with every request.
	UserAgent string
}

const (
	defaultTimeout  = 5 * time.Second
	defaultMaxPage  = 512 << 10
	defaultMaxImage = 5 << 20
	maxRedirects    = 5
)

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return &http.Client{Timeout: f.timeout(), CheckRedirect: checkRedirect}
}

func (f *Fetcher) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return defaultTimeout
}

// checkRedirect follows at most maxRedirects redirects, to http and https
// only.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("more than %d redirects", maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a %s: URL", req.URL.Scheme)
	}
	return nil
}

// get requests u and returns the response, its body limited to max+1
// bytes so that the caller can tell a body over max.
func (f *Fetcher) get(ctx context.Context, u, accept string) (*http.Response, func(), error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	done := func() { resp.Body.Close(); cancel() }
	if resp.StatusCode != http.StatusOK {
		done()
		return nil, nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp, done, nil
}

// Card reads the page at u for its link card. It never fails: a page that
// cannot be read gives a card with Err set.
func (f *Fetcher) Card(ctx context.Context, u string) Card {
	c := Card{URL: u}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		c.Err = "not an http or https URL"
		return c
	}
	c.Host = strings.TrimPrefix(pu.Hostname(), "www.")
	resp, done, err := f.get(ctx, u, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	if err != nil {
		c.Err = "could not read the page: " + describe(err)
		return c
	}
	defer done()
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "text/html" && mt != "application/xhtml+xml" {
		if ct == "" {
			ct = "no Content-Type"
		}
		c.Err = "not an HTML page (" + ct + ")"
		return c
	}
	limit := f.MaxPage
	if limit <= 0 {
		limit = defaultMaxPage
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		c.Err = "could not read the page: " + describe(err)
		return c
	}
	over := int64(len(body)) > limit
	if over {
		body = body[:limit]
	}
	tags := readTags(body)
	c.Title = first(tags["og:title"], tags["twitter:title"], tags["<title>"])
	c.Description = first(tags["og:description"], tags["twitter:description"], tags["description"])
	c.SiteName = tags["og:site_name"]
	c.ImageAlt = first(tags["og:image:alt"], tags["twitter:image:alt"])
	if img := first(tags["og:image"], tags["og:image:url"], tags["og:image:secure_url"], tags["twitter:image"]); img != "" {
		if iu, err := resp.Request.URL.Parse(img); err == nil && (iu.Scheme == "http" || iu.Scheme == "https") {
			c.ImageURL = iu.String()
		}
	}
	if c.Title == "" && c.Description == "" {
		if over {
			c.Err = fmt.Sprintf("no title in the page's first %s", byteSize(limit))
		} else {
			c.Err = "the page has no Open Graph tags or title"
		}
	}
	return c
}

// Image downloads the image at u: its bytes and file extension. Only PNG,
// JPEG, GIF and WebP, as sniffed from the bytes, are kept.
func (f *Fetcher) Image(ctx context.Context, u string) ([]byte, string, error) {
	resp, done, err := f.get(ctx, u, "image/png,image/jpeg,image/gif,image/webp")
	if err != nil {
		return nil, "", errors.New(describe(err))
	}
	defer done()
	limit := f.MaxImage
	if limit <= 0 {
		limit = defaultMaxImage
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", errors.New(describe(err))
	}
	if int64(len(data)) > limit {
		return nil, "", fmt.Errorf("the image is larger than %s", byteSize(limit))
	}
	ext, ok := imageExt[http.DetectContentType(data)]
	if !ok {
		return nil, "", fmt.Errorf("not a PNG, JPEG, GIF or WebP image (%s)", http.DetectContentType(data))
	}
	return data, ext, nil
}

var imageExt = map[string]string{
	"image/png":  ".png",
	"image/jpeg": ".jpg",
	"image/gif":  ".gif",
	"image/webp": ".webp",
}

// describe shortens a request error for a card: the timeout or the
// transport's reason, without Go's "Get \"url\":" prefix.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out"
		}
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

// readTags reads the <head>'s meta tags (by property or name, lower-case)
// and its title ("<title>"), first value kept, up to <body>.
func readTags(page []byte) map[string]string {
	tags := map[string]string{}
	z := html.NewTokenizer(bytes.NewReader(page))
	inTitle := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tags
		case html.TextToken:
			if inTitle {
				if _, ok := tags["<title>"]; !ok {
					tags["<title>"] = clean(string(z.Text()))
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.Title {
				inTitle = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				return tags
			case atom.Title:
				inTitle = tt == html.StartTagToken
			case atom.Meta:
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "property", "name":
						if key == "" {
							key = strings.ToLower(strings.TrimSpace(string(v)))
						}
					case "content":
						content = clean(string(v))
					}
				}
				if _, ok := tags[key]; key != "" && content != "" && !ok {
					tags[key] = content
				}
			}
		}
	}
}

// clean collapses runs of white space and cuts a value at 500 bytes, on a
// rune boundary: a card shows a line or two.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 500 {
		cut := 500
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
