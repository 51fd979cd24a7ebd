package state

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"strings"
	"time"
)

// Version is the version of the record format this package writes. A record
// file with another version is refused rather than misread.
const Version = 1

// Dir is where records live, relative to the content repository's root.
const Dir = ".herald/state"

// Status is where one target of a post stands. Plan and apply branch on it,
// so it is a closed set: decoding refuses any other value.
type Status string

// Statuses of a target.
const (
	// StatusScheduled: planned for a future time, nothing sent yet.
	StatusScheduled Status = "scheduled"
	// StatusPublishing: an attempt was recorded and may have reached the
	// platform. Found at the start of a run, its outcome is unknown until
	// the platform is asked.
	StatusPublishing Status = "publishing"
	// StatusPublished: the platform accepted the post; IDs and URLs are set.
	StatusPublished Status = "published"
	// StatusFailed: the platform surely did not create the post; it may be
	// retried after NextRetryAt.
	StatusFailed Status = "failed"
	// StatusUnknown: the outcome could not be established; a human decides.
	StatusUnknown Status = "unknown"
	// StatusDeleted: herald deleted the post on the platform.
	StatusDeleted Status = "deleted"
	// StatusManual: the platform has no publishing API (Substack); herald
	// prepared the post for a person (TargetState.Manual says what to
	// do), who publishes it by hand and records its URL with herald
	// resolve.
	StatusManual Status = "manual"
	// StatusDeletedRemotely: sync found the post gone from the platform
	// although herald never deleted it. It is drift, never re-posted.
	StatusDeletedRemotely Status = "deleted_remotely"
)

// Statuses lists every valid status, in the order of a post's life.
var Statuses = []Status{StatusScheduled, StatusPublishing, StatusManual, StatusPublished,
	StatusFailed, StatusUnknown, StatusDeleted, StatusDeletedRemotely}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Record is what herald knows about one post: the state of each of its
// targets. It is the unit of storage: one file per post.
type Record struct {
	// Version is the format version; Encode sets it to Version.
	Version int `json:"version"`
	// Post is the post's ID, which also names the file.
	Post string `json:"post"`
	// File is the post's path, relative to the repository root.
	File string `json:"file,omitempty"`
	// Hash is the post's content hash when herald last acted on it.
	Hash string `json:"hash,omitempty"`
	// Targets maps a target's key to its state. The key is the account's
	// name as written in `to:`, or, for a post that goes to one account
	// more than once, the account's name and the instance: "x#3" for the
	// third occurrence of a recurring post, "x~b" for variant b sent at a
	// time of its own. AccountOf gives the account back.
	Targets map[string]TargetState `json:"targets,omitempty"`
}

// Separators of a target key's instance part: OccurrenceSep before a
// recurring post's occurrence number, VariantSep before a variant's name.
const (
	OccurrenceSep = "#"
	VariantSep    = "~"
)

// AccountOf is the account a target key publishes to: the key itself, or
// the part before its instance ("x#3" and "x~b" are both x). Account
// names never hold either separator, which the configuration checks.
func AccountOf(key string) string {
	if i := strings.IndexAny(key, OccurrenceSep+VariantSep); i >= 0 {
		return key[:i]
	}
	return key
}

