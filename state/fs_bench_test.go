package state

import (
	"os"
	"testing"
)

// BenchmarkWalkFS reads every record of a repository named by
// HERALD_BENCH_REPO (a generated corpus with its state written), the way
// plan does.
func BenchmarkWalkFS(b *testing.B) {
	dir := os.Getenv("HERALD_BENCH_REPO")
	if dir == "" {
		b.Skip("set HERALD_BENCH_REPO to a repository with .herald/state")
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	for b.Loop() {
		n := 0
		if err := WalkRoot(b.Context(), root, nil, func(*Record) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("no records")
		}
	}
}
