package crashtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
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

// Account names in the rig's herald.yaml.
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
	remote string // the bare remote it pushes to
	home   string // HOME for herald and git: no user configuration leaks in
	env    []string
	rep    *reporter

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
	r.mustGit(r.dir, "init", "--quiet", "--initial-branch=main")
	r.mustGit(r.dir, "add", "--all")
	r.mustGit(r.dir, "commit", "--quiet", "--message", "herald for the crash tests")
	r.mustGit(r.dir, "remote", "add", "origin", r.remote)
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
// configuration, a fixed identity (the writer's).
func (r *rig) gitEnv() []string {
	return []string{"HOME=" + r.home, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Writer", "GIT_AUTHOR_EMAIL=writer@kill.example",
		"GIT_COMMITTER_NAME=Writer", "GIT_COMMITTER_EMAIL=writer@kill.example"}
}

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
		b.WriteString("---\n")
		b.WriteString(strings.Join(p.Parts, "\n\n---\n\n"))
		b.WriteString("\n")
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

// gitState is what git says of the working clone.
type gitState struct {
	fsck   error    // git fsck --full failed: a torn or missing file
	status error    // git status failed: a torn index
	dirty  []string // git status lines
	locks  []string // lock files git would refuse to take again
}

// herald's own files in the work tree: its state and the feed's files.
func heraldsOwn(path string) bool {
	return strings.HasPrefix(path, ".herald/") || strings.HasPrefix(path, "public/")
}

// tempLeftover is a temporary file herald writes beside a file and
// renames into place; a kill between the two leaves it, and herald's next
// write of that file replaces it.
func tempLeftover(line string) bool {
	return strings.HasPrefix(line, "?? ") && strings.HasSuffix(line, ".herald-tmp")
}

// inspect asks git about the working clone, reading only: fsck, status
// without its optional index refresh, and a look for lock files.
func (r *rig) inspect() gitState {
	var s gitState
	if _, err := r.git(r.dir, "fsck", "--full", "--no-progress"); err != nil {
		s.fsck = err
	}
	out, err := r.git(r.dir, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		s.status = err
	} else {
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if line != "" {
				s.dirty = append(s.dirty, line)
			}
		}
	}
	gitDir := filepath.Join(r.dir, ".git")
	filepath.WalkDir(gitDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".lock") {
			rel, _ := filepath.Rel(gitDir, p)
			s.locks = append(s.locks, ".git/"+filepath.ToSlash(rel))
		}
		return nil
	})
	return s
}

// statusPath is the path a git status --porcelain line names (the new
// one of a rename).
func statusPath(line string) string {
	p := line[3:]
	if _, after, ok := strings.Cut(p, " -> "); ok {
		p = after
	}
	return strings.Trim(p, `"`)
}

// findings counts what the harness saw, by kind, with a few examples each.
// A defect fails the test; a note is reported only.
type findings struct {
	mu    sync.Mutex
	kinds map[string]*finding
	order []string
}

type finding struct {
	defect   bool
	n        int
	examples []string
}

const maxExamples = 4

func (f *findings) add(defect bool, kind, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kinds == nil {
		f.kinds = map[string]*finding{}
	}
	k := f.kinds[kind]
	if k == nil {
		k = &finding{defect: defect}
		f.kinds[kind] = k
		f.order = append(f.order, kind)
	}
	k.n++
	if len(k.examples) < maxExamples {
		k.examples = append(k.examples, fmt.Sprintf(format, args...))
	}
}

func (f *findings) defect(kind, format string, args ...any) { f.add(true, kind, format, args...) }
func (f *findings) note(kind, format string, args ...any)   { f.add(false, kind, format, args...) }

func (f *findings) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k := f.kinds[kind]; k != nil {
		return k.n
	}
	return 0
}

// report logs every kind and fails t once per kind of defect.
func (f *findings) report(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, kind := range f.order {
		k := f.kinds[kind]
		msg := fmt.Sprintf("%s: %d", kind, k.n)
		for _, e := range k.examples {
			msg += "\n\t" + e
		}
		if k.n > len(k.examples) {
			msg += fmt.Sprintf("\n\t(and %d more)", k.n-len(k.examples))
		}
		if k.defect {
			t.Error(msg)
		} else {
			t.Log("note: " + msg)
		}
	}
}

