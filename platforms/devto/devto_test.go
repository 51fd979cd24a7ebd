package devto_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/devto"
	"github.com/heraldhq/herald/platforms/platformtest"
)

var clock = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T, key string) (platforms.Publisher, *devto.Fake) {
	t.Helper()
	f := devto.NewFake(t, devto.FakeOptions{Now: func() time.Time { return clock }})
	env := platformtest.Env{Now: func() time.Time { return clock }, Logger: slog.New(slog.DiscardHandler)}
	return newAdapter(t, f, env, key), f
}

func prepared(t *testing.T, pub platforms.Publisher, p *platforms.Payload) *platforms.Payload {
	t.Helper()
	p, err := platforms.Prepare(pub, p)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func article(title, body string, opts map[string]any) *platforms.Payload {
	return &platforms.Payload{PostID: "launch", Target: "devto", Platform: "devto", Title: title, Markdown: body,
		Tags: []string{"Go", "Release"}, Options: opts}
}

func TestPublishSendsTheArticle(t *testing.T) {
	pub, f := setup(t, devto.FakeKey)
	p := prepared(t, pub, article("Sluice 2 is out", "Sluice 2 **ships**.\n", map[string]any{
		"series": "Sluice", "main_image": "https://img.example/c.png", "canonical_url": "https://blog.example/sluice-2"}))
	r, err := pub.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 {
		t.Fatalf("the fake holds %d articles, want 1", len(posts))
	}
	a := posts[0]
	if a.Text != "Sluice 2 **ships**.\n" || a.Fields["title"] != "Sluice 2 is out" || a.Fields["series"] != "Sluice" ||
		a.Fields["main_image"] != "https://img.example/c.png" || a.Fields["canonical_url"] != "https://blog.example/sluice-2" {
		t.Errorf("article %+v", a)
	}
	if tags := a.Fields["tags"].([]string); strings.Join(tags, ",") != "go,release" {
		t.Errorf("tags %v, want go,release", tags)
	}
	if r.URLs[0] != a.URL || r.IDs[0] != a.ID || !r.PublishedAt.Equal(clock) {
		t.Errorf("receipt %+v for article %s at %s", r, a.ID, a.URL)
	}
}

// A second create of the same title within five minutes is refused by
// dev.to; when the earlier article is the attempt (a timeout after dev.to
// accepted it), Publish records that article and posts nothing more.
func TestDuplicateTitleIsSettledByALookUp(t *testing.T) {
	pub, f := setup(t, devto.FakeKey)
	p := prepared(t, pub, article("Sluice 2 is out", "Body.\n", nil))
	first, err := pub.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := pub.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatalf("publish again within five minutes: %v", err)
	}
	if again.IDs[0] != first.IDs[0] || len(f.Posts()) != 1 {
		t.Errorf("publish again returned %v and the fake holds %d articles; want the first article %v alone", again.IDs, len(f.Posts()), first.IDs)
	}

	// Another article with that title but another canonical URL is not
	// the attempt: the outcome stays unknown, for the next run to ask.
	other := prepared(t, pub, article("Sluice 2 is out", "Body.\n", map[string]any{"canonical_url": "https://blog.example/other"}))
	_, err = pub.Publish(t.Context(), other, "k2")
	if o := platforms.OutcomeOf(err); o != platforms.Unknown || !strings.Contains(err.Error(), "used in the last five minutes") {
		t.Errorf("publish of another article with a title used 0 minutes ago = %v (outcome %s), want unknown naming the rule", err, o)
	}
}

