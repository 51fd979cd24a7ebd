package wordpress_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/blogtext"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/wordpress"
)

// Environment variables that point the live conformance run at a real
// WordPress site: its address (any base_url form), a user, and one of
// their application passwords.
const (
	liveURLEnv      = "HERALD_LIVE_WORDPRESS_URL"
	liveUserEnv     = "HERALD_LIVE_WORDPRESS_USER"
	livePasswordEnv = "HERALD_LIVE_WORDPRESS_PASSWORD"
)

// TestLiveConformance runs the conformance suite against a real site when
// HERALD_LIVE_WORDPRESS_URL, _USER and _PASSWORD are set, and skips,
// naming them, when they are not: once moving deleted posts to the trash,
// once deleting them for good. It creates, edits and deletes posts and
// media on that site, each text marked with the run, and removes what it
// made, trash included.
func TestLiveConformance(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveUserEnv, livePasswordEnv)
	client := &http.Client{Timeout: 60 * time.Second}
	for _, mode := range []string{"trash", "force"} {
		t.Run(mode, func(t *testing.T) {
			platformtest.Run(t, platformtest.Harness{
				Live: true,
				New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
					reg := platforms.NewRegistry(map[string]platforms.Constructor{"wordpress": wordpress.New})
					pub, err := reg.New(platforms.Settings{
						Account: "blog", Platform: "wordpress", BaseURL: vars[liveURLEnv],
						Values: map[string]any{"username": vars[liveUserEnv], "password_env": livePasswordEnv, "delete": mode},
						Getenv: func(name string) string { return vars[name] }, HTTPClient: client,
						Logger: env.Logger, Now: env.Now,
					})
					if err != nil {
						t.Fatal(err)
					}
					api, restRoute, err := wordpress.APIBase(vars[liveURLEnv])
					if err != nil {
						t.Fatal(err)
					}
					s := &liveSite{t: t, api: api, restRoute: restRoute, user: vars[liveUserEnv], password: vars[livePasswordEnv], tag: env.Tag, client: client}
					t.Cleanup(s.emptyTrash)
					return pub, s
				},
				Capabilities: platforms.CapPrepare | platforms.CapUpdate | platforms.CapDelete | platforms.CapFind | platforms.CapMetrics,
				MaxParts:     1,
				MaxMedia:     wordpress.MaxMedia,
			})
		})
	}
}

// liveSite is the suite's Backend on a real site: the posts whose content
// holds the check's tag, read back through the REST API.
type liveSite struct {
	t                   *testing.T
	api                 string
	restRoute           bool
	user, password, tag string
	client              *http.Client
}

// do sends method route (relative to wp/v2) and decodes a 2xx answer into
// out; it returns the status and the answer's headers. It does not end
// with the test's context, so that cleanups can delete.
func (s *liveSite) do(method, route string, q url.Values, out any) (int, http.Header) {
	s.t.Helper()
	if q == nil {
		q = url.Values{}
	}
	u := s.api + "/" + route
	if s.restRoute {
		q.Set("rest_route", "/wp/v2/"+route)
		u = s.api
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(s.t.Context()), method, u+"?"+q.Encode(), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.SetBasicAuth(s.user, s.password)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, route, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(bytes.TrimSpace(body), out); err != nil {
			s.t.Fatalf("%s %s: %v in %q", method, route, err, body)
		}
	}
	return resp.StatusCode, resp.Header
}

type livePost struct {
	ID      int    `json:"id"`
	Link    string `json:"link"`
	DateGMT string `json:"date_gmt"`
	Content struct {
		Raw string `json:"raw"`
	} `json:"content"`
	FeaturedMedia int `json:"featured_media"`
}

