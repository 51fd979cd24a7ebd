package feed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/platformtest"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// repo is a temporary content repository and a feed writing into it.
type repo struct {
	dir   string
	root  *os.Root
	clock *clock
	feed  *feed.Feed
}

func newRepo(t *testing.T, values map[string]any) *repo {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	r := &repo{dir: dir, root: root, clock: &clock{t: start}}
	r.feed = r.build(t, root, values)
	return r
}

func (r *repo) build(t *testing.T, fsys feed.WriteFS, values map[string]any) *feed.Feed {
	t.Helper()
	f, err := feed.NewWith(platforms.Settings{Account: "blog", Platform: "feed", Values: values, Now: r.clock.Now},
		feed.Options{Root: fsys})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (r *repo) file(t *testing.T, name string) []byte {
	t.Helper()
	return readFile(t, filepath.Join(r.dir, name))
}

func bothFiles() map[string]any {
	return map[string]any{
		"atom": atomPath, "json": jsonPath, "title": "Example Notes", "site_url": "https://example.com",
		"feed_url": "https://example.com/feed.atom", "author": "Example Team",
	}
}

// article is a blog post as the reconciler hands it to the feed: a title,
// HTML, one part of plain text, tags and an image.
func article() *platforms.Payload {
	p := platformtest.Payload("2026/launch", "We launched v2. Read the notes & tell us what you think.")
	p.Platform = "feed"
	p.Title = `Launching "v2" <today> & more`
	p.HTML = "<p>We launched <strong>v2</strong>. Read the <a href=\"https://example.com/notes?a=1&amp;b=2\">notes</a> &amp; tell us what you think.</p>\n"
	p.Tags = []string{"release", "v2"}
	return platformtest.WithImage(p, `A chart: "before" < "after"`)
}

func TestGolden(t *testing.T) {
	r := newRepo(t, bothFiles())
	ctx := t.Context()
	snap := func(t *testing.T, step string) {
		t.Helper()
		golden.Check(t, step+".atom", r.file(t, atomPath))
		golden.Check(t, step+".json", r.file(t, jsonPath))
	}

	launch, err := r.feed.Publish(ctx, article(), "k1")
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Set(start.Add(time.Hour))
	note := platformtest.Payload("notes/short", "A short note without a title, long enough that its title is cut at a word boundary before eighty characters.")
	if _, err := r.feed.Publish(ctx, note, "k2"); err != nil {
		t.Fatal(err)
	}
	snap(t, "publish")

	r.clock.Set(start.Add(2 * time.Hour))
	edited := article()
	edited.HTML = "<p>We launched <strong>v2</strong> today.</p>\n"
	edited.Parts[0].Text = "We launched v2 today."
	got, err := r.feed.Update(ctx, launch, edited)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(launch, got); diff != "" {
		t.Errorf("update changed the receipt (-published +updated):\n%s", diff)
	}
	snap(t, "update")

	r.clock.Set(start.Add(3 * time.Hour))
	if err := r.feed.Delete(ctx, launch); err != nil {
		t.Fatal(err)
	}
	snap(t, "delete")
}

func TestReceipt(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		p      *platforms.Payload
		want   *platforms.Receipt
	}{
		{"site", bothFiles(), article(), &platforms.Receipt{Provider: "feed", IDs: []string{"tag:example.com,2026:2026/launch"},
			URLs: []string{"https://example.com/2026/launch"}, PublishedAt: start}},
		{"url option", bothFiles(), func() *platforms.Payload {
			p := article()
			p.Options = map[string]any{"url": "https://example.com/blog/launching-v2/"}
			return p
		}(), &platforms.Receipt{Provider: "feed", IDs: []string{"tag:example.com,2026:2026/launch"},
			URLs: []string{"https://example.com/blog/launching-v2/"}, PublishedAt: start}},
		{"no site", map[string]any{"json": "feed.json"}, article(), &platforms.Receipt{Provider: "feed",
			IDs: []string{"urn:herald:2026/launch"}, PublishedAt: start}},
		{"escaped id", map[string]any{"json": "feed.json", "site_url": "https://example.com:8443/blog/"},
			platformtest.Payload("a b/ü", "text"), &platforms.Receipt{Provider: "feed",
				IDs: []string{"tag:example.com,2026:a%20b/%C3%BC"}, URLs: []string{"https://example.com:8443/blog/a%20b/%C3%BC"}, PublishedAt: start}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t, tt.values)
			got, err := r.feed.Publish(t.Context(), tt.p, "k")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("receipt (-want +got):\n%s", diff)
			}
			found, err := r.feed.Find(t.Context(), tt.p, platforms.Attempt{Key: "another-key"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, found); diff != "" {
				t.Errorf("found (-published +found):\n%s", diff)
			}
		})
	}
}

