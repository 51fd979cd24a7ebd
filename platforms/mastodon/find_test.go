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
		setup   func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string
		find    *platforms.Payload
		wantErr string
		notFnd  bool
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
				mustPublish(t, pub, payload(nil, "one of three", "two of three"), "attempt")
				return nil
			},
			find:    payload(nil, "one of three", "two of three", "three of three"),
			wantErr: "parts 1 to 2 of 3 were posted",
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
				for range 401 {
					f.Store.Add(platformtest.Post{Text: "busy account", CreatedAt: clock, Fields: map[string]any{}})
				}
				return nil
			},
			find:    payload(nil, "Somewhere far back"),
			wantErr: "cannot tell whether it was posted",
		},
		{
			name: "statuses older than the window end the scan",
			setup: func(t *testing.T, f *mastodon.Fake, pub platforms.Publisher) []string {
				for range 401 {
					f.Store.Add(platformtest.Post{Text: "long ago", CreatedAt: clock.Add(-30 * 24 * time.Hour), Fields: map[string]any{}})
				}
				return nil
			},
			find:   payload(nil, "Never posted"),
			notFnd: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
			pub := newAdapter(t, f, testEnv(t), nil)
			want := tt.setup(t, f, pub)
			before := len(f.Posts())
			r, err := pub.(platforms.Finder).Find(t.Context(), tt.find, platforms.Attempt{Key: "attempt"})
			switch {
			case tt.notFnd:
				if !errors.Is(err, platforms.ErrNotFound) {
					t.Errorf("find = %+v, %v; want ErrNotFound", r, err)
				}
			case tt.wantErr != "":
				if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("find = %+v, %v; want an error containing %q that is not ErrNotFound", r, err, tt.wantErr)
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

func mustPublish(t *testing.T, pub platforms.Publisher, p *platforms.Payload, key platforms.AttemptKey) *platforms.Receipt {
	t.Helper()
	r, err := pub.Publish(t.Context(), p, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
