// Package calendar shows a content repository's posts in time: a month
// grid for the terminal, an iCalendar feed a team subscribes to, one
// self-contained HTML page, and engagement reports built from the
// metrics in the state records and their history in git.
//
// It reads nothing itself but the git history: the command joins the
// posts in the tree with their state records into Posts and passes them
// in, with the clock and the time zone, so every output is a pure
// function of its inputs and golden-tested.
package calendar
