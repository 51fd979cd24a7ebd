package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/heraldhq/herald/internal/videotest"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/devto"
	"github.com/heraldhq/herald/platforms/facebook"
	"github.com/heraldhq/herald/platforms/ghost"
	"github.com/heraldhq/herald/platforms/instagram"
	"github.com/heraldhq/herald/platforms/late"
	"github.com/heraldhq/herald/platforms/linkedin"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/medium"
	"github.com/heraldhq/herald/platforms/pinterest"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/postforme"
	"github.com/heraldhq/herald/platforms/reddit"
	"github.com/heraldhq/herald/platforms/threads"
	"github.com/heraldhq/herald/platforms/tiktok"
	"github.com/heraldhq/herald/platforms/wordpress"
	"github.com/heraldhq/herald/platforms/x"
	"github.com/heraldhq/herald/platforms/youtube"
)

// TestMain lets testscript run "herald" as this test binary, which then
// runs main (and so run) with the script's arguments and environment.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"herald": main,
	})
}

// testNow is the HERALD_NOW of every script, unless a script sets its own.
const testNow = "2026-11-21T15:04:05Z"

// TestScripts runs the end-to-end scenarios in testdata/script. UPDATE=1
// rewrites the expected output in the scripts from what herald printed.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("UPDATE") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HERALD_NOW", testNow)
			env.Values[githubKey{}] = &githubFake{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"writebytes": writeBytes,
			"gitrepo":    gitRepo,
			"gitclone":   gitClone,
			"gitcommit":  gitCommit,
			"gitbranch":  gitBranch,
			"manyposts":  manyPosts,
			"fake":       startFake,
			"fakes-ok":   fakesOK,
			"fakeposts":  fakePosts,
			"fakemedia":  fakeMedia,
			"refuser":    startRefuser,
			"expand":     expandFile,
			"github":     githubCmd,
			// canary_test.go
			"echoserver":    echoServer,
			"canary-absent": canaryAbsent,
		},
	})
}

// writeBytes writes files a txtar archive cannot hold:
//
//	writebytes FILE big N     a post with valid front-matter, N bytes long
//	writebytes FILE png [N]   a valid 1x1 PNG image, padded after its end to N bytes
//	writebytes FILE jpeg      a valid 1x1 JPEG image
//	writebytes FILE binary    bytes with NULs, as an image or binary would be
//	writebytes FILE heic      the start of a HEIC photo
//	writebytes FILE mp4|mov|webm SECONDS WxH [N]
//	                          a well-formed video container (internal/videotest)
//	                          playing SECONDS, shown at W x H, with N bytes of media data
//	writebytes FILE badutf8   a post with an invalid UTF-8 byte in its body
//	writebytes FILE tomldeep N  TOML front-matter with an array nested N deep
//	writebytes FILE tomlkeys N  TOML front-matter with N keys
func writeBytes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: writebytes FILE big N | binary | badutf8")
	}
	var data []byte
	switch args[1] {
	case "big":
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		head := []byte("---\ntitle: Big\nto: [x]\n---\n")
		data = append(head, bytes.Repeat([]byte("word "), (n-len(head))/5+1)...)[:n]
	case "png":
		// A valid 1x1 PNG.
		data = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
		if len(args) > 2 {
			n, err := strconv.Atoi(args[2])
			ts.Check(err)
			data = append(data, make([]byte, max(0, n-len(data)))...)
		}
	case "jpeg":
		// A valid 1x1 JPEG, as Instagram requires.
		var b bytes.Buffer
		ts.Check(jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)), nil))
		data = b.Bytes()
	case "binary":
		data = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	case "heic":
		// The start of a HEIC photo, as phones make: an ISO media ftyp box
		// with the heic brand.
		data = []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
	case "mp4", "mov", "webm":
		if len(args) < 4 {
			ts.Fatalf("usage: writebytes FILE %s SECONDS WxH [N]", args[1])
		}
		secs, err := strconv.ParseFloat(args[2], 64)
		ts.Check(err)
		var spec videotest.Spec
		_, err = fmt.Sscanf(args[3], "%dx%d", &spec.Width, &spec.Height)
		ts.Check(err)
		spec.Duration = time.Duration(secs * float64(time.Second))
		if len(args) > 4 {
			spec.Padding, err = strconv.Atoi(args[4])
			ts.Check(err)
		}
		data = map[string]func(videotest.Spec) []byte{"mp4": videotest.MP4, "mov": videotest.MOV, "webm": videotest.WebM}[args[1]](spec)
	case "badutf8":
		data = []byte("---\ntitle: Caf\xe9\nto: [x]\n---\nBody.\n")
	case "tomldeep", "tomlkeys": // a TOML array nested N deep, N keys
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		front := "a = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n"
		if args[1] == "tomlkeys" {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, "k%d = %d\n", i, i)
			}
			front = b.String()
		}
		data = []byte("+++\nto = [\"x\"]\n" + front + "+++\nBody.\n")
	default:
		ts.Fatalf("writebytes: unknown kind %q", args[1])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o644))
}

