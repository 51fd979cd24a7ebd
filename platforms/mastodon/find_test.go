package mastodon_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// richText has everything Mastodon's HTML rewrites: a remote mention shown
// without its domain, a link split into spans, a hashtag, entities and a
// line break inside a paragraph.
const richText = "Ask @ana@example.social about <tags> & \"quotes\":\nhttps://example.com/a/very/long/path?x=1 #Herald\n\nSecond paragraph."

func TestFind(t *testing.T) {
	payload := func(opts map[string]any, parts ...string) *platforms.Payload {
		p := &platforms.Payload{Options: opts}
		for _, s := range parts {
			p.Parts = append(p.Parts, platforms.Part{Text: s})
		}
		return p
	}
	tests := []struct {
		name string
		// setup publishes what the server holds before Find runs, and
		// returns the IDs Find should answer with (nil for an error).
		setup func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string
		find  *platforms.Payload
		// began is when the attempt began; zero: not recorded.
		began   time.Time
		wantErr string
		notFnd  bool
		// incomplete is how many parts Find proves, with the IDs setup
		// returns.
		incomplete int
	}{
		{
			name: "thread with rich text and a content warning",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				mustPublish(t, pub, payload(nil, "decoy"), "other")
				r := mustPublish(t, pub, payload(map[string]any{"spoiler_text": "CW"}, richText, "part two"), "attempt")
				mustPublish(t, pub, payload(nil, "later"), "later")
				return r.IDs
			},
			find: payload(map[string]any{"spoiler_text": "CW"}, richText, "part two"),
		},
		{
			name: "same text without the warning is another post",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				mustPublish(t, pub, payload(nil, richText), "other")
				return nil
			},
			find:   payload(map[string]any{"spoiler_text": "CW"}, richText),
			notFnd: true,
		},
		{
			name: "same words, different punctuation, is another post",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				mustPublish(t, pub, payload(nil, "Hello, world!"), "other")
				return nil
			},
			find:   payload(nil, "Hello world"),
			notFnd: true,
		},
		{
			name: "a reply with the text is not the first part",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				mustPublish(t, pub, payload(nil, "head", "Find me"), "other")
				return nil
			},
			find:   payload(nil, "Find me"),
			notFnd: true,
		},
		{
			name: "thread that landed in part",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				return mustPublish(t, pub, payload(nil, "one of three", "two of three"), "attempt").IDs
			},
			find:       payload(nil, "one of three", "two of three", "three of three"),
			began:      clock,
			incomplete: 2,
		},
		{
			name: "thread that landed in part, on an account busier than a scan",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				f.Seed(mastodon.FindPageSize*mastodon.FindMaxPages+1, clock)
				r := mustPublish(t, pub, payload(nil, "one of two", "not this"), "attempt")
				f.RemoveRemotely(r.IDs[1])
				mustPublish(t, pub, payload(nil, "later"), "later")
				return r.IDs[:1]
			},
			// The scan does not reach back a week, but every status newer
			// than part 1 was read: part 2 is surely absent.
			find:       payload(nil, "one of two", "two of two"),
			incomplete: 1,
		},
		{
			name: "a later part outside the reply chain is a gap",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				mustPublish(t, pub, payload(nil, "one of three"), "attempt")
				mustPublish(t, pub, payload(nil, "three of three"), "stray")
				return nil
			},
			find:    payload(nil, "one of three", "two of three", "three of three"),
			began:   clock,
			wantErr: "holds the text of part 3 outside the reply chain",
		},
		{
			name: "two statuses with the text",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				mustPublish(t, pub, payload(nil, "Weekly reminder"), "week-1")
				mustPublish(t, pub, payload(nil, "Weekly reminder"), "week-2")
				return nil
			},
			find:    payload(nil, "Weekly reminder"),
			wantErr: "2 statuses hold the same text",
		},
		{
			name: "more statuses in the window than Find reads",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				f.Seed(mastodon.FindPageSize*mastodon.FindMaxPages+1, clock)
				return nil
			},
			find:    payload(nil, "Somewhere far back"),
			wantErr: "not among the account's 1000 latest statuses, which reach back to 2026-03-01T09:00:00Z, not to 2026-02-22T09:00:00Z (the find_window",
		},
		{
			name: "statuses older than the window end the scan",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				f.Seed(401, clock.Add(-30*24*time.Hour))
				return nil
			},
			find:   payload(nil, "Never posted"),
			notFnd: true,
		},
		{
			name: "a busy account: reaching the attempt's beginning proves absence",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				f.Seed(mastodon.FindPageSize*mastodon.FindMaxPages+1, clock.Add(-time.Hour))
				f.Seed(mastodon.FindPageSize+5, clock)
				return nil
			},
			find:   payload(nil, "Never posted"),
			began:  clock,
			notFnd: true,
		},
		{
			name: "a busy account: the attempt under a page of later statuses",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				f.Seed(mastodon.FindPageSize*mastodon.FindMaxPages+1, clock.Add(-time.Hour))
				r := mustPublish(t, pub, payload(nil, "Found under the noise", "and its reply"), "attempt")
				f.Seed(2*mastodon.FindPageSize, clock)
				return r.IDs
			},
			find:  payload(nil, "Found under the noise", "and its reply"),
			began: clock,
		},
		{
			name: "more statuses since the attempt began than Find reads",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				f.Seed(mastodon.FindPageSize*mastodon.FindMaxPages+1, clock)
				return nil
			},
			find:    payload(nil, "Never posted"),
			began:   clock,
			wantErr: "not to 2026-03-01T08:58:00Z (when the attempt began, less 2m0s for clock skew): cannot tell",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
			pub := newAdapter(t, f, testEnv(t), nil)
			want := tt.setup(t, f, pub)
			before := len(f.Posts())
			r, err := pub.(platforms.Finder).Find(t.Context(), tt.find, platforms.Attempt{Key: "attempt", Began: tt.began})
			var ie *platforms.IncompleteError
			switch {
			case tt.notFnd:
				if !errors.Is(err, platforms.ErrNotFound) {
					t.Errorf("find = %+v, %v; want ErrNotFound", r, err)
				}
			case tt.incomplete > 0:
				if !errors.As(err, &ie) || ie.Found != tt.incomplete || ie.Total != len(tt.find.Parts) {
					t.Fatalf("find = %+v, %v; want an IncompleteError, %d of %d", r, err, tt.incomplete, len(tt.find.Parts))
				}
				if r == nil {
					t.Fatal("an IncompleteError without the receipt of the parts found")
				}
				if diff := cmp.Diff(want, r.IDs); diff != "" {
					t.Errorf("found IDs (-want +got):\n%s", diff)
				}
			case tt.wantErr != "":
				if err == nil || errors.Is(err, platforms.ErrNotFound) || errors.As(err, &ie) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("find = %+v, %v; want an error containing %q that is neither ErrNotFound nor IncompleteError", r, err, tt.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, r.IDs); diff != "" {
					t.Errorf("found IDs (-want +got):\n%s", diff)
				}
				if r.URLs[0] != f.URLOf(want[0]) || !r.PublishedAt.Equal(clock) {
					t.Errorf("receipt %+v lacks the status's URL or time", r)
				}
			}
			if n := len(f.Posts()); n != before {
				t.Errorf("find changed the server: %d statuses, had %d", n, before)
			}
		})
	}
}

