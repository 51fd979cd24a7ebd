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
//	max_image_bytes  the largest image blob sent (default 1000000)
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
//     shared renderer already measured: #link with the full URI, #tag
//     without '#', #mention with the DID from
//     com.atproto.identity.resolveHandle. A handle that does not resolve
//     (400) stays plain text, with a warning naming it. Facets whose
//     offsets do not fit the text are dropped.
//   - Images (at most 4, image/* only) are uploaded first with
//     com.atproto.repo.uploadBlob (raw bytes, the file's Content-Type) and
//     embedded as app.bsky.embed.images with alt text and, for PNG, JPEG
//     and GIF, aspectRatio read from the file's header. Images are
//     uploaded and mentions resolved before any record is written, so a
//     failure there posts nothing. Video is not supported.
//   - A post with a link and no images gets a link card on the part with
//     its first link: app.bsky.embed.external with the URI, the post's
//     title (else the link's host) and the first part's text cut to 160
//     grapheme clusters. No thumbnail.
//
// The receipt's IDs are the at:// URIs, its URLs
// https://bsky.app/profile/<handle>/post/<rkey>, Extra["cids"] the records'
// CIDs, space-separated, and PublishedAt the first record's createdAt.
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
//   - Image blob size: the stored app.bsky.embed.images lexicon says
//     maxSize 1000000; PLATFORMS.md says 2,000,000 (formerly 1 MB). The
//     default follows the lexicon read; max_image_bytes raises it.
//   - getRecord of a missing record: 400 RecordNotFound; deleteRecord of
//     a missing record: 200, a no-op (PDS source).
//   - Expired access token: 400 ExpiredToken "Token has expired"; invalid:
//     400 InvalidToken; missing: 401 AuthMissing (PDS auth verifier).
//   - Alt text has no lexicon limit; the fake enforces none.
//
// # The fake
//
// NewFake is a contract fake of the PDS (under /pds/) and of getPosts on
// the AppView (AppViewURL): sessions with JWT-shaped tokens that expire on
// its clock and rotate, the auth answers above, createRecord validated
// against the lexicon's limits (300 graphemes, 3000 bytes, 3 langs, 4
// images of at most 1,000,000 bytes, facet features, blob references)
// with 400 InvalidRequest, the 500 for a taken key, replies that must name
// the account's records, and 429 with RateLimit-* headers on demand. Seed
// fills the account with posts made from the app (platformtest.Seeder).
package bluesky