// gitRepo makes the script's work directory a git repository with every
// file committed, and a bare repository beside it as its origin, pushed:
//
//	gitrepo           the work directory, with a bare origin beside $WORK
//	gitrepo noremote  the work directory alone, without a remote
func gitRepo(ts *testscript.TestScript, neg bool, args []string) {
	noRemote := len(args) == 1 && args[0] == "noremote"
	if neg || len(args) > 0 && !noRemote {
		ts.Fatalf("usage: gitrepo [noremote]")
	}
	dir := ts.MkAbs(".")
	bare := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".origin.git")
	repo, err := git.PlainInit(dir, false)
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	ts.Check(wt.AddGlob("."))
	sig := &object.Signature{Name: "writer", Email: "writer@example.com", When: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	_, err = wt.Commit("posts", &git.CommitOptions{Author: sig, Committer: sig})
	ts.Check(err)
	if noRemote {
		return
	}
	_, err = git.PlainInit(bare, true)
	ts.Check(err)
	_, err = repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{bare}})
	ts.Check(err)
	ts.Check(repo.Push(&git.PushOptions{RemoteName: "origin"}))
}

// gitCommit commits every change in the work tree, additions and
// deletions, on the branch checked out, as a writer does before herald
// publishes (apply reads only what is committed):
//
//	gitcommit MSG        at 2026-11-20 10:00 UTC
//	gitcommit MSG TIME   at TIME (RFC 3339), the time a queued post arrives
func gitCommit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: gitcommit MSG [TIME]")
	}
	when := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if len(args) == 2 {
		t, err := time.Parse(time.RFC3339, args[1])
		ts.Check(err)
		when = t
	}
	repo, err := git.PlainOpen(ts.MkAbs("."))
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	ts.Check(wt.AddWithOptions(&git.AddOptions{All: true}))
	sig := &object.Signature{Name: "writer", Email: "writer@example.com", When: when}
	_, err = wt.Commit(args[0], &git.CommitOptions{Author: sig, Committer: sig})
	ts.Check(err)
}

// manyPosts writes N posts to one target, due long ago (late), as the
// unrelated posts of a big repository:
//
//	manyposts DIR N TARGET
func manyPosts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: manyposts DIR N TARGET")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	for i := range n {
		post := fmt.Sprintf("---\ntitle: Old %d\npublish_at: 2026-11-10 09:00\nto: [%s]\n---\nAn old post, number %d.\n", i, args[2], i)
		ts.Check(os.WriteFile(filepath.Join(dir, fmt.Sprintf("old-%04d.md", i)), []byte(post), 0o644))
	}
}

// gitBranch makes a branch at the commit checked out, as the base a pull
// request is compared with:
//
//	gitbranch NAME
func gitBranch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gitbranch NAME")
	}
	repo, err := git.PlainOpen(ts.MkAbs("."))
	ts.Check(err)
	head, err := repo.Head()
	ts.Check(err)
	ts.Check(repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(args[0]), head.Hash())))
}

// gitClone clones the origin that gitrepo made into a new directory, as a
// CI runner checks the repository out, to show what was pushed:
//
//	gitclone DIR      a fresh clone of the origin's default branch in DIR
func gitClone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gitclone DIR")
	}
	work := ts.MkAbs(".")
	bare := filepath.Join(filepath.Dir(work), filepath.Base(work)+".origin.git")
	_, err := git.PlainClone(ts.MkAbs(args[0]), false, &git.CloneOptions{URL: bare})
	ts.Check(err)
}

