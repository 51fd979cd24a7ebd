package reconcile

import (
	"testing"
)

// TestQuickstartValidates keeps the bundled example valid: the README's
// first command runs on it.
func TestQuickstartValidates(t *testing.T) {
	repo, err := OpenRepo("../examples/quickstart")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer repo.Close()
	rep, err := repo.Check(t.Context(), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("%v", e)
	}
	if rep.Files < 10 || len(rep.Summaries) != rep.Files {
		t.Errorf("checked %d files, %d summaries; want 10+ posts, all readable", rep.Files, len(rep.Summaries))
	}
}