// TestParse reads the files with encoding/xml and as plain JSON and holds
// them to what Atom and JSON Feed 1.1 require.
func TestParse(t *testing.T) {
	r := newRepo(t, bothFiles())
	if _, err := r.feed.Publish(t.Context(), article(), "k"); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(start.Add(time.Minute))
	if _, err := r.feed.Publish(t.Context(), platformtest.Payload("plain", "Just text."), "k"); err != nil {
		t.Fatal(err)
	}

	t.Run("atom", func(t *testing.T) {
		doc := readAtom(t, filepath.Join(r.dir, atomPath))
		if doc.ID == "" || doc.Title == "" || doc.Updated == "" || len(doc.Authors) == 0 {
			t.Errorf("feed lacks a required element: id %q, title %q, updated %q, authors %v", doc.ID, doc.Title, doc.Updated, doc.Authors)
		}
		if len(doc.Entries) != 2 {
			t.Fatalf("%d entries, want 2", len(doc.Entries))
		}
		e := doc.Entries[1]
		type link struct{ Rel, Type, Href, Title string }
		var links []link
		for _, l := range e.Links {
			links = append(links, link{l.Rel, l.Type, l.Href, l.Title})
		}
		var terms []string
		for _, c := range e.Categories {
			terms = append(terms, c.Term)
		}
		got := map[string]any{"id": e.ID, "title": e.Title, "content": e.Content, "summary": e.Summary.Body,
			"published": e.Published, "updated": e.Updated, "links": links, "terms": terms}
		want := map[string]any{
			"id": "tag:example.com,2026:2026/launch", "title": testAtomText{"text", article().Title},
			"content": testAtomText{"html", article().HTML}, "summary": article().Parts[0].Text,
			"published": "2026-03-01T09:00:00Z", "updated": "2026-03-01T09:00:00Z",
			"links": []link{{"alternate", "text/html", "https://example.com/2026/launch", ""},
				{"enclosure", "image/png", "https://example.com/posts/pixel.png", `A chart: "before" < "after"`}},
			"terms": []string{"release", "v2"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entry (-want +got):\n%s", diff)
		}
		if c := doc.Entries[0].Content; c.Type != "text" || c.Body != "Just text." {
			t.Errorf("a post without HTML has content %+v, want text content", c)
		}
	})

	t.Run("json feed", func(t *testing.T) {
		var doc map[string]any
		if err := json.Unmarshal(r.file(t, jsonPath), &doc); err != nil {
			t.Fatal(err)
		}
		if doc["version"] != "https://jsonfeed.org/version/1.1" {
			t.Errorf("version %v", doc["version"])
		}
		if s, ok := doc["title"].(string); !ok || s == "" {
			t.Errorf("title %v, want a non-empty string", doc["title"])
		}
		if doc["feed_url"] != "https://example.com/feed.json" || doc["home_page_url"] != "https://example.com" {
			t.Errorf("feed_url %v, home_page_url %v", doc["feed_url"], doc["home_page_url"])
		}
		items, ok := doc["items"].([]any)
		if !ok || len(items) != 2 {
			t.Fatalf("items %v, want an array of 2", doc["items"])
		}
		for i, raw := range items {
			it := raw.(map[string]any)
			if s, ok := it["id"].(string); !ok || s == "" {
				t.Errorf("item %d: id %v, want a non-empty string", i, it["id"])
			}
			_, hasHTML := it["content_html"].(string)
			_, hasText := it["content_text"].(string)
			if hasHTML == hasText {
				t.Errorf("item %d: want exactly one of content_html and content_text: %v", i, it)
			}
			for _, key := range []string{"date_published", "date_modified"} {
				if _, err := time.Parse(time.RFC3339, fmt.Sprint(it[key])); err != nil {
					t.Errorf("item %d: %s: %v", i, key, err)
				}
			}
		}
		att := items[1].(map[string]any)["attachments"].([]any)[0].(map[string]any)
		want := map[string]any{"url": "https://example.com/posts/pixel.png", "mime_type": "image/png",
			"title": `A chart: "before" < "after"`, "size_in_bytes": float64(69)}
		if diff := cmp.Diff(want, att); diff != "" {
			t.Errorf("attachment (-want +got):\n%s", diff)
		}
	})
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		name, title, html, text string
	}{
		{"angle brackets", "a <b> title", "<p>1 &lt; 2 <em>yes</em></p>", "1 < 2 yes"},
		{"ampersands", "Fish & chips &amp; more", "<p>R&amp;D</p>", "R&D and &amp;"},
		{"quotes", `"double" and 'single'`, `<a href="https://example.com/?q=&quot;x&quot;">it's</a>`, `she said "hi" it's`},
		{"cdata end", "]]> and ]]>", "<p>]]&gt;</p>", "]]>"},
		{"whitespace", "tab\there", "<pre>line 1\nline 2\r\n\tindented</pre>", "line 1\nline 2\r\n\tindented"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t, bothFiles())
			p := platformtest.Payload("post", tt.text)
			p.Title, p.HTML = tt.title, tt.html
			if _, err := r.feed.Publish(t.Context(), p, "k"); err != nil {
				t.Fatal(err)
			}
			raw := string(r.file(t, atomPath))
			for _, s := range []string{tt.title, tt.html} {
				if strings.ContainsAny(s, "<&") && strings.Contains(raw, s) {
					t.Errorf("Atom file holds %q unescaped", s)
				}
			}
			e := readAtom(t, filepath.Join(r.dir, atomPath)).Entries[0]
			it := readJSONFeed(t, filepath.Join(r.dir, jsonPath)).Items[0]
			got := []string{e.Title.Body, e.Content.Body, e.Summary.Body, it.Title, *it.ContentHTML, it.Summary}
			want := []string{tt.title, tt.html, tt.text, tt.title, tt.html, tt.text}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("read back (-want +got; atom title, content, summary, then json):\n%s", diff)
			}
			// A second write reads the file back first: what it read must
			// be written again unchanged.
			before := r.file(t, atomPath)
			if _, err := r.feed.Publish(t.Context(), p, "k"); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(before), string(r.file(t, atomPath))); diff != "" {
				t.Errorf("republishing at the same time changed the file:\n%s", diff)
			}
		})
	}
}

