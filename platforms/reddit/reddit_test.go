package reddit_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/reddit"
)

var update = flag.Bool("update", os.Getenv("UPDATE") != "", "rewrite golden files")

func post(id, title string, opts map[string]any, parts ...string) *platforms.Payload {
	p := platformtest.Payload(id, parts...)
	p.Title, p.Options = title, opts
	return p
}

var rules = map[string]any{
	"golang":    map[string]any{"submission_type": "link", "max_title": 120},
	"selfonly":  map[string]any{"submission_type": "self"},
	"flairsreq": map[string]any{"flair_required": true},
}

// TestPrepareGolden holds what Prepare makes of posts, or why it refuses
// them, to testdata/prepare.golden.
func TestPrepareGolden(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, map[string]any{"rules": rules}, nil)
	cases := []struct {
		name string
		p    *platforms.Payload
	}{
		{"self post, thread joined", post("a", "Sluice 2 is out", nil, "Retries per endpoint.", "And replay.")},
		{"title from the first line", post("b", "", nil, "# Sluice 2 is out\n\nRetries per endpoint.")},
		{"long first line cut at a word", post("c", "", nil, strings.Repeat("word ", 80))},
		{"link post", post("d", "Sluice 2", map[string]any{"url": "https://sluice.example.com/2", "subreddit": "r/golang"}, "ignored body")},
		{"link post without a title", post("e", "", map[string]any{"url": "https://sluice.example.com/2"}, "Body")},
		{"title over 300", post("f", strings.Repeat("t", 301), nil, "x")},
		{"subreddit rule: links only", post("g", "Text", map[string]any{"subreddit": "golang"}, "x")},
		{"subreddit rule: title over 120", post("h", strings.Repeat("t", 121), map[string]any{"subreddit": "golang", "url": "https://e.com"}, "x")},
		{"subreddit rule: self only", post("i", "Link", map[string]any{"subreddit": "selfonly", "url": "https://e.com"}, "x")},
		{"subreddit rule: flair required", post("j", "No flair", map[string]any{"subreddit": "flairsreq"}, "x")},
		{"flair given", post("k", "Flaired", map[string]any{"subreddit": "flairsreq", "flair_text": "Release", "nsfw": true, "spoiler": true}, "x")},
		{"text over 40000", post("l", "Long", nil, strings.Repeat("é", 40001))},
		{"no subreddit name", post("m", "T", map[string]any{"subreddit": "not a sub"}, "x")},
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "== %s\n", c.name)
		out, err := platforms.Prepare(s.rd, c.p)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			continue
		}
		fmt.Fprintf(&b, "part: %q\n", out.Parts[0].Text)
	}
	golden := filepath.Join("testdata", "prepare.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("prepare output (-golden +got):\n%s", diff)
	}
}

func TestSubmitFields(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	r, err := s.rd.Publish(t.Context(), post("a", "Sluice 2", map[string]any{"flair_id": "abc-123", "nsfw": true, "spoiler": true}, "Body"), "k")
	if err != nil {
		t.Fatal(err)
	}
	p := s.fake.Posts()[0]
	want := map[string]any{"title": "Sluice 2", "subreddit": "heraldtest", "kind": "self", "flair_id": "abc-123", "flair_text": "", "nsfw": true, "spoiler": true}
	if diff := cmp.Diff(want, p.Fields); diff != "" {
		t.Errorf("submitted (-want +got):\n%s", diff)
	}
	if r.IDs[0] != p.ID || r.URLs[0] != p.URL || !strings.HasPrefix(p.ID, "t3_") {
		t.Errorf("receipt %+v for post %s %s", r, p.ID, p.URL)
	}
	for _, ua := range s.fake.UserAgents() {
		if ua != "herald:github.com/heraldhq/herald:1 (by /u/heraldbot)" {
			t.Errorf("User-Agent %q", ua)
		}
	}
}

func TestSubredditCheckedBeforeSubmit(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{Subreddits: map[string]string{"heraldtest": "any", "textonly": "self"}}, true, nil, nil)
	_, err := s.rd.Publish(t.Context(), post("a", "A link", map[string]any{"subreddit": "textonly", "url": "https://e.com"}, "x"), "k")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "r/textonly takes only self posts") {
		t.Fatalf("link to a self-only subreddit = %v", err)
	}
	_, err = s.rd.Publish(t.Context(), post("b", "Nowhere", map[string]any{"subreddit": "nosuchsub"}, "x"), "k")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "does not exist or is private") {
		t.Fatalf("submit to a missing subreddit = %v", err)
	}
	if n := len(s.fake.Posts()); n != 0 {
		t.Errorf("%d posts", n)
	}
}

func TestJSONErrors(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, map[string]any{"check_subreddit": false}, nil)
	p := post("a", "A link", map[string]any{"url": "https://sluice.example.com"}, "x")
	if _, err := s.rd.Publish(t.Context(), p, "k1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.rd.Publish(t.Context(), p, "k2")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "ALREADY_SUB" || ae.Outcome != platforms.NotCreated || platforms.IsRetryable(err) {
		t.Fatalf("the same link again = %v", err)
	}
	_, err = s.rd.Publish(t.Context(), post("b", "T", map[string]any{"subreddit": "nosuchsub"}, "x"), "k3")
	if !errors.As(err, &ae) || ae.Code != "SUBREDDIT_NOEXIST" || !strings.Contains(ae.Message, "sr") {
		t.Fatalf("unknown subreddit = %v", err)
	}
	if n := len(s.fake.Posts()); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

