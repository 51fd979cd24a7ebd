package mastodon_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
)

var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func testEnv(t *testing.T) platformtest.Env {
	return platformtest.Env{Now: func() time.Time { return clock }, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
}

// pngBytes is the start of a PNG file: enough for the fake, which checks
// the declared type, not the pixels.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-fake-pixels")

// sha is the fingerprint the adapter records for a file's bytes.
func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

func image(path, alt string) platforms.Media {
	return platforms.Media{Path: path, Alt: alt, Type: "image/png", Size: int64(len(pngBytes)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pngBytes)), nil }}
}

func TestPublishThreadWithImageReadBack(t *testing.T) {
	tests := []struct {
		name  string
		polls int // 206 answers before the upload is processed
	}{
		{"processed at once (200)", 0},
		{"processed later (202, then 206 twice)", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, ProcessingPolls: tt.polls})
			pub := newAdapter(t, f, testEnv(t), nil)
			const alt = "A lighthouse at dusk, its beam crossing a calm sea"
			p := &platforms.Payload{PostID: "lighthouse", Parts: []platforms.Part{
				{Text: "Part one: naïve café 🎉 with #herald and @ana@example.social https://example.com/a?b=c"},
				{Text: "Part two,\nwith a line break."},
				{Text: "Part three."},
			}, Media: []platforms.Media{image("posts/lighthouse.png", alt)},
				Options: map[string]any{"visibility": "unlisted", "spoiler_text": "Spoilers", "sensitive": true, "language": "en"}}

			r, err := pub.Publish(t.Context(), p, "attempt-1")
			if err != nil {
				t.Fatal(err)
			}
			posts := f.Posts()
			type got struct {
				Text, ReplyTo, Key string
				Fields             map[string]any
				Media              []platformtest.MediaItem
			}
			var have []got
			for _, post := range posts {
				have = append(have, got{post.Text, post.ReplyTo, post.Key, post.Fields, post.Media})
			}
			fields := map[string]any{"visibility": "unlisted", "spoiler_text": "Spoilers", "sensitive": true, "language": "en"}
			want := []got{
				{p.Parts[0].Text, "", "herald-attempt-1-0", fields, []platformtest.MediaItem{{ID: "1", Type: "image/png", Alt: alt, Data: pngBytes}}},
				{p.Parts[1].Text, posts[0].ID, "herald-attempt-1-1", fields, nil},
				{p.Parts[2].Text, posts[1].ID, "herald-attempt-1-2", fields, nil},
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("statuses on the server (-want +got):\n%s", diff)
			}
			wantReceipt := &platforms.Receipt{Provider: "mastodon", IDs: []string{posts[0].ID, posts[1].ID, posts[2].ID},
				URLs:        []string{f.URLOf(posts[0].ID), f.URLOf(posts[1].ID), f.URLOf(posts[2].ID)},
				PublishedAt: clock,
				// The image's attachment and the fingerprint of its file,
				// for edits.
				Extra: map[string]string{"media_ids": posts[0].Media[0].ID, "media_sha256": sha(pngBytes)}}
			if diff := cmp.Diff(wantReceipt, r); diff != "" {
				t.Errorf("receipt (-want +got):\n%s", diff)
			}

			// A retry of the same attempt within the hour lands on the
			// same statuses.
			again, err := pub.Publish(t.Context(), p, "attempt-1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r.IDs, again.IDs); diff != "" {
				t.Errorf("retry IDs (-first +retry):\n%s", diff)
			}
			if n := len(f.Posts()); n != 3 {
				t.Errorf("after a retry the server holds %d statuses, want 3", n)
			}
		})
	}
}

func TestPublishRefusesBeforeSending(t *testing.T) {
	five := make([]platforms.Media, 5)
	for i := range five {
		five[i] = image("posts/p.png", "alt")
	}
	tests := []struct {
		name    string
		payload *platforms.Payload
		want    string
	}{
		{"five media", &platforms.Payload{Parts: []platforms.Part{{Text: "hi"}}, Media: five}, "5 media attached; a status takes at most 4"},
		{"unknown visibility", &platforms.Payload{Parts: []platforms.Part{{Text: "hi"}}, Options: map[string]any{"visibility": "followers"}}, `visibility "followers"`},
		{"sensitive not a bool", &platforms.Payload{Parts: []platforms.Part{{Text: "hi"}}, Options: map[string]any{"sensitive": "yes"}}, "sensitive must be true or false"},
		{"no parts", &platforms.Payload{}, "no text parts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
			pub := newAdapter(t, f, testEnv(t), nil)
			r, err := pub.Publish(t.Context(), tt.payload, "attempt")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("publish = %+v, %v; want an error containing %q", r, err, tt.want)
			}
			if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
				t.Errorf("outcome %s, want not_created", o)
			}
			if platforms.IsRetryable(err) {
				t.Errorf("a refusal before sending is retryable: %v", err)
			}
			if n := len(f.Posts()); n != 0 {
				t.Errorf("the server holds %d statuses", n)
			}
		})
	}
}

