// Package medium is the adapter for one Medium account. It can only
// create posts. Medium no longer supports its API and takes no new
// integrations: only an integration token made before it closed keeps
// working, and a revoked one cannot be replaced. Fake is its contract
// fake, for tests and herald demo.
//
// # Settings
//
//	token_env       the environment variable holding the integration token
//	                (required; Settings → Security and apps → Integration
//	                tokens, for accounts that still have one)
//	content_format  html (default: herald's own HTML rendering of the
//	                post) or markdown (the post's Markdown as written,
//	                converted by Medium)
//	publication_id  post to this publication instead of the profile (a
//	                writer of a publication may only create drafts)
//	base_url        the API, default https://api.medium.com/v1
//
// The token is read at the first call, so plan and preview run without it.
// Integration tokens do not expire; a 401 is a revoked token, final, and
// wraps platforms.ErrNeedsReconnect with a message that says no new token
// can be issued.
//
// # The post
//
// Prepare (golden-tested in testdata/content.golden) builds the content:
// Medium uses the title field for listings and SEO but does not show it
// in the post, so the content starts with the title as a heading (<h1>,
// escaped, or "# "), then the body. The title is the post's, else the
// first line of its text; over 100 characters it is refused before any
// call, because Medium would ignore it. Tags are the first three of at
// most 25 characters: Medium uses only the first three and ignores longer
// ones, so herald sends what Medium keeps. The target's options:
//
//	publish_status    public (Medium's default), draft or unlisted
//	canonical_url     the original's URL, for a cross-post
//	license           all-rights-reserved (default), cc-40-by, cc-40-by-sa,
//	                  cc-40-by-nd, cc-40-by-nc, cc-40-by-nc-nd,
//	                  cc-40-by-nc-sa, cc-40-zero, public-domain
//	notify_followers  true or false
//
// Images are not uploaded: POST /v1/images needs the uploadImage scope,
// which integration tokens do not have. Medium side-loads every <img src>
// in the content by its URL, so images in the body must be absolute URLs.
//
// Publish reads GET /v1/me once for the author's ID (a failure there
// posted nothing), then POST /v1/users/{authorId}/posts (or
// /v1/publications/{publication_id}/posts) with title, contentFormat,
// content, tags, canonicalUrl, publishStatus, license and
// notifyFollowers; the answer's data holds the post's id, url and
// publishedAt (Unix milliseconds, absent for a draft).
//
// # What Medium cannot do, and what herald does instead
//
// The API has no edit, no delete, no list of a user's posts and no
// metrics, so the adapter implements none of platforms.Updater, Deleter,
// Finder or MetricsReader. A post edited after it went to Medium shows in
// the plan as drift ("medium cannot edit a published post: the published
// version stays as it was"), and delete: true as drift ("remove it by
// hand"): neither is ever attempted.
//
// Without a list, an unknown outcome (a timeout after Medium received
// the create) cannot be settled by herald, and is not guessed: the target
// stays unknown, and the plan asks a person to check. The check: open
// https://medium.com/me/stories (Drafts, and Published or Unlisted as the
// post's publish_status says) and look for a story with the post's title
// created after the attempt's time, then run herald resolve POST TARGET
// --published URL if it is there, or --not-published if not. Medium's
// public RSS feed lists only public posts and is not an API, so herald
// does not read it.
//
// # Errors
//
// Error bodies are {"errors": [{"message": "...", "code": n}]}. 400
// (invalid or missing fields), 401 (invalid or revoked token), 403 (no
// permission, another user's ID, a publication the user may not write
// to) and 404 (authorId names no user) are final and NotCreated; 429 is
// retryable with its Retry-After; 5xx and a timeout after the request was
// written are Unknown. Medium publishes no rate limits.
//
// # The fake
//
// NewFake serves GET /v1/me and the two create routes under a non-root
// base path, with the exact bearer token (401 {"errors": [{"message":
// "Token was invalid.", "code": 6003}]} otherwise), a JSON body with
// title, contentFormat and content, the enumerations of contentFormat,
// publishStatus and license, 403 for another user's ID or an unknown
// publication, and what Medium keeps of the tags.
//
// # Sources
//
//   - github.com/Medium/medium-api-docs, api.md (archived; last push 2
//     March 2023): base URL, self-issued integration tokens (no expiry,
//     revocable, scopes basicProfile and publishPost; uploadImage is an
//     extended scope), GET /v1/me, the create fields and their values,
//     "Only the first three will be used. Tags longer than 25 characters
//     will be ignored", the title not appearing in the post, the Post
//     object, the errors 400/401/403/404, images side-loaded from <img
//     src>, no sandbox.
//   - The same repository's README, as PLATFORMS.md section 12 quotes it:
//     "The Medium API is no longer supported" and "We don't allow any new
//     integrations with our API" ✅; existing tokens still working is ⚠️
//     (reported, not documented).
//   - The 100-character title limit is PLATFORMS.md's ✅; the error codes
//     in the fake's bodies (6003, 6027, 2004) are illustrative, and only
//     the status is relied on.
package medium
