// Package postforme is the Post for Me relay (https://api.postforme.dev):
// a provider that publishes to an account of another platform (X,
// Bluesky, LinkedIn, Threads, ...) through Post for Me's API, for an
// account that lists it in providers, first or as a failover. Fake is its
// contract fake.
//
// Sources: the API server is open source,
// https://github.com/DayMoonDevelopment/post-for-me (api/src/social-posts,
// social-post-results, media, pagination), and the Go SDK is
// github.com/DayMoonDevelopment/post-for-me-go; the API reference is
// https://api.postforme.dev/docs.
//
// # Settings
//
// An account's postforme block:
//
//	account_id   the social account's ID at Post for Me (spc_...), from
//	             GET /v1/social-accounts once the account is connected
//	api_key_env  the variable holding the API key (sent as
//	             Authorization: Bearer)
//	base_url     the API, default https://api.postforme.dev
//
// herald adds network, the account's platform (x, bluesky, ...), which
// Prepare uses. Settings.BaseURL is base_url.
//
// # Publishing
//
// Media first: POST /v1/media/create-upload-url {mime_type, size_bytes}
// answers {upload_url, media_url}; the file is PUT to upload_url (a
// signed URL, no Authorization) and media_url goes in the post. Post for
// Me takes image/png, image/jpeg, video/mp4 and video/quicktime; its
// media have no alt text, so alt text is lost through this relay (Prepare
// refuses other types, before anything is sent). Then POST
// /v1/social-posts {caption, social_accounts: [account_id], external_id:
// the attempt key, media: [{url}]} creates the post, which Post for Me
// processes in the background: the adapter polls GET
// /v1/social-post-results?post_id=... (every second, for poll_for,
// default 30s) until the account's result says success, with
// platform_data {id, url}. The receipt holds the Post for Me post ID (what
// later calls address), the platform's URL, and the platform's own post
// ID in Extra (platform_id).
//
// A caption is one post: Prepare refuses a thread of several parts. A
// Bluesky render shortens link texts and carries the full URL in a
// facet; a caption has no facets, so Prepare writes the full URLs back.
//
// # Outcomes
//
// A 4xx on create is NotCreated (400 is Post for Me's validation, with
// {statusCode, message, errors}); a 429 is NotCreated with Retry-After; a
// 5xx may come after the post was stored (the server creates the post,
// then triggers its webhook task) and is Unknown; so is a timeout after
// sending. A result with success false is NotCreated: Post for Me says
// the platform refused it, so nothing was posted and another provider may
// try. No result within poll_for is Unknown: the post was accepted and
// the next run looks it up.
//
// # Look-up
//
// Find lists GET /v1/social-posts?external_id=KEY&social_account_id=ID:
// the attempt key is the post's external_id, so a look-up is one request
// whatever the account's traffic. A post with a successful result is the
// attempt; no post, or only posts whose results failed, is ErrNotFound
// (nothing reached the platform); a post still without a result cannot be
// told yet.
//
// # Not supported
//
// Edits and deletes: the server answers PUT on a processed post with 400
// "Post has already been processed", and DELETE only takes drafts and
// scheduled posts ("Can only delete draft or scheduled posts"), so the
// adapter has no Updater and no Deleter, and a change shows in the plan
// as drift. Metrics (GET /v1/social-account-feeds/{id}?expand=metrics)
// are not read yet.
package postforme
