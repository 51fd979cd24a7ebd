package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Video settings and limits.
const (
	// DefaultVideoService is Bluesky's video service, which takes a
	// video, processes it, and stores it on the account's PDS as a blob.
	DefaultVideoService = "https://video.bsky.app"
	// VideoServicePDS, as the video_service setting, sends videos to the
	// PDS with com.atproto.repo.uploadBlob instead (a PDS no video
	// service reaches).
	VideoServicePDS = "pds"
	// MaxVideoBytes is the maxSize of app.bsky.embed.video's blob:
	// 300,000,000 bytes since August 2026 (formerly 100,000,000).
	MaxVideoBytes = 300_000_000
	// DefaultVideoWait bounds the wait for the video service's
	// processing (the video_wait setting).
	DefaultVideoWait = 10 * time.Minute
	// maxCaptions is the lexicon's maxLength of a video's captions.
	maxCaptions = 20

	// serviceAuthTTL is how long the upload's service-auth token lives:
	// the 30 minutes the documentation recommends, within the hour the
	// PDS allows.
	serviceAuthTTL = 30 * time.Minute
	// limitsAuthTTL is the upload-limits token's life: one call.
	limitsAuthTTL = time.Minute
	// videoTimeout bounds the upload request of a video of up to 300 MB.
	videoTimeout = 30 * time.Minute
	// videoRetries is how many times a video upload that failed in a way
	// that may pass is sent again; pollFailures how many status reads in a
	// row may fail so before the wait gives up.
	videoRetries = upload.DefaultRetries
	pollFailures = 5

	lxmUploadBlob   = "com.atproto.repo.uploadBlob"
	lxmUploadLimits = "app.bsky.video.getUploadLimits"
	jobCompleted    = "JOB_STATE_COMPLETED"
	jobFailed       = "JOB_STATE_FAILED"
)

// videoEmbed is app.bsky.embed.video.
type videoEmbed struct {
	Type        string          `json:"$type"`
	Video       json.RawMessage `json:"video"`
	Alt         string          `json:"alt,omitempty"`
	AspectRatio *aspectRatio    `json:"aspectRatio,omitempty"`
}

// jobStatus is app.bsky.video.defs#jobStatus.
type jobStatus struct {
	JobID    string          `json:"jobId"`
	DID      string          `json:"did"`
	State    string          `json:"state"`
	Progress int             `json:"progress"`
	Blob     json.RawMessage `json:"blob"`
	Error    string          `json:"error"`
	Message  string          `json:"message"`
}

// jobAnswer reads uploadVideo's and getJobStatus's answers: the lexicon
// wraps the status in jobStatus, but the service has been seen to answer
// uploadVideo (and its 409) with the status's fields at the top level
// (bluesky-social/atproto issues 3026 and 3097).
type jobAnswer struct {
	JobStatus *jobStatus `json:"jobStatus"`
	jobStatus
}

func (a jobAnswer) status() jobStatus {
	if a.JobStatus != nil {
		return *a.JobStatus
	}
	return a.jobStatus
}

// uploadLimits is app.bsky.video.getUploadLimits's answer.
type uploadLimits struct {
	CanUpload            bool   `json:"canUpload"`
	RemainingDailyVideos *int64 `json:"remainingDailyVideos"`
	RemainingDailyBytes  *int64 `json:"remainingDailyBytes"`
	Message              string `json:"message"`
	Error                string `json:"error"`
}

// isVideo reports whether a media item is a video.
func isVideo(m platforms.Media) bool { return strings.HasPrefix(m.Type, "video/") }

// splitMedia returns p's video, if it has one, and refuses what a post
// cannot hold: a video beside images, or two videos (app.bsky.feed.post's
// embed is one embed: images or one video).
func splitMedia(media []platforms.Media) (*platforms.Media, error) {
	var video *platforms.Media
	for i := range media {
		if !isVideo(media[i]) {
			continue
		}
		if video != nil {
			return nil, notCreated("media %s: a Bluesky post takes one video; %s is another", media[i].Path, video.Path)
		}
		video = &media[i]
	}
	if video != nil && len(media) > 1 {
		return nil, notCreated("media %s: a Bluesky post takes a video on its own, without images: post the images separately", video.Path)
	}
	return video, nil
}

