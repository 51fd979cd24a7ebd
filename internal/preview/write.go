package preview

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/heraldhq/herald/platforms/render"

	"github.com/rivo/uniseg"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options says where a preview goes and what it may read.
type Options struct {
	// Dir is the output directory; it is created if needed.
	Dir string
	// Files is the repository, where the posts' media are read.
	Files fs.FS
	// Fetch reads link cards; nil reads none, and each card says
	// NoFetch.
	Fetch   *Fetcher
	NoFetch string
}

// Write writes the preview of site into opt.Dir: index.html, one page per
// post (Post.Page) and the media they show under media/, so that the
// directory opens offline and uploads as one artifact. A link card whose
// page cannot be read, or a media file that is missing, is said on the
// page; only failing to write is an error.
func Write(ctx context.Context, site *Site, opt Options) error {
	w := &writer{opt: opt, copied: map[string]string{}, cards: map[string]*Card{}}
	if err := os.MkdirAll(filepath.Join(opt.Dir, "media"), 0o755); err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	names := map[string]bool{"index": true}
	var links []string
	for _, p := range site.Posts {
		p.Page = pageName(p.ID, p.File, names) + ".html"
		for _, m := range p.Media {
			if err := w.media(m); err != nil {
				return err
			}
		}
		for _, t := range p.Targets {
			if t.Blog {
				article, err := w.article(t.HTML, p.File)
				if err != nil {
					return err
				}
				t.Article = article
			}
			if i, u := t.cardLink(len(p.Media) > 0); i >= 0 && t.Platform != render.PlatformBluesky {
				links = append(links, u)
			}
		}
	}
	if err := w.readCards(ctx, links); err != nil {
		return err
	}
	for _, p := range site.Posts {
		for _, t := range p.Targets {
			i, u := t.cardLink(len(p.Media) > 0)
			switch {
			case i < 0:
			case t.Platform == render.PlatformBluesky:
				t.Parts[i].Card = blueskyCard(u, p.Title, t.Parts[0].Text)
			default:
				c := *w.cards[u]
				if t.Platform == render.PlatformLinkedIn {
					c.Note = "LinkedIn may draw no card: herald sends LinkedIn the text, and LinkedIn's API does not read linked pages"
				}
				t.Parts[i].Card = &c
			}
		}
	}
	var b bytes.Buffer
	if err := WriteIndex(&b, site); err != nil {
		return err
	}
	if err := w.write("index.html", b.Bytes()); err != nil {
		return err
	}
	for _, p := range site.Posts {
		b.Reset()
		if err := WritePost(&b, site, p); err != nil {
			return err
		}
		if err := w.write(p.Page, b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

type writer struct {
	opt    Options
	copied map[string]string // repository path -> media/ path
	cards  map[string]*Card  // URL -> card
}

func (w *writer) write(name string, data []byte) error {
	if err := os.WriteFile(filepath.Join(w.opt.Dir, filepath.FromSlash(name)), data, 0o644); err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	return nil
}

// media copies a post's media file into media/, once per file.
func (w *writer) media(m *Media) error {
	if src, ok := w.copied[m.Path]; ok {
		m.Src = src
		if src == "" {
			m.Missing = "could not read " + m.Path
		}
		return nil
	}
	name, err := w.copyMedia(m.Path)
	if err != nil {
		return err
	}
	if name == "" {
		w.copied[m.Path] = ""
		m.Missing = "could not read " + m.Path
		return nil
	}
	w.copied[m.Path] = name
	m.Src = name
	return nil
}

// copyMedia copies the repository file p into media/, named by a prefix
// of its hash, streaming it (a video of gigabytes is never held whole):
// into a temporary file, renamed once the hash is known. "" with no
// error: p cannot be read.
func (w *writer) copyMedia(p string) (string, error) {
	src, err := w.opt.Files.Open(p)
	if err != nil {
		return "", nil
	}
	defer src.Close()
	dir := filepath.Join(w.opt.Dir, "media")
	tmp, err := os.CreateTemp(dir, ".copy-*")
	if err != nil {
		return "", fmt.Errorf("preview: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	r := &readErr{r: src}
	_, cerr := io.Copy(io.MultiWriter(tmp, h), r)
	if err := tmp.Close(); err != nil && cerr == nil {
		cerr = err
	}
	switch {
	case r.err != nil:
		return "", nil // the file cannot be read
	case cerr != nil:
		return "", fmt.Errorf("preview: %w", cerr)
	}
	name := "media/" + hex.EncodeToString(h.Sum(nil)[:6]) + "-" + safeName(path.Base(p))
	if err := os.Rename(tmp.Name(), filepath.Join(w.opt.Dir, filepath.FromSlash(name))); err != nil {
		return "", fmt.Errorf("preview: %w", err)
	}
	return name, nil
}

// head reads the first 512 bytes of the repository file p, what content
// sniffing looks at.
func (w *writer) head(p string) ([]byte, error) {
	f, err := w.opt.Files.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:n], err
}

// readErr keeps its reader's error other than io.EOF, so that a copy's
// read and write failures are told apart.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// cardReaders is how many linked pages are read at once.
const cardReaders = 8

// readCards reads the link card of each URL once, a few at a time, and
// saves the cards' images under media/.
func (w *writer) readCards(ctx context.Context, urls []string) error {
	type read struct {
		card Card
		img  []byte
		ext  string
	}
	var todo []string
	for _, u := range urls {
		if _, ok := w.cards[u]; !ok {
			w.cards[u] = nil
			todo = append(todo, u)
		}
	}
	reads := make([]read, len(todo))
	if w.opt.Fetch == nil {
		for i, u := range todo {
			reads[i].card = Card{URL: u, Host: hostOf(u), Err: w.opt.NoFetch}
			if reads[i].card.Err == "" {
				reads[i].card.Err = "link cards were not fetched"
			}
		}
	} else {
		var wg sync.WaitGroup
		sem := make(chan struct{}, cardReaders)
		for i, u := range todo {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				r := read{card: w.opt.Fetch.Card(ctx, u)}
				if r.card.ImageURL != "" {
					r.img, r.ext, _ = w.opt.Fetch.Image(ctx, r.card.ImageURL)
				}
				reads[i] = r
			}()
		}
		wg.Wait()
	}
	for i, u := range todo {
		r := reads[i]
		if r.img != nil {
			r.card.Image = "media/card-" + hashPrefix(r.img) + r.ext
			if err := w.write(r.card.Image, r.img); err != nil {
				return err
			}
		}
		w.cards[u] = &r.card
	}
	return nil
}

// article rewrites a blog's rendered HTML for offline reading: each image
// the repository holds (relative to the post) is copied into media/; any
// other image becomes its alt text and address, since the preview loads
// nothing from the network.
func (w *writer) article(src, postFile string) (template.HTML, error) {
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "", fmt.Errorf("preview: read the article's HTML: %w", err)
	}
	var walk func(n *html.Node) error
	walk = func(n *html.Node) error {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && c.DataAtom == atom.Img {
				if err := w.articleImage(c, postFile); err != nil {
					return err
				}
			} else if err := walk(c); err != nil {
				return err
			}
			c = next
		}
		return nil
	}
	var b strings.Builder
	for _, n := range nodes {
		if n.Type == html.ElementNode && n.DataAtom == atom.Img {
			wrap := &html.Node{Type: html.ElementNode, Data: "span", DataAtom: atom.Span}
			wrap.AppendChild(n)
			n = wrap
		}
		if err := walk(n); err != nil {
			return "", err
		}
		if err := html.Render(&b, n); err != nil {
			return "", err
		}
	}
	// The HTML was escaped by render.HTML and is written back by the
	// HTML parser's renderer, images pointing only into media/.
	return template.HTML(b.String()), nil
}

func (w *writer) articleImage(img *html.Node, postFile string) error {
	var src, alt string
	for _, a := range img.Attr {
		switch a.Key {
		case "src":
			src = a.Val
		case "alt":
			alt = a.Val
		}
	}
	local := src != "" && !strings.Contains(src, ":") && !strings.HasPrefix(src, "//")
	if local {
		p := path.Clean(path.Join(path.Dir(postFile), src))
		if strings.HasPrefix(src, "/") {
			p = strings.TrimPrefix(path.Clean(src), "/")
		}
		// Only an image is copied: a path to any other file of the
		// repository (a key, the configuration) stays out of the preview.
		m := &Media{Path: p}
		if head, err := w.head(p); err == nil && strings.HasPrefix(http.DetectContentType(head), "image/") {
			if err := w.media(m); err != nil {
				return err
			}
		}
		if m.Src != "" {
			img.Attr = []html.Attribute{{Key: "src", Val: m.Src}, {Key: "alt", Val: alt}}
			return nil
		}
	}
	span := &html.Node{Type: html.ElementNode, Data: "span", DataAtom: atom.Span, Attr: []html.Attribute{{Key: "class", Val: "img-offline"}}}
	span.AppendChild(&html.Node{Type: html.TextNode, Data: fmt.Sprintf("[image: %s — %s, not loaded in the preview]", alt, src)})
	img.Parent.InsertBefore(span, img)
	img.Parent.RemoveChild(img)
	return nil
}

// blueskyCard is the card herald sends with a Bluesky post, which the app
// shows as sent: the post's title (else the link's host), its first part
// cut to 160 grapheme clusters, and no image (see platforms/bluesky).
func blueskyCard(u, title, first string) *Card {
	c := &Card{URL: u, Host: hostOf(u), Title: title, Description: cutGraphemes(first, 160),
		Note: "the card herald sends to Bluesky: the post's title and text, no image"}
	if c.Title == "" {
		c.Title = c.Host
	}
	return c
}

// cutGraphemes shortens s to at most n grapheme clusters, ending with an
// ellipsis when it shortened it, as the Bluesky adapter does.
func cutGraphemes(s string, n int) string {
	if uniseg.GraphemeClusterCount(s) <= n {
		return s
	}
	var b strings.Builder
	g := uniseg.NewGraphemes(s)
	for i := 0; i < n-1 && g.Next(); i++ {
		b.WriteString(g.Str())
	}
	return strings.TrimRight(b.String(), " \n") + "…"
}

func hashPrefix(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}

func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		h := u[i+3:]
		if j := strings.IndexAny(h, "/?#"); j >= 0 {
			h = h[:j]
		}
		return strings.TrimPrefix(h, "www.")
	}
	return u
}

// safeName keeps letters, digits, '.', '_' and '-' of s (lower-cased),
// each other run becoming one '-', with no leading dot: a name that is
// safe as a file on every system and in a URL.
func safeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimLeft(b.String(), ".-")
	if len(out) > 80 {
		out = out[:80]
	}
	if out == "" {
		out = "file"
	}
	return out
}

// pageName is a post's page name: its safe ID (its file's name when it
// has none), unique among taken, and never "index".
func pageName(id, file string, taken map[string]bool) string {
	base := id
	if base == "" {
		base = strings.TrimSuffix(path.Base(file), path.Ext(file))
	}
	base = strings.TrimSuffix(safeName(base), ".")
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	taken[name] = true
	return name
}
