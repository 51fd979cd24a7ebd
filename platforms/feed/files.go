package feed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms"
)

// WriteFS is the part of the content repository's file system the feed
// needs: read a feed file, write a temporary one beside it, rename it into
// place, and clean up. *os.Root satisfies it, and its methods refuse any
// path that leaves the root, symbolic links included; tests wrap it to
// inject failures.
type WriteFS interface {
	ReadFile(name string) ([]byte, error)
	WriteFile(name string, data []byte, perm fs.FileMode) error
	Rename(oldname, newname string) error
	Remove(name string) error
	MkdirAll(name string, perm fs.FileMode) error
}

var _ WriteFS = (*os.Root)(nil)

// ErrNoRoot is what every call returns on a feed built without a
// repository root (New, for plan and preview): it cannot read or write
// its files.
var ErrNoRoot = errors.New("feed built without a repository root: register feed.Constructor(root)")

// tmpSuffix names the temporary file written beside each feed file before
// it is renamed into place. Its name is fixed, so that a file left by a
// crash is overwritten by the next write rather than piling up.
const tmpSuffix = ".herald-tmp"

// file is one configured feed file and how to read and write it.
type file struct {
	path   string
	decode func([]byte) ([]entry, error)
	encode func(es []entry, now time.Time) ([]byte, error)
}

// files returns the configured files, the record (Atom when configured)
// last: it is renamed into place last, so a write that reached it reached
// every file.
func (f *Feed) files() []file {
	var out []file
	if f.jsonPath != "" {
		out = append(out, file{path: f.jsonPath, decode: decodeJSON,
			encode: func(es []entry, _ time.Time) ([]byte, error) { return f.encodeJSON(es) }})
	}
	if f.atomPath != "" {
		out = append(out, file{path: f.atomPath, decode: decodeAtom, encode: f.encodeAtom})
	}
	return out
}

// load reads and parses every configured file and returns the record's
// entries. A missing file is an empty feed; a file that does not parse is
// an error naming it, even when it is not the record, because the next
// write would replace it.
func (f *Feed) load() ([]entry, error) {
	es, _, err := f.read()
	return es, err
}

// read is load that also returns the bytes of each file that exists, by
// path.
func (f *Feed) read() ([]entry, map[string][]byte, error) {
	if f.root == nil {
		return nil, nil, ErrNoRoot
	}
	var record []entry
	raw := map[string][]byte{}
	for _, fl := range f.files() {
		data, err := f.root.ReadFile(fl.path)
		var es []entry
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, nil, fmt.Errorf("read %s: %w", fl.path, err)
		default:
			if es, err = fl.parse(data); err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", fl.path, err)
			}
			raw[fl.path] = data
		}
		record = es
	}
	return record, raw, nil
}

// parse decodes a file's content and refuses an entry ID that appears
// twice.
func (fl file) parse(data []byte) ([]entry, error) {
	es, err := fl.decode(data)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, e := range es {
		if ids[e.ID] {
			return nil, fmt.Errorf("entry %s appears twice", e.ID)
		}
		ids[e.ID] = true
	}
	return es, nil
}

// stageFile hands a file's final content to the Stage option, if any.
func (f *Feed) stageFile(fl file, data []byte) error {
	if f.stage == nil {
		return nil
	}
	if err := f.stage(fl.path, data, f.merger(fl)); err != nil {
		return fmt.Errorf("stage %s: %w", fl.path, err)
	}
	return nil
}

// change is one read-modify-write of the feed files under the feed's
// lock. edit returns the new entries and whether anything changed; the
// entries are then sorted, trimmed to max_entries and written to every
// file atomically: each to a temporary file first, then renamed into
// place, the record last.
//
// A failure before the first rename leaves every file as it was: the
// error is an *platforms.APIError with Outcome NotCreated. A failure from
// the first rename on is Outcome Unknown: Find reads the record and says
// whether the write landed.
func (f *Feed) change(ctx context.Context, edit func([]entry, time.Time) ([]entry, bool, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return f.fail(platforms.NotCreated, err)
	}
	now := f.now().UTC().Truncate(time.Second)
	es, err := f.load()
	if err != nil {
		return f.fail(platforms.NotCreated, err)
	}
	es, changed, err := edit(es, now)
	if err != nil {
		return f.fail(platforms.NotCreated, err)
	}
	if !changed {
		return nil
	}
	sortEntries(es)
	if len(es) > f.maxEntries {
		es = es[:f.maxEntries]
	}
	files := f.files()
	var written []string
	var contents [][]byte
	cleanup := func() {
		for _, name := range written {
			_ = f.root.Remove(name)
		}
	}
	for _, fl := range files {
		data, err := fl.encode(es, now)
		if err != nil {
			cleanup()
			return f.fail(platforms.NotCreated, err)
		}
		if dir := path.Dir(fl.path); dir != "." {
			if err := f.root.MkdirAll(dir, 0o755); err != nil {
				cleanup()
				return f.fail(platforms.NotCreated, fmt.Errorf("create %s: %w", dir, err))
			}
		}
		tmp := fl.path + tmpSuffix
		if err := f.root.WriteFile(tmp, data, 0o644); err != nil {
			_ = f.root.Remove(tmp)
			cleanup()
			return f.fail(platforms.NotCreated, fmt.Errorf("write %s: %w", tmp, err))
		}
		written = append(written, tmp)
		contents = append(contents, data)
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return f.fail(platforms.NotCreated, err)
	}
	for i, fl := range files {
		if err := f.root.Rename(written[i], fl.path); err != nil {
			cleanup()
			return f.fail(platforms.Unknown, fmt.Errorf("replace %s: %w", fl.path, err))
		}
	}
	// Every file is in place: stage what it now holds. A file that cannot
	// be staged is written but would not be committed, which only a look
	// at the files can settle: Unknown.
	for i, fl := range files {
		if err := f.stageFile(fl, contents[i]); err != nil {
			return f.fail(platforms.Unknown, err)
		}
	}
	return nil
}

// fail wraps err as the platform error the reconciler reads: whether
// anything was written. A file error is not retryable within a run: a
// full disk or a bad permission needs a human or a later run.
func (f *Feed) fail(o platforms.Outcome, err error) error {
	return &platforms.APIError{Platform: Name, Outcome: o, Err: err}
}

// locker is the lock shared by the feeds that one Constructor builds, so
// that two accounts writing to one repository take turns.
type locker struct{ sync.Mutex }
