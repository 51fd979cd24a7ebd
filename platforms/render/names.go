package render

// PlatformName is the platform's name as written in prose ("YouTube",
// "dev.to"), or the platform's key when it has none.
func PlatformName(platform string) string {
	if n, ok := platformNames[platform]; ok {
		return n
	}
	return platform
}

var platformNames = map[string]string{
	"bluesky": "Bluesky", "mastodon": "Mastodon", "x": "X", "linkedin": "LinkedIn",
	"threads": "Threads", "facebook": "Facebook", "instagram": "Instagram",
	"pinterest": "Pinterest", "youtube": "YouTube", "tiktok": "TikTok", "reddit": "Reddit",
	"medium": "Medium", "devto": "DEV", "ghost": "Ghost", "wordpress": "WordPress",
	"substack": "Substack", "feed": "Feed", "postforme": "Post for Me", "late": "Late",
}
