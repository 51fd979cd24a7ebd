package feed

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rivo/uniseg"

	"github.com/heraldhq/herald/platforms"
)

// entry is one post in the feed, in the form both formats are written
// from and read back into. Converting an entry to Atom or JSON Feed and
// back gives the same entry, so that either file can be the record.
type entry struct {
	ID        string
	Title     string
	Link      string
	Content   string
	HTML      bool // Content is HTML rather than plain text
	Summary   string
	Published time.Time
	Updated   time.Time
	Tags      []string
	Media     []enclosure
}

// enclosure is a media file attached to an entry: an Atom enclosure link,
// a JSON Feed attachment.
type enclosure struct {
	URL   string
	Type  string
	Size  int64
	Title string // the alt text
}

// titleMax is how many characters a title taken from the text may have
// before it is cut at a word boundary.
const titleMax = 80

// tagYear is the date in every tag URI (RFC 4151). It is fixed, never the
// current year, so that an entry's ID never changes.
const tagYear = "2026"

// entryID returns the entry ID of post postID: a tag URI under the site's
// host, or a herald URN when there is no site.
func entryID(siteHost, postID string) string {
	segs := strings.Split(postID, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	specific := strings.Join(segs, "/")
	if siteHost == "" {
		return "urn:herald:" + specific
	}
	return "tag:" + siteHost + "," + tagYear + ":" + specific
}

// newEntry builds the entry for p, published and updated at now.
func (f *Feed) newEntry(p *platforms.Payload, id string, now time.Time) (entry, error) {
	if p.PostID == "" {
		return entry{}, errors.New("payload has no post ID")
	}
	e := entry{ID: id, Published: now, Updated: now, Tags: slices.Clone(p.Tags)}
	switch {
	case strings.TrimSpace(p.HTML) != "":
		e.Content, e.HTML = p.HTML, true
	case strings.TrimSpace(p.Text()) != "":
		e.Content = p.Text()
	default:
		return entry{}, errors.New("post has no content: neither HTML nor text")
	}
	if len(p.Parts) > 0 {
		e.Summary = p.Parts[0].Text
	}
	e.Title = strings.TrimSpace(p.Title)
	if e.Title == "" && len(p.Parts) > 0 {
		e.Title = cutTitle(p.Parts[0].Text, titleMax)
	}
	if e.Title == "" {
		e.Title = p.PostID
	}
	if u, ok := p.Option("url"); ok {
		e.Link = u
	} else if f.site != nil {
		e.Link = f.site.JoinPath(p.PostID).String()
	}
	for _, m := range p.Media {
		u := m.Path
		if f.site != nil {
			u = f.site.JoinPath(m.Path).String()
		}
		e.Media = append(e.Media, enclosure{URL: u, Type: m.Type, Size: m.Size, Title: m.Alt})
	}
	return e, nil
}

// cutTitle returns the first line of text, cut at the last word boundary
// before max characters (grapheme clusters) and ended with "…" when it is
// longer. A first word longer than max is cut inside the word.
func cutTitle(text string, max int) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if uniseg.GraphemeClusterCount(line) <= max {
		return line
	}
	var b strings.Builder
	lastSpace := -1
	g := uniseg.NewGraphemes(line)
	for n := 0; n < max && g.Next(); n++ {
		c := g.Str()
		if strings.IndexFunc(c, unicode.IsSpace) == 0 {
			lastSpace = b.Len()
		}
		b.WriteString(c)
	}
	cut := b.String()
	if lastSpace > 0 {
		cut = cut[:lastSpace]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// sortEntries orders entries newest first by published time, then by ID,
// so that the files are the same bytes for the same entries.
func sortEntries(es []entry) {
	slices.SortStableFunc(es, func(a, b entry) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// find returns the index of the entry with id, or -1.
func find(es []entry, id string) int {
	return slices.IndexFunc(es, func(e entry) bool { return e.ID == id })
}
