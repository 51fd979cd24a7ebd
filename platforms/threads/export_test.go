package threads

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's wait between container status checks.
func SetSleep(a *Threads, fn func(time.Duration)) {
	a.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}

// ParseUsage exposes parseUsage to the tests.
func ParseUsage(h map[string][]string, now time.Time) (remaining int, reset time.Time, ok bool) {
	u, ok := parseUsage(h, now)
	return u.remaining, u.reset, ok
}
