package render

import (
	"strings"
	"testing"

	"github.com/heraldhq/herald/schema"
)

// benchLimits are the limits the platforms' CUE definitions give, for
// tests and benchmarks that render without a validator.
var benchLimits = map[string]schema.Limits{
	PlatformX:        {Length: 280},
	PlatformBluesky:  {Length: 300, Bytes: 3000},
	PlatformMastodon: {Length: 500},
	PlatformThreads:  {Length: 500},
	PlatformLinkedIn: {Length: 3000},
}

// longBody is a 400-word blog post as teams cross-post it: paragraphs, a
// bare URL and a Markdown link, a short list, a mention and hashtags.
func longBody() string {
	sentences := []string{
		"Today we are shipping incremental builds in Atlas 4.2, and this post explains what changed and why.",
		"Large projects were a different story: build times grew with every new service.",
		"We measured everything before we changed anything, so that we would know when we were done.",
		"The numbers were clear: build times went down by 43% in the first week of the beta.",
		"Some of the work was invisible, like moving the *scheduler* to a queue that survives restarts.",
		"Thanks to @maria for the first prototype, which caught a lot of rough edges.",
		"The full design notes are at https://example.com/blog/incremental-builds/design and the docs at https://docs.example.com/builds.",
		"You can read [the migration guide](https://docs.example.com/builds/migrate) before you upgrade.",
	}
	var b strings.Builder
	words := 0
	for i := 0; words < 380; i++ {
		s := sentences[i%len(sentences)]
		b.WriteString(s)
		words += len(strings.Fields(s))
		if i%4 == 3 {
			b.WriteString("\n\n")
		} else {
			b.WriteString(" ")
		}
	}
	b.WriteString("\n\nWhat you get in this release:\n\n- faster builds on large projects\n- per-team rollout controls\n- docs with worked examples\n\nMore is coming next quarter. #release #devops")
	return b.String()
}

// BenchmarkSplitCount renders a 400-word body for each platform with
// thread: auto: splitting it into a thread and counting every part.
func BenchmarkSplitCount(b *testing.B) {
	src := longBody()
	for _, platform := range []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn} {
		b.Run(platform, func(b *testing.B) {
			p := postFromMarkdown(src)
			p.Thread = schema.ThreadAuto
			t := schema.Target{Name: platform, Platform: platform}
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := Render(p, t, benchLimits[platform]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCount counts the plain text of a 400-word body with each
// platform's counter.
func BenchmarkCount(b *testing.B) {
	text, _ := PlainText(schema.ParseMarkdown([]byte(longBody()), 1).Parts[0].Blocks, StyleFor(PlatformX))
	for _, platform := range []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformThreads, PlatformLinkedIn} {
		b.Run(platform, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Count(platform, text)
			}
		})
	}
}
