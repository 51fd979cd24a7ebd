package substack_test

import (
	"html"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/substack"
)

// faultFS is the repository's *os.Root with the suite's faults turned into
// what can go wrong on a disk: a fault that surely writes nothing (429,
// 401, 500) becomes a failed write of a temporary file; an
// accept-then-timeout a rename of draft.html that lands and still fails.
type faultFS struct {
	*os.Root

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
	if path.Base(newname) == substack.DraftFile && f.take(platformtest.AcceptThenTimeout) {
		if err := f.Root.Rename(oldname, newname); err != nil {
			return err
		}
		return &fs.PathError{Op: "rename", Path: newname, Err: syscall.EIO}
	}
	return f.Root.Rename(oldname, newname)
}

// backend reads the drafts folder back with this test's own parsing: each
// draft.html is a post, its article between the body markers its text,
// its figures its media, read from the files beside it.
type backend struct {
	t      *testing.T
	dir    string
	fs     *faultFS
	staged map[string][]byte
	mu     sync.Mutex
}

func (b *backend) Inject(fault platformtest.Fault) {
	b.fs.mu.Lock()
	defer b.fs.mu.Unlock()
	b.fs.fault = fault.Kind
}

var (
	bodyRE   = regexp.MustCompile(`(?s)<!-- herald:body -->\n(.*)<!-- /herald:body -->`)
	figureRE = regexp.MustCompile(`<figure><img src="([^"]*)" alt="([^"]*)"></figure>`)
)

func (b *backend) Posts() []platformtest.Post {
	b.t.Helper()
	var posts []platformtest.Post
	root := filepath.Join(b.dir, "drafts", "substack")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != substack.DraftFile {
			return nil
		}
		page, err := os.ReadFile(p)
		if err != nil {
			b.t.Fatal(err)
		}
		rel, _ := filepath.Rel(b.dir, filepath.Dir(p))
		post := platformtest.Post{ID: filepath.ToSlash(rel)}
		if m := bodyRE.FindSubmatch(page); m != nil {
			post.Text = string(m[1])
		}
		for _, m := range figureRE.FindAllSubmatch(page, -1) {
			name, _ := url.PathUnescape(html.UnescapeString(string(m[1])))
			data, err := os.ReadFile(filepath.Join(filepath.Dir(p), name))
			if err != nil {
				b.t.Errorf("draft %s shows %s, which is not beside it: %v", rel, name, err)
			}
			typ := "image/png"
			if !strings.HasSuffix(name, ".png") {
				typ = "application/octet-stream"
			}
			post.Media = append(post.Media, platformtest.MediaItem{ID: name, Type: typ, Alt: html.UnescapeString(string(m[2])), Data: data})
		}
		posts = append(posts, post)
		return nil
	})
	return posts
}

func (b *backend) RemoveRemotely(id string) {
	if err := os.RemoveAll(filepath.Join(b.dir, filepath.FromSlash(id))); err != nil {
		b.t.Fatal(err)
	}
}

func newBackend(t *testing.T, now func() time.Time, values map[string]any) (*substack.Substack, *backend) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	b := &backend{t: t, dir: dir, fs: &faultFS{Root: root}, staged: map[string][]byte{}}
	stage := func(p string, data []byte, merge func(base, ours, theirs []byte) ([]byte, error)) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.staged[p] = data
		return nil
	}
	sub, err := substack.NewWith(platforms.Settings{Account: "newsletter", Platform: substack.Name, Values: values, Now: now},
		substack.Options{Root: b.fs, Stage: stage})
	if err != nil {
		t.Fatal(err)
	}
	return sub, b
}

func TestConformance(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			return newBackend(t, env.Now, nil)
		},
		// The draft is the post; a person publishes it. Find reads it
		// back; there is nothing to edit, delete or count through herald.
		Capabilities: platforms.CapPrepare | platforms.CapFind,
		MaxParts:     1,
		MaxMedia:     20,
		// Writing a post's draft again replaces its files: one draft.
		Idempotent: true,
		Skip: map[string]string{
			"rate_limited":  "a draft is files written on the local disk: nothing answers 429 (a failed write, NotCreated, is covered by no_duplicate_after_fault)",
			"auth_rejected": "a draft needs no credentials: nothing answers 401 (a failed write, NotCreated, is covered by no_duplicate_after_fault)",
		},
	})
}
