package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// newTestDotGit makes a git directory with one file at rel holding old,
// and returns its filesystem.
func newTestDotGit(t *testing.T, rel, old string) (*dotGitFS, string) {
	t.Helper()
	root := t.TempDir()
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := newDotGitFS(root)
	if err != nil {
		t.Fatal(err)
	}
	return d, path
}

const (
	hashA = "1111111111111111111111111111111111111111"
	hashB = "2222222222222222222222222222222222222222"
)

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestReplacementWritesOnClose(t *testing.T) {
	d, path := newTestDotGit(t, "refs/heads/main", hashA+"\n")
	f, err := d.OpenFile("refs/heads/main", os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	// go-git's setRef reads the old value, truncates, writes.
	old, err := io.ReadAll(f)
	if err != nil || string(old) != hashA+"\n" {
		t.Fatalf("read through the open file = %q, %v; want the old ref", old, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(hashB[:20])); err != nil {
		t.Fatal(err)
	}
	// Half written: the file still holds the old ref, and git is not
	// locked out: the lock is taken only for the rename.
	if got := readString(t, path); got != hashA+"\n" {
		t.Errorf("file during the write = %q, want the old ref", got)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("a lock file exists while writing: %v", err)
	}
	if _, err := f.Write([]byte(hashB[20:] + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != hashB+"\n" {
		t.Errorf("file after Close = %q, want the new ref", got)
	}
	assertNoLeftovers(t, d.root)
}

// assertNoLeftovers checks that nothing is left of a write: no lock file
// and nothing in herald's tmp directory.
func assertNoLeftovers(t *testing.T, root string) {
	t.Helper()
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".lock") {
			t.Errorf("lock file left: %s", p)
		}
		return nil
	})
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(tmpDir)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("temporary file left: %s", e.Name())
	}
}

