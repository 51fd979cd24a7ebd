package bluesky

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// The fake's video service lives beside its PDS, at /video on the same
// server: VideoServiceURL is the video_service setting. Its DID is
// did:web:127.0.0.1 (the host of that URL, as the adapter derives it);
// the PDS's DID is did:web:localhost, the host its DID document names.

// VideoServiceURL is the video service's base URL on the fake: the
// video_service setting.
func (f *Fake) VideoServiceURL() string { return f.root() + "/video" }

// root is the fake server's URL.
func (f *Fake) root() string { return strings.TrimSuffix(f.URL(), "/pds") }

// PDSEndpoint is the PDS's address as the account's DID document gives
// it: the fake's server, named localhost.
func (f *Fake) PDSEndpoint() string {
	return strings.Replace(f.URL(), "127.0.0.1", "localhost", 1)
}

// PDSDID is the PDS's service DID, the audience the video upload's
// service-auth token must name.
func (f *Fake) PDSDID() string { return didWeb(f.PDSEndpoint()) }

// VideoServiceDID is the video service's DID, the audience of the
// upload-limits token.
func (f *Fake) VideoServiceDID() string { return didWeb(f.VideoServiceURL()) }

// SetVideoAllowance sets what is left of the account's daily video
// allowance: videos and bytes.
func (f *Fake) SetVideoAllowance(videos, bytes int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.videosLeft, f.bytesLeft = videos, bytes
}

// DenyVideo makes the video service refuse the account with message, as
// it does an account whose email is not verified.
func (f *Fake) DenyVideo(message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.videoDenied = message
}

// FailVideoJobs makes jobs started from now on fail with message once
// processed.
func (f *Fake) FailVideoJobs(message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failJobs = message
}

// StallVideoJobs makes jobs started from now on process for ever.
func (f *Fake) StallVideoJobs() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stallJobs = true
}

// ThrottleVideo makes the next uploadVideo answer 429 with Retry-After
// wait; calls queue.
func (f *Fake) ThrottleVideo(wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = append(f.throttle, wait)
}

// VideoUploads is how many uploadVideo requests the video service
// accepted (a 409 for a known video included).
func (f *Fake) VideoUploads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.videoUploads
}

// JobBlob reports whether the blob cid was stored on the PDS by a video
// job (rather than by uploadBlob).
func (f *Fake) JobBlob(cid string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jobBlobs[cid]
}

// serviceToken issues a JWT-shaped service-auth token; only the fake
// reads it back. Callers hold f.mu.
func (f *Fake) serviceToken(cl serviceClaims) string {
	f.seq++
	cl.Iss, cl.Iat, cl.Jti = f.opts.DID, f.opts.Now().Unix(), strconv.Itoa(f.seq)
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(cl)
	sum := sha256.Sum256(claims)
	tok := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256K"}`)) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sum[:])
	f.serviceTokens[tok] = cl
	return tok
}

// service checks a service-auth token as a service that verifies one
// does (xrpc-server's verifyServiceJwt): issued by the PDS, for this
// audience and method, not expired. It answers the refusal itself.
func (f *Fake) service(c *platformtest.Call, aud, lxm string) (serviceClaims, bool) {
	tok, ok := bearer(c)
	if !ok {
		return serviceClaims{}, false
	}
	f.mu.Lock()
	cl, known := f.serviceTokens[tok]
	now := f.opts.Now().Unix()
	f.mu.Unlock()
	switch {
	case !known:
		f.r.Errorf("bluesky fake: %s with a token the PDS did not issue as a service-auth token", c.R.URL.Path)
		c.Error(http.StatusUnauthorized, "BadJwtSignature", "jwt signature does not match jwt issuer")
	case cl.Exp <= now:
		c.Error(http.StatusUnauthorized, "JwtExpired", "jwt expired")
	case cl.Aud != aud:
		f.r.Errorf("bluesky fake: %s with a service-auth token for %q, want %q", c.R.URL.Path, cl.Aud, aud)
		c.Error(http.StatusUnauthorized, "BadJwtAudience", "jwt audience does not match service did")
	case cl.Lxm != lxm:
		f.r.Errorf("bluesky fake: %s with a service-auth token for method %q, want %q", c.R.URL.Path, cl.Lxm, lxm)
		c.Error(http.StatusUnauthorized, "BadJwtLexiconMethod", fmt.Sprintf("bad jwt lexicon method (\"lxm\"). must match: %s", lxm))
	default:
		return cl, true
	}
	return serviceClaims{}, false
}

// videoTypes are the types the video service takes; it stores MP4.
var videoTypes = map[string]bool{"video/mp4": true, "video/quicktime": true, "video/webm": true, "video/mpeg": true}

