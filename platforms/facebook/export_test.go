package facebook

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's wait between video status checks.
func SetSleep(a *Facebook, fn func(time.Duration)) {
	a.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}
