package reconcile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/schema"
)

// A target's own text replaces the body everywhere it goes, the Markdown
// a platform such as dev.to takes included.
func TestPayloadMarkdownFollowsTheTargetsText(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"herald.yaml": "accounts:\n  devto:\n    api_key_env: DEVTO_API_KEY\n  medium:\n    token_env: MEDIUM_TOKEN\n",
		"posts/a.md":  "---\ntitle: A\nto: [devto, medium]\ndevto:\n  text: \"For **dev.to** only.\"\n---\nThe **body**.\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	v, err := schema.NewValidator(repo.Config)
	if err != nil {
		t.Fatal(err)
	}
	p := repo.Prepare(v, "posts/a.md")
	for target, want := range map[string]string{"devto": "For **dev.to** only.", "medium": "The **body**.\n"} {
		pl, err := repo.Payload(p, target)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Markdown != want {
			t.Errorf("%s receives Markdown %q, want %q", target, pl.Markdown, want)
		}
	}
}
