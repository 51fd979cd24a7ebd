package upload

import (
	"errors"
	"fmt"
	"io"
)

// Source reads byte ranges of a media file for an upload whose platform
// says where to go on from (YouTube's 308 Range, Facebook's
// start_offset), without holding the file: it keeps one reader open and
// reads forward, seeks when the file can (an *os.File), and opens the
// file again only to go back. Memory stays at one chunk whatever the
// file's size, and a forward upload reads the file once.
//
// It implements io.ReaderAt, so io.NewSectionReader gives a chunk as a
// reader. It is not safe for concurrent use.
type Source struct {
	open func() (io.ReadCloser, error)
	rc   io.ReadCloser
	pos  int64
	size int64
}

// NewSource reads the file open opens, of size bytes.
func NewSource(open func() (io.ReadCloser, error), size int64) *Source {
	return &Source{open: open, size: size}
}

// Size is the file's size, as given.
func (s *Source) Size() int64 { return s.size }

// ReadAt reads len(p) bytes from off, as io.ReaderAt does.
func (s *Source) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("upload source: negative offset")
	}
	if err := s.seek(off); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.rc, p)
	s.pos += int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

// Chunk reads bytes [from, to) into buf (grown when too small) and
// returns them; a file shorter than to is an error.
func (s *Source) Chunk(buf []byte, from, to int64) ([]byte, error) {
	n := to - from
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := s.ReadAt(buf, from); err != nil {
		return nil, fmt.Errorf("read bytes %d-%d: %w", from, to-1, err)
	}
	return buf, nil
}

// seek puts the open reader at off.
func (s *Source) seek(off int64) error {
	if s.rc != nil && off != s.pos {
		if sk, ok := s.rc.(io.Seeker); ok {
			if _, err := sk.Seek(off, io.SeekStart); err == nil {
				s.pos = off
				return nil
			}
		}
		if off < s.pos {
			s.rc.Close()
			s.rc = nil
		}
	}
	if s.rc == nil {
		if s.open == nil {
			return errors.New("no way to read the file")
		}
		rc, err := s.open()
		if err != nil {
			return fmt.Errorf("open: %w", err)
		}
		s.rc, s.pos = rc, 0
	}
	if off > s.pos {
		n, err := io.CopyN(io.Discard, s.rc, off-s.pos)
		s.pos += n
		if err != nil {
			return fmt.Errorf("skip to byte %d: %w", off, err)
		}
	}
	return nil
}

// Close closes the open reader.
func (s *Source) Close() error {
	if s.rc == nil {
		return nil
	}
	err := s.rc.Close()
	s.rc = nil
	return err
}
