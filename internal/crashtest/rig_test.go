package crashtest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/x"
)

// The herald binary, built once for the package's tests.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	heraldBin string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// herald returns the path of a herald binary built from this module, as a
// user would build it (no race detector, no coverage): the child runs at
// the speed the kills are timed for.
func herald(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildErr = statSources(); buildErr != nil {
			return
		}
		buildDir, buildErr = os.MkdirTemp("", "herald-crashtest-")
		if buildErr != nil {
			return
		}
		heraldBin = filepath.Join(buildDir, "herald")
		// go test puts its own go first in PATH.
		out, err := exec.Command("go", "build", "-o", heraldBin, "github.com/heraldhq/herald/cmd/herald").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build herald: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return heraldBin
}

// statSources stats every file of the module that goes into the binary.
// The test imports none of the packages it kills (state, reconcile), so
// go test's cache would otherwise keep a result after they changed; it
// reruns a test when a file the test opened or statted changed.
func statSources() error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("find the module's root: %w", err)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") {
			return nil
		}
		_, err = os.Stat(p)
		return err
	})
}

// Account names in the rig's herald.yaml.
// seedMastodon is how many statuses the Mastodon account holds before the
// first run: more than one look-up reads.
const seedMastodon = mastodon.FindPageSize*mastodon.FindMaxPages + 100

const (
	acctMastodon = "mastodon"
	acctBluesky  = "bluesky"
	acctX        = "x"
	acctSite     = "site"
)

// siteHost is the feed's site: entry IDs are tag:siteHost,2026:<post>.
const siteHost = "kill.example"

// rig is one content repository with a bare remote, and the fakes its
// accounts point at, all on this machine.
type rig struct {
	t      *testing.T
	dir    string // the working clone herald runs in
	remote string // the bare remote's directory
	// remoteURL is where herald pushes: the bare remote served over
	// HTTP from the test process, as a forge serves it, so that killing
	// herald's process group never kills the server's side of a push
	// (go-git's file transport would run git-receive-pack in the group,
	// and a kill would leave the remote itself locked).
	remoteURL string
	home      string // HOME for herald and git: no user configuration leaks in
	env       []string
	rep       *reporter

	masto *mastodon.Fake
	bsky  *bluesky.Fake
	xf    *x.Fake

	posts []postSpec
	// seeded are the Mastodon statuses the account had before herald ran.
	seeded int
	// images counts the images written, so that each differs.
	images int
	// paced is set once batches waited for the Mastodon account's
	// statuses to age.
	paced bool
}

// rigOptions change the rig's servers.
type rigOptions struct {
	// mastodonDelay delays every request to Mastodon, as a busy instance
	// answers, so that calls are in flight when a signal comes.
	mastodonDelay time.Duration
}

// newRig starts the fakes (on the real clock: herald runs without
// HERALD_NOW, as in production), writes herald.yaml pointing at them, and
// makes the repository and its remote with the configuration committed
// and pushed.
func newRig(t *testing.T, opts rigOptions) *rig {
	t.Helper()
	root := t.TempDir()
	r := &rig{t: t, dir: filepath.Join(root, "site"), remote: filepath.Join(root, "remote.git"),
		home: filepath.Join(root, "home"), rep: &reporter{t: t}}
	for _, d := range []string{r.dir, r.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now
	r.masto = mastodon.NewFake(r.rep, mastodon.FakeOptions{Now: now})
	// A busy account: more statuses than a look-up's pages, all from the
	// hour before the run, so that every look-up must stop at its
	// attempt's beginning to prove an attempt absent.
	r.masto.Seed(seedMastodon, time.Now().Add(-time.Hour))
	r.bsky = bluesky.NewFake(r.rep, bluesky.FakeOptions{Now: now})
	r.xf = x.NewFake(r.rep, x.FakeOptions{Now: now})
	mastoURL := r.masto.URL()
	if opts.mastodonDelay > 0 {
		mastoURL = slowProxy(t, mastoURL, opts.mastodonDelay)
	}
	config := fmt.Sprintf(`# The accounts of the crash tests: contract fakes on 127.0.0.1.
content: posts
timezone: UTC
require_alt: true
accounts:
  %s:
    base_url: %s
    token_env: MASTODON_TOKEN
  %s:
    handle: herald.test
    password_env: BLUESKY_APP_PASSWORD
    base_url: %s
    appview_url: %s
  %s:
    base_url: %s
    client_id_env: X_CLIENT_ID
    access_token_env: X_ACCESS_TOKEN
    refresh_token_env: X_REFRESH_TOKEN
  %s:
    platform: feed
    json: public/feed.json
    atom: public/feed.atom
    title: Crash test site
    site_url: https://%s
    max_entries: 100000
`, acctMastodon, mastoURL, acctBluesky, r.bsky.URL(), r.bsky.AppViewURL(), acctX, r.xf.URL(), acctSite, siteHost)
	r.write("herald.yaml", []byte(config))
	r.write("posts/.gitkeep", nil)
	r.env = []string{
		"HOME=" + r.home,
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + os.TempDir(),
		"MASTODON_TOKEN=" + mastodon.FakeToken,
		"BLUESKY_APP_PASSWORD=fake-app-pass-word",
		"X_CLIENT_ID=herald-client",
		"X_ACCESS_TOKEN=" + r.xf.AccessToken(),
		"X_REFRESH_TOKEN=" + r.xf.RefreshToken(),
	}
	r.mustGit(root, "init", "--quiet", "--bare", "--initial-branch=main", r.remote)
	r.mustGit(r.remote, "config", "http.receivepack", "true")
	r.remoteURL = gitHTTP(t, root, r.home) + "/" + filepath.Base(r.remote)
	r.mustGit(r.dir, "init", "--quiet", "--initial-branch=main")
	r.mustGit(r.dir, "add", "--all")
	r.mustGit(r.dir, "commit", "--quiet", "--message", "herald for the crash tests")
	r.mustGit(r.dir, "remote", "add", "origin", r.remoteURL)
	r.mustGit(r.dir, "push", "--quiet", "--set-upstream", "origin", "main")
	return r
}

// slowProxy serves target's API on another 127.0.0.1 port, each request
// answered delay late, and returns the base URL that reaches target's API
// through it.
func slowProxy(t *testing.T, target string, delay time.Duration) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	base := *u
	base.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(&base)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	return srv + u.Path
}