// TestReplacementKilledBeforeRename stops a write at each point before the
// rename, as a kill would (the process gets no further): the file keeps
// its old content, and the next run removes what was left, proving a
// lock its own.
func TestReplacementKilledBeforeRename(t *testing.T) {
	for _, stop := range []string{"after writes", "after stage", "after lock"} {
		t.Run(stop, func(t *testing.T) {
			d, path := newTestDotGit(t, "index", "old index")
			f, err := d.Create("index")
			if err != nil {
				t.Fatal(err)
			}
			r := f.(*replacement)
			idx := &index.Index{Version: 2}
			idx.Add("a.md").Hash = plumbing.NewHash(hashA)
			var buf bytes.Buffer
			if err := index.NewEncoder(&buf).Encode(idx); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Write(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
			if stop != "after writes" {
				if err := r.stage(true); err != nil {
					t.Fatal(err)
				}
			}
			if stop == "after lock" {
				if err := r.lock(); err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(path + ".lock"); err != nil {
					t.Fatalf("no lock: %v", err)
				}
			}
			// The process dies here.
			if got := readString(t, path); got != "old index" {
				t.Errorf("index after the kill = %q, want the old one", got)
			}
			var logs bytes.Buffer
			if err := cleanStale(d.root, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
				t.Fatal(err)
			}
			if got := readString(t, path); got != "old index" {
				t.Errorf("index after the cleanup = %q, want the old one", got)
			}
			assertNoLeftovers(t, d.root)
			if removed := strings.Contains(logs.String(), "removed a lock file that a killed herald left"); removed != (stop == "after lock") {
				t.Errorf("lock removal logged = %v:\n%s", removed, logs.String())
			}
		})
	}
}

// TestReplacementChangedMeanwhile: a file another process replaced
// between go-git's read and its write is not overwritten.
func TestReplacementChangedMeanwhile(t *testing.T) {
	d, path := newTestDotGit(t, "refs/heads/main", hashA+"\n")
	f, err := d.OpenFile("refs/heads/main", os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(hashB+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = f.Truncate(0)
	if _, err := f.Write([]byte("3333333333333333333333333333333333333333\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); !errors.Is(err, ErrChangedMeanwhile) {
		t.Errorf("Close() = %v, want ErrChangedMeanwhile", err)
	}
	if got := readString(t, path); got != hashB+"\n" {
		t.Errorf("ref = %q, want the other writer's", got)
	}
	assertNoLeftovers(t, d.root)
}

// TestCleanStaleKeepsOthersLocks: a lock file that is not a hard link of a
// file in herald's tmp directory was made by someone else (a running git)
// and stays; a write meanwhile says how to remove it.
func TestCleanStaleKeepsOthersLocks(t *testing.T) {
	d, path := newTestDotGit(t, "index", "old index")
	if err := os.WriteFile(path+".lock", []byte("git's"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A stale temporary file herald left, linked to nothing.
	if err := os.WriteFile(filepath.Join(d.root, filepath.FromSlash(tmpDir), lockPrefix+"index.123"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cleanStale(d.root, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path+".lock"); got != "git's" {
		t.Errorf("someone else's lock = %q, want it kept", got)
	}
	start := time.Now()
	f, err := d.Create("index")
	if err != nil {
		t.Fatal(err)
	}
	idx := &index.Index{Version: 2}
	var buf bytes.Buffer
	if err := index.NewEncoder(&buf).Encode(idx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	err = f.Close()
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Close() under another's lock: %v, want a LockedError", err)
	}
	if time.Since(start) < lockWait/2 {
		t.Errorf("gave up after %s, want a wait of about %s", time.Since(start), lockWait)
	}
	want := "rm " + path + ".lock"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if got := readString(t, path); got != "old index" {
		t.Errorf("index = %q, want it untouched", got)
	}
}

// TestReplacementRefusesTornContent: a writer that fails half way (go-git
// closes the file in a defer whatever happened) never publishes a torn
// index or ref.
func TestReplacementRefusesTornContent(t *testing.T) {
	for _, tt := range []struct{ name, content string }{
		{"index", "DIRC\x00\x00\x00\x02\x00\x00\x00\x01short"},
		{"refs/heads/main", hashB[:17]},
		{"refs/remotes/origin/main", ""},
		{"HEAD", "ref: refs/he"},
		{"packed-refs", "# pack-refs with: peeled\n" + hashA + " refs/heads/main\n" + hashB[:9]},
		{"shallow", hashA + "\n12ab"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, path := newTestDotGit(t, tt.name, "old")
			f, err := d.Create(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write([]byte(tt.content)); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err == nil || !strings.Contains(err.Error(), "refusing to write "+tt.name) {
				t.Errorf("Close() = %v, want a refusal", err)
			}
			if got := readString(t, path); got != "old" {
				t.Errorf("%s = %q, want it untouched", tt.name, got)
			}
			assertNoLeftovers(t, d.root)
		})
	}
}

// TestReplacementConcurrentWrites: writers replace a ref over and over,
// each in small pieces, while readers read it: no reader ever sees
// anything but a whole ref.
func TestReplacementConcurrentWrites(t *testing.T) {
	d, path := newTestDotGit(t, "refs/heads/main", hashA+"\n")
	stop := make(chan struct{})
	var reads, torn atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				data, err := os.ReadFile(path)
				reads.Add(1)
				if err != nil || refContent(data) == "" {
					torn.Add(1)
					t.Errorf("read %q, %v: not a whole ref", data, err)
					return
				}
			}
		}()
	}
	var writes atomic.Int64
	var werr sync.Once
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				for {
					f, err := d.OpenFile("refs/heads/main", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
					if err != nil {
						werr.Do(func() { t.Errorf("open: %v", err) })
						return
					}
					content := fmt.Sprintf("%040x\n", w*1000+i)
					for j := 0; j < len(content); j += 7 {
						if _, err := f.Write([]byte(content[j:min(j+7, len(content))])); err != nil {
							t.Error(err)
						}
					}
					err = f.Close()
					var le *LockedError
					if errors.As(err, &le) {
						// Four writers on a busy machine can starve one.
						continue
					}
					if err != nil {
						werr.Do(func() { t.Errorf("close: %v", err) })
						return
					}
					break
				}
				writes.Add(1)
			}
		}()
	}
	time.Sleep(10 * time.Millisecond)
	for writes.Load() < 200 && !t.Failed() {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if torn.Load() > 0 {
		t.Errorf("%d of %d reads saw a torn ref", torn.Load(), reads.Load())
	}
	if writes.Load() != 200 {
		t.Errorf("%d writes done, want 200", writes.Load())
	}
	assertNoLeftovers(t, d.root)
	t.Logf("%d writes, %d reads, none torn", writes.Load(), reads.Load())
}

// TestTempFileInHeraldDir: go-git's temporary files (objects, packs,
// packed-refs) are made in herald's tmp directory and renamed into place
// through the filesystem.
func TestTempFileInHeraldDir(t *testing.T) {
	d, _ := newTestDotGit(t, "packed-refs", "")
	f, err := d.TempFile("objects/pack", "tmp_pack_")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.Name(), tmpDir+"/tmp.tmp_pack_.") {
		t.Errorf("temporary file %q is not in %s", f.Name(), tmpDir)
	}
	if _, err := f.Write([]byte("PACK")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Rename(f.Name(), "objects/pack/pack-1.pack"); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, filepath.Join(d.root, "objects/pack/pack-1.pack")); got != "PACK" {
		t.Errorf("renamed file = %q", got)
	}
	assertNoLeftovers(t, d.root)
}

func TestIsLooseObject(t *testing.T) {
	for name, want := range map[string]bool{
		"objects/ab/" + hashA[2:]: true,
		"objects/pack/pack-1.idx": false,
		"refs/heads/main":         false,
		"objects/ab/cd":           false,
	} {
		if got := isLooseObject(name); got != want {
			t.Errorf("isLooseObject(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRenameOverPackedRefs: go-git rewrites packed-refs by renaming a
// temporary file over it; that takes git's lock like any other write.
func TestRenameOverPackedRefs(t *testing.T) {
	d, path := newTestDotGit(t, "packed-refs", "# old\n")
	write := func() error {
		f, err := d.TempFile("", "packed-refs")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("# new\n")); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return d.Rename(f.Name(), "packed-refs")
	}
	if err := os.WriteFile(path+".lock", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if err := write(); !errors.As(err, &le) {
		t.Errorf("Rename() under git's lock = %v, want a LockedError", err)
	}
	if got := readString(t, path); got != "# old\n" {
		t.Errorf("packed-refs = %q, want it untouched", got)
	}
	if err := os.Remove(path + ".lock"); err != nil {
		t.Fatal(err)
	}
	if err := write(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "# new\n" {
		t.Errorf("packed-refs = %q", got)
	}
	assertNoLeftovers(t, d.root)
}
