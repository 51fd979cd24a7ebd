// Package instagram is the Instagram adapter, through the Instagram API
// with Instagram Login (graph.instagram.com): it publishes images, Reels
// and carousels of up to 10 images and videos to a professional (Business
// or Creator) account, reads their insights, and looks up an attempt whose
// outcome is unknown among the account's recent media. The API edits no
// caption and deletes nothing, so the adapter has no Updater and no
// Deleter: the plan shows a changed post as drift, and a retracted one as
// drift that names its URL, to remove by hand. Fake is its contract fake,
// which herald demo runs.
//
// # Settings
//
//	access_token_env  the variable holding a long-lived token, used when
//	                  the token store (herald auth) has none
//	user_id           the professional account's ID; without it GET
//	                  /me?fields=user_id,username is read once
//	media_base_url    the URL prefix where the repository's files are
//	                  served publicly: Instagram has no upload and fetches
//	                  each file from that prefix followed by its repository
//	                  path (required: a post without media is refused)
//	auth_base_url     the token endpoints' host, default
//	                  https://graph.instagram.com (not versioned)
//	find_limit        media per page of Find's scan, 1-100 (default 100)
//	find_max_pages    pages Find reads at most (default 10)
//
// Settings.BaseURL is the versioned API, default
// https://graph.instagram.com/v25.0. Permissions:
// instagram_business_basic, instagram_business_content_publish,
// instagram_business_manage_insights. The post option share_to_feed (a
// boolean) says whether a Reel also shows in the feed.
//
// # Tokens
//
// As Threads': herald auth trades the one-hour token for a 60-day one
// (GET /access_token?grant_type=ig_exchange_token); a stored token with
// less than 7 days left and at least a day old is refreshed with GET
// /refresh_access_token?grant_type=ig_refresh_token and saved before it
// is used; a token from the environment is refreshed once per run so that
// its expiry is known; an expired token and code 190 wrap
// platforms.ErrNeedsReconnect. The token goes as the access_token query
// parameter; httpx redacts it.
//
// # Publishing
//
// Before anything is sent the post is checked: 1 to 10 media (Instagram
// takes no text-only post), JPEG images of at most 8 MB, MP4 or MOV
// videos, a caption (the parts joined by a blank line) of at most 2,200
// characters, 30 hashtags and 20 @-mentions, alt text of at most 1,000
// characters. herald validate checks the same caps earlier, from the
// limits in the schema (min_media, max_hashtags, max_mentions,
// media_types), so that a pull request shows them. Then the account's
// publishing limit is read (GET
// /{ig-user-id}/content_publishing_limit?fields=quota_usage,config): a
// post the limit cannot take is deferred with a 429 (code
// publishing-limit, NotCreated, RetryAfter the limit's window of 24
// hours) before any container is made.
//
// Then containers: POST /{ig-user-id}/media with image_url, caption and
// alt_text for an image; media_type=REELS, video_url, caption and
// share_to_feed for a video; for a carousel, one child per medium
// (is_carousel_item=true, image_url with alt_text, or media_type=VIDEO and
// video_url), each waited for, then media_type=CAROUSEL with children and
// the caption. Each container's status_code (GET
// /{container-id}?fields=status_code,status) is checked until FINISHED,
// waiting 1 s, then twice as long up to a minute, for at most 5 minutes
// (ERROR and EXPIRED fail, naming Instagram's status). The container is
// published with POST /{ig-user-id}/media_publish (creation_id) and the
// post's permalink and timestamp read with GET /{ig-media-id}?fields=
// permalink,timestamp. Alt text goes with images only: the API takes none
// for Reels. A container is seen by no one and expires in a day, so every
// failure before media_publish is NotCreated; a 5xx or a timeout after it
// was sent is Unknown, settled by Find.
//
// # Find and metrics
//
// Find reads GET /{ig-user-id}/media?fields=id,caption,timestamp,permalink
// newest first, following paging.cursors.after, until a medium older
// than the attempt's beginning less platforms.ClockSkew (a week back when
// not recorded), and matches the caption exactly (NFC, trimmed). Metrics
// reads GET /{ig-media-id}/insights?metric=views,reach,likes,comments,
// shares,saved,total_interactions: views as impressions, likes, comments
// as replies, saved as saves; a metric Instagram leaves out (data can be
// 48 hours late) stays nil. A post gone wraps
// platforms.ErrDeletedRemotely.
//
// # Errors and rate limits
//
// As Facebook's (platforms/internal/metagraph): the Graph envelope, code
// 190 to reconnect, codes 4, 17, 32, 613 as a 429, and X-App-Usage /
// X-Business-Use-Case-Usage for platforms.RateLimitReporter. The
// publishing limit answered at media_publish (code 9, subcode 2207042) is
// a 4xx: NotCreated, not retried in the same run.
//
// # Verified, uncertain
//
// Verified in Meta's documentation (Instagram Platform, "Content
// Publishing" and the IG User Media, Media Publish, Content Publishing
// Limit and Media Insights references): the host graph.instagram.com for
// Instagram Login and its permissions; media by public URL ("We cURL
// media used in publishing attempts"); the container flow, REELS,
// carousels of child containers, is_carousel_item, share_to_feed; alt_text
// for image posts only, since 24 March 2025; status_code values EXPIRED,
// ERROR, FINISHED, IN_PROGRESS, PUBLISHED; containers expire after 24
// hours; GET /{ig-user-id}/content_publishing_limit with quota_usage and
// config {quota_total, quota_duration} (the reference's example says 50
// posts in 86400 s; older pages and third parties say 100 or 25, which is
// why herald reads it at run time); insights views, reach, likes,
// comments, shares, saved, total_interactions, and impressions, plays and
// video_views removed from v22 (April 2025); long-lived tokens of 60
// days refreshed with ig_refresh_token once a day old.
//
// Secondary sources only (⚠️): the caption limit of 2,200 characters and
// the caps of 30 hashtags and 20 mentions (aggregators' docs; some 2026
// sources report a 5-hashtag cap, which herald does not enforce: change
// the caps in herald.cue's limits if Instagram refuses); 10 items in a
// carousel (some sources say 20); JPEG only and 8 MB; that the API deletes
// nothing (Ayrshare: "Instagram does not support deletes via an API");
// the publishing-limit error code 9.
//
// Not documented (❓), and how the fake answers: the error for a caption
// over the caps (code 100, subcode 2207028 for hashtags and mentions); a
// PNG or an unreachable URL (container ERROR with a status naming
// 2207026 or 2207052); a carousel item with a caption or a REELS item
// (code 100); the permalink forms (the fake's /p/{shortcode}/ and
// /reel/{shortcode}/).
package instagram
