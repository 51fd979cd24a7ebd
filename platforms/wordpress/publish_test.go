package wordpress_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/wordpress"
)

const goldenConfig = `
accounts:
  blog:
    platform: wordpress
    base_url: https://blog.example.com
    username: herald
    password_env: WORDPRESS_APP_PASSWORD
`

const goldenPost = `---
title: "Sluice 2: retries & replay"
tags: [release, sluice]
to: [blog]
blog:
  excerpt: Retries per endpoint, and replay for failed deliveries.
  categories: [News]
  canonical_url: https://sluice.example.com/blog/sluice-2
---
Sluice 2 is out, with **retries per endpoint** and _replay_.

## What changed

- Retries back off per endpoint, see [the docs](https://docs.example.com/retries?x=1&y=2).
- Failed deliveries can be replayed: ` + "`sluice replay <id>`" + `.
`

func newAdapterWith(t *testing.T, f *wordpress.Fake, base string, client *http.Client, values map[string]any) platforms.Publisher {
	t.Helper()
	v := map[string]any{"username": wordpress.FakeUser, "password_env": passwordEnv}
	for k, x := range values {
		v[k] = x
	}
	pub, err := wordpress.New(platforms.Settings{
		Account: "blog", Platform: "wordpress", BaseURL: base, Values: v,
		Getenv:     func(name string) string { return map[string]string{passwordEnv: wordpress.FakeAppPassword}[name] },
		HTTPClient: client, Now: testEnv(t).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func prepared(t *testing.T, pub platforms.Publisher, p *platforms.Payload) *platforms.Payload {
	t.Helper()
	out, err := platforms.Prepare(pub, p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRenderGolden publishes a Markdown post as herald renders it for
// WordPress and compares every request the site receives with a golden
// file: the tag and category look-ups and creations, the image upload
// and its alt text, then the post with term IDs and featured media.
func TestRenderGolden(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	f.AddTerm("tags", "Release")
	rec := &platformtest.RequestLog{Next: f.Client().Transport}
	pub := newAdapterWith(t, f, f.SiteURL(), &http.Client{Transport: rec}, nil)
	p := platformtest.PayloadFromMarkdown(t, goldenConfig, goldenPost, "blog")
	platformtest.WithImage(p, "The Sluice 2 dashboard, with retries per endpoint")
	r, err := pub.Publish(t.Context(), prepared(t, pub, p), "attempt-golden")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "publish.txt", []byte(rec.String()))
	posts := f.Posts()
	if len(posts) != 1 || posts[0].ID != r.IDs[0] || posts[0].URL != r.URLs[0] {
		t.Fatalf("site holds %+v, receipt %+v", posts, r)
	}
	got := posts[0]
	if tags := got.Fields["tags"].([]string); strings.Join(tags, ",") != "Release,sluice" {
		t.Errorf("tags %v, want the existing Release (matched without case) and a new sluice", tags)
	}
	if len(got.Media) != 1 || got.Media[0].Alt != "The Sluice 2 dashboard, with retries per endpoint" {
		t.Errorf("featured image %+v", got.Media)
	}
}

// TestAuthorCannotCreateCategories: an Author may create tags but not
// categories; a missing category is refused before the post is created,
// saying what to do.
func TestAuthorCannotCreateCategories(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now, Author: true})
	pub := newAdapter(t, f, testEnv(t), nil)
	p := platformtest.Payload("news", "Tagged and filed")
	p.Tags = []string{"fresh-tag"}
	p.Options = map[string]any{"categories": []any{"Announcements"}}
	_, err := pub.Publish(t.Context(), prepared(t, pub, p), "a1")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), `the category "Announcements" does not exist`) {
		t.Fatalf("publish = %v (outcome %v), want a NotCreated error naming the category", err, platforms.OutcomeOf(err))
	}
	if n := len(f.Posts()); n != 0 {
		t.Fatalf("%d posts were created", n)
	}
	f.AddTerm("categories", "Announcements")
	r, err := pub.Publish(t.Context(), prepared(t, pub, p), "a1")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Posts()[0]
	if got.ID != r.IDs[0] || got.Fields["categories"].([]string)[0] != "Announcements" || got.Fields["tags"].([]string)[0] != "fresh-tag" {
		t.Errorf("post %+v", got.Fields)
	}
}

