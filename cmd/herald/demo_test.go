package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs herald demo as the README's first command does: every
// due post is published once to each platform's contract fake, the second
// apply has nothing to do, and the state is committed to the remote.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" } // no credentials, none read
	if code := run(context.Background(), []string{"demo"}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("herald demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		`(?m)^13 posts valid$`,
		`(?m)^Applied: 10 published\.$`,
		`(?m)^No changes\. 16 scheduled, 10 late, 2 draft, 10 unchanged\.$`,
		`published sluice-2-launch -> bluesky  https://bsky\.app/profile/sluice\.example\.com/post/`,
		`published sluice-2-launch -> mastodon  https://`,
		`published sluice-2-launch -> x  https://x\.com/sluicehq/status/`,
		`published sluice-2-launch -> linkedin  https://www\.linkedin\.com/feed/update/urn:li:share:`,
		`published sluice-2-launch -> threads  https://`,
		`herald: 10 published \[skip ci\]`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("demo output lacks %q\n%s", want, got)
		}
	}
	if strings.Contains(got, "failed") || strings.Contains(errOut.String(), "contract") {
		t.Errorf("something failed or broke a platform's contract:\n%s\n%s", got, errOut.String())
	}
}
