package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/gittest"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// rigToken is the token the rig's git server takes, as GitHub takes a
// GITHUB_TOKEN.
const rigToken = "ghs_rigT0ken"

// errCrash is what a rig hook returns to stop a run where a crash would.
var errCrash = errors.New("crashed")

// rig is herald as GitHub Actions runs it, with faults: a content
// repository behind the real git-http-backend (through a proxy that can
// break one push), platforms shared by every run (the internet), and runs
// that each start from a fresh clone, as a workflow does from a fresh
// checkout.
type rig struct {
	t     *testing.T
	url   string
	bare  string
	proxy *gitProxy
	clock *clock
	posts []schema.Summary
	texts map[string]string   // post ID -> text
	parts map[string][]string // post ID -> thread parts, for threads
	fakes map[string]*fakePlatform
	// relays are second providers of a target, tried when its direct API
	// fails in a way that proves nothing was posted.
	relays map[string]*fakePlatform
	keys   atomic.Int64
}

// newRig seeds a remote and makes one platform per target, idempotent or
// not, each able to look attempts up. The remote is a local path, served
// by the real git-receive-pack; overHTTP serves it with git-http-backend
// behind a proxy that can break a push.
func newRig(t *testing.T, overHTTP, idempotent bool, targets ...string) *rig {
	t.Helper()
	root := t.TempDir()
	bare := gittest.Bare(t, root, "content")
	r := &rig{t: t, url: bare, bare: bare, clock: &clock{t: planNow},
		texts: map[string]string{}, parts: map[string][]string{}, fakes: map[string]*fakePlatform{}, relays: map[string]*fakePlatform{}}
	if overHTTP {
		backend, err := url.Parse(gittest.HTTP(t, root, rigToken))
		if err != nil {
			t.Fatal(err)
		}
		r.proxy = &gitProxy{backend: httputil.NewSingleHostReverseProxy(backend)}
		srv := httptest.NewServer(r.proxy)
		t.Cleanup(srv.Close)
		r.url = srv.URL + "/content.git"
	}
	gittest.Seed(t, r.url, r.gitAuth(), map[string]string{"README.md": "# content\n"})
	for _, name := range targets {
		r.fakes[name] = &fakePlatform{name: name, idempotent: idempotent, now: r.clock.Now}
	}
	return r
}

// gitAuth is how tests reach the remote; nil for a path.
func (r *rig) gitAuth() transport.AuthMethod {
	if r.proxy == nil {
		return nil
	}
	return &githttp.BasicAuth{Username: "x-access-token", Password: rigToken}
}

// addPost adds a post due now, on every target of the rig.
func (r *rig) addPost(id string) {
	var names []string
	for n := range r.fakes {
		names = append(names, n)
	}
	sort.Strings(names)
	text := "post " + id
	s := post(id, nil, names...)
	for i := range s.Targets {
		s.Targets[i].Hash = hashOf(text, s.Targets[i].Name)
	}
	r.posts = append(r.posts, s)
	r.texts[id] = text
}

