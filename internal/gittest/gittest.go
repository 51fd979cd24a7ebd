// Package gittest gives tests git remotes on the local machine: bare
// repositories made with go-git, served as they are (a path), over smart
// HTTP by the real git-http-backend behind basic auth, or over SSH by the
// real git-upload-pack and git-receive-pack behind a public key. Nothing
// leaves 127.0.0.1.
package gittest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gliderssh "github.com/gliderlabs/ssh"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// GitCore is where git's server programs live on Debian and Ubuntu.
const GitCore = "/usr/lib/git-core"

// Author signs the commits the helpers make.
var Author = object.Signature{Name: "Writer", Email: "writer@example.com",
	When: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}

// Bare creates an empty bare repository named name.git under root, with
// main as its default branch and pushes over HTTP allowed, and returns its
// path.
func Bare(t testing.TB, root, name string) string {
	t.Helper()
	dir := filepath.Join(root, name+".git")
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		Bare:        true,
		InitOptions: git.InitOptions{DefaultBranch: plumbing.Main},
	})
	if err != nil {
		t.Fatalf("init bare repository: %v", err)
	}
	cfg, err := repo.Config()
	if err != nil {
		t.Fatalf("read config: %v", err)
	}
	cfg.Raw.Section("http").SetOption("receivepack", "true")
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return dir
}

// Seed pushes a first commit with files (path -> content) to the branch
// main of the remote at url.
func Seed(t testing.TB, url string, auth transport.AuthMethod, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.Main},
	})
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}}); err != nil {
		t.Fatalf("create remote: %v", err)
	}
	CommitFiles(t, dir, "seed", files)
	if err := repo.Push(&git.PushOptions{RemoteName: "origin", Auth: auth}); err != nil {
		t.Fatalf("seed push: %v", err)
	}
}

// Clone clones the branch main of url into a new directory.
func Clone(t testing.TB, url string, auth transport.AuthMethod) string {
	t.Helper()
	dir := t.TempDir()
	_, err := git.PlainClone(dir, false, &git.CloneOptions{
		URL: url, Auth: auth, ReferenceName: plumbing.NewBranchReferenceName("main"), SingleBranch: true,
	})
	if err != nil {
		t.Fatalf("clone %s: %v", url, err)
	}
	return dir
}

// CommitFiles writes files in the work tree at dir and commits them the
// way a person would, and returns the commit.
func CommitFiles(t testing.TB, dir, msg string, files map[string]string) plumbing.Hash {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatalf("worktree: %v", err)
	}
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			t.Fatalf("add %s: %v", p, err)
		}
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &Author})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return h
}

// HTTP serves the bare repositories under root with git-http-backend on
// 127.0.0.1, and returns the server's base URL. Every request must carry
// basic auth with the user x-access-token and the password token, as
// GitHub takes a GITHUB_TOKEN.
func HTTP(t testing.TB, root, token string) string {
	t.Helper()
	backend := filepath.Join(GitCore, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("git-http-backend not installed: %v", err)
	}
	home := t.TempDir()
	cgiHandler := &cgi.Handler{
		Path: backend,
		Root: "/",
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"HOME=" + home,
			"GIT_CONFIG_NOSYSTEM=1",
		},
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "x-access-token" || subtle.ConstantTimeCompare([]byte(pass), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		cgiHandler.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// SSHServer is a git SSH server on 127.0.0.1 for one client key.
type SSHServer struct {
	// Addr is host:port.
	Addr string
	// ClientKeyPEM is the private key the server accepts, in PEM.
	ClientKeyPEM []byte
	// KnownHosts is a known_hosts file holding the server's host key.
	KnownHosts string
}

// URL returns the ssh:// URL of a repository path under the served root.
func (s *SSHServer) URL(name string) string {
	return "ssh://git@" + s.Addr + "/" + name
}

// SSH serves the bare repositories under root over SSH, running the real
// git-upload-pack and git-receive-pack for each session.
func SSH(t testing.TB, root string) *SSHServer {
	t.Helper()
	for _, p := range []string{"git-upload-pack", "git-receive-pack"} {
		if _, err := os.Stat(filepath.Join(GitCore, p)); err != nil {
			t.Skipf("%s not installed: %v", p, err)
		}
	}
	hostPub, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := gossh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	clientPub, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := gossh.NewPublicKey(clientPub)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &gliderssh.Server{
		Handler: func(s gliderssh.Session) { serveGit(s, root) },
		PublicKeyHandler: func(_ gliderssh.Context, key gliderssh.PublicKey) bool {
			return gliderssh.KeysEqual(key, allowed)
		},
	}
	srv.AddHostKey(hostSigner)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	hostKey, err := gossh.NewPublicKey(hostPub)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	kh := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostKey) + "\n"
	if err := os.WriteFile(kh, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return &SSHServer{Addr: addr, ClientKeyPEM: pem.EncodeToMemory(block), KnownHosts: kh}
}

// serveGit runs the git program a client asked for on the repository it
// named, confined to root.
func serveGit(s gliderssh.Session, root string) {
	fail := func(format string, args ...any) {
		fmt.Fprintf(s.Stderr(), format+"\n", args...)
		_ = s.Exit(128)
	}
	prog, arg, ok := strings.Cut(s.RawCommand(), " ")
	if !ok || (prog != "git-upload-pack" && prog != "git-receive-pack") {
		fail("unsupported command %q", s.RawCommand())
		return
	}
	repo := filepath.Clean("/" + strings.Trim(arg, `'"`))
	cmd := exec.CommandContext(s.Context(), filepath.Join(GitCore, prog), filepath.Join(root, repo))
	cmd.Env = []string{"HOME=" + root, "GIT_CONFIG_NOSYSTEM=1"}
	cmd.Stdin = s
	cmd.Stdout = s
	cmd.Stderr = s.Stderr()
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			_ = s.Exit(exit.ExitCode())
			return
		}
		fail("%s: %v", prog, err)
		return
	}
	_ = s.Exit(0)
}
