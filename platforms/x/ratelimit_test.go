package x_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

// gif is a GIF of size bytes (a header and padding: the fake checks the
// declared type and the byte count, not the frames).
func gif(name string, size int) platforms.Media {
	data := append([]byte("GIF89a"), bytes.Repeat([]byte{0}, max(size-6, 0))...)
	return platforms.Media{Path: "posts/" + name, Alt: "a moving picture", Type: "image/gif", Size: int64(size),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// TestLimitsPerEndpoint: X reports each endpoint's windows (15 minutes,
// and for posting the user's and the app's 24 hours); the adapter keeps
// them per endpoint, holds a create once X said the day's creates are
// used up, and still reads and deletes.
func TestLimitsPerEndpoint(t *testing.T) {
	s := newSetup(t, x.FakeOptions{UserDayLimit: 2}, nil, nil)
	var rs []*platforms.Receipt
	for i := range 2 {
		r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "post "+string(rune('a'+i))), "k")
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	got := s.x.Limits("POST tweets")
	day := start.Add(24 * time.Hour)
	if w := got["user's 24-hour"]; w.Remaining != 0 || !w.Reset.Equal(day) {
		t.Errorf("user's 24-hour window %+v, want 0 left until %v", w, day)
	}
	if w := got["app's 24-hour"]; w.Remaining != 9998 {
		t.Errorf("app's 24-hour window %+v, want 9998 left", w)
	}
	if w := got["15-minute"]; w.Remaining != 99 || !w.Reset.Equal(start.Add(15*time.Minute)) {
		t.Errorf("15-minute window %+v, want 99 left until %v", w, start.Add(15*time.Minute))
	}

	s.clock.Add(time.Hour)
	before := len(s.fake.Posts())
	_, err := s.x.Publish(t.Context(), platformtest.Payload("p", "one too many"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.Endpoint != "POST tweets" || ae.RetryAfter != 23*time.Hour ||
		platforms.OutcomeOf(err) != platforms.NotCreated || !platforms.IsRetryable(err) {
		t.Fatalf("publish past the day's limit = %v; want a held 429 for POST tweets, retry after 23h, NotCreated", err)
	}
	if !strings.Contains(err.Error(), "user's 24-hour limit of 2") {
		t.Errorf("error %q does not say which limit", err)
	}
	if n := len(s.fake.Posts()); n != before {
		t.Errorf("the held create reached X: %d posts, want %d", n, before)
	}
	// Reads and deletes have their own limits and go on.
	if _, err := s.x.Metrics(t.Context(), rs[0]); err != nil {
		t.Errorf("metrics while creates are held: %v", err)
	}
	if err := s.x.Delete(t.Context(), rs[1]); err != nil {
		t.Errorf("delete while creates are held: %v", err)
	}
	// After the reset, creates go again.
	s.clock.Add(23 * time.Hour)
	if _, err := s.x.Publish(t.Context(), platformtest.Payload("p", "a new day"), "k"); err != nil {
		t.Errorf("publish after the reset: %v", err)
	}
}

// TestDayLimitFrom429: when X itself refuses a create for the day, the
// error names the endpoint and waits for the 24-hour reset, not for the
// 15-minute window's.
func TestDayLimitFrom429(t *testing.T) {
	s := newSetup(t, x.FakeOptions{UserDayLimit: 1}, nil, nil)
	if _, err := s.x.Publish(t.Context(), platformtest.Payload("p", "first"), "k"); err != nil {
		t.Fatal(err)
	}
	// Another client used the day's last create: a new adapter has no
	// memory of it, and X answers 429.
	s2 := newAdapter(t, s.fake, s.clock, s.tokens, oauth2Values, env{"X_CLIENT_ID": "herald-client"}, s.logs)
	_, err := s2.Publish(t.Context(), platformtest.Payload("p", "second"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.Endpoint != "POST tweets" || ae.RetryAfter != 24*time.Hour {
		t.Errorf("publish = %v; want X's 429 for POST tweets, retry after 24h", err)
	}
}

func TestGIFGoesChunked(t *testing.T) {
	s := newSetup(t, x.FakeOptions{ProcessingPolls: 1}, nil, nil)
	x.SetSleep(s.x, func(time.Duration) {})
	const size = 9<<20 + 17 // three APPENDs
	p := platformtest.Payload("p", "A GIF")
	p.Media = []platforms.Media{gif("a.gif", size)}
	if _, err := s.x.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	post := s.fake.Posts()[0]
	if len(post.Media) != 1 || post.Media[0].Type != "image/gif" || len(post.Media[0].Data) != size || post.Media[0].Alt != "a moving picture" {
		t.Errorf("post media %d items, first %s of %d bytes alt %q; want the GIF whole with its alt", len(post.Media), post.Media[0].Type, len(post.Media[0].Data), post.Media[0].Alt)
	}
}

// TestEditsReuseMediaAndEditOnlyWhatChanged: an edit re-attaches the
// first part's images, reusing their IDs; only the parts that changed
// are sent; a changed alt text uploads the image again.
func TestEditsReuseMediaAndEditOnlyWhatChanged(t *testing.T) {
	s := newSetup(t, x.FakeOptions{}, nil, nil)
	p := platformtest.WithImage(platformtest.Payload("p", "one", "two"), "alt A")
	r, err := s.x.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	media := s.fake.Posts()[0].Media[0].ID
	edit := func(p *platforms.Payload) *platforms.Receipt {
		t.Helper()
		r2, err := s.x.Update(t.Context(), r, p)
		if err != nil {
			t.Fatal(err)
		}
		return r2
	}
	r2 := edit(platformtest.WithImage(platformtest.Payload("p", "one, edited", "two"), "alt A"))
	if r2.IDs[1] != r.IDs[1] || r2.IDs[0] == r.IDs[0] {
		t.Errorf("IDs %v -> %v; want part 1 edited (a new ID) and part 2 untouched", r.IDs, r2.IDs)
	}
	byID := map[string]platformtest.Post{}
	for _, p := range s.fake.Posts() {
		byID[p.ID] = p
	}
	if m := byID[r2.IDs[0]].Media; len(m) != 1 || m[0].ID != media || m[0].Alt != "alt A" {
		t.Errorf("edited part 1 carries %+v; want the same image %s", m, media)
	}
	if r2.Extra["edits"] != "1" {
		t.Errorf("edits %q, want 1", r2.Extra["edits"])
	}
	r = r2
	r3 := edit(platformtest.WithImage(platformtest.Payload("p", "one, edited", "two"), "alt B"))
	for _, p := range s.fake.Posts() {
		byID[p.ID] = p
	}
	if m := byID[r3.IDs[0]].Media; len(m) != 1 || m[0].ID == media || m[0].Alt != "alt B" {
		t.Errorf("after the alt text changed, part 1 carries %+v; want a new upload with alt B", m)
	}
	r = r3
	r4 := edit(platformtest.WithImage(platformtest.Payload("p", "one, edited", "two"), "alt B"))
	if diff := cmp.Diff(r3, r4); diff != "" {
		t.Errorf("an edit with nothing changed changed the receipt (-before +after):\n%s", diff)
	}
}

// TestEditWithoutPremiumIsDrift: X refuses edits of an account without
// X Premium with 403; the error says so and is ErrNotEditable, so the
// plan shows drift instead of retrying.
func TestEditWithoutPremiumIsDrift(t *testing.T) {
	s := newSetup(t, x.FakeOptions{NoPremium: true}, nil, nil)
	r, err := s.x.Publish(t.Context(), platformtest.Payload("p", "before"), "k")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.x.Update(t.Context(), r, platformtest.Payload("p", "after"))
	if !errors.Is(err, platforms.ErrNotEditable) || platforms.IsRetryable(err) || !strings.Contains(err.Error(), "X Premium") {
		t.Errorf("edit without Premium = %v; want ErrNotEditable, not retryable, naming X Premium", err)
	}
	s.clock.Add(31 * time.Minute)
	_, err = s.x.Update(t.Context(), r, platformtest.Payload("p", "after"))
	if !errors.Is(err, platforms.ErrNotEditable) || !strings.Contains(err.Error(), "30m0s") {
		t.Errorf("edit after the window = %v; want ErrNotEditable naming the window", err)
	}
}
