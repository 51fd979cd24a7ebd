package feed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms"
)

// Name is the platform's name in configuration and the registry.
const Name = "feed"

// DefaultMaxEntries is how many entries the files keep when max_entries is
// not set: enough for any reader polling daily, small enough to fetch.
const DefaultMaxEntries = 50

// Feed is one `feed` account: an Atom file, a JSON Feed file or both in
// the content repository. It publishes a post by adding its entry, and
// keeps its state in the files themselves, which it parses on every call.
type Feed struct {
	root       WriteFS
	stage      StageFunc
	mu         *locker
	now        func() time.Time
	atomPath   string
	jsonPath   string
	title      string
	author     string
	site       *url.URL // nil when site_url is not set
	feedURL    *url.URL // nil when feed_url is not set
	feedID     string
	maxEntries int
}

var (
	_ platforms.Publisher = (*Feed)(nil)
	_ platforms.Updater   = (*Feed)(nil)
	_ platforms.Deleter   = (*Feed)(nil)
	_ platforms.Finder    = (*Feed)(nil)
)

// Options are what a feed needs from the program besides its account's
// settings. They are not configuration a user writes, which is why they
// are not read from Settings.Values.
type Options struct {
	// Root is the content repository's root, where the files are read and
	// written; pass the repository's *os.Root. Nil builds a feed that can
	// be planned but returns ErrNoRoot from every call.
	Root WriteFS
	// Stage, when set, is given the final content of every file the feed
	// writes, and of its files as read when Find finds an entry, with
	// the function that merges the file with another run's version by
	// entry. herald apply passes the state store's PutFile, so that the
	// files are committed with the results that describe them and merged
	// when runs race. Nil stages nothing.
	Stage StageFunc

	mu *locker
}

// StageFunc hands a feed file to whatever commits it: its path relative
// to the repository root, its final content, and merge, which combines
// three versions of it (base, ours, theirs; nil for a missing one) by
// entry. Its signature matches state.Store.PutFile, without the import.
type StageFunc func(path string, data []byte, merge func(base, ours, theirs []byte) ([]byte, error)) error

// New is the feed's platforms.Constructor without a repository root, for
// commands that never write (plan, preview, validate): it checks the
// settings and reports the capabilities, and every call returns ErrNoRoot.
// herald apply registers Constructor(root) instead.
func New(s platforms.Settings) (platforms.Publisher, error) {
	return NewWith(s, Options{})
}

// Constructor returns the platforms.Constructor that builds feeds writing
// into root, the content repository the reconciler commits. Feeds built by
// one Constructor share a lock, so that the reconciler's concurrent calls
// on two accounts never interleave their writes.
func Constructor(root WriteFS) platforms.Constructor {
	return ConstructorWith(Options{Root: root})
}

// ConstructorWith is Constructor with every option: herald apply passes
// the root and a Stage that puts the files in the state store. Feeds built
// by one ConstructorWith share a lock.
func ConstructorWith(opts Options) platforms.Constructor {
	opts.mu = &locker{}
	return func(s platforms.Settings) (platforms.Publisher, error) {
		return NewWith(s, opts)
	}
}

// NewWith builds a feed from an account's settings and the program's
// options. It checks the settings and does no I/O.
func NewWith(s platforms.Settings, opts Options) (*Feed, error) {
	f := &Feed{root: opts.Root, stage: opts.Stage, mu: opts.mu, now: s.Now, maxEntries: DefaultMaxEntries}
	if f.mu == nil {
		f.mu = &locker{}
	}
	if f.now == nil {
		return nil, errors.New("settings lack Now")
	}
	var err error
	if f.atomPath, err = repoPath(s, "atom"); err != nil {
		return nil, err
	}
	if f.jsonPath, err = repoPath(s, "json"); err != nil {
		return nil, err
	}
	switch {
	case f.atomPath == "" && f.jsonPath == "":
		return nil, errors.New("set atom, json or both to the path of a feed file in the repository")
	case f.atomPath == f.jsonPath:
		return nil, fmt.Errorf("atom and json are both %s: give each format its own file", f.atomPath)
	}
	if f.site, err = absURL(s, "site_url"); err != nil {
		return nil, err
	}
	if f.feedURL, err = absURL(s, "feed_url"); err != nil {
		return nil, err
	}
	if v, ok := s.Values["max_entries"]; ok {
		if f.maxEntries, err = positiveInt(v); err != nil {
			return nil, fmt.Errorf("setting max_entries: %w", err)
		}
	}
	host := ""
	if f.site != nil {
		host = f.site.Hostname()
	}
	f.title = cmp.Or(s.String("title"), host, s.Account, Name)
	f.author = cmp.Or(s.String("author"), f.title)
	if host != "" {
		f.feedID = "tag:" + host + "," + tagYear + ":feed/" + url.PathEscape(s.Account)
	} else {
		f.feedID = "urn:herald:feed/" + url.PathEscape(s.Account)
	}
	return f, nil
}

