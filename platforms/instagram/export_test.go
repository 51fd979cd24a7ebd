package instagram

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's wait between container status checks.
func SetSleep(a *Instagram, fn func(time.Duration)) {
	a.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}
