//go:build !linux

package corpus

import (
	"errors"
	"os"
	"time"
)

var errNoProc = errors.New("peak rss: only supported on Linux")

// PeakRSS returns the peak resident set size of the running process; it
// needs Linux's /proc and fails elsewhere.
func PeakRSS() (int64, error) { return 0, errNoProc }

// ResetPeakRSS resets the peak resident set size; it needs Linux's /proc
// and fails elsewhere.
func ResetPeakRSS() error { return errNoProc }

// maxRSS is unknown outside Linux (macOS counts bytes, others differ).
func maxRSS(*os.ProcessState) int64 { return 0 }

// CPUTime returns the CPU time the running process has used; like
// PeakRSS it is only measured on Linux and fails elsewhere.
func CPUTime() (time.Duration, error) { return 0, errNoProc }
