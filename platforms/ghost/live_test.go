package ghost_test

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/heraldhq/herald/platforms/ghost"
	"github.com/heraldhq/herald/platforms/internal/blogtext"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// Environment variables that point the live conformance run at a real
// Ghost site: its admin address and an Admin API key ({id}:{secret}).
const (
	liveURLEnv = "HERALD_LIVE_GHOST_URL"
	liveKeyEnv = "HERALD_LIVE_GHOST_ADMIN_KEY"
)

// TestLiveConformance runs the conformance suite against a real Ghost
// when HERALD_LIVE_GHOST_URL and HERALD_LIVE_GHOST_ADMIN_KEY are set, and
// skips, naming them, when they are not. It creates, edits and deletes
// posts on that site, each text marked with the run, and deletes what it
// made.
func TestLiveConformance(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveKeyEnv)
	key, err := ghost.ParseAdminKey(vars[liveKeyEnv])
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	platformtest.Run(t, platformtest.Harness{
		Live: true,
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			reg := platforms.NewRegistry(map[string]platforms.Constructor{"ghost": ghost.New})
			pub, err := reg.New(platforms.Settings{
				Account: "blog", Platform: "ghost", BaseURL: vars[liveURLEnv],
				Values: map[string]any{"admin_key_env": liveKeyEnv},
				Getenv: func(name string) string { return vars[name] }, HTTPClient: client,
				Logger: env.Logger, Now: env.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return pub, &liveSite{t: t, base: strings.TrimRight(vars[liveURLEnv], "/") + "/ghost/api/admin", key: key,
				tag: env.Tag, client: client, seen: map[string]string{}, edits: map[string]int{}}
		},
		Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind,
		MaxParts:     1,
		MaxMedia:     ghost.MaxMedia,
	})
}

// liveSite is the suite's Backend on a real Ghost: the posts whose HTML
// holds the check's tag, read back through the Admin API.
type liveSite struct {
	t      *testing.T
	base   string
	key    ghost.AdminKey
	tag    string
	client *http.Client
	// seen is each post's updated_at when last read, and edits how many
	// times it changed since, which is what Edits reports: Ghost keeps
	// no edit count the API shows.
	seen  map[string]string
	edits map[string]int
}

// do sends method p and decodes a 2xx answer into out, and returns the
// status. It does not end with the test's context, so that cleanups can
// delete.
func (s *liveSite) do(method, p string, q url.Values, out any) int {
	s.t.Helper()
	u := s.base + p
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(s.t.Context()), method, u, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Ghost "+s.key.Token(time.Now()))
	req.Header.Set("Accept-Version", ghost.DefaultAcceptVersion)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, p, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			s.t.Fatalf("%s %s: %v in %q", method, p, err, body)
		}
	}
	return resp.StatusCode
}

