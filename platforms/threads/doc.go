// Package threads is the Threads (Meta Threads API, graph.threads.net)
// adapter: it publishes posts and threads (reply chains) with images, a
// video or a carousel that Meta fetches from a public URL, deletes them,
// reads their insights, and looks up an attempt whose outcome is unknown
// among the account's recent posts. Threads has no edit, so there is no
// Updater. Fake is its contract fake, which herald demo can run.
//
// # Settings
//
//	access_token_env  the variable holding a long-lived user token, used
//	                  when the token store (herald auth) has none
//	user_id           the Threads user ID; without it GET /me is read once
//	                  and the ID kept in the token's Extra (user_id,
//	                  username)
//	media_base_url    the URL prefix where the repository's files are
//	                  served publicly (e.g. the site's URL); an image's URL
//	                  is this prefix followed by its repository path, each
//	                  segment escaped. Without it a post with media is
//	                  refused before anything is sent (NotCreated).
//	auth_base_url     the token endpoint's host, default
//	                  https://graph.threads.net (not versioned)
//	find_limit        how many posts or replies one page of Find's scan
//	                  holds, 1-100 (default 100)
//	find_max_pages    how many pages Find reads at most when the account
//	                  posted more since the attempt began (default 10)
//
// Settings.BaseURL is the versioned API, default
// https://graph.threads.net/v1.0. Permissions: threads_basic,
// threads_content_publish, threads_delete, threads_manage_insights,
// threads_read_replies (Find reads the account's replies for threads), and
// threads_manage_replies for threads: Meta requires it to read
// reply_quota_usage and reply_config from threads_publishing_limit, which
// herald reads before every thread, and lists it for POST calls to reply
// endpoints. Without it single posts still publish, and a thread is
// refused before anything is sent, with a message naming the permission.
// The per-post option reply_control (everyone, accounts_you_follow,
// mentioned_only, parent_post_author_only, followers_only) applies to the
// first part.
//
// # Tokens
//
// Every call sends the token as the access_token query parameter, as
// Meta's documentation shows it; httpx redacts that parameter and the
// token itself from every error and log line. A stored token with less
// than 7 days left and at least 24 hours old (from Extra issued_at, else
// its expiry less 60 days) is refreshed with GET
// /refresh_access_token?grant_type=th_refresh_token, and the new token
// (expiry from expires_in, issued_at now) is saved through Settings.Tokens
// before it is used. A token from the environment has no known expiry: it
// is refreshed once per run so that it gets one and is kept in the store;
// if that refresh fails (for example because the token is less than a day
// old) it is used as it is. A failed refresh never stops a valid token
// from being used. A stored token past its expiry, and any answer with
// code 190, wrap platforms.ErrNeedsReconnect.
//
// # Publishing
//
// Each part is a container, POST /{user-id}/threads (form body:
// media_type TEXT, IMAGE, VIDEO or CAROUSEL, text, image_url or
// video_url, alt_text, reply_to_id for later parts, reply_control), whose
// status (GET /{container-id}?fields=status,error_message) is checked
// until FINISHED, waiting 1 s, then twice as long each time up to a
// minute, for at most 5 minutes (Meta recommends once a minute for no
// more than five; text and images are usually ready at once). It is then
// published with POST /{user-id}/threads_publish (creation_id), and the
// post's permalink and timestamp are read with GET
// /{media-id}?fields=permalink,timestamp; the receipt's URL is the
// permalink, read from the API and never built from the media ID (a
// permalink holds the post's shortcode, which the ID does not give); when
// it cannot be read the URL is left empty. Media go with the
// first part: one JPEG/PNG image or MP4/MOV video, or 2 to 20 items as a
// carousel of child containers (is_carousel_item=true), each checked
// before the carousel container is made.
//
// Before anything is sent, every part is checked: at most 500 characters
// as render.CountThreads counts them, at most 5 unique links (http(s)
// URLs, www. hosts and link facets), media types, 8 MB per image, alt
// text up to 1000 characters, at most 20 media. So a thread is never cut
// off halfway by a part Threads would refuse.
//
// A thread is started only when the account's publishing quota can take
// all of it. Threads allows 250 API-published posts and 1,000 replies per
// moving 24 hours, enforced at threads_publish, so a thread started with
// fewer left would be cut halfway. Before a thread's first container,
// herald reads GET /{user-id}/threads_publishing_limit?fields=quota_usage,
// config,reply_quota_usage,reply_config; when the post or its n-1 replies
// do not fit, it sends nothing and returns a 429 APIError (code
// publishing-quota, NotCreated, retryable) with RetryAfter the quota's
// window (config.quota_duration, 86400 s), by which every post now counted
// has left it: the reconciler defers the thread. Meta does not say when
// each counted post leaves the moving window, so herald waits the whole
// window. A single post is not checked: threads_publish refuses it
// itself, before anything exists.
//
// A container is seen by no one until it is published and expires after
// 24 hours, so every failure before threads_publish is NotCreated. A 5xx
// or a timeout after the publish request was sent is Unknown. A failure
// on a later part returns the receipt of the parts published with it.
//
// # Find
//
// Threads has no idempotency key. Find reads GET
// /{user-id}/threads?fields=id,text,timestamp,permalink with since at the
// attempt's beginning less platforms.ClockSkew (a week back when that is
// not recorded) and limit find_limit, following paging.cursors.after
// while paging.next is present, for at most find_max_pages pages. The
// first part is the one post whose text equals the part's (NFC, trimmed).
// Nothing created before since can be the attempt, so a scan that pages
// to the end without a match proves the attempt absent, however busy the
// account; a scan cut short by the page limit cannot tell, and says how
// many posts it read.
//
// Each later part is the one reply, among GET /{user-id}/replies since the
// same time, whose text matches and whose replied_to is the part before.
// Replies come newest first: when that scan reached its end, or read a
// reply older than part 1, every reply made since part 1 was read, so
// parts 1..k found and part k+1 not is a *platforms.IncompleteError with
// the receipt of the k parts (their permalinks as listed), for the
// reconciler to Resume. Two matches for a part, a later part's text on a
// reply outside the chain (a gap), or a replies scan that does not reach
// back to part 1 is an error for a person. A crash between creating a
// container and publishing it leaves nothing visible (the container
// expires), which Find rightly reports as not found: no post exists.
//
// Resume (platforms.Resumer) publishes the missing parts with Publish's
// loop, the first replying to the receipt's last part, after the same
// quota check for the replies it needs; media belong to part 1 and are
// not sent again.