// gitHTTP serves the bare repositories in root over git's smart HTTP
// protocol (git http-backend as CGI) on 127.0.0.1 and returns its URL.
func gitHTTP(t *testing.T, root, home string) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	// A request whose client was killed can leave git http-backend
	// waiting for input for good, and httptest's Close then waits for it:
	// timeout ends it, with its own children (it signals its process
	// group), as a forge's request timeout would.
	timeout, err := exec.LookPath("timeout")
	if err != nil {
		t.Fatal(err)
	}
	return newServer(t, &cgi.Handler{
		Path:   timeout,
		Args:   []string{"-k", "5", "60", git, "http-backend"},
		Dir:    root,
		Env:    append([]string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + home}, noAutoGC...),
		Stderr: io.Discard,
	})
}

// newServer starts h on 127.0.0.1 until the test ends and returns its URL.
func newServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// seedMastodon gives the account n statuses of its own from before the
// run, as an account that posts from other apps has: more than Find reads
// in its pages. All but recent of them are older than the look-up's clock
// margin before the run began; recent are within it.
func (r *rig) seedMastodon(n, recent int) {
	start := time.Now()
	old := n - recent
	for i := range old {
		// From three hours to eleven minutes before the run, oldest first.
		at := start.Add(-3 * time.Hour).Add(time.Duration(i) * (3*time.Hour - 11*time.Minute) / time.Duration(old))
		r.masto.Store.Add(platformtest.Post{Text: fmt.Sprintf("Status %d of the account's other app.", i+1), CreatedAt: at,
			Fields: map[string]any{"visibility": "public", "spoiler_text": ""}})
	}
	for i := range recent {
		at := start.Add(-9 * time.Minute).Add(time.Duration(i) * 8 * time.Minute / time.Duration(recent))
		r.masto.Store.Add(platformtest.Post{Text: fmt.Sprintf("Recent status %d of the account's other app.", i+1), CreatedAt: at,
			Fields: map[string]any{"visibility": "public", "spoiler_text": ""}})
	}
	r.seeded = n
}

// write writes a file of the working clone.
func (r *rig) write(rel string, data []byte) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// gitEnv is the environment of every git command: no system or user
// configuration, a fixed identity (the writer's), and no automatic gc.
// herald (go-git) never collects garbage; git's own "gc --auto", which
// the test's commands would start in the background once enough loose
// objects pile up, holds .git/gc.log.lock while it runs, and the checks
// would take git's lock for one herald left.
func (r *rig) gitEnv() []string {
	return append([]string{"HOME=" + r.home, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Writer", "GIT_AUTHOR_EMAIL=writer@kill.example",
		"GIT_COMMITTER_NAME=Writer", "GIT_COMMITTER_EMAIL=writer@kill.example"}, noAutoGC...)
}

