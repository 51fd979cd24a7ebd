package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/state"
)

func pubAt(account string, at time.Time, likes int64) Target {
	return Target{Name: account, Status: StatusPublished, At: at, Metrics: &state.Metrics{Likes: &likes}}
}

func TestBestTimes(t *testing.T) {
	ny := newYork
	tue9 := time.Date(2026, 11, 3, 9, 15, 0, 0, ny) // a Tuesday
	thu13 := time.Date(2026, 11, 5, 13, 40, 0, 0, ny)
	var posts []Post
	for i, likes := range []int64{30, 40, 50} { // Tuesdays at 09: three posts, 40 a post
		posts = append(posts, Post{ID: "t" + string(rune('a'+i)), Targets: []Target{pubAt("mastodon", tue9.AddDate(0, 0, 7*i), likes)}})
	}
	for i, likes := range []int64{4, 6} { // Thursdays at 13: two posts, 5 a post
		posts = append(posts, Post{ID: "h" + string(rune('a'+i)), Targets: []Target{pubAt("mastodon", thu13.AddDate(0, 0, 7*i), likes)}})
	}
	// Not counted: scheduled, never synced, or a platform giving no
	// interaction metric.
	impressions := int64(900)
	posts = append(posts,
		Post{ID: "later", Targets: []Target{{Name: "mastodon", Status: StatusScheduled, At: tue9.AddDate(0, 1, 0)}}},
		Post{ID: "unsynced", Targets: []Target{{Name: "mastodon", Status: StatusPublished, At: tue9}}},
		Post{ID: "views", Targets: []Target{{Name: "linkedin", Status: StatusPublished, At: tue9, Metrics: &state.Metrics{Impressions: &impressions}}}},
		Post{ID: "one", Targets: []Target{pubAt("bluesky", thu13, 12)}},
	)
	b := BuildBestTimes(posts, ny)
	want := &BestTimes{Zone: "America/New_York", Accounts: []AccountTimes{
		{Account: "bluesky", Posts: 1, Mean: 12, Cells: []Cell{{Weekday: "Thu", Hour: 13, Posts: 1, Interactions: 12}},
			Note: "not enough data to suggest a slot: no hour has 3 posts or more with engagement above the account's mean"},
		{Account: "mastodon", Posts: 5, Mean: 26, Cells: []Cell{
			{Weekday: "Tue", Hour: 9, Posts: 3, Interactions: 120},
			{Weekday: "Thu", Hour: 13, Posts: 2, Interactions: 10},
		}, Suggest: []Cell{{Weekday: "Tue", Hour: 9, Posts: 3, Interactions: 120}}},
	}}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Fatalf("BuildBestTimes (-want +got):\n%s", diff)
	}
	var out bytes.Buffer
	if err := b.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"mastodon: 5 posts, 26.0 interactions a post",
		"  Tue 09:00     3     40.0",
		"  Suggested queue slots: tue 09:00 (3 posts, 40.0 a post).",
		"bluesky: 1 post, 12.0 interactions a post",
		"  No suggestion: not enough data",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, out.String())
		}
	}
	// Across the end of daylight saving time, the hour is the local one.
	dst := BuildBestTimes([]Post{{ID: "a", Targets: []Target{pubAt("x", time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC), 1)}}}, ny)
	if c := dst.Accounts[0].Cells[0]; c.Weekday != "Mon" || c.Hour != 9 {
		t.Errorf("2026-11-02 14:00 UTC is %s %02d:00 in New York, want Mon 09:00", c.Weekday, c.Hour)
	}
}
