// Package upload runs the chunked, resumable media uploads that platforms
// take videos by (X's INIT/APPEND/FINALIZE, TikTok's PUT with
// Content-Range, YouTube's resumable session), and waits for the
// processing that follows them. Each platform says how its protocol goes
// by implementing Target; Run does the rest the same way for every one:
//
//   - the file is read once, forward, one chunk of the platform's size at
//     a time, so a video of hundreds of MiB never sits in memory;
//   - a chunk that fails for a reason that may pass (a transport error, a
//     429 or a 5xx) is sent again, a few times with back-off, without
//     sending again the chunks that arrived;
//   - a session the platform has lost (ErrRestart) starts over from the
//     first byte, a bounded number of times;
//   - processing is polled with back-off (the platform's check-after when
//     it gives one) within an overall bound;
//   - progress goes to the logger, to Options.Progress, and to the
//     progress.Func of the context (herald apply prints long uploads'
//     progress from it: see platforms/progress), so every adapter that
//     runs its upload here shows it without code of its own.
//
// Adapters whose platform says where to go on from (YouTube's Range,
// Facebook's start_offset) read the file through a Source, which reads
// any range without holding the file, and report with Report.
//
// An upload is a step before the post is created: whatever Run returns,
// no post exists yet, so a failed upload is always safe to run again. It
// never posts twice because it never posts at all.
package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/progress"
)

// ErrRestart, wrapped in an error from Put, says the platform lost the
// session (expired, unknown upload ID): Run begins a new one and sends
// the file from its first byte.
var ErrRestart = errors.New("the upload session is gone: start over")

// Chunk is one piece of the file: its index from 0, its first byte's
// offset, its bytes, and the file's size.
type Chunk struct {
	Index  int
	Offset int64
	Data   []byte
	Total  int64
}

// Last reports whether c ends the file.
func (c Chunk) Last() bool { return c.Offset+int64(len(c.Data)) >= c.Total }

// State is where the platform's processing of an uploaded file is.
type State int

// Processing states.
const (
	Processing State = iota // not ready: poll again
	Done                    // ready to be attached to a post
	Failed                  // the platform refused the file
)

// Status is what the platform said of its processing.
type Status struct {
	State State
	// CheckAfter is when the platform asked to be asked again; 0: Run's
	// back-off decides.
	CheckAfter time.Duration
	// Percent is the platform's progress, when it gives one.
	Percent int
	// Message says why processing failed.
	Message string
}

// Target is one platform's upload protocol for one file.
type Target interface {
	// Begin opens a session for a file of size bytes (X: INIT). Run calls
	// it again to start over after ErrRestart.
	Begin(ctx context.Context, size int64) error
	// Put sends one chunk, in order.
	Put(ctx context.Context, c Chunk) error
	// End closes the session (X: FINALIZE) and says where processing is.
	End(ctx context.Context) (Status, error)
	// Poll says where processing is now.
	Poll(ctx context.Context) (Status, error)
}

// Options are what Run needs besides the Target.
type Options struct {
	// Platform names the platform in errors (platforms.APIError).
	Platform string
	// Name names the file in logs and errors (its repository path).
	Name string
	// Size is the file's size in bytes, and Open reads it from the start.
	Size int64
	Open func() (io.ReadCloser, error)
	// ChunkSize is the platform's chunk size in bytes.
	ChunkSize int64
	// MergeTail adds a last piece shorter than ChunkSize to the chunk
	// before it (TikTok: the final chunk takes the trailing bytes).
	MergeTail bool

	// Retries is how many times one chunk is sent again after a failure
	// that may pass; 0 means DefaultRetries, a negative number none.
	Retries int
	// Restarts is how many times the upload starts over after ErrRestart;
	// 0 means DefaultRestarts, a negative number none.
	Restarts int
	// PollFirst, PollMax and PollTotal are the first wait between polls,
	// the longest, and how long processing may take in all; 0 means the
	// defaults.
	PollFirst, PollMax, PollTotal time.Duration

	// Sleep waits; tests make it instant. nil: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives progress (upload_progress) and retries.
	Logger *slog.Logger
	// Progress, when set, is told after each chunk and each poll.
	Progress func(Progress)
}

// Progress is how far an upload is, for a person watching.
type Progress struct {
	Name       string
	Sent, Size int64
	Processing bool // the bytes are sent; the platform is processing
	Percent    int  // the platform's processing progress, when known
}

