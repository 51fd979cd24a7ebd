package schema

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadSized: a post is read whole whatever size it was stat'ed at
// (it may have grown or shrunk since), in reads of any size, and never
// past the limit.
func TestReadSized(t *testing.T) {
	text := strings.Repeat("abcdefghij", 100) // 1,000 bytes
	for _, size := range []int64{-1, 0, 1, 999, 1000, 1001, 5000} {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(text)
			if one {
				r = iotest.OneByteReader(r)
			}
			got, err := readSized(r, size, 2000)
			if err != nil || string(got) != text {
				t.Errorf("size %d, one byte %v: read %d bytes, %v; want all 1000", size, one, len(got), err)
			}
		}
		got, err := readSized(strings.NewReader(text), size, 600)
		if err != nil || !bytes.Equal(got, []byte(text[:600])) {
			t.Errorf("size %d, limit 600: read %d bytes, %v; want the first 600", size, len(got), err)
		}
	}
	if _, err := readSized(iotest.ErrReader(io.ErrUnexpectedEOF), 10, 100); err != io.ErrUnexpectedEOF {
		t.Errorf("a failing read gave %v, want its error", err)
	}
}
