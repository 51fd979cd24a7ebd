package platforms

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// AttemptKey identifies one attempt to publish one post to one target. The
// reconciler records it in state before it calls Publish and passes the same
// key again when it retries, so that an adapter can make a retry land on the
// first attempt's post: Mastodon's Idempotency-Key, Bluesky's record key, a
// marker embedded in the post, a blog slug.
type AttemptKey string

// FacetType says what a facet points at.
type FacetType string

// Facet types. Bluesky needs all three as rich-text facets; other platforms
// may ignore them because they link plain text themselves.
const (
	FacetLink    FacetType = "link"
	FacetMention FacetType = "mention"
	FacetTag     FacetType = "tag"
)

// Facet marks a span of a part's text as a link, a mention or a tag. Start
// and End are UTF-8 byte offsets into Part.Text, End exclusive, because that
// is how Bluesky counts and any other unit can be derived from bytes.
type Facet struct {
	Start int
	End   int
	Type  FacetType
	// Value is what the span points at: the full URL of a link (the text
	// may be shortened), the handle of a mention, the tag without '#'.
	Value string
}

// Part is one post of a thread, already rendered for the target: its text
// exactly as the platform should receive it, and its facets.
type Part struct {
	Text   string
	Facets []Facet
}

// Media is one file attached to a post, with what an adapter needs to
// upload it. Open is called once per upload, so an adapter that retries an
// upload calls it again.
type Media struct {
	Path string // relative to the repository root, slash-separated
	Alt  string
	Type string // MIME type, e.g. "image/png"; a video's starts with "video/"
	Size int64
	// Duration, Width and Height are a video's, read from its container
	// (schema.Media); zero for an image. Platforms that declare a video's
	// length or aspect ratio at upload take them from here.
	Duration      time.Duration
	Width, Height int
	// Open returns the file's bytes. The reconciler builds it over the
	// repository's files, tests over memory.
	Open func() (io.ReadCloser, error)
}

// Payload is everything one target receives for one post. The reconciler
// builds it from a rendered post (rendering lives in platforms/render) and
// hands the same value to Publish, Update and Find, so that what the plan
// showed is what is sent.
type Payload struct {
	PostID   string // the post's ID in the content repository
	Target   string // the target's key in state: the account name as written in `to:`, or with its instance ("x#3", state.AccountOf)
	Platform string // the account's platform, e.g. "mastodon"

	// Parts is the thread, in order. A post that is not a thread has one
	// part. Blogs use Title, HTML and Markdown and may ignore Parts.
	Parts    []Part
	Title    string
	HTML     string // the body as HTML, for blogs
	Markdown string // the body as written, for platforms that take Markdown
	Tags     []string

	// Media goes with the first part.
	Media []Media

	// Options are the target's extra front-matter keys (first_comment,
	// visibility, spoiler_text, reply_settings, ...), as decoded.
	Options map[string]any

	// CanonicalURL is, for a blog target, where the article's original
	// lives: the target's canonical_url option when the post sets one,
	// else the published URL of the target it waits for (its after: key)
	// or of the post's primary, when that target is a blog too. Blog
	// adapters that can (Ghost, WordPress, dev.to, Medium) send it as the
	// copy's canonical URL; "" means the copy is the original.
	CanonicalURL string

	// Hash is the post's content hash: equal hashes mean equal
	// publications. Finders may use it to recognise an attempt.
	Hash string
}

// Text returns the parts' texts joined by a blank line: what a platform
// that takes one text receives when it has no better use for a thread.
func (p *Payload) Text() string {
	texts := make([]string, len(p.Parts))
	for i, part := range p.Parts {
		texts[i] = part.Text
	}
	return strings.Join(texts, "\n\n")
}

// Option returns the string option key and whether it is set to a
// non-empty string, so that adapters need not type-assert Options.
func (p *Payload) Option(key string) (string, bool) {
	s, ok := p.Options[key].(string)
	return s, ok && s != ""
}

// Clone returns a deep copy, so that a Preparer may change its copy
// without touching the payload the plan showed. Media openers and option
// values are shared.
func (p *Payload) Clone() *Payload {
	c := *p
	c.Parts = make([]Part, len(p.Parts))
	for i, part := range p.Parts {
		c.Parts[i] = Part{Text: part.Text, Facets: slices.Clone(part.Facets)}
	}
	if p.Parts == nil {
		c.Parts = nil
	}
	c.Tags = slices.Clone(p.Tags)
	c.Media = slices.Clone(p.Media)
	c.Options = maps.Clone(p.Options)
	return &c
}

