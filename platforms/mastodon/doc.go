// Package mastodon is the adapter for one account on a Mastodon server. It
// posts a post's parts as a reply chain of statuses, each with an
// Idempotency-Key, uploads media with their alt text, edits and deletes
// every part, looks up attempts whose outcome is unknown, and reads counts.
// Fake is its contract fake, for tests and herald demo.
//
// # Settings
//
//	base_url     the server, e.g. https://mastodon.social (required; the
//	             API lives under /api/v1 and /api/v2 below it)
//	token_env    the environment variable holding the access token
//	             (required). Scopes: write:statuses, write:media,
//	             read:statuses and read:accounts (for Find), or the
//	             umbrella read and write.
//	find_window  how far back Find reads the account's statuses when the
//	             attempt's beginning is not recorded (state from an older
//	             herald); a Go duration, default 168h
//	media_wait   the longest wait for an upload to finish processing
//	             (default 2m)
//
// The token is read at the first call, so plan and preview run without
// it. Mastodon tokens do not expire and there is no refresh: a 401 means
// the token was revoked or mistyped, and is reported as final (not
// retryable, NotCreated, wrapping platforms.ErrNeedsReconnect) with a
// message naming the variable to check. Nothing is kept in the token
// store.
//
// # Publishing
//
// Each part is POST /api/v1/statuses with a JSON body: status,
// in_reply_to_id (the previous part), media_ids (first part), and from the
// target's options visibility (public, unlisted, private, direct),
// spoiler_text, sensitive (a boolean) and language. The content warning
// goes on every part, so that a thread behind a warning stays behind it;
// the renderer keeps room for it in every split piece, but counts it only
// in the first part's length, so an unsplit later part at the limit can be
// refused (422) and leave a partial thread. Links, mentions and hashtags
// are left in the text: Mastodon finds them itself, so facets are ignored.
//
// The Idempotency-Key is IdempotencyKey(attempt key, part index).
// Mastodon keeps it for an hour per account and answers a known key with
// the status it made, before any validation, so a retry within the hour
// lands on the statuses the first try created, part by part, and resumes
// a thread cut short. The key is stored only after the status is created
// (mastodon#21840 narrowed but did not close that window), so a 5xx stays
// Outcome Unknown rather than NotCreated, and the reconciler looks the
// attempt up.
//
// Media go first: POST /api/v2/media, multipart, with file (its MIME type
// set) and description (the alt text, kept for videos too). The form is
// streamed from the file with its length known, so a video is never held
// whole. A 200 is processed; a 202 (always, for a video, which the server
// transcodes in the background) has a null url and is polled with GET
// /api/v1/media/:id (206 while processing, 200 with a url when done, 422
// when processing failed: Api::V1::MediaController#check_processing),
// with the shared back-off of platforms/internal/upload from 500 ms to
// 5 s, giving up after media_wait. At most 4 media (MaxMedia), and a
// video or audio file alone (PostStatusService#validate_media!: "Cannot
// attach a video to a post that already contains images"), checked
// before anything is sent. A stock server takes videos up to 99 MiB
// (video_size_limit of GET /api/v2/instance; herald validate holds the
// limits table to that default). Any failure before the first status is
// NotCreated: uploads post nothing, and the server's media cleanup
// removes unattached uploads.
//
// A failure after some parts were created returns their receipt with the
// error. The receipt's URLs are each status's url.
//
// Resume (platforms.Resumer) finishes a thread whose first parts exist:
// it posts the missing parts with the same loop as Publish, the first as
// a reply to the receipt's last status, each with IdempotencyKey(the
// resume's attempt key, the part's index), and returns the whole thread's
// receipt. Media belong to part 1, so nothing is uploaded again.
//
// # Finding an attempt
//
// Find never posts: retrying the create with the same key would create
// the post it was asked to look for, and the suite (rightly) forbids it.
// The key protects the retry the reconciler makes after ErrNotFound
// instead. Find reads GET /api/v1/accounts/verify_credentials for the
// account ID, then GET /api/v1/accounts/:id/statuses (40 a page,
// exclude_reblogs, max_id paging, at most 25 pages) back to when the
// attempt began less platforms.ClockSkew (2 minutes), or back to
// find_window when that is not recorded. Nothing created before that
// boundary can be the attempt, so statuses older than it are never
// candidates, and reaching it is proof of absence however busy the
// account: 1,000 statuses an hour before the attempt do not hide it. The
// page limit only bounds a scan that has not reached the boundary (more
// than 1,000 statuses since the attempt began); then a first part not found
// is "cannot tell", and the message says how many statuses were read and
// how far back they reach.
//
// Statuses in that list carry HTML content and no text (text is only sent
// in the answer to DELETE). Stripping HTML back to the source cannot be
// exact: Mastodon shows @user@domain as @user, cuts long links into spans,
// and turns newlines into <br /> and <p>. So Find compares in two steps:
// candidates are statuses whose content, with tags removed and entities
// decoded, has the same letters and digits as the part (mentions dropped
// on both sides), whose spoiler_text is equal and whose in_reply_to_id is
// empty for the first part and the previous part's ID after; each
// candidate is then confirmed with GET /api/v1/statuses/:id/source
// (Mastodon 3.5+), whose text and spoiler_text must equal the part's
// exactly, after the strip Mastodon applies when saving.
//
// Status IDs grow with time and the list is newest first, so every status
// newer than the first part is read with it, whatever the page limit.
// When parts 1..k are found in a reply chain and part k+1 is not, part
// k+1 surely does not exist, and Find returns the receipt of the k parts
// with a *platforms.IncompleteError, for the reconciler to Resume. Two
// exact matches for a part, a later part's text on a status outside the
// chain (a gap), or a first part not found by a scan that ran out of pages
// is an error that leaves the decision to a person.

