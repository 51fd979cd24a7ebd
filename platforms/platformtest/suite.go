package platformtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/internal/videotest"
	"github.com/heraldhq/herald/platforms"
)

// Backend is the suite's view of the fake platform behind an adapter:
// what it accepted, and faults on demand. *Fake implements it.
type Backend interface {
	// Posts returns the live posts, in creation order.
	Posts() []Post
	// Inject makes the next create request fail with fault.
	Inject(fault Fault)
	// RemoveRemotely deletes a post on the platform's side.
	RemoveRemotely(id string)
}

// Seeder is a Backend that can fill the account with posts made outside
// herald (from the platform's app), so that the suite can look an attempt
// up on a busy account. A fake implements it in the form its own listing
// endpoints return.
type Seeder interface {
	// Seed adds n posts by the account, each with a text of its own,
	// created at at, after every post the fake holds.
	Seed(n int, at time.Time)
}

// Env is what the suite gives a harness to build an adapter with.
type Env struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Tag is unique to the check and the run in live mode, and "" with a
	// fake. Every text the suite sends ends with it, and a live Backend's
	// Posts returns only the posts whose text holds it, so that checks
	// and runs on one real account do not see each other's posts.
	Tag string
}

// Harness connects the suite to one adapter and its fake.
type Harness struct {
	// New returns the adapter pointed at a fresh backend. It is called
	// once per check, so that checks do not see each other's posts.
	New func(t *testing.T, env Env) (platforms.Publisher, Backend)
	// Capabilities is what the adapter is meant to support; the suite
	// fails when platforms.Capabilities disagrees, so that a lost method
	// is not silently reported as "unsupported".
	Capabilities platforms.Capability
	// MaxParts is how many parts a thread may have; 0 or 1 means the
	// platform has no threads.
	MaxParts int
	// MaxMedia is how many media items a post may carry; 0 means none.
	MaxMedia int
	// Video says the adapter publishes video (a schema.Media whose Type
	// starts with video/); VideoAlt, that the platform keeps a video's
	// alt text (X does not).
	Video, VideoAlt bool
	// Idempotent says that Publish with the same key never creates a
	// second post (Mastodon's Idempotency-Key, Bluesky's record key).
	Idempotent bool
	// FindPage is how many posts one page of the adapter's look-up reads,
	// and FindPages how many pages one look-up reads at most when it has
	// not reached the attempt's beginning. The find_busy check seeds more
	// than a page of posts since the attempt began and more than the whole
	// scan before it. Defaults 20 and 5.
	FindPage, FindPages int
	// Skip names checks the platform cannot fail in, with the reason
	// (a file feed has no rate limit). Skips are logged.
	Skip map[string]string
	// Timeout bounds the call the suite expects to time out after the
	// platform accepted it. Default 500ms.
	Timeout time.Duration
	// FixedMedia, when set, says why the platform cannot change a
	// published post's media (LinkedIn's Posts API): an edit that changes
	// them must fail with an error wrapping platforms.ErrNotEditable and
	// leave the media as they were.
	FixedMedia string
	// MediaRequired says the platform takes no post without media
	// (Instagram): every payload the suite builds carries the suite's PNG
	// (without alt text), which a check that brings its own image
	// replaces.
	MediaRequired bool
	// JPEG says the platform takes JPEG images only (Instagram): the
	// suite's image is then a 1x1 JPEG instead of its PNG.
	JPEG bool
	// Live marks a harness whose New builds the adapter on a real server
	// and a Backend that reads that server back (see LiveEnv). The suite
	// then runs only the checks that need no injected fault, reads the
	// time from the system clock, makes every text and attempt key unique
	// to the run, and deletes every post it made.
	Live bool
}

// LiveEnv returns the values of the environment variables names, which
// point a live harness at a real server, or skips t, naming every
// variable, when one is unset: a live run is asked for, never assumed,
// as litestream's replica-client suite is with -integration.
func LiveEnv(t *testing.T, names ...string) map[string]string {
	t.Helper()
	vals := make(map[string]string, len(names))
	var missing []string
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, n)
		}
		vals[n] = v
	}
	if len(missing) > 0 {
		t.Skipf("live test against a real server: set %s (unset: %s)", strings.Join(names, ", "), strings.Join(missing, ", "))
	}
	return vals
}

// clock is the suite's fixed time.
var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// pngBytes is a 1x1 PNG.
var pngBytes = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
	0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
	0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
	0x44, 0xae, 0x42, 0x60, 0x82,
}

// Payload returns the suite's payload for a post of the given parts: what
// the reconciler would build. Exported so that adapter tests can reuse it.
func Payload(postID string, parts ...string) *platforms.Payload {
	p := &platforms.Payload{PostID: postID, Target: "main", Hash: "sha256-" + postID}
	for _, text := range parts {
		p.Parts = append(p.Parts, platforms.Part{Text: text})
	}
	return p
}

