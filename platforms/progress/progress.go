// Package progress carries the progress of long media uploads from the
// adapters to whoever runs them. The upload code reports with Report;
// herald apply puts a Printer in the context (With), which shows a long
// upload's progress on its output while it runs: a file of a few MiB
// that goes up in a second shows nothing, a video that takes minutes
// shows a line every tenth of the way or every few seconds, and a last
// one when its bytes are sent.
//
// An Update names the platform and the file's repository path, never an
// upload URL or a session ID (they can carry tokens), so what is printed
// holds no secret.
package progress

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Update is how far one upload is.
type Update struct {
	// Platform is the adapter's platform name ("youtube").
	Platform string
	// File is the file's repository path.
	File string
	// Sent is how many bytes have arrived, of Size. A report with Sent 0
	// marks the start (or a start over) of the upload.
	Sent, Size int64
	// Processing says the bytes are sent and the platform is processing
	// the file; Percent is its progress when it gives one.
	Processing bool
	Percent    int
}

// Func receives updates. It may be called from several goroutines at
// once (apply publishes to several accounts concurrently).
type Func func(Update)

type ctxKey struct{}

// With returns a context whose uploads report to f.
func With(ctx context.Context, f Func) context.Context {
	return context.WithValue(ctx, ctxKey{}, f)
}

// Report passes u to the Func of ctx, if it has one.
func Report(ctx context.Context, u Update) {
	if f, _ := ctx.Value(ctxKey{}).(Func); f != nil {
		f(u)
	}
}

// Printer defaults.
const (
	// DefaultMinSize is the size from which an upload is shown whatever
	// its speed.
	DefaultMinSize = 8 << 20
	// DefaultMinTime is how long a smaller upload runs before it is
	// shown.
	DefaultMinTime = 2 * time.Second
	// DefaultEvery is the longest a shown upload goes without a line.
	DefaultEvery = 5 * time.Second
)

// Printer writes long uploads' progress to W, one line at every tenth of
// the file and at least every Every, and a last line when the bytes are
// sent: "  youtube  media/tour.mp4: 48.0 of 120.0 MiB (40%), 6.1 MiB/s".
// On a terminal (TTY) the lines of one upload rewrite each other; else
// (CI logs) each is a line of its own; a blank line comes before the
// first. Uploads smaller than MinSize that
// take less than MinTime print nothing. The zero value is not usable:
// set W.
type Printer struct {
	W   io.Writer
	TTY bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// MinSize, MinTime and Every: 0 means the defaults.
	MinSize int64
	MinTime time.Duration
	Every   time.Duration

	mu      sync.Mutex
	ups     map[string]*track
	open    string // the key whose line a TTY shows unfinished
	written bool
}

// track is one upload as the Printer follows it.
type track struct {
	start, last time.Time
	step        int64 // the tenth of the file last shown
	shown       bool
	sent        bool // its bytes are all sent
}

// Report takes one update; it is a Func.
func (p *Printer) Report(u Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	minSize, minTime, every := p.MinSize, p.MinTime, p.Every
	if minSize <= 0 {
		minSize = DefaultMinSize
	}
	if minTime <= 0 {
		minTime = DefaultMinTime
	}
	if every <= 0 {
		every = DefaultEvery
	}
	if p.ups == nil {
		p.ups = map[string]*track{}
	}
	key := u.Platform + "\x00" + u.File
	tr := p.ups[key]
	if tr == nil || (u.Sent == 0 && !u.Processing) {
		if tr != nil && tr.shown && !tr.sent {
			p.line(key, fmt.Sprintf("  %s  %s: starting over", u.Platform, u.File), true)
		}
		tr = &track{start: t}
		p.ups[key] = tr
	}
	if u.Processing {
		// Shown only for an upload that was, at most every Every.
		if tr.shown && t.Sub(tr.last) >= every {
			msg := fmt.Sprintf("  %s  %s: %s is processing it", u.Platform, u.File, u.Platform)
			if u.Percent > 0 {
				msg += fmt.Sprintf(" (%d%%)", u.Percent)
			}
			p.line(key, msg, true)
			tr.last = t
		}
		return
	}
	if tr.sent {
		return
	}
	elapsed := t.Sub(tr.start)
	long := u.Size >= minSize || elapsed >= minTime
	if u.Size > 0 && u.Sent >= u.Size {
		tr.sent = true
		if tr.shown || long {
			msg := fmt.Sprintf("  %s  %s: %s sent", u.Platform, u.File, mib(u.Size))
			if r := rate(u.Size, elapsed); r != "" {
				msg += fmt.Sprintf(" in %s%s", elapsed.Round(100*time.Millisecond), r)
			}
			p.line(key, msg, true)
			tr.shown, tr.last = true, t
		}
		return
	}
	if !long || u.Sent <= 0 || u.Size <= 0 {
		return
	}
	step := u.Sent * 10 / u.Size
	if tr.shown && step <= tr.step && t.Sub(tr.last) < every {
		return
	}
	p.line(key, fmt.Sprintf("  %s  %s: %s of %s (%d%%)%s", u.Platform, u.File,
		mibN(u.Sent), mib(u.Size), u.Sent*100/u.Size, rate(u.Sent, elapsed)), false)
	tr.shown, tr.last, tr.step = true, t, step
}

// line writes one line for key: on a terminal, an unfinished line
// rewrites the one key left open, and end closes it.
func (p *Printer) line(key, s string, end bool) {
	if !p.written {
		// A blank line sets the uploads apart from what came before.
		fmt.Fprintln(p.W)
		p.written = true
	}
	if !p.TTY {
		fmt.Fprintln(p.W, s)
		return
	}
	if p.open != "" && p.open != key {
		fmt.Fprintln(p.W)
		p.open = ""
	}
	if p.open == key {
		fmt.Fprint(p.W, "\r\033[K")
	}
	if end {
		fmt.Fprintln(p.W, s)
		p.open = ""
		return
	}
	fmt.Fprint(p.W, s)
	p.open = key
}

// Close ends a line a terminal has left open.
func (p *Printer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open != "" {
		fmt.Fprintln(p.W)
		p.open = ""
	}
}

func mibN(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }
func mib(n int64) string  { return mibN(n) + " MiB" }

// rate is ", 6.1 MiB/s", or nothing before a tenth of a second has passed.
func rate(n int64, d time.Duration) string {
	if d < 100*time.Millisecond {
		return ""
	}
	return fmt.Sprintf(", %.1f MiB/s", float64(n)/(1<<20)/d.Seconds())
}
