package platforms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
)

// Sentinel errors that callers branch on. Adapters wrap them with %w.
var (
	// ErrNotFound is what a Finder returns when the attempt surely did not
	// land, so that the reconciler may retry it with the same key.
	ErrNotFound = errors.New("not found")
	// ErrDeletedRemotely means the platform says the post is gone (a 404
	// on a post herald published): drift, never a reason to re-post.
	ErrDeletedRemotely = errors.New("deleted on the platform")
	// ErrNeedsReconnect means the account's token can no longer be
	// refreshed and a human must connect the account again.
	ErrNeedsReconnect = errors.New("account needs to be reconnected")
	// ErrUnknownPlatform is what the registry returns for a platform name
	// it has no adapter for.
	ErrUnknownPlatform = errors.New("unknown platform")
	// ErrNotEditable is what an Updater returns when the platform will not
	// make this edit, now or later (X's 30-minute window and 5 edits, an
	// account without X Premium, a LinkedIn post's images): the published
	// version stays, and the plan shows drift instead of retrying.
	ErrNotEditable = errors.New("the platform will not make this edit")
)

// Outcome says whether a failed call created the post. It decides what the
// reconciler may do next: retry or fail over after NotCreated, record after
// Created, look the attempt up (Finder) after Unknown.
type Outcome int

// Outcomes. The zero value is Unknown, the only safe thing to assume about
// an error that does not say.
const (
	// Unknown: the request may or may not have been acted on, e.g. a
	// timeout or a broken connection after the request was sent, or a 5xx.
	Unknown Outcome = iota
	// NotCreated: surely nothing was posted (refused connection, auth
	// rejected, validation rejected before acceptance, a 429).
	NotCreated
	// Created: the post exists although the call failed afterwards (e.g.
	// its URL could not be read back).
	Created
)

// String returns the outcome's stable name, as written in state and logs.
func (o Outcome) String() string {
	switch o {
	case NotCreated:
		return "not_created"
	case Created:
		return "created"
	default:
		return "unknown"
	}
}

// APIError is a failure of a platform's API, with what the reconciler needs
// to act on it: whether to retry, when, and whether anything was posted.
type APIError struct {
	Platform string
	Status   int    // HTTP status; 0 when no response came
	Code     string // the platform's own error code, if any
	Message  string // the platform's message, with secrets redacted
	// RetryAfter is how long the platform asked to wait (Retry-After or a
	// rate-limit reset); 0 when it did not say.
	RetryAfter time.Duration
	// Endpoint, when set, is the one endpoint RetryAfter holds ("POST
	// tweets"), on a platform that limits each endpoint on its own (X):
	// the adapter holds further calls to it, and the reconciler does not
	// hold the account's other calls.
	Endpoint string
	Outcome  Outcome
	// Err is the underlying cause, e.g. a transport error.
	Err error
}

// Error reads "platform: status code: message (retry after d)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Platform)
	b.WriteString(":")
	if e.Status != 0 {
		fmt.Fprintf(&b, " %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Status != 0 || e.Code != "" {
		b.WriteString(":")
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	fmt.Fprintf(&b, " %s", msg)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the cause, so that errors.Is finds ErrNeedsReconnect or a
// context error inside.
func (e *APIError) Unwrap() error { return e.Err }

// OutcomeForStatus is the outcome an HTTP status implies when the platform
// says nothing more: 2xx Created, 4xx NotCreated (the request was refused),
// 5xx and anything else Unknown (the server may have acted before failing).
func OutcomeForStatus(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Created
	case status >= 400 && status < 500:
		return NotCreated
	default:
		return Unknown
	}
}

// IsRetryable reports whether the same request may succeed later without a
// human: 408, 425, 429 and 5xx, and transport errors. 401, 403, 422 and
// every other 4xx stop, and so do ErrNeedsReconnect and a cancelled
// context. Whether a retry is safe is a separate question: see OutcomeOf.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrNeedsReconnect) || errors.Is(err, context.Canceled) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Status != 0 {
		switch s := ae.Status; {
		case s == http.StatusRequestTimeout, s == http.StatusTooEarly, s == http.StatusTooManyRequests:
			return true
		case s >= 500:
			return true
		default:
			return false
		}
	}
	var wr requestWriter
	if errors.As(err, &wr) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// requestWriter is an error that knows whether its request was written to
// the connection; internal/httpx's transport errors are.
type requestWriter interface {
	error
	RequestWritten() bool
}

// OutcomeOf says whether err left a post behind. An *APIError says so
// itself. A transport error that reports RequestWritten (internal/httpx)
// is NotCreated when the request was never written and Unknown when it was:
// a timeout after sending may have been acted on. A failed dial and
// ErrNeedsReconnect are NotCreated. nil is Created. Anything else is
// Unknown.
func OutcomeOf(err error) Outcome {
	if err == nil {
		return Created
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Outcome
	}
	if errors.Is(err, ErrNeedsReconnect) {
		return NotCreated
	}
	var wr requestWriter
	if errors.As(err, &wr) {
		if wr.RequestWritten() {
			return Unknown
		}
		return NotCreated
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return NotCreated
	}
	return Unknown
}

// FromHTTP turns an internal/httpx error into an *APIError for platform,
// with the outcome it implies: a status error's outcome follows its status
// (OutcomeForStatus) and carries its Retry-After; a transport error is
// NotCreated when the request was never written and Unknown when it was.
// An adapter that knows better (Mastodon's Idempotency-Key makes a 5xx
// safe to retry) changes Outcome afterwards. nil stays nil; an error that
// is already an *APIError is returned as is.
func FromHTTP(platform string, err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return err
	}
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return &APIError{Platform: platform, Status: se.Status, Code: se.Code, Message: se.Message,
			RetryAfter: se.RetryAfter, Outcome: OutcomeForStatus(se.Status), Err: err}
	}
	return &APIError{Platform: platform, Outcome: OutcomeOf(err), Err: err}
}

// Refine starts an adapter's own wording of a failed call: ae is err as
// FromHTTP classifies it, for the adapter to reword, and se the HTTP
// answer behind it (nil when the call got none). ae is nil when there is
// nothing to reword (err is nil, is already an *APIError worded by a
// deeper call, or is not one FromHTTP classifies), and done, with op
// before it, is then what to return.
func Refine(platform, op string, err error) (ae *APIError, se *httpx.StatusError, done error) {
	if err == nil {
		return nil, nil, nil
	}
	if errors.As(err, new(*APIError)) {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	out := FromHTTP(platform, err)
	if !errors.As(out, &ae) {
		return nil, nil, fmt.Errorf("%s: %w", op, out)
	}
	errors.As(err, &se)
	return ae, se, nil
}