// repoPath reads setting key as a slash-separated path relative to the
// repository root that stays inside it.
func repoPath(s platforms.Settings, key string) (string, error) {
	v, ok := s.Values[key]
	if !ok {
		return "", nil
	}
	p, _ := v.(string)
	switch {
	case p == "":
		return "", fmt.Errorf("setting %s: want the path of a file in the repository", key)
	case strings.Contains(p, `\`):
		return "", fmt.Errorf("setting %s: %q: write paths with forward slashes", key, p)
	case strings.HasSuffix(p, "/"):
		return "", fmt.Errorf("setting %s: %q names a directory, want a file", key, p)
	}
	clean := path.Clean(p)
	if path.IsAbs(p) || !filepath.IsLocal(filepath.FromSlash(clean)) || clean == "." {
		return "", fmt.Errorf("setting %s: %q leaves the repository: want a path relative to its root, inside it", key, p)
	}
	if first, _, _ := strings.Cut(clean, "/"); strings.EqualFold(first, ".git") || clean == ".herald/state" || strings.HasPrefix(clean, ".herald/state/") {
		return "", fmt.Errorf("setting %s: %q is where git or herald's state lives: put the feed elsewhere", key, p)
	}
	return clean, nil
}

// absURL reads setting key as an absolute http or https URL; absent is nil.
func absURL(s platforms.Settings, key string) (*url.URL, error) {
	v := s.String(key)
	if v == "" {
		if _, ok := s.Values[key]; ok {
			return nil, fmt.Errorf("setting %s: want an http or https URL", key)
		}
		return nil, nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("setting %s: %q is not an absolute http or https URL", key, v)
	}
	return u, nil
}

// positiveInt reads a whole number as configuration decoders give it.
func positiveInt(v any) (int, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt32 {
			return 0, fmt.Errorf("%d is too large", x)
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt32 {
			return 0, fmt.Errorf("%v is not a whole number", x)
		}
		n = int64(x)
	default:
		return 0, fmt.Errorf("%v is not a number", v)
	}
	if n < 1 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%d is out of range: want at least 1", n)
	}
	return int(n), nil
}

// selfURL is where the file at repoPath is served: its base name resolved
// against feed_url (RFC 3986), so that feed_url may name the directory the
// files are served from or either file. "" without feed_url.
func (f *Feed) selfURL(repoPath string) string {
	if f.feedURL == nil || repoPath == "" {
		return ""
	}
	return f.feedURL.ResolveReference(&url.URL{Path: path.Base(repoPath)}).String()
}

// Name returns "feed".
func (f *Feed) Name() string { return Name }

// id is the entry ID of p's post.
func (f *Feed) id(postID string) string {
	host := ""
	if f.site != nil {
		host = f.site.Hostname()
	}
	return entryID(host, postID)
}

func (f *Feed) receipt(e entry) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, IDs: []string{e.ID}, PublishedAt: e.Published}
	if e.Link != "" {
		r.URLs = []string{e.Link}
	}
	return r
}

// Publish adds p's entry to the feed files, or replaces it when the post
// is there already (a retry), keeping its published time. The entry's ID
// comes from the post ID, so publishing a post twice leaves one entry
// whatever the attempt key.
func (f *Feed) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	e, err := f.put(ctx, f.id(p.PostID), time.Time{}, p)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", p.PostID, err)
	}
	return f.receipt(e), nil
}

// Update replaces the entry r names with p's, keeping its published time.
// An entry no longer in the files (trimmed by max_entries, or removed by
// hand) is written again with the receipt's published time, so that an old
// post stays as old as it is.
func (f *Feed) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	id := f.id(p.PostID)
	if len(r.IDs) > 0 && r.IDs[0] != "" {
		id = r.IDs[0]
	}
	e, err := f.put(ctx, id, r.PublishedAt, p)
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", p.PostID, err)
	}
	return f.receipt(e), nil
}

// put writes p's entry under id. The published time is the existing
// entry's, else published when set, else now.
func (f *Feed) put(ctx context.Context, id string, published time.Time, p *platforms.Payload) (entry, error) {
	var out entry
	err := f.change(ctx, func(es []entry, now time.Time) ([]entry, bool, error) {
		e, err := f.newEntry(p, id, now)
		if err != nil {
			return nil, false, err
		}
		if !published.IsZero() {
			e.Published = published.UTC().Truncate(time.Second)
		}
		if i := find(es, id); i >= 0 {
			e.Published = es[i].Published
			es[i] = e
		} else {
			es = append(es, e)
		}
		out = e
		return es, true, nil
	})
	return out, err
}

// Delete removes the entries r names. Entries that are not there are not
// an error: a delete that is retried, or of a post trimmed from the
// files, has nothing left to do.
func (f *Feed) Delete(ctx context.Context, r *platforms.Receipt) error {
	err := f.change(ctx, func(es []entry, _ time.Time) ([]entry, bool, error) {
		n := len(es)
		es = slices.DeleteFunc(es, func(e entry) bool { return slices.Contains(r.IDs, e.ID) })
		return es, len(es) != n, nil
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", strings.Join(r.IDs, ", "), err)
	}
	return nil
}

// Find looks p's entry up in the record (the Atom file when configured)
// by post ID; the attempt key plays no part, since the ID alone makes an
// entry. Not there is ErrNotFound: the write did not land, and publishing
// again is safe. A file that cannot be read is an error that cannot tell.
func (f *Feed) Find(ctx context.Context, p *platforms.Payload, _ platforms.Attempt) (*platforms.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("find %s: %w", p.PostID, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	es, raw, err := f.read()
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", p.PostID, err)
	}
	id := f.id(p.PostID)
	i := find(es, id)
	if i < 0 {
		return nil, fmt.Errorf("find %s: entry %s: %w", p.PostID, id, platforms.ErrNotFound)
	}
	// The entry may be there because a run wrote it and died before
	// committing: the record about to say published must travel with
	// the files that show it. Files as committed stage as no change.
	for _, fl := range f.files() {
		if data, ok := raw[fl.path]; ok {
			if err := f.stageFile(fl, data); err != nil {
				return nil, fmt.Errorf("find %s: %w", p.PostID, err)
			}
		}
	}
	return f.receipt(es[i]), nil
}