// noAutoGC turns off git's automatic gc, in the client (gc.auto) and in
// the server's receive-pack (receive.autogc).
var noAutoGC = []string{"GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=gc.auto", "GIT_CONFIG_VALUE_0=0",
	"GIT_CONFIG_KEY_1=receive.autogc", "GIT_CONFIG_VALUE_1=false"}

// git runs the git binary in dir and returns its stdout, and an error
// with its stderr when it fails.
func (r *rig) git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = r.gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func (r *rig) mustGit(dir string, args ...string) string {
	r.t.Helper()
	out, err := r.git(dir, args...)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// postSpec is a post the rig wrote: what each target must end up with.
type postSpec struct {
	ID      string
	Title   string
	Targets []string
	// Parts are the thread's parts; each begins with its own token, a
	// word found in no other part of any post, by which the fakes' posts
	// are told apart.
	Parts []string
	Media []mediaSpec
	// Series, when set, makes the post recurring: Parts is then the text
	// of the one occurrence due, the one that must be published.
	Series *seriesSpec
}

// seriesSpec is a recurring post's series: daily from Start, with Texts
// taking turns (the body first), of which occurrence Due alone is due
// (within max_lateness), the earlier ones passed over.
type seriesSpec struct {
	Start time.Time
	Texts []string
	Due   int
}

// key is the post's target key in state on acct: the account, or for a
// recurring post the occurrence due ("x#3", as reconcile.OccurrenceKey).
func (p postSpec) key(acct string) string {
	if p.Series == nil || p.Series.Due <= 1 {
		return acct
	}
	return fmt.Sprintf("%s#%d", acct, p.Series.Due)
}

// newSeries makes a daily recurring post with three texts whose first
// occurrence was two days and a minute ago: its third occurrence is due,
// a minute ago, and goes alone; the first two are passed over. Each text
// begins with its own token, so that an occurrence published that was
// not due is found too.
func newSeries(id, title string, targets []string) postSpec {
	p := postSpec{ID: id, Title: title, Targets: targets,
		Series: &seriesSpec{Start: time.Now().UTC().Truncate(time.Second).Add(-48*time.Hour - time.Minute), Due: 3}}
	for i := range 3 {
		p.Series.Texts = append(p.Series.Texts, fmt.Sprintf("%s Occurrence text %d of %s: a recurring post the crash tests publish once per occurrence.",
			p.Series.token(id, i), i+1, title))
	}
	p.Parts = []string{p.Series.Texts[p.Series.Due-1]}
	return p
}

// token is the word text i (from 0) of the series begins with: the due
// occurrence's is its post's part token, by which published finds it.
func (sr *seriesSpec) token(id string, i int) string {
	if i+1 == sr.Due {
		return token(id, 0, 1)
	}
	return fmt.Sprintf("kt-%s-occurrence%d", id, i+1)
}

type mediaSpec struct {
	File string // relative to the post, under posts/
	Alt  string
}

// token is the word that begins part i (from 0) of post id.
func token(id string, i, n int) string { return fmt.Sprintf("kt-%s-%dof%d", id, i+1, n) }

// newPost makes a post whose parts say what they are.
func newPost(id, title string, targets []string, parts int, images int) postSpec {
	p := postSpec{ID: id, Title: title, Targets: targets}
	for i := range parts {
		p.Parts = append(p.Parts, fmt.Sprintf("%s Part %d of %d of %s: a post the crash tests publish and then look for on every target.",
			token(id, i, parts), i+1, parts, title))
	}
	for i := range images {
		p.Media = append(p.Media, mediaSpec{File: fmt.Sprintf("images/%s-%d.png", id, i+1),
			Alt: fmt.Sprintf("Image %d of %s, a square in one colour", i+1, id)})
	}
	return p
}

// add writes posts (and their images) into the working clone and commits
// them as a writer would, with the git binary, without pushing: herald's
// apply --push pushes them with its state. It fails when git refuses the
// repository.
func (r *rig) add(message string, posts ...postSpec) error {
	r.t.Helper()
	var paths []string
	for _, p := range posts {
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: %s\nto: [%s]\n", p.Title, strings.Join(p.Targets, ", "))
		if len(p.Media) > 0 {
			b.WriteString("media:\n")
			for _, m := range p.Media {
				fmt.Fprintf(&b, "  - file: %s\n    alt: %s\n", m.File, m.Alt)
				r.images++
				r.write("posts/"+m.File, pngOf(r.images))
				paths = append(paths, "posts/"+m.File)
			}
		}
		if sr := p.Series; sr != nil {
			fmt.Fprintf(&b, "publish_at: %s\nrepeat:\n  every: 1d\n  texts:\n", sr.Start.Format(time.RFC3339))
			for _, text := range sr.Texts[1:] {
				fmt.Fprintf(&b, "    - %q\n", text)
			}
			b.WriteString("---\n" + sr.Texts[0] + "\n")
		} else {
			b.WriteString("---\n")
			b.WriteString(strings.Join(p.Parts, "\n\n---\n\n"))
			b.WriteString("\n")
		}
		r.write("posts/"+p.ID+".md", []byte(b.String()))
		paths = append(paths, "posts/"+p.ID+".md")
	}
	if _, err := r.git(r.dir, append([]string{"add", "--"}, paths...)...); err != nil {
		return err
	}
	if _, err := r.git(r.dir, append([]string{"commit", "--quiet", "--message", message, "--only", "--"}, paths...)...); err != nil {
		return err
	}
	r.posts = append(r.posts, posts...)
	return nil
}

// pngOf is a small PNG image of a colour picked by n.
func pngOf(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	c := color.RGBA{uint8(40 + n*37%200), uint8(60 + n*53%180), uint8(80 + n*71%160), 255}
	for y := range 12 {
		for x := range 16 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// runResult is how one herald process ended.
type runResult struct {
	args     []string
	killed   bool // ended by the harness's SIGKILL
	signaled syscall.Signal
	code     int // exit status; -1 when ended by a signal
	took     time.Duration
	stdout   string
	stderr   string
}

// failureLine is the line of the run's output that says best what went
// wrong, for reports: herald's own error line ("herald apply: ..."), else
// the first that mentions an error, a failure or an unknown outcome.
func (res runResult) failureLine() string {
	out := res.stderr + "\n" + res.stdout
	for _, line := range strings.Split(res.stderr, "\n") {
		if len(res.args) > 0 && strings.HasPrefix(line, "herald "+res.args[0]+": ") {
			return strings.TrimSpace(line)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "error") || strings.Contains(l, "fail") || strings.Contains(l, "unknown") {
			return strings.TrimSpace(line)
		}
	}
	return lastLines(out, 1)
}

// hungAfter ends a run that was not to be killed but never ended.
const hungAfter = 3 * time.Minute

// start starts herald in the working clone in its own process group.
func (r *rig) start(dir string, stdout, stderr *bytes.Buffer, args ...string) *exec.Cmd {
	r.t.Helper()
	cmd := exec.Command(herald(r.t), args...)
	cmd.Dir = dir
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start herald: %v", err)
	}
	return cmd
}

// run runs herald with args in dir. With killAfter > 0, its process
// group gets SIGKILL that long after the start, unless it ended before.
func (r *rig) run(dir string, killAfter time.Duration, args ...string) runResult {
	r.t.Helper()
	var stdout, stderr bytes.Buffer
	begin := time.Now()
	cmd := r.start(dir, &stdout, &stderr, args...)
	pgid := cmd.Process.Pid
	done := make(chan struct{})
	// fired says which signal the harness sent: SIGKILL for a kill, 0 for
	// a run that hung, -1 for none.
	fired := make(chan syscall.Signal, 1)
	go func() {
		limit := time.NewTimer(hungAfter)
		defer limit.Stop()
		var kill <-chan time.Time
		if killAfter > 0 {
			tm := time.NewTimer(killAfter)
			defer tm.Stop()
			kill = tm.C
		}
		select {
		case <-done:
			fired <- -1
		case <-kill:
			syscall.Kill(-pgid, syscall.SIGKILL)
			fired <- syscall.SIGKILL
		case <-limit.C:
			syscall.Kill(-pgid, syscall.SIGKILL)
			fired <- 0
		}
	}()
	err := cmd.Wait()
	took := time.Since(begin)
	close(done)
	sent := <-fired
	res := runResult{args: args, took: took, stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.signaled = ws.Signal()
	}
	if sent == 0 {
		r.t.Fatalf("herald %s did not end in %s; output:\n%s\n%s", strings.Join(args, " "), hungAfter, res.stdout, res.stderr)
	}
	res.killed = sent == syscall.SIGKILL && res.signaled == syscall.SIGKILL
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		r.t.Fatalf("herald %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// apply runs herald apply --push in the working clone.
func (r *rig) apply(killAfter time.Duration) runResult {
	r.t.Helper()
	return r.run(r.dir, killAfter, "apply", "--push")
}

// settled reports whether the working clone has nothing left to do:
// herald plan --detailed-exitcode exits 0.
func (r *rig) settled() (bool, runResult) {
	r.t.Helper()
	res := r.run(r.dir, 0, "plan", "--detailed-exitcode")
	return res.code == 0, res
}
