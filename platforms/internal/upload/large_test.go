package upload

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/videotest"
	"github.com/heraldhq/herald/platforms/progress"
)

// largeVideo writes a sparse file of size bytes that starts with a valid
// MP4's headers: it takes a few KiB of disk, and reads back as the
// headers then zeros.
func largeVideo(t *testing.T, size int64) (string, []byte) {
	t.Helper()
	head := videotest.MP4(videotest.Spec{Duration: 20 * time.Minute, Width: 1920, Height: 1080, Padding: 64})
	name := filepath.Join(t.TempDir(), "long.mp4")
	f, err := os.Create(name)
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
	return name, head
}

// heapWatch samples the live heap while a test uploads.
type heapWatch struct{ peak uint64 }

func (h *heapWatch) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.peak = max(h.peak, m.HeapInuse)
}

// checkingTarget checks each chunk against the file (its headers, then
// zeros) without keeping it, and samples the heap every few chunks.
type checkingTarget struct {
	t      *testing.T
	head   []byte
	sent   int64
	chunks int
	heap   *heapWatch
}

func (c *checkingTarget) Begin(context.Context, int64) error { c.sent = 0; return nil }

func (c *checkingTarget) Put(_ context.Context, ch Chunk) error {
	if ch.Offset != c.sent {
		return fmt.Errorf("chunk at %d, want %d", ch.Offset, c.sent)
	}
	checkBytes(c.t, c.head, ch.Offset, ch.Data)
	c.sent += int64(len(ch.Data))
	if c.chunks++; c.chunks%16 == 0 {
		c.heap.sample()
	}
	return nil
}

func (c *checkingTarget) End(context.Context) (Status, error)  { return Status{State: Done}, nil }
func (c *checkingTarget) Poll(context.Context) (Status, error) { return Status{State: Done}, nil }

// checkBytes checks that data, read at off, is the file's: head, then
// zeros.
func checkBytes(t *testing.T, head []byte, off int64, data []byte) {
	t.Helper()
	for i := 0; i < len(data); {
		at := off + int64(i)
		if at < int64(len(head)) {
			end := min(int64(len(head)), off+int64(len(data)))
			if !bytes.Equal(data[i:i+int(end-at)], head[at:end]) {
				t.Fatalf("bytes at %d differ from the file's headers", at)
			}
			i += int(end - at)
			continue
		}
		if !allZero(data[i:]) {
			t.Fatalf("bytes after %d are not the file's zeros", at)
		}
		return
	}
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7] != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// TestLargeFileStreamsInFlatMemory uploads a 2 GiB video through Run, and
// reads it again through a Source with a resume that goes back, and
// checks every byte arrived while the heap stayed within a few chunks:
// nothing holds the file.
func TestLargeFileStreamsInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 2 GiB (sparse on disk)")
	}
	const size = 2 << 30
	const chunk = 8 << 20
	name, head := largeVideo(t, size)
	open := func() (io.ReadCloser, error) { return os.Open(name) }

	runtime.GC()
	var base heapWatch
	base.sample()
	heap := &heapWatch{}
	var reported []progress.Update
	ctx := progress.With(context.Background(), func(u progress.Update) {
		if u.Sent == 0 || u.Sent == u.Size || len(reported) == 0 {
			reported = append(reported, u)
		}
	})
	tgt := &checkingTarget{t: t, head: head, heap: heap}
	if err := Run(ctx, tgt, Options{Platform: "fake", Name: "media/long.mp4", Size: size, Open: open, ChunkSize: chunk}); err != nil {
		t.Fatal(err)
	}
	if tgt.sent != size {
		t.Errorf("sent %d bytes, want %d", tgt.sent, size)
	}
	if len(reported) < 2 || reported[len(reported)-1].Sent != size || reported[len(reported)-1].File != "media/long.mp4" {
		t.Errorf("progress reported %+v, want a start and an end of media/long.mp4", reported)
	}

	// A Source, as YouTube and Facebook read: forward, then back to a
	// resume point the platform names, then on to the end.
	src := NewSource(open, size)
	defer src.Close()
	var buf []byte
	var sent int64
	resumed := false
	for off := int64(0); off < size; {
		end := min(off+chunk, size)
		data, err := src.Chunk(buf, off, end)
		if err != nil {
			t.Fatal(err)
		}
		buf = data
		checkBytes(t, head, off, data)
		sent += end - off
		if sent%(16*chunk) == 0 {
			heap.sample()
		}
		if !resumed && off >= size/2 {
			resumed, off = true, off-3*chunk // the platform holds less than was sent
			continue
		}
		off = end
	}
	if sent != size+4*chunk { // the chunk at the resume point, and the three before it, twice
		t.Errorf("the source read %d bytes, want %d", sent, size+4*chunk)
	}
	grew := int64(heap.peak) - int64(base.peak)
	t.Logf("2 GiB in %d MiB chunks: heap in use %.1f MiB before, peak %.1f MiB (%+.1f MiB)",
		chunk>>20, float64(base.peak)/(1<<20), float64(heap.peak)/(1<<20), float64(grew)/(1<<20))
	if grew > 6*chunk {
		t.Errorf("the heap grew by %d MiB uploading 2 GiB in %d MiB chunks: the file is held, not streamed", grew>>20, chunk>>20)
	}
}
