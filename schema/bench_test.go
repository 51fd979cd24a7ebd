package schema

import "testing"

// typicalPost is the shape of most posts: YAML front-matter with a few
// keys and a list, and a few paragraphs.
var typicalPost = []byte(`---
title: Launching v2 of the dashboard
publish_at: 2026-12-01T09:00:00-05:00
to: [bluesky, mastodon, x, linkedin]
tags: [launch, product]
campaign: q4-launch
media:
  - file: hero.png
    alt: Screenshot of the new dashboard
x:
  text: "Short override for X: https://example.com/v2"
---
We have been working on **v2** for a year, and today it is out.

The new dashboard loads in half the time, shows every account on one page,
and finally has a dark mode. Read the [release notes](https://example.com/v2).

---

Thanks to everyone who tried the beta and sent us feedback: you made it
better. Tell us what you think at https://example.com/feedback.
`)

func BenchmarkParsePost(b *testing.B) {
	cfg := testConfig()
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalPost)))
	for b.Loop() {
		if _, errs := ParsePost(cfg, "posts/2026/launch.md", typicalPost); len(errs) != 0 {
			b.Fatal(errs)
		}
	}
}
