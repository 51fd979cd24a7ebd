// Package pinterest is the Pinterest adapter, over API v5: it creates a
// pin on a board with one image, two to five images, a public image URL
// or a video, edits its text and alt text, deletes it, reads its
// analytics and looks up an attempt whose outcome is unknown among the
// board's newest pins. Fake is its contract fake, which herald demo can
// run outside tests.
//
// # Settings
//
//	board_id           the board pins go to (a post's board: overrides it)
//	board_section_id   a section of that board
//	default_image_url  a public image pinned with posts that have no media
//	                   (a pin needs an image); absent, such a post is refused
//	token_url          the token endpoint (default DefaultTokenURL)
//	continuous_refresh true for apps made before 25 September 2025, which
//	                   must ask for continuous refresh tokens per request
//	find_page_size     pins per page of Find's scan, 1-250 (default 25)
//	find_max_pages     pages Find reads at most (default 10)
//	access_token_env   the access token, when herald auth stored none
//	refresh_token_env  the refresh token, likewise
//	client_id_env      the app's ID, for refreshing
//	client_secret_env  the app's secret, for refreshing
//
// Post options: board (a board ID), board_section, link (the pin's
// destination), image_url (a public image, for a post without media),
// and the common title and text. Scopes: boards:read, pins:read,
// pins:write (and user_accounts:read, which herald auth asks for).
//
// # Publishing
//
// A pin has no thread: Prepare joins the parts into one description and
// refuses, before anything is sent, a title over 100 characters, a
// description over 800, a link over 2048, an alt text over 500, more than
// five images, a video with images, no board, or no image at all.
// Publish sends POST /v5/pins with board_id, board_section_id, title,
// description, link, alt_text (the first medium's) and media_source:
// image_base64 {content_type, data} for one image, multiple_image_base64
// {items} for two to five, image_url {url} for a post without media, and
// video_id {media_id, cover_image_key_frame_time} for a video. A video
// (a schema.Media whose type starts with video/) is registered first with
// POST /v5/media {media_type: video}, whose answer gives media_id,
// upload_url and upload_parameters; the file is POSTed to upload_url as a
// multipart form carrying every upload parameter then the file, and GET
// /v5/media/{id} is polled every 2 s, for at most 10 minutes, until its
// status is succeeded (failed, or the bound, is NotCreated: no pin exists
// yet). The pin's ID is its numeric id; its URL
// https://www.pinterest.com/pin/{id}/.
//
// # Edit, delete, find, metrics
//
// Update sends PATCH /v5/pins/{id} with the title, description, link,
// board, section and alt text when any of them changed (fingerprints in
// Receipt.Extra); the media cannot be patched, so a change to them fails
// with platforms.ErrNotEditable before anything is sent. Delete sends
// DELETE /v5/pins/{id}; a 404 is not an error.
//
// Pinterest has no idempotency key. Find lists GET
// /v5/boards/{board}/pins (page_size, bookmark), newest first, and takes
// the one pin made since the attempt began (less platforms.ClockSkew; a
// week back when that is not recorded) whose title, description and link
// are the ones Publish sends. Reaching an older pin, or the end of the
// board, without a match is platforms.ErrNotFound; running out of pages
// first, or two matches, cannot tell.
//
// Metrics reads GET /v5/pins/{id}/analytics with start_date (the pin's
// date, or 89 days back: analytics reach 90 days), end_date today,
// metric_types IMPRESSION, SAVE, PIN_CLICK, OUTBOUND_CLICK,
// TOTAL_COMMENTS, TOTAL_REACTIONS, app_types ALL and split_field
// NO_SPLIT, and maps all.summary_metrics to impressions, saves and
// clicks (outbound), and all.lifetime_metrics to replies (TOTAL_COMMENTS)
// and likes (TOTAL_REACTIONS), as the spec's PinAnalyticsMetricsResponse
// places them; reposts and quotes are nil. A 404 wraps
// platforms.ErrDeletedRemotely.
//
// # Tokens and errors
//
// herald auth runs the authorization code grant at
// https://www.pinterest.com/oauth/ and keeps the token age-encrypted. The
// access token lasts 30 days; a token that lapses within 24 hours is
// refreshed before the call (grant_type=refresh_token with HTTP Basic
// client credentials at token_url), and the new access and refresh
// tokens are saved before use. Refresh tokens are continuous: each lasts
// 60 days and each refresh issues a new one, so an account synced at
// least every two months never needs reconnecting. A lapsed or refused
// refresh token, or any 401, wraps platforms.ErrNeedsReconnect.
//
// Errors are Pinterest's {"code", "message"}. 4xx are NotCreated, 5xx and
// a timeout after sending Unknown, 429 retryable after Retry-After or the
// X-RateLimit-Reset the answer gives; the adapter reports the latest
// X-RateLimit-Remaining and Reset (platforms.RateLimitReporter).
//
// # What was verified, and against what
//
//   - Endpoints, fields, media_source types (video_id needs media_id;
//     cover_image_key_frame_time is an integer of seconds), the media
//     status enum, pin analytics' metric types and response, and the
//     90-day start_date bound: pinterest/api-description v5 openapi.yaml
//     at c05b189 (✅).
//   - Limits: the same spec's PinCreate gives description 800, title
//     100, alt_text 500, link 2048 (✅, re-read for this adapter). Several third-party clients cut descriptions
//     at 500 (⚠️, an older limit); herald keeps the spec's 800, and the
//     CUE limits table can lower it.
//   - Continuous refresh tokens (60 days, renewed on every refresh; the
//     continuous_refresh=true flag for apps made before 25 September
//     2025): developers.pinterest.com, "Authentication" (✅).
//   - Rate limits: developers.pinterest.com/docs/reference/rate-limits:
//     trial 1,000 calls a day, standard 100 a second per user per app,
//     plus per-category limits (✅).
//
// # Uncertain
//
//   - The names of the rate-limit response headers are not documented
//     (❓): the adapter reads the common X-RateLimit-Limit, -Remaining and
//     -Reset family, and Retry-After, whichever come; the fake sends them.
//   - The error bodies' numeric codes (2 authentication, 8 rate limit, 50
//     not found) are modelled (❓); the adapter keys on the HTTP status.
//   - That GET /boards/{id}/pins lists newest first (⚠️, observed by
//     clients): Find stops at the first pin older than the attempt.
//   - How long video processing takes is not documented, hence the
//     10-minute bound. Per-image alt text on multi-image pins is not in
//     the spec's items (content_type, data, title, description, link):
//     the pin's one alt_text is the first image's.
//   - The spec names an x-ratelimit-category per endpoint, not response
//     headers.
//   - Whether the old refresh token still works after a refresh (❓):
//     herald always keeps the newest.
package pinterest
