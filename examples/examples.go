// Package examples holds herald's example content repositories, embedded
// so that herald demo runs from any directory, and from an installed
// binary.
package examples

import "embed"

// Quickstart is examples/quickstart: a small company's social posts, with
// threads, images, overrides, scheduled, past-due and draft posts.
//
//go:embed quickstart
var Quickstart embed.FS
