package schema

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gitfs"
)

func TestWalk(t *testing.T) {
	fsys := fstest.MapFS{
		"posts/b.md":             {Data: []byte("x")},
		"posts/a.md":             {Data: []byte("x")},
		"posts/2026/launch.md":   {Data: []byte("x")},
		"posts/2026/hero.png":    {Data: pngBytes},
		"posts/.hidden/x.md":     {Data: []byte("x")},
		"posts/.draft.md":        {Data: []byte("x")},
		"posts/_drafts/d.md":     {Data: []byte("x")},
		"posts/notes.txt":        {Data: []byte("x")},
		"posts/README.markdown":  {Data: []byte("x")},
		"other/outside.md":       {Data: []byte("x")},
		"posts/2026/12/later.md": {Data: []byte("x")},
		"notadir":                {Data: []byte("x")},
	}
	collect := func(cfg *Config) ([]string, error) {
		var got []string
		err := Walk(t.Context(), fsys, cfg, func(file string) error {
			got = append(got, file)
			return nil
		})
		return got, err
	}

	t.Run("posts in walk order", func(t *testing.T) {
		got, err := collect(&Config{Content: "posts"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"posts/2026/12/later.md", "posts/2026/launch.md", "posts/_drafts/d.md", "posts/a.md", "posts/b.md"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
	})
	t.Run("content at the root", func(t *testing.T) {
		got, err := collect(&Config{Content: ""})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 6 || got[0] != "other/outside.md" {
			t.Errorf("files = %v", got)
		}
	})
	t.Run("missing content directory", func(t *testing.T) {
		_, err := collect(&Config{Content: "content", File: "herald.cue"})
		want := &Error{File: "content", Severity: SeverityError,
			Message: `content directory "content" does not exist; create it or set content in herald.cue`}
		var got *Error
		if !errors.As(err, &got) {
			t.Fatalf("error = %v, want an *Error", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
	t.Run("content is a file", func(t *testing.T) {
		_, err := collect(&Config{Content: "notadir"})
		if err == nil || err.Error() != `notadir: content directory "notadir" is not a directory; set content in herald.yaml` {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("callback error stops the walk", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := Walk(t.Context(), fsys, &Config{Content: "posts"}, func(string) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("err = %v after %d calls", err, n)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := Walk(ctx, fsys, &Config{Content: "posts"}, func(string) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// statOnlyFS refuses to open anything, to prove a check needs only Stat.
type statOnlyFS struct{ fstest.MapFS }

func (f statOnlyFS) Open(name string) (fs.File, error) {
	return nil, errors.New("opened " + name)
}

func (f statOnlyFS) Stat(name string) (fs.FileInfo, error) { return f.MapFS.Stat(name) }

func TestLoadPost(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	fsys := fstest.MapFS{
		"posts/ok.md":      {Data: []byte("---\ntitle: Hi\nmedia:\n  - {file: hero.png, alt: A chart}\n---\nBody\n")},
		"posts/hero.png":   {Data: pngBytes},
		"posts/bad.md":     {Data: []byte("---\ntitle: Hi\nto: [linkdin]\nmedia:\n  - {file: nope.png}\n---\nBody\n")},
		"posts/big.md":     {Data: []byte(big)},
		"posts/binary.md":  {Data: pngBytes},
		"posts/dir.md/x":   {Data: []byte("x")},
		"posts/limit.md":   {Data: []byte("---\ntitle: x\n---\n" + strings.Repeat("y", MaxPostSize-17))},
		"posts/broken.md":  {Data: []byte("---\ntitle: [\n---\n")},
		"posts/pipe.md":    {Data: []byte("x"), Mode: fs.ModeNamedPipe},
		"posts/hello.md":   {Data: []byte("---\ntitle: Hi\n---\nBody\n")},
		"posts/nomedia.md": {Data: []byte("---\ntitle: Hi\n---\nBody\n")},
	}
	fileErr := func(file, msg string) Errors {
		return Errors{{File: file, Message: msg, Severity: SeverityError}}
	}
	tests := []struct {
		name     string
		fsys     fs.FS
		file     string
		want     Errors
		wantPost bool
	}{
		{name: "post with media", fsys: fsys, file: "posts/ok.md", wantPost: true},
		{name: "post at the size limit", fsys: fsys, file: "posts/limit.md", wantPost: true},
		{
			name: "findings from parsing and media together", fsys: fsys, file: "posts/bad.md", wantPost: true,
			want: Errors{
				{File: "posts/bad.md", Line: 3, Column: 6, Field: "to.0", Severity: SeverityError,
					Message: `unknown target "linkdin" (did you mean "linkedin"?); accounts: bluesky, linkedin, linkedin:company, mastodon, x`},
				{File: "posts/bad.md", Line: 5, Column: 5, Field: "media.0.alt", Severity: SeverityError,
					Message: "alt text is required: describe the image for people who cannot see it"},
				{File: "posts/bad.md", Line: 5, Column: 6, Field: "media.0.file", Severity: SeverityError,
					Message: `no such file "nope.png" (looked for posts/nope.png)`},
			},
		},
		{name: "10 MiB file, never opened", fsys: statOnlyFS{fsys}, file: "posts/big.md", want: fileErr("posts/big.md", "post is 10.0 MiB; the limit is 1 MiB")},
		{name: "binary file named .md", fsys: fsys, file: "posts/binary.md", want: fileErr("posts/binary.md", "not a text file: a post is Markdown saved as UTF-8")},
		{name: "directory named .md", fsys: fsys, file: "posts/dir.md", want: fileErr("posts/dir.md", "is a directory, not a post")},
		{name: "named pipe", fsys: statOnlyFS{fsys}, file: "posts/pipe.md", want: fileErr("posts/pipe.md", "not a regular file")},
		{name: "missing", fsys: fsys, file: "posts/gone.md", want: fileErr("posts/gone.md", "no such file")},
		{
			name: "malformed", fsys: fsys, file: "posts/broken.md",
			want: Errors{{File: "posts/broken.md", Line: 3, Severity: SeverityError, Message: "malformed YAML: did not find expected node content"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := LoadPost(tt.fsys, testConfig(), tt.file)
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if (p != nil) != tt.wantPost {
				t.Fatalf("post returned = %v, want %v", p != nil, tt.wantPost)
			}
		})
	}
	t.Run("media hash is folded in", func(t *testing.T) {
		withMedia, _ := LoadPost(fsys, testConfig(), "posts/ok.md")
		parsed, _ := ParsePost(testConfig(), "posts/ok.md", fsys["posts/ok.md"].Data)
		if withMedia.Media[0].Hash != sha(pngBytes) || withMedia.Hash != FoldMediaHashes(parsed.Hash, withMedia.Media) {
			t.Errorf("media %+v, hash %s", withMedia.Media[0], withMedia.Hash)
		}
		a, _ := LoadPost(fsys, testConfig(), "posts/hello.md")
		b, _ := LoadPost(fsys, testConfig(), "posts/nomedia.md")
		if a.Hash != b.Hash || a.ID == b.ID {
			t.Errorf("same content under two names: hashes %s, %s; ids %s, %s", a.Hash, b.Hash, a.ID, b.ID)
		}
	})
}

// TestLoadPostSymlinks uses a real directory, through os.OpenRoot and
// through its commit (internal/gitfs): both refuse a link out.
func TestLoadPostSymlinks(t *testing.T) {
	dir := t.TempDir()
	post := []byte("---\ntitle: Hi\n---\nBody\n")
	for name, data := range map[string][]byte{"outside.md": post, "repo/posts/real.md": post} {
		full := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../../outside.md", filepath.Join(dir, "repo/posts/evil.md")); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	if err := os.Symlink("real.md", filepath.Join(dir, "repo/posts/alias.md")); err != nil {
		t.Fatal(err)
	}
	for name, fsys := range repoFS(t, filepath.Join(dir, "repo")) {
		t.Run(name, func(t *testing.T) {
			_, errs := LoadPost(fsys, testConfig(), "posts/evil.md")
			want := Errors{{File: "posts/evil.md", Severity: SeverityError, Message: "the post is a link that leaves the repository"}}
			if diff := cmp.Diff(want, errs); diff != "" {
				t.Errorf("link out (-want +got):\n%s", diff)
			}
			p, errs := LoadPost(fsys, testConfig(), "posts/alias.md")
			if len(errs) != 0 || p == nil || p.ID != "alias" || p.Title != "Hi" {
				t.Errorf("link inside: post %+v, findings %v", p, errs)
			}

			var files []string
			err := Walk(t.Context(), fsys, testConfig(), func(file string) error {
				files = append(files, file)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"posts/alias.md", "posts/evil.md", "posts/real.md"}, files); diff != "" {
				t.Errorf("walk (-want +got):\n%s", diff)
			}
		})
	}
}

// repoFS returns the files of the directory dir as herald reads them: the
// work tree through os.Root, and, once everything in it is committed to a
// new git repository, the commit's tree.
func repoFS(t *testing.T, dir string) map[string]fs.FS {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "posts"}} {
		cmd := exec.CommandContext(t.Context(), "git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=w", "GIT_AUTHOR_EMAIL=w@example.com", "GIT_COMMITTER_NAME=w", "GIT_COMMITTER_EMAIL=w@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, out)
		}
	}
	g, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := g.Head()
	if err != nil {
		t.Fatal(err)
	}
	tree, err := g.FS(h.Commit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return map[string]fs.FS{"os.Root": root.FS(), "commit": tree}
}

func TestIDIndex(t *testing.T) {
	cfg := testConfig()
	parse := func(file, src string) *Post {
		t.Helper()
		p, errs := ParsePost(cfg, file, []byte(src))
		if len(errs) != 0 {
			t.Fatalf("ParsePost(%s): %v", file, errs)
		}
		return p
	}
	var idx IDIndex
	steps := []struct {
		post *Post
		want *Error
	}{
		{post: parse("posts/launch.md", "---\ntitle: a\n---\n")},
		{post: parse("posts/other.md", "---\ntitle: b\nid: launch\n---\n"), want: &Error{
			File: "posts/other.md", Line: 3, Column: 1, Field: "id", Severity: SeverityError,
			Message: `id "launch" is also used by posts/launch.md`,
		}},
		{post: parse("posts/2026/launch.md", "---\nid: launch\n---\n"), want: &Error{
			File: "posts/2026/launch.md", Line: 2, Column: 1, Field: "id", Severity: SeverityError,
			Message: `id "launch" is also used by posts/launch.md`,
		}},
		{post: parse("posts/a.md", "---\nid: 2026/launch\n---\n")},
		{post: parse("posts/2026/launch-2.md", "\n\n---\ntitle: c\n---\n")},
		{post: parse("posts/b.md", "\n\n---\nid: a\n---\n")},
		{post: parse("posts/a.md", "\n---\ntitle: c\n---\n"), want: &Error{
			File: "posts/a.md", Line: 1, Column: 1, Field: "id", Severity: SeverityError,
			Message: `id "a" is also used by posts/b.md`,
		}},
	}
	for i, s := range steps {
		if diff := cmp.Diff(s.want, idx.Add(s.post)); diff != "" {
			t.Errorf("step %d, %s (-want +got):\n%s", i, s.post.File, diff)
		}
	}
	if idx.Len() != 4 {
		t.Errorf("Len = %d, want 4", idx.Len())
	}
}
