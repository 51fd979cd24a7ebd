package progress

import (
	"context"
	"strings"
	"testing"
	"time"
)

// clock is a settable clock for the Printer.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestPrinterThrottlesAndFormats(t *testing.T) {
	var b strings.Builder
	c := &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	p := &Printer{W: &b, Now: c.now}
	const size = 120 << 20
	up := func(sent int64) {
		p.Report(Update{Platform: "youtube", File: "media/tour.mp4", Sent: sent, Size: size})
	}
	up(0)
	// 1 MiB chunks, one every 100 ms (10 MiB/s): a line per tenth, not
	// per chunk.
	for sent := int64(1 << 20); sent <= size; sent += 1 << 20 {
		c.t = c.t.Add(100 * time.Millisecond)
		up(sent)
	}
	want := `
  youtube  media/tour.mp4: 1.0 of 120.0 MiB (0%), 10.0 MiB/s
  youtube  media/tour.mp4: 12.0 of 120.0 MiB (10%), 10.0 MiB/s
  youtube  media/tour.mp4: 24.0 of 120.0 MiB (20%), 10.0 MiB/s
  youtube  media/tour.mp4: 36.0 of 120.0 MiB (30%), 10.0 MiB/s
  youtube  media/tour.mp4: 48.0 of 120.0 MiB (40%), 10.0 MiB/s
  youtube  media/tour.mp4: 60.0 of 120.0 MiB (50%), 10.0 MiB/s
  youtube  media/tour.mp4: 72.0 of 120.0 MiB (60%), 10.0 MiB/s
  youtube  media/tour.mp4: 84.0 of 120.0 MiB (70%), 10.0 MiB/s
  youtube  media/tour.mp4: 96.0 of 120.0 MiB (80%), 10.0 MiB/s
  youtube  media/tour.mp4: 108.0 of 120.0 MiB (90%), 10.0 MiB/s
  youtube  media/tour.mp4: 120.0 MiB sent in 12s, 10.0 MiB/s
`
	if b.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPrinterEveryFewSecondsWhenSlow(t *testing.T) {
	var b strings.Builder
	c := &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	p := &Printer{W: &b, Now: c.now}
	const size = 100 << 20
	p.Report(Update{Platform: "x", File: "v.mp4", Size: size})
	// 100 KiB a second: a tenth takes 100 s, so a line every 5 s.
	var sent int64
	for range 12 {
		c.t = c.t.Add(time.Second)
		sent += 100 << 10
		p.Report(Update{Platform: "x", File: "v.mp4", Sent: sent, Size: size})
	}
	if n := strings.Count(b.String(), "\n"); n != 4 { // a blank line, then at 1 s, 6 s and 11 s
		t.Errorf("printed %d lines in 12 s, want 4:\n%s", n, b.String())
	}
}

func TestPrinterQuietForShortUploads(t *testing.T) {
	var b strings.Builder
	c := &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	p := &Printer{W: &b, Now: c.now}
	// 3 MiB in 300 ms: nothing.
	for sent := int64(0); sent <= 3<<20; sent += 1 << 20 {
		p.Report(Update{Platform: "mastodon", File: "a.mp4", Sent: sent, Size: 3 << 20})
		c.t = c.t.Add(100 * time.Millisecond)
	}
	p.Report(Update{Platform: "mastodon", File: "a.mp4", Sent: 3 << 20, Size: 3 << 20, Processing: true})
	if b.Len() != 0 {
		t.Errorf("a short upload printed:\n%s", b.String())
	}
	// 3 MiB in 3 s: shown once it has run 2 s, and its end.
	b.Reset()
	for sent := int64(0); sent <= 3<<20; sent += 1 << 20 {
		p.Report(Update{Platform: "mastodon", File: "b.mp4", Sent: sent, Size: 3 << 20})
		c.t = c.t.Add(time.Second)
	}
	want := "\n  mastodon  b.mp4: 2.0 of 3.0 MiB (66%), 1.0 MiB/s\n  mastodon  b.mp4: 3.0 MiB sent in 3s, 1.0 MiB/s\n"
	if b.String() != want {
		t.Errorf("printed:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestPrinterTTYRewritesOneLine(t *testing.T) {
	var b strings.Builder
	c := &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	p := &Printer{W: &b, Now: c.now, TTY: true}
	for sent := int64(0); sent <= 20<<20; sent += 10 << 20 {
		p.Report(Update{Platform: "tiktok", File: "t.mp4", Sent: sent, Size: 20 << 20})
		c.t = c.t.Add(time.Second)
	}
	want := "\n  tiktok  t.mp4: 10.0 of 20.0 MiB (50%), 10.0 MiB/s\r\033[K  tiktok  t.mp4: 20.0 MiB sent in 2s, 10.0 MiB/s\n"
	if b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}

func TestReportReachesTheContextsFunc(t *testing.T) {
	Report(context.Background(), Update{File: "nobody listens"})
	var got []Update
	ctx := With(context.Background(), func(u Update) { got = append(got, u) })
	Report(ctx, Update{Platform: "x", File: "v.mp4", Sent: 1, Size: 2})
	if len(got) != 1 || got[0].File != "v.mp4" {
		t.Errorf("got %+v", got)
	}
}
