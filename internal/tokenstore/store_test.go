package tokenstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

var t0 = time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)

// secretToken is a token whose every secret is easy to look for.
func secretToken(expiry time.Time) *platforms.Token {
	return &platforms.Token{
		AccessToken: "ACCESS-plaintext-4f1c", RefreshToken: "REFRESH-plaintext-9a2e",
		Expiry: expiry, RefreshExpiry: expiry.Add(90 * 24 * time.Hour), Scope: "tweet.write offline.access",
		Extra: map[string]string{"user_id": "1234"},
	}
}

func newKey(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func envWith(id *age.X25519Identity) func(string) string {
	return func(k string) string {
		if k == KeyEnv && id != nil {
			return id.String()
		}
		return ""
	}
}

// rig is a store over a temporary work tree, staging in a MemStore and
// logging into a buffer.
type rig struct {
	dir   string
	root  *os.Root
	mem   *state.MemStore
	logs  *bytes.Buffer
	store *Store
}

func newRig(t *testing.T, id *age.X25519Identity) *rig {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	mem, err := state.NewMemStore()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &rig{dir: dir, root: root, mem: mem, logs: logs,
		store: New(Options{Root: root, Stage: mem, Getenv: envWith(id), Logger: log})}
}

// noPlaintext fails when any of the token's secrets, or the key, shows in
// the text.
func noPlaintext(t *testing.T, what, text string, id *age.X25519Identity) {
	t.Helper()
	for _, s := range []string{"ACCESS-plaintext", "REFRESH-plaintext"} {
		if strings.Contains(text, s) {
			t.Errorf("%s holds %q:\n%s", what, s, text)
		}
	}
	if id != nil && strings.Contains(text, id.String()) {
		t.Errorf("%s holds the key", what)
	}
}

func TestSaveLoad(t *testing.T) {
	id := newKey(t)
	r := newRig(t, id)
	ctx := t.Context()
	want := secretToken(t0.Add(2 * time.Hour))
	if err := r.store.Save(ctx, "linkedin:company", want); err != nil {
		t.Fatal(err)
	}
	p := ".herald/tokens/linkedin%3Acompany.age"
	if got := Path("linkedin:company"); got != p {
		t.Errorf("Path = %q, want %q", got, p)
	}

	t.Run("round trip", func(t *testing.T) {
		got, err := r.store.Load(ctx, "linkedin:company")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Load (-want +got):\n%s", diff)
		}
	})
	t.Run("file is private and encrypted", func(t *testing.T) {
		info, err := os.Stat(filepath.Join(r.dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", info.Mode().Perm())
		}
		data, _ := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(p)))
		if !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) {
			t.Errorf("file is not an age file: %q", data[:min(len(data), 30)])
		}
		noPlaintext(t, "the token file", string(data), id)
		if _, err := os.Stat(filepath.Join(r.dir, filepath.FromSlash(p+".herald-tmp"))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temporary file left behind: %v", err)
		}
	})
	t.Run("no plaintext anywhere on disk or in logs", func(t *testing.T) {
		err := filepath.WalkDir(r.dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			noPlaintext(t, path, string(data), id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		noPlaintext(t, "the log", r.logs.String(), id)
		if !strings.Contains(r.logs.String(), "token saved") {
			t.Errorf("log does not say the token was saved:\n%s", r.logs)
		}
	})
	t.Run("staged for the results commit, not the intent commit", func(t *testing.T) {
		if _, err := r.mem.Commit(ctx, state.CommitInfo{Summary: "intents", Time: t0, RecordsOnly: true}); !errors.Is(err, state.ErrNoChanges) {
			t.Fatalf("intent commit: err = %v, want ErrNoChanges (the token stays staged)", err)
		}
		if _, err := r.mem.Commit(ctx, state.CommitInfo{Summary: "results", Time: t0}); err != nil {
			t.Fatal(err)
		}
		commits := r.mem.Commits()
		if len(commits) != 1 {
			t.Fatalf("got %d commits, want 1", len(commits))
		}
		onDisk, _ := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(p)))
		if !bytes.Equal(commits[0].Files[p], onDisk) {
			t.Errorf("committed token differs from the work tree's")
		}
	})
}

