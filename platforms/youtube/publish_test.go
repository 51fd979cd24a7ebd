package youtube_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/youtube"
)

var update = flag.Bool("update", os.Getenv("UPDATE") != "", "rewrite golden files")

func TestRenderGolden(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, map[string]any{"category_id": "28", "privacy": "unlisted"})
	long := strings.Repeat("A sentence that goes on ", 6) + "and on."
	cases := []struct {
		name string
		p    *platforms.Payload
	}{
		{"title and tags", func() *platforms.Payload {
			p := platformtest.Payload("launch", "We shipped <herald> 2.0.\n\nChangelog: https://example.com/2.0")
			p.Title, p.Tags = "herald 2.0 is out", []string{"golang", "#gitops", "open source"}
			return p
		}()},
		{"title from the text", platformtest.Payload("derived", "\n"+long+"\nsecond line")},
		{"options", func() *platforms.Payload {
			p := platformtest.Payload("opts", "A clip for kids")
			p.Options = map[string]any{"privacy": "private", "category_id": "27", "made_for_kids": true, "title": "Kids' clip"}
			return p
		}()},
		{"thread joined", platformtest.Payload("thread", "1/2 first", "2/2 second")},
	}
	var b strings.Builder
	for _, c := range cases {
		v, err := s.yt.Render(c.p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		js, _ := json.MarshalIndent(v, "", "  ")
		b.WriteString("== " + c.name + "\n" + string(js) + "\n")
	}
	golden := filepath.Join("testdata", "render.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("render (-golden +got):\n%s", diff)
	}
}

func TestRenderRefuses(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	for name, p := range map[string]*platforms.Payload{
		"long title": func() *platforms.Payload {
			p := platformtest.Payload("a", "x")
			p.Title = strings.Repeat("t", 101)
			return p
		}(),
		"long description": platformtest.Payload("b", strings.Repeat("é", 2501)),
		"bad privacy": func() *platforms.Payload {
			p := platformtest.Payload("c", "x")
			p.Options = map[string]any{"privacy": "friends"}
			return p
		}(),
		"long tags": func() *platforms.Payload {
			p := platformtest.Payload("d", "x")
			p.Tags = []string{strings.Repeat("a", 300), strings.Repeat("b", 200)}
			return p
		}(),
	} {
		if _, err := s.yt.Render(p); err == nil {
			t.Errorf("%s: rendered, want an error", name)
		}
	}
}

func TestPublishNeedsVideo(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	_, err := s.yt.Publish(t.Context(), platformtest.WithImage(platformtest.Payload("img", "just an image"), "alt"), "k")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "has no video") {
		t.Fatalf("publish without a video = %v, want NotCreated naming the missing video", err)
	}
	if n := len(s.fake.Posts()); n != 0 {
		t.Errorf("fake holds %d videos", n)
	}
}

// TestResumeAfterDrop drops the connection in the middle of the second
// chunk, after the fake kept part of it: the adapter asks the session
// what arrived (308, Range) and sends only the rest.
func TestResumeAfterDrop(t *testing.T) {
	const chunk = 256 << 10
	data := videoBytes(700 << 10)
	const dropAt = 300000
	s := newSetup(t, youtube.FakeOptions{DropAt: dropAt}, map[string]any{"chunk_size": chunk})
	p := withVideo(platformtest.Payload("resume", "A long video"), data)
	p.Title = "Resumed"
	r, err := s.yt.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	post := onlyPost(t, s.fake)
	if r.IDs[0] != post.ID || r.URLs[0] != youtube.VideoURL(post.ID) {
		t.Errorf("receipt %+v, want video %s", r, post.ID)
	}
	if !bytes.Equal(post.Media[0].Data, data) {
		t.Errorf("the fake holds %d bytes that differ from the file's %d", len(post.Media[0].Data), len(data))
	}
	// Everything once, plus the part of the broken chunk the session did
	// not keep: nothing that arrived was sent again.
	lost := int64(2*chunk - dropAt)
	if got, want := s.sent.sentBytes(), int64(len(data))+lost; got != want {
		t.Errorf("PUT bodies carried %d bytes, want %d (the file once and the %d bytes lost in the drop)", got, want, lost)
	}
	if post.Fields["title"] != "Resumed" || post.Text != "A long video" {
		t.Errorf("video metadata %v %q", post.Fields, post.Text)
	}
}

