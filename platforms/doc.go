// Package platforms is the contract between the reconciler and every
// platform adapter: the Payload a target receives, the Publisher interface
// and its optional abilities, the Receipt a publish returns, the errors that
// say whether a post was created, and the Registry that builds adapters from
// configuration.
//
// # The flow
//
// The reconciler renders a post once per target with the shared renderer
// (platforms/render) into a Payload, calls Prepare(pub, payload) so that an
// adapter implementing Preparer can adjust it (escaping, moving a link to a
// first comment), shows that payload in the plan, and later passes the very
// same payload to Publish with the attempt key it recorded in state first.
// Rendering is not a Publisher method: it is shared, pure and needs no
// secrets, so plan and preview run on pull requests from forks; Preparer
// keeps what is platform-specific golden-testable in the adapter.
//
// # Writing an adapter
//
// One package per service, platforms/<name>, with:
//
//   - a constructor func(platforms.Settings) (platforms.Publisher, error)
//     that does no I/O and reads secrets lazily with Settings.Secret, so
//     that building an adapter never fails for a missing token;
//   - a type with Name and Publish, plus whichever of Preparer, Updater,
//     Deleter, Finder and MetricsReader the platform allows, each asserted
//     at compile time (var _ platforms.Finder = (*Client)(nil)). What it
//     lacks shows as "unsupported" in plans through Capabilities;
//   - an internal/httpx.Client for HTTP, with BaseURL from Settings.BaseURL,
//     HTTP from Settings.HTTPClient, Now and Logger from Settings, the
//     token in Header and other secrets registered with Redact.Add, and
//     ErrorMessage reading the platform's error envelope;
//   - errors turned into *APIError with FromHTTP, which sets Outcome from
//     the status or from whether the request was written, and RetryAfter
//     from Retry-After or the rate-limit headers. Adjust Outcome where the
//     platform says more (a 5xx behind an idempotency key is NotCreated on
//     retry; a duplicate-content 403 means the first attempt landed).
//     Wrap ErrNotFound from Find when the attempt surely did not land,
//     ErrDeletedRemotely on a 404 for a post herald published, and
//     ErrNeedsReconnect when a token can no longer be refreshed;
//   - a contract fake built with platformtest.New that enforces the real
//     API's routes, auth, headers, content types, required fields, limits
//     and error envelope, and the conformance suite run against it with
//     platformtest.Run.
//
// # Publish
//
// Publish creates every part in order, each replying to the previous one,
// with the media (alt text included) on the first part. It uses the attempt
// key for the platform's idempotency where there is one (Mastodon's
// Idempotency-Key, a Bluesky record key derived from it, a slug), and
// otherwise embeds what Find needs to recognise the attempt. When some parts
// were created before a failure it returns a Receipt with those parts
// together with the error. Receipt.Extra carries what later calls need and
// the IDs do not (record CIDs, updated_at), never a secret.
//
// # Errors decide what happens next
//
// IsRetryable: 408, 425, 429, 5xx and transport errors may succeed later;
// 401, 403, 422 and other 4xx stop. OutcomeOf: NotCreated allows a retry or
// a failover to another provider; Unknown sends the reconciler to Find
// first; Created records the post. A timeout after the request was written
// is Unknown, never NotCreated.
//
// # The registry
//
// NewRegistry takes a map literal of every adapter's constructor, written
// in one function by the program that imports the adapters; nothing
// registers itself in init. Registry.New checks that the clock, client and
// environment were passed in and names the known platforms when asked for
// an unknown one.
package platforms