// WithImage adds a PNG with alt text to p.
func WithImage(p *platforms.Payload, alt string) *platforms.Payload {
	p.Media = append(p.Media, platforms.Media{
		Path: "posts/pixel.png", Alt: alt, Type: "image/png", Size: int64(len(pngBytes)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pngBytes)), nil },
	})
	return p
}

// VideoSpec is the video WithVideo attaches: 4 s of 320x180, with enough
// media data (about 40 KiB) that an adapter with a small chunk size sends
// it in several chunks.
var VideoSpec = videotest.Spec{Duration: 4 * time.Second, Width: 320, Height: 180, Padding: 40_000}

// videoBytes is WithVideo's file: a well-formed MP4 (internal/videotest).
var videoBytes = videotest.MP4(VideoSpec)

// WithVideo adds an MP4 video with alt text to p, as the reconciler
// builds it: with its duration and shown size.
func WithVideo(p *platforms.Payload, alt string) *platforms.Payload {
	p.Media = append(p.Media, platforms.Media{
		Path: "posts/clip.mp4", Alt: alt, Type: "video/mp4", Size: int64(len(videoBytes)),
		Duration: VideoSpec.Duration, Width: VideoSpec.Width, Height: VideoSpec.Height,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(videoBytes)), nil },
	})
	return p
}

// VideoBytes returns the bytes of WithVideo's file, for fakes and tests
// that compare what arrived.
func VideoBytes() []byte { return bytes.Clone(videoBytes) }

// Run checks that an adapter keeps the contract every adapter keeps:
// it publishes text exactly, threads in order, media with alt text; its
// optional abilities work as declared; its errors say truthfully whether a
// post was created and whether to retry; and retrying with the same
// attempt key after any fault leaves exactly one post.
func Run(t *testing.T, h Harness) {
	t.Helper()
	s := &suite{h: h}
	if s.h.Timeout == 0 {
		s.h.Timeout = 500 * time.Millisecond
	}
	if h.Live {
		b := make([]byte, 4)
		rand.Read(b)
		s.run = hex.EncodeToString(b)
		t.Logf("live run %s: checks that need an injected fault run only against fakes", s.run)
	}
	for _, c := range []struct {
		name string
		fn   func(*testing.T)
		// fault marks a check that needs what only a fake can do
		// (Backend.Inject, Seeder), which a real server cannot.
		fault bool
	}{
		{"capabilities", s.capabilities, false},
		{"publish", s.publish, false},
		{"thread", s.thread, false},
		{"media", s.media, false},
		{"video", s.video, false},
		{"update", s.update, false},
		{"edit_thread_with_image", s.editThreadWithImage, false},
		{"delete", s.delete, false},
		{"find", s.find, false},
		{"find_busy", s.findBusy, true},
		{"thread_resume", s.threadResume, false},
		{"metrics", s.metrics, false},
		{"rate_limited", s.rateLimited, true},
		{"auth_rejected", s.authRejected, true},
		{"accept_then_timeout", s.acceptThenTimeout, true},
		{"no_duplicate_after_fault", s.noDuplicate, true},
	} {
		if h.Live && c.fault {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			if reason, ok := h.Skip[c.name]; ok {
				t.Skipf("harness: %s", reason)
			}
			c.fn(t)
		})
	}
}

type suite struct {
	h Harness
	// run is unique to a live run, "" against fakes.
	run string
}

func (s *suite) new(t *testing.T) (platforms.Publisher, Backend) {
	t.Helper()
	env := Env{Now: func() time.Time { return clock }, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	if s.h.Live {
		env.Now, env.Tag = time.Now, s.tag(t)
	}
	pub, b := s.h.New(t, env)
	if pub == nil || b == nil {
		t.Fatal("harness returned no adapter or no backend")
	}
	if s.h.Live {
		// A real account keeps what a check posts: remove it, whatever
		// the check's outcome.
		t.Cleanup(func() {
			for _, p := range b.Posts() {
				b.RemoveRemotely(p.ID)
			}
		})
	}
	return pub, b
}

// tag is the live run's mark for the check t: "herald-live-" with the
// run and the check's name. It is "" against fakes.
func (s *suite) tag(t *testing.T) string {
	if s.run == "" {
		return ""
	}
	_, name, _ := strings.Cut(t.Name(), "/")
	return "herald-live-" + s.run + "-" + strings.NewReplacer("/", "-", "_", "-").Replace(name)
}

// payload is Payload with, in live mode, the check's tag at the end of
// every part, so that the texts are the run's own.
func (s *suite) payload(t *testing.T, postID string, parts ...string) *platforms.Payload {
	if tag := s.tag(t); tag != "" {
		for i := range parts {
			parts[i] += " " + tag
		}
	}
	p := Payload(postID, parts...)
	if s.h.MediaRequired {
		s.withImage(p, "")
	}
	return p
}

// withImage gives p the suite's image (a PNG, or a JPEG with
// Harness.JPEG) with alt text, in place of the one payload gave a
// platform that requires media.
func (s *suite) withImage(p *platforms.Payload, alt string) *platforms.Payload {
	p.Media = nil
	if !s.h.JPEG {
		return WithImage(p, alt)
	}
	p.Media = append(p.Media, platforms.Media{
		Path: "posts/pixel.jpg", Alt: alt, Type: "image/jpeg", Size: int64(len(jpegBytes)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(jpegBytes)), nil },
	})
	return p
}