func (f *Fake) videoRoutes() {
	f.Handle("GET /xrpc/com.atproto.server.describeServer", platformtest.Contract{}, func(c *platformtest.Call) {
		c.Reply(http.StatusOK, map[string]any{"did": f.PDSDID(), "availableUserDomains": []string{".test"},
			"inviteCodeRequired": false, "blobUploadLimit": f.opts.BlobUploadLimit, "links": map[string]any{}, "contact": map[string]any{}})
	})

	// com.atproto.server.getServiceAuth as the reference PDS answers it.
	f.Handle("GET /xrpc/com.atproto.server.getServiceAuth", platformtest.Contract{}, func(c *platformtest.Call) {
		if !f.authorized(c) {
			return
		}
		q := c.R.URL.Query()
		aud, lxm := q.Get("aud"), q.Get("lxm")
		if !strings.HasPrefix(aud, "did:") {
			c.Error(http.StatusBadRequest, "InvalidRequest", "aud must be a valid atproto DID or did#serviceId reference")
			return
		}
		now := f.opts.Now()
		exp := now.Add(time.Minute).Unix()
		if v := q.Get("exp"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				c.Error(http.StatusBadRequest, "InvalidRequest", "exp must be an integer")
				return
			}
			diff := time.Unix(n, 0).Sub(now)
			switch {
			case diff < 0:
				c.Error(http.StatusBadRequest, "BadExpiration", "expiration is in past")
				return
			case diff > time.Hour:
				c.Error(http.StatusBadRequest, "BadExpiration", "cannot request a token with an expiration more than an hour in the future")
				return
			case lxm == "" && diff > time.Minute:
				c.Error(http.StatusBadRequest, "BadExpiration", "cannot request a method-less token with an expiration more than a minute in the future")
				return
			}
			exp = n
		}
		f.mu.Lock()
		tok := f.serviceToken(serviceClaims{Aud: aud, Lxm: lxm, Exp: exp})
		f.mu.Unlock()
		c.Reply(http.StatusOK, map[string]string{"token": tok})
	})

	f.HandleRoot("GET /video/xrpc/app.bsky.video.getUploadLimits", platformtest.Contract{}, func(c *platformtest.Call) {
		if _, ok := f.service(c, f.VideoServiceDID(), lxmUploadLimits); !ok {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		out := map[string]any{"canUpload": true, "remainingDailyVideos": f.videosLeft, "remainingDailyBytes": f.bytesLeft}
		switch {
		case f.videoDenied != "":
			out["canUpload"], out["message"], out["error"] = false, f.videoDenied, f.videoDenied
		case f.videosLeft < 1:
			out["canUpload"], out["message"] = false, "User has exceeded daily upload videos limit"
		case f.bytesLeft < 1:
			out["canUpload"], out["message"] = false, "User has exceeded daily upload bytes limit"
		}
		c.Reply(http.StatusOK, out)
	})

	f.HandleRoot("POST /video/xrpc/app.bsky.video.uploadVideo", platformtest.Contract{}, f.uploadVideo)

	f.HandleRoot("GET /video/xrpc/app.bsky.video.getJobStatus", platformtest.Contract{}, func(c *platformtest.Call) {
		id := c.R.URL.Query().Get("jobId")
		if id == "" {
			c.Error(http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "jobId"`)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		j, ok := f.jobs[id]
		if !ok {
			c.Error(http.StatusNotFound, "NotFound", "job not found")
			return
		}
		c.Reply(http.StatusOK, map[string]any{"jobStatus": f.advance(j)})
	})
}

// uploadVideo takes a video as uploadVideo does: a service-auth token
// for the PDS (the service stores the result there with it) bound to
// uploadBlob, the account's DID, a video type, the size and daily limits;
// a video processed before is 409 already_exists with its job. Its
// answers hold the job's fields at the top level, as the service has
// been seen to send them (atproto issues 3026 and 3097).
func (f *Fake) uploadVideo(c *platformtest.Call) {
	f.mu.Lock()
	if len(f.throttle) > 0 {
		wait := f.throttle[0]
		f.throttle = f.throttle[1:]
		f.mu.Unlock()
		c.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		c.Header().Set("RateLimit-Remaining", "0")
		c.Error(http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	f.mu.Unlock()
	cl, ok := f.service(c, f.PDSDID(), lxmUploadBlob)
	if !ok {
		return
	}
	q := c.R.URL.Query()
	if did := q.Get("did"); did != f.opts.DID || did != cl.Iss {
		f.r.Errorf("bluesky fake: uploadVideo for did %q, want the token's issuer %q", did, cl.Iss)
		c.Error(http.StatusBadRequest, "InvalidRequest", "did must be the token's issuer")
		return
	}
	if q.Get("name") == "" {
		f.r.Errorf("bluesky fake: uploadVideo without a name")
	}
	mime := c.R.Header.Get("Content-Type")
	switch {
	case !videoTypes[mime]:
		c.Error(http.StatusBadRequest, "UnsupportedContentType", fmt.Sprintf("unsupported content type %q", mime))
		return
	case len(c.Body) == 0:
		c.Error(http.StatusBadRequest, "InvalidRequest", "empty body")
		return
	case int64(len(c.Body)) > f.opts.MaxVideoBytes:
		c.Error(http.StatusRequestEntityTooLarge, "VideoTooLarge", fmt.Sprintf("video is larger than %d bytes", f.opts.MaxVideoBytes))
		return
	}
	sum := sha256.Sum256(c.Body)
	key := hex.EncodeToString(sum[:])
	f.mu.Lock()
	defer f.mu.Unlock()
	f.videoUploads++
	if id, ok := f.jobOf[key]; ok {
		c.Reply(http.StatusConflict, map[string]any{"jobId": id, "did": f.opts.DID, "state": "JOB_STATE_COMPLETED",
			"error": "already_exists", "message": "Video already processed"})
		return
	}
	switch {
	case f.videoDenied != "":
		c.Error(http.StatusForbidden, "UploadForbidden", f.videoDenied)
		return
	case f.videosLeft < 1:
		c.Error(http.StatusBadRequest, "DailyLimitExceeded", "User has exceeded daily upload videos limit")
		return
	case f.bytesLeft < int64(len(c.Body)):
		c.Error(http.StatusBadRequest, "DailyLimitExceeded", "User has exceeded daily upload bytes limit")
		return
	}
	f.videosLeft--
	f.bytesLeft -= int64(len(c.Body))
	f.seq++
	j := &fakeJob{id: fmt.Sprintf("fakejob%06d", f.seq), mime: mime, data: append([]byte(nil), c.Body...),
		polls: max(f.opts.VideoPolls, 0), fail: f.failJobs, stall: f.stallJobs}
	f.jobs[j.id] = j
	f.jobOf[key] = j.id
	c.Reply(http.StatusOK, map[string]any{"jobId": j.id, "did": f.opts.DID, "state": "JOB_STATE_CREATED"})
}

// advance moves a job one read on and returns its status: processing
// for its polls, then failed, or completed with the blob it stored on
// the PDS. Callers hold f.mu.
func (f *Fake) advance(j *fakeJob) map[string]any {
	st := map[string]any{"jobId": j.id, "did": f.opts.DID}
	switch {
	case j.completed:
	case j.stall || j.polls > 0:
		j.polls--
		st["state"], st["progress"] = "JOB_STATE_ENCODING", 50
		return st
	case j.fail != "":
		st["state"], st["error"], st["message"] = "JOB_STATE_FAILED", "video processing error for job: "+j.id, j.fail
		return st
	default:
		// The service stores the processed video (MP4) on the PDS with
		// the upload's service-auth token; the fake keeps the bytes.
		cid := fakeCID("bafkrei", j.data)
		f.blobs[cid] = fakeBlob{mime: "video/mp4", data: j.data}
		f.jobBlobs[cid] = true
		j.completed = true
		j.blob = map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid}, "mimeType": "video/mp4", "size": len(j.data)}
	}
	st["state"], st["progress"], st["blob"] = "JOB_STATE_COMPLETED", 100, j.blob
	return st
}

// videoMedia checks an app.bsky.embed.video as the PDS validates it: a
// video/mp4 blob the PDS holds, of at most the lexicon's size, optional
// alt text, aspect ratio and at most 20 captions.
func (f *Fake) videoMedia(embed map[string]any) ([]platformtest.MediaItem, string) {
	blob, _ := embed["video"].(map[string]any)
	ref, _ := blob["ref"].(map[string]any)
	cid, _ := ref["$link"].(string)
	if cid == "" {
		return nil, `Invalid app.bsky.feed.post record: Record/embed must have the property "video"`
	}
	f.mu.Lock()
	b, ok := f.blobs[cid]
	f.mu.Unlock()
	if !ok {
		return nil, fmt.Sprintf("Could not find blob: %s", cid)
	}
	if b.mime != "video/mp4" {
		// The reference PDS 0.5.35's wording, seen live.
		return nil, fmt.Sprintf(`Invalid app.bsky.feed.post record: Expected "video/mp4" (got %q) at $.record.embed.video.mimeType`, b.mime)
	}
	if int64(len(b.data)) > MaxVideoBytes {
		return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: blob too big (maximum %d, got %d) at $.record.embed.video", MaxVideoBytes, len(b.data))
	}
	alt, _ := embed["alt"].(string)
	if v, ok := embed["alt"]; ok {
		if _, isString := v.(string); !isString {
			return nil, "Invalid app.bsky.feed.post record: Record/embed/alt must be a string"
		}
	}
	if ar, ok := embed["aspectRatio"].(map[string]any); ok {
		for _, k := range []string{"width", "height"} {
			if n, _ := ar[k].(float64); n < 1 {
				return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: integer too small (minimum 1, got %v) at $.record.embed.aspectRatio.%s", n, k)
			}
		}
	}
	if caps, _ := embed["captions"].([]any); len(caps) > maxCaptions {
		return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: Record/embed/captions must not have more than %d elements", maxCaptions)
	}
	return []platformtest.MediaItem{{ID: cid, Type: b.mime, Alt: alt, Data: b.data}}, ""
}
