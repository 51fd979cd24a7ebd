package linkedin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/linkedin"
)

// partSize is the fake's part size in these tests, so that a video of a
// few hundred KB is sent in several parts.
const partSize = 64 << 10

// videoData is a 150,000-byte "video": three parts of partSize, the last
// shorter. The fake does not decode it.
var videoData = func() []byte {
	b := make([]byte, 150_000)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}()

func video(name string, data []byte, alt string, d time.Duration) platforms.Media {
	return platforms.Media{Path: "posts/" + name, Alt: alt, Type: "video/mp4", Size: int64(len(data)), Duration: d,
		Width: 1280, Height: 720, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// videoSetup is a setup whose fake cuts videos in partSize parts and
// whose adapter records the waits it asks for.
func videoSetup(t *testing.T, opts linkedin.FakeOptions, extra map[string]any) (*setup, *[]time.Duration) {
	t.Helper()
	opts.VideoPartSize = partSize
	s := newSetup(t, opts)
	if extra != nil {
		s.li = newAdapter(t, s.fake, s.clock.Now, s.tokens, values(s.fake, extra), partnerEnv, s.logs)
	}
	var mu sync.Mutex
	var waits []time.Duration
	linkedin.SetSleep(s.li, func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		return nil
	})
	return s, &waits
}

func TestPublishVideoInParts(t *testing.T) {
	s, waits := videoSetup(t, linkedin.FakeOptions{VideoPolls: 2}, nil)
	p := post(t, s, "Twelve seconds at dusk", "", video("clip.mp4", videoData, "A beam over the sea", 12*time.Second))
	p.Title = "The lighthouse at dusk"
	r, err := s.li.Publish(t.Context(), p, "k")
	if err != nil {
		t.Fatal(err)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || len(posts[0].Media) != 1 {
		t.Fatalf("posts = %+v, want one with one video", posts)
	}
	m := posts[0].Media[0]
	if !strings.HasPrefix(m.ID, "urn:li:video:") || m.Type != "video/mp4" || !bytes.Equal(m.Data, videoData) {
		t.Errorf("media %s %s, %d bytes (same: %v); want the video's bytes", m.ID, m.Type, len(m.Data), bytes.Equal(m.Data, videoData))
	}
	if got := posts[0].Fields["video_title"]; got != "The lighthouse at dusk" {
		t.Errorf("content.media.title = %v, want the post's title", got)
	}
	if diff := cmp.Diff([][]int{{1, 1, 1}}, s.fake.VideoPartPuts()); diff != "" {
		t.Errorf("PUTs per part (-want +got):\n%s", diff)
	}
	if n := s.fake.PartsWithToken(); n != 0 {
		t.Errorf("%d part PUTs carried the bearer token to the signed upload URL", n)
	}
	if s.fake.VideoStatus(m.ID) != "AVAILABLE" {
		t.Errorf("video status %q", s.fake.VideoStatus(m.ID))
	}
	// Finalize reads the status once (PROCESSING), then two polls: one
	// more PROCESSING, then AVAILABLE, each after a wait.
	if len(*waits) != 2 {
		t.Errorf("waits %v, want 2 (the processing polls)", *waits)
	}
	logs := s.logs.String()
	for _, want := range []string{"file=posts/clip.mp4 chunk=3 chunks=3 sent_bytes=150000 size_bytes=150000", "LinkedIn takes no alt text for a video"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if len(r.IDs) != 1 || r.Extra["media_fp"] == "" {
		t.Errorf("receipt %+v", r)
	}
}

func TestVideoPartFailingOnceIsSentAgainAlone(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		wantWait time.Duration
	}{
		{"server error", http.StatusInternalServerError, time.Second},
		{"429 with Retry-After", http.StatusTooManyRequests, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, waits := videoSetup(t, linkedin.FakeOptions{VideoPolls: -1}, nil)
			s.fake.FailVideoPart(1, tc.status, 1)
			if _, err := s.li.Publish(t.Context(), post(t, s, "Retry", "", video("clip.mp4", videoData, "", 5*time.Second)), "k"); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([][]int{{1, 2, 1}}, s.fake.VideoPartPuts()); diff != "" {
				t.Errorf("PUTs per part (-want +got):\n%s", diff)
			}
			if !slices.Equal(*waits, []time.Duration{tc.wantWait}) {
				t.Errorf("waits %v, want [%s]", *waits, tc.wantWait)
			}
			if posts := s.fake.Posts(); len(posts) != 1 || !bytes.Equal(posts[0].Media[0].Data, videoData) {
				t.Errorf("want one post with the whole video")
			}
			if !strings.Contains(s.logs.String(), "upload chunk failed; sending it again") {
				t.Errorf("the retry is not logged:\n%s", s.logs)
			}
		})
	}
}

func TestVideoSessionLostStartsOver(t *testing.T) {
	s, _ := videoSetup(t, linkedin.FakeOptions{VideoPolls: -1}, nil)
	s.fake.FailVideoPart(2, http.StatusNotFound, 1)
	if _, err := s.li.Publish(t.Context(), post(t, s, "Again", "", video("clip.mp4", videoData, "", 5*time.Second)), "k"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]int{{1, 1, 1}, {1, 1, 1}}, s.fake.VideoPartPuts()); diff != "" {
		t.Errorf("PUTs per part of each upload (-want +got):\n%s", diff)
	}
	posts := s.fake.Posts()
	if len(posts) != 1 || s.fake.VideoStatus(posts[0].Media[0].ID) != "AVAILABLE" {
		t.Fatalf("want one post with the second upload's video")
	}
	if !strings.Contains(s.logs.String(), "upload session lost; starting over") {
		t.Errorf("the restart is not logged:\n%s", s.logs)
	}
}