// Posts returns the site's posts (drafts included) whose HTML holds the
// check's tag, oldest first, with the feature image's bytes fetched from
// the site.
func (s *liveSite) Posts() []platformtest.Post {
	s.t.Helper()
	var out struct {
		Posts []struct {
			ID              string  `json:"id"`
			URL             string  `json:"url"`
			HTML            string  `json:"html"`
			CreatedAt       string  `json:"created_at"`
			UpdatedAt       string  `json:"updated_at"`
			FeatureImage    *string `json:"feature_image"`
			FeatureImageAlt *string `json:"feature_image_alt"`
		} `json:"posts"`
	}
	q := url.Values{"limit": {"all"}, "formats": {"html"}, "filter": {"status:[draft,published,scheduled]"}}
	if code := s.do("GET", "/posts/", q, &out); code != 200 {
		s.t.Fatalf("list posts: %d", code)
	}
	var posts []platformtest.Post
	for _, lp := range out.Posts {
		if s.tag == "" || !strings.Contains(lp.HTML, s.tag) {
			continue
		}
		if prev, ok := s.seen[lp.ID]; ok && prev != lp.UpdatedAt {
			s.edits[lp.ID]++
		}
		s.seen[lp.ID] = lp.UpdatedAt
		p := platformtest.Post{ID: lp.ID, Text: blogtext.PlainText(lp.HTML), URL: lp.URL, Edits: s.edits[lp.ID]}
		p.CreatedAt, _ = time.Parse(time.RFC3339Nano, lp.CreatedAt)
		if lp.FeatureImage != nil && *lp.FeatureImage != "" {
			m := platformtest.MediaItem{Type: mime.TypeByExtension(path.Ext(*lp.FeatureImage)), Data: s.fetch(*lp.FeatureImage)}
			if lp.FeatureImageAlt != nil {
				m.Alt = *lp.FeatureImageAlt
			}
			p.Media = []platformtest.MediaItem{m}
		}
		posts = append(posts, p)
	}
	slices.SortStableFunc(posts, func(a, b platformtest.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return posts
}

// fetch reads an uploaded image's bytes from the site, as a reader would.
func (s *liveSite) fetch(u string) []byte {
	s.t.Helper()
	resp, err := s.client.Get(u)
	if err != nil {
		s.t.Fatalf("fetch %s: %v", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		s.t.Fatalf("fetch %s: %d %v", u, resp.StatusCode, err)
	}
	return data
}

// Inject cannot make a real server fail; the suite never asks a live
// backend to.
func (s *liveSite) Inject(f platformtest.Fault) {
	s.t.Fatalf("a live server cannot inject %s", f.Kind)
}

// RemoveRemotely deletes the post.
func (s *liveSite) RemoveRemotely(id string) {
	s.t.Helper()
	if code := s.do("DELETE", "/posts/"+id+"/", nil, nil); code != 204 && code != 404 {
		s.t.Errorf("delete post %s: %d", id, code)
	}
}

// TestLiveNewsletter publishes a post that asks for the site's default
// newsletter and reads back that Ghost made its email; then one that
// names a newsletter the site lacks, which must leave nothing behind.
func TestLiveNewsletter(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveKeyEnv)
	key, err := ghost.ParseAdminKey(vars[liveKeyEnv])
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	tag := "herald-live-newsletter-" + time.Now().UTC().Format("20060102150405")
	site := &liveSite{t: t, base: strings.TrimRight(vars[liveURLEnv], "/") + "/ghost/api/admin", key: key, tag: tag, client: client,
		seen: map[string]string{}, edits: map[string]int{}}
	t.Cleanup(func() {
		for _, p := range site.Posts() {
			site.RemoveRemotely(p.ID)
		}
	})
	pub, err := ghost.New(platforms.Settings{Account: "blog", Platform: "ghost", BaseURL: vars[liveURLEnv],
		Values: map[string]any{"admin_key_env": liveKeyEnv}, Getenv: func(name string) string { return vars[name] },
		HTTPClient: client, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	in := platformtest.Payload("newsletter-"+tag, "Sent to the members "+tag)
	in.Options = map[string]any{"newsletter": "default-newsletter"}
	p, err := platforms.Prepare(pub, in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pub.Publish(t.Context(), p, "attempt-"+platforms.AttemptKey(tag))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Posts []struct {
			Status string         `json:"status"`
			Email  map[string]any `json:"email"`
		} `json:"posts"`
	}
	if code := site.do("GET", "/posts/"+r.IDs[0]+"/", url.Values{"include": {"email"}}, &out); code != 200 || len(out.Posts) != 1 {
		t.Fatalf("read the post back: %d", code)
	}
	if out.Posts[0].Status != "published" || out.Posts[0].Email == nil {
		t.Errorf("post %s is %s with email %v; want published with an email", r.IDs[0], out.Posts[0].Status, out.Posts[0].Email)
	}
	t.Logf("published %s with newsletter default-newsletter: email %v", r.URLs[0], out.Posts[0].Email["status"])

	bad := platformtest.Payload("no-such-newsletter-"+tag, "For a newsletter the site lacks "+tag)
	bad.Options = map[string]any{"newsletter": "no-such-newsletter"}
	if p, err = platforms.Prepare(pub, bad); err != nil {
		t.Fatal(err)
	}
	_, err = pub.Publish(t.Context(), p, "attempt-bad-"+platforms.AttemptKey(tag))
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish to a newsletter the site lacks = %v (outcome %v), want NotCreated", err, platforms.OutcomeOf(err))
	}
	t.Logf("unknown newsletter: %v", err)
	if posts := site.Posts(); len(posts) != 1 {
		t.Errorf("the site holds %d posts of this run, want only the first: %+v", len(posts), posts)
	}
}

// TestLiveEditDrift publishes a post, edits its title in Ghost as a
// person would, and requires herald's next edit to be refused by Ghost
// (409 UpdateCollisionError) and reported as drift, leaving the person's
// edit in place.
func TestLiveEditDrift(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveKeyEnv)
	key, err := ghost.ParseAdminKey(vars[liveKeyEnv])
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	tag := "herald-live-drift-" + time.Now().UTC().Format("20060102150405")
	site := &liveSite{t: t, base: strings.TrimRight(vars[liveURLEnv], "/") + "/ghost/api/admin", key: key, tag: tag, client: client,
		seen: map[string]string{}, edits: map[string]int{}}
	t.Cleanup(func() {
		for _, p := range site.Posts() {
			site.RemoveRemotely(p.ID)
		}
	})
	pub, err := ghost.New(platforms.Settings{Account: "blog", Platform: "ghost", BaseURL: vars[liveURLEnv],
		Values: map[string]any{"admin_key_env": liveKeyEnv}, Getenv: func(name string) string { return vars[name] },
		HTTPClient: client, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	// The post as herald renders Markdown, so that Ghost's rewriting of
	// the HTML (Lexical) is what herald compares with.
	rich := func(text string) *platforms.Payload {
		p := platformtest.PayloadFromMarkdown(t, goldenConfig, goldenPost, "blog")
		p.PostID, p.Title, p.HTML = "drift-"+tag, "Drift "+tag, p.HTML+"<p>"+text+" "+tag+"</p>"
		p.Options = nil
		p, err := platforms.Prepare(pub, p)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	r, err := pub.Publish(t.Context(), rich("As herald wrote it"), platforms.AttemptKey(tag))
	if err != nil {
		t.Fatal(err)
	}
	// updated_at counts seconds: the person's edit comes a second later,
	// with the updated_at Ghost Admin would send.
	time.Sleep(1100 * time.Millisecond)
	body := `{"posts":[{"title":"Retitled in Ghost Admin ` + tag + `","updated_at":"` + r.Extra["updated_at"] + `"}]}`
	if code := site.send("PUT", "/posts/"+r.IDs[0]+"/", body); code != 200 {
		t.Fatalf("edit the post as a person: %d", code)
	}
	_, err = pub.(platforms.Updater).Update(t.Context(), r, rich("As herald rewrote it"))
	if !errors.Is(err, ghost.ErrEditedInGhost) && platforms.OutcomeOf(err) == platforms.NotCreated && !platforms.IsRetryable(err) || !strings.Contains(err.Error(), "UpdateCollisionError") {
		t.Fatalf("update after an edit in Ghost = %v, want ErrEditedInGhost from UpdateCollisionError", err)
	}
	t.Logf("drift: %v", err)
	posts := site.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "As herald wrote it") {
		t.Fatalf("the post was overwritten: %+v", posts)
	}
	// The person undoes the edit: what readers see is herald's version
	// again, and herald's edit goes ahead.
	var cur struct {
		Posts []struct {
			UpdatedAt string `json:"updated_at"`
		} `json:"posts"`
	}
	site.do("GET", "/posts/"+r.IDs[0]+"/", nil, &cur)
	time.Sleep(1100 * time.Millisecond)
	body = `{"posts":[{"title":"Drift ` + tag + `","updated_at":"` + cur.Posts[0].UpdatedAt + `"}]}`
	if code := site.send("PUT", "/posts/"+r.IDs[0]+"/", body); code != 200 {
		t.Fatalf("undo the edit as a person: %d", code)
	}
	if _, err := pub.(platforms.Updater).Update(t.Context(), r, rich("As herald rewrote it")); err != nil {
		t.Fatalf("update after the edit was undone: %v", err)
	}
	if posts := site.Posts(); len(posts) != 1 || !strings.Contains(posts[0].Text, "As herald rewrote it") {
		t.Errorf("after the update the post holds %+v", posts)
	}
}

// send sends a JSON body and returns the status.
func (s *liveSite) send(method, p, body string) int {
	s.t.Helper()
	req, err := http.NewRequestWithContext(context.WithoutCancel(s.t.Context()), method, s.base+p, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Ghost "+s.key.Token(time.Now()))
	req.Header.Set("Accept-Version", ghost.DefaultAcceptVersion)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, p, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
