package main

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"

	"github.com/heraldhq/herald/internal/browsertest"
	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/internal/gittest"
)

var commentShot = flag.String("comment-screenshot", "", "keep the headless Chromium screenshot of the rendered plan comment in `file`")

// githubTags are the HTML elements GitHub keeps in a comment; the plan
// comment must use no other, or GitHub's sanitizer drops them.
var githubTags = map[string]bool{
	"a": true, "img": true, "table": true, "tr": true, "td": true, "br": true, "sub": true, "code": true,
	"b": true, "del": true, "ins": true, "blockquote": true, "details": true, "summary": true,
}

var htmlTag = regexp.MustCompile(`</?([a-zA-Z][a-zA-Z0-9]*)[\s>/]`)

// TestPlanCommentInChromium renders the comment for a pull request that
// adds a post with an image and edits a published one (Mastodon can edit
// it, Bluesky cannot) the way a forge renders Markdown (goldmark with
// GitHub's extensions, raw HTML kept), and opens it in headless
// Chromium: no console message, the image loads from the head commit's
// address, the lead, tables, folded previews and word-marked diff are
// there.
func TestPlanCommentInChromium(t *testing.T) {
	browser := browsertest.Chromium(t)
	dir := t.TempDir()
	if _, err := git.PlainInit(dir, false); err != nil {
		t.Fatal(err)
	}
	record := `{"version": 1, "post": "welcome-priya", "file": "posts/welcome-priya.md", "targets": {
  "bluesky": {"status": "published", "hash": "old", "ids": ["at://did:plc:x/app.bsky.feed.post/3k4g"], "urls": ["https://bsky.app/profile/acme.test/post/3k4g"], "updated_at": "2026-11-19T10:00:00Z"},
  "mastodon": {"status": "published", "hash": "old", "ids": ["1"], "urls": ["https://social.example/@acme/1"], "updated_at": "2026-11-19T10:00:00Z"}}}`
	gittest.CommitFiles(t, dir, "base", map[string]string{
		"herald.yaml": "timezone: America/New_York\naccounts:\n  bluesky:\n    base_url: https://pds.example\n    handle: acme.test\n    password_env: BLUESKY_APP_PASSWORD\n" +
			"  mastodon:\n    base_url: https://social.example\n    token_env: MASTODON_TOKEN\n  x:\n    client_id_env: X_CLIENT_ID\n    access_token_env: X_ACCESS_TOKEN\n    refresh_token_env: X_REFRESH_TOKEN\n",
		"posts/welcome-priya.md":           "---\ntitle: Welcome, Priya\nto: [bluesky, mastodon]\n---\nPriya joins the delivery team on Tuesday, from the Lisbon office. Say hello!\n",
		".herald/state/welcome-priya.json": record,
	})
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName("main"), head.Hash())); err != nil {
		t.Fatal(err)
	}
	gittest.CommitFiles(t, dir, "webinar, and Priya starts on Wednesday", map[string]string{
		"posts/webinar.md": "---\ntitle: Webinar\npublish_at: 2026-12-08 12:00\nto: [bluesky, mastodon, x]\nmedia:\n  - file: images/dashboard.png\n    alt: \"The new dashboard: three bar charts of delivery latency, p50, p95 and p99\"\n---\n" +
			"Join our webinar on delivery latency: what we measured, and the new dashboard that shows it. https://sluice.example.com/webinar\n",
		"posts/images/dashboard.png": string(dashboardPNG(t)),
		"posts/welcome-priya.md":     "---\ntitle: Welcome, Priya\nto: [bluesky, mastodon]\n---\nPriya joins the delivery team on Wednesday, from the Lisbon office. Say hello!\n",
	})

	// The forge's web host: a file at a commit, raw with ?raw=true.
	forge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 5) // acme/content/blob/SHA/path
		if len(parts) != 5 || parts[2] != "blob" || r.URL.Query().Get("raw") != "true" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, filepath.FromSlash(parts[4])))
	}))
	defer forge.Close()
	gh := ghub.NewFake(t, "acme", "content")
	env := map[string]string{
		"HERALD_NOW": "2026-12-01T14:00:00Z", "GITHUB_TOKEN": ghub.FakeToken, "GITHUB_API_URL": gh.URL(),
		"GITHUB_REPOSITORY": "acme/content", "GITHUB_SERVER_URL": forge.URL, "GITHUB_SHA": "5eed000000000000000000000000000000000001",
	}
	var out bytes.Buffer
	if code := run(t.Context(), []string{"plan", "--repo", dir, "--comment", "--pr", "7", "--base", "main"}, strings.NewReader(""), &out, &out, fakeEnv(env)); code != 0 {
		t.Fatalf("plan --comment: exit %d\n%s", code, out.String())
	}
	comments := gh.Comments(7)
	if len(comments) != 1 {
		t.Fatalf("%d comments", len(comments))
	}
	body := comments[0].Body
	for _, m := range htmlTag.FindAllStringSubmatch(body, -1) {
		if !githubTags[strings.ToLower(m[1])] {
			t.Errorf("the comment uses <%s>, which GitHub's sanitizer removes", m[1])
		}
	}

	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))
	var rendered bytes.Buffer
	if err := md.Convert([]byte(body), &rendered); err != nil {
		t.Fatal(err)
	}
	pageDir := t.TempDir()
	page := filepath.Join(pageDir, "comment.html")
	write(t, page, []byte(forgePage(rendered.String())))
	dom, images, broken, console := loadInChromium(t, browser, page)
	if len(console) > 0 {
		t.Errorf("console messages: %q", console)
	}
	if images != 1 || broken != "" {
		t.Errorf("%d images, broken: %q", images, broken)
	}
	for _, want := range []string{
		"<strong>Adds</strong>", "<strong>Edits</strong>",
		"<h4>adds <a href=", "<table>", "<th>Target</th>",
		"not sent: Bluesky cannot edit; the live post stays",
		"<del>Tuesday</del><ins>Wednesday</ins>",
		"<details><summary>Preview: bluesky",
		"publishes Tue 8 Dec 2026 12:00 EST",
		"Alt: The new dashboard: three bar charts of delivery latency, p50, p95 and p99",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered comment lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("comment:\n%s", body)
		return
	}
	if *commentShot != "" {
		// Unfolded, as a reviewer reads it after a click.
		open := filepath.Join(pageDir, "open.html")
		write(t, open, []byte(strings.ReplaceAll(forgePage(rendered.String()), "<details>", "<details open>")))
		img, console := browser.Screenshot(t, open, "--virtual-time-budget=5000", "--window-size=900,2600")
		if len(console) > 0 {
			t.Errorf("console messages: %q", console)
		}
		browsertest.SavePNG(t, *commentShot, cropBlank(img))
	}
}