func TestFakeEnforcesChunks(t *testing.T) {
	f := youtube.NewFake(t, youtube.FakeOptions{})
	hc := f.Client()
	do := func(method, u string, h map[string]string, body []byte) *http.Response {
		req, _ := http.NewRequest(method, u, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.AccessToken())
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	meta := []byte(`{"snippet":{"title":"t","categoryId":"22"},"status":{"privacyStatus":"private"}}`)
	resp := do("POST", f.URL()+"/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
		map[string]string{"Content-Type": "application/json", "X-Upload-Content-Length": "600000", "X-Upload-Content-Type": "video/mp4"}, meta)
	session := resp.Header.Get("Location")
	if resp.StatusCode != 200 || session == "" {
		t.Fatalf("start: %d, Location %q", resp.StatusCode, session)
	}
	for _, c := range []struct {
		name, rng string
		body      int
		want      int
	}{
		{"a chunk that is not a multiple of 256 KiB", "bytes 0-99999/600000", 100000, 400},
		{"a wrong total", "bytes 0-262143/600001", 262144, 400},
		{"a length that is not the range's", "bytes 0-262143/600000", 1000, 400},
		{"an aligned chunk", "bytes 0-262143/600000", 262144, 308},
		{"a chunk that skips bytes", "bytes 300000-562143/600000", 262144, 400},
		{"the status query", "bytes */600000", 0, 308},
	} {
		resp := do("PUT", session, map[string]string{"Content-Range": c.rng}, make([]byte, c.body))
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
		if c.want == 308 && resp.Header.Get("Range") != "bytes=0-262143" {
			t.Errorf("%s: Range %q, want bytes=0-262143", c.name, resp.Header.Get("Range"))
		}
	}
}

func TestQuotaStopsUploadBeforeItStarts(t *testing.T) {
	// A project on the older table: an upload costs 1600 units, and only
	// 1700 are allowed. One upload with a thumbnail fits; the second
	// does not, and is refused before any call.
	s := newSetup(t, youtube.FakeOptions{QuotaUnits: 1700}, map[string]any{"quota_units": 1700, "upload_units": 1600})
	if n, _, ok := s.yt.RateLimit(); !ok || n != 1 {
		t.Errorf("RateLimit remaining %d, want 1 upload", n)
	}
	if _, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload("one", "first"), videoBytes(1000)), "k1"); err != nil {
		t.Fatalf("first upload: %v", err)
	}
	units, uploads, reset := s.yt.Quota()
	if units != 100 || uploads != 99 {
		t.Errorf("quota left %d units, %d uploads; want 100 and 99", units, uploads)
	}
	if n, rs, _ := s.yt.RateLimit(); n != 0 || !rs.Equal(reset) {
		t.Errorf("RateLimit = %d until %v, want 0 until %v", n, rs, reset)
	}
	// 2026-03-01 09:00 UTC is 01:00 PST: the reset is at 08:00 UTC the next day.
	if want := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC); !reset.Equal(want) {
		t.Errorf("reset %v, want midnight Pacific %v", reset.UTC(), want)
	}
	_, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload("two", "second"), videoBytes(1000)), "k2")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.Outcome != platforms.NotCreated || ae.RetryAfter != 23*time.Hour {
		t.Fatalf("second upload = %v, want a 429 NotCreated until the reset (23h)", err)
	}
	if !strings.Contains(err.Error(), "starts no upload it cannot finish") {
		t.Errorf("error %q does not say why", err)
	}
	if u, n := s.fake.UnitsSpent(); n != 1 || u != 0 {
		t.Errorf("fake saw %d units and %d uploads, want 0 and 1 (the refused upload sent nothing)", u, n)
	}
}

func TestQuotaExceededAnswer(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	s.fake.SpendQuota(0, youtube.DefaultUploadQuota) // another program used the day's uploads
	_, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload("q", "x"), videoBytes(1000)), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.Code != "quotaExceeded" || ae.Outcome != platforms.NotCreated || ae.RetryAfter != 23*time.Hour {
		t.Fatalf("publish = %v, want quotaExceeded as a 429 until midnight Pacific", err)
	}
	if !platforms.IsRetryable(err) {
		t.Error("a spent quota is not retryable")
	}
	if n, _, _ := s.yt.RateLimit(); n != 0 {
		t.Errorf("after quotaExceeded RateLimit says %d uploads remain", n)
	}
}

