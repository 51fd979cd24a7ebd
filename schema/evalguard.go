package schema

import (
	"errors"
	"fmt"
	"runtime/metrics"
	"time"
)

// Limits on evaluating CUE: a configuration's policies are code, and
// code can loop (list.Range(0, 1e8, 1)) or grow without end (a string
// repeated into itself). CUE's evaluator cannot be interrupted, so each
// evaluation runs on a goroutine of its own, watched: past a limit the
// caller gets an *EvalLimitError and the goroutine is abandoned, to end
// with the process. herald's commands stop on such an error.
const (
	// MaxEvalTime bounds one evaluation: loading the configuration,
	// compiling the schema with it, or checking one post.
	MaxEvalTime = 10 * time.Second
	// MaxEvalHeap bounds how much the heap may grow during one
	// evaluation.
	MaxEvalHeap = 512 << 20
	// MaxConfigSize is the largest configuration file herald reads.
	MaxConfigSize = 1 << 20
)

// ErrEvalLimit is what every *EvalLimitError is: a CUE evaluation that
// went past MaxEvalTime or MaxEvalHeap.
var ErrEvalLimit = errors.New("CUE evaluation exceeded its limit")

// EvalLimitError says which evaluation went past which limit.
type EvalLimitError struct {
	// What was evaluated: the configuration file, or a post file checked
	// against it.
	What string
	// Time or Heap is the limit exceeded; the other is zero.
	Time time.Duration
	Heap uint64
}

func (e *EvalLimitError) Error() string {
	if e.Time > 0 {
		return fmt.Sprintf("%s: evaluation exceeded %g s", e.What, e.Time.Seconds())
	}
	return fmt.Sprintf("%s: evaluation exceeded %d MB", e.What, e.Heap>>20)
}

func (e *EvalLimitError) Is(target error) bool { return target == ErrEvalLimit }

// evalLimits are the limits guard applies; tests lower them.
var evalLimits = struct {
	time time.Duration
	heap uint64
}{MaxEvalTime, MaxEvalHeap}

// guardQuiet is how long an evaluation runs before guard starts reading
// the heap: almost every evaluation ends well before.
const guardQuiet = 20 * time.Millisecond

// guard runs fn, an evaluation of what, on a goroutine of its own and
// waits for it, up to the time and heap limits. Past one, it returns an
// *EvalLimitError and leaves fn running: nothing fn touches may be used
// again. A panic in fn is raised again in the caller.
func guard(what string, fn func()) error {
	start := heapBytes()
	grown := func() bool {
		h := heapBytes()
		return h > start && h-start > evalLimits.heap
	}
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	finished := func(p any) error {
		if p != nil {
			panic(p)
		}
		if grown() {
			// It ended, but took more than it may: say so all the same.
			return &EvalLimitError{What: what, Heap: evalLimits.heap}
		}
		return nil
	}
	quiet := time.NewTimer(guardQuiet)
	select {
	case p := <-done:
		quiet.Stop()
		return finished(p)
	case <-quiet.C:
	}
	deadline := time.NewTimer(evalLimits.time - guardQuiet)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case p := <-done:
			return finished(p)
		case <-deadline.C:
			return &EvalLimitError{What: what, Time: evalLimits.time}
		case <-tick.C:
			if grown() {
				return &EvalLimitError{What: what, Heap: evalLimits.heap}
			}
		}
	}
}

// heapBytes is the memory the heap's objects take, live or not yet
// collected: what an evaluation that grows without end makes grow.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
