// Package action tests install.sh, the script with which action.yml
// downloads a herald release instead of building one, against a local
// server laid out like GitHub's releases.
package action

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// token is the GITHUB_TOKEN every run gets; it must reach the API only,
// and never the output.
const token = "ghs_test0token0never0printed"

// release is one release the fake serves.
type release struct {
	tag        string
	prerelease bool
	// archives maps an asset name to the herald it holds: a shell script
	// that prints "herald TAG".
	archives []string
	// badSum lists archives whose line in the checksums file is wrong.
	badSum []string
	// unlisted lists archives the checksums file leaves out.
	unlisted []string
}

// releaseServer is GitHub as install.sh sees it: the releases API under
// /api and release downloads under /OWNER/NAME/releases/download/TAG/.
type releaseServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "GET /path auth=yes|no"
	files    map[string][]byte
	failAPI  bool
}

func newReleaseServer(t *testing.T, releases []release) *releaseServer {
	t.Helper()
	s := &releaseServer{files: map[string][]byte{}}
	type apiRelease struct {
		TagName    string `json:"tag_name"`
		Draft      bool   `json:"draft"`
		Prerelease bool   `json:"prerelease"`
		Assets     []struct {
			Name string `json:"name"`
			URL  string `json:"browser_download_url"`
		} `json:"assets"`
	}
	var list []apiRelease
	for _, r := range releases {
		base := "/heraldhq/herald/releases/download/" + r.tag + "/"
		version := strings.TrimPrefix(r.tag, "v")
		sums := "herald_" + version + "_checksums.txt"
		var lines []string
		ar := apiRelease{TagName: r.tag, Prerelease: r.prerelease}
		for _, name := range r.archives {
			data := tarGz(t, "herald", fmt.Sprintf("#!/bin/sh\necho herald %s\n", r.tag))
			s.files[base+name] = data
			sum := sha256.Sum256(data)
			if slices.Contains(r.badSum, name) {
				sum = sha256.Sum256(append(data, 'x'))
			}
			if !slices.Contains(r.unlisted, name) {
				lines = append(lines, hex.EncodeToString(sum[:])+"  "+name)
			}
			ar.Assets = append(ar.Assets, struct {
				Name string `json:"name"`
				URL  string `json:"browser_download_url"`
			}{name, base + name})
		}
		s.files[base+sums] = []byte(strings.Join(lines, "\n") + "\n")
		list = append(list, ar)
	}
	// GitHub pretty-prints nothing; neither does the fake.
	apiJSON, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := "no"
		if r.Header.Get("Authorization") == "Bearer "+token {
			auth = "yes"
		}
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI()+" auth="+auth)
		failAPI := s.failAPI
		s.mu.Unlock()
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/api/repos/heraldhq/herald/releases" {
			if failAPI {
				http.Error(w, `{"message":"API rate limit exceeded"}`, http.StatusForbidden)
				return
			}
			if r.URL.Query().Get("per_page") != "100" {
				http.Error(w, "want per_page=100", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(apiJSON)
			return
		}
		data, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *releaseServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.requests
	s.requests = nil
	return out
}