func TestMediaProcessingWaitIsBounded(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, ProcessingPolls: 1000})
	pub := newAdapter(t, f, testEnv(t), map[string]any{"media_wait": "20ms"})
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "A video"}}, Media: []platforms.Media{image("posts/v.png", "alt")}}
	_, err := pub.Publish(t.Context(), p, "attempt")
	if err == nil || !strings.Contains(err.Error(), "bounded at 20ms") {
		t.Fatalf("err = %v, want a bounded wait", err)
	}
	if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
		t.Errorf("outcome %s, want not_created", o)
	}
	if n := len(f.Posts()); n != 0 {
		t.Errorf("the server holds %d statuses", n)
	}
}

func TestPartialThreadReturnsCreatedParts(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, MaxChars: 20})
	pub := newAdapter(t, f, testEnv(t), nil)
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "short one"}, {Text: "this second part is far too long"}}}
	r, err := pub.Publish(t.Context(), p, "attempt")
	if err == nil {
		t.Fatal("publish succeeded; want the second part refused")
	}
	posts := f.Posts()
	if len(posts) != 1 || r == nil || !cmp.Equal(r.IDs, []string{posts[0].ID}) {
		t.Fatalf("receipt %+v, server %+v: want the first part's receipt", r, posts)
	}
	for _, want := range []string{"publish part 2 of 2", "422", "Validation failed: Text character limit of 20 exceeded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// answer is one canned HTTP answer for the error-mapping tests.
type answer struct {
	status int
	header map[string]string
	body   string
}

// canned serves a at every path and records the requests' Authorization.
func canned(t *testing.T, a answer) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		io.WriteString(w, strings.ReplaceAll(a.body, "$AUTH", r.Header.Get("Authorization")))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func adapterAt(t *testing.T, base string, client *http.Client, logs io.Writer) platforms.Publisher {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pub, err := platforms.NewRegistry(map[string]platforms.Constructor{"mastodon": mastodon.New}).New(platforms.Settings{
		Account: "mastodon", Platform: "mastodon", BaseURL: base, Values: map[string]any{"token_env": tokenEnv},
		Getenv:     func(string) string { return secretToken },
		HTTPClient: client, Logger: logger, Now: func() time.Time { return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

const secretToken = "zX9-real-looking-token-Q4"

func TestErrorMapping(t *testing.T) {
	reset := clock.Add(90 * time.Second).Format("2006-01-02T15:04:05.000000Z")
	tests := []struct {
		name       string
		answer     answer
		status     int
		message    string
		outcome    platforms.Outcome
		retryable  bool
		retryAfter time.Duration
		reconnect  bool
	}{
		{"revoked token", answer{401, nil, `{"error":"The access token is invalid"}`}, 401,
			"The access token is invalid: the server rejected the access token; check the token in MASTODON_TOKEN", platforms.NotCreated, false, 0, true},
		{"missing scope", answer{403, nil, `{"error":"This action is outside the authorized scopes"}`}, 403,
			"This action is outside the authorized scopes: the token in MASTODON_TOKEN lacks a scope", platforms.NotCreated, false, 0, false},
		{"too long", answer{422, nil, `{"error":"Validation failed: Text character limit of 500 exceeded"}`}, 422,
			"Validation failed: Text character limit of 500 exceeded", platforms.NotCreated, false, 0, false},
		{"rate limited, reset header only", answer{429, map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
			`{"error":"Too many requests"}`}, 429, "Too many requests", platforms.NotCreated, true, 90 * time.Second, false},
		{"server error", answer{500, nil, `{"error":"We're sorry, but something went wrong on our end."}`}, 500,
			"We're sorry, but something went wrong on our end.", platforms.Unknown, true, 0, false},
		{"unavailable, not JSON", answer{503, nil, "<html>Service Unavailable</html>"}, 503,
			"<html>Service Unavailable</html>", platforms.Unknown, true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := canned(t, tt.answer)
			pub := adapterAt(t, srv.URL, srv.Client(), io.Discard)
			_, err := pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "hello"}}}, "attempt")
			var ae *platforms.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if ae.Status != tt.status || !strings.HasPrefix(ae.Message, tt.message) {
				t.Errorf("status %d message %q, want %d %q", ae.Status, ae.Message, tt.status, tt.message)
			}
			if o := platforms.OutcomeOf(err); o != tt.outcome {
				t.Errorf("outcome %s, want %s", o, tt.outcome)
			}
			if r := platforms.IsRetryable(err); r != tt.retryable {
				t.Errorf("retryable %v, want %v", r, tt.retryable)
			}
			if ae.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter %s, want %s", ae.RetryAfter, tt.retryAfter)
			}
			if r := errors.Is(err, platforms.ErrNeedsReconnect); r != tt.reconnect {
				t.Errorf("needs reconnect %v, want %v", r, tt.reconnect)
			}
		})
	}
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	// The server echoes the Authorization header it got, as a careless
	// proxy might.
	srv := canned(t, answer{401, nil, `{"error":"The access token is invalid","error_description":"got $AUTH"}`})
	var logs bytes.Buffer
	pub := adapterAt(t, srv.URL, srv.Client(), &logs)
	var errs []error
	_, err := pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "hello"}}}, "attempt")
	errs = append(errs, err)
	_, err = pub.(platforms.Finder).Find(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "hello"}}}, platforms.Attempt{Key: "attempt"})
	errs = append(errs, err)
	_, err = pub.(platforms.MetricsReader).Metrics(t.Context(), &platforms.Receipt{IDs: []string{"1"}})
	errs = append(errs, err)
	errs = append(errs, pub.(platforms.Deleter).Delete(t.Context(), &platforms.Receipt{IDs: []string{"1"}}))
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded against a 401", i)
		}
		if strings.Contains(err.Error(), secretToken) {
			t.Errorf("error %d holds the token: %v", i, err)
		}
		if !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("error %d does not show the echoed token redacted: %v", i, err)
		}
	}
	if strings.Contains(logs.String(), secretToken) {
		t.Errorf("logs hold the token:\n%s", logs.String())
	}
	if logs.Len() == 0 {
		t.Error("nothing was logged, so the check proves nothing")
	}
}

