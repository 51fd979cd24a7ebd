package main

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// TestDemo runs herald demo as the README's first command does: every
// due post is published once to each platform's contract fake, the second
// apply has nothing to do, the state is committed to the remote, and sync
// brings the engagement set on the fakes back into one more commit.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" } // no credentials, none read
	if code := run(context.Background(), []string{"demo"}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("herald demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		`(?m)^15 posts valid$`,
		`(?m)^Applied: 16 published\.$`,
		`(?m)^No changes\. 16 scheduled, 10 late, 2 draft, 16 unchanged\.$`,
		`published sluice-2-launch -> bluesky  https://bsky\.app/profile/sluice\.example\.com/post/`,
		`published sluice-2-launch -> mastodon  https://`,
		`published sluice-2-launch -> x  https://x\.com/sluicehq/status/`,
		`published sluice-2-launch -> linkedin  https://www\.linkedin\.com/feed/update/urn:li:share:`,
		`published sluice-2-launch -> threads  https://`,
		`published sluice-2-launch -> facebook  https://www\.facebook\.com/104000000000001/posts/`,
		// A video post: uploaded resumably to the YouTube fake, and to
		// Mastodon, which processes it in the background.
		`(?m)^  published sluice-2-tour -> youtube  https://www\.youtube\.com/watch\?v=`,
		`(?m)^  published sluice-2-tour -> mastodon  https://`,
		`herald: 14 published \[skip ci\]`,
		// The blog post goes to the Ghost fake first, then its announcements,
		// with its URL, in a second wave of the same run.
		`(?m)^  \+ create    mastodon  due since 2026-12-01 10:00 EST; waits for blog$`,
		`(?m)^  published sluice-2-why -> blog  http://127\.0\.0\.1:\d+/site/sluice-2-why/$`,
		`herald: 2 published \[skip ci\]`,
		`(?m)^  mastodon: "Why Sluice 2 sets retry policies per endpoint, and what that changes for a flaky partner API: http://127\.0\.0\.1:\d+/site/sluice-2-why/"$`,
		// The counts the demo set on the Mastodon and Bluesky fakes, and
		// those the other fakes report; what a platform does not give
		// (impressions on Mastodon and Bluesky) is not shown as 0.
		`(?m)^  synced +sluice-2-launch -> mastodon: likes 18, reposts 5, replies 3, quotes 0$`,
		`(?m)^  synced +sluice-2-launch -> bluesky: likes 45, reposts 7, replies 3, quotes 2$`,
		`(?m)^  synced +sluice-2-launch -> x: likes 7, reposts 2, replies 1, quotes 0, impressions 120, saves 3$`,
		`(?m)^  synced +sluice-2-launch -> linkedin: likes \d+, reposts \d+, replies \d+, impressions \d+, clicks \d+$`,
		`(?m)^  synced +sluice-2-launch -> threads: likes \d+, `,
		`(?m)^  synced +sluice-2-launch -> facebook: likes 12, reposts 2, replies 3, impressions 340, clicks 17$`,
		`(?m)^Synced: 15 synced, 1 unsupported\.$`,
		`(?m)^[0-9a-f]{8} herald: sync metrics of 15 targets \[skip ci\] \(herald\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("demo output lacks %q\n%s", want, got)
		}
	}
	if strings.Contains(got, "failed") || strings.Contains(errOut.String(), "contract") {
		t.Errorf("something failed or broke a platform's contract:\n%s\n%s", got, errOut.String())
	}
}

// TestDemoBlogs: an example whose accounts include a Ghost and a
// WordPress site gets a fake of each from the demo, with the credentials
// the accounts name, and a post goes to both through herald apply.
func TestDemoBlogs(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	work := t.TempDir()
	site, remote := filepath.Join(work, "site"), filepath.Join(work, "remote.git")
	files := map[string]string{
		"herald.yaml": "accounts:\n  blog:\n    platform: ghost\n    admin_key_env: BLOG_GHOST_KEY\n" +
			"  wordpress:\n    password_env: WP_APP_PASSWORD\n",
		"posts/long-read.md": "---\ntitle: A long read\nto: [blog, wordpress]\n---\nThe whole story, in **HTML** on both blogs.\n",
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(site, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(site, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := &platformtest.LogReporter{Logger: slog.New(slog.DiscardHandler)}
	defer rep.Close()
	settings, secrets, err := blogFakes(filepath.Join(site, "herald.yaml"), rep, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if len(settings) != 2 || secrets["BLOG_GHOST_KEY"] == "" || secrets["WP_APP_PASSWORD"] == "" || settings["wordpress"]["username"] == "" {
		t.Fatalf("settings %v, secrets named %v", settings, slices.Sorted(maps.Keys(secrets)))
	}
	if err := pointAccounts(filepath.Join(site, "herald.yaml"), settings); err != nil {
		t.Fatal(err)
	}
	if err := initDemoRepo(site, remote, now); err != nil {
		t.Fatal(err)
	}
	secrets["HERALD_NOW"] = now.Format(time.RFC3339)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"apply", "--repo", site}, nil, &out, &errOut, func(k string) string { return secrets[k] }); code != 0 {
		t.Fatalf("apply exited %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{`published long-read -> blog  http://127\.0\.0\.1:\d+/site/long-read/`, `published long-read -> wordpress  http://`, `(?m)^Applied: 2 published\.$`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("apply output lacks %q\n%s", want, out.String())
		}
	}
	if errs := rep.Errors(); len(errs) > 0 {
		t.Errorf("the fakes saw contract violations: %v", errs)
	}
}