func TestTitleFromText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"short", "A short note", "A short note"},
		{"first line", "First line\nsecond line", "First line"},
		{"word boundary", strings.Repeat("word ", 20), "word word word word word word word word word word word word word word word word…"},
		{"punctuation before cut", strings.Repeat("abcdefghi, ", 10), "abcdefghi, abcdefghi, abcdefghi, abcdefghi, abcdefghi, abcdefghi, abcdefghi…"},
		{"one long word", strings.Repeat("x", 100), strings.Repeat("x", 80) + "…"},
		{"emoji kept whole", strings.Repeat("👩‍👩‍👧", 81), strings.Repeat("👩‍👩‍👧", 80) + "…"},
		{"leading blank lines", "\n\n  Body here\nmore", "Body here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t, map[string]any{"json": jsonPath})
			if _, err := r.feed.Publish(t.Context(), platformtest.Payload("post", tt.text), "k"); err != nil {
				t.Fatal(err)
			}
			if got := readJSONFeed(t, filepath.Join(r.dir, jsonPath)).Items[0].Title; got != tt.want {
				t.Errorf("title %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIdempotent(t *testing.T) {
	r := newRepo(t, bothFiles())
	first, err := r.feed.Publish(t.Context(), article(), "k1")
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Set(start.Add(time.Hour))
	again, err := r.feed.Publish(t.Context(), article(), "k2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("second publish receipt (-first +second):\n%s", diff)
	}
	doc := readAtom(t, filepath.Join(r.dir, atomPath))
	if len(doc.Entries) != 1 {
		t.Fatalf("%d entries after publishing one post twice, want 1", len(doc.Entries))
	}
	if e := doc.Entries[0]; e.Published != "2026-03-01T09:00:00Z" || e.Updated != "2026-03-01T10:00:00Z" {
		t.Errorf("published %s, updated %s: want the first publish kept and the second as updated", e.Published, e.Updated)
	}
}

func TestMaxEntries(t *testing.T) {
	values := bothFiles()
	values["max_entries"] = 2
	r := newRepo(t, values)
	ctx := t.Context()
	var receipts []*platforms.Receipt
	for i, id := range []string{"one", "two", "three"} {
		r.clock.Set(start.Add(time.Duration(i) * time.Hour))
		rc, err := r.feed.Publish(ctx, platformtest.Payload(id, "Post "+id), "k")
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, rc)
	}
	ids := func() (atom, json []string) {
		for _, e := range readAtom(t, filepath.Join(r.dir, atomPath)).Entries {
			atom = append(atom, e.ID)
		}
		for _, it := range readJSONFeed(t, filepath.Join(r.dir, jsonPath)).Items {
			json = append(json, it.ID)
		}
		return atom, json
	}
	want := []string{"tag:example.com,2026:three", "tag:example.com,2026:two"}
	check := func(t *testing.T) {
		t.Helper()
		atom, json := ids()
		if diff := cmp.Diff(want, atom); diff != "" {
			t.Errorf("Atom entries (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, json); diff != "" {
			t.Errorf("JSON Feed items (-want +got):\n%s", diff)
		}
	}
	t.Run("oldest dropped", check)
	t.Run("find of a dropped entry", func(t *testing.T) {
		if _, err := r.feed.Find(ctx, platformtest.Payload("one", "Post one"), platforms.Attempt{Key: "k"}); !errors.Is(err, platforms.ErrNotFound) {
			t.Errorf("find = %v, want ErrNotFound", err)
		}
	})
	t.Run("update of a dropped entry keeps it dropped", func(t *testing.T) {
		r.clock.Set(start.Add(5 * time.Hour))
		if _, err := r.feed.Update(ctx, receipts[0], platformtest.Payload("one", "Post one, edited")); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
	t.Run("delete of a dropped entry", func(t *testing.T) {
		if err := r.feed.Delete(ctx, receipts[0]); err != nil {
			t.Errorf("delete = %v, want nil", err)
		}
		check(t)
	})
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]any
		wantErr string // "" for none
	}{
		{"atom only", map[string]any{"atom": "feed.atom"}, ""},
		{"json only", map[string]any{"json": "public/feeds/feed.json"}, ""},
		{"dot slash", map[string]any{"atom": "./public/feed.atom"}, ""},
		{"inner dot dot", map[string]any{"atom": "public/x/../feed.atom"}, ""},
		{"max_entries int64", map[string]any{"atom": "a", "max_entries": int64(10)}, ""},
		{"max_entries float", map[string]any{"atom": "a", "max_entries": 10.0}, ""},
		{"no file", map[string]any{"title": "x"}, "set atom, json or both"},
		{"same file", map[string]any{"atom": "public/feed", "json": "public/./feed"}, "give each format its own file"},
		{"parent", map[string]any{"atom": "../feed.atom"}, "leaves the repository"},
		{"parent inside", map[string]any{"json": "public/../../feed.json"}, "leaves the repository"},
		{"absolute", map[string]any{"atom": "/var/www/feed.atom"}, "leaves the repository"},
		{"root itself", map[string]any{"atom": "."}, "leaves the repository"},
		{"directory", map[string]any{"atom": "public/"}, "names a directory"},
		{"backslash", map[string]any{"atom": `..\feed.atom`}, "forward slashes"},
		{"state dir", map[string]any{"atom": ".herald/state/feed.atom"}, "where git or herald's state lives"},
		{"git dir", map[string]any{"json": "./.git/feed.json"}, "where git or herald's state lives"},
		{"empty path", map[string]any{"atom": ""}, "want the path of a file"},
		{"not a string", map[string]any{"atom": 3}, "want the path of a file"},
		{"relative site_url", map[string]any{"atom": "a", "site_url": "example.com"}, "not an absolute http or https URL"},
		{"ftp feed_url", map[string]any{"atom": "a", "feed_url": "ftp://example.com/"}, "not an absolute http or https URL"},
		{"max_entries zero", map[string]any{"atom": "a", "max_entries": 0}, "want at least 1"},
		{"max_entries fraction", map[string]any{"atom": "a", "max_entries": 2.5}, "not a whole number"},
		{"max_entries string", map[string]any{"atom": "a", "max_entries": "50"}, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := feed.NewWith(platforms.Settings{Account: "blog", Values: tt.values, Now: func() time.Time { return start }}, feed.Options{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("NewWith = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("NewWith = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestSymlinkEscape shows the second guard: a path that is inside the
// repository by its name but leaves it through a symbolic link is refused
// by *os.Root, and nothing is written outside.
func TestSymlinkEscape(t *testing.T) {
	outside := t.TempDir()
	r := newRepo(t, map[string]any{"atom": "public/feed.atom"})
	if err := os.Symlink(outside, filepath.Join(r.dir, "public")); err != nil {
		t.Skipf("cannot make a symbolic link: %v", err)
	}
	_, err := r.feed.Publish(t.Context(), article(), "k")
	if err == nil {
		t.Fatal("publish through a link leaving the repository succeeded")
	}
	if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
		t.Errorf("outcome %s, want not_created: %v", o, err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote outside the repository: %v", entries)
	}
}

func TestCorruptFile(t *testing.T) {
	tests := []struct {
		name, file, content, wantErr string
	}{
		{"broken xml", atomPath, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>", atomPath + ": parse atom"},
		{"not atom", atomPath, "<rss version=\"2.0\"><channel/></rss>", atomPath + ": parse atom"},
		{"entry without id", atomPath, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>x</title></entry></feed>", "entry 1 has no id"},
		{"bad time", atomPath, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>x</id><published>yesterday</published></entry></feed>", "entry x: published"},
		{"duplicate entry", atomPath, "<feed xmlns=\"http://www.w3.org/2005/Atom\">" + strings.Repeat("<entry><id>x</id><published>2026-01-01T00:00:00Z</published><updated>2026-01-01T00:00:00Z</updated><content>a</content></entry>", 2) + "</feed>", "entry x appears twice"},
		{"empty atom", atomPath, "", atomPath + ": parse atom"},
		{"broken json", jsonPath, "{\"version\": ", jsonPath + ": parse json feed"},
		{"other json version", jsonPath, `{"version": "https://jsonfeed.org/version/1", "title": "x", "items": []}`, jsonPath + ": version"},
		{"item without content", jsonPath, `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": "a", "date_published": "2026-01-01T00:00:00Z", "date_modified": "2026-01-01T00:00:00Z"}]}`, "neither content_html nor content_text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t, bothFiles())
			if _, err := r.feed.Publish(t.Context(), platformtest.Payload("first", "First"), "k"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(r.dir, tt.file), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			before := map[string][]byte{atomPath: r.file(t, atomPath), jsonPath: r.file(t, jsonPath)}
			rc := &platforms.Receipt{IDs: []string{"tag:example.com,2026:first"}}
			calls := map[string]func() error{
				"publish": func() error {
					_, err := r.feed.Publish(t.Context(), platformtest.Payload("second", "Second"), "k")
					return err
				},
				"update": func() error {
					_, err := r.feed.Update(t.Context(), rc, platformtest.Payload("first", "Edited"))
					return err
				},
				"delete": func() error { return r.feed.Delete(t.Context(), rc) },
				"find": func() error {
					_, err := r.feed.Find(t.Context(), platformtest.Payload("first", "First"), platforms.Attempt{Key: "k"})
					return err
				},
			}
			for name, call := range calls {
				err := call()
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("%s = %v, want an error containing %q", name, err, tt.wantErr)
				}
				if errors.Is(err, platforms.ErrNotFound) {
					t.Errorf("%s: a file that cannot be read must not look like a missing entry: %v", name, err)
				}
				if name == "publish" && platforms.OutcomeOf(err) != platforms.NotCreated {
					t.Errorf("publish outcome %s, want not_created: nothing was written", platforms.OutcomeOf(err))
				}
			}
			for name, data := range before {
				if diff := cmp.Diff(string(data), string(r.file(t, name))); diff != "" {
					t.Errorf("%s changed:\n%s", name, diff)
				}
			}
		})
	}
}

// failFS fails the nth call of one method.
type failFS struct {
	*os.Root
	method string
	n      int
	calls  int
}

func (f *failFS) fail(method, name string) error {
	if method != f.method {
		return nil
	}
	f.calls++
	if f.calls == f.n {
		return &fs.PathError{Op: method, Path: name, Err: syscall.ENOSPC}
	}
	return nil
}

func (f *failFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if err := f.fail("write", name); err != nil {
		return err
	}
	return f.Root.WriteFile(name, data, perm)
}

func (f *failFS) Rename(oldname, newname string) error {
	if err := f.fail("rename", newname); err != nil {
		return err
	}
	return f.Root.Rename(oldname, newname)
}

// TestAtomicWrite fails each write and rename of a second publish and
// requires that the files read either wholly before or wholly after, that
// no temporary file is left, and that the outcome says which.
func TestAtomicWrite(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		n           int
		wantOutcome platforms.Outcome
		wantEntries int // in the record, the Atom file
	}{
		{"first temporary file", "write", 1, platforms.NotCreated, 1},
		{"second temporary file", "write", 2, platforms.NotCreated, 1},
		{"first rename", "rename", 1, platforms.Unknown, 1},
		{"rename of the record", "rename", 2, platforms.Unknown, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t, bothFiles())
			if _, err := r.feed.Publish(t.Context(), platformtest.Payload("first", "First"), "k"); err != nil {
				t.Fatal(err)
			}
			atomBefore := r.file(t, atomPath)
			f := r.build(t, &failFS{Root: r.root, method: tt.method, n: tt.n}, bothFiles())
			_, err := f.Publish(t.Context(), platformtest.Payload("second", "Second"), "k")
			if o := platforms.OutcomeOf(err); err == nil || o != tt.wantOutcome {
				t.Fatalf("publish = %v (outcome %s), want an error with outcome %s", err, o, tt.wantOutcome)
			}
			if !strings.Contains(err.Error(), "public/feed.") {
				t.Errorf("error %q does not name the file", err)
			}
			if diff := cmp.Diff(string(atomBefore), string(r.file(t, atomPath))); diff != "" {
				t.Errorf("the record changed although its write failed:\n%s", diff)
			}
			names, _ := filepath.Glob(filepath.Join(r.dir, "public", "*"))
			for _, n := range names {
				if strings.HasSuffix(n, ".herald-tmp") {
					t.Errorf("temporary file %s left behind", n)
				}
			}
			_, ferr := r.feed.Find(t.Context(), platformtest.Payload("second", "Second"), platforms.Attempt{Key: "k"})
			if !errors.Is(ferr, platforms.ErrNotFound) {
				t.Errorf("find after the failed write = %v, want ErrNotFound", ferr)
			}
			// Publishing again heals a JSON Feed renamed before the failure.
			if _, err := r.feed.Publish(t.Context(), platformtest.Payload("second", "Second"), "k"); err != nil {
				t.Fatal(err)
			}
			if a, j := len(readAtom(t, filepath.Join(r.dir, atomPath)).Entries), len(readJSONFeed(t, filepath.Join(r.dir, jsonPath)).Items); a != 2 || j != 2 {
				t.Errorf("after the retry the files hold %d and %d entries, want 2 and 2", a, j)
			}
		})
	}
}

// TestRemovedByHand covers drift: an entry deleted from the files by hand
// is not there to find, deleting it is not an error, and an update writes
// it back with its first published time.
func TestRemovedByHand(t *testing.T) {
	r := newRepo(t, bothFiles())
	b := &backend{t: t, dir: r.dir}
	rc, err := r.feed.Publish(t.Context(), article(), "k")
	if err != nil {
		t.Fatal(err)
	}
	b.RemoveRemotely(rc.IDs[0])
	if n := len(b.Posts()); n != 0 {
		t.Fatalf("%d posts after removing the entry by hand", n)
	}
	b.agree(t)
	if _, err := r.feed.Find(t.Context(), article(), platforms.Attempt{Key: "k"}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find = %v, want ErrNotFound", err)
	}
	if err := r.feed.Delete(t.Context(), rc); err != nil {
		t.Errorf("delete = %v, want nil", err)
	}
	r.clock.Set(start.Add(time.Hour))
	got, err := r.feed.Update(t.Context(), rc, article())
	if err != nil {
		t.Fatal(err)
	}
	if !got.PublishedAt.Equal(start) {
		t.Errorf("rewritten entry published %s, want %s", got.PublishedAt, start)
	}
	if posts := b.Posts(); len(posts) != 1 || !posts[0].CreatedAt.Equal(start) {
		t.Errorf("after update the feed holds %+v, want the entry published at %s", posts, start)
	}
}

func TestConcurrentPublish(t *testing.T) {
	r := newRepo(t, bothFiles())
	ctor := feed.Constructor(r.root)
	var feeds []platforms.Publisher
	for range 2 {
		pub, err := ctor(platforms.Settings{Account: "blog", Platform: "feed", Values: bothFiles(), Now: r.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, pub)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			_, err := feeds[i%2].Publish(t.Context(), platformtest.Payload(fmt.Sprintf("post-%02d", i), "text"), "k")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(readAtom(t, filepath.Join(r.dir, atomPath)).Entries); n != 20 {
		t.Errorf("%d entries after 20 concurrent publishes, want 20", n)
	}
}

func TestNoRoot(t *testing.T) {
	pub, err := feed.New(platforms.Settings{Account: "blog", Platform: "feed", Values: bothFiles(), Now: func() time.Time { return start }})
	if err != nil {
		t.Fatal(err)
	}
	if got := platforms.Capabilities(pub); got != platforms.CapUpdate|platforms.CapDelete|platforms.CapFind {
		t.Errorf("capabilities %s", got)
	}
	_, err = pub.Publish(t.Context(), article(), "k")
	if !errors.Is(err, feed.ErrNoRoot) || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("publish = %v (outcome %s), want ErrNoRoot, not_created", err, platforms.OutcomeOf(err))
	}
	if _, err := pub.(platforms.Finder).Find(t.Context(), article(), platforms.Attempt{Key: "k"}); !errors.Is(err, feed.ErrNoRoot) || errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find = %v, want ErrNoRoot and not ErrNotFound", err)
	}
}

// TestThreadIsOneEntry: a feed has no replies, so the parts of a thread
// are one entry, its text content the parts joined by blank lines.
func TestThreadIsOneEntry(t *testing.T) {
	r := newRepo(t, bothFiles())
	rc, err := r.feed.Publish(t.Context(), platformtest.Payload("thread", "1/3 first", "2/3 second", "3/3 third"), "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.IDs) != 1 || len(rc.URLs) != 1 {
		t.Errorf("receipt %+v, want one ID and one URL", rc)
	}
	items := readJSONFeed(t, filepath.Join(r.dir, jsonPath)).Items
	if len(items) != 1 {
		t.Fatalf("%d items, want 1", len(items))
	}
	got := []string{items[0].Title, items[0].Summary, *items[0].ContentText}
	want := []string{"1/3 first", "1/3 first", "1/3 first\n\n2/3 second\n\n3/3 third"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("title, summary, content (-want +got):\n%s", diff)
	}
}

func TestNoContent(t *testing.T) {
	r := newRepo(t, bothFiles())
	_, err := r.feed.Publish(t.Context(), platformtest.Payload("empty", " \n"), "k")
	if err == nil || !strings.Contains(err.Error(), "no content") || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("publish = %v, want a no-content error, not_created", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, atomPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused publish wrote the feed: %v", err)
	}
}

func TestCancelled(t *testing.T) {
	r := newRepo(t, bothFiles())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := r.feed.Publish(ctx, article(), "k")
	if !errors.Is(err, context.Canceled) || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Errorf("publish = %v, want context.Canceled, not_created", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, atomPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a cancelled publish wrote the feed: %v", err)
	}
}
