package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	"gopkg.in/yaml.v3"

	"github.com/heraldhq/herald/examples"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/ghost"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/threads"
	"github.com/heraldhq/herald/platforms/wordpress"
	"github.com/heraldhq/herald/platforms/x"
	"github.com/heraldhq/herald/platforms/youtube"
	"github.com/heraldhq/herald/state"
)

// demoTime is when the demo runs, as far as herald can tell: a morning on
// which the example has posts due, one just late, others scheduled.
const demoTime = "2026-12-01T15:00:00Z"

// demoCommand is "herald demo".
func demoCommand() *command {
	return &command{
		name:    "demo",
		args:    "[flags]",
		summary: "publish the example to local fakes of each platform, end to end",
		help: `Copies the bundled example (examples/quickstart) into a temporary git
repository with a local bare remote, starts a contract fake of each
platform on 127.0.0.1, and runs validate, plan, apply (with push: one post
goes to the blog's feed first and is announced on Mastodon and Bluesky
with the entry's URL), a second apply (nothing to do) and status against
them; then readers engage with
the posts and sync reads the metrics back (with push). Last, it lists the
state commits on the remote. No credentials and no network: the fakes check
every request as the real APIs would.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var keep bool
			var at string
			fs.BoolVar(&keep, "keep", false, "keep the temporary repository and print where it is")
			fs.StringVar(&at, "now", demoTime, "the RFC 3339 `time` the demo runs at")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("demo takes no arguments, got %q", args[0])
				}
				now, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usagef("--now: want an RFC 3339 time, got %q", at)
				}
				return runDemo(ctx, e, now, keep)
			}
		},
	}
}

func runDemo(ctx context.Context, e *env, now time.Time, keep bool) error {
	work, err := os.MkdirTemp("", "herald-demo-")
	if err != nil {
		return err
	}
	if keep {
		defer fmt.Fprintf(e.stdout, "\nThe demo repository is kept at %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	site, remote := filepath.Join(work, "site"), filepath.Join(work, "remote.git")
	if err := copyFS(site, examples.Quickstart, "quickstart"); err != nil {
		return fmt.Errorf("copy the example: %w", err)
	}

	// The platforms: contract fakes on 127.0.0.1, with the demo's clock.
	reporter := &platformtest.LogReporter{Logger: e.log}
	defer reporter.Close()
	clock := func() time.Time { return now }
	const blueskyPassword, mastodonToken = "demo-app-password", "demo-mastodon-token"
	bsky := bluesky.NewFake(reporter, bluesky.FakeOptions{Handle: "sluice.example.com", Password: blueskyPassword, Now: clock, VideoPolls: -1,
		Handles: map[string]string{"priyanair.bsky.social": "did:plc:priyanairdemo0000000000a"}})
	masto := mastodon.NewFake(reporter, mastodon.FakeOptions{Token: mastodonToken, MaxChars: 500, Username: "sluice", Now: clock})
	xf := x.NewFake(reporter, x.FakeOptions{Username: "sluicehq", Now: clock})
	li := linkedin.NewFake(reporter, linkedin.FakeOptions{Author: "urn:li:organization:81234567", Now: clock})
	// Threads fetches images from a public URL, as Meta's crawler does:
	// the demo serves the repository's files on 127.0.0.1 for it.
	files := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer files.Close()
	th := threads.NewFake(reporter, threads.FakeOptions{Username: "sluicehq", Now: clock, Fetch: fetch})
	fb := facebook.NewFake(reporter, facebook.FakeOptions{PageID: "104000000000001", PageName: "Sluice", Now: clock, Fetch: fetch})
	yt := youtube.NewFake(reporter, youtube.FakeOptions{Now: clock})
	settings := map[string]map[string]string{
		"bluesky":  {"base_url": bsky.URL(), "appview_url": bsky.AppViewURL(), "video_service": bsky.VideoServiceURL()},
		"mastodon": {"base_url": masto.URL()},
		"x":        {"base_url": xf.URL()},
		"linkedin": {"base_url": li.URL(), "token_url": li.TokenURL()},
		"threads":  {"base_url": th.APIURL(), "auth_base_url": th.AuthURL(), "media_base_url": files.URL + "/"},
		"facebook": {"base_url": fb.APIURL(), "media_base_url": files.URL + "/"},
		"youtube":  {"base_url": yt.URL(), "token_url": yt.TokenURL()},
	}
	secrets := map[string]string{
		"BLUESKY_APP_PASSWORD":  blueskyPassword,
		"MASTODON_TOKEN":        mastodonToken,
		"X_CLIENT_ID":           "herald-client",
		"X_ACCESS_TOKEN":        xf.AccessToken(),
		"X_REFRESH_TOKEN":       xf.RefreshToken(),
		"LINKEDIN_ACCESS_TOKEN": li.AccessToken(),
		"THREADS_ACCESS_TOKEN":  th.AccessToken(),
		"FACEBOOK_PAGE_TOKEN":   fb.PageToken(),
		"YOUTUBE_ACCESS_TOKEN":  yt.AccessToken(),
		"YOUTUBE_REFRESH_TOKEN": yt.RefreshToken(),
		"YOUTUBE_CLIENT_ID":     "herald-client",
		"YOUTUBE_CLIENT_SECRET": "herald-client-secret",
		"HERALD_NOW":            now.Format(time.RFC3339),
	}
	blogs, blogSecrets, err := blogFakes(filepath.Join(site, "herald.yaml"), reporter, clock)
	if err != nil {
		return fmt.Errorf("start the blogs' fakes: %w", err)
	}
	maps.Copy(settings, blogs)
	maps.Copy(secrets, blogSecrets)
	if err := pointAccounts(filepath.Join(site, "herald.yaml"), settings); err != nil {
		return fmt.Errorf("point the example at the fakes: %w", err)
	}
	if err := initDemoRepo(site, remote, now); err != nil {
		return fmt.Errorf("make the demo repository: %w", err)
	}
	fmt.Fprintf(e.stdout, "herald demo: the example in a git repository with a local remote, %d platforms faked on 127.0.0.1, at %s\n",
		len(settings), now.Format(time.RFC3339))

	// The steps, each as a person would type it, run by this same herald
	// with the demo's environment only: no real credential is ever read.
	getenv := func(k string) string { return secrets[k] }
	steps := [][]string{
		{"validate"},
		{"plan"},
		{"apply", "--push"},
		{"apply", "--push"},
		{"status"},
	}
	runStep := func(step []string) error {
		// Logs at warn: the steps' own output says what happened.
		args := append(append([]string{"--log-level", "warn"}, step...), "--repo", site)
		fmt.Fprintf(e.stdout, "\n$ herald %s\n", strings.Join(step, " "))
		var errOut bytes.Buffer
		code := run(ctx, args, nil, e.stdout, &errOut, getenv)
		io.Copy(e.stdout, &errOut)
		if code != 0 {
			return fmt.Errorf("herald %s exited %d", strings.Join(step, " "), code)
		}
		return nil
	}
	for i, step := range steps {
		if err := runStep(step); err != nil {
			return err
		}
		if i == 2 {
			showAnnouncements(e.stdout, masto, bsky, "Why Sluice 2")
		}
	}
	// Readers engage with the posts (X, LinkedIn and Threads report their
	// fakes' own counts), then sync reads it all back into git.
	engage(masto, bsky)
	fmt.Fprintf(e.stdout, "\n(Readers like, repost and reply on Mastodon and Bluesky.)\n")
	if err := runStep([]string{"sync", "--push"}); err != nil {
		return err
	}
	if errs := reporter.Errors(); len(errs) > 0 {
		return fmt.Errorf("the fakes saw %d requests that break a platform's contract: %s", len(errs), errs[0])
	}
	return listCommits(e.stdout, remote)
}

// showAnnouncements prints the posts on the Mastodon and Bluesky fakes
// whose text starts with prefix: the announcements of the blog post,
// which hold the URL the blog's feed published, filled in by apply once
// the blog had it (Bluesky shows it shortened, with a link facet).
func showAnnouncements(w io.Writer, masto *mastodon.Fake, bsky *bluesky.Fake, prefix string) {
	fmt.Fprintf(w, "\n(The blog went first; the announcements were sent after it, with its URL:)\n")
	for _, f := range []struct {
		name  string
		posts []platformtest.Post
	}{{"mastodon", masto.Posts()}, {"bluesky", bsky.Posts()}} {
		for _, p := range sortedPosts(f.posts) {
			if strings.HasPrefix(p.Text, prefix) {
				fmt.Fprintf(w, "  %s: %q\n", f.name, p.Text)
			}
		}
	}
}

// blogFakes starts a contract fake for each account of the configuration
// file whose platform is Ghost or WordPress, and returns each one's
// settings (its base URL, and the user on WordPress) and the secrets the
// fakes accept, under the variable names the accounts give.
func blogFakes(file string, rep platformtest.Reporter, clock func() time.Time) (map[string]map[string]string, map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var cfg struct {
		Accounts map[string]map[string]any `yaml:"accounts"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, nil, err
	}
	settings, secrets := map[string]map[string]string{}, map[string]string{}
	for name, acct := range cfg.Accounts {
		platform, _ := acct["platform"].(string)
		if platform == "" {
			platform, _, _ = strings.Cut(name, ":")
		}
		switch platform {
		case ghost.Name:
			f := ghost.NewFake(rep, ghost.FakeOptions{Now: clock})
			settings[name] = map[string]string{"base_url": f.SiteURL()}
			if env, _ := acct["admin_key_env"].(string); env != "" {
				secrets[env] = f.Key()
			}
		case wordpress.Name:
			f := wordpress.NewFake(rep, wordpress.FakeOptions{Now: clock})
			settings[name] = map[string]string{"base_url": f.SiteURL(), "username": wordpress.FakeUser}
			if env, _ := acct["password_env"].(string); env != "" {
				secrets[env] = wordpress.FakeAppPassword
			}
		}
	}
	return settings, secrets, nil
}

