// Package linkedin is the LinkedIn adapter, over the versioned REST Posts
// API: it publishes a post with images and alt text, or with a video, and
// a first comment,
// edits its text, deletes it, reads its statistics, and looks up an
// attempt whose outcome is unknown among the author's recent posts. Fake
// is its contract fake, which herald demo can run outside tests.
//
// # Settings
//
// An account of platform linkedin reads these keys. Secrets are never
// written in the configuration, only the names of the environment
// variables that hold them.
//
//	author             required: urn:li:person:<id> (a member, scope
//	                   w_member_social) or urn:li:organization:<id> (a
//	                   page, scope w_organization_social with an
//	                   ADMINISTRATOR, DIRECT_SPONSORED_CONTENT_POSTER or
//	                   CONTENT_ADMIN role)
//	version            the LinkedIn-Version header, YYYYMM (default
//	                   DefaultVersion, 202605); LinkedIn sunsets versions
//	                   about a year after release, so bump it yearly
//	token_url          the OAuth token endpoint (default
//	                   https://www.linkedin.com/oauth/v2/accessToken)
//	find_count         how many posts one page of Find's scan holds, 1-100
//	                   (default 50)
//	find_max_pages     how many pages Find reads at most when the author
//	                   posted more since the attempt began (default 10)
//	video_wait         how long Publish waits for LinkedIn to process an
//	                   uploaded video, a duration (default 10m); a video
//	                   still processing then is not posted, and the next
//	                   apply uploads it again
//	access_token_env   the access token, when the token store has none
//	refresh_token_env  the refresh token (approved partners only)
//	client_id_env      the app's client ID, for refreshing
//	client_secret_env  the app's client secret, for refreshing
//
// Settings.BaseURL is the API's base, default https://api.linkedin.com/rest.
// Further scopes: r_member_social (member) or r_organization_social (page)
// for Find and the edit read-back (see Find below for what that means in
// practice); r_member_postAnalytics (member) or
// rw_organization_admin (page) for metrics.
//
// # Tokens
//
// The token comes from Settings.Tokens (herald auth), else from
// access_token_env. Every call sends Authorization: Bearer, LinkedIn-Version
// and X-Restli-Protocol-Version: 2.0.0. Access tokens last 60 days. A
// token whose expiry is known is refreshed once it has lapsed, with
// grant_type=refresh_token, the client ID and the secret, at token_url;
// the new token is saved through Settings.Tokens before it is used. The
// refresh token's own expiry (365 days from the first authorization, not
// extended by refreshing) is kept in Token.RefreshExpiry. A token from the
// environment has no known expiry: it is refreshed when LinkedIn answers
// 401. Without a refresh token (most apps: LinkedIn gives them to approved
// partners only), or with one that has lapsed or is refused, the error
// wraps platforms.ErrNeedsReconnect, gives the expiry date and says
// "LinkedIn tokens last 60 days; run herald auth linkedin". Any 401 from
// the API wraps ErrNeedsReconnect as well.
//
// # Publishing
//
// LinkedIn has no threads. Prepare joins a post's parts with a blank line
// into one part (the receipt has one ID), so the plan shows the one post
// that is sent, and refuses a text over 3000 UTF-16 code units
// (render.CountLinkedIn, after escaping), which LinkedIn would cut
// silently. The renderer already writes LinkedIn's little format (every
// reserved character \ | { } @ [ ] ( ) < > # * _ ~ backslash-escaped, a
// #tag as the template {hashtag|\#|tag}); Prepare escapes any reserved
// character that is still bare, leaving escapes and templates alone, and
// escapes the first_comment option, which is plain text.
//
// Publish sends POST /rest/posts with author, commentary, visibility
// PUBLIC, distribution {feedDistribution MAIN_FEED, targetEntities [],
// thirdPartyDistributionChannels []}, lifecycleState PUBLISHED and
// isReshareDisabledByAuthor false; the answer is 201 with the post's URN
// in the x-restli-id header (a 201 without it is Outcome Unknown, for Find
// to settle). The public URL is https://www.linkedin.com/feed/update/<urn>/.
// Images (JPEG, PNG, GIF; at most 20; alt text up to 4086 characters) are
// uploaded first: POST /rest/images?action=initializeUpload with the
// author as owner gives an uploadUrl and an image URN, the bytes are PUT
// to the uploadUrl exactly as given (its query is signed; only its host
// and path ever appear in errors), and GET /rest/images/{urn} is polled
// until AVAILABLE, for at most 30 s. One image goes in content.media {id,
// altText}, two to twenty in content.multiImage.images. The first_comment
// option is then posted with POST /rest/socialActions/{urn}/comments
// {actor, object, message.text}; if that fails the post still counts as
// published: Publish returns the receipt, logs a warning, and sets
// Receipt.Extra["first_comment"] to "failed" (else to the comment's URN).
// URNs in paths are URL-encoded.
//
// # Video
//
// A post may carry one video (MP4, 3 s to 30 minutes, at most 500 MB) and
// nothing beside it; Publish refuses anything else before sending a byte
// (the same limits are in the CUE schema, so validate says so first). The
// video goes through the Videos API, by the shared upload machinery
// (platforms/internal/upload), before the post is created, so an upload
// that fails in any way leaves nothing posted (Outcome NotCreated):
//
//  1. POST /rest/videos?action=initializeUpload {"initializeUploadRequest":
//     {owner: the author, fileSizeBytes, uploadCaptions: false,
//     uploadThumbnail: false}} answers {value: {video: urn:li:video:...,
//     uploadToken, uploadUrlsExpireAt, uploadInstructions: [{uploadUrl,
//     firstByte, lastByte}]}}: one instruction per 4 MiB part, the last
//     shorter. The instructions must cover the file from byte 0 without
//     gaps; the file is read once, forward, one part at a time.
//  2. Each part's bytes are PUT to its uploadUrl (Content-Type
//     application/octet-stream), exactly as given: it is signed, so no
//     bearer token is sent to it, and only its host and path appear in
//     errors. The answer's ETag header is kept. A part that fails for a
//     reason that may pass (no answer, 429 with its Retry-After, 5xx) is
//     sent again, alone, up to three times with back-off; an uploadUrl
//     that answers 404 or 410 means the session is gone, and the upload
//     starts over once with a new initializeUpload.
//  3. POST /rest/videos?action=finalizeUpload {"finalizeUploadRequest":
//     {video, uploadToken, uploadedPartIds: the ETags in the order of the
//     instructions}}.
//  4. GET /rest/videos/{urn} until status is AVAILABLE (PROCESSING and
//     WAITING_UPLOAD mean not yet; PROCESSING_FAILED fails the publish
//     with its processingFailureReason), first after 1 s, the wait doubling
//     up to 30 s, for at most video_wait in all.
//  5. POST /rest/posts with content.media {id: the video URN, title: the
//     post's title when it has one}.
//
// Progress is logged (upload_progress per part, upload processing per
// poll). LinkedIn keeps no alt text for a video, so a video's alt text is
// not sent (the log says so) and is not part of its fingerprint: changing
// it is not an edit. Captions (an SRT file, uploadCaptions) and a
// thumbnail (uploadThumbnail) are supported by the Videos API, each through
// an upload URL initializeUpload returns, but herald's posts carry
// neither, so both are requested false. Editing a video post changes its
// commentary only (PARTIAL_UPDATE sets commentary; the video stays);
// another video is drift (ErrNotEditable). Delete and Find work on video
// posts as on any other.
//
// # Errors
//
// Errors are *platforms.APIError read from LinkedIn's envelope
// {"status", "serviceErrorCode", "code", "message"} (the code is the
// symbolic code when present, else serviceErrorCode). 401 is not
// retryable and needs a reconnect; 403 names the scope the author needs;
// 4xx are NotCreated; 5xx and a timeout after sending are Unknown. 429 is
// retryable: LinkedIn sends no Retry-After and no rate-limit headers, and
// its quotas are daily and reset at midnight UTC, so RetryAfter runs until
// the next midnight UTC (a Retry-After, should one come, is honoured
// instead). For the same reason the adapter does not implement
// platforms.RateLimitReporter: there are no headers to report from, and
// the daily limits are not published (they show only in the developer
// portal).
//
// # Edit, delete, find, metrics
//
// Update sends POST /rest/posts/{urn} with X-RestLi-Method: PARTIAL_UPDATE
// and {"patch":{"$set":{"commentary":...}}} when the text changed (only
// the text can change), then reads the post back with GET
// /rest/posts/{urn}: LinkedIn has been reported to answer 204 and keep the
// old text, which is then an error (code not-updated). A read-back
// LinkedIn forbids (403) is logged and the edit trusted. Receipt.Extra
// keeps fingerprints of what was published (text_fp, media_fp for each
// image's bytes and alt text, first_comment_fp): an unchanged text is not
// sent; a first comment that failed at publish is posted; a change to
// the images, their alt texts or a posted first comment fails with
// platforms.ErrNotEditable before anything is sent, so the plan shows
// drift rather than a post silently missing the change (a receipt
// without fingerprints is compared with the post read back: its image
// count and alt texts). Delete sends DELETE /rest/posts/{urn}; a 404 is
// not an error.
//
// Find has no idempotency key to use. It reads the posts finder, GET
// /rest/posts?author=<urn>&q=author&sortBy=CREATED&count=<find_count>
// &start=<n> with the header X-RestLi-Method: FINDER (a Rest.li finder
// call; the fake refuses one without it), newest first, page after page
// for at most find_max_pages pages, and takes the one published post since
// the attempt began whose commentary is exactly the text Publish sends
// (compared as little text, or as LinkedIn shows it, in case LinkedIn
// returns the escapes resolved). The finder has no time filter, so the
// scan stops at the first post created before the attempt began, less
// platforms.ClockSkew (a week back when that is not recorded): reaching
// it, or the end of the author's posts, without a match proves the
// attempt absent however busy the author; a scan that runs out of pages
// first cannot tell. A page listed out of creation order makes Find
// unable to tell rather than trust a boundary it cannot see. Two posts
// with the text since the attempt began cannot be told apart.
//
// Access: the finder needs r_member_social to read a member's posts, a
// restricted permission LinkedIn grants only to approved partners, or
// r_organization_social for a page, with an ADMINISTRATOR,
// DIRECT_SPONSORED_CONTENT_POSTER or CONTENT_ADMIN role on it (Posts API,
// Permissions). Without it LinkedIn answers 403 and Find fails: for most
// member accounts, an attempt whose outcome is unknown is left to a person.
//
// LinkedIn has no threads (Prepare joins the parts into one post), so the
// adapter has no Resumer.

