package tiktok_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/tiktok"
)

var update = flag.Bool("update", os.Getenv("UPDATE") != "", "rewrite golden files")

func TestRenderGolden(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{}, map[string]any{"privacy_level": "FOLLOWER_OF_CREATOR", "disable_duet": true})
	cases := []struct {
		name string
		p    *platforms.Payload
	}{
		{"tags added once", func() *platforms.Payload {
			p := platformtest.Payload("tags", "Behind the scenes of #herald 2.0")
			p.Tags = []string{"herald", "#gitops", "go"}
			return p
		}()},
		{"options", func() *platforms.Payload {
			p := platformtest.Payload("opts", "Private preview")
			p.Options = map[string]any{"privacy_level": "SELF_ONLY", "disable_comment": true, "disable_duet": false, "video_cover_timestamp_ms": 1500}
			return p
		}()},
		{"thread joined", platformtest.Payload("thread", "part one", "part two")},
	}
	var b strings.Builder
	for _, c := range cases {
		info, err := s.tt.Render(c.p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		js, _ := json.MarshalIndent(info, "", "  ")
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
	long := platformtest.Payload("long", strings.Repeat("😀", 1101)) // 2202 UTF-16 units
	if _, err := s.tt.Render(long); err == nil {
		t.Error("a caption over 2200 UTF-16 code units rendered")
	}
}

func TestChunks(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		size, chunk     int64
		wantSize, wantN int64
		wantErr         bool
	}{
		{3 * mb, 10 * mb, 3 * mb, 1, false},     // under 5 MB: whole
		{8 * mb, 10 * mb, 8 * mb, 1, false},     // under the chunk: whole
		{25*mb + 7, 10 * mb, 10 * mb, 2, false}, // the last chunk takes the rest (15 MB + 7)
		{200 * mb, 64 * mb, 64 * mb, 3, false},  // last chunk 72 MB
		{11 * mb, 5 * mb, 5 * mb, 2, false},     // 5 MB, then 6 MB
		{6000 * mb, 5 * mb, 5 * mb, 1200, true}, // over 1000 chunks
		{0, 10 * mb, 0, 0, true},
	} {
		si, err := tiktok.Chunks(c.size, c.chunk)
		if (err != nil) != c.wantErr {
			t.Errorf("Chunks(%d, %d) error %v, want error %v", c.size, c.chunk, err, c.wantErr)
			continue
		}
		if !c.wantErr && (si.ChunkSize != c.wantSize || si.TotalChunkCount != c.wantN) {
			t.Errorf("Chunks(%d, %d) = %d x %d, want %d x %d", c.size, c.chunk, si.TotalChunkCount, si.ChunkSize, c.wantN, c.wantSize)
		}
	}
}

// TestChunkedUpload sends an 11 MiB video in 5 MiB chunks: two PUTs, the
// second carrying the remaining 6 MiB, which the fake holds to TikTok's
// rules and reassembles.
func TestChunkedUpload(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{ProcessingPolls: 3}, map[string]any{"chunk_size": 5 << 20})
	data := videoBytes(11 << 20)
	r, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("big", "A big one"), data), "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || !bytes.Equal(posts[0].Media[0].Data, data) {
		t.Fatalf("fake holds %d posts; want one with the video's bytes", len(posts))
	}
	if r.IDs[0] != posts[0].ID || r.URLs[0] != "https://www.tiktok.com/@herald.test/video/"+posts[0].ID || r.Extra["publish_id"] == "" {
		t.Errorf("receipt %+v", r)
	}
}

func TestPrivacyRefusedBeforeUpload(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{PrivacyOptions: []string{"SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS"}}, nil)
	_, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("p", "public please"), videoBytes(1000)), "k")
	if err == nil || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("publish = %v, want NotCreated", err)
	}
	for _, want := range []string{"PUBLIC_TO_EVERYONE", "@herald.test", "SELF_ONLY, MUTUAL_FOLLOW_FRIENDS", "privacy_level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if rem, _, _ := s.tt.RateLimit(); rem != tiktok.InitsPerMinute {
		t.Errorf("an init was spent: %d left", rem)
	}
	// The post may ask for a level the creator has.
	p := withVideo(platformtest.Payload("p2", "friends only"), videoBytes(1000))
	p.Options = map[string]any{"privacy_level": "MUTUAL_FOLLOW_FRIENDS"}
	if _, err := s.tt.Publish(t.Context(), p, "k2"); err != nil {
		t.Fatal(err)
	}
	if got := s.fake.Posts()[0].Fields["privacy_level"]; got != "MUTUAL_FOLLOW_FRIENDS" {
		t.Errorf("privacy %v", got)
	}
}

func TestUnauditedApp(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{Unaudited: true}, nil)
	_, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("u", "x"), videoBytes(1000)), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "unaudited_client_can_only_post_to_private_accounts" || ae.Outcome != platforms.NotCreated || !strings.Contains(err.Error(), "SELF_ONLY") {
		t.Fatalf("publish = %v", err)
	}
}

func TestInboxMode(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{}, map[string]any{"mode": "inbox"})
	r, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("draft", "a draft"), videoBytes(2000)), "k")
	if err != nil {
		t.Fatal(err)
	}
	if r.Manual == "" || len(r.IDs) != 0 || len(s.fake.Posts()) != 0 {
		t.Errorf("receipt %+v, posts %d; want a manual receipt and no post", r, len(s.fake.Posts()))
	}
	if inbox := s.fake.Inbox(); len(inbox) != 1 || inbox[0] != r.Extra["publish_id"] {
		t.Errorf("inbox %v, receipt publish_id %q", inbox, r.Extra["publish_id"])
	}
	if _, err := s.tt.Find(t.Context(), platformtest.Payload("draft", "a draft"), platforms.Attempt{}); err == nil || errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find on an inbox account = %v, want cannot tell", err)
	}
}

