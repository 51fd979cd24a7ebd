package schema

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONSchema(t *testing.T) {
	cfg := loadTestConfig(t, "herald.cue", policyCUE)
	got, err := JSONSchema(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema     string                    `json:"$schema"`
		Defs       map[string]map[string]any `json:"$defs"`
		Properties map[string]map[string]any
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q", doc.Schema)
	}
	// Every account is an override key, and a value `to` takes.
	for _, name := range []string{"x", "bluesky", "linkedin:company", "fosstodon", "devto"} {
		if _, ok := doc.Properties[name]; !ok {
			t.Errorf("no override property %q", name)
		}
	}
	if diff := cmp.Diff([]any{"bluesky", "devto", "fosstodon", "linkedin:company", "x"}, doc.Defs["Target"]["enum"]); diff != "" {
		t.Errorf("to enum (-want +got):\n%s", diff)
	}
	// Every front-matter field has a description, for editors.
	for name, p := range doc.Properties {
		if d, _ := p["description"].(string); d == "" {
			t.Errorf("property %q has no description", name)
		}
	}
	golden(t, "front.schema.json", got)
}

func TestJSONSchemaWithoutAccounts(t *testing.T) {
	got, err := JSONSchema(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	props, _ := doc["properties"].(map[string]any)
	if _, ok := props["title"]; !ok {
		t.Errorf("no title property in %s", got)
	}
}
