package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/videotest"
)

// Small files with real magic numbers, for sniffing.
var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	webpBytes = []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00")
	mp4Bytes  = videotest.MP4(videotest.Spec{Duration: 2 * time.Second, Width: 64, Height: 36, Padding: 16})
	movBytes  = videotest.MOV(videotest.Spec{Duration: 1500 * time.Millisecond, Width: 36, Height: 64, Rotate90: true})
	avifBytes = []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf")
)

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// mediaPost parses a post at posts/launch.md whose front-matter lists the
// given media items (YAML flow mappings, one per line).
func mediaPost(t *testing.T, cfg *Config, items ...string) *Post {
	t.Helper()
	src := "---\ntitle: t\nmedia:\n"
	for _, it := range items {
		src += "  - " + it + "\n"
	}
	src += "---\nBody\n"
	p, errs := ParsePost(cfg, "posts/launch.md", []byte(src))
	if len(errs) != 0 || p == nil {
		t.Fatalf("ParsePost: %v", errs)
	}
	return p
}

func mediaErr(line, col int, field, msg string) *Error {
	return &Error{File: "posts/launch.md", Line: line, Column: col, Field: field, Message: msg, Severity: SeverityError}
}

func TestResolveMedia(t *testing.T) {
	fsys := fstest.MapFS{
		"posts/hero.png":       {Data: pngBytes},
		"posts/photo.png":      {Data: jpegBytes},
		"posts/pic.webp":       {Data: webpBytes},
		"posts/clip.mp4":       {Data: mp4Bytes},
		"posts/clip.mov":       {Data: movBytes},
		"posts/pic.avif":       {Data: avifBytes},
		"posts/notes.png":      {Data: []byte("just some notes\n")},
		"posts/img/a.png":      {Data: pngBytes},
		"assets/shared.png":    {Data: pngBytes},
		"posts/launch.md":      {Data: []byte("ignored")},
		"posts/empty.png":      {Data: nil},
		"posts/sub/nested.gif": {Data: []byte("GIF89a\x01\x00\x01\x00")},
	}
	tests := []struct {
		name       string
		items      []string
		requireAlt bool
		want       Errors
		wantMedia  []Media // Path, Type, Size, Hash only
	}{
		{
			name:       "image next to the post",
			items:      []string{"{file: hero.png, alt: A chart}"},
			requireAlt: true,
			wantMedia:  []Media{{Path: "posts/hero.png", Type: "image/png", Size: int64(len(pngBytes)), Hash: sha(pngBytes)}},
		},
		{
			name:  "type comes from the bytes, not the name",
			items: []string{"{file: photo.png, alt: A photo}"},
			wantMedia: []Media{
				{Path: "posts/photo.png", Type: "image/jpeg", Size: int64(len(jpegBytes)), Hash: sha(jpegBytes)},
			},
		},
		{
			name:  "formats net/http does not know",
			items: []string{"{file: pic.webp, alt: a}", "{file: clip.mp4, alt: b}", "{file: clip.mov, alt: c}", "{file: pic.avif, alt: d}", "{file: sub/nested.gif, alt: e}"},
			wantMedia: []Media{
				{Path: "posts/pic.webp", Type: "image/webp", Size: int64(len(webpBytes)), Hash: sha(webpBytes)},
				{Path: "posts/clip.mp4", Type: "video/mp4", Size: int64(len(mp4Bytes)), Hash: sha(mp4Bytes)},
				{Path: "posts/clip.mov", Type: "video/quicktime", Size: int64(len(movBytes)), Hash: sha(movBytes)},
				{Path: "posts/pic.avif", Type: "image/avif", Size: int64(len(avifBytes)), Hash: sha(avifBytes)},
				{Path: "posts/sub/nested.gif", Type: "image/gif", Size: 10, Hash: sha([]byte("GIF89a\x01\x00\x01\x00"))},
			},
		},
		{
			name:      "dot-dot that stays inside the repository",
			items:     []string{"{file: ../assets/shared.png, alt: a}"},
			wantMedia: []Media{{Path: "assets/shared.png", Type: "image/png", Size: int64(len(pngBytes)), Hash: sha(pngBytes)}},
		},
		{
			name:      "dot-dot that leaves the repository",
			items:     []string{"{file: ../../secret.png, alt: a}"},
			want:      Errors{mediaErr(4, 6, "media.0.file", `"../../secret.png" leaves the repository`)},
			wantMedia: []Media{{}},
		},
		{
			name:      "absolute path",
			items:     []string{"{file: /etc/hero.png, alt: a}"},
			want:      Errors{mediaErr(4, 6, "media.0.file", `"/etc/hero.png" must be relative to the post`)},
			wantMedia: []Media{{}},
		},
		{
			name:      "missing file",
			items:     []string{"{file: heroo.png, alt: a}"},
			want:      Errors{mediaErr(4, 6, "media.0.file", `no such file "heroo.png" (looked for posts/heroo.png)`)},
			wantMedia: []Media{{}},
		},
		{
			name:      "directory",
			items:     []string{"{file: img, alt: a}"},
			want:      Errors{mediaErr(4, 6, "media.0.file", `"img" is a directory, not a file`)},
			wantMedia: []Media{{}},
		},
		{
			name:      "not an image",
			items:     []string{"{file: notes.png, alt: a}"},
			want:      Errors{mediaErr(4, 6, "media.0.file", `"notes.png" is text/plain, not an image or a video`)},
			wantMedia: []Media{{}},
		},
		{
			name:      "empty file",
			items:     []string{"{file: empty.png, alt: a}"},
			want:      Errors{mediaErr(4, 6, "media.0.file", `"empty.png" is text/plain, not an image or a video`)},
			wantMedia: []Media{{}},
		},
		{
			name:       "missing and empty alt",
			items:      []string{"{file: hero.png}", "{file: clip.mp4, alt: \" \"}"},
			requireAlt: true,
			want: Errors{
				mediaErr(4, 5, "media.0.alt", "alt text is required: describe the image for people who cannot see it"),
				mediaErr(5, 22, "media.1.alt", "alt text is required: describe the video for people who cannot see it"),
			},
			wantMedia: []Media{
				{Path: "posts/hero.png", Type: "image/png", Size: int64(len(pngBytes)), Hash: sha(pngBytes)},
				{Path: "posts/clip.mp4", Type: "video/mp4", Size: int64(len(mp4Bytes)), Hash: sha(mp4Bytes)},
			},
		},
		{
			name:      "alt not required",
			items:     []string{"{file: hero.png}"},
			wantMedia: []Media{{Path: "posts/hero.png", Type: "image/png", Size: int64(len(pngBytes)), Hash: sha(pngBytes)}},
		},
		{
			name:       "wrong types are the schema's to report",
			items:      []string{"hero.png", "{file: 3, alt: [x]}"},
			requireAlt: true,
			wantMedia:  []Media{{}, {}},
		},
		{
			name:       "every finding",
			items:      []string{"{file: /abs.png}", "{file: ../../x.png, alt: ok}", "{file: hero.png, alt: ok}"},
			requireAlt: true,
			want: Errors{
				mediaErr(4, 5, "media.0.alt", "alt text is required: describe the image for people who cannot see it"),
				mediaErr(4, 6, "media.0.file", `"/abs.png" must be relative to the post`),
				mediaErr(5, 6, "media.1.file", `"../../x.png" leaves the repository`),
			},
			wantMedia: []Media{{}, {}, {Path: "posts/hero.png", Type: "image/png", Size: int64(len(pngBytes)), Hash: sha(pngBytes)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.RequireAlt = tt.requireAlt
			p := mediaPost(t, cfg, tt.items...)
			contentHash := p.Hash
			errs := ResolveMedia(fsys, cfg, p)
			errs.Sort()
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			got := make([]Media, len(p.Media))
			for i, m := range p.Media {
				got[i] = Media{Path: m.Path, Type: m.Type, Size: m.Size, Hash: m.Hash}
			}
			if diff := cmp.Diff(tt.wantMedia, got); diff != "" {
				t.Errorf("media (-want +got):\n%s", diff)
			}
			if want := FoldMediaHashes(contentHash, p.Media); p.Hash != want || p.Hash == contentHash {
				t.Errorf("Hash = %s, want %s folded from %s", p.Hash, want, contentHash)
			}
		})
	}
}

// TestResolveMediaSymlinks runs against a real directory opened with
// os.OpenRoot, and against its commit (internal/gitfs), as herald reads
// the work tree and the commit.
func TestResolveMediaSymlinks(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	write := func(name string, data []byte) {
		t.Helper()
		full := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	write("secret.png", pngBytes)
	write("repo/assets/hero.png", pngBytes)
	write("repo/posts/real.png", jpegBytes)
	link("../assets/hero.png", "repo/posts/inside.png")
	link("../../secret.png", "repo/posts/outside.png")
	link(filepath.Join(dir, "secret.png"), "repo/posts/absolute.png")
	link("../assets", "repo/posts/assets")
	link("../..", "repo/posts/up")

	for name, fsys := range repoFS(t, repo) {
		t.Run(name, func(t *testing.T) { resolveMediaSymlinks(t, fsys) })
	}
}

func resolveMediaSymlinks(t *testing.T, fsys fs.FS) {
	cfg := testConfig()
	p := mediaPost(t, cfg,
		"{file: inside.png, alt: a}",
		"{file: outside.png, alt: a}",
		"{file: absolute.png, alt: a}",
		"{file: assets/hero.png, alt: a}",
		"{file: up/secret.png, alt: a}",
		"{file: real.png, alt: a}",
	)
	errs := ResolveMedia(fsys, cfg, p)
	errs.Sort()
	want := Errors{
		mediaErr(5, 6, "media.1.file", `"outside.png" is a link that leaves the repository`),
		mediaErr(6, 6, "media.2.file", `"absolute.png" is a link that leaves the repository`),
		mediaErr(8, 6, "media.4.file", `"up/secret.png" is a link that leaves the repository`),
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	wantPaths := []string{"posts/inside.png", "", "", "posts/assets/hero.png", "", "posts/real.png"}
	for i, m := range p.Media {
		if m.Path != wantPaths[i] {
			t.Errorf("media %d: Path = %q, want %q", i, m.Path, wantPaths[i])
		}
	}
	if p.Media[0].Hash != sha(pngBytes) || p.Media[5].Type != "image/jpeg" {
		t.Errorf("inside link: %+v; real file: %+v", p.Media[0], p.Media[5])
	}
}

func TestSizeString(t *testing.T) {
	for n, want := range map[int64]string{10 << 20: "10.0 MiB", 1<<20 + 1<<19: "1.5 MiB", 1<<20 + 1: "1.0 MiB", 600 << 20: "600.0 MiB"} {
		if got := sizeString(n); got != want {
			t.Errorf("sizeString(%d) = %q, want %q", n, got, want)
		}
	}
	if got := limitString(MaxMediaSize); got != "256 GiB" {
		t.Errorf("limitString(MaxMediaSize) = %q", got)
	}
	if got := limitString(MaxImageSize); got != "512 MiB" {
		t.Errorf("limitString(MaxImageSize) = %q", got)
	}
}

// TestResolveMediaLargeVideo resolves a 640 MiB video, above the old cap,
// from a sparse file: it streams (the heap stays small) and its size,
// hash and headers are read; an image over MaxImageSize is refused from
// its size, before it is read.
func TestResolveMediaLargeVideo(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 640 MiB (sparse on disk)")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	sparse := func(name string, head []byte, size int64) {
		f, err := os.Create(filepath.Join(dir, "posts", name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(head); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
	}
	// The moov box first, then an mdat box that runs to the end of the
	// file: what a camera's long recording looks like to the reader.
	head := videotest.MP4(videotest.Spec{Duration: 45 * time.Minute, Width: 1920, Height: 1080})
	const size = 640 << 20 // above the 512 MiB cap herald had
	mdat := []byte{0, 0, 0, 0, 'm', 'd', 'a', 't'}
	n := uint32(size - len(head))
	mdat[0], mdat[1], mdat[2], mdat[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	sparse("long.mp4", append(head, mdat...), size)
	sparse("huge.png", pngBytes, MaxImageSize+1)

	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p := mediaPost(t, &Config{}, "{file: long.mp4}")
	if errs := ResolveMedia(root.FS(), &Config{}, p); len(errs) != 0 {
		t.Fatalf("ResolveMedia: %v", errs)
	}
	runtime.ReadMemStats(&after)
	m := p.Media[0]
	if m.Size != size || m.Type != "video/mp4" || m.Duration != 45*time.Minute || m.Width != 1920 {
		t.Errorf("got %s, %d bytes, %s, %dx%d", m.Type, m.Size, m.Duration, m.Width, m.Height)
	}
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("the heap grew by %d MiB resolving a 640 MiB video: it is held, not streamed", grew>>20)
	}

	p = mediaPost(t, &Config{}, "{file: huge.png}")
	errs := ResolveMedia(root.FS(), &Config{}, p)
	want := `"huge.png" is 512.0 MiB; the limit for an image is 512 MiB`
	if len(errs) != 1 || errs[0].Message != want {
		t.Errorf("got %v, want %q", errs, want)
	}
}
