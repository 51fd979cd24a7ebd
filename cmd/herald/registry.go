package main

import (
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/x"
)

// registry lists every platform adapter herald has. root is the content
// repository for adapters that write into it (the feed); nil for commands
// that never publish, which still learn what each adapter can do.
func registry(root feed.WriteFS) *platforms.Registry {
	feedCtor := feed.New
	if root != nil {
		feedCtor = feed.Constructor(root)
	}
	return platforms.NewRegistry(map[string]platforms.Constructor{
		"bluesky":  bluesky.New,
		"feed":     feedCtor,
		"mastodon": mastodon.New,
		"x":        x.New,
	})
}
