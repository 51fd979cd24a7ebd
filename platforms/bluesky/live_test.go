package bluesky_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/bluesky"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// Environment variables that point the live conformance run at a real
// PDS and an account on it (an app password, or on a test PDS the
// account's password).
const (
	liveURLEnv      = "HERALD_LIVE_BLUESKY_URL"
	liveHandleEnv   = "HERALD_LIVE_BLUESKY_HANDLE"
	livePasswordEnv = "HERALD_LIVE_BLUESKY_PASSWORD"
	// liveAppViewEnv optionally names the AppView that serves metrics
	// (app.bsky.feed.getPosts); a PDS alone has none.
	liveAppViewEnv = "HERALD_LIVE_BLUESKY_APPVIEW"
	// liveVideoEnv optionally names a video service for the video check;
	// without it videos go to the PDS (video_service: pds), since a PDS
	// alone has no video service.
	liveVideoEnv = "HERALD_LIVE_BLUESKY_VIDEO_SERVICE"
)

// liveVideoService is the video_service setting of live runs.
func liveVideoService() string {
	if v := os.Getenv(liveVideoEnv); v != "" {
		return v
	}
	return bluesky.VideoServicePDS
}

// TestLiveConformance runs the conformance suite against a real PDS when
// HERALD_LIVE_BLUESKY_URL, _HANDLE and _PASSWORD are set, and skips,
// naming them, when they are not. It creates and deletes records in the
// account's repository, each text marked with the run. The metrics check
// needs an AppView, named by HERALD_LIVE_BLUESKY_APPVIEW; without it that
// check is skipped, naming the variable.
func TestLiveConformance(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveHandleEnv, livePasswordEnv)
	client := &http.Client{Timeout: 30 * time.Second}
	pds := strings.TrimRight(vars[liveURLEnv], "/")
	h := platformtest.Harness{
		Live: true,
		New: func(t *testing.T, env platformtest.Env) (platforms.Publisher, platformtest.Backend) {
			appview := os.Getenv(liveAppViewEnv)
			if appview == "" {
				appview = pds // unused: the metrics check is skipped
			}
			reg := platforms.NewRegistry(map[string]platforms.Constructor{"bluesky": bluesky.New})
			pub, err := reg.New(platforms.Settings{
				Account: "sky", Platform: "bluesky", BaseURL: pds,
				Values: map[string]any{"handle": vars[liveHandleEnv], "password_env": livePasswordEnv, "appview_url": appview,
					"video_service": liveVideoService()},
				Getenv: func(k string) string { return vars[k] }, HTTPClient: client,
				Logger: env.Logger, Now: env.Now, Tokens: &platforms.MemTokens{},
			})
			if err != nil {
				t.Fatal(err)
			}
			return pub, &liveRepo{t: t, pds: pds, handle: vars[liveHandleEnv], password: vars[livePasswordEnv], tag: env.Tag, client: client}
		},
		Capabilities: platforms.CapDelete | platforms.CapFind | platforms.CapMetrics | platforms.CapResume,
		MaxParts:     25,
		MaxMedia:     bluesky.MaxImages,
		Idempotent:   true,
		Video:        true, VideoAlt: true,
	}
	if os.Getenv(liveAppViewEnv) == "" {
		h.Skip = map[string]string{"metrics": "a PDS alone serves no app.bsky.feed.getPosts: set " + liveAppViewEnv + " to an AppView to check metrics"}
	}
	platformtest.Run(t, h)
}

// liveRepo is the suite's Backend on a real PDS: the records of the
// account's app.bsky.feed.post collection whose text holds the check's
// tag, read with com.atproto.repo.listRecords, their images with
// com.atproto.sync.getBlob.
type liveRepo struct {
	t                *testing.T
	pds              string
	handle, password string
	tag              string
	client           *http.Client

	once   sync.Once
	did    string
	access string
}