func (s *suite) imageType() string { t, _ := s.image(); return t }

// image is the type and bytes of the suite's image.
func (s *suite) image() (string, []byte) {
	if s.h.JPEG {
		return "image/jpeg", jpegBytes
	}
	return "image/png", pngBytes
}

// jpegBytes is a 1x1 JPEG.
var jpegBytes = func() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// settle bounds how long a live check waits for a server that deletes in
// the background (GoToSocial queues a status's deletion, so it is still
// served for a moment after DELETE answered).
const settle = 15 * time.Second

// eventually reports whether ok holds: against a fake, at once; on a live
// server, within settle, asking again every 200ms.
func (s *suite) eventually(ok func() bool) bool {
	if !s.h.Live {
		return ok()
	}
	for end := time.Now().Add(settle); ; time.Sleep(200 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// key is an attempt key, in live mode made the run's own: a real server
// keeps idempotency keys and record keys across runs.
func (s *suite) key(t *testing.T, key platforms.AttemptKey) platforms.AttemptKey {
	if s.run == "" {
		return key
	}
	return key + "-" + platforms.AttemptKey(s.run)
}

// needs skips t when the adapter lacks want, which the capabilities check
// has already held against what the harness declares.
func (s *suite) needs(t *testing.T, pub platforms.Publisher, want platforms.Capability) {
	t.Helper()
	if !platforms.Capabilities(pub).Has(want) {
		t.Skipf("adapter %s does not support %s", pub.Name(), want)
	}
}

// publish prepares p as the reconciler does and publishes it; it fails t
// on error.
func publish(t *testing.T, pub platforms.Publisher, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Payload, *platforms.Receipt) {
	t.Helper()
	p, err := platforms.Prepare(pub, p)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	r, err := pub.Publish(t.Context(), p, key)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if r == nil {
		t.Fatal("publish returned no receipt and no error")
	}
	return p, r
}

// onlyPost fails t unless b holds exactly one live post, and returns it.
func onlyPost(t *testing.T, b Backend) Post {
	t.Helper()
	posts := b.Posts()
	if len(posts) != 1 {
		t.Fatalf("platform holds %d live posts, want exactly 1: %+v", len(posts), posts)
	}
	return posts[0]
}

func ids(posts []Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

func (s *suite) capabilities(t *testing.T) {
	pub, _ := s.new(t)
	if pub.Name() == "" {
		t.Error("Name() is empty")
	}
	if got := platforms.Capabilities(pub); got != s.h.Capabilities {
		t.Errorf("adapter %s has capabilities %s, harness declares %s", pub.Name(), got, s.h.Capabilities)
	}
}

func (s *suite) publish(t *testing.T) {
	pub, b := s.new(t)
	const link = "https://example.com/a?b=c"
	in := s.payload(t, "hello", "Hello from herald: naïve café, 日本語, emoji 🎉👩‍👩‍👧 and a link "+link)
	start := strings.Index(in.Parts[0].Text, link)
	in.Parts[0].Facets = []platforms.Facet{{Start: start, End: start + len(link), Type: platforms.FacetLink, Value: link}}
	p, r := publish(t, pub, in, s.key(t, "attempt-publish"))
	post := onlyPost(t, b)
	if post.Text != p.Parts[0].Text {
		t.Errorf("platform holds text %q, want exactly %q", post.Text, p.Parts[0].Text)
	}
	if diff := cmp.Diff([]string{post.ID}, r.IDs); diff != "" {
		t.Errorf("receipt IDs (-platform +receipt):\n%s", diff)
	}
	if r.Provider != pub.Name() {
		t.Errorf("receipt provider %q, want the adapter's name %q", r.Provider, pub.Name())
	}
	if r.PublishedAt.IsZero() {
		t.Error("receipt has no PublishedAt")
	}
}

func (s *suite) thread(t *testing.T) {
	if s.h.MaxParts < 2 {
		t.Skip("harness declares no threads (MaxParts < 2)")
	}
	pub, b := s.new(t)
	p, r := publish(t, pub, s.payload(t, "thread", "1/3 first", "2/3 second", "3/3 third"), s.key(t, "attempt-thread"))
	posts := b.Posts()
	if len(posts) != 3 {
		t.Fatalf("platform holds %d posts, want 3: %+v", len(posts), posts)
	}
	for i, post := range posts {
		if post.Text != p.Parts[i].Text {
			t.Errorf("part %d: text %q, want %q", i, post.Text, p.Parts[i].Text)
		}
		want := ""
		if i > 0 {
			want = posts[i-1].ID
		}
		if post.ReplyTo != want {
			t.Errorf("part %d replies to %q, want %q", i, post.ReplyTo, want)
		}
	}
	if diff := cmp.Diff(ids(posts), r.IDs); diff != "" {
		t.Errorf("receipt IDs (-platform +receipt):\n%s", diff)
	}
}

func (s *suite) media(t *testing.T) {
	if s.h.MaxMedia < 1 {
		t.Skip("harness declares no media (MaxMedia 0)")
	}
	pub, b := s.new(t)
	const alt = "A single pixel, described for screen readers"
	publish(t, pub, s.withImage(s.payload(t, "media", "With a picture"), alt), s.key(t, "attempt-media"))
	post := onlyPost(t, b)
	if len(post.Media) != 1 {
		t.Fatalf("post carries %d media, want 1", len(post.Media))
	}
	m := post.Media[0]
	if m.Alt != alt {
		t.Errorf("alt text %q, want %q", m.Alt, alt)
	}
	typ, data := s.image()
	if m.Type != typ {
		t.Errorf("media type %q, want %s", m.Type, typ)
	}
	if m.Data == nil {
		t.Log("the fake did not see the media bytes (fetched by URL)")
	} else if !bytes.Equal(m.Data, data) {
		t.Errorf("uploaded %d bytes that differ from the file's %d", len(m.Data), len(data))
	}
}

// video publishes a post with an MP4 and reads it back: one video of the
// file's type and bytes, with its alt text where the platform keeps it.
// The upload is chunked or asynchronous on most platforms; whatever the
// protocol, exactly one post exists afterwards.
func (s *suite) video(t *testing.T) {
	if !s.h.Video {
		t.Skip("harness declares no video (Video false)")
	}
	pub, b := s.new(t)
	const alt = "Four seconds of a test pattern, described for screen readers"
	p := s.payload(t, "video", "With a video")
	p.Media = nil // the video is the post's media, on a platform that requires some too
	publish(t, pub, WithVideo(p, alt), s.key(t, "attempt-video"))
	post := onlyPost(t, b)
	if len(post.Media) != 1 {
		t.Fatalf("post carries %d media, want 1", len(post.Media))
	}
	m := post.Media[0]
	if m.Type != "video/mp4" {
		t.Errorf("media type %q, want video/mp4", m.Type)
	}
	if s.h.VideoAlt && m.Alt != alt {
		t.Errorf("alt text %q, want %q", m.Alt, alt)
	}
	if m.Data == nil {
		t.Log("the fake did not see the video bytes (fetched by URL)")
	} else if !bytes.Equal(m.Data, videoBytes) {
		t.Errorf("uploaded %d bytes that differ from the file's %d", len(m.Data), len(videoBytes))
	}
}

func (s *suite) update(t *testing.T) {
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapUpdate)
	_, r := publish(t, pub, s.payload(t, "edit", "Before the edit"), s.key(t, "attempt-edit"))
	p, err := platforms.Prepare(pub, s.payload(t, "edit", "After the edit"))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := pub.(platforms.Updater).Update(t.Context(), r, p)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	post := onlyPost(t, b)
	if post.Text != p.Parts[0].Text {
		t.Errorf("after update the platform holds %q, want %q", post.Text, p.Parts[0].Text)
	}
	if r2 == nil || len(r2.IDs) != 1 || r2.IDs[0] != post.ID {
		t.Errorf("update receipt %+v does not name the live post %s", r2, post.ID)
	}
}

// editThreadWithImage publishes a thread whose first part carries an
// image with alt text and edits it twice, then once more with nothing
// changed. After each edit the image and its alt text are still on the
// first part, read back from the platform, every part holds its text, and
// a part whose content did not change was not edited.
func (s *suite) editThreadWithImage(t *testing.T) {
	if s.h.MaxMedia < 1 {
		t.Skip("harness declares no media (MaxMedia 0)")
	}
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapUpdate)
	const alt1 = "A single pixel, described for screen readers"
	const alt2 = "The same single pixel, described again after an edit"
	build := func(alt string, texts ...string) *platforms.Payload {
		if s.h.MaxParts < 2 {
			texts = texts[:1]
		}
		return s.withImage(s.payload(t, "edited", texts...), alt)
	}
	_, r := publish(t, pub, build(alt1, "Part one, as first published", "Part two, as first published"), s.key(t, "attempt-edited"))
	s.checkEdit(t, b, r, build(alt1, "Part one, as first published", "Part two, as first published"), pub, alt1, nil)

	// First edit: part one's text only; part two and the image stay.
	r = s.editAndCheck(t, pub, b, r, build(alt1, "Part one, edited once", "Part two, as first published"), alt1, []bool{true, false})

	// Second edit: part two's text and the image's alt text.
	second := build(alt2, "Part one, edited once", "Part two, edited in the second edit")
	if s.h.FixedMedia != "" {
		p := prepare(t, pub, second)
		_, err := pub.(platforms.Updater).Update(t.Context(), r, p)
		if !errors.Is(err, platforms.ErrNotEditable) {
			t.Errorf("an edit of the image's alt text on a platform whose media are fixed (%s) = %v; want an error wrapping ErrNotEditable", s.h.FixedMedia, err)
		}
		s.checkEdit(t, b, r, build(alt1, "Part one, edited once", "Part two, as first published"), pub, alt1, nil)
		second = build(alt1, "Part one, edited once", "Part two, edited in the second edit")
		r = s.editAndCheck(t, pub, b, r, second, alt1, []bool{s.h.MaxParts < 2, true})
		s.editAndCheck(t, pub, b, r, second, alt1, []bool{false, false})
		return
	}
	r = s.editAndCheck(t, pub, b, r, second, alt2, []bool{true, true})

	// Nothing changed: the update succeeds and edits nothing.
	s.editAndCheck(t, pub, b, r, second, alt2, []bool{false, false})
}

// prepare is platforms.Prepare, failing t on error.
func prepare(t *testing.T, pub platforms.Publisher, p *platforms.Payload) *platforms.Payload {
	t.Helper()
	p, err := platforms.Prepare(pub, p)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return p
}

// editAndCheck updates r to want and checks the result with checkEdit;
// changed says which parts' content changed and so may be edited.
func (s *suite) editAndCheck(t *testing.T, pub platforms.Publisher, b Backend, r *platforms.Receipt, want *platforms.Payload, alt string, changed []bool) *platforms.Receipt {
	t.Helper()
	before := map[string]int{}
	for _, p := range b.Posts() {
		before[p.ID] = p.Edits
	}
	edits := make([]int, len(r.IDs))
	for i, id := range r.IDs {
		edits[i] = before[id]
	}
	r2, err := pub.(platforms.Updater).Update(t.Context(), r, prepare(t, pub, want))
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if r2 == nil || len(r2.IDs) != len(r.IDs) {
		t.Fatalf("update returned receipt %+v for a post of %d parts", r2, len(r.IDs))
	}
	s.checkEdit(t, b, r2, want, pub, alt, func(i int, p Post) {
		if i < len(changed) && !changed[i] && (r2.IDs[i] != r.IDs[i] || p.Edits != edits[i]) {
			t.Errorf("part %d was edited although nothing in it changed (edits %d -> %d, ID %s -> %s)",
				i+1, edits[i], p.Edits, r.IDs[i], r2.IDs[i])
		}
	})
	return r2
}

// checkEdit reads the post r names back and requires every part's text
// as want renders it, and the image with alt on the first part. each, if
// not nil, is called with every part.
func (s *suite) checkEdit(t *testing.T, b Backend, r *platforms.Receipt, want *platforms.Payload, pub platforms.Publisher, alt string, each func(int, Post)) {
	t.Helper()
	want = prepare(t, pub, want)
	live := map[string]Post{}
	for _, p := range b.Posts() {
		live[p.ID] = p
	}
	if len(r.IDs) != len(want.Parts) {
		t.Fatalf("receipt names %d posts for %d parts", len(r.IDs), len(want.Parts))
	}
	for i, id := range r.IDs {
		p, ok := live[id]
		if !ok {
			t.Errorf("part %d (%s) is not on the platform", i+1, id)
			continue
		}
		if p.Text != want.Parts[i].Text {
			t.Errorf("part %d holds %q, want %q", i+1, p.Text, want.Parts[i].Text)
		}
		if i == 0 {
			switch {
			case len(p.Media) != 1:
				t.Errorf("part 1 carries %d media, want its 1 image", len(p.Media))
			case p.Media[0].Alt != alt:
				t.Errorf("part 1's image has alt text %q, want %q", p.Media[0].Alt, alt)
			case p.Media[0].Type != s.imageType():
				t.Errorf("part 1's image is %q, want %s", p.Media[0].Type, s.imageType())
			}
		} else if len(p.Media) != 0 {
			t.Errorf("part %d carries %d media, want none", i+1, len(p.Media))
		}
		if each != nil {
			each(i, p)
		}
	}
}

func (s *suite) delete(t *testing.T) {
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapDelete)
	parts := []string{"To be deleted"}
	if s.h.MaxParts >= 2 {
		parts = append(parts, "and its reply")
	}
	_, r := publish(t, pub, s.payload(t, "gone", parts...), s.key(t, "attempt-delete"))
	del := pub.(platforms.Deleter)
	if err := del.Delete(t.Context(), r); err != nil {
		t.Fatalf("delete: %v", err)
	}
	var posts []Post
	if !s.eventually(func() bool { posts = b.Posts(); return len(posts) == 0 }) {
		t.Errorf("after delete the platform still holds %+v", posts)
	}
	if err := del.Delete(t.Context(), r); err != nil && !errors.Is(err, platforms.ErrDeletedRemotely) {
		t.Errorf("deleting again = %v, want nil or ErrDeletedRemotely", err)
	}
}

