// Package facebook is the Facebook Pages adapter (Graph API,
// graph.facebook.com, versioned): it publishes text, link, photo and video
// posts to one Page, edits their text, deletes them, reads their
// engagement, and looks up an attempt whose outcome is unknown among the
// Page's recent posts. Fake is its contract fake, which herald demo runs.
//
// # Settings
//
//	page_id           the Page's ID; without it, the one herald auth kept
//	                  with the Page token (Token.Extra page_id)
//	access_token_env  the variable holding a Page access token, used when
//	                  the token store (herald auth) has none
//	media_base_url    the URL prefix where the repository's files are
//	                  served publicly; when set, Facebook fetches a video
//	                  from it (file_url); without it, herald uploads the
//	                  video (see Video upload). Photos are always uploaded
//	find_limit        posts per page of Find's scan, 1-100 (default 100)
//	find_max_pages    pages Find reads at most (default 10)
//
// Settings.BaseURL is the versioned API, default
// https://graph.facebook.com/v25.0. The post option link shares a link
// (with its preview) instead of media.
//
// # Tokens
//
// Publishing as a Page takes a Page access token of a person who can do
// the CREATE_CONTENT task on the Page, with pages_manage_posts,
// pages_read_engagement and pages_show_list (and read_insights for
// insights). herald auth runs Facebook Login, trades the short-lived user
// token for a long-lived one (GET /oauth/access_token,
// grant_type=fb_exchange_token), lists the Pages the person manages (GET
// /me/accounts, each with its Page token), and keeps the chosen Page's
// token with its page_id and name. A Page token derived from a long-lived
// user token has no expiry; it is invalidated when the person changes
// their password or loses the Page role, which Meta answers with code 190
// and which wraps platforms.ErrNeedsReconnect. The token goes as the
// access_token query parameter, as Meta's documentation shows it; httpx
// redacts it from every error and log line.
//
// # Publishing
//
// Text and link posts: POST /{page-id}/feed (message, link). Photos: each
// uploaded unpublished with POST /{page-id}/photos (multipart source,
// published=false, alt_text_custom), then attached to one feed post with
// attached_media[i]={"media_fbid":...}: one to MaxPhotos photos make one
// post. A video: uploaded with the resumable protocol below (or, with
// media_base_url, POST /{page-id}/videos with file_url, description and
// title), then GET /{video-id}?fields=status until status.video_status is ready
// (2 s, doubling to a minute, at most 10 minutes; a video still
// processing after that is posted and appears when Facebook is done); a
// video Facebook could not process is deleted and the publish is
// NotCreated. A post carries one video or photos, not both, and a link or
// media, not both. Facebook has no threads: a thread's parts are joined
// by a blank line. Scheduling is herald's (publish_at): Facebook's own
// scheduled_publish_time is never sent, so state stays true. Failures
// before the feed or video create are NotCreated (an unpublished photo is
// seen by no one); a 5xx or a timeout after the create was sent is
// Unknown, and so is code 506 ("Duplicate status message": Facebook
// refuses a post identical to the one just made, which may be this
// attempt's own, sent before a timeout); Find settles it.
//
// The receipt's URL is the post's permalink_url (a video's is relative
// to facebook.com and made absolute), and Receipt.Extra keeps whether it
// is a feed post or a video and a digest of its media, alt text and link.
//
// # Video upload
//
// Without media_base_url a video is uploaded in ranges Facebook chooses,
// on graph-video.facebook.com (the same versioned path; another base URL
// takes the uploads itself), each call with the Page token:
//
//   - POST /{page-id}/videos upload_phase=start, file_size (form) answers
//     video_id, upload_session_id, and start_offset/end_offset (strings):
//     the first range to send;
//   - POST /{page-id}/videos upload_phase=transfer, upload_session_id,
//     start_offset and the range's bytes as the file part
//     video_file_chunk (multipart) answers the next range; equal offsets
//     (the file's size) mean Facebook has it all;
//   - POST /{page-id}/videos upload_phase=finish, upload_session_id,
//     description, title, published=true (form) answers {"success":true}
//     and publishes the video whose ID start gave.
//
// The file is read a range at a time (platforms/internal/upload.Source),
// so a video of gigabytes costs one range of memory; progress goes to the
// log and to herald apply's output. A transfer that gets no answer, a
// 429 (or a rate-limit code) or a 5xx is sent again after a wait
// (Retry-After, else 1 s doubling); a transfer Facebook refuses with code
// 6001 subcode 1363037 carries error_data {start_offset, end_offset}, the
// range it wants, and the upload goes on from there: a range that arrived
// although its answer was lost is not sent twice, and a lost one is sent
// again. At most 8 such retries in all. Nothing is published before
// finish, so every failure until then is NotCreated; a timeout or 5xx on
// finish is Unknown, settled by Find among the Page's videos. Page videos
// are at most 10 GB (MaxVideoBytes, as the CUE limits say).
//
// Why this protocol and not the Resumable Upload API (POST
// /{app-id}/uploads, then POST /upload:{session} with file_offset, then
// /{page-id}/videos with fbuploader_video_file_chunk={handle}), which
// Meta's current Video API guide ("Publish with the Video API",
// developers.facebook.com/docs/video-api/guides/publishing) shows: that
// API needs the app's ID and a User access token ("Upload a file",
// developers.facebook.com/docs/graph-api/guides/upload), and a Page
// account in herald holds a Page token only. The upload_phase protocol
// takes the Page token herald already has, and resumes from offsets the
// server gives. Should Meta retire it, the Resumable Upload API is the
// replacement, with an app_id setting and the user token herald auth
// obtains.
//
// # Edit, delete, find, metrics
//
// Update reads the post's message (a video's description) and, when it
// differs, sends POST /{id} with the new one; it sends nothing when the
// text is unchanged. Facebook cannot change a published post's photos,
// their alt text, its video or its link: such an edit wraps
// platforms.ErrNotEditable and the plan shows drift. Delete is DELETE
// /{id}; a post already gone (404, or code 100 subcode 33) is not an
// error. Find reads GET /{page-id}/published_posts (a video:
// /{page-id}/videos) since the attempt began less platforms.ClockSkew,
// following paging.cursors.after, and matches the message exactly (NFC,
// trimmed). Metrics reads GET /{id}?fields=reactions.summary(total_count)
// .limit(0),comments.summary(total_count).limit(0),shares (likes are all
// reactions; shares is absent when there are none, read as 0), then GET
// /{id}/insights?metric=post_total_media_view_unique,post_clicks:
// impressions are the post's unique views, since Meta removed the
// impressions metrics on 15 November 2025 (post_impressions_unique's
// replacement is post_total_media_view_unique); insights need a Page with
// 100 likes, and without them the counts still come back with
// impressions and clicks nil.
//
// # Errors and rate limits
//
// Meta's envelope becomes a *platforms.APIError whose Code is "code" or
// "code/subcode" (see platforms/internal/metagraph). Codes 4, 17, 32,
// 613 and 80001 are rate limits whatever the HTTP status: a 429,
// retryable, NotCreated, RetryAfter from Retry-After or the usage
// headers. The adapter is a platforms.RateLimitReporter over X-App-Usage
// and X-Business-Use-Case-Usage (Page tokens fall under Business Use Case
// limits): remaining is 100 minus the highest percentage, reset is now
// plus estimated_time_to_regain_access.
//
// # Verified, uncertain
//
// Verified in Meta's documentation: POST /{page-id}/feed with message and
// link and the Page token and permissions it needs (Pages API, "Posts");
// update and delete of a Page post; error 506 "Duplicate Post"; the error
// envelope and codes 190, 4, 17, 32, 613 (Graph API, "Handling Errors");
// Business Use Case limits for Page tokens and the usage headers' fields
// ("Rate Limiting"); GET /{page-id}/photos needing a Page token
// (Reference > Page > Photos); POST /{page-id}/videos answering {id}
// (Video API, "Publish"); a list of Page tokens from GET /me/accounts
// ("Get a Page Access Token"); the 15 November 2025 removal of the
// impressions metrics, replaced by views, with post_total_media_view_unique
// as post_impressions_unique's alternative (developers.facebook.com blog,
// 15 August 2025, "Page Insights API Updates", and Page Insights,
// "Deprecated metrics"); insights need 100 Page likes and update daily.
//
// Secondary sources only (⚠️): multi-photo posts by unpublished photos and
// attached_media (client libraries and guides); file_url on
// /{page-id}/videos (the documented flow uploads through the Resumable
// Upload API and fbuploader_video_file_chunk); the upload_phase
// start/transfer/finish protocol on graph-video.facebook.com (Meta's
// older "Video Uploads" guide, developers.facebook.com/docs/graph-api/
// video-uploads, as cited in restfb/restfb#328; Facebook's own archived
// PHP SDK, facebookarchive/php-graph-sdk FacebookResumableUploader; the
// facebook-api-video-upload npm package); error 6001/1363037 with
// error_data start_offset and end_offset naming the range to resume from
// (facebookarchive/php-graph-sdk#821 and pull request #1001, which made
// the SDK resume from them; restfb/restfb#737); the 10 GB limit (the
// 1363023 error message, "under 10GB"); alt_text_custom on photo
// upload; the video status object (video_status processing, ready,
// error); permalink_url; the response {"id":"{page-id}_{post-id}"};
// Page tokens from a long-lived user token without expiry (community
// guides; Meta's own page says Page tokens from a short-lived user token
// last an hour).
//
// Not documented (❓), and how the fake answers: the message limit (herald
// sends at most 63,206 characters, the figure clients quote); the photo
// limits (herald attaches at most 10 photos of 10 MB each); post_clicks
// after the November 2025 changes (kept; a refusal leaves clicks nil);
// when exactly 506 fires (the fake refuses a message equal to the Page's
// latest post's); the error for an unknown media_fbid (code 100); the
// range size Facebook asks for (observed 1 to 5 MiB; the fake asks 1 MiB,
// FakeOptions.ChunkSize, and holds a transfer to exactly the range it
// asked for); the errors for an expired session (the fake: 6000/1363030)
// and a finish before every byte arrived (6000/1363041).
package facebook