func TestVideoNotPosted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		arm   func(f *linkedin.Fake)
		extra map[string]any
		want  string
	}{
		{"processing failed", func(f *linkedin.Fake) { f.FailVideoProcessing("UNSUPPORTED_CODEC") }, nil,
			"could not process posts/clip.mp4: UNSUPPORTED_CODEC"},
		{"processing outlasts video_wait", func(f *linkedin.Fake) { f.SetVideoPolls(1000) }, map[string]any{"video_wait": "20s"},
			"posts/clip.mp4 is still processing after 15s (the wait is bounded at 20s): run apply again later (nothing was posted)"},
		{"a part keeps failing", func(f *linkedin.Fake) { f.FailVideoPart(0, http.StatusServiceUnavailable, 10) }, nil,
			"chunk 1 of 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := videoSetup(t, linkedin.FakeOptions{}, tc.extra)
			tc.arm(s.fake)
			_, err := s.li.Publish(t.Context(), post(t, s, "Doomed", "", video("clip.mp4", videoData, "", 5*time.Second)), "k")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "sig") || strings.Contains(err.Error(), s.fake.AccessToken()) {
				t.Errorf("the error shows the upload URL's signature or the token: %v", err)
			}
			if o := platforms.OutcomeOf(err); o != platforms.NotCreated {
				t.Errorf("outcome %v, want NotCreated", o)
			}
			if n := len(s.fake.Posts()); n != 0 {
				t.Errorf("%d posts exist, want none", n)
			}
		})
	}
}

func TestVideoRefusedBeforeSending(t *testing.T) {
	for _, tc := range []struct {
		name  string
		media []platforms.Media
		want  string
	}{
		{"too short", []platforms.Media{video("clip.mp4", videoData, "", 2*time.Second)}, "plays 2s; LinkedIn takes videos from 3s to 30m0s"},
		{"too long", []platforms.Media{video("clip.mp4", videoData, "", 31*time.Minute)}, "from 3s to 30m0s"},
		{"beside an image", []platforms.Media{video("clip.mp4", videoData, "", 5*time.Second), image("a.png", png1, "A")}, "one video on its own"},
		{"not MP4", []platforms.Media{func() platforms.Media {
			m := video("clip.mov", videoData, "", 5*time.Second)
			m.Type = "video/quicktime"
			return m
		}()}, "LinkedIn takes MP4 videos"},
		{"too large", []platforms.Media{func() platforms.Media {
			m := video("clip.mp4", videoData, "", 5*time.Second)
			m.Size = linkedin.MaxVideoBytes + 1
			return m
		}()}, "LinkedIn takes at most 524288000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := videoSetup(t, linkedin.FakeOptions{}, nil)
			p := &platforms.Payload{PostID: "p", Target: "main", Platform: "linkedin", Parts: []platforms.Part{rendered("Refused")}, Media: tc.media}
			_, err := s.li.Publish(t.Context(), p, "k")
			if err == nil || !strings.Contains(err.Error(), tc.want) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Fatalf("err = %v, want NotCreated saying %q", err, tc.want)
			}
			if n := len(s.fake.VideoPartPuts()); n != 0 {
				t.Errorf("%d uploads were begun", n)
			}
		})
	}
}

