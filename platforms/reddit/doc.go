// Package reddit is the Reddit adapter: it submits self (text) and link
// posts to a subreddit, edits a self post's text, deletes, reads score
// and comment counts, and looks up an attempt whose outcome is unknown
// among the account's submissions. Fake is its contract fake, which
// herald demo can run outside tests.
//
// # Settings
//
//	username           required: the account, without u/ (the User-Agent
//	                   names it, and Find reads its submissions)
//	subreddit          where posts go (a post's subreddit: overrides it)
//	user_agent         default herald:github.com/heraldhq/herald:1 (by
//	                   /u/<username>); Reddit requires the form
//	                   <platform>:<app ID>:<version> (by /u/<username>)
//	                   and throttles default agents, so another is refused
//	rules              per subreddit: {submission_type: any|link|self,
//	                   max_title: n, flair_required: bool}; herald
//	                   validate checks them at the post's keys
//	                   (schema/subreddit.go), and Prepare again
//	check_subreddit    read GET /r/{sub}/about before submitting and
//	                   refuse a kind its submission_type excludes
//	                   (default true)
//	token_url          default https://www.reddit.com/api/v1/access_token
//	find_page_size     submissions per page of Find, 1-100 (default 100)
//	find_max_pages     pages Find reads at most (default 10)
//	client_id_env      the app's client ID
//	client_secret_env  its secret; absent for an installed app
//	password_env       a script app's password (the password grant)
//	access_token_env, refresh_token_env  tokens, when herald auth stored none
//
// Post options: subreddit, url (makes a link post), kind (self or link),
// flair_id, flair_text, nsfw, spoiler, and the common title and text.
// Scopes: identity, submit, edit, read, history (and flair to choose
// flair).
//
// # Publishing
//
// A post has no thread: Prepare joins the parts into one self text (a
// link post shows its URL) and refuses, before anything is sent, a title
// over 300 characters (or the subreddit's max_title), a text over 40,000,
// flair_id over 36 or flair_text over 64, a kind the subreddit's rules
// exclude, a missing flair where it is required, and media (Reddit's
// image and video uploads are undocumented; link to them instead). A post
// without title: takes the text's first line, cut at a word to fit; a
// link post needs an explicit title.
//
// Publish reads /r/{sub}/about (check_subreddit), then sends POST
// /api/submit as a form with api_type=json, sr, kind, title, text or url,
// nsfw, spoiler, sendreplies, flair_id and flair_text. Reddit answers 200
// with {"json": {"errors": [[code, message, field], ...], "data": {url,
// id, name}}}: errors are NotCreated *platforms.APIError with the first
// code (SUBREDDIT_NOEXIST, NO_SELFS, ALREADY_SUB, TOO_LONG, ...), and
// RATELIMIT ("Take a break for 3 minutes") is a retryable 429 with the
// wait it names. resubmit is never sent, so a link already in the
// subreddit is refused rather than posted twice. The receipt holds the
// fullname t3_<id> and the post's URL.
//
// # Edit, delete, find, metrics
//
// Update edits a self post's text with POST /api/editusertext (thing_id,
// text). Reddit cannot change a title, a link, the kind or the subreddit:
// those fail with platforms.ErrNotEditable before anything is sent,
// except a title herald took from the first line, which stays as
// published while the text is edited. Delete sends POST /api/del (id);
// Reddit answers alike for a post already gone.
//
// Reddit has no idempotency key. Find reads GET /user/{username}/submitted
// with sort=new, limit and after, newest first, and takes the one
// submission since the attempt began (less platforms.ClockSkew; a week
// back when that is not recorded) to the subreddit with the title and
// the text (or URL). Reaching an older submission or the end without a
// match is platforms.ErrNotFound; running out of pages first, or two
// matches, cannot tell.
//
// Metrics reads GET /api/info?id=t3_...: score (likes), num_comments
// (replies), num_crossposts (reposts); no impressions. A post no longer
// listed, with removed_by_category set (deleted by its author, removed by
// moderators or Reddit) or by author [deleted], wraps
// platforms.ErrDeletedRemotely.
//
// # Tokens, rate limits, errors
//
// herald auth connects an installed or web app with the authorization
// code grant at https://www.reddit.com/api/v1/authorize with
// duration=permanent (a refresh token); a script app needs no browser:
// it logs in with the password grant (username, password_env) whenever
// its token lapses. The token endpoint takes HTTP Basic with the client
// ID and the secret (empty for installed apps) and the same User-Agent
// rule. A token is renewed before use once it has lapsed (its expires_in
// is kept), saved through Settings.Tokens before it is used. A refused
// grant or any 401 wraps platforms.ErrNeedsReconnect.
//
// Every answer carries X-Ratelimit-Used, -Remaining (a decimal) and
// -Reset (seconds until the window ends); the adapter reports them
// (platforms.RateLimitReporter) and a 429 waits for Retry-After or the
// reset. HTTP errors are {"message", "error": status}; 4xx are
// NotCreated, 5xx and a timeout after sending Unknown.
//
// # What was verified, and against what
//
//   - /api/submit's fields, limits (title 300, text 40,000, flair_id 36,
//     flair_text 64), its return shape and its error triples
//     (SUBREDDIT_NOEXIST, NO_SELFS, TOO_LONG, ALREADY_SUB, ...);
//     /api/editusertext (text posts only; 500 for a link post);
//     /api/del (no return value, nothing happens for a missing thing);
//     the scopes: Pyprohly/reddit-api-doc-notes, which documents the
//     endpoints as observed (⚠️, secondary, but precise), agreeing with
//     PRAW. PLATFORMS.md had these ⚠️/❓.
//   - User-Agent rule and rate limits (100 queries a minute per client,
//     averaged over 10 minutes; the three headers): Reddit's API wiki and
//     the 2023 announcement (✅, PLATFORMS.md §11).
//   - New OAuth apps need approval since November 2025 (Responsible
//     Builder Policy, ✅): existing apps keep working.
//
// # Uncertain
//
//   - Access-token lifetime (❓): one hour in older documentation, 24 hours
//     reported since; the adapter keeps expires_in, whatever it is.
//   - removed_by_category's values beyond "deleted" (❓, from clients).
//   - Whether /user/{name}/submitted lists a just-made post at once (⚠️):
//     Find's ErrNotFound may be premature by seconds; the reconciler's
//     ClockSkew margin does not cover listing lag.
//   - Whether scopes are space- or comma-separated at the authorization
//     endpoint (⚠️: Reddit accepts both, per clients); herald sends spaces.
package reddit