// uploadVideo uploads m and returns its embed. Through the video service
// (the default): the account's upload limits are read first, so a video
// the service would refuse today is refused before a byte is sent; then
// the file is streamed to uploadVideo with a service-auth token for the
// PDS, and the job is polled until the service has stored the processed
// video on the PDS as a blob. With video_service: pds the file is
// streamed to the PDS's uploadBlob. Either way no record exists yet: any
// error here means nothing was posted.
func (b *Bluesky) uploadVideo(ctx context.Context, m platforms.Media) (*videoEmbed, error) {
	if m.Open == nil {
		return nil, notCreated("media %s: nothing to read it with", m.Path)
	}
	if m.Size > MaxVideoBytes {
		return nil, notCreated("media %s is %d bytes; a Bluesky video is at most %d: compress or trim it", m.Path, m.Size, MaxVideoBytes)
	}
	var blob json.RawMessage
	var err error
	if b.videoService == VideoServicePDS {
		blob, err = b.uploadVideoBlob(ctx, m)
	} else {
		blob, err = b.processVideo(ctx, m)
	}
	if err != nil {
		return nil, err
	}
	e := &videoEmbed{Type: "app.bsky.embed.video", Video: blob, Alt: m.Alt}
	if m.Width > 0 && m.Height > 0 {
		e.AspectRatio = &aspectRatio{Width: m.Width, Height: m.Height}
	}
	return e, nil
}

// processVideo sends m through the video service and returns the blob
// the service stored on the PDS.
func (b *Bluesky) processVideo(ctx context.Context, m platforms.Media) (json.RawMessage, error) {
	s, err := b.session(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.checkVideoLimits(ctx, m); err != nil {
		return nil, err
	}
	aud, err := b.pdsDID(ctx, s)
	if err != nil {
		return nil, err
	}
	job, err := b.sendVideo(ctx, s, aud, m)
	if err != nil {
		return nil, err
	}
	if job.JobID == "" {
		// The service has been seen to refuse this way with a 200:
		// {"jobStatus": {"error": "unconfirmed_email", "jobId": "", ...}}
		// (atproto issue 3097).
		if why := jobMessage(job); why != "" {
			return nil, notCreated("Bluesky's video service refused %s: %s; nothing was posted (a Bluesky-hosted account must verify its email to upload video)", m.Path, why)
		}
		return nil, notCreated("upload %s: the video service answered without a job ID", m.Path)
	}
	if job.State == jobCompleted && len(job.Blob) > 0 {
		return job.Blob, nil
	}
	return b.awaitJob(ctx, m, job)
}

// serviceAuth asks the PDS for a token that lets the service aud call
// lxm on the account's behalf until ttl from now
// (com.atproto.server.getServiceAuth).
func (b *Bluesky) serviceAuth(ctx context.Context, aud, lxm string, ttl time.Duration) (string, error) {
	exp := b.now().Add(ttl).Unix()
	var out struct {
		Token string `json:"token"`
	}
	_, err := b.call(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc("com.atproto.server.getServiceAuth"),
		Query: url.Values{"aud": {aud}, "lxm": {lxm}, "exp": {fmt.Sprint(exp)}}}, &out)
	if err != nil {
		return "", failNotCreated("service auth for "+lxm, err)
	}
	if out.Token == "" {
		return "", notCreated("service auth for %s: the PDS answered without a token", lxm)
	}
	b.mu.Lock()
	b.addSecrets(out.Token)
	b.mu.Unlock()
	return out.Token, nil
}

// videoClient is a client for the video service that sends token.
func (b *Bluesky) videoClient(token string) *httpx.Client {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.client(b.videoService, token)
}