// tarGz returns a .tar.gz holding one executable file.
func tarGz(t *testing.T, name, data string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runner is one runner's directories: its temp, tool cache and outputs.
type runner struct {
	temp, cache string
}

func newRunner(t *testing.T) runner {
	d := t.TempDir()
	r := runner{temp: filepath.Join(d, "temp"), cache: filepath.Join(d, "toolcache")}
	for _, p := range []string{r.temp, r.cache} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// result is what one run of install.sh left.
type result struct {
	err     error
	stdout  string
	stderr  string
	outputs map[string]string
}

// install runs install.sh as action.yml does, for ref, on runner r, with
// the API and downloads at srv. env adds or replaces variables.
func (r runner) install(t *testing.T, srv string, ref string, env ...string) result {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	out := filepath.Join(r.temp, "github_output")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "install.sh")
	cmd.Env = append(os.Environ(),
		"HERALD_REF="+ref,
		"HERALD_REPOSITORY=heraldhq/herald",
		"GITHUB_ACTION_PATH=/home/runner/work/_actions/heraldhq/herald/"+ref,
		"GITHUB_API_URL="+srv+"/api",
		"GITHUB_SERVER_URL="+srv,
		"GITHUB_TOKEN="+token,
		"GITHUB_OUTPUT="+out,
		"RUNNER_OS=Linux",
		"RUNNER_ARCH=X64",
		"RUNNER_TEMP="+r.temp,
		"RUNNER_TOOL_CACHE="+r.cache,
	)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := result{err: cmd.Run(), stdout: stdout.String(), stderr: stderr.String(), outputs: map[string]string{}}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		res.outputs[k] = v
	}
	for _, s := range []string{res.stdout, res.stderr, string(data)} {
		if strings.Contains(s, token) {
			t.Errorf("install.sh printed the token:\n%s", s)
		}
	}
	return res
}

// herald runs the installed herald and returns what it printed.
func (res result) herald(t *testing.T) string {
	t.Helper()
	bin := res.outputs["bin"]
	if bin == "" {
		t.Fatalf("no bin output: %v\nstdout: %s\nstderr: %s", res.outputs, res.stdout, res.stderr)
	}
	out, err := exec.Command(filepath.Join(bin, "herald")).CombinedOutput()
	if err != nil {
		t.Fatalf("running the installed herald: %v\n%s", err, out)
	}
	return string(out)
}

var linuxAMD64 = func(v string) string { return "herald_" + v + "_linux_amd64.tar.gz" }

func testReleases() []release {
	return []release{
		{tag: "v2.0.0", archives: []string{linuxAMD64("2.0.0")}},
		{tag: "v1.10.0-rc.1", prerelease: true, archives: []string{linuxAMD64("1.10.0-rc.1")}},
		{tag: "v1.9.0", archives: []string{linuxAMD64("1.9.0"), "herald_1.9.0_darwin_arm64.tar.gz"}},
		{tag: "v1.2.3", archives: []string{linuxAMD64("1.2.3")}},
		{tag: "v1.2.10", archives: []string{linuxAMD64("1.2.10")}},
		{tag: "v1.8.0", archives: []string{linuxAMD64("1.8.0")}, badSum: []string{linuxAMD64("1.8.0")}},
		{tag: "v1.7.0", archives: []string{linuxAMD64("1.7.0")}, unlisted: []string{linuxAMD64("1.7.0")}},
		{tag: "v0.9.0", archives: []string{linuxAMD64("0.9.0")}},
	}
}

func TestInstallResolvesTheRef(t *testing.T) {
	srv := newReleaseServer(t, testReleases())
	tests := []struct {
		ref     string
		want    string // what the installed herald prints
		version string
	}{
		// The newest stable v1 release: 1.9.0 beats 1.2.10 (numbers, not
		// strings) and the 1.10.0 release candidate is not stable.
		{"v1", "herald v1.9.0\n", "v1.9.0"},
		{"v1.2", "herald v1.2.10\n", "v1.2.10"},
		{"v2", "herald v2.0.0\n", "v2.0.0"},
		{"v1.2.3", "herald v1.2.3\n", "v1.2.3"},
		{"v1.10.0-rc.1", "herald v1.10.0-rc.1\n", "v1.10.0-rc.1"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			res := newRunner(t).install(t, srv.URL, tt.ref)
			if res.err != nil {
				t.Fatalf("install %s: %v\nstdout: %s\nstderr: %s", tt.ref, res.err, res.stdout, res.stderr)
			}
			if got := res.herald(t); got != tt.want {
				t.Errorf("installed herald prints %q, want %q", got, tt.want)
			}
			if res.outputs["version"] != tt.version || res.outputs["build"] != "" {
				t.Errorf("outputs = %v, want version=%s and no build", res.outputs, tt.version)
			}
			// The token goes to the API only, never to the downloads.
			for _, req := range srv.log() {
				if strings.Contains(req, "/api/") != strings.HasSuffix(req, "auth=yes") {
					t.Errorf("request %s: the token goes to the API and nowhere else", req)
				}
			}
		})
	}
}

