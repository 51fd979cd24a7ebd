package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonFeedVersion is the version URL a JSON Feed 1.1 document carries.
const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url,omitempty"`
	FeedURL     string       `json:"feed_url,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Items       []jsonItem   `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url,omitempty"`
	Title         string           `json:"title,omitempty"`
	ContentHTML   *string          `json:"content_html,omitempty"`
	ContentText   *string          `json:"content_text,omitempty"`
	Summary       string           `json:"summary,omitempty"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Tags          []string         `json:"tags,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
}

type jsonAttachment struct {
	URL         string `json:"url"`
	MimeType    string `json:"mime_type"`
	Title       string `json:"title,omitempty"`
	SizeInBytes int64  `json:"size_in_bytes,omitempty"`
}

// encodeJSON writes the JSON Feed document for es, which are sorted
// already, indented by two spaces and with HTML left unescaped so that the
// file reads as written.
func (f *Feed) encodeJSON(es []entry) ([]byte, error) {
	doc := jsonFeed{
		Version: jsonFeedVersion,
		Title:   f.title,
		FeedURL: f.selfURL(f.jsonPath),
		Authors: []jsonAuthor{{Name: f.author}},
		Items:   []jsonItem{},
	}
	if f.site != nil {
		doc.HomePageURL = f.site.String()
	}
	for _, e := range es {
		it := jsonItem{
			ID:            e.ID,
			URL:           e.Link,
			Title:         e.Title,
			Summary:       e.Summary,
			DatePublished: e.Published.UTC().Format(timeFormat),
			DateModified:  e.Updated.UTC().Format(timeFormat),
			Tags:          e.Tags,
		}
		content := e.Content
		if e.HTML {
			it.ContentHTML = &content
		} else {
			it.ContentText = &content
		}
		for _, m := range e.Media {
			it.Attachments = append(it.Attachments, jsonAttachment{URL: m.URL, MimeType: m.Type, Title: m.Title, SizeInBytes: m.Size})
		}
		doc.Items = append(doc.Items, it)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode json feed: %w", err)
	}
	return b.Bytes(), nil
}

// decodeJSON reads back a JSON Feed this package wrote. A document that
// does not parse, is not version 1.1, or has an item without an ID,
// content or valid dates is an error.
func decodeJSON(data []byte) ([]entry, error) {
	var doc jsonFeed
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse json feed: %w", err)
	}
	if doc.Version != jsonFeedVersion {
		return nil, fmt.Errorf("version %q, want %q", doc.Version, jsonFeedVersion)
	}
	es := make([]entry, 0, len(doc.Items))
	for i, it := range doc.Items {
		e := entry{ID: it.ID, Link: it.URL, Title: it.Title, Summary: it.Summary, Tags: it.Tags}
		if e.ID == "" {
			return nil, fmt.Errorf("item %d has no id", i+1)
		}
		switch {
		case it.ContentHTML != nil:
			e.Content, e.HTML = *it.ContentHTML, true
		case it.ContentText != nil:
			e.Content = *it.ContentText
		default:
			return nil, fmt.Errorf("item %s has neither content_html nor content_text", e.ID)
		}
		var err error
		if e.Published, err = parseTime(it.DatePublished); err != nil {
			return nil, fmt.Errorf("item %s: date_published: %w", e.ID, err)
		}
		if e.Updated, err = parseTime(it.DateModified); err != nil {
			return nil, fmt.Errorf("item %s: date_modified: %w", e.ID, err)
		}
		for _, a := range it.Attachments {
			e.Media = append(e.Media, enclosure{URL: a.URL, Type: a.MimeType, Size: a.SizeInBytes, Title: a.Title})
		}
		es = append(es, e)
	}
	return es, nil
}