// startFake starts a platform's contract fake on 127.0.0.1 for the rest of
// the script and puts its base URL in the environment, for expand to
// write into the configuration:
//
//	fake mastodon     MASTODON_URL; accepts the token mastodon-fake-token
//	fake bluesky      BLUESKY_URL, BLUESKY_APPVIEW_URL, BLUESKY_VIDEO_URL (its
//	                  video service, jobs done at the first status read);
//	                  handle herald.test, app password fake-app-pass-word,
//	                  its clock at HERALD_NOW
//	fake facebook     FACEBOOK_URL, FACEBOOK_PAGE_ID, FACEBOOK_MEDIA_URL (the
//	                  script's files); FACEBOOK_PAGE_TOKEN its Page token
//	fake instagram    INSTAGRAM_URL, INSTAGRAM_AUTH_URL, INSTAGRAM_MEDIA_URL
//	                  (the script's files); INSTAGRAM_ACCESS_TOKEN its token
//	fake devto        DEVTO_URL; DEVTO_API_KEY set to the key it accepts
//	fake medium       MEDIUM_URL; MEDIUM_TOKEN set to the token it accepts
//	fake postforme    POSTFORME_URL, POSTFORME_API_KEY; accounts spc_x
//	                  (x) and spc_bluesky (bluesky)
//	fake late         LATE_URL, LATE_API_KEY; accounts acc_twitter and
//	                  acc_bluesky
//	fake ghost        GHOST_URL; GHOST_ADMIN_API_KEY set to its key
//	fake wordpress    WORDPRESS_URL; user herald, WORDPRESS_APP_PASSWORD
//	fake youtube      YOUTUBE_URL, YOUTUBE_TOKEN_URL; YOUTUBE_ACCESS_TOKEN,
//	                  YOUTUBE_REFRESH_TOKEN and the client's ID and secret
//	fake tiktok       TIKTOK_URL; TIKTOK_ACCESS_TOKEN, TIKTOK_REFRESH_TOKEN
//	                  and the client's key and secret
//	fake pinterest    PINTEREST_URL, PINTEREST_TOKEN_URL, PINTEREST_BOARD;
//	                  PINTEREST_ACCESS_TOKEN, PINTEREST_REFRESH_TOKEN and
//	                  the app's PINTEREST_CLIENT_ID/SECRET
//	fake reddit       REDDIT_URL, REDDIT_TOKEN_URL; user heraldbot in
//	                  r/heraldtest, REDDIT_CLIENT_ID, REDDIT_REFRESH_TOKEN
//
// A second argument injects a fault into the fake's next create request:
// unauthorized, rate_limited, server_error or accept_then_timeout.
func startFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: fake bluesky|mastodon|x|linkedin|threads|facebook|instagram|youtube|tiktok|pinterest|reddit|devto|medium|ghost|wordpress|postforme|late [fault]")
	}
	var backend interface {
		Inject(platformtest.Fault)
		Posts() []platformtest.Post
	}
	defer func() {
		fakeMu.Lock()
		if fakeBackends[ts] == nil {
			fakeBackends[ts] = map[string]interface{ Posts() []platformtest.Post }{}
		}
		fakeBackends[ts][args[0]] = backend
		fakeMu.Unlock()
		if len(args) == 2 {
			kinds := map[string]platformtest.FaultKind{"unauthorized": platformtest.Unauthorized, "rate_limited": platformtest.RateLimited,
				"server_error": platformtest.ServerError, "accept_then_timeout": platformtest.AcceptThenTimeout}
			k, ok := kinds[args[1]]
			if !ok {
				ts.Fatalf("fake: unknown fault %q", args[1])
			}
			backend.Inject(platformtest.Fault{Kind: k})
		}
	}()
	rep := &platformtest.LogReporter{Logger: slog.New(slog.DiscardHandler)}
	ts.Defer(rep.Close)
	fakeMu.Lock()
	fakeReporters[ts] = append(fakeReporters[ts], rep)
	fakeMu.Unlock()
	now, err := time.Parse(time.RFC3339, ts.Getenv("HERALD_NOW"))
	ts.Check(err)
	clock := func() time.Time { return now }
	// setDefault sets a credential the fake accepts, unless the script
	// set its own (to test a wrong one).
	setDefault := func(k, v string) {
		if ts.Getenv(k) == "" {
			ts.Setenv(k, v)
		}
	}
	switch args[0] {
	case "mastodon":
		f := mastodon.NewFake(rep, mastodon.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("MASTODON_URL", f.URL())
	case "bluesky":
		f := bluesky.NewFake(rep, bluesky.FakeOptions{Now: clock, VideoPolls: -1})
		backend = f
		ts.Setenv("BLUESKY_URL", f.URL())
		ts.Setenv("BLUESKY_APPVIEW_URL", f.AppViewURL())
		ts.Setenv("BLUESKY_VIDEO_URL", f.VideoServiceURL())
	case "x":
		f := x.NewFake(rep, x.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("X_URL", f.URL())
		setDefault("X_CLIENT_ID", "herald-client")
		setDefault("X_ACCESS_TOKEN", f.AccessToken())
		setDefault("X_REFRESH_TOKEN", f.RefreshToken())
	case "linkedin":
		f := linkedin.NewFake(rep, linkedin.FakeOptions{Author: "urn:li:organization:4242", Now: clock})
		backend = f
		ts.Setenv("LINKEDIN_URL", f.URL())
		ts.Setenv("LINKEDIN_TOKEN_URL", f.TokenURL())
		setDefault("LINKEDIN_ACCESS_TOKEN", f.AccessToken())
	case "youtube":
		f := youtube.NewFake(rep, youtube.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("YOUTUBE_URL", f.URL())
		ts.Setenv("YOUTUBE_TOKEN_URL", f.TokenURL())
		setDefault("YOUTUBE_ACCESS_TOKEN", f.AccessToken())
		setDefault("YOUTUBE_REFRESH_TOKEN", f.RefreshToken())
		setDefault("YOUTUBE_CLIENT_ID", "herald-client")
		setDefault("YOUTUBE_CLIENT_SECRET", "herald-client-secret")
	case "tiktok":
		f := tiktok.NewFake(rep, tiktok.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("TIKTOK_URL", f.URL())
		setDefault("TIKTOK_ACCESS_TOKEN", f.AccessToken())
		setDefault("TIKTOK_REFRESH_TOKEN", f.RefreshToken())
		setDefault("TIKTOK_CLIENT_KEY", "herald-client-key")
		setDefault("TIKTOK_CLIENT_SECRET", "herald-client-secret")
	case "threads":
		// Threads fetches images by URL: serve the script's files.
		files := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs("."))))
		ts.Defer(files.Close)
		f := threads.NewFake(rep, threads.FakeOptions{Now: clock, Fetch: fetch})
		backend = f
		ts.Setenv("THREADS_URL", f.APIURL())
		ts.Setenv("THREADS_AUTH_URL", f.AuthURL())
		ts.Setenv("THREADS_MEDIA_URL", files.URL+"/")
		setDefault("THREADS_ACCESS_TOKEN", f.AccessToken())
	case "facebook":
		// Facebook fetches a video from file_url: serve the script's files.
		files := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs("."))))
		ts.Defer(files.Close)
		f := facebook.NewFake(rep, facebook.FakeOptions{Now: clock, Fetch: fetch})
		backend = f
		ts.Setenv("FACEBOOK_URL", f.APIURL())
		ts.Setenv("FACEBOOK_PAGE_ID", f.PageID())
		ts.Setenv("FACEBOOK_MEDIA_URL", files.URL+"/")
		setDefault("FACEBOOK_PAGE_TOKEN", f.PageToken())
	case "instagram":
		// Instagram fetches every file by URL: serve the script's files.
		files := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs("."))))
		ts.Defer(files.Close)
		f := instagram.NewFake(rep, instagram.FakeOptions{Now: clock, Fetch: fetch})
		backend = f
		ts.Setenv("INSTAGRAM_URL", f.APIURL())
		ts.Setenv("INSTAGRAM_AUTH_URL", f.AuthURL())
		ts.Setenv("INSTAGRAM_MEDIA_URL", files.URL+"/")
		setDefault("INSTAGRAM_ACCESS_TOKEN", f.AccessToken())
	case "devto":
		f := devto.NewFake(rep, devto.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("DEVTO_URL", f.URL())
		setDefault("DEVTO_API_KEY", devto.FakeKey)
	case "medium":
		f := medium.NewFake(rep, medium.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("MEDIUM_URL", f.URL())
		setDefault("MEDIUM_TOKEN", medium.FakeToken)
	case "postforme":
		f := postforme.NewFake(rep, postforme.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("POSTFORME_URL", f.URL())
		setDefault("POSTFORME_API_KEY", f.APIKey())
	case "late":
		f := late.NewFake(rep, late.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("LATE_URL", f.URL())
		setDefault("LATE_API_KEY", f.APIKey())
	case "ghost":
		f := ghost.NewFake(rep, ghost.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("GHOST_URL", f.SiteURL())
		setDefault("GHOST_ADMIN_API_KEY", f.Key())
	case "wordpress":
		f := wordpress.NewFake(rep, wordpress.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("WORDPRESS_URL", f.SiteURL())
		setDefault("WORDPRESS_APP_PASSWORD", wordpress.FakeAppPassword)
	case "pinterest":
		f := pinterest.NewFake(rep, pinterest.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("PINTEREST_URL", f.URL())
		ts.Setenv("PINTEREST_TOKEN_URL", f.TokenURL())
		ts.Setenv("PINTEREST_BOARD", f.Board())
		setDefault("PINTEREST_ACCESS_TOKEN", f.AccessToken())
		setDefault("PINTEREST_REFRESH_TOKEN", f.RefreshToken())
		setDefault("PINTEREST_CLIENT_ID", f.ClientID())
		setDefault("PINTEREST_CLIENT_SECRET", f.ClientSecret())
	case "reddit":
		f := reddit.NewFake(rep, reddit.FakeOptions{Now: clock})
		backend = f
		ts.Setenv("REDDIT_URL", f.URL())
		ts.Setenv("REDDIT_TOKEN_URL", f.TokenURL())
		setDefault("REDDIT_CLIENT_ID", f.ClientID())
		setDefault("REDDIT_REFRESH_TOKEN", f.RefreshToken())
	default:
		ts.Fatalf("fake: no fake for %q", args[0])
	}
}

// fakePosts prints how many live posts the fake NAME holds, and each
// one's text, so that a script can show which provider published:
//
//	fakeposts NAME
func fakePosts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakeposts NAME")
	}
	fakeMu.Lock()
	b := fakeBackends[ts][args[0]]
	fakeMu.Unlock()
	if b == nil {
		ts.Fatalf("fakeposts: no fake %s was started", args[0])
	}
	posts := b.Posts()
	fmt.Fprintf(ts.Stdout(), "%s holds %d posts\n", args[0], len(posts))
	for _, p := range posts {
		fmt.Fprintf(ts.Stdout(), "  %q\n", p.Text)
		for _, k := range []string{"canonical_url", "canonicalUrl", "link"} {
			if v, ok := p.Fields[k].(string); ok && v != "" {
				fmt.Fprintf(ts.Stdout(), "    %s: %s\n", k, v)
			}
		}
	}
}

// fakeMedia prints the media of each post a fake holds: type, size, alt
// text, and whether its bytes are those of FILE, as uploaded:
//
//	fakemedia NAME FILE
func fakeMedia(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fakemedia NAME FILE")
	}
	fakeMu.Lock()
	b := fakeBackends[ts][args[0]]
	fakeMu.Unlock()
	if b == nil {
		ts.Fatalf("fakemedia: no fake %s was started", args[0])
	}
	want, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	for i, p := range b.Posts() {
		for j, m := range p.Media {
			same := "differs from " + args[1]
			if bytes.Equal(m.Data, want) {
				same = "same bytes as " + args[1]
			}
			fmt.Fprintf(ts.Stdout(), "%s post %d media %d: %s, %d bytes, %s, alt %q\n", args[0], i+1, j+1, m.Type, len(m.Data), same, m.Alt)
		}
	}
}

// startRefuser starts a server on 127.0.0.1 that answers every request
// with STATUS and an XRPC error body (Retry-After: 30 on a 429), as a
// platform refusing before it accepted anything does, and puts its URL
// in REFUSER_URL:
//
//	refuser STATUS
func startRefuser(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: refuser STATUS")
	}
	status, err := strconv.Atoi(args[0])
	ts.Check(err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "30")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q,"message":%q}`, strings.ReplaceAll(http.StatusText(status), " ", ""), http.StatusText(status))
	}))
	ts.Defer(srv.Close)
	ts.Setenv("REFUSER_URL", srv.URL)
}

// fakeReporters are the reporters of the fakes each script started.
var (
	fakeMu        sync.Mutex
	fakeReporters = map[*testscript.TestScript][]*platformtest.LogReporter{}
	fakeBackends  = map[*testscript.TestScript]map[string]interface{ Posts() []platformtest.Post }{}
)

// fakesOK fails the script when any fake it started saw a request that
// breaks its platform's contract:
//
//	fakes-ok
func fakesOK(ts *testscript.TestScript, neg bool, args []string) {
	fakeMu.Lock()
	reps := fakeReporters[ts]
	fakeMu.Unlock()
	for _, r := range reps {
		if errs := r.Errors(); len(errs) > 0 {
			ts.Fatalf("a fake saw %d contract violations; the first: %s", len(errs), errs[0])
		}
	}
}

// expandFile replaces $NAME and ${NAME} in a file with the script's
// environment, so that a configuration can name a fake's URL:
//
//	expand FILE...
func expandFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE...")
	}
	for _, name := range args {
		data, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(name), []byte(os.Expand(string(data), ts.Getenv)), 0o644))
	}
}