func TestInstallUsesTheToolCache(t *testing.T) {
	srv := newReleaseServer(t, testReleases())
	r := newRunner(t)
	first := r.install(t, srv.URL, "v1.2.3")
	if first.err != nil {
		t.Fatalf("first install: %v\n%s", first.err, first.stderr)
	}
	wantDir := filepath.Join(r.cache, "herald", "1.2.3", "x64")
	if first.outputs["bin"] != wantDir {
		t.Errorf("bin = %q, want the tool cache's %q", first.outputs["bin"], wantDir)
	}
	if _, err := os.Stat(wantDir + ".complete"); err != nil {
		t.Errorf("no tool cache marker: %v", err)
	}
	if got := srv.log(); len(got) != 2 {
		t.Errorf("first install made %d requests, want the checksums and the archive: %q", len(got), got)
	}

	second := r.install(t, srv.URL, "v1.2.3")
	if second.err != nil {
		t.Fatalf("second install: %v\n%s", second.err, second.stderr)
	}
	if got := srv.log(); len(got) != 0 {
		t.Errorf("second install downloaded again: %q", got)
	}
	if got := second.herald(t); got != "herald v1.2.3\n" {
		t.Errorf("cached herald prints %q", got)
	}

	// A major ref still asks which release is newest, then uses the cache
	// for it.
	r.install(t, srv.URL, "v1")
	third := r.install(t, srv.URL, "v1")
	if third.err != nil {
		t.Fatalf("v1 install: %v\n%s", third.err, third.stderr)
	}
	if got := srv.log(); len(got) != 4 || !strings.Contains(got[3], "/api/repos/heraldhq/herald/releases?per_page=100") {
		t.Errorf("two v1 installs made requests %q, want the API, the checksums and the archive, then the API alone", got)
	}
}

func TestInstallRefusesWhatItCannotCheck(t *testing.T) {
	srv := newReleaseServer(t, testReleases())
	tests := []struct {
		ref, want string
	}{
		{"v1.8.0", "::error title=herald install::herald_1.8.0_linux_amd64.tar.gz of v1.8.0 has SHA-256 "},
		{"v1.7.0", "::error title=herald install::herald_1.7.0_checksums.txt of v1.7.0 does not list herald_1.7.0_linux_amd64.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r := newRunner(t)
			res := r.install(t, srv.URL, tt.ref)
			if res.err == nil {
				t.Fatalf("install %s succeeded, want a failed step\nstdout: %s\nstderr: %s", tt.ref, res.stdout, res.stderr)
			}
			if !strings.HasPrefix(res.stdout, tt.want) {
				t.Errorf("stdout = %q, want it to start %q", res.stdout, tt.want)
			}
			if len(res.outputs) != 0 {
				t.Errorf("outputs = %v, want none: neither a binary nor a build from source", res.outputs)
			}
			entries, _ := os.ReadDir(r.cache)
			if len(entries) != 0 {
				t.Errorf("the tool cache has %v, want nothing", entries)
			}
		})
	}
}

