package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestValidateMediaTypes: a platform whose limits name media_types (X)
// refuses another type at validation, at the file's key, naming the
// platform and what it takes; a platform without them takes any type;
// herald.cue can change the list.
func TestValidateMediaTypes(t *testing.T) {
	post := func() *Post {
		p := testPost(map[string]any{"tags": []any{"a"}, "to": []any{"x", "bluesky"},
			"media": []any{map[string]any{"file": "a.png"}, map[string]any{"file": "b.heic"}}},
			[]string{"x", "bluesky"}, "tags", "to", "media", "media.0@5", "media.0.file@5", "media.1@5", "media.1.file@5")
		p.Media = []Media{{File: "a.png", Type: "image/png"}, {File: "b.heic", Type: "image/heic"}}
		return p
	}
	rendered := func() []Rendered {
		var out []Rendered
		for _, t := range []string{"x", "bluesky"} {
			r := render(t, t, RenderedPart{Length: 5, Bytes: 5, Line: 10})
			r.Media, r.MediaTypes = 2, []string{"image/png", "image/heic"}
			out = append(out, r)
		}
		return out
	}
	v := newTestValidator(t, policyCUE)
	want := Errors{{File: "posts/launch.md", Line: 8, Column: 5, Field: "media.1.file", Severity: SeverityError,
		Message: "x does not take image/heic files (b.heic): it takes image/jpeg, image/png, image/webp, image/gif, video/mp4, video/quicktime; convert the file"}}
	if diff := cmp.Diff(want, v.Validate(post(), rendered())); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	p := post()
	p.Media[1].Type = "image/webp"
	r := rendered()
	r[0].MediaTypes[1], r[1].MediaTypes[1] = "image/webp", "image/webp"
	if errs := v.Validate(p, r); errs != nil {
		t.Errorf("a WebP for X: %v", errs)
	}
	v = newTestValidator(t, policyCUE+"\nlimits: x: media_types: [\"image/jpeg\", \"image/png\", \"image/heic\"]\n")
	if errs := v.Validate(post(), rendered()); errs != nil {
		t.Errorf("with herald.cue taking HEIC for X: %v", errs)
	}
}
