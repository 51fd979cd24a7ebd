package pinterest

import (
	"context"
	"time"
)

// SetSleep replaces the wait between video status checks.
func SetSleep(p *Pinterest, fn func(context.Context, time.Duration) error) { p.sleep = fn }
