package schema

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// MaxMediaSize is the largest media file herald reads: 256 GiB, what
// YouTube takes (the most of any platform). A media file is hashed and
// its video headers read as it streams, and uploads read it a chunk at a
// time, so a video's size costs time, never memory. What each platform
// takes is its own limit (max_video_bytes in the CUE limits), checked
// with positioned errors before anything is uploaded.
const MaxMediaSize = 256 << 30

// MaxImageSize is the largest image herald reads: adapters read an image
// whole to send it in one request (and Bluesky decodes it), so images
// keep a bound far below MaxMediaSize. No platform takes images near it.
const MaxImageSize = 512 << 20

// sniffLen is how much of a file content sniffing looks at.
const sniffLen = 512

// ResolveMedia finds every media file of p within fsys, the repository
// root, and fills its Path, Type, Size and Hash; then it folds the media
// hashes into p.Hash (see FoldMediaHashes), so call it once per Post.
//
// A media file is named relative to the post. It must stay inside the
// repository, exist, be a regular file and be an image or a video by its
// bytes (a .png holding a JPEG is a JPEG). With cfg.RequireAlt, every item
// needs alt text. In production fsys is the work tree's os.Root.FS() or a
// commit's tree (internal/gitfs), which both refuse symbolic links that
// leave the repository; other fs.FS implementations get only the path
// checks.
func ResolveMedia(fsys fs.FS, cfg *Config, p *Post) Errors {
	if cfg == nil {
		cfg = &Config{}
	}
	var errs Errors
	dir := path.Dir(p.File)
	for i := range p.Media {
		m := &p.Media[i]
		item := joinIndex("media", i)
		if err := resolveOne(fsys, dir, m); err != "" {
			field := joinPath(item, "file")
			errs = append(errs, Errorf(p.PosOf(field), field, "%s", err))
		}
		if cfg.RequireAlt && strings.TrimSpace(m.Alt) == "" && altMissing(p.Front, i) {
			field := joinPath(item, "alt")
			what := "image"
			if strings.HasPrefix(m.Type, "video/") {
				what = "video"
			}
			errs = append(errs, Errorf(p.PosOf(field), field,
				"alt text is required: describe the %s for people who cannot see it", what))
		}
	}
	p.Hash = FoldMediaHashes(p.Hash, p.Media)
	for _, v := range p.Variants {
		vf, _ := p.variantFront(v.Index)
		for i := range v.Media {
			m := &v.Media[i]
			item := joinIndex(v.Path()+".media", i)
			field := joinPath(item, "file")
			if err := resolveOne(fsys, dir, m); err != "" {
				errs = append(errs, Errorf(p.PosOf(field), field, "%s", err))
			}
			if cfg.RequireAlt && strings.TrimSpace(m.Alt) == "" && altMissing(vf, i) {
				field := joinPath(item, "alt")
				errs = append(errs, Errorf(p.PosOf(field), field, "alt text is required: describe the media for people who cannot see it"))
			}
		}
		p.Hash = FoldMediaHashes(p.Hash, v.Media)
	}
	return errs
}

// altMissing reports whether media item i has no alt text, or an empty
// one. An alt of the wrong type is the schema's to report.
func altMissing(front map[string]any, i int) bool {
	items, _ := front["media"].([]any)
	if i >= len(items) {
		return true
	}
	item, ok := items[i].(map[string]any)
	if !ok {
		return false // the schema reports the item's type
	}
	switch alt := item["alt"].(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(alt) == ""
	}
	return false
}