// Metrics, for a page: GET /rest/organizationalEntityShareStatistics
// ?q=organizationalEntity&organizationalEntity=<org>&shares=List(<urn>)
// (ugcPosts=List(...) for a urn:li:ugcPost), whose totalShareStatistics
// give likeCount (likes), commentCount (replies), shareCount (reposts),
// impressionCount and clickCount. For a member: GET
// /rest/memberCreatorPostAnalytics?q=entity&entity=(share:<urn>) ((ugc:...)
// for a ugcPost) once for each queryType REACTION, COMMENT, RESHARE and
// IMPRESSION with aggregation=TOTAL; clicks are nil. Quotes and saves are
// nil for both. Rest.li structures in these queries keep their
// parentheses and commas literal, so their query strings are built by
// hand. A 404 wraps platforms.ErrDeletedRemotely.
//
// # What was verified, and against what
//
//   - Headers LinkedIn-Version (YYYYMM) and X-Restli-Protocol-Version
//     2.0.0 on every call: Microsoft Learn, Images API page ("All APIs
//     require the request headers ...").
//   - Refresh tokens: Microsoft Learn, "Programmatic refresh tokens":
//     approved MDP partners only, access tokens 60 days, refresh tokens
//     365 days and not extended by refreshing, refresh_token_expires_in in
//     the answer. The request (grant_type=refresh_token, refresh_token,
//     client_id, client_secret, form-encoded, to /oauth/v2/accessToken)
//     is the official linkedin-api-python-client's.
//   - x-restli-id: the official python client reads a created entity's ID
//     from that header; several other clients agree. PLATFORMS.md had it
//     ⚠️; now confirmed by LinkedIn's own client.
//   - Little format: Microsoft Learn's little-text-format page (reserved
//     characters must be escaped; MentionElement, HashtagElement and the
//     hashtag template). The reserved set and the silent truncation are
//     from crossposter v1.1.5 and linkedctl #194 (⚠️, as PLATFORMS.md).
//   - memberCreatorPostAnalytics: Microsoft Learn, "Member Post
//     Statistics" (entity finder, r_member_postAnalytics, query types
//     IMPRESSION, MEMBERS_REACHED, RESHARE, REACTION, COMMENT). The exact
//     entity=(share:...)/(ugc:...) syntax and the elements[].count answer
//     are from several independent clients (⚠️).
//   - organizationalEntityShareStatistics: Microsoft Learn, "Organization
//     Share Statistics" (organic only, 12-month window,
//     rw_organization_admin). PLATFORMS.md had it ❓; the endpoint is
//     confirmed, the shares=List(...) parameter and totalShareStatistics
//     field names come from clients (⚠️).
//   - Comments API body {actor, object, message.text}: several clients
//     (⚠️).
//   - Videos API: Microsoft Learn, LinkedIn Marketing, Community
//     Management, "Videos API"
//     (learn.microsoft.com/en-us/linkedin/marketing/community-management/
//     shares/videos-api, the li-lms-2024-05 to li-lms-2026-05 views):
//     the API uploads a video and optionally a captions file and a
//     thumbnail; permissions w_member_social and w_organization_social,
//     and "for videos with company URN owners, the caller needs to have
//     ADMIN or DSC permissions for the company page; for videos with
//     member URN owners, the caller needs to match the video owner"; a
//     refused caller gets 403 "Accessing this video resource is forbidden.
//     Please check your permissions for this resource". Its "Video File
//     Size Specifications" give 75 KB to 500 MB and 3 s to 30 minutes, MP4,
//     captions in SRT; the schema's fileSizeBytes says 5 GB at most (the
//     same page, as quoted by two independent projects that cite it: the
//     adapter holds posts to 500 MB, the fake's initializeUpload to 5 GB).
//     Parts of 4 MiB (4194304 bytes, the sample's lastByte 4194303) and
//     upload URLs that expire are from the page as those projects quote it
//     (⚠️: the page's body beyond its permissions was not readable here).
//   - The shapes of the Videos API calls (⚠️, several independent clients
//     agree): initializeUpload's {value: {video, uploadToken,
//     uploadInstructions[{uploadUrl, firstByte, lastByte}]}};
//     finalizeUpload's body wrapped in finalizeUploadRequest (not bare
//     {video, uploadToken, uploadedPartIds}); uploadedPartIds the ETag
//     response headers of the part PUTs, in order; the part PUTs sent
//     without Authorization (two clients' tests assert it); status values
//     AVAILABLE, PROCESSING, WAITING_UPLOAD, PROCESSING_FAILED, and
//     processingFailureReason beside the last (Odoo's LinkedIn module and
//     a Swift client, ⚠️).
//   - A video post's content.media {id: urn:li:video:..., title}: the
//     Posts API's video sample and clients (⚠️); altText is documented for
//     images, so it is not sent for a video (❓ whether LinkedIn would keep
//     it).
//   - Video processing takes "several minutes" (Ayrshare's LinkedIn notes),
//     hence video_wait's 10 minutes.
//   - Images initializeUpload {"initializeUploadRequest":{"owner"}} ->
//     {value:{uploadUrl, image, uploadUrlExpiresAt}}: an OpenAPI schema and
//     several clients (⚠️, as PLATFORMS.md).
//
// # Uncertain
//
//   - Whether GET /rest/posts returns commentary escaped or resolved (❓):
//     Find accepts both.
//   - The bodies of an expired token (EXPIRED_ACCESS_TOKEN, 65601) and of
//     a refused refresh token (400 invalid_request) are as clients report
//     them (⚠️); the adapter keys on the status, not the body.
//   - The 4086-character alt text limit is from memory of the Posts API
//     page, not re-verified (❓).
//   - The posts finder (Posts API, "Find Posts by Authors"): q=author,
//     author, sortBy LAST_MODIFIED or CREATED, count and start, answered
//     with elements and Rest.li paging, and its sample request's
//     X-RestLi-Method: FINDER header; LinkedIn's own JavaScript client sends
//     the Rest.li method header with every finder call (in lower case).
//     That the order is newest first without isDsc is assumed from the
//     page's samples (⚠️): Find checks each page's order and cannot tell
//     when it is not.
//   - What the statistics endpoints answer for a deleted post (❓): the
//     fake answers 404; an empty answer gives nil metrics, not drift.
//   - PARTIAL_UPDATE reliability (⚠️): handled by the read-back.
//   - What a partial update can set: learn.microsoft.com/linkedin/
//     marketing/community-management/shares/post-api-schema marks which
//     fields are create-only; independent clients (MCP servers for the
//     Posts API, api-evangelist's update-post workflow) agree that a
//     partial update changes the commentary (and call-to-action fields),
//     never the content's images (⚠️). Editing or
//     deleting a comment was not found documented for the REST Comments
//     API version herald uses (❓), so herald does not do it.
//   - Whether LinkedIn refuses a video under 75 KB at initializeUpload or
//     only at processing (❓): the adapter does not check the minimum (the
//     CUE schema has no minimum size), and neither does the fake.
//   - A company page's CONTENT_ADMIN can post text and images, but the
//     Videos API names only ADMIN and DSC for a company-owned video
//     (Ayrshare agrees: content administrators cannot publish videos); an
//     upload refused so is a 403 before anything is posted.
//   - The fake's 429 daily-quota body is modelled on reports, not docs.
//     The conformance suite's injected 429 carries Retry-After 30, which
//     LinkedIn never sends; Fake.ExhaustQuota answers as LinkedIn does.
package linkedin