func TestProcessingFailed(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{FailReason: "duration_check_failed"}, nil)
	_, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("f", "x"), videoBytes(1000)), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Code != "duration_check_failed" || ae.Outcome != platforms.NotCreated {
		t.Fatalf("publish = %v", err)
	}
}

func TestRotatingRefreshSavedBeforeUse(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{}, nil)
	first := s.fake.RefreshToken()
	s.tokens.Save(t.Context(), "creator", &platforms.Token{AccessToken: "old", RefreshToken: first, Expiry: clock.Add(-time.Minute)})
	saves := s.tokens.Saves
	if _, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("r", "x"), videoBytes(10)), "k"); err != nil {
		t.Fatal(err)
	}
	tok, _ := s.tokens.Load(t.Context(), "creator")
	if s.fake.Refreshes() != 1 || s.tokens.Saves != saves+1 || tok.RefreshToken == first || tok.RefreshToken != s.fake.RefreshToken() {
		t.Fatalf("refreshes %d, saves %d, saved refresh is the new one: %v", s.fake.Refreshes(), s.tokens.Saves-saves, tok.RefreshToken == s.fake.RefreshToken())
	}
	if !tok.Expiry.Equal(clock.Add(2*time.Hour)) || !tok.RefreshExpiry.Equal(clock.Add(180*24*time.Hour)) {
		t.Errorf("expiry %v, refresh expiry %v", tok.Expiry, tok.RefreshExpiry)
	}
	// The old refresh token is spent: a second adapter holding it must
	// reconnect.
	s2 := newSetup(t, tiktok.FakeOptions{}, nil)
	s2.tokens.Save(t.Context(), "creator", &platforms.Token{AccessToken: "old", RefreshToken: "spent", Expiry: clock.Add(-time.Minute)})
	_, err := s2.tt.Publish(t.Context(), withVideo(platformtest.Payload("r", "x"), videoBytes(10)), "k")
	if !errors.Is(err, platforms.ErrNeedsReconnect) || !strings.Contains(err.Error(), "herald auth creator") {
		t.Errorf("publish with a spent refresh token = %v", err)
	}
}

func TestMetricsAndRateLimit(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{}, nil)
	r, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("m", "count me"), videoBytes(10)), "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.SetCounts(r.IDs[0], 10, 2, 3, 400)
	m, err := s.tt.Metrics(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if *m.Likes != 10 || *m.Replies != 2 || *m.Reposts != 3 || *m.Impressions != 400 {
		t.Errorf("metrics %+v", m)
	}
	if rem, reset, ok := s.tt.RateLimit(); !ok || rem != tiktok.InitsPerMinute-1 || !reset.Equal(clock.Add(time.Minute)) {
		t.Errorf("RateLimit = %d, %v", rem, reset)
	}
	for i := range tiktok.InitsPerMinute - 1 {
		if _, err := s.tt.Publish(t.Context(), withVideo(platformtest.Payload("n", "again "+string(rune('a'+i))), videoBytes(10)), "k"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.tt.Publish(t.Context(), withVideo(platformtest.Payload("o", "one too many"), videoBytes(10)), "k")
	var ae *platforms.APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.Outcome != platforms.NotCreated || ae.RetryAfter != time.Minute {
		t.Errorf("seventh init in a minute = %v, want a 429 before sending", err)
	}
}

// A caption does not name a video alone: a captionless post, or a
// caption the creator also used in the app, may match a video herald
// did not post. Find must neither take the creator's video for the
// attempt nor pick one of two.
func TestFindCaptionShared(t *testing.T) {
	s := newSetup(t, tiktok.FakeOptions{}, nil)
	bare, err := platforms.Prepare(s.tt, withVideo(platformtest.Payload("bare", ""), videoBytes(1000)))
	if err != nil {
		t.Fatal(err)
	}
	s.fake.Seed(30, clock.Add(-time.Hour))
	s.fake.PostInApp("", clock.Add(-time.Hour)) // before the attempt: not it
	began := clock
	if _, err := s.tt.Find(t.Context(), bare, platforms.Attempt{Began: began}); !errors.Is(err, platforms.ErrNotFound) {
		t.Errorf("find of a captionless attempt that never landed, with a captionless video before it = %v, want ErrNotFound", err)
	}
	app := s.fake.PostInApp("", began) // since the attempt began, from the app
	s.fake.Seed(25, began)
	if r, err := s.tt.Find(t.Context(), bare, platforms.Attempt{Began: began}); err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), app) {
		t.Errorf("find of a captionless attempt with a captionless app video since it began = %+v, %v; want cannot tell, naming %s", r, err, app)
	}

	s = newSetup(t, tiktok.FakeOptions{}, nil)
	p, err := platforms.Prepare(s.tt, withVideo(platformtest.Payload("twice", "new drop, link in bio"), videoBytes(1000)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.tt.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	s.fake.Seed(25, began)
	if got, err := s.tt.Find(t.Context(), p, platforms.Attempt{Began: began}); err != nil || got.IDs[0] != r.IDs[0] {
		t.Fatalf("find of the only video with its caption, 25 videos back = %+v, %v; want %v", got, err, r.IDs)
	}
	twin := s.fake.PostInApp("new drop, link in bio", began)
	if got, err := s.tt.Find(t.Context(), p, platforms.Attempt{Began: began}); err == nil || errors.Is(err, platforms.ErrNotFound) || !strings.Contains(err.Error(), twin) || !strings.Contains(err.Error(), r.IDs[0]) {
		t.Errorf("find with the caption posted again in the app = %+v, %v; want cannot tell, naming both", got, err)
	}
}
