package corpus

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Usage is what one run of a child process cost: the figures herald's
// performance targets are stated in.
type Usage struct {
	Wall time.Duration // from start to exit
	// CPU is user plus system time. It varies less than Wall on a busy
	// machine, and shows how much of Wall was spent on more than one core.
	CPU    time.Duration
	MaxRSS int64 // peak resident set size, in bytes; 0 where the OS does not say
}

// Measure runs cmd to completion and returns its wall time, CPU time and peak
// resident set size, so that herald and Hugo, each run as a child, are
// measured the same way. Build cmd with exec.CommandContext to bound it.
// When cmd.Stderr is nil, Measure keeps the end of the child's standard
// error and puts it in the error of a failed run.
func Measure(cmd *exec.Cmd) (Usage, error) {
	var stderr bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	start := time.Now()
	err := cmd.Run()
	u := Usage{Wall: time.Since(start)}
	if cmd.ProcessState != nil {
		u.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		u.MaxRSS = maxRSS(cmd.ProcessState)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		if msg != "" {
			return u, fmt.Errorf("run %s: %w: %s", cmd.Path, err, msg)
		}
		return u, fmt.Errorf("run %s: %w", cmd.Path, err)
	}
	return u, nil
}

// MB converts bytes to megabytes (10^6 bytes), the unit herald's memory
// targets are stated in and benchmarks report.
func MB(bytes int64) float64 {
	return float64(bytes) / 1e6
}
