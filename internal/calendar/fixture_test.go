package calendar

import (
	"time"

	"github.com/heraldhq/herald/state"
)

// newYork is the fixture repository's time zone.
var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// now is the fixture's clock.
var now = time.Date(2026, 12, 9, 15, 0, 0, 0, time.UTC)

func n(v int64) *int64 { return &v }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixture is a repository's December: published posts with metrics (one
// without any), a failure, a scheduled launch, a draft, a busy day, an
// undated post, and names that need escaping and folding.
func fixture() []Post {
	return []Post{
		{ID: "beta", Title: "Sluice 2 beta, now open", Campaign: "q4-launch", At: at("2026-12-01T14:00:00Z"), Targets: []Target{
			{Name: "bluesky", Status: "published", At: at("2026-12-01T14:00:00Z"), URLs: []string{"https://bsky.app/profile/sluice.example.com/post/3kbeta"},
				Metrics: &state.Metrics{Likes: n(40), Reposts: n(12), Replies: n(5), Quotes: n(2), SyncedAt: at("2026-12-08T14:00:00Z")}},
			{Name: "mastodon", Status: "published", At: at("2026-12-01T14:00:00Z"), URLs: []string{"https://fosstodon.org/@sluice/111"},
				Metrics: &state.Metrics{Likes: n(18), Reposts: n(7), Replies: n(3), SyncedAt: at("2026-12-08T14:00:00Z")}},
		}},
		{ID: "tips/replay", Excerpt: "Replay a failed delivery with one command…", At: at("2026-12-03T15:30:00Z"), Targets: []Target{
			{Name: "x", Status: "failed", At: at("2026-12-03T15:30:00Z"), Error: "402 Payment Required: the app is not enrolled"},
			{Name: "linkedin:company", Status: "published", At: at("2026-12-03T15:30:00Z"), URLs: []string{"https://www.linkedin.com/feed/update/urn:li:share:7"},
				Metrics: &state.Metrics{Likes: n(9), Impressions: n(1200), Clicks: n(31), SyncedAt: at("2026-12-08T15:30:00Z")}},
		}},
		{ID: "welcome-priya", Title: "Welcome, Priya; our new SRE", At: at("2026-12-07T14:00:00Z"), Targets: []Target{
			{Name: "bluesky", Status: "published", At: at("2026-12-07T14:00:00Z"), URLs: []string{"https://bsky.app/profile/sluice.example.com/post/3kpriya"}},
		}},
		{ID: "launch", Title: "Sluice 2 is out: faster retries, a replay command, and a dashboard in every plan — read the full notes", Campaign: "q4-launch", At: at("2026-12-15T14:00:00Z"), Targets: []Target{
			{Name: "bluesky", Status: "scheduled", At: at("2026-12-15T14:00:00Z")},
			{Name: "mastodon", Status: "scheduled", At: at("2026-12-15T14:00:00Z")},
			{Name: "site", Status: "scheduled", At: at("2026-12-15T14:00:00Z")},
		}},
		{ID: "launch-thread", Title: "How Sluice 2 retries", Campaign: "q4-launch", At: at("2026-12-15T16:00:00Z"), Targets: []Target{
			{Name: "bluesky", Status: "scheduled", At: at("2026-12-15T16:00:00Z")},
		}},
		{ID: "launch-video", Title: "Sluice 2 in 90 seconds", Campaign: "q4-launch", At: at("2026-12-15T18:00:00Z"), Targets: []Target{
			{Name: "mastodon", Status: "scheduled", At: at("2026-12-15T18:00:00Z")},
		}},
		{ID: "launch-faq", Title: "Sluice 2 FAQ", Campaign: "q4-launch", At: at("2026-12-15T20:00:00Z"), Targets: []Target{
			{Name: "site", Status: "scheduled", At: at("2026-12-15T20:00:00Z")},
		}},
		{ID: "holiday-hours", Title: "Holiday support hours", At: at("2026-12-23T15:00:00Z"), Targets: []Target{
			{Name: "bluesky", Status: "draft"}, {Name: "mastodon", Status: "draft"},
		}},
		{ID: "roadmap-2027", Title: "Roadmap 2027", Targets: []Target{
			{Name: "site", Status: "pending"},
		}},
		{ID: "november", Title: "Last month's post", At: at("2026-11-20T14:00:00Z"), Targets: []Target{
			{Name: "bluesky", Status: "published", At: at("2026-11-20T14:00:00Z"), Metrics: &state.Metrics{Likes: n(3), SyncedAt: at("2026-11-21T14:00:00Z")}},
		}},
	}
}

// stateMetricsZeroLikes is a sync that read zero likes and nothing else.
var stateMetricsZeroLikes = state.Metrics{Likes: n(0)}
