package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"time"
)

type atomFeed struct {
	XMLName   xml.Name     `xml:"http://www.w3.org/2005/Atom feed"`
	Title     atomText     `xml:"title"`
	ID        string       `xml:"id"`
	Updated   string       `xml:"updated"`
	Links     []atomLink   `xml:"link"`
	Authors   []atomPerson `xml:"author"`
	Generator string       `xml:"generator,omitempty"`
	Entries   []atomEntry  `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Href   string `xml:"href,attr"`
	Title  string `xml:"title,attr,omitempty"`
	Length int64  `xml:"length,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary"`
	Content    atomText       `xml:"content"`
}

// timeFormat is how both formats write times: RFC 3339 in UTC, to the
// second, so that what is read back equals what was written.
const timeFormat = time.RFC3339

// encodeAtom writes the Atom document for es, which are sorted already.
func (f *Feed) encodeAtom(es []entry, now time.Time) ([]byte, error) {
	doc := atomFeed{
		Title:     atomText{Type: "text", Body: f.title},
		ID:        f.feedID,
		Authors:   []atomPerson{{Name: f.author}},
		Generator: "herald",
	}
	if f.site != nil {
		doc.Links = append(doc.Links, atomLink{Rel: "alternate", Type: "text/html", Href: f.site.String()})
	}
	if u := f.selfURL(f.atomPath); u != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: u})
	}
	updated := now
	for i, e := range es {
		if i == 0 || e.Updated.After(updated) {
			updated = e.Updated
		}
		ae := atomEntry{
			ID:        e.ID,
			Title:     atomText{Type: "text", Body: e.Title},
			Published: e.Published.UTC().Format(timeFormat),
			Updated:   e.Updated.UTC().Format(timeFormat),
			Content:   atomText{Type: "text", Body: e.Content},
		}
		if e.HTML {
			ae.Content.Type = "html"
		}
		if e.Link != "" {
			ae.Links = append(ae.Links, atomLink{Rel: "alternate", Type: "text/html", Href: e.Link})
		}
		for _, m := range e.Media {
			ae.Links = append(ae.Links, atomLink{Rel: "enclosure", Type: m.Type, Href: m.URL, Title: m.Title, Length: m.Size})
		}
		for _, t := range e.Tags {
			ae.Categories = append(ae.Categories, atomCategory{Term: t})
		}
		if e.Summary != "" {
			ae.Summary = &atomText{Type: "text", Body: e.Summary}
		}
		doc.Entries = append(doc.Entries, ae)
	}
	doc.Updated = updated.UTC().Format(timeFormat)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode atom: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// decodeAtom reads back an Atom document this package wrote. Anything
// that is not an Atom feed, or an entry without an ID or with a bad time,
// is an error: the file is never silently replaced.
func decodeAtom(data []byte) ([]entry, error) {
	var doc atomFeed
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse atom: %w", err)
	}
	es := make([]entry, 0, len(doc.Entries))
	for i, ae := range doc.Entries {
		e := entry{ID: ae.ID, Title: ae.Title.Body, Content: ae.Content.Body}
		if e.ID == "" {
			return nil, fmt.Errorf("entry %d has no id", i+1)
		}
		switch ae.Content.Type {
		case "html":
			e.HTML = true
		case "", "text":
		default:
			return nil, fmt.Errorf("entry %s: content type %q is neither text nor html", e.ID, ae.Content.Type)
		}
		var err error
		if e.Published, err = parseTime(ae.Published); err != nil {
			return nil, fmt.Errorf("entry %s: published: %w", e.ID, err)
		}
		if e.Updated, err = parseTime(ae.Updated); err != nil {
			return nil, fmt.Errorf("entry %s: updated: %w", e.ID, err)
		}
		if ae.Summary != nil {
			e.Summary = ae.Summary.Body
		}
		for _, l := range ae.Links {
			switch l.Rel {
			case "", "alternate":
				e.Link = l.Href
			case "enclosure":
				e.Media = append(e.Media, enclosure{URL: l.Href, Type: l.Type, Size: l.Length, Title: l.Title})
			}
		}
		for _, c := range ae.Categories {
			e.Tags = append(e.Tags, c.Term)
		}
		es = append(es, e)
	}
	return es, nil
}

// parseTime reads a time written with timeFormat; an empty one is an
// error, because both formats' times are required here.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
