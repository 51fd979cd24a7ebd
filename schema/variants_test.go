package schema

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestVariantsInstances checks how a post with variants expands into
// instances: assigned variants under the account's name, timed ones
// under ACCOUNT~NAME, in the order of to: and variants:.
func TestVariantsInstances(t *testing.T) {
	src := `---
title: Launching v2
publish_at: 2026-12-08T09:00:00Z
to: [x, mastodon, linkedin, linkedin:company]
variants:
  - name: question
    text: Have you tried v2 yet?
    to: [mastodon]
  - name: headline-b
    title: v2 is out
    to: linkedin:company
  - name: evening
    publish_at: 2026-12-08T18:00:00Z
    to: [x]
  - name: tags
    text: "v2 is out #release #oss"
    publish_at: 2026-12-09T09:00:00Z
---
v2 is out.
`
	p, errs := ParsePost(testConfig(), testFile, []byte(src))
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	type inst struct {
		Key, Account, Variant, At string
	}
	var got []inst
	for _, in := range p.Instances() {
		got = append(got, inst{in.Key, in.Target.Name, in.VariantName(p), in.PublishAt(p).Format(time.RFC3339)})
	}
	want := []inst{
		{"x", "x", "base", "2026-12-08T09:00:00Z"},
		{"mastodon", "mastodon", "question", "2026-12-08T09:00:00Z"},
		{"linkedin", "linkedin", "base", "2026-12-08T09:00:00Z"},
		{"linkedin:company", "linkedin:company", "headline-b", "2026-12-08T09:00:00Z"},
		{"x~evening", "x", "evening", "2026-12-08T18:00:00Z"},
		{"x~tags", "x", "tags", "2026-12-09T09:00:00Z"},
		{"mastodon~tags", "mastodon", "tags", "2026-12-09T09:00:00Z"},
		{"linkedin~tags", "linkedin", "tags", "2026-12-09T09:00:00Z"},
		{"linkedin:company~tags", "linkedin:company", "tags", "2026-12-09T09:00:00Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}

	q := p.WithVariant(p.Variants[0])
	if q.Markdown != "Have you tried v2 yet?" || q.Title != "Launching v2" || q.BodyLine != 7 {
		t.Errorf("question: markdown %q, title %q, body line %d", q.Markdown, q.Title, q.BodyLine)
	}
	h := p.WithVariant(p.Variants[1])
	if h.Title != "v2 is out" || h.Markdown != p.Markdown || h.PosOf("title").Line != 10 {
		t.Errorf("headline-b: title %q at line %d, markdown %q", h.Title, h.PosOf("title").Line, h.Markdown)
	}
	if _, ok := h.Front["variants"]; ok {
		t.Error("a variant's view keeps variants:")
	}
	if in, ok := p.Instance("x~evening"); !ok || in.Variant.Name != "evening" {
		t.Errorf("Instance(x~evening) = %+v, %v", in, ok)
	}

	plain, errs := ParsePost(testConfig(), testFile, []byte("---\nto: [x]\n---\nHello\n"))
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	if ins := plain.Instances(); len(ins) != 1 || ins[0].VariantName(plain) != "" || ins[0].Key != "x" {
		t.Errorf("a post without variants: %+v", ins)
	}
}

// TestVariantsErrors checks each mistake a writer can make in variants:,
// at its line.
func TestVariantsErrors(t *testing.T) {
	head := "---\nto: [x, mastodon]\nx:\n  text: X's own\nvariants:\n"
	tests := []struct {
		name, variants string
		want           Errors
	}{
		{"duplicate name", "  - name: a\n    text: A\n    to: [x]\n  - name: a\n    text: B\n    publish_at: 2026-12-08T09:00:00Z\n",
			Errors{e(7, 5, "variants.0.text", "x has its own text (x.text), which replaces the variant's text there: drop one, or leave x out of the variant's to:"),
				e(9, 5, "variants.1.name", `duplicate variant name "a" (also variants.0.name)`)}},
		{"not a target", "  - name: a\n    title: A\n    to: [bluesky]\n",
			Errors{e(8, 10, "variants.0.to.0", `variant a goes to "bluesky", which is not among the post's targets (to: x, mastodon)`)}},
		{"two variants instead of the post", "  - name: a\n    title: A\n    to: mastodon\n  - name: b\n    title: B\n    to: [mastodon]\n",
			Errors{e(11, 10, "variants.1.to.0", "mastodon already gets variant a instead of the post: an account gets at most one variant in place of the post (give this one a publish_at to send it as well)")}},
		{"base is the post", "  - name: base\n    title: B\n    to: [mastodon]\n",
			Errors{e(6, 5, "variants.0.name", "base names the post as written, which the variants are compared with: give this variant another name")}},
		{"neither where nor when", "  - name: a\n    title: A\n",
			Errors{e(6, 5, "variants.0", "variant a says neither where nor when it goes: give it to: (the accounts that get it instead of the post) or publish_at: (sent in addition, at its own time)")}},
		{"changes nothing", "  - name: a\n    to: [mastodon]\n",
			Errors{e(6, 5, "variants.0", "variant a changes nothing: give it text, title or media (or a publish_at, to test a time)")}},
		{"next", "  - name: a\n    publish_at: next\n",
			Errors{e(7, 5, "variants.0.publish_at", "a variant's publish_at is a time: queue slots (next) go to the post as a whole"),
				e(6, 5, "variants.0", "variant a says neither where nor when it goes: give it to: (the accounts that get it instead of the post) or publish_at: (sent in addition, at its own time)")}},
		{"url placeholder", "  - name: a\n    text: 'Read {{url \"x\"}}'\n    to: [mastodon]\n",
			Errors{e(7, 5, "variants.0.text", "a variant's text cannot hold {{url}} placeholders yet: write the URL, or leave the text to the post")}},
		{"bad time", "  - name: a\n    publish_at: tomorrow\n",
			Errors{e(7, 5, "variants.0.publish_at", `cannot read "tomorrow" as a time: write 2026-12-01T09:00:00-05:00, 2026-12-01T09:00:00, 2026-12-01 09:00 or 2026-12-01 (in the configured timezone), or next`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParsePost(testConfig(), testFile, []byte(head+tt.variants+"---\nBody\n"))
			errs.Sort()
			tt.want.Sort()
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVariantsSchema checks what CUE says of variants: (names, unknown
// keys, types), positioned, and that valid variants pass.
func TestVariantsSchema(t *testing.T) {
	v := newTestValidator(t, "")
	tests := []struct {
		name, variants string
		want           []string // "line:col field: message"
	}{
		{"valid", "  - name: b\n    title: B\n    to: mastodon\n", nil},
		{"bad name", "  - name: Big B\n    title: B\n    to: [mastodon]\n",
			[]string{`posts/2026/launch.md:5:5: variants.0.name: "Big B" must match "^[a-z0-9][a-z0-9-]*$"`}},
		{"unknown key", "  - name: b\n    body: B\n    to: [mastodon]\n",
			[]string{`posts/2026/launch.md:6:5: variants.0.body: unknown field "body"`}},
		{"media without file", "  - name: b\n    media: [{alt: A}]\n    to: [mastodon]\n",
			[]string{`posts/2026/launch.md:6:13: variants.0.media.0.file: is required`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "---\nto: [x, mastodon]\ntitle: A\nvariants:\n" + tt.variants + "---\nBody\n"
			p, perrs := ParsePost(testConfig(), testFile, []byte(src))
			if p == nil {
				t.Fatal(perrs)
			}
			var got []string
			for _, e := range v.Validate(p, nil) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVariantsMedia checks that a variant's media are read like the
// post's: resolved, hashed into the post's hash, alt text required, and
// sent in place of the post's by WithVariant.
func TestVariantsMedia(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
	fsys := fstest.MapFS{"posts/2026/shot.png": {Data: png}}
	src := "---\nto: [x, mastodon]\nvariants:\n  - name: image\n    media:\n      - file: shot.png\n        alt: The dashboard\n    to: [mastodon]\n" +
		"  - name: noalt\n    media: [{file: shot.png}]\n    publish_at: 2026-12-08T09:00:00Z\n    to: x\n---\nText.\n"
	p, errs := ParsePost(testConfig(), testFile, []byte(src))
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	before := p.Hash
	errs = ResolveMedia(fsys, testConfig(), p)
	want := Errors{e(10, 13, "variants.1.media.0.alt", "alt text is required: describe the media for people who cannot see it")}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if p.Hash == before {
		t.Error("the variant's media are not in the post's hash")
	}
	view := p.WithVariant(p.Variants[0])
	if len(view.Media) != 1 || view.Media[0].Path != "posts/2026/shot.png" || view.Media[0].Type != "image/png" || len(p.Media) != 0 {
		t.Errorf("the image variant sends %+v; the post %+v", view.Media, p.Media)
	}
	if got := view.PosOf("media.0.file").Line; got != 6 {
		t.Errorf("the variant's media.0.file is on line %d, want 6", got)
	}
}

// TestVariantsNotWithRepeat: a recurring post's occurrences and a post's
// variants are both instances of its targets, and are not combined.
func TestVariantsNotWithRepeat(t *testing.T) {
	src := "---\nto: [x]\npublish_at: 2026-12-08T09:00:00Z\nrepeat:\n  every: 1w\n  count: 3\nvariants:\n  - name: a\n    text: A\n    publish_at: 2026-12-08T19:00:00Z\n---\nBody\n"
	_, errs := ParsePost(testConfig(), testFile, []byte(src))
	want := Errors{e(7, 1, "variants", "a recurring post cannot carry variants: use repeat.texts for texts that take turns, or a post of its own per variant")}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