func TestThumbnailAndMetadata(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, map[string]any{"made_for_kids": true})
	p := platformtest.WithImage(withVideo(platformtest.Payload("thumb", "With a thumbnail"), videoBytes(5000)), "")
	p.Tags = []string{"a b", "c"}
	if _, err := s.yt.Publish(t.Context(), p, "k"); err != nil {
		t.Fatal(err)
	}
	post := onlyPost(t, s.fake)
	if len(post.Media) != 2 || post.Media[1].Type != "image/png" {
		t.Fatalf("media %+v, want the video and a PNG thumbnail", post.Media)
	}
	if diff := cmp.Diff(map[string]any{"title": "With a thumbnail", "categoryId": "22", "privacyStatus": "public",
		"tags": []string{"a b", "c"}, "madeForKids": true}, post.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if u, _ := s.fake.UnitsSpent(); u != youtube.CostThumbnail {
		t.Errorf("fake charged %d units, want %d for the thumbnail", u, youtube.CostThumbnail)
	}
}

func TestRefreshBeforeUse(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	// herald auth stored a token that has lapsed: it is refreshed, and
	// saved, before the first call.
	s.tokens.Save(t.Context(), "channel", &platforms.Token{AccessToken: "old", RefreshToken: s.fake.RefreshToken(), Expiry: clock.Add(-time.Minute)})
	saves := s.tokens.Saves
	if _, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload("r", "x"), videoBytes(10)), "k"); err != nil {
		t.Fatal(err)
	}
	// One save for the refreshed token, before its first use, then
	// the day's quota count kept with it.
	if s.fake.Refreshes() != 1 || s.tokens.Saves < saves+1 {
		t.Errorf("refreshes %d, saves %d; want one refresh, saved", s.fake.Refreshes(), s.tokens.Saves-saves)
	}
	tok, _ := s.tokens.Load(t.Context(), "channel")
	if tok.RefreshToken != s.fake.RefreshToken() || !tok.Expiry.Equal(clock.Add(time.Hour)) {
		t.Errorf("saved token keeps refresh %v, expiry %v", tok.RefreshToken != "", tok.Expiry)
	}
}

