package linkedin_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// findSetup is an adapter whose scan reads 3 pages of 10 posts.
func findSetup(t *testing.T) *setup {
	t.Helper()
	s := newSetup(t, linkedin.FakeOptions{})
	s.li = newAdapter(t, s.fake, s.clock.Now, s.tokens, values(s.fake, map[string]any{"find_count": 10, "find_max_pages": 3}), partnerEnv, s.logs)
	return s
}

func publish(t *testing.T, s *setup, text string) *platforms.Receipt {
	t.Helper()
	p, err := platforms.Prepare(s.li, platformtest.Payload("p", text))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.li.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func find(t *testing.T, s *setup, text string, began time.Time) (*platforms.Receipt, error) {
	t.Helper()
	p, err := platforms.Prepare(s.li, platformtest.Payload("p", text))
	if err != nil {
		t.Fatal(err)
	}
	return s.li.Find(t.Context(), p, platforms.Attempt{Key: "k", Began: began})
}

// TestFindBusyAuthor: the scan stops at the attempt's beginning, less
// the clock-skew margin; reaching it is proof of absence.
func TestFindBusyAuthor(t *testing.T) {
	t.Run("absent", func(t *testing.T) {
		s := findSetup(t)
		s.fake.Seed(31, start.Add(-time.Hour))
		s.fake.Seed(15, start)
		r, err := find(t, s, "Never posted", start)
		if !errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "none of the author's 15 posts since 2026-03-01T08:58:00Z") {
			t.Errorf("find = %+v, %v; want ErrNotFound after the 15 posts since the attempt began", r, err)
		}
	})
	t.Run("found under later posts", func(t *testing.T) {
		s := findSetup(t)
		s.fake.Seed(31, start.Add(-time.Hour))
		want := publish(t, s, "Found under the noise")
		s.fake.Seed(15, start)
		r, err := find(t, s, "Found under the noise", start)
		if err != nil || r.IDs[0] != want.IDs[0] || !r.PublishedAt.Equal(start) {
			t.Errorf("find = %+v, %v; want %s", r, err, want.IDs[0])
		}
	})
	t.Run("more posts since the attempt than a scan reads", func(t *testing.T) {
		s := findSetup(t)
		s.fake.Seed(31, start)
		r, err := find(t, s, "Never posted", start)
		if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "none of the author's 30 latest posts") {
			t.Errorf("find = %+v, %v; want cannot tell after 30 posts", r, err)
		}
	})
	t.Run("a copy from before the attempt is not the attempt", func(t *testing.T) {
		s := findSetup(t)
		publish(t, s, "Weekly reminder")
		s.clock.Add(time.Hour)
		if r, err := find(t, s, "Weekly reminder", s.clock.Now()); !errors.Is(err, platforms.ErrNotFound) {
			t.Errorf("find = %+v, %v; want ErrNotFound", r, err)
		}
	})
	t.Run("two copies since the attempt began", func(t *testing.T) {
		s := findSetup(t)
		publish(t, s, "Weekly reminder")
		s.fake.PostInApp("Weekly reminder", s.clock.Now())
		if r, err := find(t, s, "Weekly reminder", start); err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "cannot tell which") {
			t.Errorf("find = %+v, %v; want cannot tell which", r, err)
		}
	})
}

// TestFinderNeedsItsMethodHeader: the posts finder is a Rest.li FINDER
// call, and the fake refuses it without X-RestLi-Method: FINDER.
func TestFinderNeedsItsMethodHeader(t *testing.T) {
	s := newSetup(t, linkedin.FakeOptions{})
	s.fake.ExpectViolations()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.fake.URL()+"/posts?q=author&author="+s.fake.Author(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.fake.AccessToken())
	req.Header.Set("Linkedin-Version", linkedin.DefaultVersion)
	req.Header.Set("X-Restli-Protocol-Version", linkedin.RestliProtocol)
	resp, err := s.fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(s.fake.Violations()) != 1 || !strings.Contains(s.fake.Violations()[0], "X-RestLi-Method") {
		t.Errorf("finder without its method header: %d, violations %q; want a 400 and the header named", resp.StatusCode, s.fake.Violations())
	}
}

// TestFindRefusesPostsOldestFirst: reaching a post older than the
// attempt proves absence only when posts come newest first; listed in
// another order, Find cannot tell.
func TestFindRefusesPostsOldestFirst(t *testing.T) {
	old, recent := start.Add(-time.Hour).UnixMilli(), start.UnixMilli()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/posts" || r.Header.Get("X-RestLi-Method") != "FINDER" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"elements":[{"id":"urn:li:share:1","commentary":"a","createdAt":%d},{"id":"urn:li:share:2","commentary":"b","createdAt":%d}],"paging":{"start":0,"count":50}}`,
			old, recent)
	}))
	t.Cleanup(srv.Close)
	tokens := &platforms.MemTokens{}
	tokens.Save(t.Context(), "main", &platforms.Token{AccessToken: liveToken, Expiry: start.Add(time.Hour)})
	li, err := linkedin.NewLinkedIn(platforms.Settings{Account: "main", Platform: "linkedin", BaseURL: srv.URL + "/rest",
		Values: map[string]any{"author": "urn:li:person:1"}, Getenv: env{}.Getenv, HTTPClient: srv.Client(),
		Now: func() time.Time { return start }, Tokens: tokens, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := li.Find(t.Context(), platformtest.Payload("p", "c"), platforms.Attempt{Key: "k", Began: start})
	if err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), "out of creation order") {
		t.Errorf("find = %+v, %v; want cannot tell, posts out of order", r, err)
	}
}

// TestDuplicateRefused: LinkedIn's duplicate guard refuses a post whose
// text an earlier post has, naming it; nothing was created, and the
// error says which post and what to do.
func TestDuplicateRefused(t *testing.T) {
	s := findSetup(t)
	first := publish(t, s, "Weekly reminder: office hours at 3")
	p, err := platforms.Prepare(s.li, platformtest.Payload("p2", "Weekly reminder: office hours at 3"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.li.Publish(t.Context(), p, "k2")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Outcome != platforms.NotCreated || ae.Code != "DUPLICATE_POST" ||
		!strings.Contains(ae.Message, "duplicate of "+first.IDs[0]) || !strings.Contains(ae.Message, "change the text") {
		t.Fatalf("publish a duplicate: %v; want DUPLICATE_POST, not created, naming %s", err, first.IDs[0])
	}
	if n := len(s.fake.Store.Posts()); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}
