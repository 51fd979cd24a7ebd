package facebook_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// TestEditLinkPostPublishedBeforeUTM: a link post published before the
// configuration tagged links can have its text edited once its link
// carries UTM parameters (the link stays as published); another link
// is still no edit Facebook can make.
func TestEditLinkPostPublishedBeforeUTM(t *testing.T) {
	s := newSetup(t, config{})
	p := platformtest.Payload("launch", "Sluice 2 is out")
	p.Options = map[string]any{"link": "https://sluice.example.com/v2?ref=home"}
	r, err := s.a.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	edited := p.Clone()
	edited.Parts[0].Text = "Sluice 2 is out today"
	edited.Options = maps.Clone(p.Options)
	edited.Options["link"] = "https://sluice.example.com/v2?ref=home&utm_source=facebook&utm_medium=social"
	if _, err := s.a.Update(t.Context(), r, edited); err != nil {
		t.Fatalf("edit of the text with the link tagged: %v", err)
	}
	if got := s.fake.Posts()[0]; got.Text != "Sluice 2 is out today" || got.Edits != 1 || got.Fields["link"] != "https://sluice.example.com/v2?ref=home" {
		t.Errorf("after the edit: %+v", got)
	}
	other := edited.Clone()
	other.Options["link"] = "https://sluice.example.com/v3?utm_source=facebook"
	if _, err := s.a.Update(t.Context(), r, other); !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("edit to another link: %v, want ErrNotEditable", err)
	}
}
