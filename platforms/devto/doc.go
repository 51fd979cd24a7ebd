// Package devto is the adapter for one account on dev.to, or on any other
// Forem instance, through the Forem API v1. It publishes a post's Markdown
// as an article, edits it, unpublishes it when a post asks to be deleted
// (Forem has no delete for authors), looks up attempts whose outcome is
// unknown, and reads page views, reactions and comments. Fake is its
// contract fake, for tests and herald demo.
//
// # Settings
//
//	api_key_env  the environment variable holding the API key (required;
//	             created at dev.to/settings/extensions)
//	base_url     the API, default https://dev.to/api; another Forem
//	             instance's https://<host>/api
//	find_window  how far back Find reads when the attempt's beginning is
//	             not recorded (default 168h)
//
// Every request carries the key in the api-key header and Accept:
// application/vnd.forem.api-v1+json, which selects version 1 of the API
// (without it Forem serves the deprecated version 0). The key is read at
// the first call, so plan and preview run without it. A 401 is final and
// wraps platforms.ErrNeedsReconnect, with a message naming the variable.
//
// # The article
//
// Prepare (the platform's render, golden-tested in testdata/article.golden)
// sends the post's Markdown as written as body_markdown, so that what the
// plan shows is what dev.to receives; a post without Markdown (a payload
// built from text) sends its text. The title is the post's, else the
// body's first line, with whitespace collapsed as Forem's normalize_title
// does, cut to 128 characters (Forem's limit for a full post). Tags are
// the post's, or the target's tags option, each lowercased to its letters
// and digits (dev.to's tags are alphanumeric: "Release-Notes" becomes
// "releasenotes"), repeated ones dropped; more than 4 is refused before
// any call, naming them. The target's options:
//
//	series         the series the article belongs to
//	main_image     the cover image, an absolute http(s) URL (dev.to has no
//	               public upload: the image must already be online)
//	canonical_url  the original's URL, for a cross-post
//	description    the article's description (dev.to derives one when
//	               absent)
//	published      false creates a draft (default true)
//
// A body that starts with "---" gets a leading blank line: Forem reads a
// leading --- block of body_markdown as front matter whose keys override
// the article's fields. Media in front-matter are not uploaded.
//
// # Calls
//
// Publish is POST /api/articles with {"article": {...}}, answered 201
// with the article (id, url, published_at). Update is PUT
// /api/articles/{id} with the whole article again. Delete is PUT
// /api/articles/{id} with {"article": {"published": false}}: the article
// leaves the site and stays as a draft only its author sees (DeleteMeans
// says so, and herald's plan and results repeat it). A 404 on either
// wraps platforms.ErrDeletedRemotely.
//
// dev.to has no idempotency key. It refuses a second article with the
// same title by the same user within five minutes (422 "Title has already
// been used in the last five minutes"): Publish treats that as an unknown
// outcome and settles it at once with Find. Found, it returns the earlier
// article's receipt (the attempt had landed); not found, it returns an
// Outcome Unknown error, which the reconciler looks up again next run.
//
// Find reads GET /api/articles/me/all (30 a page, at most 10 pages),
// which lists the account's drafts first and then its published articles,
// newest published first, for an article whose title is the payload's
// and, when the payload sets canonical_url, whose canonical URL is too;
// of several, the one whose body_markdown is the payload's. An article
// published before the attempt began (less platforms.ClockSkew) ends the
// scan: nothing older can be the attempt, so not finding it is proof of
// absence. A scan that runs out of pages first, or several candidates,
// is "cannot tell", left to a person (herald resolve).
//
// Metrics reads the same list (1000 a page, Forem's maximum), the only
// place the API gives page_views_count: public_reactions_count becomes
// likes, comments_count replies and page_views_count impressions. An
// article the list no longer holds was deleted on dev.to:
// platforms.ErrDeletedRemotely.
//
// # Errors and rate limits
//
// Error bodies are {"error": "...", "status": n}. 401, 403 and 422 are
// final and NotCreated (except the duplicate title above); 429 is
// retryable, NotCreated, with its Retry-After; 5xx and a timeout after
// the request was written are Unknown. Forem sends no rate-limit headers
// besides Retry-After on a 429.
//
// # The fake
//
// NewFake serves the three routes under a non-root base path, requires
// the api-key (401 {"error": "unauthorized", "status": 401} otherwise) and
// the v1 Accept header (a contract violation otherwise), and validates as
// Forem's Article model: a title present and at most 128 characters,
// unique for the user among articles created in the last five minutes,
// at most 4 tags of letters and digits, http(s) URLs for main_image and
// canonical_url, one published article per canonical URL. Its list is
// ordered as Forem's me endpoint orders, paged by page and per_page.
// Posts returns the published articles, Drafts the others; Seed fills the
// account (platformtest.Seeder) and SetCounts sets counts.
//
// # Sources
//
//   - forem/forem app/controllers/concerns/api/articles_controller.rb: the
//     permitted article fields (title, body_markdown, published, series,
//     main_image, canonical_url, description, tags[]), the 422 envelope
//     {error, status}, the me endpoint's status filter (all, published,
//     unpublished), per_page default 30 and maximum API_PER_PAGE_MAX 1000,
//     ordering published_at desc, created_at desc, and its fields, which
//     alone include page_views_count; unpublish is an admin route
//     (revoke_publication? policy), which is why Delete sends
//     published false instead.
//   - forem/forem app/models/article.rb: MAX_TAG_LIST_SIZE 4, the title's
//     128 characters for a full post, title_unique_for_user_past_five_minutes
//     ("has already been used in the last five minutes", new records only),
//     canonical_url unique among published articles, http(s) URL checks,
//     normalize_title, and evaluate_front_matter (a front matter block in
//     body_markdown overrides title, tags, published, canonical_url,
//     series).
//   - developers.forem.com/api/v1: the api-key header and Accept
//     application/vnd.forem.api-v1+json; PLATFORMS.md section 15.
//   - PLATFORMS.md's ⚠️ items: "authors unpublish with published:false on
//     PUT" follows from the update route's permitted params and is what
//     the fake enforces; the exact tag rule (alphanumeric) comes from older
//     Forem code and is applied here conservatively; dev.to's own stricter
//     limits ("try again in 300 seconds") arrive as a 429 with Retry-After
//     like Forem's default ones. A leading blank line keeping "---" out of
//     front matter is inferred from the front matter parser matching at
//     the start of the body, not tested against dev.to.
package devto