// checkVideoLimits reads the account's video upload limits and refuses a
// video the service would not take today: the account may not upload
// (unverified email, new account, uploads paused), or the day's videos or
// bytes are spent.
func (b *Bluesky) checkVideoLimits(ctx context.Context, m platforms.Media) error {
	token, err := b.serviceAuth(ctx, b.videoServiceDID, lxmUploadLimits, limitsAuthTTL)
	if err != nil {
		return err
	}
	var lim uploadLimits
	if _, err := b.videoClient(token).DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc(lxmUploadLimits)}, &lim); err != nil {
		var se *httpx.StatusError
		missing := !errors.As(err, &se) || se.Status == http.StatusNotFound || se.Status == http.StatusNotImplemented
		err = failNotCreated("video upload limits", err)
		if missing {
			// No video service answers there: say what else there is.
			err = fmt.Errorf("%w (no video service at %s? set video_service to one, or to %q to upload videos to the PDS itself)",
				err, b.videoService, VideoServicePDS)
		}
		return err
	}
	why := lim.Message
	if why == "" {
		why = lim.Error
	}
	switch {
	case !lim.CanUpload:
		if why == "" {
			why = "no reason given"
		}
		return notCreated("Bluesky's video service will not take a video from this account now: %s; nothing was uploaded or posted (check the account's email is verified, then run apply again later)", why)
	case lim.RemainingDailyVideos != nil && *lim.RemainingDailyVideos < 1:
		return notCreated("this account's daily video uploads are used up (0 left today); nothing was uploaded or posted: run apply again tomorrow")
	case lim.RemainingDailyBytes != nil && *lim.RemainingDailyBytes < m.Size:
		return notCreated("media %s is %d bytes and this account may upload %d more bytes of video today; nothing was uploaded or posted: run apply again tomorrow",
			m.Path, m.Size, *lim.RemainingDailyBytes)
	}
	return nil
}

// sendVideo streams m to the video service's uploadVideo and returns the
// job it started. A video the service has already processed is answered
// 409 with error already_exists and the earlier job, which serves as
// well. A failure that may pass (no answer, 429, 5xx) is sent again, from
// the file's first byte, with back-off and the service's Retry-After;
// were the first try processed after all, the retry meets the 409.
func (b *Bluesky) sendVideo(ctx context.Context, s *session, aud string, m platforms.Media) (jobStatus, error) {
	wait := time.Second
	for attempt := 0; ; attempt++ {
		// A fresh token each try: the first may have lapsed meanwhile.
		token, err := b.serviceAuth(ctx, aud, lxmUploadBlob, serviceAuthTTL)
		if err != nil {
			return jobStatus{}, err
		}
		job, err := b.postVideo(ctx, token, s.did, m)
		if err == nil {
			return job, nil
		}
		after, again := upload.Retryable(err)
		if !again || attempt >= videoRetries || ctx.Err() != nil {
			return jobStatus{}, err
		}
		d := max(after, wait)
		b.log.Warn("video upload failed; sending it again", "file", m.Path, "attempt", attempt+2, "wait", d.String(), "error", err.Error())
		if err := b.sleep(ctx, d); err != nil {
			return jobStatus{}, notCreated("upload %s: %w", m.Path, err)
		}
		wait *= 2
	}
}

// postVideo is one uploadVideo request, its body streamed from the file.
func (b *Bluesky) postVideo(ctx context.Context, token, did string, m platforms.Media) (jobStatus, error) {
	rc, err := m.Open()
	if err != nil {
		return jobStatus{}, notCreated("open %s: %w", m.Path, err)
	}
	defer rc.Close()
	body := &countingReader{r: upload.ProgressReader(ctx, Name, m.Path, io.LimitReader(rc, m.Size), m.Size), log: b.log, file: m.Path, size: m.Size}
	b.log.Info("upload", "file", m.Path, "size_bytes", m.Size, "to", b.videoService)
	var ans jobAnswer
	_, err = b.videoClient(token).DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("app.bsky.video.uploadVideo"),
		Query:  url.Values{"did": {did}, "name": {path.Base(m.Path)}},
		Stream: body, StreamLength: m.Size, ContentType: m.Type, Timeout: videoTimeout}, &ans)
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusConflict {
		var prior jobAnswer
		if json.Unmarshal(se.Body, &prior) == nil && prior.status().JobID != "" {
			b.log.Info("the video service has processed this video before; using that job", "file", m.Path, "job", prior.status().JobID)
			return prior.status(), nil
		}
	}
	if err != nil {
		return jobStatus{}, failNotCreated("upload "+m.Path+" to the video service", err)
	}
	body.done()
	if body.n != m.Size {
		return jobStatus{}, notCreated("upload %s: sent %d bytes of %d: the file changed while it was read", m.Path, body.n, m.Size)
	}
	st := ans.status()
	if st.State == jobFailed {
		return jobStatus{}, jobError(m.Path, st)
	}
	return st, nil
}

