package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/corpus"
)

// BenchmarkHugoBuild1k is the Hugo baseline on 1,000 posts.
func BenchmarkHugoBuild1k(b *testing.B) { benchHugo(b, 1000) }

// BenchmarkHugoBuild10k is the Hugo baseline herald's validate target is
// stated against: 10,000 posts.
func BenchmarkHugoBuild10k(b *testing.B) { benchHugo(b, 10000) }

// benchHugo times `hugo --renderToMemory` on a generated corpus of n posts
// and reports the child's CPU time per build and its peak RSS over all
// builds. Hugo is a baseline, not part of
// herald, so its absence skips the benchmark rather than failing it.
func benchHugo(b *testing.B, n int) {
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		b.Skip("hugo is not on PATH, so there is no baseline to measure; install it (apt-get install hugo) and run again")
	}
	dir := b.TempDir()
	opts := corpus.Defaults(n)
	opts.Hugo = true
	if err := corpus.Generate(dir, opts); err != nil {
		b.Fatal(err)
	}

	// Once, untimed: check that Hugo builds every post, and warm the
	// page cache as a herald run would find it.
	var out bytes.Buffer
	cmd := exec.CommandContext(b.Context(), hugo, "--renderToMemory", "-s", dir)
	cmd.Stdout = &out
	if _, err := corpus.Measure(cmd); err != nil {
		b.Fatal(err)
	}
	pages, err := hugoPages(out.String())
	if err != nil {
		b.Fatalf("hugo build: %v\n%s", err, out.String())
	}
	if pages < n {
		b.Fatalf("hugo built %d pages, want at least the %d posts", pages, n)
	}

	var peak int64
	var cpu time.Duration
	for b.Loop() {
		cmd := exec.CommandContext(b.Context(), hugo, "--renderToMemory", "--quiet", "-s", dir)
		u, err := corpus.Measure(cmd)
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, u.MaxRSS)
		cpu += u.CPU
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(corpus.MB(peak), "peak-RSS-MB")
	b.ReportMetric(float64(pages), "pages")
}

// hugoPages returns the number of pages a Hugo build reports in its
// summary table ("Pages | 10003"), summed over the languages' columns.
func hugoPages(out string) (int, error) {
	s := bufio.NewScanner(strings.NewReader(out))
	for s.Scan() {
		cells := strings.Split(s.Text(), "|")
		if len(cells) < 2 || strings.TrimSpace(cells[0]) != "Pages" {
			continue
		}
		total := 0
		for _, c := range cells[1:] {
			n, err := strconv.Atoi(strings.TrimSpace(c))
			if err != nil {
				return 0, fmt.Errorf("parse hugo pages: %w", err)
			}
			total += n
		}
		return total, nil
	}
	return 0, errors.New("parse hugo pages: no Pages row in the build summary")
}