func TestWithoutKey(t *testing.T) {
	ctx := t.Context()
	r := newRig(t, nil)
	t.Run("load falls back", func(t *testing.T) {
		if _, err := r.store.Load(ctx, "x"); !errors.Is(err, platforms.ErrNoToken) {
			t.Errorf("Load: err = %v, want ErrNoToken", err)
		}
	})
	t.Run("save refuses", func(t *testing.T) {
		err := r.store.Save(ctx, "x", secretToken(t0))
		if !errors.Is(err, ErrNoKey) {
			t.Fatalf("Save: err = %v, want ErrNoKey", err)
		}
		if !strings.Contains(err.Error(), "HERALD_AGE_KEY") {
			t.Errorf("error does not name HERALD_AGE_KEY: %v", err)
		}
		noPlaintext(t, "the error", err.Error(), nil)
		if _, err := os.Stat(filepath.Join(r.dir, ".herald")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Save without a key wrote something: %v", err)
		}
	})
}

func TestBadKeys(t *testing.T) {
	ctx := t.Context()
	owner := newKey(t)
	r := newRig(t, owner)
	if err := r.store.Save(ctx, "x", secretToken(t0)); err != nil {
		t.Fatal(err)
	}
	other := newKey(t)
	malformed := "AGE-SECRET-KEY-1NOTAKEYATALLQQQQQ"
	tests := []struct {
		name   string
		getenv func(string) string
		secret string // must not appear in the error
		want   []string
	}{
		{name: "another identity", getenv: envWith(other), secret: other.String(),
			want: []string{"load token of x", Path("x"), "HERALD_AGE_KEY cannot decrypt it"}},
		{name: "not a key", getenv: func(string) string { return malformed }, secret: malformed,
			want: []string{"load token of x", "HERALD_AGE_KEY does not hold an age identity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{Root: r.root, Getenv: tt.getenv})
			_, err := s.Load(ctx, "x")
			if err == nil || errors.Is(err, platforms.ErrNoToken) {
				t.Fatalf("Load: err = %v, want an error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error quotes the key: %v", err)
			}
			noPlaintext(t, "the error", err.Error(), owner)
		})
	}
}