// forgePage wraps rendered Markdown in a page styled like a forge's
// comment: its fonts, tables, quotes and folded sections.
func forgePage(body string) string {
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>herald plan comment</title><style>
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; background: #fff; margin: 0; }
.comment { max-width: 860px; margin: 16px auto; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment .head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; color: #59636e; }
.comment .body { padding: 16px; }
h3, h4 { margin: 16px 0 8px; } h3 { font-size: 1.25em; } h4 { font-size: 1em; }
a { color: #0969da; text-decoration: none; }
code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; } pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d1d9e0; padding: 6px 13px; vertical-align: top; }
tr:nth-child(2n) { background: #f6f8fa; }
blockquote { margin: 0 0 16px; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
del { background: #ffebe9; color: #82071e; } ins { background: #dafbe1; color: #116329; text-decoration: none; }
details { margin: 8px 0; } summary { cursor: pointer; }
sub { font-size: 85%; color: #59636e; }
</style></head><body><div class="comment"><div class="head"><b>github-actions</b> bot commented</div><div class="body">
` + body + `
</div></div></body></html>
`
}

// cropBlank cuts the blank rows under the page's content.
func cropBlank(img image.Image) image.Image {
	b := img.Bounds()
	last := b.Min.Y
	for y := b.Min.Y; y < b.Max.Y; y++ {
		if browsertest.Share(img, image.Rect(b.Min.X, y, b.Max.X, y+1), browsertest.NotWhite) > 0 {
			last = y
		}
	}
	r := image.Rect(b.Min.X, b.Min.Y, b.Max.X, min(b.Max.Y, last+16))
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return sub.SubImage(r)
	}
	return img
}

// dashboardPNG is a small picture of three bar charts, for the post's
// image.
func dashboardPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 240, 140))
	for y := range 140 {
		for x := range 240 {
			img.Set(x, y, color.RGBA{246, 248, 250, 255})
		}
	}
	bars := [][]int{{40, 70, 55, 90}, {60, 95, 80, 110}, {80, 115, 100, 125}}
	colors := []color.RGBA{{9, 105, 218, 255}, {26, 127, 55, 255}, {207, 34, 46, 255}}
	for c, chart := range bars {
		for i, h := range chart {
			x0 := 10 + c*78 + i*16
			for y := 130 - h; y < 130; y++ {
				for x := x0; x < x0+12; x++ {
					img.Set(x, y, colors[c])
				}
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