func TestEdit(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	r, err := s.rd.Publish(t.Context(), post("a", "Fixed title", nil, "Body one"), "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.rd.Update(t.Context(), r, post("a", "A new title", nil, "Body one")); !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("edit of the title = %v, want ErrNotEditable", err)
	}
	r2, err := s.rd.Update(t.Context(), r, post("a", "Fixed title", nil, "Body two"))
	if err != nil {
		t.Fatal(err)
	}
	if p := s.fake.Posts()[0]; p.Text != "Body two" || p.Edits != 1 || r2.IDs[0] != r.IDs[0] {
		t.Errorf("after the edit: %+v", p)
	}
	link, err := s.rd.Publish(t.Context(), post("b", "A link", map[string]any{"url": "https://e.com/1"}, "x"), "k2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.rd.Update(t.Context(), link, post("b", "A link", map[string]any{"url": "https://e.com/2"}, "x")); !errors.Is(err, platforms.ErrNotEditable) {
		t.Errorf("edit of a link = %v, want ErrNotEditable", err)
	}
}

func TestScriptAppLogsIn(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{Password: "hunter2-long"}, false, map[string]any{"password_env": "RD_PASSWORD"}, env{"RD_PASSWORD": "hunter2-long"})
	if _, err := s.rd.Publish(t.Context(), post("a", "From a script", nil, "x"), "k"); err != nil {
		t.Fatal(err)
	}
	s.clock.Add(25 * time.Hour)
	if _, err := s.rd.Publish(t.Context(), post("b", "A day later", nil, "y"), "k2"); err != nil {
		t.Fatal(err)
	}
	if s.fake.Refreshes() != 2 {
		t.Errorf("%d logins, want 2 (one per lapsed token)", s.fake.Refreshes())
	}
	if strings.Contains(s.logs.String(), "hunter2") {
		t.Error("the password is in the log")
	}
}

func TestScriptWrongPassword(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{Password: "right-one"}, false, map[string]any{"password_env": "RD_PASSWORD"}, env{"RD_PASSWORD": "wrong-one"})
	_, err := s.rd.Publish(t.Context(), post("a", "T", nil, "x"), "k")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || !strings.Contains(err.Error(), "username and password") || strings.Contains(err.Error(), "wrong-one") {
		t.Fatalf("wrong password = %v", err)
	}
}

func TestRefreshedBeforeUse(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	s.clock.Add(24 * time.Hour)
	if _, err := s.rd.Publish(t.Context(), post("a", "T", nil, "x"), "k"); err != nil {
		t.Fatal(err)
	}
	tok, _ := s.tokens.Load(t.Context(), "main")
	if s.fake.Refreshes() != 1 || s.tokens.Saves != 1 || tok.AccessToken != s.fake.AccessToken() || tok.RefreshToken != s.fake.RefreshToken() {
		t.Errorf("refreshes %d, saves %d, token %+v", s.fake.Refreshes(), s.tokens.Saves, tok)
	}
}

func TestRateLimit(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	if _, err := s.rd.Publish(t.Context(), post("a", "T", nil, "x"), "k"); err != nil {
		t.Fatal(err)
	}
	rem, reset, ok := s.rd.RateLimit()
	if !ok || rem != 998 || !reset.Equal(start.Add(10*time.Minute)) {
		t.Errorf("RateLimit() = %d, %v, %v", rem, reset, ok)
	}
}

func TestMetricsAndRemoval(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	r, err := s.rd.Publish(t.Context(), post("a", "T", nil, "x"), "k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.rd.Metrics(t.Context(), r)
	if err != nil || *m.Likes != 1 || *m.Replies != 0 || m.Impressions != nil {
		t.Fatalf("metrics %+v, %v", m, err)
	}
	if err := s.rd.Delete(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.rd.Metrics(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) || !strings.Contains(err.Error(), "removed by its author") {
		t.Errorf("metrics of a deleted post = %v", err)
	}
}

func TestSettings(t *testing.T) {
	for _, c := range []struct {
		v    map[string]any
		want string
	}{
		{map[string]any{}, "setting username is required"},
		{map[string]any{"username": "a", "user_agent": "Mozilla/5.0"}, "not of Reddit's form"},
		{map[string]any{"username": "a", "rules": map[string]any{"go": map[string]any{"submission_type": "video"}}}, "rules.go.submission_type"},
		{map[string]any{"username": "a", "rules": map[string]any{"go": map[string]any{"karma": 10}}}, "unknown key karma"},
	} {
		_, err := reddit.NewReddit(platforms.Settings{Account: "main", Values: c.v, Now: time.Now})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("settings %v: %v, want %q", c.v, err, c.want)
		}
	}
}

func TestRateLimitWithoutRetryAfter(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, nil, nil)
	s.fake.Exhaust()
	_, err := s.rd.Publish(t.Context(), post("a", "T", nil, "x"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != 2*time.Minute || !platforms.IsRetryable(err) || ae.Outcome != platforms.NotCreated {
		t.Fatalf("429 with the window used up = %v", err)
	}
	if rem, reset, ok := s.rd.RateLimit(); !ok || rem != 0 || !reset.Equal(start.Add(2*time.Minute)) {
		t.Errorf("RateLimit() = %d, %v, %v", rem, reset, ok)
	}
	if n := len(s.fake.Posts()); n != 0 {
		t.Errorf("%d posts", n)
	}
}

func TestSubmitRateLimitError(t *testing.T) {
	s := newSetup(t, reddit.FakeOptions{}, true, map[string]any{"check_subreddit": false}, nil)
	s.fake.PostingLimit(3 * time.Minute)
	_, err := s.rd.Publish(t.Context(), post("a", "T", nil, "x"), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "RATELIMIT" || ae.RetryAfter != 3*time.Minute || !platforms.IsRetryable(err) || ae.Outcome != platforms.NotCreated {
		t.Fatalf("RATELIMIT = %v", err)
	}
}
