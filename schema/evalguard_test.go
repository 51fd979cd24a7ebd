package schema

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// withEvalLimits lowers the evaluation limits for a test.
func withEvalLimits(t *testing.T, d time.Duration, heap uint64) {
	old := evalLimits
	evalLimits.time, evalLimits.heap = d, heap
	t.Cleanup(func() { evalLimits = old })
}

func TestGuard(t *testing.T) {
	withEvalLimits(t, 300*time.Millisecond, 64<<20)
	t.Run("quick", func(t *testing.T) {
		ran := false
		if err := guard("herald.cue", func() { ran = true }); err != nil || !ran {
			t.Errorf("err %v, ran %v", err, ran)
		}
	})
	t.Run("slow but within", func(t *testing.T) {
		if err := guard("herald.cue", func() { time.Sleep(50 * time.Millisecond) }); err != nil {
			t.Error(err)
		}
	})
	t.Run("time", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		start := time.Now()
		err := guard("herald.cue", func() { <-release })
		if !errors.Is(err, ErrEvalLimit) || err.Error() != "herald.cue: evaluation exceeded 0.3 s" {
			t.Errorf("err = %v", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %v", took)
		}
	})
	t.Run("heap", func(t *testing.T) {
		// Time is not what this case measures: on a loaded machine,
		// filling 64 MB can take longer than the 0.3 s above.
		withEvalLimits(t, time.Minute, 64<<20)
		stop := make(chan struct{})
		defer close(stop)
		var keep [][]byte
		err := guard("posts/a.md with herald.cue", func() {
			for len(keep) < 64 { // 1 GiB at most, should the guard fail
				select {
				case <-stop:
					return
				default:
				}
				b := make([]byte, 16<<20)
				for i := range b {
					b[i] = 1
				}
				keep = append(keep, b)
				time.Sleep(time.Millisecond)
			}
		})
		if !errors.Is(err, ErrEvalLimit) || err.Error() != "posts/a.md with herald.cue: evaluation exceeded 64 MB" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("panic", func(t *testing.T) {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v", p)
			}
		}()
		guard("herald.cue", func() { panic("boom") })
	})
}

// TestConfigLimits checks the limits on the configuration: its size, and
// aliases (CUE's YAML decoder bounds their expansion).
func TestConfigLimits(t *testing.T) {
	t.Run("size", func(t *testing.T) {
		fsys := fstest.MapFS{"herald.yaml": {Data: []byte("# " + strings.Repeat("x", MaxConfigSize) + "\n")}}
		_, err := LoadConfig(fsys)
		if err == nil || err.Error() != "herald.yaml: the configuration is 1.0 MiB; the limit is 1 MiB" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("alias bomb", func(t *testing.T) {
		bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
			"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		_, err := LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte(bomb)}})
		if err == nil || err.Error() != "herald.yaml:1: aliases expand to more than 50000 nodes" {
			t.Errorf("err = %v", err)
		}
	})
}
