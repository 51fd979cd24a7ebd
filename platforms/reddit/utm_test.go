package reddit_test

import (
	"errors"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/reddit"
)

// TestLinkPostPublishedBeforeUTM: a link post published before the
// configuration tagged links is unchanged when only its link gained UTM
// parameters; another link is still no edit Reddit can make.
func TestLinkPostPublishedBeforeUTM(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	r, err := s.rd.Publish(t.Context(), post("b", "A link", map[string]any{"url": "https://e.com/1"}, "x"), "k")
	if err != nil {
		t.Fatal(err)
	}
	tagged := post("b", "A link", map[string]any{"url": "https://e.com/1?utm_source=reddit&utm_medium=social"}, "x")
	r2, err := s.rd.Update(t.Context(), r, tagged)
	if err != nil {
		t.Fatalf("the link with UTM parameters = %v, want no change", err)
	}
	if p := s.fake.Posts()[0]; p.Edits != 0 || p.Text != "https://e.com/1" {
		t.Errorf("after the update: %+v", p)
	}
	if _, err := s.rd.Update(t.Context(), r2, tagged); err != nil {
		t.Errorf("again: %v", err)
	}
	other := post("b", "A link", map[string]any{"url": "https://e.com/2?utm_source=reddit"}, "x")
	if _, err := s.rd.Update(t.Context(), r2, other); !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("another link = %v, want ErrNotEditable", err)
	}
}