// # Editing, deleting, metrics
//
// Update reads each part back (GET /api/v1/statuses/:id, and GET
// .../source for the text as written) and sends PUT /api/v1/statuses/:id
// (Mastodon 3.5+) only for a part whose text, content warning,
// sensitivity, language or media differ; GoToSocial's 422 "Unprocessable
// Entity: status was not changed" is taken as success. An edit replaces
// rather than merges on both servers, so every edit sends what must stay:
// media_ids (without them Mastodon's UpdateStatusService and GoToSocial
// remove every attachment), spoiler_text, sensitive and language
// (GoToSocial resets the last two to the account's defaults). The first
// part's media are matched with the fingerprints (Receipt.Extra
// media_ids and media_sha256) recorded at publish and at each edit: an
// attachment whose file did not change is kept, and its alt text changed
// with media_attributes ([{"id", "description"}] in the JSON body); a
// new or changed file is uploaded and replaces the old one. An attachment
// with no recorded fingerprint is taken to hold the file at its position,
// so a status an older herald stripped of its images gets them back.
// Visibility cannot be edited. A post whose part count changed gets
// ErrPartsChanged. Delete is DELETE
// /api/v1/statuses/:id per part, last first; a 404 is taken as already
// gone. Each deletion is confirmed by reading the status until it
// answers 404: GoToSocial answers DELETE before it deletes, in the
// background, and in the live runs once lost a deletion (the status was
// still served, edited moments before), so a status still served halfway
// through DefaultDeleteWait (10 s) is deleted again, and one still served
// after it is an error that leaves the post published for the next run.
// Metrics reads GET /api/v1/statuses/:id of the first part:
// favourites_count, reblogs_count, replies_count less one for a public or
// unlisted thread (part 2 is herald's own reply to part 1, and Mastodon
// counts it unless the thread is private or direct), and
// quotes_count when the server sends it (4.5+), else nil. There are no impressions. A 404 wraps
// platforms.ErrDeletedRemotely.
//
// # Errors and rate limits
//
// Error bodies are {"error": "..."} (OAuth errors add error_description).
// 401, 403 and 422 (validation, e.g. "Validation failed: Text character
// limit of 500 exceeded") are final and NotCreated; 429 is retryable and
// NotCreated, with RetryAfter from Retry-After or, as Mastodon sends on a
// 429, from X-RateLimit-Reset when X-RateLimit-Remaining is 0; 5xx and a
// timeout after the request was written are Unknown.
//
// # The fake
//
// NewFake serves the routes above under a non-root base path for one
// account, with the exact bearer token required. It counts length with
// render.CountMastodon (URLs 23, remote mentions as @user, grapheme
// clusters), text and content warning together, against
// FakeOptions.MaxChars, and refuses with Mastodon's 422 body; it strips
// text as Mastodon does, keeps Idempotency-Keys for an hour on its clock,
// refuses more than 4 media, unprocessed media, alt text over 1500
// characters, unsupported types and replies to missing statuses, renders
// content as HTML like Mastodon's formatter, answers uploads with 202 and
// 206 polls when FakeOptions.ProcessingPolls is set, and sends
// X-RateLimit-* headers (reset as ISO-8601 with microseconds) on a 429.
// Its account timeline pages as Mastodon's does: at most 40 statuses,
// newest first, below max_id. Seed fills the account with statuses posted
// from the app (platformtest.Seeder), so tests hold an account busier
// than a look-up's page limit; replies_count counts the account's own
// replies, as Mastodon's does, plus SetCounts's.
//
// Its edit is UpdateStatusService's: media become media_ids (none when
// absent), media_attributes change the descriptions of the media kept,
// media not the account's or attached elsewhere are 422 "Media <ids> not
// found or already attached to another post", and a content warning makes
// the status sensitive. FakeOptions.GoToSocial gives GoToSocial 0.19's
// answers where they differ (422 "status was not changed", 400 "media not
// found", language and sensitive reset when absent); DeleteReads and
// LoseDeletes give its background and lost deletions.
//
// # Verified, corrected, uncertain
//
// Checked against mastodon/documentation (methods/statuses.md, media.md)
// and mastodon/mastodon source: the Idempotency-Key header and its hour
// (PostStatusService: Redis key per account, 3600 s, set after creation);
// PUT and GET .../source from 3.5.0; the 200/202 upload answers and the
// 206 poll answer (the 206 is not in PLATFORMS.md); the text field only
// on DELETE; Status#prepare_contents stripping text and spoiler_text.
// PLATFORMS.md's ⚠️ on X-RateLimit-Reset is resolved: RateLimitHeaders
// and Rack::Attack's throttled_responder (config/initializers/
// rack_attack.rb) both write an ISO-8601 time with microseconds
// (iso8601(6)); the 429 sends X-RateLimit-Limit, X-RateLimit-Remaining 0
// and X-RateLimit-Reset but no Retry-After, which is why RetryAfter comes
// from the reset time. The same file limits media uploads to 30 per 30
// minutes, deletes to 30 per 30 minutes and max_id paging to 300 per 15
// minutes, all within what one Find or Delete uses. The statuses
// timeline's limit (default 20, at most 40) and its max_id paging, newest
// first, are in methods/accounts.md (GET /api/v1/accounts/:id/statuses);
// status IDs are Snowflake-like, time first (lib/mastodon/snowflake.rb),
// which is why a status newer than part 1 is never past the end of a
// scan that found part 1. replies_count counts every public or unlisted
// reply, the author's own included (Status#increment_counter_caches:
// thread.increment_count!(:replies_count) if in_reply_to_id.present? &&
// distributable?). Its ⚠️ on grapheme counting was confirmed in
// platforms/render. Uncertain: the exact 429 body text is translated
// ("Too many requests" in English) and only the status is relied on; the
// The edit's loss of media was seen on a real GoToSocial 0.19.2: an edit
// of part 1's text left it with 0 of its 1 images, and its language reset
// from de to en; an unchanged part's edit answered 422 {"error":
// "Unprocessable Entity: status was not changed"} (internal/processing/
// status/edit.go), an unknown media ID 400 "Bad Request: media not found:
// <id>". Mastodon's controller passes media_ids, sensitive and
// spoiler_text to UpdateStatusService even when absent, which replaces
// the media (update_media_attachments!) and sets sensitive to
// "sensitive || spoiler_text present"; media_attributes[][] (id,
// description, focus) is in methods/statuses.md; the not_found message is
// config/locales/en.yml media_attachments.validations.not_found. The live
// run of the conformance suite (live_test.go) checks all of it against a
// real server.
// 422 messages for visibility and media type are the fake's best
// rendering of Rails' errors; servers forked from Mastodon may lack
// /source, in which case Find reports that it cannot tell.
package mastodon