func (s *suite) find(t *testing.T) {
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapFind)
	finder := pub.(platforms.Finder)
	other, err := platforms.Prepare(pub, s.payload(t, "never", "Never published"))
	if err != nil {
		t.Fatal(err)
	}
	publish(t, pub, s.payload(t, "decoy", "A different post"), s.key(t, "attempt-decoy"))
	if r, err := finder.Find(t.Context(), other, platforms.Attempt{Key: s.key(t, "attempt-never")}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of an attempt that never landed = %+v, %v; want ErrNotFound", r, err)
	}
	p, r := publish(t, pub, s.payload(t, "found", "Find me"), s.key(t, "attempt-find"))
	got, err := finder.Find(t.Context(), p, platforms.Attempt{Key: s.key(t, "attempt-find")})
	if err != nil {
		t.Fatalf("find of a published attempt: %v", err)
	}
	if diff := cmp.Diff(r.IDs, got.IDs); diff != "" {
		t.Errorf("found IDs (-published +found):\n%s", diff)
	}
	if n := len(b.Posts()); n != 2 {
		t.Errorf("platform holds %d posts after find, want 2", n)
	}
}

// findBusy looks attempts up on an account that posted more since the
// attempt began than one page of the look-up holds, and more before it
// than a whole scan reads: reaching the attempt's beginning is proof of
// absence, however busy the account.
func (s *suite) findBusy(t *testing.T) {
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapFind)
	seeder, ok := b.(Seeder)
	if !ok {
		t.Skip("the harness's backend cannot seed posts (it is no platformtest.Seeder)")
	}
	page, pages := s.h.FindPage, s.h.FindPages
	if page <= 0 {
		page = 20
	}
	if pages <= 0 {
		pages = 5
	}
	finder := pub.(platforms.Finder)
	began := clock
	seeder.Seed(page*pages+1, began.Add(-2*time.Hour))
	seeder.Seed(page+1, began)
	never, err := platforms.Prepare(pub, s.payload(t, "busy-never", "Never published on a busy account"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := finder.Find(t.Context(), never, platforms.Attempt{Key: "attempt-busy-never", Began: began}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of an attempt that never landed, on an account with %d posts since it began and %d before = %+v, %v; want ErrNotFound",
			page+1, page*pages+1, r, err)
	}
	p, r := publish(t, pub, s.payload(t, "busy-found", "Published on a busy account"), "attempt-busy-found")
	seeder.Seed(page+1, began)
	before := len(b.Posts())
	got, err := finder.Find(t.Context(), p, platforms.Attempt{Key: "attempt-busy-found", Began: began})
	if err != nil {
		t.Fatalf("find of an attempt that landed, with %d posts after it: %v", page+1, err)
	}
	if diff := cmp.Diff(r.IDs, got.IDs); diff != "" {
		t.Errorf("found IDs (-published +found):\n%s", diff)
	}
	if n := len(b.Posts()); n != before {
		t.Errorf("find changed the platform: %d posts, had %d", n, before)
	}
}