// checkKilled checks the working clone after a kill: git must read it
// (fsck, status), and nothing outside herald's own files may have
// changed. What a kill can leave of herald's own unfinished write (its
// state and feed files, a lock file) is noted here, and must be gone
// once a later run settles (checkSettled).
func (r *rig) checkKilled(f *findings, what string) {
	s := r.inspect()
	if s.fsck != nil {
		f.defect("git fsck fails after a kill", "%s: %v", what, firstLines(s.fsck.Error(), 3))
	}
	if s.status != nil {
		f.defect("git status fails after a kill", "%s: %v", what, firstLines(s.status.Error(), 3))
	}
	var own []string
	for _, line := range s.dirty {
		switch {
		case tempLeftover(line):
			own = append(own, line)
		case heraldsOwn(statusPath(line)):
			own = append(own, line)
		default:
			f.defect("a kill changed files herald does not own", "%s: %s", what, line)
		}
	}
	if len(own) > 0 {
		f.note("a kill left herald's own files uncommitted", "%s: %s", what, strings.Join(own, "; "))
	}
	if len(s.locks) > 0 {
		f.note("a kill left a lock file", "%s: %s", what, strings.Join(s.locks, ", "))
	}
}

// checkSettled checks the working clone once herald says there is nothing
// to do: git reads it, its work tree is clean, no lock is left behind, and
// the remote has everything (the branch equals the remote's).
func (r *rig) checkSettled(f *findings, what string) { r.checkClean(f, "herald settled", what) }

