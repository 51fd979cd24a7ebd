package gitfs

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"io"
	"time"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// readIndex is go-git's IndexStorage.Index (its entries and ModTime,
// which are all Uncommitted reads), faster for the index files git
// writes: the entries of a version 2 or 3 index are read straight from
// the file's bytes (go-git reads each field through reflection, which
// cost plan about 20 ms of CPU for 20,000 entries). Anything else (a
// missing or unreadable index, version 4, a checksum that does not match,
// an extension go-git refuses, bytes that do not parse) goes to go-git,
// so that its result and its errors stay as they were. r.mu is held.
func (r *Repo) readIndex() (*index.Index, error) {
	fsys := r.st.Filesystem()
	f, err := fsys.Open("index")
	if err != nil {
		return r.st.Index()
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return r.st.Index()
	}
	idx, ok := decodeIndex(data)
	if !ok {
		return r.st.Index()
	}
	if fi, err := fsys.Stat(f.Name()); err == nil {
		idx.ModTime = fi.ModTime()
	}
	return idx, nil
}

// decodeIndex decodes a version 2 or 3 index file as go-git's decoder
// does, entries only (herald reads no extension), or reports false when
// go-git should decide: another version, a checksum that does not match,
// extensions go-git refuses, or entries that do not parse.
func decodeIndex(data []byte) (*index.Index, bool) {
	const (
		hashLen   = sha1.Size
		headerLen = 62 // an entry's fixed fields, up to its flags
	)
	if len(data) < 12+hashLen || string(data[:4]) != "DIRC" {
		return nil, false
	}
	body := data[:len(data)-hashLen]
	if sum := sha1.Sum(body); !bytes.Equal(sum[:], data[len(body):]) {
		return nil, false
	}
	version := binary.BigEndian.Uint32(data[4:])
	if version != 2 && version != 3 {
		return nil, false
	}
	count := int(binary.BigEndian.Uint32(data[8:]))
	if count > len(body)/headerLen {
		return nil, false
	}
	// Names are slices of one string of the file's bytes, which nothing
	// writes to: one copy instead of one per entry.
	text := unsafe.String(unsafe.SliceData(body), len(body))
	idx := &index.Index{Version: version, Entries: make([]*index.Entry, count)}
	block := make([]index.Entry, count)
	pos := 12
	for i := range count {
		if len(body)-pos < headerLen {
			return nil, false
		}
		b := body[pos:]
		e := &block[i]
		sec, nsec := binary.BigEndian.Uint32(b[0:]), binary.BigEndian.Uint32(b[4:])
		msec, mnsec := binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])
		if sec != 0 || nsec != 0 {
			e.CreatedAt = time.Unix(int64(sec), int64(nsec))
		}
		if msec != 0 || mnsec != 0 {
			e.ModifiedAt = time.Unix(int64(msec), int64(mnsec))
		}
		e.Dev = binary.BigEndian.Uint32(b[16:])
		e.Inode = binary.BigEndian.Uint32(b[20:])
		e.Mode = filemode.FileMode(binary.BigEndian.Uint32(b[24:]))
		e.UID = binary.BigEndian.Uint32(b[28:])
		e.GID = binary.BigEndian.Uint32(b[32:])
		e.Size = binary.BigEndian.Uint32(b[36:])
		copy(e.Hash[:], b[40:60])
		flags := binary.BigEndian.Uint16(b[60:])
		e.Stage = index.Stage(flags>>12) & 0x3
		read := headerLen
		if flags&0x4000 != 0 { // extended flags follow
			if len(b) < read+2 {
				return nil, false
			}
			ext := binary.BigEndian.Uint16(b[read:])
			read += 2
			e.IntentToAdd = ext&(1<<13) != 0
			e.SkipWorktree = ext&(1<<14) != 0
		}
		nameLen := int(flags & 0xfff)
		consumed := nameLen
		if nameLen == 0xfff {
			// A long name ends at a NUL, which it consumes.
			n := bytes.IndexByte(b[read:], 0)
			if n < 0 {
				return nil, false
			}
			nameLen, consumed = n, n+1
		} else if len(b) < read+nameLen {
			return nil, false
		}
		e.Name = text[pos+read : pos+read+nameLen]
		// go-git's padEntry: up to the next multiple of 8, less the NUL a
		// long name consumed.
		pad := 8 - (read+nameLen)%8 - (consumed - nameLen)
		pos += read + consumed + max(pad, 0)
		if pos > len(body) {
			return nil, false
		}
		idx.Entries[i] = e
	}
	if pos < len(body) && !extensionsRead(data[4:8], body[pos:]) {
		return nil, false
	}
	return idx, true
}

// extensionsRead reports whether go-git's decoder reads the extensions
// ext (the bytes between an index's entries and its checksum) without an
// error. It decodes them as go-git would, in an index of no entries with
// its own checksum: the extensions' decoders read nothing of the entries,
// so go-git accepts these bytes there exactly where it accepts them after
// the entries. They are a few kilobytes (the cached trees, one line a
// directory), where the entries are megabytes.
func extensionsRead(version, ext []byte) bool {
	b := make([]byte, 0, 12+len(ext)+sha1.Size)
	b = append(b, "DIRC"...)
	b = append(b, version...)
	b = append(b, 0, 0, 0, 0)
	b = append(b, ext...)
	sum := sha1.Sum(b)
	b = append(b, sum[:]...)
	return index.NewDecoder(bytes.NewReader(b)).Decode(&index.Index{}) == nil
}