// threadResume cuts a thread after its first part, as a crash between two
// parts does, then follows the apply protocol: Find proves part 1 there
// and part 2 absent, and Resume posts part 2 as a reply to part 1 without
// repeating part 1 or its media.
func (s *suite) threadResume(t *testing.T) {
	if s.h.MaxParts < 2 {
		t.Skip("harness declares no threads (MaxParts < 2)")
	}
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapFind|platforms.CapResume)
	in := s.payload(t, "resumed", "1/2 The first part lands", "2/2 The second part waits for a resume")
	if s.h.MaxMedia > 0 {
		s.withImage(in, "A pixel that goes with the first part only")
	}
	p, err := platforms.Prepare(pub, in)
	if err != nil {
		t.Fatal(err)
	}
	key := s.key(t, "attempt-resume")
	began := clock
	if s.h.Live {
		// A real server takes no injected fault: the attempt's first
		// part is published alone, under the attempt's key, which is
		// what a run killed between the two parts leaves behind.
		began = time.Now()
		first := p.Clone()
		first.Parts = first.Parts[:1]
		if _, err := pub.Publish(t.Context(), first, key); err != nil {
			t.Fatalf("publish the first part alone: %v", err)
		}
	} else {
		b.Inject(Fault{Kind: ServerError, After: 1})
		if r, err := pub.Publish(t.Context(), p, key); err == nil {
			t.Fatalf("publish with the second part failing succeeded with %+v", r)
		}
	}
	posts := b.Posts()
	if len(posts) != 1 {
		t.Fatalf("after the second part failed the platform holds %d posts, want the first part only: %+v", len(posts), posts)
	}
	found, err := pub.(platforms.Finder).Find(t.Context(), p, platforms.Attempt{Key: key, Began: began})
	var ie *platforms.IncompleteError
	if !errors.As(err, &ie) || ie.Found != 1 || ie.Total != 2 {
		t.Fatalf("find of a thread cut after part 1 = %+v, %v; want an IncompleteError, 1 of 2", found, err)
	}
	if found == nil || len(found.IDs) != 1 || found.IDs[0] != posts[0].ID {
		t.Fatalf("find's receipt %+v, want the first part %s", found, posts[0].ID)
	}
	r, err := pub.(platforms.Resumer).Resume(t.Context(), found, p, key+"-resume")
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	posts = b.Posts()
	if len(posts) != 2 {
		t.Fatalf("after resume the platform holds %d posts, want exactly one copy of each part: %+v", len(posts), posts)
	}
	for i, post := range posts {
		if post.Text != p.Parts[i].Text {
			t.Errorf("part %d: text %q, want %q", i+1, post.Text, p.Parts[i].Text)
		}
	}
	if posts[1].ReplyTo != posts[0].ID {
		t.Errorf("part 2 replies to %q, want part 1 %s", posts[1].ReplyTo, posts[0].ID)
	}
	if len(p.Media) > 0 && (len(posts[0].Media) != len(p.Media) || len(posts[1].Media) != 0) {
		t.Errorf("media: part 1 carries %d, part 2 %d; want %d and 0", len(posts[0].Media), len(posts[1].Media), len(p.Media))
	}
	if diff := cmp.Diff(ids(posts), r.IDs); diff != "" {
		t.Errorf("resumed receipt IDs (-platform +receipt):\n%s", diff)
	}
	if len(r.URLs) != 0 && len(r.URLs) != len(r.IDs) {
		t.Errorf("resumed receipt has %d URLs for %d IDs", len(r.URLs), len(r.IDs))
	}
	if r.Provider != pub.Name() {
		t.Errorf("resumed receipt provider %q, want %q", r.Provider, pub.Name())
	}
}

