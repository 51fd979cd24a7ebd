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
//	find_limit        how many recent posts and replies Find reads, 1-100
//	                  (default 25)
//
// Settings.BaseURL is the versioned API, default
// https://graph.threads.net/v1.0. Permissions: threads_basic,
// threads_content_publish, threads_delete, threads_manage_insights,
// threads_read_replies (Find reads the account's replies for threads).
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
// permalink, else https://www.threads.net/post/<id>. Media go with the
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
// A container is seen by no one until it is published and expires after
// 24 hours, so every failure before threads_publish is NotCreated. A 5xx
// or a timeout after the publish request was sent is Unknown. A failure
// on a later part returns the receipt of the parts published with it.
//
// # Find
//
// Threads has no idempotency key. Find reads GET
// /{user-id}/threads?fields=id,text,timestamp,permalink&limit=find_limit
// and takes the newest post whose text equals the first part's (NFC,
// trimmed); each later part is the newest of GET /{user-id}/replies whose
// text matches and whose replied_to is the part before. A crash between
// creating a container and publishing it leaves nothing visible (the
// container expires), which Find rightly reports as not found: no post
// exists. Limits: only the last find_limit posts are seen; when the
// attempt did not land, an older post with the same text as the first
// part is taken for it (a wrong record, never a second post). A thread
// found in part is an error (Outcome Created, code partial-thread)
// for a human.
//
// # Delete and metrics
//
// Delete sends DELETE /{media-id} for each part, last first; a post
// already gone (a 404, or code 100 subcode 33 "Object with ID ... does
// not exist") is not an error. Threads allows 100 deletes a day per
// account. Metrics reads GET
// /{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares
// for the first part: views as Impressions, likes, replies, reposts,
// quotes; shares has no field in platforms.Metrics; counts do not include
// nested replies. A post that is gone wraps platforms.ErrDeletedRemotely.
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
// /{user-id}/threads and its fields (Retrieve User Posts); GET
// /{user-id}/replies (Retrieve User Replies); the insights metrics views
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
// /replies). Whether the old token stays valid after a refresh is not
// documented; the adapter never uses it again. The adapter sends the
// token as a query parameter only, which the fake enforces (Meta also
// accepts an Authorization header).
package threads