// # Delete and metrics
//
// Delete sends DELETE /{media-id} for each part, last first; a post
// already gone (a 404, or code 100 subcode 33 "Object with ID ... does
// not exist") is not an error. Threads allows 100 deletes a day per
// account. Metrics reads GET
// /{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares
// for the first part: views as Impressions, likes, replies, reposts,
// quotes; shares has no field in platforms.Metrics; counts do not include
// nested replies, but part 2 of a thread is a direct reply to part 1, so
// replies is one less for a thread. A post that is gone wraps platforms.ErrDeletedRemotely.
//
// # Errors and rate limits
//
// Meta's envelope {"error":{"message","type","code","error_subcode",
// "fbtrace_id"}} becomes an *platforms.APIError whose Code is "code" or
// "code/subcode". Code 190 wraps platforms.ErrNeedsReconnect, not
// retryable. Codes 4, 17, 32 and 613 are rate limits whatever the HTTP
// status (Meta usually answers 400): the error's Status is 429 (the
// message keeps the real status), retryable, NotCreated, with RetryAfter
// from Retry-After, else from the usage headers. A 5xx is Unknown at the
// publish step and NotCreated before it.
//
// The adapter is a platforms.RateLimitReporter over Meta's usage
// headers, which are JSON percentages, not counts (see usage.go):
// remaining is 100 minus the highest of call_count, total_cputime and
// total_time in X-App-Usage and X-Business-Use-Case-Usage (percentage
// points; 0 means throttled, which is all the reconciler asks); reset is
// now plus estimated_time_to_regain_access when given, else, when the
// allowance is used up, now plus an hour (Graph API limits are a rolling
// hour; the next answer's headers say again).
//
// # Verified, corrected, uncertain
//
// Verified against Meta's documentation (developers.facebook.com
// /documentation/threads): the two-step container flow and its
// parameters (Posts; Reference > Publishing, which lists CAROUSEL and
// reply_to_id); the 500-character limit with emoji counted as UTF-8
// bytes; the 5-link limit, counted as unique URLs, failing container
// creation with THREADS_API__LINK_LIMIT_EXCEEDED from 22 December 2025
// (Text Attachments); the container statuses, the error_message values
// and "once per minute, for no more than 5 minutes" (Troubleshooting);
// long-lived tokens of 60 days, refreshable when at least 24 hours old
// and unexpired, GET /refresh_access_token?grant_type=th_refresh_token,
// answer {access_token, token_type, expires_in} (Long-Lived Tokens);
// DELETE /{threads-media-id} answering {"success":true,"deleted_id"}, and
// its limit of 100 deletes per day per account (Delete Posts); GET
// /{user-id}/threads and its fields (Retrieve User Posts) and its
// parameters since and until (a Unix timestamp or a date, since at least
// 1688540400), limit (default 25, at most 100) and the before and after
// cursors (Reference > User); GET /{user-id}/replies (Retrieve User
// Replies); GET /{user-id}/threads_publishing_limit with quota_usage and
// config {quota_total 250, quota_duration 86400} (Overview > Rate
// Limiting, which also says the 250 posts are enforced at threads_publish
// and carousels count once) and reply_quota_usage and reply_config
// {quota_total 1000, quota_duration 86400}, which need
// threads_manage_replies (Reply Management > Rate Limits; the same page
// says threads_manage_replies is required for POST calls to reply
// endpoints and threads_read_replies for GET calls); the usage window is
// 24 hours, moving; the insights metrics views
// (labelled in development), likes, replies, reposts, quotes, shares, not
// counting nested replies (Insights). PLATFORMS.md's Threads section
// agrees with all of these.
//
// Secondary sources only (⚠️): the carousel maximum of 20 items and the
// 8 MB image size (aggregators' media guides); alt text up to 1000
// characters; the replied_to field on replies; code 190 subcode 463
// "Session has expired" with HTTP 400 and code 100 subcode 33 for a
// missing object with type THApiException (issue reports); the usage
// headers and rate-limit codes 4, 17, 32, 613 are documented for the
// Graph API, and that graph.threads.net sends them is assumed.
//
// Not found documented (❓), and how the fake answers: the error body for
// text over 500 characters (code 100 "Param text must be at most 500
// characters long."); the exact body of THREADS_API__LINK_LIMIT_EXCEEDED
// (code 100 with that name in the message); the answer to publishing a
// container that is not FINISHED (Instagram's code 9007 subcode 2207027
// "Media Not Ready"); to publishing one twice or an expired one (code
// 100); to refreshing a token less than a day old (code 100); the HTTP
// status of a rate-limit error (the adapter maps the codes whatever the
// status, and the fake's injected fault answers 429); whether top-level
// thread parts 2..n appear in /threads (the fake lists them only in
// /replies); whether /replies takes since like /threads (client libraries
// send it; the fake honours it); the error threads_publish answers once a
// quota is used up (the fake answers code 4, subcode 2207042, which the
// adapter maps to a 429); the answer to reply fields without
// threads_manage_replies (the fake answers 403, code 10, "(#10)
// Application does not have permission for this action"). The fake's
// cursors are opaque positions, paging.next is present only when a page
// follows, and Seed fills the account with posts made in the app, which
// count against no API quota (platformtest.Seeder). Whether the old token stays valid after a refresh is not
// documented; the adapter never uses it again. The adapter sends the
// token as a query parameter only, which the fake enforces (Meta also
// accepts an Authorization header).
package threads