// Defaults.
const (
	DefaultRetries   = 3
	DefaultRestarts  = 1
	DefaultPollFirst = 2 * time.Second
	DefaultPollMax   = 30 * time.Second
	DefaultPollTotal = 10 * time.Minute
	// retryWait is the first wait before a chunk is sent again.
	retryWait = time.Second
)

// Chunks returns the chunk sizes a file of size bytes is sent in, with
// chunkSize bytes each; the last is shorter, or, with mergeTail, folded
// into the one before it. A file of 0 bytes is one empty chunk.
func Chunks(size, chunkSize int64, mergeTail bool) []int64 {
	if size <= 0 || chunkSize <= 0 {
		return []int64{max(size, 0)}
	}
	n := size / chunkSize
	tail := size % chunkSize
	var out []int64
	for range n {
		out = append(out, chunkSize)
	}
	switch {
	case tail > 0 && mergeTail && n > 0:
		out[n-1] += tail
	case tail > 0:
		out = append(out, tail)
	}
	return out
}

// Run uploads the file o describes through t and waits until the platform
// has processed it. Its errors are *platforms.APIError or wrap the file's
// read error; either way nothing was posted.
func Run(ctx context.Context, t Target, o Options) error {
	o.defaults()
	restarts := 0
	for {
		err := o.send(ctx, t)
		if err == nil {
			break
		}
		if errors.Is(err, ErrRestart) && restarts < o.Restarts {
			restarts++
			o.Logger.Warn("upload session lost; starting over", "file", o.Name, "restart", restarts)
			continue
		}
		return err
	}
	st, err := t.End(ctx)
	if err != nil {
		return fmt.Errorf("finish upload of %s: %w", o.Name, err)
	}
	return o.wait(ctx, t.Poll, st)
}

// Await waits, as Run does after the last chunk, until poll says the
// platform has processed the file o names, starting from st (what the
// upload's answer said). It serves platforms that take a file in one
// request and process it afterwards (Mastodon's 202).
func Await(ctx context.Context, poll func(context.Context) (Status, error), st Status, o Options) error {
	o.defaults()
	return o.wait(ctx, poll, st)
}

