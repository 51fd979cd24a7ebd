package calendar

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/golden"
)

func TestWriteGrid(t *testing.T) {
	tests := []struct {
		name string
		opt  GridOptions
	}{
		{"december", GridOptions{Month: now, Location: newYork}},
		{"november-utc", GridOptions{Month: at("2026-11-01T12:00:00Z")}},
		{"one-per-day", GridOptions{Month: now, Location: newYork, PerDay: 1, Width: 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteGrid(&b, fixture(), tt.opt); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "grid-"+tt.name+".txt", b.Bytes())
		})
	}
}

func TestWriteICS(t *testing.T) {
	var b bytes.Buffer
	if err := WriteICS(&b, fixture(), ICSOptions{Now: now, Name: "Fernhill, social"}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "calendar.ics", b.Bytes())
	cal, err := parseICS(b.Bytes())
	if err != nil {
		t.Fatalf("the feed is not valid RFC 5545: %v", err)
	}
	var got []string
	for _, ev := range cal.events {
		got = append(got, ev["UID"]+" "+ev["DTSTART"]+" "+ev["SUMMARY"])
	}
	want := []string{
		UID("beta") + " 20261201T140000Z Sluice 2 beta, now open",
		UID("tips/replay") + " 20261203T153000Z Replay a failed delivery with one command…",
		UID("welcome-priya") + " 20261207T140000Z Welcome, Priya; our new SRE",
		UID("november") + " 20261120T140000Z Last month's post",
	}
	// Sort puts November first.
	want = append(want[3:], want[:3]...)
	want = append(want,
		UID("launch")+" 20261215T140000Z Sluice 2 is out: faster retries, a replay command, and a dashboard in every plan — read the full notes",
		UID("launch-thread")+" 20261215T160000Z How Sluice 2 retries",
		UID("launch-video")+" 20261215T180000Z Sluice 2 in 90 seconds",
		UID("launch-faq")+" 20261215T200000Z Sluice 2 FAQ",
	)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if d := cal.events[1]["DESCRIPTION"]; d != "Post: beta\nCampaign: q4-launch\nbluesky: published https://bsky.app/profile/sluice.example.com/post/3kbeta\nmastodon: published https://fosstodon.org/@sluice/111" {
		t.Errorf("beta's DESCRIPTION unescaped = %q", d)
	}
}

func TestUIDStable(t *testing.T) {
	first, again := UID("launch"), UID(string([]byte("launch")))
	if first != again || first == UID("launch-faq") {
		t.Errorf("UID is not a stable function of the post ID: %s %s", UID("launch"), UID("launch-faq"))
	}
	if got := UID("a/b;c"); !regexp.MustCompile(`^[0-9a-f]{24}@herald$`).MatchString(got) {
		t.Errorf("UID(a/b;c) = %q, want 24 hex digits and @herald", got)
	}
}

func TestWritePage(t *testing.T) {
	var b bytes.Buffer
	if err := WritePage(&b, fixture(), PageOptions{Title: "Fernhill content calendar", Month: now, Location: newYork, Now: now, History: fixtureHistory()}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "calendar.html", b.Bytes())
	for _, banned := range []string{"<link", "src=\"http", "href=\"//", "@import", "url("} {
		if bytes.Contains(b.Bytes(), []byte(banned)) {
			t.Errorf("the page refers to an external resource: it contains %q", banned)
		}
	}
}

func fixtureHistory() []Point {
	return []Point{
		{At: at("2026-12-01T20:00:00Z"), Totals: Totals{Likes: n(10), Reposts: n(2)}},
		{At: at("2026-12-02T14:00:00Z"), Totals: Totals{Likes: n(30), Reposts: n(8), Replies: n(4)}},
		{At: at("2026-12-04T14:00:00Z"), Totals: Totals{Likes: n(52), Reposts: n(15), Replies: n(7), Impressions: n(900)}},
		{At: at("2026-12-08T15:30:00Z"), Totals: Totals{Likes: n(67), Reposts: n(19), Replies: n(8), Quotes: n(2), Impressions: n(1200)}},
	}
}