// call sends an XRPC request and decodes a 2xx answer into out; it does
// not end with the test's context, so that cleanups can delete.
func (r *liveRepo) call(method, nsid string, q url.Values, body, out any) (int, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	u := r.pds + "/xrpc/" + nsid
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.t.Context()), method, u, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.access != "" {
		req.Header.Set("Authorization", "Bearer "+r.access)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatalf("%s: %v", nsid, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			r.t.Fatalf("%s: %v in %q", nsid, err, data)
		}
	}
	return resp.StatusCode, data
}

// login opens a session, for the DID and for deletes.
func (r *liveRepo) login() {
	r.t.Helper()
	r.once.Do(func() {
		var s struct{ Did, AccessJwt string }
		if code, body := r.call("POST", "com.atproto.server.createSession", nil,
			map[string]string{"identifier": r.handle, "password": r.password}, &s); code != 200 {
			r.t.Fatalf("createSession: %d %s", code, body)
		}
		r.did, r.access = s.Did, s.AccessJwt
	})
}

type liveBlob struct {
	Ref struct {
		Link string `json:"$link"`
	} `json:"ref"`
	MimeType string `json:"mimeType"`
}

type liveRecord struct {
	URI   string `json:"uri"`
	Value struct {
		Text      string `json:"text"`
		CreatedAt string `json:"createdAt"`
		Reply     *struct {
			Parent struct {
				URI string `json:"uri"`
			} `json:"parent"`
		} `json:"reply"`
		Embed *struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt   string   `json:"alt"`
				Image liveBlob `json:"image"`
			} `json:"images"`
			Video *liveBlob `json:"video"`
			Alt   string    `json:"alt"`
		} `json:"embed"`
	} `json:"value"`
}

// Posts lists the repository's posts (up to 500) and returns those that
// hold the check's tag, oldest first, each reply after its parent, with
// their images' bytes.
func (r *liveRepo) Posts() []platformtest.Post {
	r.t.Helper()
	r.login()
	var recs []liveRecord
	cursor := ""
	for range 5 {
		q := url.Values{"repo": {r.did}, "collection": {"app.bsky.feed.post"}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Records []liveRecord `json:"records"`
			Cursor  string       `json:"cursor"`
		}
		if code, body := r.call("GET", "com.atproto.repo.listRecords", q, nil, &page); code != 200 {
			r.t.Fatalf("listRecords: %d %s", code, body)
		}
		for _, rec := range page.Records {
			if r.tag != "" && strings.Contains(rec.Value.Text, r.tag) {
				recs = append(recs, rec)
			}
		}
		if page.Cursor == "" || len(page.Records) == 0 {
			break
		}
		cursor = page.Cursor
	}
	out := make([]platformtest.Post, 0, len(recs))
	for _, rec := range recs {
		p := platformtest.Post{ID: rec.URI, Text: rec.Value.Text}
		p.CreatedAt, _ = time.Parse(time.RFC3339Nano, rec.Value.CreatedAt)
		if rec.Value.Reply != nil {
			p.ReplyTo = rec.Value.Reply.Parent.URI
		}
		blob := func(b liveBlob, alt string) {
			cid := b.Ref.Link
			code, data := r.call("GET", "com.atproto.sync.getBlob", url.Values{"did": {r.did}, "cid": {cid}}, nil, nil)
			if code != 200 {
				r.t.Fatalf("getBlob %s: %d", cid, code)
			}
			p.Media = append(p.Media, platformtest.MediaItem{ID: cid, Type: b.MimeType, Alt: alt, Data: data})
		}
		if e := rec.Value.Embed; e != nil && e.Type == "app.bsky.embed.images" {
			for _, im := range e.Images {
				blob(im.Image, im.Alt)
			}
		}
		if e := rec.Value.Embed; e != nil && e.Type == "app.bsky.embed.video" && e.Video != nil {
			blob(*e.Video, e.Alt)
		}
		out = append(out, p)
	}
	depth := func(p platformtest.Post) int {
		n := 0
		for parent := p.ReplyTo; parent != "" && n <= len(out); n++ {
			i := slices.IndexFunc(out, func(q platformtest.Post) bool { return q.ID == parent })
			if i < 0 {
				break
			}
			parent = out[i].ReplyTo
		}
		return n
	}
	slices.SortStableFunc(out, func(a, b platformtest.Post) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return depth(a) - depth(b)
	})
	return out
}

