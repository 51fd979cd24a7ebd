package feed_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/platformtest"
)

const (
	atomPath = "public/feed.atom"
	jsonPath = "public/feed.json"
)

// faultFS is the repository's *os.Root with the suite's faults turned into
// what can go wrong on a disk. A fault that surely posts nothing on an API
// (429, 401, 500) becomes a failed write of a temporary file, before
// anything is renamed; an accept-then-timeout becomes a rename of the
// record that lands and still reports an error.
type faultFS struct {
	*os.Root
	record string

	mu    sync.Mutex
	fault platformtest.FaultKind
}

func (f *faultFS) take(kinds ...platformtest.FaultKind) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if slices.Contains(kinds, f.fault) {
		f.fault = 0
		return true
	}
	return false
}

func (f *faultFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if f.take(platformtest.RateLimited, platformtest.Unauthorized, platformtest.ServerError) {
		return &fs.PathError{Op: "write", Path: name, Err: syscall.ENOSPC}
	}
	return f.Root.WriteFile(name, data, perm)
}

func (f *faultFS) Rename(oldname, newname string) error {
	if newname == f.record && f.take(platformtest.AcceptThenTimeout) {
		if err := f.Root.Rename(oldname, newname); err != nil {
			return err
		}
		return &fs.PathError{Op: "rename", Path: newname, Err: syscall.EIO}
	}
	return f.Root.Rename(oldname, newname)
}

// backend is the suite's view of the feed: the files in a temporary
// repository, read back with this test's own decoding, not the adapter's.
type backend struct {
	t   *testing.T
	dir string
	fs  *faultFS
}

func (b *backend) Inject(fault platformtest.Fault) {
	b.fs.mu.Lock()
	defer b.fs.mu.Unlock()
	b.fs.fault = fault.Kind
}

// Posts returns the record's entries, oldest first as the suite wants
// creation order.
func (b *backend) Posts() []platformtest.Post {
	b.t.Helper()
	doc := readAtom(b.t, filepath.Join(b.dir, atomPath))
	var posts []platformtest.Post
	for _, e := range slices.Backward(doc.Entries) {
		p := platformtest.Post{ID: e.ID, Text: e.Summary.Body, URL: e.alternate(), CreatedAt: e.publishedTime(b.t),
			Fields: map[string]any{"title": e.Title.Body, "content": e.Content.Body}}
		for _, l := range e.Links {
			if l.Rel == "enclosure" {
				p.Media = append(p.Media, platformtest.MediaItem{Type: l.Type, Alt: l.Title})
			}
		}
		posts = append(posts, p)
	}
	return posts
}

// RemoveRemotely deletes the entry with id as a person would: by deleting
// its lines from the Atom file and its item from the JSON Feed.
func (b *backend) RemoveRemotely(id string) {
	b.t.Helper()
	atomFile := filepath.Join(b.dir, atomPath)
	data, err := os.ReadFile(atomFile)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []string
	var entry []string
	in := false
	for line := range strings.Lines(string(data)) {
		switch {
		case strings.TrimSpace(line) == "<entry>":
			in, entry = true, []string{line}
		case in && strings.TrimSpace(line) == "</entry>":
			in = false
			entry = append(entry, line)
			if !slices.Contains(entry, "    <id>"+id+"</id>\n") {
				out = append(out, entry...)
			}
		case in:
			entry = append(entry, line)
		default:
			out = append(out, line)
		}
	}
	if err := os.WriteFile(atomFile, []byte(strings.Join(out, "")), 0o644); err != nil {
		b.t.Fatal(err)
	}
	jsonFile := filepath.Join(b.dir, jsonPath)
	var doc map[string]any
	if err := json.Unmarshal(readFile(b.t, jsonFile), &doc); err != nil {
		b.t.Fatal(err)
	}
	items, _ := doc["items"].([]any)
	doc["items"] = slices.DeleteFunc(items, func(it any) bool { return it.(map[string]any)["id"] == id })
	data, err = json.MarshalIndent(doc, "", "  ")
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(jsonFile, data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// agree fails t unless the JSON Feed holds the record's entries, in the
// same order, with the same titles, texts and links.
func (b *backend) agree(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(b.dir, atomPath)); errors.Is(err, fs.ErrNotExist) {
		return
	}
	type row struct{ ID, Title, Summary, URL string }
	var fromAtom, fromJSON []row
	for _, e := range readAtom(t, filepath.Join(b.dir, atomPath)).Entries {
		fromAtom = append(fromAtom, row{e.ID, e.Title.Body, e.Summary.Body, e.alternate()})
	}
	for _, it := range readJSONFeed(t, filepath.Join(b.dir, jsonPath)).Items {
		fromJSON = append(fromJSON, row{it.ID, it.Title, it.Summary, it.URL})
	}
	if diff := cmp.Diff(fromAtom, fromJSON); diff != "" {
		t.Errorf("the JSON Feed disagrees with the Atom file (-atom +json):\n%s", diff)
	}
}

// noNetwork fails any request: the feed must never reach the network.
type noNetwork struct{ t *testing.T }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("feed made a network request: %s %s", r.Method, r.URL)
	return nil, errors.New("no network in feed tests")
}

// feedHarness builds the feed through a registry, as herald apply does,
// on a fresh temporary repository per check.
func feedHarness() platformtest.Harness {
	return platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			dir := t.TempDir()
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { root.Close() })
			b := &backend{t: t, dir: dir, fs: &faultFS{Root: root, record: atomPath}}
			t.Cleanup(func() { b.agree(t) })
			reg := platforms.NewRegistry(map[string]platforms.Constructor{"feed": feed.Constructor(b.fs)})
			pub, err := reg.New(platforms.Settings{
				Account: "blog", Platform: "feed",
				Values: map[string]any{"atom": atomPath, "json": jsonPath, "site_url": "https://example.com",
					"title": "Example", "feed_url": "https://example.com/"},
				Getenv:     func(string) string { return "" },
				HTTPClient: &http.Client{Transport: noNetwork{t}},
				Logger:     env.Logger, Now: env.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return pub, b
		},
		Capabilities: platforms.CapUpdate | platforms.CapDelete | platforms.CapFind,
		// A feed has no replies: a thread is one entry holding every part,
		// which the suite's thread check (one post per part, each replying
		// to the previous) cannot describe.
		MaxParts: 1,
		// Neither Atom nor JSON Feed caps enclosures or attachments.
		MaxMedia: math.MaxInt,
		// The entry's ID comes from the post ID: a second publish replaces
		// the entry the first one wrote.
		Idempotent: true,
		Skip: map[string]string{
			"rate_limited":  "a feed is files written on the local disk: nothing answers 429 with Retry-After (a failed write, NotCreated, is covered by no_duplicate_after_fault)",
			"auth_rejected": "a feed needs no credentials: nothing answers 401 (a failed write, NotCreated, is covered by no_duplicate_after_fault)",
		},
	}
}

func TestConformance(t *testing.T) {
	platformtest.Run(t, feedHarness())
}
