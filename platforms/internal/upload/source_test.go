package upload

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms/progress"
)

// TestSourceReadsRangesWithoutHoldingTheFile reads ranges of a file that
// cannot seek (a commit's blob): forward ranges go on with the open
// reader, a range behind it opens the file again, and a file shorter
// than its size is an error.
func TestSourceReadsRangesWithoutHoldingTheFile(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	opens := 0
	open := func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(bytes.NewReader(data)), nil // NopCloser hides Seek
	}
	src := NewSource(open, int64(len(data)))
	defer src.Close()
	read := func(from, to int64) {
		t.Helper()
		got, err := src.Chunk(nil, from, to)
		if err != nil {
			t.Fatalf("bytes %d-%d: %v", from, to, err)
		}
		if !bytes.Equal(got, data[from:to]) {
			t.Fatalf("bytes %d-%d differ", from, to)
		}
	}
	read(0, 300)
	read(300, 600)
	read(700, 800) // skips forward
	if opens != 1 {
		t.Errorf("opened %d times reading forward, want 1", opens)
	}
	read(200, 400) // the platform holds less: back
	if opens != 2 {
		t.Errorf("opened %d times after going back, want 2", opens)
	}
	read(400, 1000)
	if _, err := src.Chunk(nil, 900, 1100); !errors.Is(err, io.EOF) {
		t.Errorf("reading past the end: %v, want io.EOF", err)
	}
}

// TestSourceSeeks: a file that can seek (an *os.File) is never opened
// twice.
func TestSourceSeeks(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 50)
	opens := 0
	src := NewSource(func() (io.ReadCloser, error) {
		opens++
		return struct {
			io.ReadSeeker
			io.Closer
		}{bytes.NewReader(data), io.NopCloser(nil)}, nil
	}, int64(len(data)))
	defer src.Close()
	for _, r := range [][2]int64{{0, 100}, {400, 500}, {50, 150}, {0, 10}} {
		got, err := src.Chunk(nil, r[0], r[1])
		if err != nil || !bytes.Equal(got, data[r[0]:r[1]]) {
			t.Fatalf("bytes %d-%d: %q, %v", r[0], r[1], got, err)
		}
	}
	if opens != 1 {
		t.Errorf("opened %d times, want 1", opens)
	}
}

// TestRunReportsProgressToTheContext: Run tells the context's
// progress.Func of the start, each chunk and the processing, naming the
// platform and the file; ProgressReader does as its bytes are read.
func TestRunReportsProgressToTheContext(t *testing.T) {
	var got []progress.Update
	ctx := progress.With(t.Context(), func(u progress.Update) { got = append(got, u) })
	tgt := &fakeTarget{statuses: []Status{{State: Processing, Percent: 40}, {State: Done}}}
	data := bytes.Repeat([]byte("v"), 10)
	err := Run(ctx, tgt, Options{Platform: "x", Name: "posts/v.mp4", Size: 10, ChunkSize: 4,
		Open:  func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	want := []progress.Update{
		{Platform: "x", File: "posts/v.mp4", Sent: 0, Size: 10},
		{Platform: "x", File: "posts/v.mp4", Sent: 4, Size: 10},
		{Platform: "x", File: "posts/v.mp4", Sent: 8, Size: 10},
		{Platform: "x", File: "posts/v.mp4", Sent: 10, Size: 10},
		{Platform: "x", File: "posts/v.mp4", Sent: 10, Size: 10, Processing: true, Percent: 40},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}

	got = nil
	r := ProgressReader(ctx, "mastodon", "posts/m.mp4", bytes.NewReader(data), 10)
	if b, err := io.ReadAll(r); err != nil || len(b) != 10 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	if len(got) < 2 || got[0].Sent != 0 || got[len(got)-1].Sent != 10 || got[0].Platform != "mastodon" {
		t.Errorf("progress %+v", got)
	}
}
