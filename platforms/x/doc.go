// Package x is the X (API v2) adapter: it publishes posts and threads
// with images and alt text, edits them within X's window, deletes them,
// reads their public metrics, and looks up an attempt whose outcome is
// unknown among the account's recent posts. Fake is its contract fake,
// which herald demo can run outside tests.
//
// # Settings
//
// An account of platform x reads these keys. Secrets are never written in
// the configuration, only the names of the environment variables that
// hold them.
//
//	auth               oauth2 (default) or oauth1; oauth1 is also chosen
//	                   when consumer_key_env is set
//	username           the account's handle, for URLs
//	                   https://x.com/<username>/status/<id>; without it
//	                   https://x.com/i/web/status/<id>
//	find_max_results   how many posts one page of Find's scan holds, 5-100
//	                   (default 100; X bills each post read, not each
//	                   request, and the scan stops at the attempt's
//	                   beginning)
//	find_max_pages     how many pages Find reads at most when the account
//	                   posted more since the attempt began (default 10)
//
// OAuth 2.0 (user context, authorization code with PKCE, done by herald
// auth): the token pair comes from Settings.Tokens, else from
//
//	access_token_env   the access token
//	refresh_token_env  the refresh token (needs the offline.access scope)
//	client_id_env      the app's OAuth 2.0 client ID (for refreshing)
//	client_secret_env  its secret, for a confidential client (optional;
//	                   sent as HTTP Basic)
//
// Scopes: tweet.read tweet.write users.read media.write offline.access.
//
// OAuth 1.0a (user context, never expires), all four required:
//
//	consumer_key_env, consumer_secret_env, access_token_env,
//	access_token_secret_env
//
// Settings.BaseURL is the API's base, default https://api.x.com/2; every
// endpoint, the token endpoint and media upload included, is below it.
//
// # Tokens
//
// A stored token is refreshed a minute before its expiry at POST
// /2/oauth2/token (grant_type=refresh_token). X rotates the refresh token
// on every use, so the new pair is saved through Settings.Tokens before the
// new access token is used; a failed save is an error. A token from the
// environment has no known expiry: it is refreshed when X answers 401,
// and the call sent once more (a 401 means X did nothing). A refresh X
// refuses (invalid_grant, or the invalid_request "Value passed for the
// token was invalid." X answers for a spent token) wraps
// platforms.ErrNeedsReconnect and says to run herald auth.
//
// # Publishing
//
// Each part is POST /2/tweets with text; later parts carry
// reply.in_reply_to_tweet_id of the part before. Images go with the first
// part: a still image is sent with the simple form of POST
// /2/media/upload (base64 in JSON, media_category tweet_image); a GIF
// (media_category tweet_gif) and a video (tweet_video), which the simple
// form does not take, with the chunked form, run by the shared
// platforms/internal/upload: POST /2/media/upload/initialize
// {media_type, total_bytes, media_category}, POST
// /2/media/upload/:id/append (multipart segment_index and media, 4 MiB a
// segment, at most 5 MiB and 1000 segments), then POST
// /2/media/upload/:id/finalize, and GET /2/media/upload?command=STATUS
// while processing_info says pending or in_progress (check_after_secs,
// progress_percent; succeeded or failed). A video is streamed from its
// file, never held whole; a segment answered with a transport error, 429
// or 5xx is sent again (X takes a segment_index again), and an upload X
// no longer knows (404 on append) starts over. The upload precedes POST
// /2/tweets, so a failed one is NotCreated. The alt text of an image or
// GIF is set with POST /2/media/metadata; X keeps none for videos
// ("currently only supported for images and GIFs", POST
// media/metadata/create, developer.x.com), so a video's is not sent and
// the log says so. Sources: docs.x.com/x-api/media/quickstart/media-upload-chunked,
// the APPEND reference (segments <= 5 MB, segment_index 0-999). The
// reply_settings option (following, mentionedUsers, subscribers,
// verified; everyone sends nothing) applies to the first part. The
// shared rendering is sent as is: X links URLs, mentions and hashtags
// itself, so the adapter has no Preparer.
//
// Limits checked before anything is sent (the media types also by herald
// validate, through the CUE limits table): only JPEG, PNG, WebP and GIF
// images and MP4 or MOV videos (MediaTypes; HEIC and AVIF, which phones
// make, are refused naming X, and so is WebM), at most 4 images, or one
// GIF alone, or one video alone, 5 MB an image, 15 MB a GIF, 512 MB a
// video, alt text up to 1000 characters. herald validate also holds a
// video to 0.5-140 s and an aspect ratio from 1:3 to 3:1 (X's media best
// practices, via ayrshare.com/docs/media-guidelines/x-twitter). Text
// length (280, weighted as twitter-text v3 counts, render.CountX) is
// validated before publishing by the shared rendering; X's own 400 is
// mapped if it disagrees.
//
// # Errors
//
// Errors are *platforms.APIError. Beyond the status rules of
// platforms.FromHTTP (401/403/4xx not retryable and NotCreated, 429
// retryable with RetryAfter from Retry-After or x-rate-limit-reset, an
// epoch, 5xx and a timeout after sending Unknown):
//
//   - 403 "You are not allowed to create a Tweet with duplicate content."
//     on POST /2/tweets is Outcome Unknown with code duplicate-content: an
//     earlier attempt may have landed, so the reconciler runs Find; it is
//     never retried blindly.
//   - 402 (CreditsDepleted) says to add credits or change the plan.
//   - 403 with reason client-not-enrolled says to attach the app to a
//     Project with the needed access; 403 unsupported-authentication or
//     client-forbidden says which kind of token X wants.
//
// # Rate limits
//
// X limits each endpoint on its own and says so in each answer's
// headers, Unix-epoch resets: x-rate-limit-* for the endpoint's 15
// minutes, and on POST /2/tweets x-user-limit-24hour-* and
// x-app-limit-24hour-* for the user's and the app's day. The adapter
// remembers every window per endpoint ("POST tweets", "DELETE
// tweets/:id", "GET tweets"): a call to an endpoint whose window X said
// is used up is not sent, and fails as a 429 with RetryAfter until the
// latest reset and APIError.Endpoint naming the endpoint; X's own 429
// gets the same, its RetryAfter from whichever window is used up (a
// 24-hour limit can be, while the 15-minute window still has room). The
// reconciler holds only that endpoint's calls, not the account's, so a
// day's creates used up holds publishes and edits, never look-ups,
// deletes or metrics. X is therefore not a platforms.RateLimitReporter,
// whose one window per account would hold them all. Limits reports the
// windows of an endpoint.
//
// # Find
//
// X has no idempotency key. Find reads GET /2/users/me and GET
// /2/users/:id/tweets with exclude=retweets, max_results find_max_results
// and start_time at the attempt's beginning less platforms.ClockSkew (a
// week back when the beginning is not recorded), following
// meta.next_token for at most find_max_pages pages. Nothing created before
// start_time can be the attempt, so a scan that pages to its end (no
// next_token, and fewer than the 3,200 most recent posts the endpoint can
// reach) without a match proves the attempt absent, however busy the
// account; a scan cut short by the page limit cannot tell, and says how
// many posts it read.
//
// A post matches a part when the texts are equal after normalising both:
// NFC; &amp; &lt; &gt; unescaped (X escapes them); every link, a t.co link
// on X's side and a link facet (or, without facets, an http(s) URL) on
// herald's, replaced by one marker; the t.co link X appends for media
// dropped. The first part is the one match that replies to nothing; each
// later part must also reply to the one before. The timeline is newest
// first, so every post newer than part 1 is read with it: parts 1..k found
// and part k+1 not is a *platforms.IncompleteError with the receipt of the
// k parts, for the reconciler to Resume. Two matches for a part, or a later
// part's text on a post outside the chain (a gap), is an error for a
// person. Limits: links are compared by place, not by target; X's
// timeline may lag a new post by seconds, which a look-up in a later run
// does not meet. A landed post that the rule misses is found as "not
// found" and retried, which X refuses as a duplicate: an unknown outcome
// again, never a second post.
//
// Resume (platforms.Resumer) posts the missing parts with Publish's loop,
// the first replying to the receipt's last post, uploads nothing again
// (images belong to part 1), and returns the whole thread's receipt with
// every part's hash.

