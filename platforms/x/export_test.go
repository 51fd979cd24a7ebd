package x

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's wait between media status checks.
func SetSleep(a *X, fn func(time.Duration)) {
	a.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}
