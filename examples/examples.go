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

// GitHubWorkflow is examples/quickstart/.github/workflows/herald.yml, the
// workflow that runs herald as a GitHub Action: herald init --github
// writes it. (Quickstart leaves it out: go:embed skips dot-directories.)
//
//go:embed quickstart/.github/workflows/herald.yml
var GitHubWorkflow string
