package bluesky_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/progress"
)

// videoAdapter builds the adapter for f with extra settings, its waits
// recorded in slept instead of taken.
func videoAdapter(t *testing.T, f *bluesky.Fake, log *slog.Logger, slept *[]time.Duration, extra map[string]any) *bluesky.Bluesky {
	t.Helper()
	values := map[string]any{"handle": f.AccountHandle(), "password_env": passwordEnv, "appview_url": f.AppViewURL(),
		"video_service": f.VideoServiceURL()}
	for k, v := range extra {
		values[k] = v
	}
	reg := platforms.NewRegistry(map[string]platforms.Constructor{"bluesky": bluesky.New})
	pub, err := reg.New(platforms.Settings{Account: "sky", Platform: "bluesky", BaseURL: f.URL(), Values: values,
		Getenv:     func(k string) string { return map[string]string{passwordEnv: password}[k] },
		HTTPClient: f.Client(), Logger: log, Now: fixedNow, Tokens: &platforms.MemTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	b := pub.(*bluesky.Bluesky)
	bluesky.SetSleep(b, func(d time.Duration) {
		if slept != nil {
			*slept = append(*slept, d)
		}
	})
	return b
}

func videoPayload(key string) *platforms.Payload {
	return platformtest.WithVideo(platformtest.Payload(key, "A clip of "+key), "A test pattern, four seconds")
}

// embedOf returns the post's embed as the fake stored it.
func embedOf(t *testing.T, p platformtest.Post) map[string]any {
	t.Helper()
	e, ok := p.Fields["embed"].(map[string]any)
	if !ok {
		t.Fatalf("post has no embed: %v", p.Fields["embed"])
	}
	return e
}

func TestVideoThroughTheVideoService(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{VideoPolls: 3})
	var logs bytes.Buffer
	var slept []time.Duration
	b := videoAdapter(t, f, logTo(&logs), &slept, nil)
	r, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip")
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 || len(r.IDs) != 1 {
		t.Fatalf("%d posts, receipt %v; want one", len(posts), r.IDs)
	}
	e := embedOf(t, posts[0])
	if e["$type"] != "app.bsky.embed.video" || e["alt"] != "A test pattern, four seconds" {
		t.Errorf("embed = %v", e)
	}
	if diff := cmp.Diff(map[string]any{"width": 320.0, "height": 180.0}, e["aspectRatio"]); diff != "" {
		t.Errorf("aspectRatio (-want +got):\n%s", diff)
	}
	m := posts[0].Media
	if len(m) != 1 || !f.JobBlob(m[0].ID) || m[0].Type != "video/mp4" || !bytes.Equal(m[0].Data, platformtest.VideoBytes()) {
		t.Fatalf("media = %+v, want the blob the video job stored", m)
	}
	if f.VideoUploads() != 1 {
		t.Errorf("%d uploads, want 1", f.VideoUploads())
	}
	// Three reads processing, the fourth completed: the shared back-off
	// from 2 s, doubling.
	if diff := cmp.Diff([]time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}, slept); diff != "" {
		t.Errorf("waits between status reads (-want +got):\n%s", diff)
	}
	for _, want := range []string{`msg="upload progress"`, "sent_bytes=40518", `msg="upload processing"`, "percent=50"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "eyJ") {
		t.Errorf("a token shows in the log:\n%s", logs.String())
	}
}

// notPosted checks that err is a NotCreated failure saying want, and that
// nothing was posted.
func notPosted(t *testing.T, f *bluesky.Fake, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one saying %q", err, want)
	}
	if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
		t.Errorf("outcome %s, want not_created: %v", o, err)
	}
	if n := len(f.Posts()); n != 0 {
		t.Errorf("fake holds %d posts", n)
	}
}

func TestVideoJobFails(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	f.FailVideoJobs("Video is too long")
	b := videoAdapter(t, f, nil, nil, nil)
	_, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip")
	notPosted(t, f, err, "could not process posts/clip.mp4: Video is too long")
}

func TestVideoRefusedBeforeUploadOverTheAllowance(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *bluesky.Fake)
		want  string
	}{
		{"no videos left", func(f *bluesky.Fake) { f.SetVideoAllowance(0, 1<<30) },
			"will not take a video from this account now: User has exceeded daily upload videos limit"},
		{"too few bytes left", func(f *bluesky.Fake) { f.SetVideoAllowance(3, 1000) },
			"posts/clip.mp4 is 40518 bytes and this account may upload 1000 more bytes of video today"},
		{"uploads not allowed", func(f *bluesky.Fake) { f.DenyVideo("User is not allowed to upload videos") },
			"User is not allowed to upload videos; nothing was uploaded or posted (check the account's email is verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := bluesky.NewFake(t, bluesky.FakeOptions{})
			tt.setup(f)
			b := videoAdapter(t, f, nil, nil, nil)
			_, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip")
			notPosted(t, f, err, tt.want)
			if f.VideoUploads() != 0 {
				t.Errorf("%d uploads: the video was sent although the allowance was spent", f.VideoUploads())
			}
		})
	}
}

