// Package substack is the `substack` target. Substack has no supported
// publishing API, so herald does not publish there: it writes a
// paste-ready draft of the post into the content repository, commits it
// with the state, and marks the target manual, with what a person must do
// in the plan, the results and herald status. Once the person has
// published it, herald resolve POST TARGET --published URL records it.
// No cookie-based or other unofficial API is used.
//
// # Settings
//
//	drafts           the folder the drafts go into, relative to the
//	                 repository root (default drafts/substack); each post
//	                 gets its own folder below it, named by its ID
//	publication_url  the publication, e.g. https://example.substack.com,
//	                 so that the steps link to its new-post page
//	                 (<publication_url>/publish/post)
//
// No credentials. herald apply registers ConstructorWith(Options{Root:
// the repository, Stage: the state store's PutFile}); New, without a
// root, is for plan and preview and returns ErrNoRoot from every call.
//
// # The draft
//
// Prepare gives the body as herald's HTML rendering of the post (or the
// text as paragraphs when there is no HTML) and the title (the post's, or
// its first line); the target's subtitle option is the subtitle. Publish
// writes, in drafts/<post id>/:
//
//	draft.html  a page to open in a browser: the title, the subtitle and
//	            the steps (start a new post, copy title and subtitle, copy
//	            the article, upload the images, publish, run herald
//	            resolve), then the article: the images first, then the
//	            body between <!-- herald:body --> markers
//	<images>    each media file of the post, copied under its own name
//	            (a clash gets its position as a prefix: 2-hero.png)
//
// Every file goes to a temporary file first and is renamed into place,
// draft.html last; a failure before the first rename writes nothing
// (NotCreated), after it the outcome is Unknown and Find settles it. The
// files are staged for the run's commit. Writing the post again replaces
// them, so a retry leaves one draft (an image dropped from the post stays
// in the folder until removed by hand).
//
// The receipt names the folder as its ID and the page in Extra["draft"],
// and carries Manual, the one-line version of the steps; the reconciler
// records the target as manual, not published. The plan holds a manual
// target with those steps until herald resolve records it; a post
// changed in the meantime has its draft written again.
//
// Find reads draft.html back: its <meta name="herald-hash"> holds the
// post's content hash, so a draft of this version of the post is the
// attempt (and is staged again, since the run that wrote it may have died
// before committing), and no draft, or a draft of another version, is
// platforms.ErrNotFound.
//
// There is no Updater or Deleter: once a person has published the post,
// an edit or a delete is theirs to make on Substack, and the plan says
// so (drift). There are no metrics.
//
// # Sources
//
//   - PLATFORMS.md section 16: no documented public API for publishing
//     posts (✅/⚠️; every SDK is third-party); the gated "Developer API"
//     and MCP server have no public documentation of creating posts (❓),
//     so neither is used; the unofficial cookie-authenticated
//     /api/v1/drafts route is fragile and probably against the terms, and
//     is deliberately not used. Its recommendation, a paste-ready draft,
//     is what this package does.
//   - That pasting a local page's images into Substack's editor carries
//     them over is not verified, so the steps ask for each image to be
//     uploaded from the folder.
package substack