func TestEditVideoPostKeepsVideo(t *testing.T) {
	s, _ := videoSetup(t, linkedin.FakeOptions{VideoPolls: -1}, nil)
	v := video("clip.mp4", videoData, "A beam", 5*time.Second)
	r, err := s.li.Publish(t.Context(), post(t, s, "Before", "", v), "k")
	if err != nil {
		t.Fatal(err)
	}
	// A new text and a new alt text: LinkedIn keeps no alt text for a
	// video, so only the text is sent, and the video stays.
	v.Alt = "A beam of light"
	r2, err := s.li.Update(t.Context(), r, post(t, s, "After", "", v))
	if err != nil {
		t.Fatal(err)
	}
	got := s.fake.Posts()[0]
	if got.Text != "After" || got.Edits != 1 || len(got.Media) != 1 || !bytes.Equal(got.Media[0].Data, videoData) {
		t.Errorf("after the edit: text %q, %d edits, %d media; want the new text and the video", got.Text, got.Edits, len(got.Media))
	}
	// Without fingerprints (a receipt from Find), the post read back is
	// compared: one video, no alt text.
	bare := &platforms.Receipt{Provider: r2.Provider, IDs: r2.IDs}
	if _, err := s.li.Update(t.Context(), bare, post(t, s, "Again", "", v)); err != nil {
		t.Fatalf("update from a bare receipt: %v", err)
	}
	// Another video cannot replace it.
	other := video("clip.mp4", append(slices.Clone(videoData), 1), "A beam", 5*time.Second)
	if _, err := s.li.Update(t.Context(), r2, post(t, s, "After", "", other)); err == nil || !strings.Contains(err.Error(), "or its video") {
		t.Errorf("update with another video: %v, want ErrNotEditable", err)
	}
	if err := s.li.Delete(t.Context(), r2); err != nil {
		t.Errorf("delete: %v", err)
	}
	if p, _ := s.fake.Store.Get(r2.IDs[0]); !p.Deleted {
		t.Errorf("the video post is not deleted")
	}
}

