package mastodon

import (
	"time"

	"github.com/heraldhq/herald/platforms"
)

// SetPollInterval sets how long the adapter first waits between media
// polls, so tests of asynchronous processing do not sleep for seconds.
func SetPollInterval(p platforms.Publisher, d time.Duration) {
	p.(*Mastodon).pollEvery = d
}
