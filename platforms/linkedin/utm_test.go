package linkedin_test

import (
	"errors"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
)

// TestEditKeepsAFirstCommentPublishedBeforeUTM: a post whose first
// comment was posted before the configuration tagged links can have its
// text edited once the comment's links carry UTM parameters (the comment
// stays as it was); another comment is still no edit.
func TestEditKeepsAFirstCommentPublishedBeforeUTM(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	r, err := s.li.Publish(t.Context(), post(t, s, "Hello", "Details (here): https://e.com/v2_(b)?ref=a."), "k")
	if err != nil {
		t.Fatal(err)
	}
	tagged := "Details (here): https://e.com/v2_(b)?ref=a&utm_source=linkedin&utm_medium=social."
	if _, err := s.li.Update(t.Context(), r, post(t, s, "Hello, edited", tagged)); err != nil {
		t.Fatalf("edit with the comment's link tagged: %v", err)
	}
	if got := s.fake.Posts()[0]; got.Text != "Hello, edited" || got.Edits != 1 {
		t.Errorf("after the edit: %+v", got)
	}
	_, err = s.li.Update(t.Context(), r, post(t, s, "Hello, edited", "Details: https://e.com/v3?utm_source=linkedin"))
	if !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("another comment = %v, want ErrNotEditable", err)
	}
}
