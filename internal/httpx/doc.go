// Package httpx is the JSON HTTP client that platform adapters share. It
// is not about any platform: it bounds every request with a timeout, sends a
// User-Agent, reads Retry-After and the rate-limit header families
// (ParseRateLimit), keeps secrets out of every error and log line
// (Redactor), and records whether a failed request was written to the
// connection (TransportError.RequestWritten), because that decides whether
// a platform may have created a post: failing before the request was
// written means surely not, failing after means unknown.
//
// A request's error is a *StatusError when the platform answered with a
// non-2xx status and a *TransportError when no answer came;
// platforms.FromHTTP turns either into a *platforms.APIError.
package httpx