func (s *suite) metrics(t *testing.T) {
	pub, b := s.new(t)
	s.needs(t, pub, platforms.CapMetrics)
	mr := pub.(platforms.MetricsReader)
	_, r := publish(t, pub, s.payload(t, "counted", "Count me"), s.key(t, "attempt-metrics"))
	m, err := mr.Metrics(t.Context(), r)
	if err != nil || m == nil {
		t.Fatalf("metrics of a live post = %v, %v", m, err)
	}
	b.RemoveRemotely(r.IDs[0])
	if m, err := mr.Metrics(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) {
		t.Errorf("metrics of a post deleted on the platform = %+v, %v; want ErrDeletedRemotely", m, err)
	}
}

// failOnce injects fault, publishes, and checks that the error is one and
// tells the truth about what the platform holds.
func failOnce(t *testing.T, pub platforms.Publisher, b Backend, fault Fault, p *platforms.Payload, key platforms.AttemptKey, timeout time.Duration) error {
	t.Helper()
	b.Inject(fault)
	ctx := t.Context()
	if fault.Kind == AcceptThenTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	r, err := pub.Publish(ctx, p, key)
	if err == nil {
		t.Fatalf("publish under fault %s succeeded with %+v; want an error", fault.Kind, r)
	}
	n := len(b.Posts())
	switch o := platforms.OutcomeOf(err); {
	case o == platforms.NotCreated && n != 0:
		t.Errorf("error says %s but the platform holds %d posts: %v", o, n, err)
	case o == platforms.Created && n == 0:
		t.Errorf("error says %s but the platform holds none: %v", o, err)
	}
	return err
}

