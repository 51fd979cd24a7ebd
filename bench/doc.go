// Package bench holds the benchmarks herald's performance targets are
// measured with, and the baselines they are compared to: Hugo building the
// same generated content repository. See README.md for how to run them and
// where their figures are recorded.
package bench
