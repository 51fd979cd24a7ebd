package wordpress_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// clock is the tests' fixed time.
var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func testEnv(t *testing.T) platformtest.Env {
	return platformtest.Env{Now: func() time.Time { return clock }, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
}
