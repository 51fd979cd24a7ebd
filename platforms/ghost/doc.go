// Package ghost is the adapter for one Ghost site, through its Admin API
// and an integration's Admin API key. It creates posts from herald's HTML
// with their title, slug, tags, excerpt, canonical URL and feature image,
// publishes them or leaves them as drafts, emails them to a newsletter
// only when the post asks, edits them without overwriting an edit made
// in Ghost, deletes them, and looks up attempts whose outcome is unknown.
// Fake is its contract fake, for tests and herald demo.
//
// # Settings
//
//	base_url        the site's admin address, e.g. https://blog.example.com
//	                (required; the API is /ghost/api/admin/ below it; a
//	                Ghost(Pro) site's admin domain is its *.ghost.io one)
//	admin_key_env   the environment variable holding the Admin API key,
//	                {id}:{secret}, from Settings > Integrations > Add custom
//	                integration (required)
//	status          published (default) or draft, for every post; a post
//	                overrides it
//	accept_version  the Accept-Version header (default v5.0)
//	find_window     how far back Find accepts a post when the attempt's
//	                beginning is not recorded (default 168h)
//
// A post's override for the account (front-matter key named after it)
// may set status, slug, excerpt (Ghost's custom_excerpt, at most 300
// characters), canonical_url, tags (replacing the post's),
// feature_image_caption, newsletter (a newsletter's slug: the post is
// emailed to its members when it is published) and email_segment (an NQL
// filter of members, e.g. status:-free; default all).
//
// # Authentication
//
// Each request carries "Authorization: Ghost <token>", a JWT signed with
// HS256 over the hex-decoded secret, header kid = the key's ID, payload
// iat, exp = iat + 5 minutes and aud "/admin/" (Ghost's server verifies
// with maxAge 5m, so a token is signed per request), and the
// Accept-Version header. A 401 means the key was mistyped, regenerated or
// its integration deleted; it is final and wraps
// platforms.ErrNeedsReconnect. Sources:
// https://docs.ghost.org/admin-api#token-authentication,
// https://docs.ghost.org/admin-api (base URL, Accept-Version), and the
// server's core/server/services/auth/api-key/admin.js (maxAge '5m',
// algorithms HS256, the "Ghost" scheme).
//
// # Publishing
//
// The feature image (a post's first and only media item; Ghost has one
// image per post outside the body) is uploaded first: POST
// /images/upload/, multipart, file (its MIME type set) with purpose=image
// and ref=its path, answering {"images": [{"url", "ref"}]} (sources:
// https://docs.ghost.org/admin-api/images/uploading-an-image). Then POST
// /posts/?source=html with {"posts": [{title, html, status, slug, tags,
// custom_excerpt, canonical_url, feature_image, feature_image_alt (at
// most 191 characters), feature_image_caption}]}; empty ones are sent as
// null, which clears them. Without ?source=html
// Ghost ignores the html and saves an empty post; with it, Ghost converts
// the HTML to its Lexical format (source:
// https://docs.ghost.org/admin-api/posts/creating-a-post; the empty post
// without it was seen on Ghost 6.65). Ghost de-duplicates a taken slug by appending -2, -3,
// .... An upload failure is NotCreated: nothing was posted.
//
// Email is sent only when the post names a newsletter and the request
// publishes it. Ghost reads ?newsletter={slug}[&email_segment=...] only
// on an edit (its posts.add endpoint takes include, formats and source;
// a create with ?newsletter= publishes without email, as seen on Ghost
// 6.65), so such a post is created as a draft and then published with
// PUT /posts/{id}/?newsletter=...; an edit that moves a draft to
// published carries it too, and no other request does, so an edit of a
// published post never emails again (source:
// https://docs.ghost.org/admin-api/posts/sending-a-post: "Posts are sent
// by email if and only if an active newsletter is provided"). A slug
// Ghost does not have fails the send with 500 EmailError ("The post does
// not have a newsletter relation") and leaves the draft: herald deletes
// that draft, never published nor emailed, and reports NotCreated. When
// the publish's answer is lost, the post is read back: published is
// success; a draft is deleted. Find does the same with a draft an
// interrupted run left, so the retry emails once.
//
// # Editing
//
// PUT /posts/{id}/?source=html with the same fields and the updated_at
// that herald's last write returned (kept in the receipt). Ghost requires
// updated_at for collision detection and answers 409 UpdateCollisionError
// when it is not the post's current one, that is when someone saved the
// post in Ghost since (source:
// https://docs.ghost.org/admin-api/posts/updating-a-post; seen on Ghost
// 6.65, whose updated_at counts seconds, so an edit in the same second as
// herald's write is not told apart). herald then reads the post: when
// each of what readers see, the title and the text of the HTML (which
// survives Ghost's rewriting of the HTML), is herald's last version or
// already the new one, nothing of theirs is lost and the edit is sent
// again on the current updated_at. Otherwise Update fails with ErrEditedInGhost,
// NotCreated and not retried within the run, saying that herald does not
// overwrite the edit and how to settle it: bring the edit into the post's
// file, or undo it in Ghost; the next apply then edits the post by
// itself. (It is not platforms.ErrNotEditable, which the plan keeps as
// drift for good.) Tags are replaced, not merged. An update that would
// change nothing sends nothing; an unchanged image is not uploaded again.
//
// # Deleting
//
// DELETE /posts/{id}/ answers 204; a 404 (already gone) wraps
// platforms.ErrDeletedRemotely. Uploaded images stay in the site's
// content folder: the Admin API cannot delete them.
//
// # Finding an attempt
//
// Ghost has no idempotency key. The slug is the attempt's mark: Find
// reads GET /posts/?filter=slug:[s,s-2,...,s-10]&limit=all (NQL), then
// s-11 to s-20 and on while a batch holds a post (Ghost gives a post the
// first free suffix, so a series sharing one slug can push herald's post
// past -10), at most 100 slugs, and takes the post with the payload's
// title created since the attempt began, less platforms.ClockSkew (or
// within find_window). None is platforms.ErrNotFound; two are reported
// for a person to resolve, and so is a family that goes on past 100
// slugs.
//
// # Limits and errors
//
// Ghost's validation caps a title at 255 characters, a custom excerpt at
// 300, a feature image's alt text at 191 (125 before Ghost 6) and a slug
// at 191; Prepare refuses longer ones before anything is sent (checked
// against Ghost 6.65: a 256-character title and a 301-character excerpt
// get 422 ValidationError, and so does a 192-character alt text). Errors are
// {"errors": [{"message", "context", "type", "code"}]}; the type becomes
// the APIError's code and the context is added to the message. Ghost
// publishes no rate limits for the Admin API (only for logins); a 429
// from a proxy in front of it is honoured through Retry-After like any
// other. Ghost has no per-post view or engagement counts in the Admin
// API, so the adapter reads no metrics.
package ghost
