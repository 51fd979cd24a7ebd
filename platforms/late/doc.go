// Package late is the Late relay, now branded Zernio
// (https://zernio.com/api, formerly https://getlate.dev/api): a provider
// that publishes to an account of another platform through Late's API,
// for an account that lists late in providers. Fake is its contract fake.
//
// Sources: Late's API reference (docs.getlate.dev, now docs.zernio.com;
// the generated SDKs getlate-dev/late-php docs/Api/PostsApi.md and the
// zernio-go module), ../shared/PLATFORMS.md section 18. Facts marked ⚠️
// there (request-id replay, the 429 body, analytics) are from the SDK
// documentation, not from a server herald ran against.
//
// # Settings
//
// An account's late block:
//
//	account_id      the account's ID at Late (accountId)
//	api_key_env     the variable holding the API key (sk_ and 64 hex
//	                digits), sent as Authorization: Bearer
//	base_url        the API, default https://zernio.com/api (the old
//	                https://getlate.dev/api is the same API)
//	media_base_url  where the repository's files are served publicly:
//	                Late fetches media by URL. Without it a post with
//	                media is refused before anything is sent.
//	poll_for        how long to wait for a post Late is still publishing
//	                (default 30s)
//
// herald adds network, the account's platform; Late names X "twitter".
//
// # Publishing
//
// POST /v1/posts {content, publishNow: true, platforms: [{platform,
// accountId}], mediaItems: [{type, url, altText}]} with the attempt key
// as x-request-id: Late answers a repeated x-request-id within 5 minutes
// with 200 and the first post in existingPost, so a retry with the same
// key soon after a timeout lands on the first post. An immediate post
// comes back with each platform's status, platformPostId and
// platformPostUrl; a platform still pending or publishing is read again
// (GET /v1/posts/{id}) for poll_for. The receipt holds Late's post ID
// (_id, what later calls address), the platform's URL, and the platform's
// post ID in Extra (platform_id).
//
// # Outcomes
//
// 4xx is NotCreated; 429 is NotCreated and retryable, its wait from
// Retry-After or the body's details.retry_after_seconds; 5xx and a
// timeout after sending are Unknown. A platform entry with status failed
// is NotCreated with Late's errorMessage: Late says the platform refused
// it, so nothing was posted and another provider may try. A post still
// publishing after poll_for is Unknown.
//
// # Look-up
//
// Late lists posts, not request IDs: Find reads GET
// /v1/posts?startDate=...&limit=100, from when the attempt began less
// platforms.ClockSkew, page by page (at most 10), for a published post to
// the account with the caption: found, it is the attempt; every page read
// without it, the attempt did not land.
//
// # Metrics
//
// GET /v1/analytics?postId=ID gives impressions, likes, comments, shares
// and clicks; a 404 means the post is gone (drift). Analytics is a paid
// add-on: a 402 says so.
//
// # Not supported
//
// Edits (PUT /v1/posts/{id} takes drafts, scheduled and failed posts;
// POST /v1/posts/{id}/edit for published ones is ⚠️ unverified) and
// deletes (whether DELETE removes a published post from the platform is
// unverified): no Updater, no Deleter.
package late