// engage sets the counts the Mastodon and Bluesky fakes report for each
// of their posts, different for each post and the same on every run.
func engage(masto *mastodon.Fake, bsky *bluesky.Fake) {
	for i, p := range sortedPosts(masto.Posts()) {
		n := int64(i)
		masto.SetCounts(p.ID, mastodon.Counts{Favourites: 12 + 3*n, Reblogs: 3 + n, Replies: 1 + n%3, Quotes: n % 2})
	}
	for i, p := range sortedPosts(bsky.Posts()) {
		n := int64(i)
		bsky.Engage(p.ID, bluesky.Counts{Likes: 40 + 5*n, Reposts: 6 + n, Replies: 2 + n%4, Quotes: 1 + n%2})
	}
}

// sortedPosts orders a fake's posts by text, so that counts do not depend
// on the order concurrent publishes landed in (which sets their IDs).
func sortedPosts(posts []platformtest.Post) []platformtest.Post {
	slices.SortFunc(posts, func(a, b platformtest.Post) int { return strings.Compare(a.Text, b.Text) })
	return posts
}

// fetch gets a media URL the way a platform's crawler would, for the
// fakes that take media by URL.
func fetch(rawURL string) ([]byte, string, error) {
	resp, err := http.Get(rawURL)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetch %s: %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	return data, resp.Header.Get("Content-Type"), err
}