// awaitJob polls getJobStatus with the shared back-off until the job
// completes with a blob, fails, or outlasts video_wait.
func (b *Bluesky) awaitJob(ctx context.Context, m platforms.Media, job jobStatus) (json.RawMessage, error) {
	var blob json.RawMessage
	failures := 0
	c := b.videoClient("")
	poll := func(ctx context.Context) (upload.Status, error) {
		var ans jobAnswer
		_, err := c.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc("app.bsky.video.getJobStatus"),
			Query: url.Values{"jobId": {job.JobID}}}, &ans)
		if err != nil {
			err = failNotCreated("video job "+job.JobID, err)
			if after, again := upload.Retryable(err); again && failures < pollFailures {
				failures++
				b.log.Warn("video job status unreadable; asking again", "file", m.Path, "job", job.JobID, "error", err.Error())
				return upload.Status{State: upload.Processing, CheckAfter: after}, nil
			}
			return upload.Status{}, err
		}
		failures = 0
		st := ans.status()
		switch {
		case len(st.Blob) > 0:
			// A job the service finished before (already_exists) carries
			// its blob whatever its state says.
			blob = st.Blob
			return upload.Status{State: upload.Done}, nil
		case st.State == jobFailed:
			return upload.Status{State: upload.Failed, Message: jobMessage(st)}, nil
		case st.State == jobCompleted:
			return upload.Status{State: upload.Failed, Message: "the job completed without a blob"}, nil
		}
		return upload.Status{State: upload.Processing, Percent: st.Progress}, nil
	}
	first := upload.Status{State: upload.Processing, Percent: job.Progress}
	err := upload.Await(ctx, poll, first, upload.Options{Platform: Name, Name: m.Path, Size: m.Size,
		PollFirst: b.videoPoll, PollTotal: b.videoWait, Sleep: b.sleep, Logger: b.log})
	if err != nil {
		var ae *platforms.APIError
		if errors.As(err, &ae) {
			ae.Outcome = platforms.NotCreated
		}
		return nil, fmt.Errorf("video job %s: %w (setting video_wait bounds the wait)", job.JobID, err)
	}
	return blob, nil
}

// jobMessage is what a failed job says: its message and its error.
func jobMessage(st jobStatus) string {
	switch {
	case st.Message != "" && st.Error != "" && st.Message != st.Error:
		return st.Message + " (" + st.Error + ")"
	case st.Message != "":
		return st.Message
	}
	return st.Error
}

func jobError(file string, st jobStatus) error {
	return notCreated("Bluesky's video service could not process %s: %s; nothing was posted", file, jobMessage(st))
}

// uploadVideoBlob streams m to the PDS's uploadBlob with the session's
// access token, as images go (video_service: pds). The Bluesky AppView's
// video service then processes the blob after the post appears, so the
// post shows without its video for a while; the PDS caps the upload at its
// PDS_BLOB_UPLOAD_LIMIT (5 MiB unless raised), answered 413.
func (b *Bluesky) uploadVideoBlob(ctx context.Context, m platforms.Media) (json.RawMessage, error) {
	if m.Type != "video/mp4" {
		return nil, notCreated("media %s is %s; a Bluesky video embed takes video/mp4: convert it", m.Path, m.Type)
	}
	s, err := b.session(ctx)
	if err != nil {
		return nil, err
	}
	var blob json.RawMessage
	for try := 0; ; try++ {
		blob, err = b.putBlob(ctx, s, m)
		if !tokenRefused(err) || try > 0 {
			break
		}
		if s, err = b.renew(ctx, s); err != nil {
			return nil, err
		}
	}
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusRequestEntityTooLarge {
		return nil, notCreated("upload %s: the PDS refused %d bytes as too large (413 %s): it takes blobs up to its PDS_BLOB_UPLOAD_LIMIT, 5 MiB unless raised; raise it, or use a video service (video_service)",
			m.Path, m.Size, se.Code)
	}
	if err != nil {
		return nil, failNotCreated("upload "+m.Path, err)
	}
	return blob, nil
}

