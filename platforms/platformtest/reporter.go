package platformtest

import (
	"fmt"
	"log/slog"
	"sync"
)

// LogReporter is a Reporter for fakes that run outside tests (herald
// demo): a violation is logged and remembered instead of failing a test,
// and Close runs the cleanups, stopping the fakes.
type LogReporter struct {
	Logger *slog.Logger

	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

// Helper does nothing: there is no test to attribute lines to.
func (r *LogReporter) Helper() {}

// Errorf logs a violation and remembers it.
func (r *LogReporter) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.errs = append(r.errs, msg)
	r.mu.Unlock()
	if r.Logger != nil {
		r.Logger.Error(msg)
	}
}

// Fatalf is Errorf followed by a panic: a fake that cannot be set up
// cannot run.
func (r *LogReporter) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(fmt.Sprintf(format, args...))
}

// Cleanup registers fn to run at Close, last registered first.
func (r *LogReporter) Cleanup(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, fn)
}

// Errors returns the violations reported so far.
func (r *LogReporter) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// Close runs the registered cleanups.
func (r *LogReporter) Close() {
	r.mu.Lock()
	fns := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}
