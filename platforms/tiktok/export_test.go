package tiktok

import (
	"context"
	"time"
)

// NoSleep makes t's waits between status reads instant.
func NoSleep(t *TikTok) {
	t.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
}

// FindPage is how many videos one page of Find's video/list reads.
const FindPage = findPage