// TargetState is where one target of a post stands, with everything needed
// to resume, retry, update or delete it without posting twice.
type TargetState struct {
	Status Status `json:"status"`
	// Attempt is the key of the latest attempt, sent to the platform as an
	// idempotency key where it has one, and used to find the post when the
	// outcome of the attempt is unknown.
	Attempt  string `json:"attempt,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	// Run identifies the run that recorded the latest intent. An attempt
	// found not to have landed is sent again under the same key by a new
	// intent; two runs doing that at once differ only in Run, which is how
	// the merge lets exactly one of them send.
	Run string `json:"run,omitempty"`
	// IDs are the platform's post IDs, one per thread part, in order.
	IDs  []string `json:"ids,omitempty"`
	URLs []string `json:"urls,omitempty"`
	// Hash is the content hash that was published, to detect edits.
	Hash string `json:"hash,omitempty"`
	// Provider is the provider that published it (the direct API or a
	// relay), so that updates and deletes go the same way after failover.
	Provider string `json:"provider,omitempty"`
	// Extra is what the adapter recorded with the post for later calls
	// (platforms.Receipt.Extra: the media an edit must keep, Bluesky's
	// record CIDs), never a secret.
	Extra map[string]string `json:"extra,omitempty"`
	// Manual is what a person must do to publish a target whose status
	// is manual (paste the draft at a path, publish, record the URL).
	Manual string `json:"manual,omitempty"`

	// Variant is the variant of the post the target sent (`variants:`;
	// "base" for the post as written), so that herald report --variants
	// compares what each variant earned; empty for a post without
	// variants.
	Variant string `json:"variant,omitempty"`

	// Slot is the queue slot the post was given when it was published
	// (publish_at: next), so that later posts never take it and the
	// history says when it was meant to go.
	Slot time.Time `json:"slot,omitzero"`
	// Text is which of a recurring post's texts this occurrence was sent
	// with (0 the body, i its repeat.texts[i-1]), so that an edit of
	// that text edits it, and a platform that refuses a repeated text
	// is never sent one again.
	Text int `json:"text,omitempty"`

	FirstPublishedAt time.Time `json:"first_published_at,omitzero"`
	// UpdatedAt is when this entry last changed. Concurrent runs that
	// change the same target are merged by it: the later one wins.
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	LastAttemptAt time.Time `json:"last_attempt_at,omitzero"`
	NextRetryAt   time.Time `json:"next_retry_at,omitzero"`

	LastError *Error   `json:"last_error,omitempty"`
	Metrics   *Metrics `json:"metrics,omitempty"`
}

// Error is the last error a target met, kept so that a run can say why a
// target is failed or unknown without the logs of the run that failed.
type Error struct {
	Message string `json:"message"`
	// Kind classifies the error, so that plan, apply and the CLI branch on
	// it instead of on the message.
	Kind ErrorKind `json:"kind,omitempty"`
}

// ErrorKind is what kind of error a target last met. It is written in
// state as its string. The set is open: a kind this herald does not know
// (written by a newer one) is kept as read and treated like KindError.
type ErrorKind string

// Error kinds. The first group classifies a platform's answer; the second
// says what the reconciler or a person made of an attempt.
const (
	// KindAuth: the platform refused the credentials (401, 403). Nothing
	// was posted; apply tries again after a while by itself.
	KindAuth ErrorKind = "auth"
	// KindReconnect: the account's token can no longer be refreshed; a
	// person runs herald auth.
	KindReconnect ErrorKind = "reconnect"
	// KindRateLimit: the platform answered 429.
	KindRateLimit ErrorKind = "rate_limit"
	// KindRejected: the platform refused the request (another 4xx).
	KindRejected ErrorKind = "rejected"
	// KindServer: the platform failed (5xx).
	KindServer ErrorKind = "server"
	// KindError: any other failure.
	KindError ErrorKind = "error"
	// KindValidation: the adapter refused the post before calling the
	// platform; it will not pass until the post changes.
	KindValidation ErrorKind = "validation"
	// KindConfig: the target's account cannot be used (no such account,
	// no adapter for its platform).
	KindConfig ErrorKind = "config"
	// KindRender: the post could not be rendered for the target. It names
	// failures in metrics; the plan shows them, so state never holds it.
	KindRender ErrorKind = "render"

	// KindUnknownOutcome: an attempt may have reached the platform; the
	// next run looks it up (status publishing), or a person decides
	// (status unknown).
	KindUnknownOutcome ErrorKind = "unknown_outcome"
	// KindPartial: the first parts of a thread were posted and a later
	// one surely was not. The IDs of the parts posted are kept, and the
	// next attempt posts the rest (status failed), or a person decides
	// when the adapter cannot (status unknown).
	KindPartial ErrorKind = "partial"
	// KindDeferred: not sent in this run (a rate limit or time budget, or
	// herald stopping); the next run sends it.
	KindDeferred ErrorKind = "deferred"
	// KindResolved: a person said the attempt did not land (herald
	// resolve --not-published); the next run publishes it again.
	KindResolved ErrorKind = "resolved"
	// KindNotEditable: the platform refused an edit for good
	// (platforms.ErrNotEditable: X's edit window or X Premium, LinkedIn's
	// images); the plan shows the target as drift instead of planning
	// the edit again.
	KindNotEditable ErrorKind = "not_editable"
)

// Metrics is the latest engagement of a published target. A nil field is a
// metric the platform does not give, which is not the same as zero.
type Metrics struct {
	Likes       *int64 `json:"likes,omitempty"`
	Reposts     *int64 `json:"reposts,omitempty"`
	Replies     *int64 `json:"replies,omitempty"`
	Quotes      *int64 `json:"quotes,omitempty"`
	Impressions *int64 `json:"impressions,omitempty"`
	Clicks      *int64 `json:"clicks,omitempty"`
	Saves       *int64 `json:"saves,omitempty"`
	// SyncedAt is when the metrics were read from the platform.
	SyncedAt time.Time `json:"synced_at,omitzero"`
}

// Clone returns a deep copy, so that a stored record is never changed
// through a pointer a caller kept.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := *r
	if r.Targets != nil {
		c.Targets = make(map[string]TargetState, len(r.Targets))
		for name, ts := range r.Targets {
			c.Targets[name] = ts.clone()
		}
	}
	return &c
}

func (ts TargetState) clone() TargetState {
	c := ts
	if ts.IDs != nil {
		c.IDs = append([]string(nil), ts.IDs...)
	}
	if ts.URLs != nil {
		c.URLs = append([]string(nil), ts.URLs...)
	}
	c.Extra = maps.Clone(ts.Extra)
	if ts.LastError != nil {
		e := *ts.LastError
		c.LastError = &e
	}
	if ts.Metrics != nil {
		m := *ts.Metrics
		for _, p := range []**int64{&m.Likes, &m.Reposts, &m.Replies, &m.Quotes,
			&m.Impressions, &m.Clicks, &m.Saves} {
			if *p != nil {
				v := **p
				*p = &v
			}
		}
		c.Metrics = &m
	}
	return c
}

// ErrInvalidID is returned for a post ID that cannot name a record file.
var ErrInvalidID = errors.New("invalid post id")

// ValidateID checks that a post ID names a file inside Dir: a clean,
// relative, slash-separated path with no empty, "." or ".." element and no
// backslash, colon or control character.
func ValidateID(id string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidID, id, why)
	}
	switch {
	case id == "":
		return bad("empty")
	case strings.HasPrefix(id, "/"):
		return bad("absolute path")
	case strings.ContainsRune(id, '\\'):
		return bad("backslash")
	case strings.ContainsRune(id, ':'):
		return bad("colon")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return bad("control character")
		}
	}
	for _, el := range strings.Split(id, "/") {
		switch el {
		case "":
			return bad("empty path element")
		case ".", "..":
			return bad("relative path element " + el)
		}
		if len(el) > maxIDElement {
			return bad(fmt.Sprintf("a path element of %d bytes, over %d (a file name is at most 255 bytes)", len(el), maxIDElement))
		}
	}
	if path.Clean(id) != id {
		return bad("not a clean path")
	}
	return nil
}

// maxIDElement is the longest element of an ID: with ".json" and the
// suffixes of temporary and lock files it stays within the 255 bytes of a
// file name. (Validation holds whole IDs to 200 characters.)
const maxIDElement = 200

// PathOf returns the record file of a post, relative to the repository
// root: Dir, then the ID with its slashes as directories, then ".json".
func PathOf(id string) (string, error) {
	if err := ValidateID(id); err != nil {
		return "", err
	}
	return Dir + "/" + id + ".json", nil
}

// IDOf is the inverse of PathOf: the post ID a record file belongs to.
func IDOf(file string) (string, error) {
	rest, ok := strings.CutPrefix(file, Dir+"/")
	if !ok {
		return "", fmt.Errorf("%w: %s is not under %s", ErrInvalidID, file, Dir)
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok {
		return "", fmt.Errorf("%w: %s is not a .json file", ErrInvalidID, file)
	}
	if err := ValidateID(id); err != nil {
		return "", err
	}
	return id, nil
}
