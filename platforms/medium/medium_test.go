package medium_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/medium"
	"github.com/heraldhq/herald/platforms/platformtest"
)

var clock = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func env() platformtest.Env {
	return platformtest.Env{Now: func() time.Time { return clock }, Logger: slog.New(slog.DiscardHandler)}
}

func payload(opts map[string]any) *platforms.Payload {
	return &platforms.Payload{PostID: "launch", Target: "medium", Platform: "medium", Title: "Sluice 2 <is> out",
		HTML: "<p>Sluice 2 ships <strong>retries</strong>.</p>\n", Markdown: "Sluice 2 ships **retries**.\n",
		Parts: []platforms.Part{{Text: "Sluice 2 ships retries."}},
		Tags:  []string{"Go", "a-tag-far-longer-than-twenty-five", "Release", "Ops", "Fifth"}, Options: opts}
}

// TestRenderGolden pins the content each format sends: the title as a
// heading (Medium does not show the title field), then the body.
func TestRenderGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range []struct {
		name, format string
		p            *platforms.Payload
	}{
		{"html", "html", payload(nil)},
		{"markdown", "markdown", payload(nil)},
		{"html from text only", "html", &platforms.Payload{Parts: []platforms.Part{{Text: "First line & more\nsecond line\n\nA <second> paragraph"}}}},
	} {
		p, err := medium.Prepare(c.p.Clone(), c.format)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fmt.Fprintf(&b, "== %s\ntitle: %s\ntags: %q\n%s\n", c.name, p.Title, p.Tags, p.Parts[0].Text)
	}
	golden.Check(t, "content.golden", []byte(b.String()))
}

func TestPrepareRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *platforms.Payload
		want string
	}{
		{"long title", &platforms.Payload{Title: strings.Repeat("t", 101), Markdown: "b"}, "Medium ignores a title over 100"},
		{"bad status", payload(map[string]any{"publish_status": "published"}), "option publish_status"},
		{"bad license", payload(map[string]any{"license": "mit"}), "option license"},
		{"canonical not a URL", payload(map[string]any{"canonical_url": "/sluice-2"}), "option canonical_url"},
	} {
		if _, err := medium.Prepare(c.p, "html"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Prepare = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestPublishSendsThePost(t *testing.T) {
	f := medium.NewFake(t, medium.FakeOptions{Now: func() time.Time { return clock }})
	pub := newAdapter(t, f, env(), medium.FakeToken, nil)
	p, err := platforms.Prepare(pub, payload(map[string]any{"canonical_url": "https://blog.example/sluice-2", "publish_status": "unlisted", "license": "cc-40-by", "notify_followers": false}))
	if err != nil {
		t.Fatal(err)
	}
	r, err := pub.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	post := f.Posts()[0]
	want := map[string]any{"title": "Sluice 2 <is> out", "contentFormat": "html", "canonicalUrl": "https://blog.example/sluice-2",
		"publishStatus": "unlisted", "license": "cc-40-by", "publication": ""}
	for k, v := range want {
		if post.Fields[k] != v {
			t.Errorf("%s = %v, want %v", k, post.Fields[k], v)
		}
	}
	if got := fmt.Sprint(post.Fields["tags"]); got != "[Go Release Ops]" {
		t.Errorf("tags %s, want the first three Medium keeps", got)
	}
	if !strings.HasPrefix(post.Text, "<h1>Sluice 2 &lt;is&gt; out</h1>\n<p>") {
		t.Errorf("content %q does not start with the escaped title", post.Text)
	}
	if r.IDs[0] != post.ID || r.URLs[0] != post.URL || !r.PublishedAt.Equal(clock) {
		t.Errorf("receipt %+v for post %+v", r, post)
	}
	// The author's ID is read once.
	if _, err := pub.Publish(t.Context(), p, "k2"); err != nil {
		t.Fatal(err)
	}
}

func TestPublishToAPublication(t *testing.T) {
	f := medium.NewFake(t, medium.FakeOptions{Publications: []string{"b45573563f5a"}})
	pub := newAdapter(t, f, env(), medium.FakeToken, map[string]any{"publication_id": "b45573563f5a"})
	p, _ := platforms.Prepare(pub, payload(nil))
	if _, err := pub.Publish(t.Context(), p, "k1"); err != nil {
		t.Fatal(err)
	}
	if got := f.Posts()[0].Fields["publication"]; got != "b45573563f5a" {
		t.Errorf("publication %v", got)
	}
	other := newAdapter(t, f, env(), medium.FakeToken, map[string]any{"publication_id": "not-mine"})
	_, err := other.Publish(t.Context(), p, "k2")
	if platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "403") {
		t.Errorf("publish to a publication the user may not write to = %v", err)
	}
}

func TestRevokedTokenSaysNoNewTokens(t *testing.T) {
	f := medium.NewFake(t, medium.FakeOptions{})
	f.ExpectViolations() // a wrong token is what this test sends
	pub := newAdapter(t, f, env(), "0123456789abcdef-revoked", nil)
	p, _ := platforms.Prepare(pub, payload(nil))
	_, err := pub.Publish(t.Context(), p, "k1")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish with a revoked token = %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "MEDIUM_TOKEN") || !strings.Contains(msg, "issues no new tokens") || strings.Contains(msg, "0123456789abcdef-revoked") {
		t.Errorf("error %q must name the variable, say no new tokens exist, and never show the token", msg)
	}
}

// Medium cannot edit, delete, list or count: the adapter says so through
// its capabilities, so the plan refuses edits and deletes before any call.
func TestCapabilities(t *testing.T) {
	f := medium.NewFake(t, medium.FakeOptions{})
	pub := newAdapter(t, f, env(), medium.FakeToken, nil)
	if c := platforms.Capabilities(pub); c != platforms.CapPrepare {
		t.Errorf("capabilities %s, want prepare only", c)
	}
}

func TestSettings(t *testing.T) {
	for _, c := range []struct {
		values map[string]any
		want   string
	}{
		{map[string]any{}, "token_env is required"},
		{map[string]any{"token_env": "T", "content_format": "rtf"}, "content_format"},
	} {
		_, err := medium.New(platforms.Settings{Account: "medium", Values: c.values, Now: time.Now})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v) = %v, want %q", c.values, err, c.want)
		}
	}
}
