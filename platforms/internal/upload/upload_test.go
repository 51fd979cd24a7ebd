package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
)

func TestChunks(t *testing.T) {
	tests := []struct {
		size, chunk int64
		merge       bool
		want        []int64
	}{
		{10, 4, false, []int64{4, 4, 2}},
		{10, 4, true, []int64{4, 6}},
		{8, 4, true, []int64{4, 4}},
		{3, 4, true, []int64{3}},
		{3, 4, false, []int64{3}},
		{0, 4, false, []int64{0}},
		{7, 0, false, []int64{7}},
	}
	for _, tt := range tests {
		if got := Chunks(tt.size, tt.chunk, tt.merge); !cmp.Equal(got, tt.want) {
			t.Errorf("Chunks(%d, %d, %v) = %v, want %v", tt.size, tt.chunk, tt.merge, got, tt.want)
		}
	}
}

// fakeTarget keeps what it received, per session, and fails on cue.
type fakeTarget struct {
	sessions [][]byte // the bytes each session received, in order
	offsets  []int64  // every chunk's offset, across sessions
	// fail says what Put answers for a chunk index in a session (by
	// number from 0), once.
	fail     map[[2]int]error
	statuses []Status // End, then each Poll
	polls    int
	ended    int
}

func (f *fakeTarget) Begin(_ context.Context, size int64) error {
	f.sessions = append(f.sessions, nil)
	return nil
}

func (f *fakeTarget) Put(_ context.Context, c Chunk) error {
	s := len(f.sessions) - 1
	if err, ok := f.fail[[2]int{s, c.Index}]; ok {
		delete(f.fail, [2]int{s, c.Index})
		return err
	}
	if int64(len(f.sessions[s])) != c.Offset {
		return fmt.Errorf("chunk at %d, want %d", c.Offset, len(f.sessions[s]))
	}
	f.sessions[s] = append(f.sessions[s], c.Data...)
	f.offsets = append(f.offsets, c.Offset)
	return nil
}

func (f *fakeTarget) End(context.Context) (Status, error) {
	f.ended++
	return f.next(), nil
}

func (f *fakeTarget) Poll(context.Context) (Status, error) {
	f.polls++
	return f.next(), nil
}

func (f *fakeTarget) next() Status {
	if len(f.statuses) == 0 {
		return Status{State: Done}
	}
	st := f.statuses[0]
	f.statuses = f.statuses[1:]
	return st
}

func options(data []byte, slept *[]time.Duration) Options {
	return Options{Platform: "test", Name: "v.mp4", Size: int64(len(data)), ChunkSize: 4,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		Sleep: func(_ context.Context, d time.Duration) error {
			*slept = append(*slept, d)
			return nil
		}}
}

func TestRunResumesAChunkAndRestartsALostSession(t *testing.T) {
	data := []byte("0123456789abcdefghij") // 5 chunks of 4
	var slept []time.Duration
	var progress []Progress
	f := &fakeTarget{fail: map[[2]int]error{
		{0, 1}: &platforms.APIError{Platform: "test", Status: http.StatusServiceUnavailable},
		{0, 2}: &platforms.APIError{Platform: "test", Status: http.StatusTooManyRequests, RetryAfter: 5 * time.Second},
		{0, 3}: fmt.Errorf("append: %w", ErrRestart),
	}, statuses: []Status{{State: Processing, CheckAfter: 3 * time.Second, Percent: 10}, {State: Processing}, {State: Done}}}
	o := options(data, &slept)
	o.Progress = func(p Progress) { progress = append(progress, p) }
	if err := Run(t.Context(), f, o); err != nil {
		t.Fatal(err)
	}
	if len(f.sessions) != 2 || !bytes.Equal(f.sessions[1], data) {
		t.Fatalf("sessions = %q, want a lost one and a whole one", f.sessions)
	}
	// Session 0 received chunks 0, 1 (again after the 503), 2 (again
	// after the 429) and lost chunk 3: each chunk went once where it
	// arrived, never twice.
	if want := []int64{0, 4, 8, 0, 4, 8, 12, 16}; !cmp.Equal(f.offsets, want) {
		t.Errorf("offsets = %v, want %v", f.offsets, want)
	}
	// 1 s before the 503's retry, 5 s (Retry-After) before the 429's,
	// then the platform's 3 s check-after and the back-off's 4 s.
	if want := []time.Duration{time.Second, 5 * time.Second, 3 * time.Second, 4 * time.Second}; !cmp.Equal(slept, want) {
		t.Errorf("slept %v, want %v", slept, want)
	}
	if f.ended != 1 || f.polls != 2 {
		t.Errorf("ended %d times, polled %d times", f.ended, f.polls)
	}
	last := progress[len(progress)-1]
	if !last.Processing || last.Sent != 20 {
		t.Errorf("last progress = %+v", last)
	}
}

func TestRunFails(t *testing.T) {
	data := []byte("0123456789")
	tests := []struct {
		name string
		f    *fakeTarget
		opt  func(*Options)
		want string
	}{
		{"a refused chunk is not sent again", &fakeTarget{fail: map[[2]int]error{{0, 1}: &platforms.APIError{Platform: "test", Status: 400, Message: "bad segment"}}},
			nil, "chunk 2 of 3: test: 400: bad segment"},
		{"a chunk failing every time", &fakeTarget{fail: map[[2]int]error{
			{0, 0}: &platforms.APIError{Status: 500}}}, func(o *Options) { o.Retries = -1 }, "chunk 1 of 3"},
		{"sessions lost over and over", &fakeTarget{fail: map[[2]int]error{{0, 0}: ErrRestart, {1, 0}: ErrRestart}},
			nil, "start over"},
		{"processing failed", &fakeTarget{statuses: []Status{{State: Processing}, {State: Failed, Message: "InvalidMedia"}}},
			nil, "could not process v.mp4: InvalidMedia"},
		{"processing too long", &fakeTarget{statuses: []Status{{State: Processing, CheckAfter: time.Minute}, {State: Processing, CheckAfter: time.Minute}}},
			func(o *Options) { o.PollTotal = 90 * time.Second }, "still processing after 1m0s"},
		{"a file that grew", &fakeTarget{}, func(o *Options) { o.Size = 8 }, "larger than the 8 bytes"},
		{"a file cut short", &fakeTarget{}, func(o *Options) { o.Size = 12 }, "read bytes 8-11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var slept []time.Duration
			o := options(data, &slept)
			if tt.opt != nil {
				tt.opt(&o)
			}
			err := Run(t.Context(), tt.f, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			var ae *platforms.APIError
			if errors.As(err, &ae) && ae.Outcome == platforms.Created {
				t.Errorf("an upload error says a post was created: %v", err)
			}
		})
	}
}