func TestVideoProcessingOutlastsTheWait(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	f.StallVideoJobs()
	var slept []time.Duration
	b := videoAdapter(t, f, nil, &slept, map[string]any{"video_wait": "1m"})
	_, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip")
	notPosted(t, f, err, "still processing after")
	if !strings.Contains(err.Error(), "video_wait") {
		t.Errorf("err = %v, want it to name the video_wait setting", err)
	}
	var total time.Duration
	for _, d := range slept {
		total += d
	}
	if total > time.Minute {
		t.Errorf("waited %s in all, past the 1m bound", total)
	}
}

// A video the service has processed before is answered 409
// already_exists with the earlier job, whose blob the post uses: the next
// apply after a timeout or a crash does not fail on its own upload.
func TestVideoAlreadyProcessed(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	var logs bytes.Buffer
	b := videoAdapter(t, f, logTo(&logs), nil, nil)
	if _, err := b.Publish(t.Context(), videoPayload("first"), "attempt-first"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(t.Context(), videoPayload("second"), "attempt-second"); err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 2 || f.VideoUploads() != 2 {
		t.Fatalf("%d posts after %d uploads, want 2 and 2", len(posts), f.VideoUploads())
	}
	if posts[0].Media[0].ID != posts[1].Media[0].ID {
		t.Errorf("blobs %s and %s, want the one the first job stored", posts[0].Media[0].ID, posts[1].Media[0].ID)
	}
	if !strings.Contains(logs.String(), "has processed this video before") {
		t.Errorf("log does not say the earlier job was used:\n%s", logs.String())
	}
}

func TestVideoUploadRateLimited(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	f.ThrottleVideo(7 * time.Second)
	var slept []time.Duration
	b := videoAdapter(t, f, nil, &slept, nil)
	if _, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip"); err != nil {
		t.Fatal(err)
	}
	if len(slept) == 0 || slept[0] != 7*time.Second {
		t.Errorf("waits %v, want the 7s Retry-After first", slept)
	}
	if len(f.Posts()) != 1 {
		t.Errorf("%d posts, want 1", len(f.Posts()))
	}
}

func TestVideoStraightToThePDS(t *testing.T) {
	t.Run("uploaded as a blob", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		b := videoAdapter(t, f, nil, nil, map[string]any{"video_service": "pds"})
		if _, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip"); err != nil {
			t.Fatal(err)
		}
		posts := f.Posts()
		if len(posts) != 1 || len(posts[0].Media) != 1 {
			t.Fatalf("posts = %+v", posts)
		}
		m := posts[0].Media[0]
		if f.JobBlob(m.ID) || f.VideoUploads() != 0 || !bytes.Equal(m.Data, platformtest.VideoBytes()) || m.Alt != "A test pattern, four seconds" {
			t.Errorf("media %s (job blob %v, %d uploads to the service): want the uploadBlob blob with its alt text", m.ID, f.JobBlob(m.ID), f.VideoUploads())
		}
		if e := embedOf(t, posts[0]); e["$type"] != "app.bsky.embed.video" {
			t.Errorf("embed = %v", e)
		}
	})
	t.Run("over the PDS's blob limit", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{BlobUploadLimit: 1000})
		b := videoAdapter(t, f, nil, nil, map[string]any{"video_service": "pds"})
		_, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip")
		notPosted(t, f, err, "PDS_BLOB_UPLOAD_LIMIT")
	})
	t.Run("not MP4", func(t *testing.T) {
		f := bluesky.NewFake(t, bluesky.FakeOptions{})
		b := videoAdapter(t, f, nil, nil, map[string]any{"video_service": "pds"})
		p := videoPayload("clip")
		p.Media[0].Type = "video/webm"
		_, err := b.Publish(t.Context(), p, "attempt-clip")
		notPosted(t, f, err, "takes video/mp4")
	})
}

// When createRecord's outcome is unknown (the PDS took the post, the
// answer was lost), Find settles it by the record key: the video was
// uploaded before, and is not uploaded again.
func TestVideoPostUnknownOutcomeFound(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	f.Inject(platformtest.Fault{Kind: platformtest.ServerError})
	b := videoAdapter(t, f, nil, nil, nil)
	p := videoPayload("clip")
	_, err := b.Publish(t.Context(), p, "attempt-clip")
	if err == nil {
		t.Fatal("publish succeeded through a 500")
	}
	if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
		t.Fatalf("outcome %s: a 500 with no record under the key is not created: %v", o, err)
	}
	if _, err := b.Find(t.Context(), p, platforms.Attempt{Key: "attempt-clip"}); err == nil || !strings.Contains(err.Error(), "no record") {
		t.Errorf("find = %v, want not found", err)
	}
	if _, err := b.Publish(t.Context(), p, "attempt-clip"); err != nil {
		t.Fatal(err)
	}
	if len(f.Posts()) != 1 {
		t.Errorf("%d posts, want 1", len(f.Posts()))
	}
}

