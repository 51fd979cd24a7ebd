package calendar

import (
	"bytes"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/state"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name   string
		since  time.Time
		format string
	}{
		{"all", time.Time{}, "table"},
		{"since", at("2026-12-02T00:00:00Z"), "table"},
		{"none", at("2027-01-01T00:00:00Z"), "table"},
		{"all", time.Time{}, "csv"},
		{"all", time.Time{}, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"-"+tt.format, func(t *testing.T) {
			r := BuildReport(fixture(), tt.since)
			var b bytes.Buffer
			var err error
			switch tt.format {
			case "table":
				err = r.WriteTable(&b)
			case "csv":
				err = r.WriteCSV(&b)
			case "json":
				err = r.WriteJSON(&b)
			}
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "report-"+tt.name+"."+tt.format, b.Bytes())
		})
	}
}

func TestTotalsAbsentIsNotZero(t *testing.T) {
	var tot Totals
	tot.Add(nil)
	if _, ok := tot.Interactions(); ok {
		t.Errorf("no metrics gave interactions")
	}
	tot.Add(&stateMetricsZeroLikes)
	if v, ok := tot.Interactions(); !ok || v != 0 {
		t.Errorf("a zero like count = %d, %v; want 0, true", v, ok)
	}
	if got := tot.cells(Absent); got[0] != "0" || got[1] != Absent {
		t.Errorf("cells = %q, want likes 0 and reposts absent", got)
	}
}

// TestReportOccurrences: the occurrences of a recurring post, each on
// its own day of the calendar, are one post of the report, and each is
// summed into its account.
func TestReportOccurrences(t *testing.T) {
	at := time.Date(2026, 11, 19, 14, 0, 0, 0, time.UTC)
	likes := func(n int64) *state.Metrics { return &state.Metrics{Likes: &n, SyncedAt: at.Add(72 * time.Hour)} }
	posts := []Post{
		{ID: "tip", Title: "Tip", At: at, Targets: []Target{{Name: "mastodon", Status: StatusPublished, At: at, Metrics: likes(3)}}},
		{ID: "tip", Title: "Tip", At: at.Add(96 * time.Hour), Targets: []Target{{Name: "mastodon#2", Status: StatusPublished, At: at.Add(96 * time.Hour), Metrics: likes(4)}}},
	}
	r := BuildReport(posts, time.Time{})
	if len(r.Posts) != 1 || r.Posts[0].Key != "tip" || r.Posts[0].Targets != 2 || *r.Posts[0].Likes != 7 {
		t.Errorf("posts: %+v, want tip once, 2 targets, 7 likes", r.Posts)
	}
	if len(r.Targets) != 1 || r.Targets[0].Key != "mastodon" || r.Targets[0].Posts != 1 || r.Targets[0].Targets != 2 || *r.Targets[0].Likes != 7 {
		t.Errorf("targets: %+v, want mastodon: 1 post, 2 targets, 7 likes", r.Targets)
	}
	if len(r.Campaigns) != 1 || r.Campaigns[0].Posts != 1 {
		t.Errorf("campaigns: %+v, want one post", r.Campaigns)
	}
}

// TestICSOccurrences: each occurrence of a recurring post is an event
// with a UID of its own, so that a calendar app keeps them all.
func TestICSOccurrences(t *testing.T) {
	at := time.Date(2026, 11, 19, 14, 0, 0, 0, time.UTC)
	posts := []Post{
		{ID: "tip", Title: "Tip", At: at, Targets: []Target{{Name: "mastodon", Status: StatusPublished, At: at}}},
		{ID: "tip", Title: "Tip", At: at.Add(96 * time.Hour), Occurrence: 2, Targets: []Target{{Name: "mastodon#2", Status: StatusScheduled, At: at.Add(96 * time.Hour)}}},
	}
	var b bytes.Buffer
	if err := WriteICS(&b, posts, ICSOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, uid := range []string{UID("tip"), UID("tip#2")} {
		if n := bytes.Count(b.Bytes(), []byte("UID:"+uid)); n != 1 {
			t.Errorf("UID %s appears %d times, want once:\n%s", uid, n, b.String())
		}
	}
}