// resolveOne fills m from its file, or says what is wrong with it.
func resolveOne(fsys fs.FS, dir string, m *Media) string {
	name := m.File
	if name == "" {
		return "" // the schema reports a missing file
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || len(name) > 1 && name[1] == ':' {
		return fmt.Sprintf("%q must be relative to the post", name)
	}
	full := path.Join(dir, name)
	if full == ".." || strings.HasPrefix(full, "../") {
		return fmt.Sprintf("%q leaves the repository", name)
	}
	if !fs.ValidPath(full) {
		return fmt.Sprintf("%q is not a valid file name", name)
	}
	f, info := openMedia(fsys, full)
	if f == nil {
		var err error
		if info, err = fs.Stat(fsys, full); err != nil {
			return fileError(name, full, err)
		}
		switch {
		case info.IsDir():
			return fmt.Sprintf("%q is a directory, not a file", name)
		case !info.Mode().IsRegular():
			return fmt.Sprintf("%q is not a regular file", name)
		case info.Size() > MaxMediaSize:
			return fmt.Sprintf("%q is %s; the limit is %s", name, sizeString(info.Size()), limitString(MaxMediaSize))
		}
		if f, err = fsys.Open(full); err != nil {
			return fileError(name, full, err)
		}
	}
	defer f.Close()

	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Sprintf("cannot read %q: %v", name, err)
	}
	head = head[:n]
	typ := sniff(head)
	if !strings.HasPrefix(typ, "image/") && !strings.HasPrefix(typ, "video/") {
		return fmt.Sprintf("%q is %s, not an image or a video", name, typ)
	}
	limit := int64(MaxMediaSize)
	if strings.HasPrefix(typ, "image/") {
		limit = MaxImageSize
		if info.Size() > limit {
			return fmt.Sprintf("%q is %s; the limit for an image is %s", name, sizeString(info.Size()), limitString(limit))
		}
	}
	// One forward pass: the bytes stream into the hash, and a video's
	// headers are read from the same stream on the way (the rest of the
	// file, its media data, is only hashed).
	h := sha256.New()
	counted := &countingReader{r: io.MultiReader(bytes.NewReader(head), io.LimitReader(f, limit+1-int64(n)))}
	stream := io.TeeReader(counted, h)
	var video videoInfo
	var probeErr error
	if strings.HasPrefix(typ, "video/") {
		video, probeErr = probeVideo(typ, stream)
	}
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return fmt.Sprintf("cannot read %q: %v", name, err)
	}
	size := counted.n
	if size > limit {
		return fmt.Sprintf("%q is more than %s, the limit", name, limitString(limit))
	}
	m.Path, m.Type, m.Size, m.Hash = full, typ, size, hex.EncodeToString(h.Sum(nil))
	if probeErr != nil {
		return fmt.Sprintf("cannot read the length and size of the video %q: %v; export it again as MP4 (H.264)", name, probeErr)
	}
	m.Duration, m.Width, m.Height = video.Duration, video.Width, video.Height
	return ""
}

// openMedia opens the media file full through an OpenNonblockFS, as
// ReadPost opens a post: it returns the open file and what it is when
// it is a regular file within MaxMediaSize, and nil for anything else
// (and for another file system), which the stat by name then explains.
func openMedia(fsys fs.FS, full string) (fs.File, fs.FileInfo) {
	o, ok := fsys.(OpenNonblockFS)
	if !ok {
		return nil, nil
	}
	f, err := o.OpenNonblock(full)
	if err != nil {
		return nil, nil
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() > MaxMediaSize {
		f.Close()
		return nil, nil
	}
	return f, info
}

// fileError explains why a file named name (full from the root) could not
// be opened.
func fileError(name, full string, err error) string {
	switch {
	case isEscape(err):
		return fmt.Sprintf("%q is a link that leaves the repository", name)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("no such file %q (looked for %s)", name, full)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("cannot read %q: permission denied", name)
	}
	return fmt.Sprintf("cannot read %q: %v", name, err)
}

// isEscape reports whether err is os.Root refusing a path that leaves it
// (through a symbolic link, or an absolute link). os does not export that
// error, so its message is matched; internal/gitfs refuses such links of a
// commit's tree with the same words.
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// sizeString formats a file's size for messages: "10.0 MiB".
func sizeString(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// limitString formats a size limit for messages: "512 MiB", "256 GiB".
func limitString(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// sniff returns the MIME type of a file from its first bytes, without
// parameters. It knows the ISO media brands (MP4, QuickTime, AVIF, HEIC)
// that net/http's sniffer does not.
func sniff(head []byte) string {
	if len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")) {
		switch string(head[8:12]) {
		case "avif", "avis":
			return "image/avif"
		case "heic", "heix", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		case "qt  ":
			return "video/quicktime"
		case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "M4VP", "dash", "3gp4", "3gp5", "3g2a":
			return "video/mp4"
		}
	}
	typ := http.DetectContentType(head)
	if i := strings.IndexByte(typ, ';'); i >= 0 {
		typ = typ[:i]
	}
	return strings.TrimSpace(typ)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