// checkout is a fresh clone of the remote with a GitStore on it: the start
// of a run.
func (r *rig) checkout() *state.GitStore {
	r.t.Helper()
	dir := gittest.Clone(r.t, r.url, r.gitAuth())
	opts := state.GitOptions{Dir: dir, MaxPushAttempts: 10}
	if r.proxy != nil {
		opts.Auth = state.HTTPToken{Token: rigToken}
	}
	s, err := state.OpenGit(opts)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// plan plans from the store's records, as `herald apply` does.
func (r *rig) plan(s state.Store) *Plan {
	r.t.Helper()
	var records []*state.Record
	if err := s.Walk(context.Background(), func(rec *state.Record) error { records = append(records, rec); return nil }); err != nil {
		r.t.Fatal(err)
	}
	return MakePlan(PlanInput{Now: r.clock.Now(), Posts: r.posts, Records: records, Config: testConfig(), Caps: caps})
}

// process is one run's process: once it has crashed, it reaches no
// platform any more.
type process struct {
	dead atomic.Bool
}

// applier is the Applier of one run on s. hook, when set, is consulted at
// every step; an error it returns kills the process there.
func (r *rig) applier(s state.Store, proc *process, hook func(Step, *Action) error) *Applier {
	ap := &Applier{
		Store: s,
		Providers: func(target string) ([]platforms.Publisher, error) {
			f, ok := r.fakes[target]
			if !ok {
				return nil, fmt.Errorf("no account %q", target)
			}
			pubs := []platforms.Publisher{&procPublisher{fake: f, proc: proc}}
			if relay, ok := r.relays[target]; ok {
				pubs = append(pubs, &procPublisher{fake: relay, proc: proc})
			}
			return pubs, nil
		},
		Payload: func(ctx context.Context, a Action, _ map[string]string) (*platforms.Payload, error) {
			return payload(a, r.texts[a.Post], r.parts[a.Post]), nil
		},
		Now:    r.clock.Now,
		Sleep:  r.clock.Sleep,
		NewKey: func() string { return fmt.Sprintf("key-%d", r.keys.Add(1)) },
		Push:   true,
	}
	if hook != nil {
		ap.Hook = func(step Step, a *Action) error {
			err := hook(step, a)
			if err != nil {
				proc.dead.Store(true)
			}
			return err
		}
	}
	return ap
}

// run is one `herald apply` from a fresh checkout.
func (r *rig) run(hook func(Step, *Action) error, concurrency int) (*Result, error) {
	r.t.Helper()
	s := r.checkout()
	return r.apply(s, r.plan(s), hook, concurrency)
}

func (r *rig) apply(s state.Store, p *Plan, hook func(Step, *Action) error, concurrency int) (*Result, error) {
	ap := r.applier(s, &process{}, hook)
	ap.Concurrency = concurrency
	return ap.Apply(context.Background(), p)
}

// settle runs again until the plan has nothing left to do, and returns
// how many runs that took. Every run must succeed.
func (r *rig) settle(max int) int {
	r.t.Helper()
	for n := 0; ; n++ {
		s := r.checkout()
		p := r.plan(s)
		if p.Changes() == 0 {
			return n
		}
		if n == max {
			r.t.Fatalf("still something to do after %d runs: %+v", max, p.Actions)
		}
		res, err := r.apply(s, p, nil, 0)
		if err != nil {
			r.t.Fatalf("recovery run %d: %v", n+1, err)
		}
		if res.Failed() {
			r.t.Fatalf("recovery run %d failed: %v", n+1, outcomes(res))
		}
	}
}

// posted counts the posts on each target, by post ID.
func (r *rig) posted() map[string]int {
	got := map[string]int{}
	for _, fakes := range []map[string]*fakePlatform{r.fakes, r.relays} {
		for target, f := range fakes {
			for _, text := range f.texts() {
				got[strings.TrimPrefix(text, "post ")+"/"+target]++
			}
		}
	}
	return got
}

// total counts every post on every platform.
func (r *rig) total() int {
	n := 0
	for _, fakes := range []map[string]*fakePlatform{r.fakes, r.relays} {
		for _, f := range fakes {
			n += len(f.texts())
		}
	}
	return n
}

// assertExactlyOnce checks that every target of every post exists once on
// its platform, that the remote's state says published with that post's
// ID and key, and that a plan on it does nothing.
func (r *rig) assertExactlyOnce() {
	r.t.Helper()
	want := map[string]int{}
	for _, s := range r.posts {
		for _, tg := range s.Targets {
			want[s.ID+"/"+tg.Name] = 1
		}
	}
	if diff := cmp.Diff(want, r.posted()); diff != "" {
		r.t.Errorf("posts on the platforms (-want +got):\n%s", diff)
	}
	s := r.checkout()
	for _, p := range r.posts {
		rec, err := s.Load(context.Background(), p.ID)
		if err != nil {
			r.t.Errorf("state of %s on the remote: %v", p.ID, err)
			continue
		}
		for _, tg := range p.Targets {
			ts := rec.Targets[tg.Name]
			fp, ok := r.fakes[tg.Name].find(r.texts[p.ID])
			if relay := r.relays[tg.Name]; !ok && relay != nil {
				fp, ok = relay.find(r.texts[p.ID])
			}
			if !ok {
				continue
			}
			if ts.Status != state.StatusPublished || len(ts.IDs) != 1 || ts.IDs[0] != fp.id || ts.Attempt != string(fp.key) {
				r.t.Errorf("%s/%s on the remote: status %s, ids %v, attempt %s; the platform holds id %s from attempt %s",
					p.ID, tg.Name, ts.Status, ts.IDs, ts.Attempt, fp.id, fp.key)
			}
		}
	}
	if p := r.plan(s); p.Changes() != 0 {
		r.t.Errorf("the final plan still acts: %+v", p.Actions)
	}
}

// find returns the live post with text.
func (f *fakePlatform) find(text string) (fakePost, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if p.text == text && !p.deleted {
			return p, true
		}
	}
	return fakePost{}, false
}

