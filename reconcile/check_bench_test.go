package reconcile

import (
	"testing"

	"github.com/heraldhq/herald/internal/corpus"
)

// BenchmarkCheck1k checks a generated 1,000-post repository in process,
// without the cache: the profile target for validate.
func BenchmarkCheck1k(b *testing.B) {
	dir := b.TempDir()
	if err := corpus.Generate(dir, corpus.Defaults(1000)); err != nil {
		b.Fatal(err)
	}
	repo, err := OpenRepo(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer repo.Close()
	for b.Loop() {
		rep, err := repo.Check(b.Context(), CheckOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Errors) > 0 {
			b.Fatalf("corpus invalid: %v", rep.Errors[0])
		}
	}
}
