package bluesky

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's waits (between video status reads and
// before an upload is sent again) with fn, which returns at once.
func SetSleep(b *Bluesky, fn func(time.Duration)) {
	b.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}
