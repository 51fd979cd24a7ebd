// Package bluesky is the `bluesky` target: one account on an AT Protocol
// PDS, posting app.bsky.feed.post records with an app-password session and
// reading engagement from the Bluesky AppView.
//
// # Settings
//
//	handle           the account's handle (or DID): createSession's identifier
//	password_env     the environment variable holding an app password
//	                 (Settings → Privacy and security → App passwords);
//	                 never the account's main password
//	base_url         the PDS (default https://bsky.social, the entryway,
//	                 which serves accounts hosted by Bluesky)
//	appview_url      the AppView for metrics (default
//	                 https://public.api.bsky.app, unauthenticated)
//	max_image_bytes  the largest image blob sent (default 2000000, the
//	                 lexicon's); validation uses it for the account too
//	video_service    where videos go (default https://video.bsky.app,
//	                 Bluesky's video service), or "pds" to upload them to
//	                 the PDS with uploadBlob (see Video)
//	video_service_did  the video service's DID (default did:web: and its
//	                 host), the audience of the upload-limits token
//	pds_did          the PDS's service DID, the audience of the upload
//	                 token, when neither the session nor describeServer
//	                 tells it right (a PDS_SERVICE_DID of its own)
//	video_wait       the longest wait for the video service's processing
//	                 (default 10m)
//
// No scopes: an app password session may write the account's repository.
// Nothing else is reached: no thumbnail is fetched for link cards.
//
// # Sessions
//
// com.atproto.server.createSession gives an accessJwt (2 hours) and a
// refreshJwt (90 days). Both are kept through Settings.Tokens with the DID,
// handle and PDS in Token.Extra, saved before they are used, so that a run
// starts from the last session instead of logging in (createSession is
// limited to 30 per 5 minutes and 300 a day). A stored access token whose
// exp has passed is refreshed first; an access token the PDS refuses (400
// ExpiredToken or InvalidToken) is refreshed and the request sent once
// more: it was refused before anything happened. refreshSession rotates
// the refresh token. When it is refused, a new session is made with the
// app password; when that is missing or refused, the error wraps
// platforms.ErrNeedsReconnect and says to create an app password. A stored
// session for another base_url is ignored. The JWTs' exp is read without
// verification, only to schedule the refresh. The password and every
// token are registered with httpx's redactor as soon as they are known.
//
// # Publishing
//
// Each part is a record created with com.atproto.repo.createRecord,
// replying to the previous part with the first as root (strong refs: uri
// and cid). The record holds text, createdAt (the adapter's clock,
// milliseconds, UTC), facets, reply, embed and langs (the `langs` or
// `lang` option: a tag, a comma-separated list or a list; at most 3).
//
//   - Facets come from the payload's facets, whose UTF-8 byte offsets the
//     shared renderer already measured, finding them as the Bluesky app
//     does (see package render): #link with the full URI, #tag with the
//     tag as found (without its leading '#'; a cashtag keeps its '$', as
//     the app writes "$AAPL"), #mention with the DID from
//     com.atproto.identity.resolveHandle. A handle that does not resolve
//     (400) stays plain text, with a warning naming it. Facets whose
//     offsets do not fit the text are dropped.
//   - Images (at most 4, image/* only, each at most max_image_bytes) are
//     uploaded first with com.atproto.repo.uploadBlob (raw bytes, the
//     file's Content-Type) and embedded as app.bsky.embed.images with alt
//     text and aspectRatio: the width and height from the file's header
//     (PNG, JPEG, GIF, and WebP as VP8, VP8L or VP8X, read with
//     golang.org/x/image/webp), swapped when the EXIF orientation (a
//     JPEG's APP1, WebP's EXIF chunk, PNG's eXIf chunk) is 5 to 8: a
//     portrait photo from a phone is stored landscape with orientation 6
//     or 8, and is shown, so measured, portrait. Images are uploaded and
//     mentions resolved before any record is written, so a failure there
//     posts nothing. A video goes as Video says.
//   - A post with a link and no images gets a link card on the part with
//     its first link: app.bsky.embed.external with the URI, the post's
//     title (else the link's host) and the first part's text cut to 160
//     grapheme clusters. No thumbnail.
//
// The receipt's IDs are the at:// URIs, its URLs
// https://bsky.app/profile/<handle>/post/<rkey>, Extra["cids"] the records'
// CIDs, space-separated, and PublishedAt the first record's createdAt.
//
// # Video
//
// A post takes one video, alone (app.bsky.embed.video: no images beside
// it), on its first part, embedded as {video: blob, alt, aspectRatio};
// the aspect ratio is the width and height herald read from the
// container (schema/video.go), as shown. Captions (VTT blobs) are not
// sent: herald has no captions file in a post yet. The video is uploaded
// before any record is written, so every failure on the way is NotCreated
// and nothing was posted; a createRecord whose outcome is unknown is
// settled by Find, as for any post, and a retry of the attempt uploads
// the video again (the service answers 409, below) and writes the same
// record key.
//
// Through the video service (the default, as docs.bsky.app's "Uploading
// Video" recommends, https://docs.bsky.app/docs/tutorials/video):
//
//  1. com.atproto.server.getServiceAuth for aud = the video service's DID
//     (did:web:video.bsky.app), lxm = app.bsky.video.getUploadLimits, then
//     GET {video_service}/xrpc/app.bsky.video.getUploadLimits with it as
//     bearer → {canUpload, remainingDailyVideos, remainingDailyBytes,
//     message, error} (lexicons/app/bsky/video/getUploadLimits.json; the
//     aud and lxm are the Bluesky app's, social-app
//     src/state/queries/video/video-upload.shared.ts and its later
//     getVideoUploadLimits). canUpload false, no videos left, or fewer
//     bytes left than the file is NotCreated before a byte is sent,
//     quoting the service's message ("User has exceeded daily upload
//     videos limit", "User is not allowed to upload videos"; Bluesky-hosted
//     accounts need a verified email).
//  2. getServiceAuth for aud = the PDS's DID, lxm =
//     com.atproto.repo.uploadBlob, exp = now + 30 minutes (the tutorial's
//     figure; the reference PDS refuses more than an hour, 400
//     BadExpiration, and more than 60 s without an lxm:
//     packages/pds/src/api/com/atproto/server/getServiceAuth.ts). The
//     video service presents this token to the PDS's uploadBlob to store
//     the processed video, so the PDS must accept its aud: its own
//     service DID or its entryway's, else 401 BadJwtAudience (PDS
//     auth-verifier.ts verifyServiceJwt). The aud is, in order, pds_did;
//     did:web: and the host name of the #atproto_pds endpoint in the
//     session's DID document (what the app sends:
//     getServiceAuthAudFromUrl); the did describeServer reports; did:web:
//     and base_url's host. The reference PDS sends a didDoc with its
//     sessions only when PDS_ENABLE_DID_DOC_WITH_SESSION is set, which it
//     is not by default (packages/pds config.ts and api/com/atproto/
//     server/util.ts didDocForSession; 0.5.35 sent none, seen live), so
//     a self-hosted PDS is usually asked with describeServer, which
//     answers its service DID (cfg.service.did: PDS_SERVICE_DID, or
//     did:web: and PDS_HOSTNAME).
//  3. POST {video_service}/xrpc/app.bsky.video.uploadVideo?did=&name=
//     with the raw file streamed (Content-Type the file's, Content-Length
//     its size) and the upload token as bearer → a jobStatus. The
//     lexicon wraps it in {jobStatus}, but the service has been seen to
//     answer with its fields at the top level (atproto issues 3026 and
//     3097), so both are read. A video the service processed before is
//     409 {error: "already_exists", message: "Video already processed",
//     jobId, state: JOB_STATE_COMPLETED} (issue 3097; the tutorial's
//     note): its job is used, so a retry after a lost answer or a timed
//     out wait costs no second processing. No answer, 429 or 5xx is sent
//     again, at most 3 times, after Retry-After or a doubling wait, with a
//     fresh token, from the file's first byte.
//  4. GET {video_service}/xrpc/app.bsky.video.getJobStatus?jobId= (no
//     auth) with platforms/internal/upload's back-off (2 s doubling to
//     30 s) within video_wait, until the status holds a blob (any state:
//     an already_exists job carries it) or says JOB_STATE_FAILED (error,
//     message; failureCode in the lexicon). Other states
//     (JOB_STATE_CREATED, _ENCODING, _SCANNING, _UPLOADING, ...) are
//     processing, with progress 0-100 in the log. Up to 5 status reads in
//     a row may fail (no answer, 429, 5xx) before the wait gives up, as
//     the app tolerates failed reads. Outlasting video_wait is NotCreated:
//     the next apply uploads again and meets the 409.
//
// The service's newer multipart protocol (startUpload, uploadPart,
// finishUpload, getUploadStatus, abortUpload: lexicons synced in August
// 2026) is not used: uploadVideo takes a whole file, which herald streams
// without holding it.
//
// With video_service: pds, the file is streamed to the PDS's uploadBlob
// with the session's token and embedded the same way: the tutorial's
// "simple method". It suits a PDS no video service reaches, or one that
// is not on the Bluesky network at all. The AppView's video pipeline then
// processes the blob only after the post appears in the firehose, so for
// a few seconds the post shows no playable video, and the PDS caps the
// upload at its PDS_BLOB_UPLOAD_LIMIT (5 MiB in the reference PDS's
// config.ts; the bluesky-social/pds installer sets 100 MB), answered
// 413 PayloadTooLarge, which herald names. The embed takes video/mp4
// only (the lexicon's accept; the PDS answers 400 'Expected "video/mp4"
// (got "video/webm") at $.record.embed.video.mimeType'), so other types
// are refused before upload. herald never falls back from the service to
// the PDS by itself: a service that refuses or fails is an error that
// says why, and the fallback is the account's choice, made once in its
// settings.
//
// # Exactly once
//
// A record's key is RecordKey(attempt key, part index): a TID derived
// from a SHA-256 of both, with its timestamp between 2023 and mid-2027. A
// retry of the attempt therefore writes the same keys. The reference PDS
// refuses a key that is taken with HTTP 500 {"error":
// "InternalServerError", "message": "Internal Server Error"}: its
// repository tree throws "There is already a value at key", which the
// XRPC server turns into a bare 500 (packages/repo MST add,
// packages/xrpc-server errors.ts XRPCError.fromError, read in
// bluesky-social/atproto). Since that answer is indistinguishable from any
// other 500, every 5xx, 409, or 400 InvalidRequest mentioning "already"
// from createRecord is followed by com.atproto.repo.getRecord of the key:
// a record there is the earlier try's and is kept; none (400
// RecordNotFound) means the write did not happen and the error is
// NotCreated. A timeout after the request was sent stays Unknown.
//
// Find reads every part's key with com.atproto.repo.getRecord. A key
// derived from the attempt holds no other record, so reading records by
// key needs no scan of the account's feed and is as sure on a busy account
// as on a quiet one. Part 1 is under RecordKey(attempt key, 0); a later
// part under RecordKey(attempt key, i) when Publish wrote it, or under
// RecordKey(ResumeKey(part 1's record key), i) when Resume did. No part 1
// is ErrNotFound; every part, each replying to the one before (reply.parent
// and reply.root checked), is the receipt; parts 1..k and none of the rest
// is the receipt of the k parts with a *platforms.IncompleteError. A gap,
// two records for one part, or a record outside the chain is an error for
// a person.
//
// Resume (platforms.Resumer) writes the missing parts with Publish's loop,
// the first replying to the receipt's last part with its first as root,
// using the CIDs in Extra["cids"] (read from the PDS when absent). Their
// record keys derive from part 1's record key, not from the resume's
// attempt key, so every resume of one thread writes the same records: a
// resume retried under a new intent, after a crash, is refused by the PDS
// for taken keys and kept, never written twice, and Find with the
// thread's original key follows the chain into the resumed parts. Nothing
// is written under the resume's own key, which Find answers with
// ErrNotFound: resuming again is then safe. Images belong to part 1 and
// are not uploaded again; the receipt covers the whole thread.
//
// # Delete, edit, metrics
//
// Delete calls com.atproto.repo.deleteRecord for every part, replies
// first; the PDS answers a missing record with success. There is no
// Updater: Bluesky cannot edit a post. Metrics reads every part with
// app.bsky.feed.getPosts (25 URIs a call) and sums likeCount,
// repostCount, replyCount (less the thread's own replies), quoteCount and
// bookmarkCount (as Saves); there are no impressions. A first part the
// AppView leaves out is looked up on the PDS: RecordNotFound wraps
// platforms.ErrDeletedRemotely, a record there means not indexed yet.
//
// # Errors
//
// XRPC errors are {"error": name, "message": text}; the name is
// APIError.Code. Statuses map as platforms.FromHTTP does (4xx NotCreated,
// 429 retryable); RetryAfter comes from Retry-After or, as Bluesky sends,
// RateLimit-Reset in epoch seconds when RateLimit-Remaining is 0. Calls
// that cannot create a post (login, upload, resolveHandle) are NotCreated
// whatever their status.
//
// # Verified, corrected, uncertain
//
//   - Duplicate record key (PLATFORMS.md ❓): 500 InternalServerError on
//     the reference PDS, as above. Other PDS implementations may answer
//     otherwise; the getRecord check covers any 5xx, 409 and "already"
//     400.
//   - Record keys: posts need TID keys. The lexicon's key type is "tid",
//     and social-app issue #8654 reports posts with other keys stored on
//     the PDS but missing from the AppView. The current PDS accepts a
//     client-chosen rkey (createRecord.ts; the 2023 hotfix refusing one
//     for posts is gone). Whether the AppView minds a TID whose time is
//     far from createdAt is not documented: uncertain.
//   - Image blob size (corrected): 2,000,000 bytes. The
//     app.bsky.embed.images lexicon's image blob has maxSize 2000000,
//     "May be up to 2 MB, formerly limited to 1 MB" (lexicons/app/bsky/
//     embed/images.json in bluesky-social/atproto, raised by commit
//     d8801e2a, "Increase max image upload size to 2mb from 1mb", April
//     2026). The PDS validates a created record against the lexicon in
//     strict mode, so a larger image is refused with 400 InvalidRequest
//     "Invalid app.bsky.feed.post record: blob too big (maximum 2000000,
//     got N) at $.record.embed.images[0].image" (packages/pds
//     repo/prepare.ts; packages/lex/lex-schema blob.ts and
//     validation-issue.ts). The upload itself is capped separately by the
//     PDS's blobUploadLimit, 5 MiB by default (packages/pds config.ts,
//     PDS_BLOB_UPLOAD_LIMIT; PLATFORMS.md's "50 MB" is not the reference
//     PDS's default), answered 413 PayloadTooLarge "request entity too
//     large" by xrpc-server. herald refuses a larger image when it
//     validates the post (limits.bluesky.max_image_bytes in the CUE
//     schema, or the account's max_image_bytes), and the adapter again
//     before uploading. A PDS running an older lexicon still refuses more
//     than 1,000,000 bytes: set max_image_bytes: 1000000 for it.
//   - aspectRatio after EXIF orientation: the lexicon's aspectRatio
//     (app.bsky.embed.defs) is "width:height", approximate, and the app
//     sizes the image's box from it (a post without one shows in a square
//     box, social-app issue #6800); a portrait
//     photo is stored landscape with orientation 6 or 8, and every viewer
//     that honours EXIF shows it portrait, so herald sends the ratio as
//     shown. Uncertain: whether Bluesky's image CDN turns such a blob
//     upright is not documented. The reference AppView's image server
//     (packages/bsky/src/image/sharp.ts) resizes with sharp without
//     rotate(), which would serve the stored pixels; social-app issue
//     #10714 (2026, open, unconfirmed) reports sideways images. The app
//     re-encodes photos before uploading and never meets the question.
//     herald never re-encodes; to be safe everywhere, save photos upright.
//     EXIF is read by a small reader of the first IFD's Orientation tag
//     rather than a library: that one tag is all it needs, and the EXIF
//     libraries for Go (rwcarlsen/goexif, dsoprea/go-exif) are large or
//     unmaintained.
//   - Rich text (corrected): facets are found as the official client
//     finds them, @atproto/api's detectFacets (packages/api/src/rich-text/
//     detection.ts and util.ts in bluesky-social/atproto, read at
//     d6296a1c), with the tlds package's TLD list it reads. Its own test,
//     packages/api/tests/rich-text-detection.test.ts, is kept as test data
//     in platforms/render/testdata/atproto with its MIT license, and every
//     case passes: mentions 11 of 11, links 29 of 29, tags 39 of 39,
//     cashtags 18 of 18 (before: 10, 27, 28 and 7, none of the 11 that
//     expect a cashtag). A cashtag is an app.bsky.richtext.facet#tag whose
//     tag is "$" and the ticker in capitals ("$aapl" is "$AAPL"); a tag
//     keeps what follows its first '#', so "##hashash" is the tag
//     "#hashash", which the adapter now sends as found.
//   - getRecord of a missing record: 400 RecordNotFound; deleteRecord of
//     a missing record: 200, a no-op (PDS source).
//   - Expired access token: 400 ExpiredToken "Token has expired"; invalid:
//     400 InvalidToken; missing: 401 AuthMissing (PDS auth verifier).
//   - Alt text has no lexicon limit; the fake enforces none. A video's
//     alt text had none either until August 2026 (commit 1f3f67c4, "Remove
//     character limits from video alt text").
//   - Video blob size (corrected): app.bsky.embed.video's blob is
//     video/mp4 of at most 300,000,000 bytes since August 2026 (commit
//     b2de0ee1, "Increase video embed size limit to 300mb"; 100 MB from
//     March 2025, 50 MB before). herald refuses more before uploading.
//   - The video service's refusals of a bad upload (too large, wrong
//     type, over the day's allowance) are not documented; the fake
//     answers them with the names of the multipart lexicons
//     (VideoTooLarge 413, UnsupportedContentType, DailyLimitExceeded
//     400, UploadForbidden 403) and the app's messages. Uncertain, and
//     harmless: any 4xx there is NotCreated with the service's message.
//   - The daily allowance (25 videos, 10 GB) is what Bluesky announced
//     in September 2024; herald reads it from getUploadLimits, never
//     assumes it.
//   - Service auth, live (PDS 0.5.35): getServiceAuth from an app-password
//     session issues an ES256K JWT {iss: the account's DID, aud, lxm, exp,
//     iat, jti} with exactly the aud, lxm and exp asked; 2 h is 400
//     BadExpiration, a method-less 30 min token too, an aud that is not a
//     DID 400 InvalidRequest. uploadBlob with that token stores the blob
//     when aud is the PDS's DID (did:web:localhost there) and answers 401
//     BadJwtAudience for did:web:127.0.0.1, 401 BadJwtLexiconMethod for
//     another lxm. (A PDS whose PLC directory is configured by IP address
//     cannot resolve the issuer to check the signature: 500, "Invalid
//     hostname" from @atproto-labs/fetch.)
//
// # The fake
//
// NewFake is a contract fake of the PDS (under /pds/) and of getPosts on
// the AppView (AppViewURL): sessions with JWT-shaped tokens that expire on
// its clock and rotate, the auth answers above, createRecord validated
// against the lexicon's limits (300 graphemes, 3000 bytes, 3 langs, 4
// images of at most 2,000,000 bytes, facet features, blob references,
// a video embed's video/mp4 blob of at most 300 MB) with 400
// InvalidRequest and the PDS's wording, uploads over 5 MiB with 413
// PayloadTooLarge, the 500 for a taken key, replies that must name the
// account's records, and 429 with RateLimit-* headers on demand. Seed
// fills the account with posts made from the app (platformtest.Seeder).
//
// Beside the PDS it serves a video service (VideoServiceURL, DID
// did:web:127.0.0.1; the PDS is did:web:localhost, the host its DID
// document and describeServer name): getServiceAuth on the PDS with the
// reference PDS's exp rules; getUploadLimits, which takes only a token
// the PDS issued for the service's DID and its method; uploadVideo,
// which takes only an unexpired token for the PDS's DID bound to
// uploadBlob, the token's own did, a video type, at most MaxVideoBytes
// and the day's allowance (SetVideoAllowance, DenyVideo), answers a video
// it has seen with 409 already_exists, and 429 with Retry-After on
// demand (ThrottleVideo); getJobStatus, whose job stays processing for
// VideoPolls reads and then completes by storing the video on the PDS as
// a blob (JobBlob), or fails (FailVideoJobs) or never ends
// (StallVideoJobs). A post's video embed must name a blob the PDS holds.
package bluesky