func TestVideoSettings(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	for _, tt := range []struct {
		values map[string]any
		want   string
	}{
		{map[string]any{"video_service": "ftp://video"}, `setting video_service: "ftp://video" is not an http(s) URL (or "pds"`},
		{map[string]any{"video_wait": "soon"}, `setting video_wait "soon" is not a positive duration`},
		{map[string]any{"pds_did": "localhost"}, `setting pds_did: "localhost" is not a DID`},
	} {
		values := map[string]any{"handle": "h", "password_env": passwordEnv}
		for k, v := range tt.values {
			values[k] = v
		}
		_, err := bluesky.New(platforms.Settings{Account: "sky", Platform: "bluesky", BaseURL: f.URL(), Values: values, Now: fixedNow})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.values, err, tt.want)
		}
	}
}

// The upload's service-auth token names the PDS's DID: from the
// session's DID document, else (a PDS that sends none, as the reference
// PDS does by default) from describeServer, or the
// pds_did setting. The fake's PDS is did:web:localhost while base_url's
// host is 127.0.0.1, so a token for base_url's host is refused.
func TestVideoServiceAuthAudience(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  bluesky.FakeOptions
		extra map[string]any
	}{
		{"from the DID document", bluesky.FakeOptions{}, nil},
		{"from describeServer", bluesky.FakeOptions{NoDIDDoc: true}, nil},
		{"from pds_did", bluesky.FakeOptions{NoDIDDoc: true}, map[string]any{"pds_did": "did:web:localhost"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := bluesky.NewFake(t, tt.opts)
			if f.PDSDID() != "did:web:localhost" {
				t.Fatalf("fake PDS DID %s", f.PDSDID())
			}
			b := videoAdapter(t, f, nil, nil, tt.extra)
			for _, key := range []string{"one", "two"} {
				if _, err := b.Publish(t.Context(), videoPayload(key), platforms.AttemptKey("attempt-"+key)); err != nil {
					t.Fatal(err)
				}
			}
			if len(f.Posts()) != 2 {
				t.Errorf("%d posts, want 2", len(f.Posts()))
			}
		})
	}
}

// A long upload logs its progress as it streams, every 8 MiB.
func TestVideoUploadProgress(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	var logs bytes.Buffer
	b := videoAdapter(t, f, logTo(&logs), nil, nil)
	data := append(platformtest.VideoBytes(), make([]byte, 20<<20)...)
	p := platformtest.Payload("big", "A big clip")
	p.Media = []platforms.Media{{Path: "posts/big.mp4", Type: "video/mp4", Size: int64(len(data)), Width: 320, Height: 180,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}
	var reported []progress.Update
	ctx := progress.With(t.Context(), func(u progress.Update) { reported = append(reported, u) })
	if _, err := b.Publish(ctx, p, "attempt-big"); err != nil {
		t.Fatal(err)
	}
	// apply's output hears of the same bytes, by file, never by URL.
	if len(reported) < 2 || reported[0].Sent != 0 || reported[len(reported)-1].Sent != int64(len(data)) {
		t.Errorf("progress reported %d updates, first %+v", len(reported), reported[:min(1, len(reported))])
	}
	for _, u := range reported {
		if u.Platform != "bluesky" || u.File != "posts/big.mp4" || u.Size != int64(len(data)) {
			t.Fatalf("progress update %+v, want bluesky posts/big.mp4 of %d bytes", u, len(data))
		}
	}
	var got []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, `msg="upload progress"`) {
			_, rest, _ := strings.Cut(line, "chunk=")
			got = append(got, strings.TrimSpace(rest))
		}
	}
	want := []string{"1 chunks=3 sent_bytes=8388608 size_bytes=21012038", "2 chunks=3 sent_bytes=16777216 size_bytes=21012038",
		"3 chunks=3 sent_bytes=21012038 size_bytes=21012038"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress lines (-want +got):\n%s", diff)
	}
}

// A video service that is not there is named, with the way out.
func TestVideoServiceMissing(t *testing.T) {
	f := bluesky.NewFake(t, bluesky.FakeOptions{})
	b := videoAdapter(t, f, nil, nil, map[string]any{"video_service": "http://127.0.0.1:1"})
	_, err := b.Publish(t.Context(), videoPayload("clip"), "attempt-clip")
	notPosted(t, f, err, `set video_service to one, or to "pds" to upload videos to the PDS itself`)
}
