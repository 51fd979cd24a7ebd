package linkedin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
)

// post is a payload of text with images and, when comment is set, a first
// comment, prepared as the reconciler prepares it.
func post(t *testing.T, s *setup, text, comment string, media ...platforms.Media) *platforms.Payload {
	t.Helper()
	p := &platforms.Payload{PostID: "p", Target: "main", Platform: "linkedin", Parts: []platforms.Part{rendered(text)}, Media: media,
		Options: map[string]any{}}
	if comment != "" {
		p.Options[linkedin.OptFirstComment] = comment
	}
	out, err := platforms.Prepare(s.li, p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpdateSendsOnlyWhatChangedAndRefusesWhatItCannot(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	img := image("a.png", png1, "A chart")
	r, err := s.li.Publish(t.Context(), post(t, s, "Hello", "First", img), "k")
	if err != nil {
		t.Fatal(err)
	}
	edits := func() int { return s.fake.Posts()[0].Edits }

	r2, err := s.li.Update(t.Context(), r, post(t, s, "Hello", "First", img))
	if err != nil || edits() != 0 {
		t.Errorf("an edit with nothing changed = %v, %d edits sent; want success and none", err, edits())
	}
	r3, err := s.li.Update(t.Context(), r2, post(t, s, "Hello, edited", "First", img))
	if err != nil || edits() != 1 || s.fake.Posts()[0].Text != "Hello, edited" {
		t.Fatalf("a text edit = %v, %d edits, text %q", err, edits(), s.fake.Posts()[0].Text)
	}
	for _, tt := range []struct {
		name    string
		payload *platforms.Payload
		says    string
	}{
		{"alt text", post(t, s, "Hello, edited", "First", image("a.png", png1, "A better chart")), "images or their alt text"},
		{"image file", post(t, s, "Hello, edited", "First", image("a.png", png2, "A chart")), "images or their alt text"},
		{"image removed", post(t, s, "Hello, edited", "First"), "images or their alt text"},
		{"first comment", post(t, s, "Hello, edited", "Second", img), "does not edit or remove comments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.li.Update(t.Context(), r3, tt.payload)
			if !errors.Is(err, platforms.ErrNotEditable) || !strings.Contains(err.Error(), tt.says) || platforms.IsRetryable(err) {
				t.Errorf("update = %v; want ErrNotEditable saying %q", err, tt.says)
			}
			if n := edits(); n != 1 {
				t.Errorf("%d edits sent; an edit LinkedIn cannot make sends nothing", n)
			}
		})
	}
}

func TestUpdatePostsAFirstCommentThatFailed(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{FailComments: true})
	r, err := s.li.Publish(t.Context(), post(t, s, "Hello", "Links below"), "k")
	if err != nil || r.Extra["first_comment"] != "failed" {
		t.Fatalf("publish = %v, extra %v; want the comment recorded as failed", err, r.Extra)
	}
	s.fake.SetFailComments(false)
	r2, err := s.li.Update(t.Context(), r, post(t, s, "Hello", "Links below"))
	if err != nil {
		t.Fatal(err)
	}
	urn := s.fake.Posts()[0].ID
	if diff := cmp.Diff([]string{"Links below"}, s.fake.Comments(urn)); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(r2.Extra["first_comment"], "urn:li:comment:") {
		t.Errorf("extra %v, want the comment's URN", r2.Extra)
	}
}

func TestUpdateOfAnOldReceiptComparesTheLivePost(t *testing.T) {
	// A receipt with no fingerprints (from Find, or an older herald):
	// the images are compared with the post read back.
	s := newSetup(t, linkedin.FakeOptions{})
	img := image("a.png", png1, "A chart")
	r, err := s.li.Publish(t.Context(), post(t, s, "Hello", "", img), "k")
	if err != nil {
		t.Fatal(err)
	}
	r.Extra = map[string]string{"author": r.Extra["author"]}
	if _, err := s.li.Update(t.Context(), r, post(t, s, "Hello", "", image("a.png", png1, "Another alt"))); !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("alt text changed = %v; want ErrNotEditable", err)
	}
	if _, err := s.li.Update(t.Context(), r, post(t, s, "Hello, edited", "", img)); err != nil {
		t.Errorf("text changed = %v; want success", err)
	}
	if got := s.fake.Posts()[0].Text; got != "Hello, edited" {
		t.Errorf("text %q", got)
	}
}