func (s *suite) rateLimited(t *testing.T) {
	pub, b := s.new(t)
	p, err := platforms.Prepare(pub, s.payload(t, "limited", "Slow down"))
	if err != nil {
		t.Fatal(err)
	}
	err = failOnce(t, pub, b, Fault{Kind: RateLimited, RetryAfter: 30 * time.Second}, p, "attempt-limited", s.h.Timeout)
	var ae *platforms.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if ae.Status != 429 {
		t.Errorf("status %d, want 429", ae.Status)
	}
	if ae.RetryAfter < 29*time.Second || ae.RetryAfter > 30*time.Second {
		t.Errorf("RetryAfter %v, want 30s", ae.RetryAfter)
	}
	if !platforms.IsRetryable(err) {
		t.Errorf("a 429 is not retryable: %v", err)
	}
	if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
		t.Errorf("outcome of a 429 is %s, want %s", o, platforms.NotCreated)
	}
}

func (s *suite) authRejected(t *testing.T) {
	pub, b := s.new(t)
	p, err := platforms.Prepare(pub, s.payload(t, "denied", "Not allowed"))
	if err != nil {
		t.Fatal(err)
	}
	err = failOnce(t, pub, b, Fault{Kind: Unauthorized}, p, "attempt-denied", s.h.Timeout)
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Errorf("error %v is not an *APIError with status 401", err)
	}
	if platforms.IsRetryable(err) {
		t.Errorf("an auth failure is retryable: %v", err)
	}
	if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
		t.Errorf("outcome of an auth failure is %s, want %s", o, platforms.NotCreated)
	}
}

