package schema

import (
	"runtime"
	"testing"
)

func benchPost() (*Post, []Rendered) {
	p := testPost(map[string]any{
		"title": "Launching v2", "publish_at": "2026-12-01T09:00:00-05:00", "to": []any{"x", "bluesky", "linkedin:company"},
		"tags": []any{"launch"}, "campaign": "q4", "media": []any{map[string]any{"file": "hero.png", "alt": "The dashboard"}},
		"x":                map[string]any{"text": "Short override for X"},
		"linkedin:company": map[string]any{"first_comment": "Link in comments: https://example.com"},
	}, []string{"x", "bluesky", "linkedin:company"}, "title", "publish_at", "to", "tags", "campaign", "media", "x", "linkedin:company")
	rendered := []Rendered{
		render("x", "x", RenderedPart{Text: "Short override for X", Length: 20, Bytes: 20}),
		render("bluesky", "bluesky", RenderedPart{Text: "Body", Length: 250, Bytes: 260, Line: 14}, RenderedPart{Text: "More", Length: 120, Bytes: 120, Line: 16}),
		render("linkedin:company", "linkedin", RenderedPart{Text: "Body", Length: 900, Bytes: 910, Line: 14}),
	}
	return p, rendered
}

// BenchmarkValidate measures one valid post with three targets, the
// common case of herald validate.
func BenchmarkValidate(b *testing.B) {
	v := newTestValidator(b, policyCUE)
	p, rendered := benchPost()
	if errs := v.Validate(p, rendered); errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		v.Validate(p, rendered)
	}
}

// BenchmarkValidateInvalid measures a post with several errors, which
// takes more than one round of CUE.
func BenchmarkValidateInvalid(b *testing.B) {
	v := newTestValidator(b, policyCUE)
	p, rendered := benchPost()
	p.Front["titel"] = "x"
	p.Front["thread"] = "manual"
	rendered[0].Parts[0].Length = 300
	b.ReportAllocs()
	for b.Loop() {
		v.Validate(p, rendered)
	}
}

// TestValidateMemoryFlat checks that the heap does not grow with the
// number of posts one Validator checks.
func TestValidateMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("validates 10,000 posts")
	}
	v := newTestValidator(t, policyCUE)
	p, rendered := benchPost()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for range 1000 {
		v.Validate(p, rendered)
	}
	before := heap()
	for range 9000 {
		v.Validate(p, rendered)
	}
	after := heap()
	t.Logf("heap after 1,000 posts: %d KB; after 10,000: %d KB", before>>10, after>>10)
	if after > before+8<<20 {
		t.Errorf("heap grew from %d KB to %d KB over 9,000 posts", before>>10, after>>10)
	}
}
