// Command herald is a GitOps reconciler for content: posts are Markdown
// files in a Git repository, and herald validates them, shows what each
// platform would receive, plans what is due and publishes it exactly once.
//
// This package is the command line only. It parses flags and arguments,
// builds the logger and the clock, and calls into the packages that do the
// work. Nothing below main reads os.Args, os.Getenv, os.Stdout or
// time.Now: run receives them, so that tests drive the whole program in
// process.
//
// Usage:
//
//	herald [--log-format text|json] [--log-level LEVEL] <command> [flags] [args]
//
// Run "herald help" for the list of commands.
//
// The environment variable HERALD_NOW, an RFC 3339 time, replaces the
// current time. It is a testing aid: scripts and examples use it to get the
// same output on every run. Do not set it in production.
package main
