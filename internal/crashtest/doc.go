// Package crashtest holds herald's real-crash tests: they build the herald
// binary, run `herald apply --push` as a child process against the
// platforms' contract fakes (started in the test process on 127.0.0.1) and
// a bare git remote, and stop it the way the world does: SIGKILL at a
// random moment, SIGTERM in the middle of a long run. Afterwards they
// check the repository with the git binary and compare what each fake
// accepted with the state herald pushed.
//
// The injected cut points in reconcile's fault tests stop a run between
// steps; these tests stop it inside them (in a write of .git/index, between
// a request and its answer), which is where a torn file or a forgotten
// result comes from. They treat herald as a black box, which is why they
// live in their own package rather than in cmd/herald: they import nothing
// of herald but the fakes.
//
// The package has no code of its own; everything is in its tests:
//
//	go test ./internal/crashtest/                       # ~25 kills, about a minute
//	HERALD_KILLS=300 go test -timeout 0 -run TestKill ./internal/crashtest/
//	HERALD_KILL_SEED=42 go test -run TestKill ./internal/crashtest/
package crashtest