// Inject cannot make a real server fail; the suite never asks a live
// backend to.
func (r *liveRepo) Inject(f platformtest.Fault) {
	r.t.Fatalf("a live server cannot inject %s", f.Kind)
}

// RemoveRemotely deletes the record at the AT URI id.
func (r *liveRepo) RemoveRemotely(id string) {
	r.t.Helper()
	r.login()
	parts := strings.Split(strings.TrimPrefix(id, "at://"), "/")
	if len(parts) != 3 {
		r.t.Fatalf("%q is not a record's AT URI", id)
	}
	if code, body := r.call("POST", "com.atproto.repo.deleteRecord", nil,
		map[string]string{"repo": parts[0], "collection": parts[1], "rkey": parts[2]}, nil); code != 200 {
		r.t.Errorf("deleteRecord %s: %d %s", id, code, body)
	}
}

// TestLiveServiceAuth asks a real PDS for the token the video upload
// sends (getServiceAuth, lxm uploadBlob, for the PDS's DID, 30 minutes),
// checks the claims the PDS signed, and presents it to the PDS's
// uploadBlob as the video service does when it stores a processed video.
// A 401 there (BadJwtAudience, BadJwtLexiconMethod) is herald's fault and
// fails; a 5xx is the PDS failing to resolve the account's DID document
// to check the signature (a PDS whose PLC directory it reaches by IP
// address refuses to fetch it: "Invalid hostname"), which is logged.
func TestLiveServiceAuth(t *testing.T) {
	vars := platformtest.LiveEnv(t, liveURLEnv, liveHandleEnv, livePasswordEnv)
	client := &http.Client{Timeout: 30 * time.Second}
	pds := strings.TrimRight(vars[liveURLEnv], "/")
	pub, err := bluesky.New(platforms.Settings{Account: "sky", Platform: "bluesky", BaseURL: pds,
		Values: map[string]any{"handle": vars[liveHandleEnv], "password_env": livePasswordEnv},
		Getenv: func(k string) string { return vars[k] }, HTTPClient: client, Now: time.Now, Tokens: &platforms.MemTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	did, aud, token, err := bluesky.UploadToken(t.Context(), pub.(*bluesky.Bluesky))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("the token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Iss, Aud, Lxm string
		Exp           int64
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	t.Logf("service-auth token: iss %s, aud %s, lxm %s, expires in %s", claims.Iss, claims.Aud, claims.Lxm,
		time.Until(time.Unix(claims.Exp, 0)).Round(time.Second))
	if claims.Iss != did || claims.Aud != aud || claims.Lxm != "com.atproto.repo.uploadBlob" {
		t.Errorf("claims %+v, want iss %s, aud %s, lxm com.atproto.repo.uploadBlob", claims, did, aud)
	}
	if left := time.Until(time.Unix(claims.Exp, 0)); left < 25*time.Minute || left > 31*time.Minute {
		t.Errorf("the token expires in %s, want about 30 minutes", left)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, pds+"/xrpc/com.atproto.repo.uploadBlob",
		bytes.NewReader(platformtest.VideoBytes()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "video/mp4")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusOK:
		t.Logf("the PDS took a blob with the token: %s", body)
	case resp.StatusCode >= 500:
		t.Logf("the PDS could not check the token's signature (%d %s): the audience and method were not refused", resp.StatusCode, body)
	default:
		t.Errorf("the PDS refused the upload token: %d %s", resp.StatusCode, body)
	}
}