func TestInstallFallsBackToSource(t *testing.T) {
	srv := newReleaseServer(t, testReleases())
	tests := []struct {
		name, ref string
		env       []string
		failAPI   bool
		requests  int
		say       string
	}{
		{name: "branch", ref: "main", say: "main is not a release"},
		{name: "commit", ref: "4298cd2b0e5f7a1c9d2e3f4a5b6c7d8e9f0a1b2c", say: "is not a release"},
		{name: "no release under the major", ref: "v3", requests: 1, say: "heraldhq/herald has no release under v3"},
		{name: "API refuses", ref: "v1", failAPI: true, requests: 1, say: "the releases of heraldhq/herald could not be listed"},
		{name: "no archive for the runner", ref: "v1.2.3", env: []string{"RUNNER_OS=macOS", "RUNNER_ARCH=ARM64"}, requests: 2,
			say: "v1.2.3 has no herald_1.2.3_darwin_arm64.tar.gz"},
		{name: "unknown architecture", ref: "v1.2.3", env: []string{"RUNNER_ARCH=ARM"}, say: "no release archive for the runner architecture ARM"},
		// The ref comes from the action's path when github.action_ref is
		// empty, as it can be in a composite action.
		{name: "ref from the action path", ref: "", env: []string{"GITHUB_ACTION_PATH=/runner/_actions/heraldhq/herald/main"}, say: "main is not a release"},
		{name: "ref from a Windows action path", ref: "", env: []string{`GITHUB_ACTION_PATH=D:\a\_actions\heraldhq\herald\main`}, say: "main is not a release"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.mu.Lock()
			srv.failAPI = tt.failAPI
			srv.mu.Unlock()
			res := newRunner(t).install(t, srv.URL, tt.ref, tt.env...)
			if res.err != nil {
				t.Fatalf("install %s: %v\nstdout: %s\nstderr: %s", tt.ref, res.err, res.stdout, res.stderr)
			}
			if res.outputs["build"] != "true" || res.outputs["bin"] != "" {
				t.Errorf("outputs = %v, want build=true alone", res.outputs)
			}
			if !strings.Contains(res.stderr, tt.say) || !strings.Contains(res.stderr, "building herald from the action's source") {
				t.Errorf("stderr = %q, want it to say %q and that herald is built from source", res.stderr, tt.say)
			}
			if got := srv.log(); len(got) != tt.requests {
				t.Errorf("requests %q, want %d", got, tt.requests)
			}
		})
	}
}

// TestInstallFromGoreleaser installs the archives .goreleaser.yaml made,
// when .ci/run points HERALD_RELEASE_DIST at goreleaser's dist directory
// after a snapshot build: the script and the release agree on names and
// checksums, and the installed herald reports the version, commit and
// date stamped into it.
func TestInstallFromGoreleaser(t *testing.T) {
	dist := os.Getenv("HERALD_RELEASE_DIST")
	if dist == "" {
		t.Skip("HERALD_RELEASE_DIST is not set: .ci/run sets it after goreleaser's snapshot build")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the snapshot is built for linux/amd64")
	}
	var meta struct {
		ProjectName string `json:"project_name"`
		Version     string `json:"version"`
		Commit      string `json:"commit"`
	}
	data, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	tag := "v" + meta.Version
	srv := httptest.NewServer(http.StripPrefix("/heraldhq/herald/releases/download/"+tag+"/", http.FileServer(http.Dir(dist))))
	defer srv.Close()
	res := newRunner(t).install(t, srv.URL, tag)
	if res.err != nil {
		t.Fatalf("install %s from %s: %v\nstdout: %s\nstderr: %s", tag, dist, res.err, res.stdout, res.stderr)
	}
	out, err := exec.Command(filepath.Join(res.outputs["bin"], "herald"), "version", "--json").Output()
	if err != nil {
		t.Fatalf("herald version --json: %v", err)
	}
	var v struct{ Version, Commit, Date, OS, Arch string }
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("herald version --json: %v\n%s", err, out)
	}
	if v.Version != tag || v.Commit != meta.Commit || v.OS != "linux" || v.Arch != "amd64" {
		t.Errorf("herald version --json = %+v, want version %s, commit %s, linux/amd64", v, tag, meta.Commit)
	}
	// goreleaser reads the commit only in a clone with a remote, as CI's
	// is; elsewhere it stamps "none".
	if meta.Commit == "none" && os.Getenv("CI") != "true" {
		t.Logf("goreleaser found no commit (a repository without a remote): not checking the stamped commit and date")
		return
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v.Commit) {
		t.Errorf("stamped commit %q, want the full hash", v.Commit)
	}
	if d, err := time.Parse(time.RFC3339, v.Date); err != nil || d.Year() < 2026 {
		t.Errorf("stamped date %q, want the commit's RFC 3339 date: %v", v.Date, err)
	}
}
