// Package corpus writes large, realistic herald content repositories, and
// measures the programs that read them.
//
// Generate makes N posts with the front-matter and bodies content teams
// write (targets, tags, campaigns, media with alt text, threads), all within
// every target platform's limits, so that a correct validator finds nothing
// to report. With Options.Hugo it also writes a minimal Hugo site over the
// same files, so that herald and Hugo can be timed on identical input.
//
// PeakRSS, ResetPeakRSS and Measure give benchmarks the peak memory of the
// running process or of a child process, the figures herald's performance
// targets are stated in.
package corpus
