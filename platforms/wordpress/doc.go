// Package wordpress is the adapter for one WordPress site through the
// core REST API (wp/v2). It creates posts from herald's HTML with their
// title, excerpt, slug, status, tags and categories (found by name, or
// created), and a featured image with its alt text; edits them without
// overwriting an edit made in WordPress; moves them to the trash or
// deletes them; looks up attempts whose outcome is unknown; and reads
// their comment counts. Fake is its contract fake, for tests and herald
// demo.
//
// # Settings
//
//	base_url      the site's address (required), in one of these forms:
//	                https://blog.example.com (the API at /wp-json/wp/v2)
//	                https://blog.example.com/wp-json (the REST root)
//	                https://blog.example.com/?rest_route= (a site with
//	                  plain permalinks, where /wp-json is not routed)
//	                https://public-api.wordpress.com/wp/v2/sites/SITE (a
//	                  WordPress.com site, with token_env)
//	username      the user the posts are made by (with password_env)
//	password_env  the environment variable holding one of that user's
//	              application passwords (Users > Profile > Application
//	              Passwords; spaces may be kept)
//	token_env     instead of the two above: the variable holding a
//	              WordPress.com OAuth2 token (Bearer)
//	status        publish (default), draft, pending or private; a post
//	              overrides it
//	delete        trash (default: WordPress keeps it 30 days) or force
//	              (deleted at once, as DELETE ?force=true)
//	find_window   how far back Find accepts a post when the attempt's
//	              beginning is not recorded (default 168h)
//
// A post's override for the account may set status, slug, excerpt,
// categories (names), tags (names, replacing the post's) and
// canonical_url. WordPress core has no canonical URL field: herald adds a
// closing paragraph "Originally published at <link>" instead, and a
// <link rel="canonical"> needs an SEO plugin.
//
// # Authentication
//
// Application passwords (core since 5.6) are sent as HTTP Basic,
// user:password. WordPress offers them only over HTTPS, unless the site's
// WP_ENVIRONMENT_TYPE is local. The spaces WordPress shows in an
// application password may be kept (seen on 6.1). WordPress answers 401
// to a request it could not authenticate, whatever its code says
// (rest_cannot_create on 6.1 for a wrong password, seen live), and 403 to
// a user who lacks a capability: a 401 is final and wraps
// platforms.ErrNeedsReconnect, a 403 names the user.
// Sources: https://developer.wordpress.org/rest-api/using-the-rest-api/authentication/,
// https://make.wordpress.org/core/2020/11/05/application-passwords-integration-guide/.
// WordPress.com sites answer the same wp/v2 routes under
// https://public-api.wordpress.com/wp/v2/sites/{site} with an OAuth2
// token (source: https://developer.wordpress.com/docs/api/: "this API is
// also enabled on WordPress.com, but the URL structure on WordPress.com
// is slightly different"); sites on plans that run plugins serve
// /wp-json and take application passwords like any other.
//
// # Publishing
//
// Tags and categories are term IDs: each name is looked up with GET
// /tags?search=name (names come back HTML-escaped; the match ignores
// case, as term names do) and created with POST /tags {name} when
// missing; a 400 term_exists names the existing term in data.term_id. A
// user may create tags with the edit_posts capability (an Author), but
// categories need manage_categories (an Editor): refused, the publish
// stops before the post with a message saying what to do (source:
// WP_REST_Terms_Controller::create_item_permissions_check, which checks
// edit_terms for hierarchical taxonomies and assign_terms otherwise).
//
// The featured image is POST /media with the file's bytes as the body,
// its Content-Type, and Content-Disposition: attachment;
// filename="name.png" (WordPress splits the header at ';' and '=' and
// reads no RFC 2231 names, so the name is kept to ASCII), answering 201
// {id, source_url}; then POST /media/{id} {alt_text}. Then POST /posts
// {title, content, excerpt, slug, status, tags, categories,
// featured_media} answers 201 with id and link. Core has no Markdown:
// herald sends the HTML it renders. A published post's taken slug gets
// -2, -3, ... (wp_unique_post_slug). Sources:
// https://developer.wordpress.org/rest-api/reference/posts/,
// https://developer.wordpress.org/rest-api/reference/media/,
// WP_REST_Attachments_Controller::get_filename_from_disposition.
//
// # Editing
//
// POST /posts/{id} with the same fields. WordPress has no edit guard, so
// Update first reads the post (GET /posts/{id}?context=edit) and compares
// its modified_gmt with the one herald's last write returned. A different
// one means someone saved the post in WordPress: when each of what
// readers see, the title and the text of the content, is herald's last
// version or already the new one, the edit goes ahead; otherwise Update fails with
// ErrEditedInWordPress, NotCreated and not retried within the run, saying
// that herald does not overwrite the edit and how to settle it (bring it
// into the post's file, or undo it in WordPress; the next apply then
// edits the post). An edit made between the read and the write, or in
// the same second as herald's last write (modified_gmt counts seconds),
// is still lost. A changed alt text alone is set on the media item
// without editing the post; an update that would change nothing sends
// nothing.
//
// # Deleting
//
// DELETE /posts/{id} moves the post to the trash; with delete: force,
// DELETE /posts/{id}?force=true deletes it. A post already trashed
// answers 410 rest_already_trashed and one already gone 404
// rest_post_invalid_id: both wrap platforms.ErrDeletedRemotely. The
// featured image stays in the media library.
//
// # Finding an attempt
//
// WordPress has no idempotency key. The slug is the attempt's mark: Find
// reads GET /posts?slug=s,s-2,...,s-10&status=any&context=edit (any
// status but trash), then s-11 to s-20 and on while a batch holds a
// post (wp_unique_post_slug gives a published post the first free
// suffix, so a series sharing one title in wp-admin can push herald's
// post past -10), at most 100 slugs, and takes the post with the
// payload's title dated since the attempt began, less
// platforms.ClockSkew (or within find_window). None is
// platforms.ErrNotFound; two are reported for a person to resolve, and
// so is a family that goes on past 100 slugs. The posts listed are the
// ones the user may read: an Author does not see other users' drafts,
// pending, scheduled or private posts, none of which can be herald's.
//
// # Metrics and errors
//
// Core keeps no view counts (those need Jetpack or another statistics
// plugin); Metrics reads the post's approved comments as Replies, from
// the X-WP-Total header of GET /comments?post={id}&per_page=1, after
// checking that the post is neither gone nor trashed
// (platforms.ErrDeletedRemotely). Errors are {"code", "message", "data":
// {"status"}}; the code becomes the APIError's. Core has no rate limits;
// a host's 429 is honoured through Retry-After.
package wordpress
