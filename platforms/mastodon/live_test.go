package mastodon_test

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// Environment variables that point the live conformance run at a real
// server: Mastodon, or anything serving its client API (GoToSocial).
const (
	liveURLEnv   = "HERALD_LIVE_MASTODON_URL"
	liveTokenEnv = "HERALD_LIVE_MASTODON_TOKEN"
)

// TestLiveConformance runs the conformance suite against a real server
// when HERALD_LIVE_MASTODON_URL and HERALD_LIVE_MASTODON_TOKEN (a token
// with read and write scopes) are set, and skips, naming them, when they
// are not. It posts, edits and deletes statuses on that account, each
// text marked with the run, and removes what it posted.
func TestLiveConformance(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveTokenEnv)
	client := &http.Client{Timeout: 30 * time.Second}
	platformtest.Run(t, platformtest.Harness{
		Live: true,
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			reg := platforms.NewRegistry(map[string]platforms.Constructor{"mastodon": mastodon.New})
			pub, err := reg.New(platforms.Settings{
				Account: "mastodon", Platform: "mastodon", BaseURL: vars[liveURLEnv],
				Values: map[string]any{"token_env": liveTokenEnv},
				Getenv: func(name string) string { return vars[name] }, HTTPClient: client,
				Logger: env.Logger, Now: env.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return pub, &liveServer{t: t, base: strings.TrimRight(vars[liveURLEnv], "/"), token: vars[liveTokenEnv], tag: env.Tag, client: client}
		},
		Capabilities: platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		MaxParts:     25,
		MaxMedia:     mastodon.MaxMedia,
		Idempotent:   true,
	})
}

// liveServer is the suite's Backend on a real server: the account's
// statuses whose text holds the check's tag, read back through the API.
type liveServer struct {
	t      *testing.T
	base   string
	token  string
	tag    string
	client *http.Client

	account string
}

// do sends method p and decodes a 2xx answer into out, failing the check
// when the server cannot be reached, and returns the status code. It does
// not end with the test's context, so that cleanups can delete.
func (s *liveServer) do(method, p string, out any) int {
	s.t.Helper()
	req, err := http.NewRequestWithContext(context.WithoutCancel(s.t.Context()), method, s.base+p, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, p, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			s.t.Fatalf("%s %s: %v in %q", method, p, err, body)
		}
	}
	return resp.StatusCode
}

type liveStatus struct {
	ID          string  `json:"id"`
	CreatedAt   string  `json:"created_at"`
	InReplyToID *string `json:"in_reply_to_id"`
	Content     string  `json:"content"`
	URL         *string `json:"url"`
	EditedAt    *string `json:"edited_at"`
	Media       []struct {
		ID          string  `json:"id"`
		URL         *string `json:"url"`
		Description *string `json:"description"`
	} `json:"media_attachments"`
}

// Posts reads the account's latest statuses (three pages of 40) and
// returns those marked with the check's tag, oldest first, each with its
// text from GET .../source and its edit count from GET .../history.
func (s *liveServer) Posts() []platformtest.Post {
	s.t.Helper()
	if s.account == "" {
		var acct struct{ ID string }
		if code := s.do("GET", "/api/v1/accounts/verify_credentials", &acct); code != 200 {
			s.t.Fatalf("verify_credentials: %d", code)
		}
		s.account = acct.ID
	}
	var mine []liveStatus
	maxID := ""
	for range 3 {
		q := url.Values{"limit": {"40"}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		var page []liveStatus
		if code := s.do("GET", "/api/v1/accounts/"+s.account+"/statuses?"+q.Encode(), &page); code != 200 {
			s.t.Fatalf("list statuses: %d", code)
		}
		for _, st := range page {
			if s.tag != "" && strings.Contains(st.Content, s.tag) {
				mine = append(mine, st)
			}
		}
		if len(page) < 40 {
			break
		}
		maxID = page[len(page)-1].ID
	}
	out := make([]platformtest.Post, 0, len(mine))
	for _, st := range mine {
		var src struct{ Text string }
		if code := s.do("GET", "/api/v1/statuses/"+st.ID+"/source", &src); code != 200 {
			s.t.Fatalf("source of %s: %d", st.ID, code)
		}
		p := platformtest.Post{ID: st.ID, Text: src.Text}
		if st.InReplyToID != nil {
			p.ReplyTo = *st.InReplyToID
		}
		if st.URL != nil {
			p.URL = *st.URL
		}
		p.CreatedAt, _ = time.Parse(time.RFC3339Nano, st.CreatedAt)
		for _, m := range st.Media {
			item := platformtest.MediaItem{ID: m.ID}
			if m.Description != nil {
				item.Alt = *m.Description
			}
			if m.URL != nil {
				item.Type = mime.TypeByExtension(path.Ext(*m.URL))
			}
			p.Media = append(p.Media, item)
		}
		if st.EditedAt != nil {
			var history []json.RawMessage
			if code := s.do("GET", "/api/v1/statuses/"+st.ID+"/history", &history); code != 200 {
				s.t.Fatalf("history of %s: %d", st.ID, code)
			}
			p.Edits = max(len(history)-1, 1)
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b platformtest.Post) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	return out
}

// compareIDs orders status IDs: Mastodon's are numbers of growing
// length, GoToSocial's ULIDs of one length.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// Inject cannot make a real server fail; the suite never asks a live
// backend to.
func (s *liveServer) Inject(f platformtest.Fault) {
	s.t.Fatalf("a live server cannot inject %s", f.Kind)
}

// RemoveRemotely deletes the status on the server and returns once the
// server no longer serves it: GoToSocial answers DELETE at once and
// deletes in the background (and was seen to lose a deletion), so a
// status still served after 5 seconds is deleted once more.
func (s *liveServer) RemoveRemotely(id string) {
	s.t.Helper()
	start := time.Now()
	resent := false
	for code := s.do("DELETE", "/api/v1/statuses/"+id, nil); code != 404; code = s.do("GET", "/api/v1/statuses/"+id, nil) {
		if code != 200 {
			s.t.Errorf("delete %s: %d", id, code)
			return
		}
		switch waited := time.Since(start); {
		case waited > 15*time.Second:
			s.t.Errorf("status %s is still served 15s after its deletion", id)
			return
		case waited > 5*time.Second && !resent:
			resent = true
			s.do("DELETE", "/api/v1/statuses/"+id, nil)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
