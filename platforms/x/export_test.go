package x

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's wait between media status checks.
func SetSleep(a *X, fn func(time.Duration)) {
	a.sleep = func(_ context.Context, d time.Duration) error { fn(d); return nil }
}

// SetChunkSize sets the bytes one APPEND carries.
func SetChunkSize(a *X, n int) { a.chunkSize = n }