// Posts returns the site's posts (any status but trash) whose content
// holds the check's tag, oldest first, each with its featured image's alt
// text and type read from the media item, and its revision count as Edits.
func (s *liveSite) Posts() []platformtest.Post {
	s.t.Helper()
	var posts []livePost
	q := url.Values{"search": {s.tag}, "status": {"any"}, "context": {"edit"}, "per_page": {"100"}, "orderby": {"id"}, "order": {"asc"}}
	if code, _ := s.do("GET", "posts", q, &posts); code != 200 {
		s.t.Fatalf("list posts: %d", code)
	}
	var out []platformtest.Post
	for _, lp := range posts {
		if s.tag == "" || !strings.Contains(lp.Content.Raw, s.tag) {
			continue
		}
		p := platformtest.Post{ID: strconv.Itoa(lp.ID), Text: blogtext.PlainText(lp.Content.Raw), URL: lp.Link}
		p.CreatedAt, _ = time.Parse("2006-01-02T15:04:05", lp.DateGMT)
		if lp.FeaturedMedia != 0 {
			var m struct {
				AltText   string `json:"alt_text"`
				MimeType  string `json:"mime_type"`
				SourceURL string `json:"source_url"`
			}
			if code, _ := s.do("GET", "media/"+strconv.Itoa(lp.FeaturedMedia), url.Values{"context": {"edit"}}, &m); code != 200 {
				s.t.Fatalf("media %d of post %d: %d", lp.FeaturedMedia, lp.ID, code)
			}
			p.Media = []platformtest.MediaItem{{ID: strconv.Itoa(lp.FeaturedMedia), Alt: m.AltText, Type: m.MimeType, Data: s.fetch(m.SourceURL)}}
		}
		if code, h := s.do("GET", "posts/"+p.ID+"/revisions", url.Values{"per_page": {"1"}}, nil); code == 200 {
			p.Edits, _ = strconv.Atoi(h.Get("X-WP-Total"))
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b platformtest.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// fetch reads an uploaded file's bytes from the site, as a reader would.
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

// RemoveRemotely deletes the post and its featured image for good.
func (s *liveSite) RemoveRemotely(id string) {
	s.t.Helper()
	var p livePost
	s.do("GET", "posts/"+id, url.Values{"context": {"edit"}}, &p)
	if code, _ := s.do("DELETE", "posts/"+id, url.Values{"force": {"true"}}, nil); code != 200 && code != 404 {
		s.t.Errorf("delete post %s: %d", id, code)
	}
	if p.FeaturedMedia != 0 {
		s.do("DELETE", "media/"+strconv.Itoa(p.FeaturedMedia), url.Values{"force": {"true"}}, nil)
	}
}

// emptyTrash deletes for good the check's posts that Delete moved to the
// trash, with their images.
func (s *liveSite) emptyTrash() {
	var posts []livePost
	s.do("GET", "posts", url.Values{"search": {s.tag}, "status": {"trash"}, "context": {"edit"}, "per_page": {"100"}}, &posts)
	for _, p := range posts {
		if strings.Contains(p.Content.Raw, s.tag) {
			s.RemoveRemotely(strconv.Itoa(p.ID))
		}
	}
}

// TestLiveEditDrift publishes a post, edits its title in WordPress as a
// person would, and requires herald's next edit to report drift and leave
// the person's edit in place.
func TestLiveEditDrift(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveUserEnv, livePasswordEnv)
	client := &http.Client{Timeout: 60 * time.Second}
	api, restRoute, err := wordpress.APIBase(vars[liveURLEnv])
	if err != nil {
		t.Fatal(err)
	}
	tag := "herald-live-drift-" + time.Now().UTC().Format("20060102150405")
	site := &liveSite{t: t, api: api, restRoute: restRoute, user: vars[liveUserEnv], password: vars[livePasswordEnv], tag: tag, client: client}
	t.Cleanup(func() {
		for _, p := range site.Posts() {
			site.RemoveRemotely(p.ID)
		}
	})
	pub, err := wordpress.New(platforms.Settings{Account: "blog", Platform: "wordpress", BaseURL: vars[liveURLEnv],
		Values: map[string]any{"username": vars[liveUserEnv], "password_env": livePasswordEnv},
		Getenv: func(name string) string { return vars[name] }, HTTPClient: client, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	rich := func(text string) *platforms.Payload {
		p := platformtest.PayloadFromMarkdown(t, goldenConfig, goldenPost, "blog")
		p.PostID, p.Title, p.HTML = "drift-"+tag, "Drift "+tag, p.HTML+"<p>"+text+" "+tag+"</p>"
		p.Options, p.Tags = nil, nil
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
	// modified_gmt counts seconds: the person's edit comes a second later.
	time.Sleep(1100 * time.Millisecond)
	if code, _ := site.do("POST", "posts/"+r.IDs[0], url.Values{"title": {"Retitled in wp-admin " + tag}}, nil); code != 200 {
		t.Fatalf("edit the post as a person: %d", code)
	}
	_, err = pub.(platforms.Updater).Update(t.Context(), r, rich("As herald rewrote it"))
	if !errors.Is(err, wordpress.ErrEditedInWordPress) && platforms.OutcomeOf(err) == platforms.NotCreated && !platforms.IsRetryable(err) {
		t.Fatalf("update after an edit in wp-admin = %v, want ErrEditedInWordPress", err)
	}
	t.Logf("drift: %v", err)
	posts := site.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "As herald wrote it") {
		t.Fatalf("the post was overwritten: %+v", posts)
	}
	// The person undoes the edit: herald's edit goes ahead.
	time.Sleep(1100 * time.Millisecond)
	if code, _ := site.do("POST", "posts/"+r.IDs[0], url.Values{"title": {"Drift " + tag}}, nil); code != 200 {
		t.Fatalf("undo the edit as a person: %d", code)
	}
	if _, err := pub.(platforms.Updater).Update(t.Context(), r, rich("As herald rewrote it")); err != nil {
		t.Fatalf("update after the edit was undone: %v", err)
	}
	if posts := site.Posts(); len(posts) != 1 || !strings.Contains(posts[0].Text, "As herald rewrote it") {
		t.Errorf("after the update the post holds %+v", posts)
	}
}