// putBlob is one uploadBlob request, its body streamed from the file.
func (b *Bluesky) putBlob(ctx context.Context, s *session, m platforms.Media) (json.RawMessage, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, notCreated("open %s: %w", m.Path, err)
	}
	defer rc.Close()
	body := &countingReader{r: upload.ProgressReader(ctx, Name, m.Path, io.LimitReader(rc, m.Size), m.Size), log: b.log, file: m.Path, size: m.Size}
	b.log.Info("upload", "file", m.Path, "size_bytes", m.Size, "to", b.pdsURL)
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if _, err := s.api.DoJSON(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("com.atproto.repo.uploadBlob"),
		Stream: body, StreamLength: m.Size, ContentType: m.Type, Timeout: videoTimeout}, &out); err != nil {
		return nil, err
	}
	body.done()
	if body.n != m.Size {
		return nil, notCreated("upload %s: sent %d bytes of %d: the file changed while it was read", m.Path, body.n, m.Size)
	}
	if len(out.Blob) == 0 {
		return nil, notCreated("upload %s: the PDS answered without a blob", m.Path)
	}
	return out.Blob, nil
}

// progressStep is how many bytes of a streamed upload pass between two
// progress lines in the log.
const progressStep = 8 << 20

// countingReader counts the bytes read through it and, when it has a
// logger, logs progress each progressStep bytes, in the shared upload
// machinery's words (a step is a "chunk"), so that a long upload shows
// it is moving. done logs the last line.
type countingReader struct {
	r    io.Reader
	n    int64
	log  *slog.Logger
	file string
	size int64
}

func (c *countingReader) chunks() int64 { return max(1, (c.size+progressStep-1)/progressStep) }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	before := c.n / progressStep
	c.n += int64(n)
	if k := c.n / progressStep; c.log != nil && k > before && k < c.chunks() {
		c.log.Info("upload progress", "file", c.file, "chunk", k, "chunks", c.chunks(), "sent_bytes", c.n, "size_bytes", c.size)
	}
	return n, err
}

// done logs the upload's last progress line.
func (c *countingReader) done() {
	c.log.Info("upload progress", "file", c.file, "chunk", c.chunks(), "chunks", c.chunks(), "sent_bytes", c.n, "size_bytes", c.size)
}

// pdsDID is the audience of the upload's service-auth token: the DID of
// the account's PDS, which the video service presents the token to when
// it stores the processed video, and which the PDS checks (401
// BadJwtAudience otherwise). It is, in order: the pds_did setting;
// did:web: and the host name of the PDS the session's DID document names
// (what the Bluesky app sends); the did com.atproto.server.describeServer
// reports (a PDS that sends no DID document with its sessions, as the
// reference PDS does unless PDS_ENABLE_DID_DOC_WITH_SESSION is set);
// did:web: and the host name of base_url.
func (b *Bluesky) pdsDID(ctx context.Context, s *session) (string, error) {
	b.mu.Lock()
	did := b.pdsDIDSetting
	if did == "" {
		did = b.pdsDIDFound
	}
	b.mu.Unlock()
	if did != "" {
		return did, nil
	}
	if s.pds != "" {
		did = didWeb(s.pds)
	}
	if did == "" {
		var out struct {
			DID string `json:"did"`
		}
		_, err := b.public(b.pdsURL).DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc("com.atproto.server.describeServer")}, &out)
		switch {
		case err == nil && strings.HasPrefix(out.DID, "did:"):
			did = out.DID
		case err != nil && ctx.Err() != nil:
			return "", failNotCreated("describe the PDS", err)
		default:
			did = didWeb(b.pdsURL)
			b.log.Warn("the PDS does not say its DID; assuming it from base_url (set pds_did if uploads are refused)", "pds_did", did)
		}
	}
	b.mu.Lock()
	b.pdsDIDFound = did
	b.mu.Unlock()
	return did, nil
}

// didWeb is did:web: and the host name of an http(s) URL (no port: the
// Bluesky app's getServiceAuthAudFromUrl drops it, and a PDS's own DID is
// did:web: and its PDS_HOSTNAME).
func didWeb(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return "did:web:" + u.Hostname()
}
