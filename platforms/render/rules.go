package render

import (
	"unicode/utf8"
)

// weightKind says how a platform's counter weighs the grapheme clusters
// of a text, for measuring candidate pieces by prefix sums.
type weightKind uint8

const (
	weighCodePoints weightKind = iota // Unicode code points
	weighGraphemes                    // Bluesky: grapheme clusters
	weighMastodon                     // graphemes, URLs 23, remote mentions as @user
	weighThreads                      // graphemes, an emoji as its UTF-8 bytes
	weighX                            // twitter-text v3 weights, URLs 23
	weighLinkedIn                     // UTF-16 code units of the escaped text
)

// rules is what differs between platforms when a post is rendered and
// split, resolved once per target: the counter and how it weighs text,
// the plain-text style, and whether the text is escaped (LinkedIn).
type rules struct {
	platform string
	blog     bool
	style    Style
	count    func(string) int
	weigh    weightKind
	escape   bool // LinkedIn's little text: escaped, counted after escaping
}

var (
	rulesX        = &rules{platform: PlatformX, style: Style{Links: LinkInline, Mentions: MentionUser, Tags: true}, count: CountX, weigh: weighX}
	rulesBluesky  = &rules{platform: PlatformBluesky, style: Style{Links: LinkFacet, Mentions: MentionHandle, Tags: true, Atproto: true}, count: CountBluesky, weigh: weighGraphemes}
	rulesMastodon = &rules{platform: PlatformMastodon, style: Style{Links: LinkInline, Mentions: MentionFediverse, Tags: true}, count: CountMastodon, weigh: weighMastodon}
	rulesThreads  = &rules{platform: PlatformThreads, style: Style{Links: LinkInline, Mentions: MentionUser, Tags: true}, count: CountThreads, weigh: weighThreads}
	rulesLinkedIn = &rules{platform: PlatformLinkedIn, style: Style{Links: LinkInline, Tags: true}, count: CountLinkedIn, weigh: weighLinkedIn, escape: true}
	// Instagram, TikTok and Facebook show @user and #tags.
	rulesSocialTags = &rules{style: Style{Links: LinkInline, Mentions: MentionUser, Tags: true}, count: utf8.RuneCountInString, weigh: weighCodePoints}
	rulesOther      = &rules{style: Style{Links: LinkInline}, count: utf8.RuneCountInString, weigh: weighCodePoints}
	rulesBlog       = &rules{blog: true, style: Style{Links: LinkInline}, count: utf8.RuneCountInString, weigh: weighCodePoints}
)

// rulesFor returns a platform's rules; unknown platforms count code
// points and detect nothing.
func rulesFor(platform string) *rules {
	switch platform {
	case PlatformX:
		return rulesX
	case PlatformBluesky:
		return rulesBluesky
	case PlatformMastodon:
		return rulesMastodon
	case PlatformThreads:
		return rulesThreads
	case PlatformLinkedIn:
		return rulesLinkedIn
	case "instagram", "tiktok", "facebook":
		return rulesSocialTags
	case "ghost", "wordpress", "medium", "devto", "substack", "feed":
		return rulesBlog
	}
	return rulesOther
}