func TestAuthSettings(t *testing.T) {
	t.Run("missing token variable", func(t *testing.T) {
		f := mastodon.NewFake(t, mastodon.FakeOptions{})
		pub, err := mastodon.New(platforms.Settings{Account: "mastodon", BaseURL: f.URL(), HTTPClient: f.Client(),
			Values: map[string]any{"token_env": "MASTODON_TOKEN"}, Getenv: func(string) string { return "" }, Now: testEnv(t).Now})
		if err != nil {
			t.Fatalf("the constructor needs no secret, got %v", err)
		}
		_, err = pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "hi"}}}, "attempt")
		if err == nil || !strings.Contains(err.Error(), "environment variable MASTODON_TOKEN (setting token_env) is empty or unset") {
			t.Fatalf("err = %v, want the variable named", err)
		}
		if platforms.OutcomeOf(err) != platforms.NotCreated || platforms.IsRetryable(err) {
			t.Errorf("a missing token must be not_created and final: %v", err)
		}
	})
	for _, tt := range []struct {
		name string
		s    platforms.Settings
		want string
	}{
		{"no base_url", platforms.Settings{Values: map[string]any{"token_env": "T"}}, "setting base_url is required"},
		{"base_url not http", platforms.Settings{BaseURL: "mastodon.social", Values: map[string]any{"token_env": "T"}}, "is not an http(s) URL"},
		{"no token_env", platforms.Settings{BaseURL: "https://mastodon.social"}, "setting token_env is required"},
		{"bad find_window", platforms.Settings{BaseURL: "https://mastodon.social", Values: map[string]any{"token_env": "T", "find_window": "a week"}}, "find_window"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.Now = testEnv(t).Now
			if _, err := mastodon.New(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	up := pub.(platforms.Updater)
	r, err := pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "one"}, {Text: "two"}},
		Options: map[string]any{"spoiler_text": "CW"}}, "attempt")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("every part, warning removed", func(t *testing.T) {
		r2, err := up.Update(t.Context(), r, &platforms.Payload{Parts: []platforms.Part{{Text: "one, edited"}, {Text: "two, edited"}}})
		if err != nil {
			t.Fatal(err)
		}
		var got [][2]string
		for _, p := range f.Posts() {
			got = append(got, [2]string{p.Text, p.Fields["spoiler_text"].(string)})
		}
		if diff := cmp.Diff([][2]string{{"one, edited", ""}, {"two, edited", ""}}, got); diff != "" {
			t.Errorf("after the edit (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(r, r2); diff != "" {
			t.Errorf("an edit keeps the receipt (-before +after):\n%s", diff)
		}
	})
	t.Run("part count changed", func(t *testing.T) {
		_, err := up.Update(t.Context(), r, &platforms.Payload{Parts: []platforms.Part{{Text: "only one now"}}})
		if !errors.Is(err, mastodon.ErrPartsChanged) || !strings.Contains(err.Error(), "published as 2 statuses, now 1 parts") {
			t.Errorf("err = %v, want ErrPartsChanged with the counts", err)
		}
	})
	t.Run("deleted on the server", func(t *testing.T) {
		f.RemoveRemotely(r.IDs[1])
		_, err := up.Update(t.Context(), r, &platforms.Payload{Parts: []platforms.Part{{Text: "a"}, {Text: "b"}}})
		if !errors.Is(err, platforms.ErrDeletedRemotely) {
			t.Errorf("err = %v, want ErrDeletedRemotely", err)
		}
	})
}

