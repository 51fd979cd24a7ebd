// Package platformtest holds what every adapter's tests share: a toolkit
// for contract fakes of platform APIs and the conformance suite that every
// adapter passes against its fake.
//
// # Contract fakes
//
// New starts an httptest server whose API lives under a non-root base path
// (Config.BasePath), so that an adapter ignoring its base URL is caught.
// Each route is registered with Handle("POST /statuses", Contract{...},
// handler). The Contract states what the real API demands: the exact
// Authorization header, other required headers, the content type,
// required JSON fields (dotted paths) and the platform's Limits. A request
// that breaks it is answered with the platform's error envelope
// (Config.ErrorBody) and fails the test; so does any request to a route
// that was not registered. There is no accept-anything handler. Call
// ExpectViolations in a test that sends bad requests on purpose.
//
// Handlers record what they accept in the fake's Store (Add, AddOnce for
// idempotency keys, AddMedia, Update, Delete), so that tests assert
// "exactly one post exists" with Posts. Inject queues a Fault for the next
// request to the route marked Contract.Create: RateLimited answers 429 with
// Retry-After and the platform's rate-limit headers
// (Config.RateLimitHeaders); Unauthorized answers 401; ServerError answers
// 500; AcceptThenTimeout runs the handler, so the post is stored, then
// answers nothing until the client gives up. Fault.After lets that many
// creates through first, so that a thread breaks after its first parts.
//
// # The conformance suite
//
// Run(t, Harness) runs the same checks against every adapter. The Harness
// builds the adapter on a fresh Backend (a *Fake is one) for each check and
// declares what the adapter supports: Capabilities (held against
// platforms.Capabilities), MaxParts, MaxMedia and Idempotent. The checks:
//
//   - capabilities: what the adapter implements is what the harness says;
//   - publish: one post, text read back exactly, receipt IDs and provider;
//   - thread: a reply chain in order (skipped when MaxParts < 2);
//   - media: a PNG with its alt text and its bytes (skipped when MaxMedia 0);
//   - edit_thread_with_image: a thread whose first part carries an image
//     with alt text, edited twice (part one's text; then part two's text
//     and the alt text) and once with nothing changed: after each edit the
//     image and its alt text are still there, read back, and a part whose
//     content did not change was not edited (Post.Edits). With
//     Harness.FixedMedia, changing the alt text must fail with
//     platforms.ErrNotEditable and leave the image as it was;
//   - update, delete, find, metrics: where the adapter has the ability,
//     skipped with the reason otherwise; delete twice is not a failure,
//     Find of an attempt that never landed is ErrNotFound, metrics of a post
//     removed on the platform is ErrDeletedRemotely;
//   - find_busy: on an account holding more posts since the attempt began
//     than one page of the look-up (Harness.FindPage) and more before it
//     than a whole scan (FindPage × FindPages), Find of an attempt that
//     never landed is ErrNotFound and Find of one that landed returns it.
//     It needs a Backend that is a Seeder, and is skipped otherwise;
//   - thread_resume: a thread whose second part failed is found in part
//     (an *platforms.IncompleteError, 1 of 2, with part 1's receipt), and
//     Resume finishes it: exactly one copy of each part, in a reply chain,
//     the media on part 1 only. Skipped without threads, Find or Resume;
//   - rate_limited: an *APIError with status 429, RetryAfter 30s,
//     retryable, NotCreated;
//   - auth_rejected: an *APIError with status 401, not retryable,
//     NotCreated;
//   - accept_then_timeout: outcome Unknown, exactly one post, Find returns
//     it and an idempotent adapter's retry returns it;
//   - no_duplicate_after_fault: after a 429, a 401, a 500 and an
//     accept-then-timeout, the apply protocol (retry what was NotCreated,
//     Find what is Unknown, then retry with the same key) leaves exactly
//     one post. After every fault, an error claiming NotCreated while the
//     platform holds a post fails the check.
//
// Harness.MediaRequired is for a platform that takes no post without
// media (Instagram): every payload the suite builds carries its image, and
// Harness.JPEG makes that image a JPEG for a platform that takes no other.
//
// Harness.Skip names checks a platform cannot fail in (a file feed has no
// rate limit), with the reason, which the suite logs.
//
// # Live mode
//
// A harness with Live set runs the same checks against a real server, the
// way litestream runs its replica-client suite with -integration: its New
// builds the adapter on the server and a Backend that reads the server
// back. LiveEnv opts in: it returns the environment variables that name
// the server and credentials, and skips the test, naming them, when one is
// unset (the only skip a live test makes). In live mode the checks that
// need Backend.Inject are not run, the clock is the system's, every text
// ends with Env.Tag (unique to the run and the check, which is how a live
// Backend's Posts finds the check's posts among the account's), attempt
// keys are the run's own, and every post a check made is removed when it
// ends. The adapters' live_test.go files hold the harnesses.
//
// The package's own tests define a small "notes" API, its fake, and an
// adapter that passes every check; they also run the suite against broken
// variants of that adapter, each in a child test process, and require each
// to fail in exactly the checks meant to catch it. notes_test.go is the
// worked example to copy.
package platformtest