// copyFS copies the tree under dir in fsys to target.
func copyFS(target string, fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		out := filepath.Join(target, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
}

// pointAccounts sets each account's settings (its API base URLs) in the
// configuration file, keeping everything else as written.
func pointAccounts(file string, settings map[string]map[string]string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	accounts := mapValue(doc.Content[0], "accounts")
	if accounts == nil {
		return fmt.Errorf("%s has no accounts", file)
	}
	for name, values := range settings {
		acct := mapValue(accounts, name)
		if acct == nil {
			return fmt.Errorf("%s has no account %q", file, name)
		}
		for k, v := range values {
			if existing := mapValue(acct, k); existing != nil {
				existing.Value = v
				continue
			}
			acct.Content = append(acct.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// mapValue returns the value node of key in a YAML mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// initDemoRepo makes site a git repository with everything committed, as
// a team's content repository is, with remote as its origin.
func initDemoRepo(site, remote string, now time.Time) error {
	if _, err := state.InitRepository(remote, true); err != nil {
		return err
	}
	repo, err := state.InitRepository(site, false)
	if err != nil {
		return err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if err := wt.AddGlob("."); err != nil {
		return err
	}
	sig := &object.Signature{Name: "Priya (writer)", Email: "priya@sluice.example.com", When: now.Add(-time.Hour)}
	if _, err := wt.Commit("Posts for the Sluice 2 launch", &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		return err
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{remote}}); err != nil {
		return err
	}
	return repo.Push(&git.PushOptions{RemoteName: "origin"})
}

// listCommits prints the remote's history: the writer's commit, then
// herald's state commits.
func listCommits(w io.Writer, remote string) error {
	repo, err := state.OpenRepository(remote)
	if err != nil {
		return err
	}
	head, err := repo.Head()
	if err != nil {
		return err
	}
	iter, err := repo.Log(&git.LogOptions{From: head.Hash()})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n$ git log origin (the remote's history, newest first)\n")
	return iter.ForEach(func(c *object.Commit) error {
		msg := strings.TrimSpace(c.Message)
		first, rest, _ := strings.Cut(msg, "\n")
		fmt.Fprintf(w, "%s %s (%s)\n", c.Hash.String()[:8], first, c.Author.Name)
		for _, line := range strings.Split(strings.TrimSpace(rest), "\n") {
			if line != "" {
				fmt.Fprintf(w, "         %s\n", line)
			}
		}
		return nil
	})
}
