// Package feed is the `feed` target: the site's syndication feed, written
// as an Atom file (RFC 4287), a JSON Feed 1.1 file
// (https://jsonfeed.org/version/1.1) or both, inside the content
// repository. Publishing a post adds its entry, an update replaces it, a
// delete removes it; the reconciler commits the files with the state, and
// the site serves them. No network is involved and no credentials.
//
// # Settings
//
// An account of platform feed reads these keys:
//
//	atom         path of the Atom file, e.g. public/feed.atom
//	json         path of the JSON Feed file, e.g. public/feed.json
//	             (at least one of atom and json; they must differ)
//	title        the feed's title (default: site_url's host, else the
//	             account's name)
//	site_url     the site's URL: the feed's home page, the base of entry
//	             links and media URLs, and the authority of entry IDs
//	feed_url     where the files are served: each file's base name is
//	             resolved against it (RFC 3986), so the directory
//	             (https://example.com/) or either file
//	             (https://example.com/feed.atom) works; it gives Atom's
//	             rel="self" link and JSON Feed's feed_url
//	author       the feed's author (default: the title)
//	max_entries  how many entries the files keep, newest first (default
//	             50). Older entries drop out of the files, not out of
//	             herald's state.
//
// Paths are slash-separated, relative to the repository root, and must
// stay inside it; the constructor rejects any other, and *os.Root refuses
// at write time any path that a symbolic link would take outside.
//
// # Construction
//
// Writing needs the repository, which is not configuration, so it comes
// through Options rather than Settings. herald apply registers
//
//	"feed": feed.Constructor(root)  // root is the repository's *os.Root
//
// and feeds built by one Constructor share a lock, so the reconciler's
// concurrent calls take turns on the files. New is the plain
// platforms.Constructor, without a root, for commands that never write
// (plan, preview): it checks the settings and reports the capabilities,
// and every call returns ErrNoRoot. NewWith(settings, Options{Root: root})
// builds one feed directly.
//
// herald apply uses ConstructorWith(Options{Root: root, Stage: stage}),
// where stage puts each file in the state store (state.Store.PutFile):
// after every write the feed hands Stage the final content of each file
// it renamed into place (never the temporary file), with its merge
// function, so that the reconciler commits the files with the results of
// the run. When Find finds an entry it stages the files as read too: a
// run that wrote them and died before committing left them in the work
// tree, and the record about to say published must be committed with
// them. Files as committed stage as no change.
//
// # Racing runs
//
// Two runs that publish different posts at once each write whole files.
// When one run's push is rejected and replayed on the other's, each file
// is merged entry by entry, keyed by entry ID: what ours added, changed
// or removed since the base is applied to theirs; an entry both changed
// goes to the newer updated time, ours on a tie, and to ours when one
// side removed it. The result is sorted, trimmed to max_entries and
// written by the feed's own encoder, so it is the same bytes one run
// publishing both posts would have written. A version that does not
// parse fails the merge and so the push, naming the file.
//
// # Entries
//
// An entry's ID is a tag URI (RFC 4151) made from the post's ID,
// tag:<host of site_url>,2026:<post id>, or urn:herald:<post id> without a
// site_url. The date is fixed so that the ID never changes. Because the ID
// comes from the post and not from the attempt, publishing a post twice
// leaves one entry: a retry replaces what the first attempt wrote and
// keeps its published time.
//
// An entry carries the post's title (or the first part's first line, cut
// at a word boundary), its HTML as content (or its text, as text content,
// when it has no HTML), the first part's plain text as summary, published
// and updated times from Settings.Now, a link (the `url` option, else
// site_url/<post id>), its tags as categories, and its media as enclosure
// links and attachments: the file's path as a URL under site_url (the
// bare path, relative, without one), with its MIME type, size and alt
// text as title.
//
// A feed has no replies, so a thread is one entry whose content holds
// every part: the receipt has one ID and one URL. Blog rendering already
// gives a feed one part; a payload of several parts becomes one entry
// whose text content is the parts joined by blank lines.
//
// # Files
//
// The files are the state: every call parses them. When both are
// configured the Atom file is the record (Find reads it) and the JSON
// Feed is written from the same entries; both must parse, because a file
// that does not is never replaced silently but reported as an error
// naming it. A missing file is an empty feed.
//
// Output is deterministic: entries newest first by published time, then
// by ID; Atom written with encoding/xml, indented by two spaces; JSON Feed
// indented by two spaces with HTML left unescaped; times in UTC to the
// second. Each write goes to a temporary file beside its target
// (<path>.herald-tmp) and is renamed into place, the record last, so a
// crash never leaves half a file.
//
// # Errors
//
// Errors are *platforms.APIError with Platform "feed" and Status 0. A
// failure before the first rename changed nothing: Outcome NotCreated. A
// failure at a rename is Outcome Unknown, and Find reads the record to
// tell. File errors are not retryable within a run.
package feed