func TestRevokedRefreshNeedsReconnect(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	s.tokens.Save(t.Context(), "channel", &platforms.Token{AccessToken: "old", RefreshToken: "revoked", Expiry: clock.Add(-time.Minute)})
	_, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload("r", "x"), videoBytes(10)), "k")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || !strings.Contains(err.Error(), "herald auth channel") {
		t.Fatalf("publish = %v, want ErrNeedsReconnect naming herald auth", err)
	}
	if strings.Contains(err.Error(), "revoked\"") || strings.Contains(err.Error(), "herald-client-secret") {
		t.Errorf("error leaks a secret: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	r, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload("m", "x"), videoBytes(10)), "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.SetStatistics(r.IDs[0], 1200, 34, 5)
	m, err := s.yt.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if *m.Impressions != 1200 || *m.Likes != 34 || *m.Replies != 5 || m.Reposts != nil {
		t.Errorf("metrics %+v", m)
	}
}

func onlyPost(t *testing.T, f *youtube.Fake) platformtest.Post {
	t.Helper()
	posts := f.Posts()
	if len(posts) != 1 {
		t.Fatalf("fake holds %d videos, want 1", len(posts))
	}
	return posts[0]
}

// TestQuotaKeptBetweenRuns: the day's count is kept with the stored
// token, so the next run on the same quota day starts from it; a new
// quota day starts from zero.
func TestQuotaKeptBetweenRuns(t *testing.T) {
	now := clock
	opts := youtube.FakeOptions{Now: func() time.Time { return now }, QuotaUnits: 5000}
	vals := map[string]any{"quota_units": 5000, "upload_units": 1600}
	s := newSetup(t, opts, vals)
	s.tokens.Save(t.Context(), "channel", &platforms.Token{AccessToken: s.fake.AccessToken(), RefreshToken: s.fake.RefreshToken(), Expiry: clock.Add(time.Hour)})
	for i, key := range []platforms.AttemptKey{"k1", "k2", "k3"} {
		if _, err := s.yt.Publish(t.Context(), withVideo(platformtest.Payload(string(key), "video "+string(key)), videoBytes(100)), key); err != nil {
			t.Fatalf("upload %d: %v", i+1, err)
		}
	}
	// A second run, the same day, with the same stored token: 4,800 of
	// 5,000 units are spent, so a fourth upload is refused unsent.
	y2, err := youtube.NewYouTube(platforms.Settings{Account: "channel", Platform: youtube.Name, BaseURL: s.fake.URL(),
		Values: map[string]any{"quota_units": 5000, "upload_units": 1600, "access_token_env": "NONE"},
		Getenv: func(string) string { return "" }, HTTPClient: s.fake.Client(), Now: opts.Now, Tokens: s.tokens})
	if err != nil {
		t.Fatal(err)
	}
	_, err = y2.Publish(t.Context(), withVideo(platformtest.Payload("k4", "video k4"), videoBytes(100)), "k4")
	if platforms.OutcomeOf(err) != platforms.NotCreated || !strings.Contains(err.Error(), "needs 1600 units and 200 of the day's 5000 are left") {
		t.Fatalf("fourth upload in a second run = %v", err)
	}
	if _, n := s.fake.UnitsSpent(); n != 3 {
		t.Errorf("fake saw %d uploads, want 3", n)
	}
	// The next quota day (midnight Pacific is 08:00 UTC in March).
	now = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	// The token has lapsed overnight: it is refreshed, and the count
	// it carries is of another day.
	tok, _ := s.tokens.Load(t.Context(), "channel")
	if tok.Extra["youtube_quota_units"] != "4800" {
		t.Errorf("stored count %v, want 4800 units", tok.Extra)
	}
	env := map[string]string{"ID": "herald-client", "SECRET": "herald-client-secret"}
	y3, _ := youtube.NewYouTube(platforms.Settings{Account: "channel", Platform: youtube.Name, BaseURL: s.fake.URL(),
		Values: map[string]any{"quota_units": 5000, "upload_units": 1600, "client_id_env": "ID", "client_secret_env": "SECRET", "token_url": s.fake.TokenURL()},
		Getenv: func(k string) string { return env[k] }, HTTPClient: s.fake.Client(), Now: opts.Now, Tokens: s.tokens})
	if _, err := y3.Publish(t.Context(), withVideo(platformtest.Payload("k4", "video k4"), videoBytes(100)), "k4"); err != nil {
		t.Fatalf("upload on the next quota day: %v", err)
	}
}

// A title and description name a video only among the uploads since the
// attempt began: the same video uploaded before it in YouTube Studio is
// not the attempt, and one uploaded again since cannot be told from it.
func TestFindTwinUploads(t *testing.T) {
	s := newSetup(t, youtube.FakeOptions{}, nil)
	p, err := platforms.Prepare(s.yt, withVideo(platformtest.Payload("tour", "Studio tour"), videoBytes(1000)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.yt.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	s.fake.UploadInStudio(v.Snippet.Title, v.Snippet.Description, clock.Add(-time.Hour))
	s.fake.Seed(60, clock.Add(-time.Hour))
	began := clock
	if r, err := s.yt.Find(t.Context(), p, platforms.Attempt{Began: began}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find with the same video uploaded in Studio before the attempt = %+v, %v; want ErrNotFound", r, err)
	}
	r, err := s.yt.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.Seed(60, began)
	if got, err := s.yt.Find(t.Context(), p, platforms.Attempt{Began: began}); err != nil || got.IDs[0] != r.IDs[0] {
		t.Fatalf("find of the upload, 60 uploads back = %+v, %v; want %v", got, err, r.IDs)
	}
	twin := s.fake.UploadInStudio(v.Snippet.Title, v.Snippet.Description, began)
	if got, err := s.yt.Find(t.Context(), p, platforms.Attempt{Began: began}); err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), twin) || !strings.Contains(err.Error(), r.IDs[0]) {
		t.Errorf("find with the video uploaded again in Studio = %+v, %v; want cannot tell, naming both", got, err)
	}
}