func TestRecipients(t *testing.T) {
	ctx := t.Context()
	ci, teammate, outsider := newKey(t), newKey(t), newKey(t)
	r := newRig(t, ci)
	if err := os.MkdirAll(filepath.Join(r.dir, ".herald", "tokens"), 0o755); err != nil {
		t.Fatal(err)
	}
	list := "# people who may decrypt the tokens\n\n" + teammate.Recipient().String() + "\n"
	if err := os.WriteFile(filepath.Join(r.dir, ".herald", "tokens", "recipients"), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	want := secretToken(t0)
	if err := r.store.Save(ctx, "x", want); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		id   *age.X25519Identity
		ok   bool
	}{
		{"the key in HERALD_AGE_KEY", ci, true},
		{"a recipient in the file", teammate, true},
		{"anyone else", outsider, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(Options{Root: r.root, Getenv: envWith(tt.id)}).Load(ctx, "x")
			if !tt.ok {
				if err == nil {
					t.Fatal("Load succeeded with a key the token was not encrypted to")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	id := newKey(t)
	enc := func(tok *platforms.Token) []byte {
		t.Helper()
		data, err := encrypt(tok, []age.Recipient{id.Recipient()})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	older, newer := enc(secretToken(t0)), enc(secretToken(t0.Add(time.Hour)))
	garbage := []byte("not age")
	tests := []struct {
		name         string
		ours, theirs []byte
		want         []byte
	}{
		{name: "theirs newer wins", ours: older, theirs: newer, want: newer},
		{name: "ours newer wins", ours: newer, theirs: older, want: newer},
		{name: "same expiry: ours", ours: older, theirs: enc(secretToken(t0)), want: older},
		{name: "theirs unreadable: ours", ours: older, theirs: garbage, want: older},
		{name: "theirs removed: ours", ours: older, theirs: nil, want: older},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Merge(id)(nil, tt.ours, tt.theirs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Merge chose the wrong side")
			}
		})
	}
}

// TestRacingRuns has two runs refresh one account's token and push: the
// second push is replayed on the first's commit, and the token that
// expires later is the one the remote keeps.
func TestRacingRuns(t *testing.T) {
	ctx := t.Context()
	id := newKey(t)
	remote := gittest.Bare(t, t.TempDir(), "content")
	gittest.Seed(t, remote, nil, map[string]string{"herald.yaml": "timezone: UTC\n"})
	run := func(dir string, tok *platforms.Token) *state.GitStore {
		t.Helper()
		gs, err := state.OpenGit(state.GitOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { root.Close() })
		s := New(Options{Root: root, Stage: gs, Getenv: envWith(id)})
		if err := s.Save(ctx, "x", tok); err != nil {
			t.Fatal(err)
		}
		if _, err := gs.Commit(ctx, state.CommitInfo{Summary: "record results", Time: t0}); err != nil {
			t.Fatal(err)
		}
		return gs
	}
	a, b := gittest.Clone(t, remote, nil), gittest.Clone(t, remote, nil)
	newer := secretToken(t0.Add(3 * time.Hour))
	newer.AccessToken = "ACCESS-plaintext-newer"
	ga := run(a, newer)
	gb := run(b, secretToken(t0.Add(time.Hour)))
	if err := ga.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if err := gb.Push(ctx); err != nil {
		t.Fatalf("second push: %v", err)
	}
	fresh := gittest.Clone(t, remote, nil)
	root, err := os.OpenRoot(fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got, err := New(Options{Root: root, Getenv: envWith(id)}).Load(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "ACCESS-plaintext-newer" {
		t.Errorf("remote kept the token expiring %v, want the newer one", got.Expiry)
	}
}

func TestList(t *testing.T) {
	ctx := t.Context()
	id := newKey(t)
	r := newRig(t, id)
	for _, acct := range []string{"x", "linkedin:company"} {
		if err := r.store.Save(ctx, acct, secretToken(t0)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{
		{Account: "linkedin:company", File: Path("linkedin:company"), Expiry: t0, RefreshExpiry: t0.Add(90 * 24 * time.Hour), HasRefresh: true},
		{Account: "x", File: Path("x"), Expiry: t0, RefreshExpiry: t0.Add(90 * 24 * time.Hour), HasRefresh: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if _, err := New(Options{Root: r.root, Getenv: envWith(nil)}).List(ctx); !errors.Is(err, ErrNoKey) {
		t.Errorf("List without a key: err = %v, want ErrNoKey", err)
	}
}

func TestPathNames(t *testing.T) {
	for _, acct := range []string{"x", "linkedin:company", "bluesky:team/eu", ".hidden", "ünï", "a%b"} {
		t.Run(acct, func(t *testing.T) {
			name := strings.TrimPrefix(Path(acct), Dir+"/")
			if strings.ContainsAny(name, ":/\\") || strings.HasPrefix(name, ".") {
				t.Errorf("Path(%q) = %q, not a plain file name", acct, name)
			}
			back, ok := accountOf(name)
			if !ok || back != acct {
				t.Errorf("accountOf(%q) = %q, %v; want %q", name, back, ok, acct)
			}
		})
	}
}

func TestUnkept(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	u := &Unkept{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	for range 2 {
		if err := u.Save(ctx, "x", secretToken(t0)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := u.Load(ctx, "x")
	if err != nil || got.AccessToken != "ACCESS-plaintext-4f1c" {
		t.Fatalf("Load = %v, %v; want the saved token", got, err)
	}
	if n := strings.Count(logs.String(), "token not kept"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, logs.String())
	}
	noPlaintext(t, "the log", logs.String(), nil)
}