// procPublisher is a platform as one process reaches it: not at all once
// the process has crashed.
type procPublisher struct {
	fake *fakePlatform
	proc *process
}

var errDead = &platforms.APIError{Message: "the process is gone", Outcome: platforms.Unknown, Err: errCrash}

func (p *procPublisher) Name() string { return p.fake.name }

func (p *procPublisher) Publish(ctx context.Context, pl *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if p.proc.dead.Load() {
		return nil, errDead
	}
	return p.fake.Publish(ctx, pl, key)
}

func (p *procPublisher) Find(ctx context.Context, pl *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	if p.proc.dead.Load() {
		return nil, errDead
	}
	return finding{p.fake}.Find(ctx, pl, a)
}

func (p *procPublisher) Resume(ctx context.Context, r *platforms.Receipt, pl *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if p.proc.dead.Load() {
		return nil, errDead
	}
	return resuming{finding{p.fake}}.Resume(ctx, r, pl, key)
}

// pushFault is how the git server breaks the next push.
type pushFault int

const (
	pushOK pushFault = iota
	// pushUnreachable: the connection drops before the push starts;
	// nothing reaches the remote.
	pushUnreachable
	// pushLostReply: the remote takes the push, then the reply is lost;
	// the client sees a failure.
	pushLostReply
	// pushRejected: the remote's pre-receive hook refuses the push.
	pushRejected
)

func (f pushFault) String() string {
	return [...]string{"ok", "unreachable", "lost reply", "rejected"}[f]
}

// gitProxy stands between the runs and the git server, and breaks one
// push when armed.
type gitProxy struct {
	backend *httputil.ReverseProxy

	mu     sync.Mutex
	armed  pushFault
	broken int // pushes broken so far
}

// arm breaks the next push with f.
func (p *gitProxy) arm(f pushFault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = f
}

func (p *gitProxy) take(f pushFault) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed != f {
		return false
	}
	p.armed = pushOK
	p.broken++
	return true
}

func (p *gitProxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	advertise := req.URL.Query().Get("service") == "git-receive-pack"
	push := strings.HasSuffix(req.URL.Path, "/git-receive-pack")
	switch {
	case advertise && p.take(pushUnreachable):
		http.Error(w, "no healthy upstream", http.StatusServiceUnavailable)
		return
	case push && p.take(pushLostReply):
		rec := httptest.NewRecorder()
		p.backend.ServeHTTP(rec, req)
		http.Error(w, "upstream connection reset", http.StatusBadGateway)
		return
	}
	p.backend.ServeHTTP(w, req)
}

// rejectNextPush installs a pre-receive hook in the bare remote that
// refuses one push.
func (r *rig) rejectNextPush() {
	r.t.Helper()
	marker := filepath.Join(r.bare, "reject-next")
	hook := "#!/bin/sh\nif [ -e '" + marker + "' ]; then rm -f '" + marker + "'; echo 'refused by policy' >&2; exit 1; fi\nexit 0\n"
	path := filepath.Join(r.bare, "hooks", "pre-receive")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(hook), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// rejected reports whether the pre-receive hook has refused its push.
func (r *rig) rejected() bool {
	_, err := os.Stat(filepath.Join(r.bare, "reject-next"))
	return errors.Is(err, os.ErrNotExist)
}