func TestDeleteUnpublishes(t *testing.T) {
	pub, f := setup(t, devto.FakeKey)
	p := prepared(t, pub, article("Gone soon", "Body.\n", nil))
	r, err := pub.Publish(t.Context(), p, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.(platforms.Deleter).Delete(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if n, d := len(f.Posts()), f.Drafts(); n != 0 || len(d) != 1 || d[0].ID != r.IDs[0] {
		t.Errorf("after delete: %d published, drafts %+v; want the article kept as a draft", n, d)
	}
	if got := pub.(interface{ DeleteMeans() string }).DeleteMeans(); !strings.Contains(got, "unpublishes") {
		t.Errorf("DeleteMeans = %q", got)
	}
	f.RemoveRemotely(r.IDs[0])
	if err := pub.(platforms.Deleter).Delete(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) {
		t.Errorf("unpublishing an article deleted on dev.to = %v, want ErrDeletedRemotely", err)
	}
}

func TestUpdateChangesTheArticle(t *testing.T) {
	pub, f := setup(t, devto.FakeKey)
	r, err := pub.Publish(t.Context(), prepared(t, pub, article("Before", "Old body.\n", nil)), "k1")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := pub.(platforms.Updater).Update(t.Context(), r, prepared(t, pub, article("After", "New body.\n", map[string]any{"tags": []any{"ops"}})))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Posts()[0]
	if a.Text != "New body.\n" || a.Fields["title"] != "After" || strings.Join(a.Fields["tags"].([]string), ",") != "ops" || a.Edits != 1 {
		t.Errorf("after update: %+v", a)
	}
	if r2.IDs[0] != r.IDs[0] || !r2.PublishedAt.Equal(r.PublishedAt) {
		t.Errorf("update receipt %+v, want the same article and publication time as %+v", r2, r)
	}
}

func TestMetricsMapsCounts(t *testing.T) {
	pub, f := setup(t, devto.FakeKey)
	r, err := pub.Publish(t.Context(), prepared(t, pub, article("Counted", "Body.\n", nil)), "k1")
	if err != nil {
		t.Fatal(err)
	}
	f.SetCounts(r.IDs[0], devto.Counts{PageViews: 1200, Reactions: 31, Comments: 4})
	m, err := pub.(platforms.MetricsReader).Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if *m.Impressions != 1200 || *m.Likes != 31 || *m.Replies != 4 || m.Reposts != nil || m.Clicks != nil {
		t.Errorf("metrics %+v", m)
	}
}

func TestRejectedKeyNamesTheVariable(t *testing.T) {
	pub, f := setup(t, "a-revoked-key-0123")
	_, err := pub.Publish(t.Context(), prepared(t, pub, article("T", "B\n", nil)), "k1")
	if err == nil || !errors.Is(err, platforms.ErrNeedsReconnect) || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish with a rejected key = %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "DEVTO_API_KEY") || strings.Contains(msg, "a-revoked-key-0123") {
		t.Errorf("error %q must name the variable and never the key", msg)
	}
	if len(f.Posts()) != 0 {
		t.Error("the fake holds an article")
	}
}

// The fake answers as Forem does, and counts a request without the API
// version's Accept header as a contract violation.
func TestFakeContract(t *testing.T) {
	f := devto.NewFake(t, devto.FakeOptions{})
	f.ExpectViolations()
	post := func(accept, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, f.URL()+"/articles", strings.NewReader(body))
		req.Header.Set("Api-Key", devto.FakeKey)
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(bytes.TrimSpace(b))
	}
	for _, c := range []struct {
		name, accept, body string
		status             int
		want               string
	}{
		{"tag with a hyphen", devto.Accept, `{"article":{"title":"T","body_markdown":"b","tags":["go-lang"]}}`, 422, `contains non-alphanumeric`},
		{"five tags", devto.Accept, `{"article":{"title":"T","body_markdown":"b","tags":["a","b","c","d","e"]}}`, 422, `exceed the maximum of 4 tags`},
		{"no title", devto.Accept, `{"article":{"body_markdown":"b"}}`, 422, `Title can't be blank`},
		{"no version header", "", `{"article":{"title":"T","body_markdown":"b"}}`, 400, `header Accept`},
		{"accepted", devto.Accept, `{"article":{"title":"T","body_markdown":"b","published":true}}`, 201, `"id":1`},
		{"same title again", devto.Accept, `{"article":{"title":"T","body_markdown":"c"}}`, 422, `{"error":"Title has already been used in the last five minutes","status":422}`},
	} {
		status, body := post(c.accept, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, status, body, c.status, c.want)
		}
	}
	if v := f.Violations(); len(v) != 1 || !strings.Contains(v[0], "Accept") {
		t.Errorf("violations %q, want the missing Accept header alone", v)
	}
}