// Receipt is what a platform answered when a post was published: what the
// reconciler records in state and later hands to Update, Delete and Metrics.
type Receipt struct {
	// Provider is the adapter that published it (its Name), so that a post
	// sent through an aggregator is updated through the same aggregator.
	Provider string
	// IDs holds the platform's ID of each part, in thread order.
	IDs []string
	// URLs holds the public URL of each part, where the platform gives one.
	URLs []string
	// PublishedAt is when the platform says the post was created, or the
	// adapter's clock when it does not say.
	PublishedAt time.Time
	// Extra is provider data that later calls need and the IDs do not
	// carry (Bluesky's record CIDs, Ghost's updated_at). It is stored in
	// state as given, so it must hold no secret.
	Extra map[string]string
	// Manual, when set, says that the adapter did not publish: it
	// prepared the post for a person to publish by hand (Substack, which
	// has no publishing API), and Manual says what they must do. The
	// reconciler records the target as manual, not published, until the
	// person records the post's URL with herald resolve.
	Manual string
}

// Publisher is what every adapter is: one account on one platform that can
// publish a rendered post. Everything else an adapter can do is an optional
// interface found by type assertion (see Capabilities).
//
// Rendering is not part of Publisher. The reconciler renders a post once
// with the shared renderer, for the plan, the pull-request preview, CUE
// validation and Publish alike, and without an account's secrets; an
// adapter that needs a different payload implements Preparer, which is pure
// and so just as golden-testable as a Render method would be.
type Publisher interface {
	// Name is the platform's name as used in configuration ("mastodon").
	Name() string
	// Publish creates the post: every part, in order, each replying to the
	// previous one, with the media on the first. The same key is passed
	// again when the reconciler retries; an adapter uses the platform's
	// idempotency with it where there is one.
	//
	// When some parts were created and a later one failed, Publish returns
	// a Receipt holding the created parts' IDs together with the error.
	// Errors say whether anything was posted: see APIError and OutcomeOf.
	Publish(ctx context.Context, p *Payload, key AttemptKey) (*Receipt, error)
}

// Preparer is an adapter that adjusts the shared rendering for its
// platform (escaping LinkedIn's little text, moving a link to a first
// comment). Prepare is pure: no I/O, no clock. It receives a copy it may
// change and returns the payload to publish.
type Preparer interface {
	Prepare(p *Payload) (*Payload, error)
}

// Updater is an adapter that can edit a published post in place. It
// returns the new receipt, because some platforms (X) give an edit a new ID.
type Updater interface {
	Update(ctx context.Context, r *Receipt, p *Payload) (*Receipt, error)
}

// Deleter is an adapter that can delete a published post, every part of
// it. Deleting a post that is already gone returns nil or an error
// wrapping ErrDeletedRemotely, never a failure that would be retried.
type Deleter interface {
	Delete(ctx context.Context, r *Receipt) error
}

// DeleteDescriber is a Deleter whose delete does not remove the post
// (dev.to has no delete, so its adapter unpublishes): DeleteMeans says
// what a delete does, and the plan and the results say it instead of
// "removes".
type DeleteDescriber interface {
	DeleteMeans() string
}

// PublishDescriber is an adapter whose publish does not publish
// (Substack has no publishing API, so its adapter writes a draft for a
// person): PublishMeans says what a publish does, for the plan, so that
// a pull request shows what a person will have to do.
type PublishDescriber interface {
	PublishMeans() string
}

// RepeatRefuser is an adapter whose platform refuses a post whose text
// repeats one the account already published (X answers 403 "duplicate
// content"): RefusesRepeat says so, for the plan, which then never sends
// an occurrence of a recurring post with a text the account was sent.
type RepeatRefuser interface {
	RefusesRepeat() string
}

// Attempt is what a Finder knows of the attempt it looks for: its key,
// and when the reconciler recorded it, before any call was made.
type Attempt struct {
	Key AttemptKey
	// Began is when the attempt's intent was recorded. Nothing the account
	// created before Began, less ClockSkew, can be the attempt, so a scan
	// of recent posts that reaches back that far without a match proves
	// the attempt absent, however busy the account. Zero: unknown (state
	// written by an older herald), and a Finder falls back to a fixed
	// window.
	Began time.Time
}

// ClockSkew is how far a platform's clock may be behind the reconciler's:
// a Finder scans back to Attempt.Began less ClockSkew. Servers and CI
// runners keep their clocks by NTP, within a second of each other; two
// minutes is a wide margin, and a narrow one matters: every post the
// account made in it counts against a look-up's page limit.
const ClockSkew = 2 * time.Minute

// Since returns the time a scan for the attempt must reach back to: Began
// less ClockSkew, or now less fallback when Began is unknown.
func (a Attempt) Since(now time.Time, fallback time.Duration) time.Time {
	if a.Began.IsZero() {
		return now.Add(-fallback)
	}
	return a.Began.Add(-ClockSkew)
}