func (s *suite) acceptThenTimeout(t *testing.T) {
	pub, b := s.new(t)
	p, err := platforms.Prepare(pub, s.payload(t, "slow", "Accepted, then silence"))
	if err != nil {
		t.Fatal(err)
	}
	err = failOnce(t, pub, b, Fault{Kind: AcceptThenTimeout}, p, "attempt-slow", s.h.Timeout)
	if o := platforms.OutcomeOf(err); o != platforms.Unknown {
		t.Errorf("outcome of a timeout after the platform accepted is %s, want %s: %v", o, platforms.Unknown, err)
	}
	post := onlyPost(t, b)
	resolved := false
	if f, ok := pub.(platforms.Finder); ok {
		r, err := f.Find(t.Context(), p, platforms.Attempt{Key: "attempt-slow"})
		if err != nil {
			t.Fatalf("find of the accepted attempt: %v", err)
		}
		if len(r.IDs) == 0 || r.IDs[0] != post.ID {
			t.Errorf("find returned %+v, want the accepted post %s", r.IDs, post.ID)
		}
		resolved = true
	}
	if s.h.Idempotent {
		r, err := pub.Publish(t.Context(), p, "attempt-slow")
		if err != nil {
			t.Fatalf("publish again with the same key: %v", err)
		}
		if len(r.IDs) == 0 || r.IDs[0] != post.ID {
			t.Errorf("publish again returned %+v, want the accepted post %s", r.IDs, post.ID)
		}
		resolved = true
	}
	onlyPost(t, b)
	if !resolved {
		t.Log("neither a Finder nor idempotent: the reconciler leaves this attempt to a human")
	}
}

// noDuplicate follows the apply protocol after each fault: retry what
// surely was not created, look up what may have been, and then requires
// exactly one post.
func (s *suite) noDuplicate(t *testing.T) {
	for _, kind := range []FaultKind{RateLimited, Unauthorized, ServerError, AcceptThenTimeout} {
		t.Run(kind.String(), func(t *testing.T) {
			pub, b := s.new(t)
			p, err := platforms.Prepare(pub, s.payload(t, "once-"+kind.String(), "Exactly once after "+kind.String()))
			if err != nil {
				t.Fatal(err)
			}
			const key = "attempt-once"
			err = failOnce(t, pub, b, Fault{Kind: kind, RetryAfter: time.Second}, p, key, s.h.Timeout)
			var r *platforms.Receipt
			switch platforms.OutcomeOf(err) {
			case platforms.NotCreated:
				r = retry(t, pub, p, key)
			case platforms.Created:
				t.Fatalf("outcome Created for a fault that cannot have completed the post: %v", err)
			default:
				f, ok := pub.(platforms.Finder)
				switch {
				case ok:
					found, ferr := f.Find(t.Context(), p, platforms.Attempt{Key: key})
					switch {
					case ferr == nil:
						r = found
					case errors.Is(ferr, platforms.ErrNotFound):
						r = retry(t, pub, p, key)
					default:
						t.Fatalf("find cannot tell: %v", ferr)
					}
				case s.h.Idempotent:
					r = retry(t, pub, p, key)
				default:
					t.Skip("unknown outcome with neither a Finder nor idempotency: the reconciler asks a human")
				}
			}
			post := onlyPost(t, b)
			if len(r.IDs) == 0 || r.IDs[0] != post.ID {
				t.Errorf("recovered receipt %+v, want the one post %s", r.IDs, post.ID)
			}
		})
	}
}

func retry(t *testing.T, pub platforms.Publisher, p *platforms.Payload, key platforms.AttemptKey) *platforms.Receipt {
	t.Helper()
	r, err := pub.Publish(t.Context(), p, key)
	if err != nil {
		t.Fatalf("retry with the same key: %v", err)
	}
	return r
}