func (o *Options) defaults() {
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	if o.Restarts == 0 {
		o.Restarts = DefaultRestarts
	}
	if o.PollFirst <= 0 {
		o.PollFirst = DefaultPollFirst
	}
	if o.PollMax <= 0 {
		o.PollMax = DefaultPollMax
	}
	if o.PollTotal <= 0 {
		o.PollTotal = DefaultPollTotal
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// send begins a session and sends every chunk, each read from the file as
// it goes.
func (o *Options) send(ctx context.Context, t Target) error {
	if o.Open == nil {
		return fmt.Errorf("upload %s: no way to read the file", o.Name)
	}
	rc, err := o.Open()
	if err != nil {
		return fmt.Errorf("upload %s: open: %w", o.Name, err)
	}
	defer rc.Close()
	if err := t.Begin(ctx, o.Size); err != nil {
		return fmt.Errorf("begin upload of %s: %w", o.Name, err)
	}
	Report(ctx, o.Platform, o.Name, 0, o.Size)
	sizes := Chunks(o.Size, o.ChunkSize, o.MergeTail)
	buf := make([]byte, 0, sizes[0])
	var off int64
	for i, n := range sizes {
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		data := buf[:n]
		if _, err := io.ReadFull(rc, data); err != nil {
			return fmt.Errorf("upload %s: read bytes %d-%d: %w", o.Name, off, off+n-1, err)
		}
		c := Chunk{Index: i, Offset: off, Data: data, Total: o.Size}
		if err := o.put(ctx, t, c, len(sizes)); err != nil {
			return err
		}
		off += n
		o.Logger.Info("upload progress", "file", o.Name, "chunk", i+1, "chunks", len(sizes),
			"sent_bytes", off, "size_bytes", o.Size)
		if o.Progress != nil {
			o.Progress(Progress{Name: o.Name, Sent: off, Size: o.Size})
		}
		Report(ctx, o.Platform, o.Name, off, o.Size)
	}
	// A file that grew since it was measured would be sent cut short.
	var one [1]byte
	if n, _ := rc.Read(one[:]); n > 0 {
		return fmt.Errorf("upload %s: the file is larger than the %d bytes it had when checked", o.Name, o.Size)
	}
	return nil
}

// put sends one chunk, again after a failure that may pass.
func (o *Options) put(ctx context.Context, t Target, c Chunk, of int) error {
	wait := retryWait
	for attempt := 0; ; attempt++ {
		err := t.Put(ctx, c)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrRestart) {
			return err
		}
		after, ok := Retryable(err)
		if !ok || attempt >= o.Retries || ctx.Err() != nil {
			return fmt.Errorf("upload %s: chunk %d of %d: %w", o.Name, c.Index+1, of, err)
		}
		d := max(after, wait)
		o.Logger.Warn("upload chunk failed; sending it again", "file", o.Name, "chunk", c.Index+1,
			"attempt", attempt+2, "wait", d.String(), "error", err.Error())
		if err := o.Sleep(ctx, d); err != nil {
			return fmt.Errorf("upload %s: %w", o.Name, err)
		}
		wait *= 2
	}
}

// Retryable reports whether a call that failed with err may succeed when
// made again (a chunk sent again, a status read again), and how long the
// platform asked to wait first: transport errors (no answer), 429 and
// 5xx.
func Retryable(err error) (time.Duration, bool) {
	var ae *platforms.APIError
	if !errors.As(err, &ae) {
		return 0, false
	}
	switch {
	case ae.Status == 0 && ae.Err != nil:
		return 0, !errors.Is(ae.Err, context.Canceled) && !errors.Is(ae.Err, context.DeadlineExceeded)
	case ae.Status == 429, ae.Status >= 500:
		return ae.RetryAfter, true
	}
	return 0, false
}

// wait polls until processing is done, failed, or out of time.
func (o *Options) wait(ctx context.Context, poll func(context.Context) (Status, error), st Status) error {
	var waited time.Duration
	next := o.PollFirst
	for {
		switch st.State {
		case Done:
			return nil
		case Failed:
			msg := st.Message
			if msg == "" {
				msg = "no reason given"
			}
			return &platforms.APIError{Platform: o.Platform, Outcome: platforms.NotCreated,
				Message: fmt.Sprintf("the platform could not process %s: %s", o.Name, msg)}
		}
		d := next
		if st.CheckAfter > 0 {
			d = st.CheckAfter
		}
		if waited+d > o.PollTotal {
			return &platforms.APIError{Platform: o.Platform, Outcome: platforms.NotCreated,
				Message: fmt.Sprintf("%s is still processing after %s (the wait is bounded at %s): run apply again later (nothing was posted)",
					o.Name, waited.Round(time.Millisecond), o.PollTotal)}
		}
		if o.Progress != nil {
			o.Progress(Progress{Name: o.Name, Sent: o.Size, Size: o.Size, Processing: true, Percent: st.Percent})
		}
		progress.Report(ctx, progress.Update{Platform: o.Platform, File: o.Name, Sent: o.Size, Size: o.Size, Processing: true, Percent: st.Percent})
		o.Logger.Info("upload processing", "file", o.Name, "percent", st.Percent, "wait", d.String())
		if err := o.Sleep(ctx, d); err != nil {
			return fmt.Errorf("wait for %s: %w", o.Name, err)
		}
		waited += d
		next = min(next*2, o.PollMax)
		var err error
		if st, err = poll(ctx); err != nil {
			return fmt.Errorf("processing status of %s: %w", o.Name, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Report tells the context's progress.Func (herald apply's output) that
// sent of the size bytes of file have reached platform; sent 0 marks the
// start. Run reports by itself; adapters with an upload loop of their own
// call it at the start and after each chunk. file is the repository
// path: never pass an upload URL, which can carry a token.
func Report(ctx context.Context, platform, file string, sent, size int64) {
	progress.Report(ctx, progress.Update{Platform: platform, File: file, Sent: sent, Size: size})
}

// ProgressReader reads r, the size bytes of file, reporting to the
// context's progress.Func as the bytes go (the Printer decides what to
// show), for platforms that take a file in one streamed request
// (Mastodon, Pinterest's signed form).
func ProgressReader(ctx context.Context, platform, file string, r io.Reader, size int64) io.Reader {
	Report(ctx, platform, file, 0, size)
	return &progressReader{ctx: ctx, platform: platform, file: file, r: r, size: size}
}

type progressReader struct {
	ctx            context.Context
	platform, file string
	r              io.Reader
	n, size        int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.n += int64(n)
		Report(p.ctx, p.platform, p.file, min(p.n, p.size), p.size)
	}
	return n, err
}