// TestFakeVideosContract drives the fake's Videos API by hand: finalize
// refuses ETags out of order or missing, and a post cannot carry a video
// before it is AVAILABLE, nor one another member owns.
func TestFakeVideosContract(t *testing.T) {
	s, _ := videoSetup(t, linkedin.FakeOptions{VideoPolls: 1}, nil)
	call := func(method, u string, body any, hdr map[string]string) (int, http.Header, map[string]any) {
		t.Helper()
		var rd io.Reader
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case nil:
		default:
			data, _ := json.Marshal(b)
			rd = bytes.NewReader(data)
		}
		req, _ := http.NewRequest(method, u, rd)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := s.fake.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, resp.Header, out
	}
	api := map[string]string{"Authorization": "Bearer " + s.fake.AccessToken(), "LinkedIn-Version": linkedin.DefaultVersion,
		"X-Restli-Protocol-Version": linkedin.RestliProtocol, "Content-Type": "application/json"}

	status, _, init := call("POST", s.fake.URL()+"/videos?action=initializeUpload", map[string]any{"initializeUploadRequest": map[string]any{
		"owner": s.fake.Author(), "fileSizeBytes": len(videoData), "uploadCaptions": false, "uploadThumbnail": false}}, api)
	if status != 200 {
		t.Fatalf("initialize: %d %v", status, init)
	}
	value := init["value"].(map[string]any)
	urn, token := value["video"].(string), value["uploadToken"].(string)
	var etags []string
	for i, x := range value["uploadInstructions"].([]any) {
		in := x.(map[string]any)
		first, last := int(in["firstByte"].(float64)), int(in["lastByte"].(float64))
		if first != i*partSize {
			t.Errorf("instruction %d starts at %d", i, first)
		}
		// One byte short is refused.
		if st, _, _ := call("PUT", in["uploadUrl"].(string), videoData[first:last], nil); st != http.StatusBadRequest {
			t.Errorf("part %d one byte short: %d, want 400", i, st)
		}
		st, h, _ := call("PUT", in["uploadUrl"].(string), videoData[first:last+1], nil)
		if st != 200 || h.Get("ETag") == "" {
			t.Fatalf("part %d: %d, ETag %q", i, st, h.Get("ETag"))
		}
		etags = append(etags, h.Get("ETag"))
	}
	if len(etags) != 3 {
		t.Fatalf("%d parts, want 3", len(etags))
	}
	post := func() int {
		st, _, _ := call("POST", s.fake.URL()+"/posts", map[string]any{"author": s.fake.Author(), "commentary": "x", "visibility": "PUBLIC",
			"distribution":   map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []string{}, "thirdPartyDistributionChannels": []string{}},
			"lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": false, "content": map[string]any{"media": map[string]any{"id": urn}}}, api)
		return st
	}
	if st := post(); st != http.StatusBadRequest {
		t.Errorf("post with a video WAITING_UPLOAD: %d, want 400", st)
	}
	finalize := func(ids []string) (int, map[string]any) {
		st, _, out := call("POST", s.fake.URL()+"/videos?action=finalizeUpload", map[string]any{"finalizeUploadRequest": map[string]any{
			"video": urn, "uploadToken": token, "uploadedPartIds": ids}}, api)
		return st, out
	}
	reversed := slices.Clone(etags)
	slices.Reverse(reversed)
	for name, ids := range map[string][]string{"reversed": reversed, "one missing": etags[:2], "one twice": append(slices.Clone(etags), etags[2])} {
		if st, out := finalize(ids); st != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["message"]), "in order") {
			t.Errorf("finalize with ETags %s: %d %v, want 400", name, st, out)
		}
	}
	if st, _ := finalize(etags); st != 200 {
		t.Fatalf("finalize: %d", st)
	}
	statusOf := func() string {
		_, _, out := call("GET", s.fake.URL()+"/videos/"+url.QueryEscape(urn), nil, api)
		return fmt.Sprint(out["status"])
	}
	if got := s.fake.VideoStatus(urn); got != "PROCESSING" {
		t.Errorf("status after finalize %q, want PROCESSING", got)
	}
	if st := post(); st != http.StatusBadRequest {
		t.Errorf("post with a video PROCESSING: %d, want 400", st)
	}
	if a, b := statusOf(), statusOf(); a != "PROCESSING" || b != "AVAILABLE" {
		t.Errorf("statuses %s then %s, want PROCESSING then AVAILABLE", a, b)
	}
	if st := post(); st != http.StatusCreated {
		t.Errorf("post with the AVAILABLE video: %d, want 201", st)
	}
	// Another owner may not upload.
	st, _, out := call("POST", s.fake.URL()+"/videos?action=initializeUpload", map[string]any{"initializeUploadRequest": map[string]any{
		"owner": "urn:li:person:1", "fileSizeBytes": 100_000}}, api)
	if st != http.StatusForbidden || !strings.Contains(fmt.Sprint(out["message"]), "forbidden") {
		t.Errorf("initialize for another owner: %d %v, want 403", st, out)
	}
}

func TestVideoForbiddenSaysWhichRole(t *testing.T) {
	s, _ := videoSetup(t, linkedin.FakeOptions{Author: "urn:li:organization:2414183"}, nil)
	s.li = newAdapter(t, s.fake, s.clock.Now, s.tokens, values(s.fake, map[string]any{"author": "urn:li:organization:99"}), partnerEnv, s.logs)
	_, err := s.li.Publish(t.Context(), post(t, s, "Not ours", "", video("clip.mp4", videoData, "", 5*time.Second)), "k")
	if err == nil || !strings.Contains(err.Error(), "CONTENT_ADMIN is not enough") || platforms.OutcomeOf(err) != platforms.NotCreated {
		t.Fatalf("err = %v, want a NotCreated 403 naming the roles", err)
	}
	if len(s.fake.Posts()) != 0 {
		t.Error("a post exists")
	}
}
