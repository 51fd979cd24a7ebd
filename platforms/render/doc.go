// Package render turns a post's neutral Body into exactly the text, facets
// and HTML each platform receives, and measures it exactly as each platform
// counts, so that a length herald reports as within a limit is accepted by
// the platform and one reported over it would be refused.
//
// Render is the entry point: it picks the target's override body or the
// post's, makes one Part per thematic-break part, splits over-long parts
// into thread pieces when the post's thread mode allows it (never
// otherwise: validation reports the excess), and measures every Part. Blog
// platforms also get HTML and the title.
//
// # Plain text
//
// Paragraphs are separated by a blank line, a soft break is a space and a
// hard break a newline. Headings are their text. List items are "- item"
// or "1. item", nested items indented under their parent. Quoted lines
// start with "> " (a marker on every line, as mail and Mastodon users
// write them). Emphasis, strong and strike lose their markers; inline code
// and code blocks keep their text. Images in the body become their alt
// text: the media that are attached come from the front-matter.
//
// Links: a bare URL, an autolink or [url](url) is written as the URL;
// [text](url) is written "text (url)" where platforms show and link URLs
// (X, Mastodon, Threads, LinkedIn). On Bluesky, which links nothing without
// a facet and counts a URL at its full length, [text](url) is just "text"
// with a link facet, and a bare URL is shown as the Bluesky app shows it
// (social-app's toShortUrl: host and path, a path over 15 characters cut
// to 13 and "...") with a link facet holding the full URL. Links that are
// not absolute http(s) URLs keep only their text on social platforms.
//
// Hashtags (#tag, Unicode letters allowed, not all digits, not in URLs) and
// mentions are found outside code and become facets: Bluesky @handles
// (domain names; the DID is resolved when publishing), Mastodon @user and
// @user@server, X and Threads @user. The text keeps them as written.
//
// Bluesky's facets are found as the Bluesky app finds them, by a port of
// @atproto/api's detectFacets (bluesky-social/atproto,
// packages/api/src/rich-text/detection.ts and util.ts), outside code and
// Markdown links: a mention is @ and a domain whose last label is a TLD of
// the tlds package (vendored in third_party/tlds) or .test, after the
// start, white space or "("; a link is an http(s) URL or a bare domain
// ending in such a TLD ("website.com.jpg" is none), less one trailing
// . , ; : ! ? and an unopened ")"; a tag runs from # or ＃ after the start
// or white space to the next space or invisible break, keeping other signs
// ("#double#rainbow", "#node.js", "#butter🦋fly"), needs a character that
// is not a digit or punctuation, loses trailing punctuation ("#trail_" is
// "trail") and is at most 64 grapheme clusters; a cashtag ($AAPL, a letter
// and up to four letters or digits) is a tag facet whose value is "$" and
// the ticker in capitals. A URL the Markdown linkified loses the same
// trailing punctuation. All cases of the app's own detection test
// (packages/api/tests/rich-text-detection.test.ts, in testdata/atproto
// with its license) pass, and 2,500 random texts give the facets the app's
// code gives them.
//
// LinkedIn's commentary is "little" text. Microsoft's little-text-format
// page says characters reserved for little elements must be escaped to be
// plain text and documents the hashtag template; the reserved set
// \ | { } @ [ ] ( ) < > # * _ ~ is the one clients and that page's Text
// section use (the crossposter v1.1.5 and linkedctl #194 reports show that
// unescaped text is cut at the first reserved character). EscapeLittle
// escapes every reserved character, URLs included, and writes a #tag as
// {hashtag|\#|tag}. LinkedIn is counted after escaping.
//
// # Counting, with what was verified
//
//   - X: twitter-text v3 (config/v3.json: scale 100, default weight 200,
//     light ranges U+0000-10FF, U+2000-200D, U+2010-201F, U+2032-2037, URL
//     23, emoji parsing on), after NFC. Checked against the
//     WeightedTweetsWithDiscountedEmojiCounterTest cases of twitter-text's
//     conformance/validate.yml: a URL with or without scheme counts 23, a
//     64-character label is not a URL, a family ZWJ sequence counts 2, 140
//     of them make 280. URL extraction is a port of twitter-text's
//     extractor (extractUrlsWithIndices and its expressions) with its own
//     TLD list (third_party/twitter-text/tld_lib.yml): URLs right after or
//     before CJK text, ccTLD domains without a path, accented Latin
//     domains, directional marks and t.co slugs as X finds them. All 24
//     weighted-length cases of conformance/validate.yml (v3 and
//     directional marks) and all 98 cases of the urls,
//     urls_with_directional_markers and tco_urls_with_params sections of
//     conformance/extract.yml pass; the files are in testdata/twitter-text
//     with their license, read by the tests. Emoji sequences are grapheme
//     clusters (rivo/uniseg) holding a pictograph, a flag, a keycap or a tag
//     sequence; a lone code point is weighed by the ranges, which gives 2
//     for every emoji.
//   - Bluesky: at most 300 grapheme clusters and 3000 UTF-8 bytes
//     (app.bsky.feed.post lexicon); facets are UTF-8 byte ranges.
//   - Mastodon: verified in StatusLengthValidator (current upstream):
//     the content warning and the text are joined and counted with
//     each_grapheme_cluster; URLs found by the extractor with
//     extract_url_without_protocol: false (so only http(s) URLs) count 23;
//     a mention @user@domain counts as @user. PLATFORMS.md marked the
//     grapheme rule ⚠️; it is confirmed. The content warning comes from the
//     override key spoiler_text and is added to every part's length: the
//     adapter sends it with every status of a thread.
//   - Threads: Meta's Threads Posts page: "Text posts are limited to 500
//     characters. Emojis are counted as the number of UTF-8 bytes." Other
//     grapheme clusters count 1 (an assumption: Meta does not define
//     "character").
//   - LinkedIn: UTF-16 code units of the escaped text, limit about 3000
//     (secondary sources only).
//   - Instagram, TikTok, Facebook, Pinterest, YouTube, Reddit and the
//     aggregators: Unicode code points, the best fact available (their
//     documentation gives limits but no counting rule). Blogs have no limit
//     and are counted in code points too.
//
// # Threads
//
// Split packs pieces greedily: the farthest paragraph break that fits,
// else the farthest sentence end, else the farthest word break, else a
// grapheme boundary; it never breaks inside a URL, a link facet or a
// grapheme cluster. Numbered threads reserve room for " i/n" and split
// again when n gains a digit; a thread of one piece is not numbered.
//
// Splitting is linear in the text. A text's segmentation (its break
// levels, grapheme cluster ends from one pass of uniseg's state machine,
// ASCII a byte at a time, where trailing white space starts, its URLs) is
// computed once and shared by every target of a post that receives the
// same text (Renderer). Each platform weighs the clusters once, as its
// counter does (a rules value resolved once per target), so that a
// candidate piece is measured by one subtraction of running sums; the
// platform's own counter then checks each piece and the break after it,
// and a part whose pieces it disagrees with is packed again measuring
// every candidate with the counter. The counters take a fast path for
// ASCII text and allocate nothing there.
package render