// TestEditDrift: an edit made in wp-admin after herald's write is
// reported as drift, and not overwritten.
func TestEditDrift(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("e", "As herald wrote it")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.EditRemotely(r.IDs[0], "Retitled in wp-admin")
	_, err = pub.(platforms.Updater).Update(t.Context(), r, prepared(t, pub, platformtest.Payload("e", "As herald rewrote it")))
	if !errors.Is(err, wordpress.ErrEditedInWordPress) && platforms.OutcomeOf(err) == platforms.NotCreated && !platforms.IsRetryable(err) || !strings.Contains(err.Error(), "someone edited it in WordPress") {
		t.Fatalf("update after an edit in wp-admin = %v, want ErrEditedInWordPress saying so", err)
	}
	if got := f.Posts()[0]; got.Fields["title"] != "Retitled in wp-admin" || got.Text != "As herald wrote it" {
		t.Errorf("the edit made in wp-admin was overwritten: %+v", got)
	}
}

// TestAltOnlyEdit: a changed alt text is set on the media item and the
// post itself is not edited.
func TestAltOnlyEdit(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.WithImage(platformtest.Payload("i", "Pictured"), "before")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := pub.(platforms.Updater).Update(t.Context(), r, prepared(t, pub, platformtest.WithImage(platformtest.Payload("i", "Pictured"), "after")))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Posts()[0]
	if got.Edits != 0 || got.Media[0].Alt != "after" || r2.Extra["featured_media"] != r.Extra["featured_media"] {
		t.Errorf("post edited %d times, alt %q, media %s -> %s", got.Edits, got.Media[0].Alt, r.Extra["featured_media"], r2.Extra["featured_media"])
	}
}

// TestMetricsAndTrash: comments are counted; a trashed post is deleted
// for metrics and for a second delete (410 rest_already_trashed).
func TestMetricsAndTrash(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("m", "Discussed")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.SetComments(r.IDs[0], 7)
	m, err := pub.(platforms.MetricsReader).Metrics(t.Context(), r)
	if err != nil || m.Replies == nil || *m.Replies != 7 || m.Likes != nil {
		t.Fatalf("metrics = %+v, %v; want 7 replies and nothing else", m, err)
	}
	if err := pub.(platforms.Deleter).Delete(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.(platforms.MetricsReader).Metrics(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) {
		t.Errorf("metrics of a trashed post = %v, want ErrDeletedRemotely", err)
	}
	if err := pub.(platforms.Deleter).Delete(t.Context(), r); !errors.Is(err, platforms.ErrDeletedRemotely) || !strings.Contains(err.Error(), "rest_already_trashed") {
		t.Errorf("second delete = %v, want ErrDeletedRemotely from rest_already_trashed", err)
	}
}

// TestRestRoute: a site without pretty permalinks serves the API at
// ?rest_route=; a base_url in that form sends every route there.
func TestRestRoute(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	target, _ := url.Parse(f.URL())
	// The proxy is such a site: it serves only /index.php?rest_route=,
	// and hands each route to the fake's /wp-json.
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		q := pr.In.URL.Query()
		route := q.Get("rest_route")
		if pr.In.URL.Path != "/" || !strings.HasPrefix(route, "/wp/v2/") {
			t.Errorf("request to %s, want /?rest_route=/wp/v2/...", pr.In.URL)
		}
		q.Del("rest_route")
		pr.Out.URL.Scheme, pr.Out.URL.Host = target.Scheme, target.Host
		pr.Out.URL.Path = target.Path + strings.TrimPrefix(route, "/wp/v2")
		pr.Out.URL.RawQuery = q.Encode()
		pr.Out.Host = target.Host
	}})
	defer proxy.Close()
	pub := newAdapterWith(t, f, proxy.URL+"/?rest_route=", proxy.Client(), nil)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.WithImage(platformtest.Payload("plain", "Plain permalinks"), "alt")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.(platforms.Finder).Find(t.Context(), prepared(t, pub, platformtest.Payload("plain", "Plain permalinks")), platforms.Attempt{Key: "a1"}); err != nil {
		t.Errorf("find through rest_route: %v", err)
	}
	if err := pub.(platforms.Deleter).Delete(t.Context(), r); err != nil {
		t.Errorf("delete through rest_route: %v", err)
	}
}

