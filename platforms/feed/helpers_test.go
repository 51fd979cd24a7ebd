package feed_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"testing"
	"time"
)

// The tests read the files back with their own structs, independent of
// the adapter's, so that a bug shared by its writer and its reader shows.

type testAtomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Authors []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []testAtomEntry `xml:"entry"`
}

type testAtomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type testAtomEntry struct {
	ID        string       `xml:"id"`
	Title     testAtomText `xml:"title"`
	Published string       `xml:"published"`
	Updated   string       `xml:"updated"`
	Summary   testAtomText `xml:"summary"`
	Content   testAtomText `xml:"content"`
	Links     []struct {
		Rel    string `xml:"rel,attr"`
		Type   string `xml:"type,attr"`
		Href   string `xml:"href,attr"`
		Title  string `xml:"title,attr"`
		Length int64  `xml:"length,attr"`
	} `xml:"link"`
	Categories []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
}

func (e testAtomEntry) alternate() string {
	for _, l := range e.Links {
		if l.Rel == "alternate" {
			return l.Href
		}
	}
	return ""
}

func (e testAtomEntry) publishedTime(t testing.TB) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, e.Published)
	if err != nil {
		t.Fatalf("entry %s: published: %v", e.ID, err)
	}
	return at
}

type testJSONFeed struct {
	Version string `json:"version"`
	Title   string `json:"title"`
	Items   []struct {
		ID            string  `json:"id"`
		URL           string  `json:"url"`
		Title         string  `json:"title"`
		ContentHTML   *string `json:"content_html"`
		ContentText   *string `json:"content_text"`
		Summary       string  `json:"summary"`
		DatePublished string  `json:"date_published"`
		DateModified  string  `json:"date_modified"`
		Tags          []string
		Attachments   []struct {
			URL      string `json:"url"`
			MimeType string `json:"mime_type"`
			Title    string `json:"title"`
			Size     int64  `json:"size_in_bytes"`
		} `json:"attachments"`
	} `json:"items"`
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readAtom parses an Atom file; a missing file is an empty feed.
func readAtom(t testing.TB, name string) testAtomFeed {
	t.Helper()
	var doc testAtomFeed
	data, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return doc
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not an Atom feed: %v", name, err)
	}
	return doc
}

// readJSONFeed parses a JSON Feed file; a missing file is an empty feed.
func readJSONFeed(t testing.TB, name string) testJSONFeed {
	t.Helper()
	var doc testJSONFeed
	data, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return doc
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not JSON: %v", name, err)
	}
	return doc
}
