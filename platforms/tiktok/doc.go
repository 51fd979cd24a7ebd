// Package tiktok is the TikTok adapter, over the Content Posting API v2:
// it posts a post's video directly or to the creator's inbox (a draft the
// creator finishes in the app), uploads it in the chunks TikTok requires,
// polls the post's status until TikTok has published it, reads its
// counts, and looks up a post whose outcome is unknown among the
// creator's videos. The API has no edit and no delete, so the adapter
// has neither. Fake is its contract fake, which herald demo can run.
//
// # Settings
//
//	mode               direct (default; scope video.publish) or inbox
//	                   (scope video.upload)
//	privacy_level      PUBLIC_TO_EVERYONE (default), MUTUAL_FOLLOW_FRIENDS,
//	                   FOLLOWER_OF_CREATOR or SELF_ONLY
//	disable_comment, disable_duet, disable_stitch
//	                   the post's interaction toggles (default false)
//	chunk_size         bytes per upload PUT, 5 MiB to 64 MiB (default 10 MiB)
//	find_max_pages     pages of 20 videos Find reads at most (default 5)
//	token_url          the token endpoint (default
//	                   https://open.tiktokapis.com/v2/oauth/token/)
//	access_token_env   the access token, when the token store has none
//	refresh_token_env  the refresh token
//	client_key_env     the app's client key, for refreshing
//	client_secret_env  the app's client secret, for refreshing
//
// A post's privacy_level, disable_comment, disable_duet, disable_stitch
// and video_cover_timestamp_ms options override the account's.
//
// # Facts relied on, and where they come from
//
// TikTok for Developers, "Content Posting API" reference (Direct Post,
// Upload, Get Post Status), "Media Transfer Guide"
// (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide),
// "Manage OAuth Access Tokens" and "Refresh a User Access Token" (last
// updated November 2026), as summarised in PLATFORMS.md §10 and
// rechecked for this package:
//
//   - Direct post ✅: POST /v2/post/publish/creator_info/query/ first
//     (privacy_level_options, comment/duet/stitch disabled, the
//     creator's username); a level not offered is refused before
//     anything is uploaded, and a toggle the creator turned off stays
//     off. Then POST /v2/post/publish/video/init/ with post_info (title,
//     privacy_level, disable_comment, disable_duet, disable_stitch,
//     video_cover_timestamp_ms) and source_info (FILE_UPLOAD, video_size,
//     chunk_size, total_chunk_count) gives publish_id and upload_url.
//     Inbox: POST /v2/post/publish/inbox/video/init/ with source_info
//     only. Inits are limited to 6 a minute per token ✅; RateLimit counts
//     them, since TikTok sends no rate-limit headers, and a seventh is
//     refused before it is sent.
//   - Chunks ✅: total_chunk_count is video_size / chunk_size rounded
//     down; chunks are 5 MB to 64 MB, the last may be larger (up to 128
//     MB) to take the remainder; a video under 5 MB goes whole, one over
//     64 MB in several chunks; 1 to 1000 chunks, in order. Each PUT
//     carries Content-Type, Content-Length and Content-Range "bytes
//     FIRST-LAST/TOTAL"; the upload URL carries its own authorization.
//     The fake answers 206 to a chunk and 201 to the last ⚠️. herald
//     reads MB as MiB (5 MiB is what other clients use ⚠️).
//   - Status ✅/⚠️: POST /v2/post/publish/status/fetch/ {publish_id} gives
//     status PROCESSING_UPLOAD, PROCESSING_DOWNLOAD, SEND_TO_USER_INBOX,
//     PUBLISH_COMPLETE or FAILED with fail_reason, and, once public,
//     publicaly_available_post_id (so spelled). herald polls with a wait
//     that doubles from 2 s to 15 s, 30 times at most; still processing
//     then is an Unknown outcome, which Find settles on the next run. A
//     post that is not public has no public ID; its receipt keeps the
//     publish ID (❓ whether video/query then finds it).
//   - Audit ✅: an app TikTok has not audited posts only SELF_ONLY to
//     private accounts; the error says so.
//   - Caption ⚠️: at most 2,200 UTF-16 code units.
//   - Metrics ⚠️: POST /v2/video/query/?fields=id,like_count,comment_count,share_count,view_count
//     with {"filters":{"video_ids":[...]}} (scope video.list).
//   - Find ⚠️: POST /v2/video/list/?fields=... with max_count (at most 20)
//     and cursor, newest first; a video whose title or
//     video_description is the caption is the attempt. The scan reads
//     back to the attempt's beginning: two videos with the caption
//     since then, or any when the post has no caption (the creator's
//     captionless videos look the same), cannot be told apart and are
//     left to a person. The video object's page gives title and
//     video_description a "max length" of 150 ❓ while captions run to
//     2,200: if TikTok cuts longer captions in video/list, Find of such
//     a post would miss it. An inbox upload is no post until the
//     creator finishes it, so Find cannot tell.
//   - Errors ⚠️: {"data":{},"error":{"code","message","log_id"}}, code
//     "ok" on success; 429 rate_limit_exceeded (herald waits a minute
//     when no Retry-After comes), 401 access_token_invalid.
//   - URL ❓: https://www.tiktok.com/@{username}/video/{id}.
//   - No edit, no delete ❓: the Content Posting API documents none.
//
// # Tokens
//
// OAuth 2.0 v2 (herald auth: https://www.tiktok.com/v2/auth/authorize/ with
// client_key, comma-separated scopes and PKCE; the code traded at
// /v2/oauth/token/). Access tokens last 2 hours and refresh tokens 180
// days (November 2026 docs ✅; older pages said 24 hours and 365 days, so
// herald reads expires_in and refresh_expires_in instead of assuming).
// Refresh tokens rotate: the old one stops working once a new one is
// issued, so a refreshed pair is saved through the token store before it
// is used, and kept for the run even when the store refuses it. A refresh
// token TikTok refuses wraps platforms.ErrNeedsReconnect.
package tiktok
