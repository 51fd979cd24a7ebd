package corpus

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// PeakRSS returns the peak resident set size of the running process, in
// bytes (VmHWM in /proc/self/status), for benchmarks that run herald in
// process. Call ResetPeakRSS first to leave out what came before.
func PeakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read peak rss: %w", err)
	}
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		rest, ok := bytes.CutPrefix(s.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		kb, ok := bytes.CutSuffix(bytes.TrimSpace(rest), []byte(" kB"))
		if !ok {
			return 0, fmt.Errorf("read peak rss: unexpected VmHWM line %q", s.Text())
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(kb)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read peak rss: %w", err)
		}
		return n << 10, nil
	}
	return 0, fmt.Errorf("read peak rss: no VmHWM in /proc/self/status")
}

// ResetPeakRSS sets the running process's peak resident set size back to
// its current one, so that PeakRSS then measures only what follows (for
// example, a validation run after the corpus was generated).
func ResetPeakRSS() error {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak rss: %w", err)
	}
	return nil
}

// maxRSS returns a finished child's peak resident set size in bytes; Linux
// reports it in kilobytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10
	}
	return 0
}

// CPUTime returns the user and system CPU time the running process has
// used. Unlike wall time it does not grow when other processes load the
// machine, so a test can bound the work a call does on a busy CI runner.
func CPUTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("cpu time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