func TestAPIBase(t *testing.T) {
	for in, want := range map[string]string{
		"https://blog.example.com":                                           "https://blog.example.com/wp-json/wp/v2 false",
		"https://example.com/blog/":                                          "https://example.com/blog/wp-json/wp/v2 false",
		"https://blog.example.com/wp-json/":                                  "https://blog.example.com/wp-json/wp/v2 false",
		"https://blog.example.com/wp-json/wp/v2":                             "https://blog.example.com/wp-json/wp/v2 false",
		"https://blog.example.com/?rest_route=":                              "https://blog.example.com/ true",
		"https://example.com/blog/index.php?rest_route=/":                    "https://example.com/blog/ true",
		"https://public-api.wordpress.com/wp/v2/sites/example.wordpress.com": "https://public-api.wordpress.com/wp/v2/sites/example.wordpress.com false",
	} {
		api, rr, err := wordpress.APIBase(in)
		if got := api + " " + map[bool]string{true: "true", false: "false"}[rr]; err != nil || got != want {
			t.Errorf("APIBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"ftp://x", "https://x/?p=1", "https://public-api.wordpress.com/rest/v1.1/sites/x"} {
		if _, _, err := wordpress.APIBase(bad); err == nil {
			t.Errorf("APIBase(%q) accepted", bad)
		}
	}
}

// TestWrongPassword: credentials WordPress refuses are a final error that
// names the setting to check, and never shows the password.
func TestWrongPassword(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	f.ExpectViolations()
	pub, err := wordpress.New(platforms.Settings{
		Account: "blog", Platform: "wordpress", BaseURL: f.SiteURL(),
		Values: map[string]any{"username": wordpress.FakeUser, "password_env": passwordEnv},
		Getenv: func(string) string { return "wrong pass word 1234" }, HTTPClient: f.Client(), Now: testEnv(t).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("a", "x")), "a1")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || platforms.OutcomeOf(err) != platforms.NotCreated || platforms.IsRetryable(err) {
		t.Fatalf("publish with a wrong password = %v, want a final NotCreated error wrapping ErrNeedsReconnect", err)
	}
	if !strings.Contains(err.Error(), passwordEnv) || strings.Contains(err.Error(), "wrong pass word") {
		t.Errorf("the error should name %s, never the password: %v", passwordEnv, err)
	}
}

// TestEditAfterUndo: an edit made on the blog and then undone, or one
// brought into the post's file, loses nothing, so herald's edit goes
// ahead on the current version; one that is still there is drift, and
// the error says how to settle it.
func TestEditAfterUndo(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	pub := newAdapter(t, f, testEnv(t), nil)
	up := pub.(platforms.Updater)
	r, err := pub.Publish(t.Context(), prepared(t, pub, platformtest.Payload("undo", "As herald wrote it")), "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.EditRemotely(r.IDs[0], "Retitled in wp-admin")
	_, err = up.Update(t.Context(), r, prepared(t, pub, platformtest.Payload("undo", "As herald rewrote it")))
	if !errors.Is(err, wordpress.ErrEditedInWordPress) && platforms.OutcomeOf(err) == platforms.NotCreated && !platforms.IsRetryable(err) || !strings.Contains(err.Error(), "the next apply then edits the post") {
		t.Fatalf("update over a live edit = %v, want ErrEditedInWordPress saying how to settle it", err)
	}
	f.EditRemotely(r.IDs[0], "As herald wrote it")
	r2, err := up.Update(t.Context(), r, prepared(t, pub, platformtest.Payload("undo", "As herald rewrote it")))
	if err != nil {
		t.Fatalf("update after the edit was undone: %v", err)
	}
	if got := f.Posts()[0]; got.Text != "As herald rewrote it" {
		t.Errorf("after the update the post holds %q", got.Text)
	}
	// The person retitles it, the file takes their title and changes the
	// text: nothing of theirs is lost.
	f.EditRemotely(r2.IDs[0], "A better title")
	in := platformtest.Payload("undo", "As herald rewrote it, twice")
	in.Title = "A better title"
	if _, err := up.Update(t.Context(), r2, prepared(t, pub, in)); err != nil {
		t.Fatalf("update with the person's title brought into the file: %v", err)
	}
	if got := f.Posts()[0]; got.Text != "As herald rewrote it, twice" || got.Fields["title"] != "A better title" {
		t.Errorf("after the update the post holds %q titled %v", got.Text, got.Fields["title"])
	}
}

// A series whose posts share one title in wp-admin takes the slug and
// -2 to -12 before herald's post of the same name arrives, which
// WordPress then publishes as -13: Find must follow the slug family as
// far as WordPress took it, and still prove an attempt absent.
func TestFindBeyondTenSlugs(t *testing.T) {
	f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now})
	for range 12 {
		f.WriteInAdmin("Weekly roundup", "publish", wordpress.FakeEditorID, clock.Add(-30*24*time.Hour))
	}
	f.Seed(40, clock.Add(-time.Hour))
	pub := newAdapterWith(t, f, f.SiteURL(), f.Client(), nil)
	p := prepared(t, pub, platformtest.Payload("weekly-roundup", "Weekly roundup"))
	finder := pub.(platforms.Finder)
	if r, err := finder.Find(t.Context(), p, platforms.Attempt{Key: "a1", Began: clock}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of an attempt that never landed = %+v, %v; want ErrNotFound", r, err)
	}
	r, err := pub.Publish(t.Context(), p, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(r.URLs[0], "/weekly-roundup-13/") {
		t.Fatalf("published at %s, want the slug weekly-roundup-13", r.URLs[0])
	}
	f.Seed(40, clock)
	got, err := finder.Find(t.Context(), p, platforms.Attempt{Key: "a1", Began: clock})
	if err != nil || got.IDs[0] != r.IDs[0] {
		t.Errorf("find of the post at weekly-roundup-13 = %+v, %v; want %v", got, err, r.IDs)
	}
}

// The fake lists posts as WordPress shows them to the user: every status
// but trash with status=any, other users' unpublished posts only to a
// user who may edit them (an Author may not), per_page at a time with
// X-WP-Total and X-WP-TotalPages.
func TestFakeListsAsTheUserMaySee(t *testing.T) {
	for _, author := range []bool{false, true} {
		f := wordpress.NewFake(t, wordpress.FakeOptions{Now: testEnv(t).Now, Author: author})
		f.Seed(12, clock) // two of each: own and Editor's published, Editor's draft and scheduled, Contributor's pending, own private
		get := func(query string) (int, http.Header, []map[string]any) {
			req, _ := http.NewRequest(http.MethodGet, f.URL()+"/posts?"+query, nil)
			req.SetBasicAuth(wordpress.FakeUser, wordpress.FakeAppPassword)
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out []map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, resp.Header, out
		}
		_, h, published := get("")
		if len(published) != 4 || h.Get("X-WP-Total") != "4" {
			t.Errorf("author %v: default listing has %d posts (X-WP-Total %s), want the 4 published", author, len(published), h.Get("X-WP-Total"))
		}
		want := 12
		if author {
			want = 6 // 4 published, and the user's own 2 private posts
		}
		_, h, _ = get("status=any&per_page=5")
		if h.Get("X-WP-Total") != strconv.Itoa(want) || h.Get("X-WP-TotalPages") != strconv.Itoa((want+4)/5) {
			t.Errorf("author %v: status=any gives X-WP-Total %s, X-WP-TotalPages %s; want %d posts", author, h.Get("X-WP-Total"), h.Get("X-WP-TotalPages"), want)
		}
		_, _, last := get("status=any&per_page=5&page=" + strconv.Itoa((want+4)/5))
		if len(last) != want-5*((want-1)/5) {
			t.Errorf("author %v: the last page has %d posts", author, len(last))
		}
		for _, p := range last {
			if p["status"] == "draft" && p["slug"] != "" {
				t.Errorf("a draft written in wp-admin has the slug %v, want none until it is published", p["slug"])
			}
		}
		if status, _, _ := get("status=any&per_page=5&page=9"); status != http.StatusBadRequest {
			t.Errorf("author %v: a page past the last answers %d, want 400 rest_post_invalid_page_number", author, status)
		}
	}
}