// checkClean checks that the working clone is as herald leaves it when it
// stops in good order (when: how it stopped, for the report).
func (r *rig) checkClean(f *findings, when, what string) {
	s := r.inspect()
	if s.fsck != nil {
		f.defect("git fsck fails after "+when, "%s: %v", what, firstLines(s.fsck.Error(), 3))
	}
	if s.status != nil {
		f.defect("git status fails after "+when, "%s: %v", what, firstLines(s.status.Error(), 3))
	}
	for _, line := range s.dirty {
		if tempLeftover(line) {
			f.note("a temporary file left after "+when, "%s: %s", what, line)
			continue
		}
		f.defect("work tree not clean after "+when, "%s: %s", what, line)
	}
	for _, l := range s.locks {
		f.defect("lock file left after "+when+" (git refuses to run)", "%s: %s", what, l)
	}
	local, err1 := r.git(r.dir, "rev-parse", "--verify", "HEAD")
	remote, err2 := r.git(r.remote, "rev-parse", "--verify", "refs/heads/main")
	switch {
	case err1 != nil || err2 != nil:
		f.defect("cannot read the branch after "+when, "%s: %v %v", what, err1, err2)
	case local != remote:
		local, remote = strings.TrimSpace(local), strings.TrimSpace(remote)
		ahead, _ := r.git(r.dir, "log", "--format=%h %s", remote+".."+local)
		f.defect("state commits not pushed after "+when, "%s: HEAD %s, remote %s; not on the remote: %s", what, local[:8], remote[:8],
			strings.ReplaceAll(strings.TrimSpace(ahead), "\n", "; "))
	}
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// remoteState is a target's state as the remote has it.
type remoteState struct {
	Status    string   `json:"status"`
	IDs       []string `json:"ids"`
	LastError *struct {
		Message string `json:"message"`
		Kind    string `json:"kind"`
	} `json:"last_error"`
}

// cloneRemote clones the remote afresh, as the next CI run would see it.
func (r *rig) cloneRemote() string {
	r.t.Helper()
	dir := filepath.Join(r.t.TempDir(), "fresh")
	r.mustGit(filepath.Dir(dir), "clone", "--quiet", r.remote, dir)
	return dir
}

// readStates reads .herald/state of a clone: post -> target -> state.
func (r *rig) readStates(clone string) map[string]map[string]remoteState {
	r.t.Helper()
	out := map[string]map[string]remoteState{}
	for _, p := range r.posts {
		data, err := os.ReadFile(filepath.Join(clone, ".herald", "state", filepath.FromSlash(p.ID)+".json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			r.t.Fatal(err)
		}
		var rec struct {
			Targets map[string]remoteState `json:"targets"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			r.t.Fatalf("state of %s on the remote: %v", p.ID, err)
		}
		out[p.ID] = rec.Targets
	}
	return out
}

// feedEntries counts the entries of a JSON Feed file by ID; nil when the
// file is missing.
func feedEntries(t *testing.T, file string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(data, &feed); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := map[string]int{}
	for _, it := range feed.Items {
		out[it.ID]++
	}
	return out
}

func feedID(post string) string { return "tag:" + siteHost + ",2026:" + post }

// fakeOf returns the fake an account publishes to.
func (r *rig) fakeOf(acct string) *platformtest.Fake {
	switch acct {
	case acctMastodon:
		return r.masto.Fake
	case acctBluesky:
		return r.bsky.Fake
	case acctX:
		return r.xf.Fake
	}
	return nil
}

// published finds a post's thread on a fake by its parts' tokens: the IDs
// of the parts in order, or what is wrong with it. Duplicates and
// missing parts are counted in f.
func (r *rig) published(f *findings, p postSpec, acct string, posts []platformtest.Post) (ids []string, ok bool) {
	byToken := map[string][]platformtest.Post{}
	for _, q := range posts {
		for _, w := range strings.Fields(q.Text) {
			if strings.HasPrefix(w, "kt-") {
				byToken[w] = append(byToken[w], q)
			}
		}
	}
	ok = true
	var alts []string
	for i := range p.Parts {
		tok := token(p.ID, i, len(p.Parts))
		got := byToken[tok]
		switch {
		case len(got) == 0:
			if i == 0 {
				return nil, false // not there at all: the caller says lost
			}
			f.defect("thread cut short on the platform", "%s on %s: part %d of %d missing", p.ID, acct, i+1, len(p.Parts))
			return ids, false
		case len(got) > 1:
			var gids []string
			for _, g := range got {
				gids = append(gids, g.ID)
			}
			f.defect("duplicate", "%s on %s: part %d of %d posted %d times (%s)", p.ID, acct, i+1, len(p.Parts), len(got), strings.Join(gids, ", "))
			ok = false
		}
		q := got[0]
		if i > 0 && q.ReplyTo != ids[i-1] {
			f.defect("thread not one reply chain", "%s on %s: part %d replies to %q, not to part %d (%s)", p.ID, acct, i+1, q.ReplyTo, i, ids[i-1])
			ok = false
		}
		if i == 0 && q.ReplyTo != "" {
			f.defect("thread not one reply chain", "%s on %s: part 1 replies to %s", p.ID, acct, q.ReplyTo)
			ok = false
		}
		for _, m := range q.Media {
			alts = append(alts, m.Alt)
		}
		ids = append(ids, q.ID)
	}
	var want []string
	for _, m := range p.Media {
		want = append(want, m.Alt)
	}
	sort.Strings(alts)
	sort.Strings(want)
	if !slices.Equal(alts, want) {
		f.defect("media not attached as written", "%s on %s: images with alt %q, want %q", p.ID, acct, alts, want)
		ok = false
	}
	return ids, ok
}

// verify checks the end result of a run of herald against the rig's
// posts: each exists exactly once on each of its targets (a thread as one
// reply chain, its images attached), and the remote's state says
// published with the IDs the platforms gave. A target left unknown is a
// defect too: with these fakes every look-up can tell.
func (r *rig) verify(f *findings) {
	r.t.Helper()
	clone := r.cloneRemote()
	states := r.readStates(clone)
	feed := feedEntries(r.t, filepath.Join(clone, "public", "feed.json"))
	live := map[string][]platformtest.Post{}
	for _, acct := range []string{acctMastodon, acctBluesky, acctX} {
		live[acct] = r.fakeOf(acct).Posts()
	}
	for _, p := range r.posts {
		for _, acct := range p.Targets {
			st, recorded := states[p.ID][acct]
			var ids []string
			if acct == acctSite {
				switch n := feed[feedID(p.ID)]; {
				case n == 1:
					ids = []string{feedID(p.ID)}
				case n > 1:
					f.defect("duplicate", "%s on %s: %d feed entries", p.ID, acct, n)
					ids = []string{feedID(p.ID)}
				}
			} else {
				ids, _ = r.published(f, p, acct, live[acct])
			}
			switch {
			case recorded && st.Status == "unknown":
				msg := ""
				if st.LastError != nil {
					msg = st.LastError.Message
				}
				f.defect("unknown", "%s on %s: %s", p.ID, acct, msg)
			case len(ids) == 0:
				status := "no state"
				if recorded {
					status = st.Status
					if st.LastError != nil {
						status += ": " + st.LastError.Message
					}
				}
				f.defect("lost", "%s on %s: not on the platform (remote state: %s)", p.ID, acct, status)
			case !recorded:
				f.defect("published but not recorded on the remote", "%s on %s: ids %v, no state", p.ID, acct, ids)
			case st.Status != "published":
				f.defect("published but not recorded on the remote", "%s on %s: ids %v, remote state %s", p.ID, acct, ids, st.Status)
			case !slices.Equal(st.IDs, ids):
				f.defect("remote state names other IDs than the platform has", "%s on %s: state %v, platform %v", p.ID, acct, st.IDs, ids)
			}
		}
	}
	r.checkFakes(f)
}

// checkFakes reports the contract violations the fakes saw, but a request
// whose body could not be read: the harness killed its sender mid-send.
func (r *rig) checkFakes(f *findings) {
	for _, e := range r.rep.errors() {
		if strings.Contains(e, "read body:") {
			f.note("a killed request reached a fake", "%s", e)
			continue
		}
		f.defect("a fake saw a request that breaks its platform's contract", "%s", e)
	}
}

// reporter collects the fakes' contract violations, which can come from
// their server goroutines while the harness is busy, for verify to
// report.
type reporter struct {
	t    *testing.T
	mu   sync.Mutex
	errs []string
}

func (r *reporter) Helper()                        {}
func (r *reporter) Fatalf(format string, a ...any) { r.t.Fatalf(format, a...) }
func (r *reporter) Cleanup(fn func())              { r.t.Cleanup(fn) }

func (r *reporter) Errorf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func (r *reporter) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}
