package linkedin

import (
	"context"
	"time"
)

// SetSleep replaces the adapter's wait between image status checks.
func SetSleep(a *LinkedIn, fn func(context.Context, time.Duration) error) { a.sleep = fn }

// LittleShown exposes littleShown to the external tests.
var LittleShown = littleShown
