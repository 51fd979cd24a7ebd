//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package state

import "os"

// flock is not available here: herald never proves it runs alone, so it
// never removes a lock file a killed run left (the error names it).
func flock(*os.File, bool) (bool, error) { return false, nil }

const flockSupported = false
