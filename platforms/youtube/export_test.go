package youtube

import (
	"context"
	"time"
)

// NoSleep makes y's waits between resumptions instant.
func NoSleep(y *YouTube) {
	y.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
}