func TestMetrics(t *testing.T) {
	for _, tt := range []struct {
		name     string
		noQuotes bool
		want     func(c mastodon.Counts) *platforms.Metrics
	}{
		{"4.5 server with quotes", false, func(c mastodon.Counts) *platforms.Metrics {
			return &platforms.Metrics{Likes: &c.Favourites, Reposts: &c.Reblogs, Replies: &c.Replies, Quotes: &c.Quotes}
		}},
		{"older server", true, func(c mastodon.Counts) *platforms.Metrics {
			return &platforms.Metrics{Likes: &c.Favourites, Reposts: &c.Reblogs, Replies: &c.Replies}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, NoQuotes: tt.noQuotes})
			pub := newAdapter(t, f, testEnv(t), nil)
			r, err := pub.Publish(t.Context(), &platforms.Payload{Parts: []platforms.Part{{Text: "count me"}}}, "attempt")
			if err != nil {
				t.Fatal(err)
			}
			c := mastodon.Counts{Favourites: 12, Reblogs: 3, Replies: 2, Quotes: 1}
			f.SetCounts(r.IDs[0], c)
			m, err := pub.(platforms.MetricsReader).Metrics(t.Context(), r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want(c), m); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
		})
	}
}

// movingClock is a clock tests advance.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movingClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestIdempotencyKeyLastsAnHour(t *testing.T) {
	c := &movingClock{t: clock}
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: c.Now})
	pub := newAdapter(t, f, platformtest.Env{Now: c.Now, Logger: testEnv(t).Logger}, nil)
	p := &platforms.Payload{Parts: []platforms.Part{{Text: "once an hour"}}}
	first, err := pub.Publish(t.Context(), p, "attempt")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(59 * time.Minute)
	within, err := pub.Publish(t.Context(), p, "attempt")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Minute)
	after, err := pub.Publish(t.Context(), p, "attempt")
	if err != nil {
		t.Fatal(err)
	}
	if within.IDs[0] != first.IDs[0] {
		t.Errorf("a retry within the hour made status %s, want %s", within.IDs[0], first.IDs[0])
	}
	if after.IDs[0] == first.IDs[0] || len(f.Posts()) != 2 {
		t.Errorf("a retry after the hour returned %s with %d statuses: Mastodon forgets the key after an hour", after.IDs[0], len(f.Posts()))
	}
}

// TestRateLimitReported: after a response, the adapter reports the
// X-RateLimit headers the fake sent, for the reconciler to wait on.
func TestRateLimitReported(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{})
	s := platforms.Settings{Account: "mastodon", Platform: mastodon.Name, BaseURL: f.URL(), Values: map[string]any{"token_env": "TOKEN"},
		Getenv: func(string) string { return mastodon.FakeToken }, HTTPClient: f.Client(), Now: time.Now}
	pub, err := mastodon.New(s)
	if err != nil {
		t.Fatal(err)
	}
	rr := pub.(platforms.RateLimitReporter)
	if _, _, ok := rr.RateLimit(); ok {
		t.Fatal("a rate limit before any call")
	}
	if _, err := pub.Publish(t.Context(), &platforms.Payload{PostID: "p", Target: "mastodon", Platform: mastodon.Name, Parts: []platforms.Part{{Text: "hello"}}}, "k"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := rr.RateLimit(); !ok {
		t.Error("no rate limit reported after a call; the fake sends X-RateLimit headers")
	}
}