// # Edit, delete, metrics
//
// Update edits only the parts whose content changed, with POST /2/tweets
// and edit_options.previous_post_id. Receipt.Extra records what was
// posted: each part's text hash (part_hashes), the first part's media
// IDs (media_ids) and a fingerprint of each file with its alt text
// (media_fp). The first part's edit always names its media again, reusing
// the IDs of the unchanged ones and uploading a changed file or alt text
// anew, so an edit never drops an image; a receipt without that record
// (from Find, or state written before herald kept Extra) edits every part
// and uploads the media again. Every edit has a new ID and the receipt
// names the new posts, keeping the original PublishedAt. X allows edits
// for 30 minutes and 5 times (counted in Receipt.Extra), and only to
// accounts with X Premium; outside that, and when a thread would gain or
// lose parts, Update returns an error wrapping platforms.ErrNotEditable,
// not retryable, so the plan shows drift. X's 403 on an edit is that
// error too, and says that edits need X Premium. Delete sends DELETE /2/tweets/:id for each part, last first; a
// 404 is not an error; {"data":{"deleted":false}} is an error unless a
// lookup shows the post gone. Metrics reads GET
// /2/tweets?ids=<first part>&tweet.fields=public_metrics: like, retweet
// (reposts), reply, quote, bookmark (saves) and impression counts, nil
// when absent, and for a thread reply_count less one: part 2 is herald's
// own reply to part 1. A post X cannot find wraps
// platforms.ErrDeletedRemotely.
//
// # What was verified, and against what
//
//   - Response codes and error shapes: xdevplatform/docs
//     x-api/fundamentals/response-codes-and-errors.mdx (problem types
//     client-forbidden, usage-capped, rate-limit-exceeded, partial errors
//     in a 200, x-rate-limit-reset as a Unix timestamp). The
//     client-not-enrolled body (reason, required_enrollment) and the
//     unsupported-authentication body are not in that page; they were
//     checked in several client libraries' fixtures and reports (⚠️).
//   - 402: absent from the official status table; the body
//     {"type":".../problems/credits","title":"CreditsDepleted","detail":
//     "Your enrolled account does not have any credits to fulfill this
//     request."} is from several independent reports (⚠️).
//   - Duplicate 403 body: as PLATFORMS.md gives it, confirmed in several
//     clients' fixtures.
//   - Edit rules (30 minutes, 5 edits, new ID per edit, edit_controls):
//     xdevplatform/docs x-api/fundamentals/edit-posts.mdx. The exact error
//     X answers to an edit outside the window is not documented (❓); the
//     adapter checks the window itself and treats a 403 on an edit as
//     "not editable".
//   - Simple upload: xdevplatform/docs x-api/media/upload-media.mdx and
//     the MediaUploadRequestOneShot schema (media as binary or base64,
//     media_category required, OAuth 2.0 scope media.write or OAuth 1.0a;
//     media_type one of image/jpeg, image/bmp, image/png, image/webp,
//     image/pjpeg, image/tiff: no GIF, no HEIC, no AVIF),
//     docs.x.com/xdks/typescript/reference/interfaces/Schemas.
//     MediaUploadRequestOneShot.
//   - Chunked upload: docs.x.com x-api/media/quickstart/media-upload-
//     chunked and MediaUploadConfigRequest (media_type adds image/gif and
//     video; still no HEIC or AVIF); the path form (initialize, :id/append,
//     :id/finalize, JSON initialize) as xdevplatform/samples PR 199 moved
//     the official sample to in Aug 2025. Size limits (image 5 MB, GIF
//     15 MB) and "4 photos, 1 GIF or 1 video" a post: docs.x.com x-api/media
//     and the media best-practices page.
//   - Rate-limit headers: x-rate-limit-* as above. The 24-hour
//     x-user-limit-24hour-* and x-app-limit-24hour-* headers are not in
//     X's docs; client libraries read them from POST /2/tweets answers
//     (plhery/node-twitter-api-v2 issues 495 and 553, PR 618, which parse
//     limit/remaining/reset like x-rate-limit-*) (⚠️). Per-endpoint
//     limits: PLATFORMS.md's table (POST /2/tweets 100 per 15 minutes per
//     user, 10,000 per 24 hours per app).
//   - Edits need X Premium: X's Help Center ("About X Premium": Premium
//     "offers early access to select features, like Edit post"), as
//     quoted in tronprotocol/tips issue 590, and client libraries that
//     could not test edits without it (d60/twikit issue 21) (⚠️). The API
//     docs (x-api/fundamentals/edit-posts.mdx) give the window and count
//     but not the subscription; X's 403 to such an edit is not
//     documented either, so any 403 on an edit is read as "not editable".
//   - Refresh-token answers: X is widely observed to answer a spent or
//     revoked refresh token with 400 invalid_request "Value passed for the
//     token was invalid." rather than invalid_grant (⚠️); both are handled.
//     PLATFORMS.md marked rotation ❓; it is assumed, as its advice says.
//   - The timeline's paging: GET /2/users/:id/tweets takes start_time
//     and end_time (YYYY-MM-DDTHH:mm:ssZ, second granularity, inclusive),
//     max_results 5-100 (default 10), pagination_token from the previous
//     page's meta.next_token, which is absent on the last page, and
//     reaches only the 3,200 most recent posts (docs.x.com
//     x-api/fundamentals/pagination; the endpoint's reference, as client
//     libraries' generated specs copy it). The fake pages the same way.
//   - OAuth 1.0a: tested against the OAuth Core 1.0 Appendix A.5 vector
//     (tR3+Ty81lMeYAr/Fid0kMTYa/WM=) and X's "Creating a signature"
//     example, whose base string and key give hCtSmYh+iHYCEqBWrE7C7hYmtUk=
//     (X's page prints another value that they do not produce).
//
// # Uncertain
//
//   - Whether DELETE of a post already gone answers 404 or deleted:false
//     (❓): both are handled; the fake answers 404.
//   - Whether reply_settings is accepted on replies (❓): it is sent on the
//     first part only.
//   - Too-long text: the fake answers 400 invalid-request "Tweet text is
//     too long." as clients report (⚠️).
//   - Whether an edit without media keeps the original's media (❓): the
//     adapter re-sends the media IDs, which X keeps for 24 hours, longer
//     than the edit window; a receipt without them uploads the media
//     again. Whether POST /2/media/metadata can change an attached
//     image's alt text (❓): a changed alt text is uploaded with the file
//     again instead.
//   - The fake wraps only http(s) URLs in t.co links; X also links bare
//     domains, which the renderer marks with link facets.
//   - That reply_count counts the author's own replies (⚠️): X's data
//     dictionary says "number of replies" with no exception, and the app
//     shows a thread's self-replies in the count; the fake counts them.
package x
