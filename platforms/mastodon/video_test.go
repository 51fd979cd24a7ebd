package mastodon_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// TestVideoIsProcessedThenPosted uploads a video, which the server
// processes in the background (202, then 206 until it is ready), and
// posts it once it is, with its description.
func TestVideoIsProcessedThenPosted(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now, ProcessingPolls: 3})
	pub := newAdapter(t, f, testEnv(t), nil)
	const alt = "A test pattern for four seconds"
	if _, err := pub.Publish(t.Context(), platformtest.WithVideo(platformtest.Payload("v", "A clip"), alt), "attempt"); err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 || len(posts[0].Media) != 1 {
		t.Fatalf("posts = %+v", posts)
	}
	m := posts[0].Media[0]
	if m.Type != "video/mp4" || m.Alt != alt || !bytes.Equal(m.Data, platformtest.VideoBytes()) {
		t.Errorf("media = %s %q, %d bytes", m.Type, m.Alt, len(m.Data))
	}
}

// TestVideoRefusals checks that what the server would refuse, or could
// not process, ends before any status, as not created.
func TestVideoRefusals(t *testing.T) {
	tests := []struct {
		name    string
		opts    mastodon.FakeOptions
		payload *platforms.Payload
		says    string
	}{
		{"processing failed", mastodon.FakeOptions{FailProcessing: true},
			platformtest.WithVideo(platformtest.Payload("v", "A clip"), ""), "Error processing thumbnail for uploaded media"},
		{"larger than the server takes", mastodon.FakeOptions{VideoSizeLimit: 1 << 10},
			platformtest.WithVideo(platformtest.Payload("v", "A clip"), ""), "File file size must be less than"},
		{"a video beside an image", mastodon.FakeOptions{},
			platformtest.WithVideo(platformtest.WithImage(platformtest.Payload("v", "A clip"), "pixel"), ""), "takes a video alone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = testEnv(t).Now
			f := mastodon.NewFake(t, tt.opts)
			pub := newAdapter(t, f, testEnv(t), nil)
			_, err := pub.Publish(t.Context(), tt.payload, "attempt")
			if err == nil || !strings.Contains(err.Error(), tt.says) || platforms.OutcomeOf(err) != platforms.NotCreated {
				t.Fatalf("publish = %v; want a not_created error saying %q", err, tt.says)
			}
			if n := len(f.Posts()); n != 0 {
				t.Errorf("statuses = %d, want 0", n)
			}
		})
	}
}

// uploadTyped sends a file to the fake's POST /api/v2/media as another
// client would and returns the answer's status and media id.
func uploadTyped(t *testing.T, f *mastodon.Fake, typ string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="f"`)
	h.Set("Content-Type", typ)
	fw, _ := w.CreatePart(h)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/api/v2/media", &buf)
	req.Header.Set("Authorization", "Bearer "+mastodon.FakeToken)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.ID
}

// TestFakeVideoContract holds the fake to Mastodon's rules for a client
// that breaks them: a video is processed in the background (202, then
// 206), cannot be attached before it is ready, nor beside an image.
func TestFakeVideoContract(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{Now: testEnv(t).Now})
	auth := "Bearer " + mastodon.FakeToken
	st, video := uploadTyped(t, f, "video/mp4", platformtest.VideoBytes())
	if st != http.StatusAccepted {
		t.Fatalf("video upload = %d, want 202", st)
	}
	if st, _ := post(t, f, http.MethodPost, "/api/v1/statuses", auth, map[string]any{"status": "early", "media_ids": []string{video}}); st != http.StatusUnprocessableEntity {
		t.Errorf("a status with a video still processing = %d, want 422", st)
	}
	if st, _ := post(t, f, http.MethodGet, "/api/v1/media/"+video, auth, nil); st != http.StatusPartialContent {
		t.Errorf("first poll = %d, want 206", st)
	}
	if st, body := post(t, f, http.MethodGet, "/api/v1/media/"+video, auth, nil); st != http.StatusOK || body["url"] == nil {
		t.Errorf("second poll = %d %v, want 200 with a url", st, body)
	}
	_, img := uploadTyped(t, f, "image/png", pngBytes)
	st, body := post(t, f, http.MethodPost, "/api/v1/statuses", auth, map[string]any{"status": "both", "media_ids": []string{img, video}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body["error"].(string), "Cannot attach a video to a post that already contains images") {
		t.Errorf("a video beside an image = %d %v, want 422", st, body)
	}
	if st, _ := post(t, f, http.MethodPost, "/api/v1/statuses", auth, map[string]any{"status": "alone", "media_ids": []string{video}}); st != http.StatusOK {
		t.Errorf("a video alone = %d, want 200", st)
	}
}
