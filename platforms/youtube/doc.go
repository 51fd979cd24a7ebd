// Package youtube is the YouTube adapter, over the Data API v3: it
// uploads a post's video with its title, description, tags, category,
// privacy and made-for-kids declaration through a resumable upload, sets
// the post's first image as its thumbnail, edits the metadata, deletes
// the video, reads its statistics, and looks up an upload whose outcome
// is unknown in the channel's uploads playlist. It counts the project's
// daily quota so that a run never starts an upload it cannot finish.
// Fake is its contract fake, which herald demo can run outside tests.
//
// # Settings
//
//	category_id        the video category (default 22, People & Blogs)
//	privacy            public, unlisted or private (default public)
//	made_for_kids      status.selfDeclaredMadeForKids (default false)
//	chunk_size         bytes per upload PUT, a multiple of 262144
//	                   (256 KiB; default 8 MiB)
//	quota_units        the project's daily units for every method but
//	                   videos.insert (default 10000)
//	upload_quota       the project's daily videos.insert calls (default 100)
//	upload_units       units one upload costs in the general bucket
//	                   (default 0; 1600 for a project on the older table)
//	find_max_pages     pages of 50 uploads Find reads at most (default 4)
//	token_url          Google's token endpoint (default
//	                   https://oauth2.googleapis.com/token)
//	access_token_env   the access token, when the token store has none
//	refresh_token_env  the refresh token
//	client_id_env      the OAuth client's ID, for refreshing
//	client_secret_env  the OAuth client's secret, for refreshing
//
// Settings.BaseURL is Google's API host (default https://www.googleapis.com):
// the Data API is below /youtube/v3, uploads below /upload/youtube/v3. A
// post's privacy, category_id, made_for_kids and title options override
// the account's for one post.
//
// # Facts relied on, and where they come from
//
// Checked against Google's pages ("Upload a video", "Resumable uploads",
// "Quota Calculator" https://developers.google.com/youtube/v3/determine_quota_cost,
// the videos resource reference) on the dates of PLATFORMS.md §9 and again
// for this package:
//
//   - Upload ✅: POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status
//     with the video resource as JSON and X-Upload-Content-Length and
//     X-Upload-Content-Type; the session URI is in Location. Bytes go in
//     PUTs to it with Content-Range "bytes FIRST-LAST/TOTAL"; every chunk
//     but the last is a multiple of 256 KiB. A chunk that is not the last
//     is answered 308 with "Range: bytes=0-N", the bytes the session holds.
//     After an interruption (no answer, or 502/503/504) an empty PUT with
//     "Content-Range: bytes */TOTAL" asks what arrived (308 and Range,
//     or 200/201 with the video when it is complete), and the upload goes
//     on from N+1: nothing that arrived is sent again. The video exists
//     only once its last byte has arrived, so a failure before then is
//     NotCreated; silence or a 500 after the last chunk is Unknown, which
//     Find settles. A 500 is not resumed: Google documents resuming after
//     an interruption and a 503, and a 500 repeated may be a request it
//     will always refuse. A session left behind by a failed run is not
//     resumed across runs; the next run starts a clean upload, which
//     cannot post twice because the first session never completed.
//   - Quota ✅: 10,000 units a day for every method but search.list and
//     videos.insert, which have buckets of their own of 100 calls a day
//     at 1 unit a call ("The search.list and videos.insert methods have
//     their own quota buckets"). Older copies of the page (and
//     PLATFORMS.md's first table) cost videos.insert at 1,600 units; a
//     project still counted that way sets upload_units: 1600.
//     videos.list, channels.list and playlistItems.list cost 1,
//     videos.update, videos.delete and thumbnails.set 50. Quotas reset
//     at midnight Pacific time. Google's answers carry no usage headers,
//     so the adapter counts what it spends, every call (failed ones too)
//     at its cost, and keeps the day's count in the stored token's Extra
//     (youtube_quota_day, _units, _uploads), so that the next run on the
//     same quota day starts from it; a token from the environment is not
//     written for it, and then each run counts from zero. Another program
//     on the same project is unseen; a 403 quotaExceeded marks the day
//     spent. Before an upload it checks that one more insert and the
//     upload's units and its thumbnail's fit; if not, the error is a 429
//     NotCreated with RetryAfter until the reset, and RateLimit reports
//     how many uploads are left, so the reconciler holds the account. A
//     403 quotaExceeded is reported as that same 429. 400
//     uploadLimitExceeded (the channel's own cap) waits 24 hours.
//   - Limits ⚠️: title at most 100 characters, description at most 5,000
//     bytes, neither with '<' or '>' (Render turns them into '‹' '›'),
//     tags at most 500 characters together, a comma between tags and
//     quotes around a tag with a space counting. Thumbnails: JPEG or PNG,
//     at most 2 MB (thumbnails.set); a channel that may not set custom
//     thumbnails gets the video without one and a warning in the log.
//     Uploads from unverified API projects created after 28 July 2020 are
//     locked private until the project is audited ✅.
//   - Edit ✅/⚠️: videos.update with part=snippet,status must carry the
//     whole snippet, title and categoryId included, which Render always
//     gives. The file and the thumbnail are not changed by an edit.
//   - Statistics ⚠️: videos.list part=statistics gives viewCount (herald's
//     Impressions), likeCount and commentCount as strings; an empty items
//     list means the video is gone. Dislikes are private.
//   - Find ⚠️: channels.list part=contentDetails mine=true names the uploads
//     playlist; playlistItems.list lists it newest first with each
//     video's publishedAt, title and description. A video whose title and
//     description are the attempt's is the attempt; an upload older than
//     the attempt's beginning proves it absent. Find reads back to that
//     point: two such videos since then (the file uploaded again in
//     Studio) cannot be told apart and are left to a person.
//   - Errors ✅: {"error":{"code","message","errors":[{"reason","domain",
//     "message"}]}}; the reason is APIError.Code.
//   - Video URL ❓: https://www.youtube.com/watch?v={id}.
//
// # Tokens
//
// Google OAuth 2.0 with the scopes youtube.upload and youtube (herald auth
// asks for both, with access_type=offline and prompt=consent so that
// Google returns a refresh token). Access tokens last an hour ✅
// (expires_in); a stored token is refreshed before use once it has
// lapsed, at token_url with the client's ID and secret, and saved before
// it is used. Google does not rotate refresh tokens. A refresh token
// Google refuses (invalid_grant: revoked, or older than 7 days for a
// consent screen left in "Testing" ⚠️) wraps platforms.ErrNeedsReconnect.
package youtube