// DescribeSince says, for a look-up's messages, where a scan had to reach
// back to (since, from Since) and why: fallback names the window used
// when Began is not recorded ("the find_window", "a week back").
func (a Attempt) DescribeSince(since time.Time, fallback string) string {
	s := since.UTC().Format(time.RFC3339)
	if a.Began.IsZero() {
		return s + " (" + fallback + "; when the attempt began is not recorded)"
	}
	return s + " (when the attempt began, less " + ClockSkew.String() + " for clock skew)"
}

// Finder is an adapter that can look up an attempt whose outcome is
// unknown (a timeout after the request was sent) among the account's posts.
// It returns the attempt's receipt when it landed, an error wrapping
// ErrNotFound when it surely did not, and any other error when it cannot
// tell, in which case the reconciler asks a human.
//
// When it proves that parts 1..k of a thread exist (in order, each a
// reply to the one before) and parts k+1..n do not, it returns a receipt
// of the k parts together with an *IncompleteError, so that the
// reconciler can finish the thread through a Resumer.
type Finder interface {
	Find(ctx context.Context, p *Payload, a Attempt) (*Receipt, error)
}

// IncompleteError says that an attempt's thread exists in part: Found of
// Total parts, in order, and surely none of the rest. It comes with a
// receipt of the found parts.
type IncompleteError struct {
	Found, Total int
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("parts 1 to %d of %d were posted, and surely none of the rest", e.Found, e.Total)
}

// Resumer is an adapter that can finish a thread whose first parts exist:
// Resume posts p.Parts[len(r.IDs):], the first as a reply to r's last
// part and each next one as a reply to the one before, and returns the
// receipt of the whole thread. When a later part fails it returns the
// receipt of every part that exists with the error, as Publish does.
type Resumer interface {
	Resume(ctx context.Context, r *Receipt, p *Payload, key AttemptKey) (*Receipt, error)
}

// MetricsReader is an adapter that can read a post's engagement. It returns
// an error wrapping ErrDeletedRemotely when the platform says the post is
// gone (a 404), so that drift shows in the plan instead of a re-post.
type MetricsReader interface {
	Metrics(ctx context.Context, r *Receipt) (*Metrics, error)
}

// Metrics is a post's engagement, normalised across platforms. A nil field
// means the platform does not report it, which is not the same as 0.
type Metrics struct {
	Likes       *int64
	Reposts     *int64
	Replies     *int64
	Quotes      *int64
	Impressions *int64
	Clicks      *int64
	Saves       *int64
}

// Capability is a set of optional abilities, so that a plan can say
// "unsupported" for an edit Bluesky cannot make instead of failing.
type Capability uint8

// Capabilities an adapter may have, one per optional interface.
const (
	CapPrepare Capability = 1 << iota
	CapUpdate
	CapDelete
	CapFind
	CapMetrics
	CapResume
)

var capNames = []struct {
	c    Capability
	name string
}{
	{CapPrepare, "prepare"},
	{CapUpdate, "update"},
	{CapDelete, "delete"},
	{CapFind, "find"},
	{CapMetrics, "metrics"},
	{CapResume, "resume"},
}

// Has reports whether every capability in want is in c.
func (c Capability) Has(want Capability) bool { return c&want == want }

// String lists the capabilities comma-separated, in a fixed order, for
// plans and test messages; the empty set is "none".
func (c Capability) String() string {
	var names []string
	for _, n := range capNames {
		if c.Has(n.c) {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Capabilities reports which optional interfaces p implements.
func Capabilities(p Publisher) Capability {
	var c Capability
	if _, ok := p.(Preparer); ok {
		c |= CapPrepare
	}
	if _, ok := p.(Updater); ok {
		c |= CapUpdate
	}
	if _, ok := p.(Deleter); ok {
		c |= CapDelete
	}
	if _, ok := p.(Finder); ok {
		c |= CapFind
	}
	if _, ok := p.(MetricsReader); ok {
		c |= CapMetrics
	}
	if _, ok := p.(Resumer); ok {
		c |= CapResume
	}
	return c
}

// Prepare returns the payload p publishes for pub: pub's Prepare applied to
// a copy when pub is a Preparer, p itself otherwise. The reconciler calls it
// once per target, before the plan shows the text, so that the preview and
// the publish agree.
func Prepare(pub Publisher, p *Payload) (*Payload, error) {
	pr, ok := pub.(Preparer)
	if !ok {
		return p, nil
	}
	out, err := pr.Prepare(p.Clone())
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", pub.Name(), err)
	}
	return out, nil
}

// RateLimitReporter is an adapter that tells what the platform's
// rate-limit headers said on its last response: how many requests remain
// and when the window resets. The reconciler holds the account until the
// reset when none remain, instead of running into a 429.
type RateLimitReporter interface {
	RateLimit() (remaining int, reset time.Time, ok bool)
}