// TestFindIgnoresCopiesFromBeforeTheAttempt: a status with the same text
// posted before the attempt began, less the clock-skew margin, cannot be
// the attempt.
func TestFindIgnoresCopiesFromBeforeTheAttempt(t *testing.T) {
	c := &movingClock{t: clock.Add(-time.Hour)}
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: c.Now})
	pub := newAdapter(t, f, platformtest.Env{Now: c.Now, Logger: testEnv(t).Logger}, nil)
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "Weekly reminder"}}}
	last := mustPublish(t, pub, p, "last-week")
	c.Advance(time.Hour)
	r, err := pub.(platforms.Finder).Find(t.Context(), p, platforms.Attempt{Key: "this-week", Began: c.Now()})
	if !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find = %+v, %v; want ErrNotFound: status %s is from before the attempt", r, err, last.IDs[0])
	}
	// Within the margin it may be the attempt.
	r, err = pub.(platforms.Finder).Find(t.Context(), p, platforms.Attempt{Key: "this-week", Began: c.Now().Add(-time.Hour + platforms.ClockSkew/2)})
	if err != nil || r.IDs[0] != last.IDs[0] {
		t.Errorf("find within the clock-skew margin = %+v, %v; want status %s", r, err, last.IDs[0])
	}
}

func mustPublish(t *testing.T, pub platforms.Publisher, p *platforms.Payload, key platforms.AttemptKey) *platforms.Receipt {
	t.Helper()
	r, err := pub.Publish(t.Context(), p, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
