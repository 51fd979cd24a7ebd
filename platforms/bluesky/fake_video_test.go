package bluesky_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms/bluesky"
)

// TestFakeVideoServiceRejects sends the fake's PDS and video service
// requests an adapter must not send, and checks each is answered as the
// real services answer.
func TestFakeVideoServiceRejects(t *testing.T) {
	var mu sync.Mutex
	now := clock
	f := bluesky.NewFake(t, bluesky.FakeOptions{MaxVideoBytes: 100, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	do := func(method, u, auth, ctype string, body []byte) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, u, bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	_, sess := do("POST", f.URL()+"/xrpc/com.atproto.server.createSession", "", "application/json",
		[]byte(`{"identifier":"herald.test","password":"fake-app-pass-word"}`))
	access, _ := sess["accessJwt"].(string)
	serviceAuth := func(aud, lxm string, ttl time.Duration) (int, map[string]any) {
		q := url.Values{"aud": {aud}, "lxm": {lxm}, "exp": {fmt.Sprint(clock.Add(ttl).Unix())}}
		return do("GET", f.URL()+"/xrpc/com.atproto.server.getServiceAuth?"+q.Encode(), access, "", nil)
	}
	token := func(aud, lxm string) string {
		t.Helper()
		status, out := serviceAuth(aud, lxm, 30*time.Minute)
		tok, _ := out["token"].(string)
		if status != 200 || tok == "" {
			t.Fatalf("getServiceAuth: %d %v", status, out)
		}
		return tok
	}
	upload := url.Values{"did": {f.DID()}, "name": {"clip.mp4"}}
	uploadURL := f.VideoServiceURL() + "/xrpc/app.bsky.video.uploadVideo?" + upload.Encode()
	for _, tt := range []struct {
		name       string
		answer     func() (int, map[string]any)
		wantStatus int
		wantError  string
	}{
		{"a token for two hours", func() (int, map[string]any) {
			return serviceAuth(f.PDSDID(), "com.atproto.repo.uploadBlob", 2*time.Hour)
		}, 400, "BadExpiration"},
		{"a method-less token for 30 minutes", func() (int, map[string]any) { return serviceAuth(f.PDSDID(), "", 30*time.Minute) }, 400, "BadExpiration"},
		{"an audience that is not a DID", func() (int, map[string]any) {
			return serviceAuth("localhost", "com.atproto.repo.uploadBlob", time.Minute)
		}, 400, "InvalidRequest"},
		{"limits without a token", func() (int, map[string]any) {
			return do("GET", f.VideoServiceURL()+"/xrpc/app.bsky.video.getUploadLimits", "", "", nil)
		}, 401, "AuthMissing"},
		{"a video of another type", func() (int, map[string]any) {
			return do("POST", uploadURL, token(f.PDSDID(), "com.atproto.repo.uploadBlob"), "image/gif", []byte("GIF89a"))
		}, 400, "UnsupportedContentType"},
		{"a video over the service's size", func() (int, map[string]any) {
			return do("POST", uploadURL, token(f.PDSDID(), "com.atproto.repo.uploadBlob"), "video/mp4", make([]byte, 101))
		}, 413, "VideoTooLarge"},
		{"a job nobody started", func() (int, map[string]any) {
			return do("GET", f.VideoServiceURL()+"/xrpc/app.bsky.video.getJobStatus?jobId=nope", "", "", nil)
		}, 404, "NotFound"},
		{"an expired upload token", func() (int, map[string]any) {
			tok := token(f.PDSDID(), "com.atproto.repo.uploadBlob")
			mu.Lock()
			now = now.Add(31 * time.Minute)
			mu.Unlock()
			defer func() { mu.Lock(); now = clock; mu.Unlock() }()
			return do("POST", uploadURL, tok, "video/mp4", []byte("mp4"))
		}, 401, "JwtExpired"},
		{"the day's videos spent", func() (int, map[string]any) {
			f.SetVideoAllowance(0, 1000)
			defer f.SetVideoAllowance(25, 1<<30)
			return do("POST", uploadURL, token(f.PDSDID(), "com.atproto.repo.uploadBlob"), "video/mp4", []byte("mp4"))
		}, 400, "DailyLimitExceeded"},
		{"a post whose video no job or upload stored", func() (int, map[string]any) {
			rec := map[string]any{"repo": f.DID(), "collection": "app.bsky.feed.post", "record": map[string]any{
				"$type": "app.bsky.feed.post", "text": "x", "createdAt": "2026-03-01T09:00:00.000Z",
				"embed": map[string]any{"$type": "app.bsky.embed.video", "video": map[string]any{"$type": "blob",
					"ref": map[string]string{"$link": "bafkreinotthere"}, "mimeType": "video/mp4", "size": 3}}}}
			body, _ := json.Marshal(rec)
			return do("POST", f.URL()+"/xrpc/com.atproto.repo.createRecord", access, "application/json", body)
		}, 400, "InvalidRequest"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, out := tt.answer()
			if status != tt.wantStatus || out["error"] != tt.wantError {
				t.Errorf("answer %d %v, want %d %s", status, out, tt.wantStatus, tt.wantError)
			}
		})
	}

	// A job is processing, then completed with the blob it stored on the
	// PDS, which a post then embeds.
	status, job := do("POST", uploadURL, token(f.PDSDID(), "com.atproto.repo.uploadBlob"), "video/mp4", []byte("a tiny mp4"))
	id, _ := job["jobId"].(string)
	if status != 200 || job["state"] != "JOB_STATE_CREATED" || id == "" {
		t.Fatalf("uploadVideo: %d %v", status, job)
	}
	var states []string
	var blob any
	for range 3 {
		_, out := do("GET", f.VideoServiceURL()+"/xrpc/app.bsky.video.getJobStatus?jobId="+id, "", "", nil)
		js, _ := out["jobStatus"].(map[string]any)
		states = append(states, fmt.Sprint(js["state"]))
		blob = js["blob"]
	}
	if strings.Join(states, " ") != "JOB_STATE_ENCODING JOB_STATE_COMPLETED JOB_STATE_COMPLETED" || blob == nil {
		t.Errorf("states %v, blob %v", states, blob)
	}
	status, again := do("POST", uploadURL, token(f.PDSDID(), "com.atproto.repo.uploadBlob"), "video/mp4", []byte("a tiny mp4"))
	if status != 409 || again["error"] != "already_exists" || again["jobId"] != id {
		t.Errorf("the same video again: %d %v, want 409 already_exists with job %s", status, again, id)
	}
	rec := map[string]any{"repo": f.DID(), "collection": "app.bsky.feed.post", "record": map[string]any{
		"$type": "app.bsky.feed.post", "text": "x", "createdAt": "2026-03-01T09:00:00.000Z",
		"embed": map[string]any{"$type": "app.bsky.embed.video", "video": blob, "alt": "tiny"}}}
	body, _ := json.Marshal(rec)
	if status, out := do("POST", f.URL()+"/xrpc/com.atproto.repo.createRecord", access, "application/json", body); status != 200 {
		t.Fatalf("createRecord with the job's blob: %d %v", status, out)
	}
	if posts := f.Posts(); len(posts) != 1 || len(posts[0].Media) != 1 || !f.JobBlob(posts[0].Media[0].ID) {
		t.Errorf("posts = %+v, want one with the job's blob", posts)
	}
}
