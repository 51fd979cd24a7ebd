package schema

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Position is a place in a file of the content repository. File is relative
// to the repository root and slash-separated; Line and Col are 1-based, and
// 0 when unknown.
type Position struct {
	File string
	Line int
	Col  int
}

// Severity tells a blocking problem from advice.
type Severity string

// Severities of a validation finding.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Error is one finding about the content: where it is, which field, and a
// message a writer understands. It is the positioned error type every
// content check returns.
type Error struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Field    string   `json:"field"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// Error formats as path:line:col: field: message, the form editors and CI
// logs link to.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(Printable(e.File))
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(Printable(e.Field))
		b.WriteString(": ")
	}
	b.WriteString(Printable(e.Message))
	return b.String()
}

// Printable returns s with every control character (C0, DEL, C1) and
// every bidirectional formatting character escaped as Go writes them
// (\n, \x1b, \u202e), so that a file name or a value printed on a
// terminal or in a log can neither move the cursor, nor end the line,
// nor reorder what follows.
func Printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unprintable(r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unprintable(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Errorf builds an error-severity finding at pos.
func Errorf(pos Position, field, format string, args ...any) *Error {
	return &Error{File: pos.File, Line: pos.Line, Column: pos.Col, Field: field,
		Message: fmt.Sprintf(format, args...), Severity: SeverityError}
}

// Errors is every finding of a check. A nil or empty Errors means valid.
type Errors []*Error

// Error joins the findings one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any finding is an error rather than a warning.
func (es Errors) HasErrors() bool {
	for _, e := range es {
		if e.Severity != SeverityWarning {
			return true
		}
	}
	return false
}

// Sort orders findings by file, line, column, field and message, so that
// output is the same on every run whatever the order of the work.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}

// ThreadMode says how a post's body becomes a thread.
type ThreadMode string

// Thread modes. A thematic break always separates thread parts; Auto also
// splits a part that is too long for the platform at sentence or word
// boundaries, and Numbered does that and appends " i/n" to every part.
// Without Auto or Numbered an over-long part is an error, never cut.
const (
	ThreadManual   ThreadMode = ""
	ThreadAuto     ThreadMode = "auto"
	ThreadNumbered ThreadMode = "numbered"
)

// Target is one destination of a post: an account from the configuration.
type Target struct {
	Name     string // as written in `to:`, the account's name
	Platform string // the account's platform, e.g. "x"
	Pos      Position
}

// Media is a file attached to a post.
type Media struct {
	File string // as written in the front-matter, relative to the post
	Path string // resolved, relative to the repository root, slash-separated
	Alt  string
	Type string // MIME type sniffed from the bytes, e.g. "image/png"
	Size int64
	Hash string // hex SHA-256 of the bytes, for change detection
	// Duration, Width and Height are a video's, read from its container
	// (MP4, MOV or WebM headers) when the media is resolved; zero for an
	// image. Width and Height are the size the video is shown at, after
	// the rotation a phone records, so Width/Height is its aspect ratio.
	// They follow from the bytes, so Hash covers them.
	Duration      time.Duration
	Width, Height int
	Pos           Position
}

// Override is a per-target replacement or addition, from a front-matter key
// named after the target (`x: {text: "..."}`).
type Override struct {
	Text  *string        // replaces the body for this target when set
	Body  *Body          // Text parsed as Markdown
	Extra map[string]any // every other key (first_comment, visibility, ...)
	Pos   Position       // of the override's key
	// TextLine is the file line Text starts on, for parsing it again
	// once its {{url}} placeholders are filled (FillURLs).
	TextLine int
}

// Post is one content file, parsed.
type Post struct {
	ID   string // the `id` key, else the path below the content root without .md
	File string // relative to the repository root, slash-separated

	Title       string
	PublishAt   *time.Time // nil: due once merged, never late
	PublishNext bool       // publish_at: next, or queue: NAME (a queue slot)
	Queue       string     // the queue whose next free slot it takes
	Draft       bool
	Delete      bool
	To          []Target
	Tags        []string
	Campaign    string
	// NoUTM is utm: false: no link of the post is tagged (Tagger).
	NoUTM     bool
	Media     []Media
	Thread    ThreadMode
	Overrides map[string]*Override // keyed by target name
	// Variants are the post's alternatives for A/B tests (`variants:`);
	// Instances says which account gets which, and when.
	Variants []*Variant
	// Primary is the target published first (`primary:`), "" for none.
	Primary string
	// Waits says, for each target that waits for others of the post,
	// what for; a target that waits for nothing has no entry.
	Waits map[string]Wait
	// Repeat is the series of a recurring post (repeat:), nil for a post
	// published once; Texts are its texts (repeat.texts), which take
	// turns with the body (Repeat.TextOf).
	Repeat *Repeat
	Texts  []RepeatText

	Body Body
	// Markdown is the body as written (no BOM, LF line ends), for the
	// platforms that take Markdown natively.
	Markdown string
	// BodyLine is the file line the body starts on.
	BodyLine int

	// Front is the decoded front-matter as the file gave it, with times as
	// RFC 3339 strings: what the CUE schema sees.
	Front map[string]any
	// Positions maps a dotted field path ("tags", "tags.0", "media.1.alt",
	// "x.text") to where its key, or its item, is in the file. The empty
	// path is the front-matter's first line.
	Positions map[string]Position
	// Hash is the hex SHA-256 of the content that decides what is
	// published (front-matter and body, normalised: no BOM, LF line ends),
	// plus the bytes of its media: equal hashes mean equal publications.
	Hash string
}

// PosOf returns the position of a dotted field path, falling back to its
// nearest parent that has one, then to the front-matter's first line.
func (p *Post) PosOf(path string) Position {
	for {
		if pos, ok := p.Positions[path]; ok {
			return pos
		}
		if path == "" {
			return Position{File: p.File, Line: 1, Col: 1}
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			path = ""
		} else {
			path = path[:i]
		}
	}
}

// Limits is what a platform allows in one part of a post. Zero means no
// limit of that kind.
type Limits struct {
	Length int    // in the platform's own unit, as its counter counts
	Bytes  int    // UTF-8 bytes (Bluesky: 3000)
	Unit   string // how Length is counted, for messages: "characters", "graphemes"
	Note   string // what a writer should know: "URLs count as 23"
}

// Rendered is what a platform would receive for one target, measured: the
// value CUE validates under `rendered: <target>:`.
type Rendered struct {
	Target   string
	Platform string
	Limits   Limits
	Parts    []RenderedPart
	Media    int // how many media items go with the first part
	// Images are the images among the media, with their sizes, for the
	// platforms that limit one image's size.
	Images []RenderedImage
	// MediaTypes is each media item's MIME type, in order, for the
	// platforms that take only some (X: no HEIC or AVIF).
	MediaTypes []string
	// Videos are the videos among the media, measured, for the
	// platforms' video limits.
	Videos []RenderedVideo
	// Source is where the text came from: the override's text key, or the
	// body's first line, so length errors point at it.
	Source Position
	// Hashtags and Mentions count the tags and @-mentions the renderer
	// found in every part, for the platforms that cap them (Instagram).
	Hashtags, Mentions int
}

// RenderedImage is one image a target receives: its place in the post's
// media and its size in bytes.
type RenderedImage struct {
	Media int
	Bytes int64
}

// RenderedVideo is one video a target receives: its place in the post's
// media, its MIME type, size in bytes, length and shown width and height.
type RenderedVideo struct {
	Media         int
	Type          string
	Bytes         int64
	Duration      time.Duration
	Width, Height int
}

// Aspect is the video's shown width divided by its height, to three
// decimals, as the limits table writes aspect ratios (1:3 is 0.333).
func (v RenderedVideo) Aspect() float64 {
	if v.Height <= 0 {
		return 0
	}
	return math.Round(float64(v.Width)/float64(v.Height)*1000) / 1000
}

// RenderedPart is one part of a thread (a post on its own is one part).
type RenderedPart struct {
	Text   string
	Length int // counted by the platform's rule
	Bytes  int // UTF-8 bytes
	Line   int // where the part starts in the file (0: from an override)
}
