package main

import (
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/devto"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/ghost"
	"github.com/heraldhq/herald/platforms/instagram"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/medium"
	"github.com/heraldhq/herald/platforms/pinterest"
	"github.com/heraldhq/herald/platforms/reddit"
	"github.com/heraldhq/herald/platforms/substack"
	"github.com/heraldhq/herald/platforms/threads"
	"github.com/heraldhq/herald/platforms/tiktok"
	"github.com/heraldhq/herald/platforms/wordpress"
	"github.com/heraldhq/herald/platforms/x"
	"github.com/heraldhq/herald/platforms/youtube"
)

// registry lists every platform adapter herald has. root is the content
// repository for adapters that write into it (the feed), and stage hands
// what they write to the state store, to be committed with the run's
// results; both nil for commands that never publish, which still learn
// what each adapter can do.
func registry(root feed.WriteFS, stage feed.StageFunc) *platforms.Registry {
	feedCtor := feed.New
	substackCtor := substack.New
	if root != nil {
		feedCtor = feed.ConstructorWith(feed.Options{Root: root, Stage: stage})
		substackCtor = substack.ConstructorWith(substack.Options{Root: root, Stage: substack.StageFunc(stage)})
	}
	return platforms.NewRegistry(map[string]platforms.Constructor{
		"bluesky":   bluesky.New,
		"devto":     devto.New,
		"facebook":  facebook.New,
		"feed":      feedCtor,
		"ghost":     ghost.New,
		"instagram": instagram.New,
		"linkedin":  linkedin.New,
		"mastodon":  mastodon.New,
		"medium":    medium.New,
		"pinterest": pinterest.New,
		"reddit":    reddit.New,
		"substack":  substackCtor,
		"threads":   threads.New,
		"tiktok":    tiktok.New,
		"wordpress": wordpress.New,
		"x":         x.New,
		"youtube":   youtube.New,
	})
}

// localPlatforms are the platforms whose adapters write into the content
// repository instead of calling a remote API (the feed, Substack's
// drafts): their calls are file writes, which no rate limit protects.
var localPlatforms = map[string]bool{"feed": true, "substack": true}
