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

// SetDeleteWait sets how long Delete waits for a deleted status to be
// gone, so tests of a lost deletion do not wait for seconds.
func SetDeleteWait(p platforms.Publisher, d time.Duration) {
	p.(*Mastodon).deleteWait = d
}
