package linkedin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Video limits of the Videos API (doc.go says where each comes from).
const (
	// MaxVideoBytes is the largest video LinkedIn takes for a post
	// ("Video File Size Specifications": 75 KB to 500 MB).
	MaxVideoBytes = 500 << 20
	// MinVideoDuration and MaxVideoDuration bound a video's length.
	MinVideoDuration = 3 * time.Second
	MaxVideoDuration = 30 * time.Minute
	// VideoPartSize is the size of each part but the last, as LinkedIn's
	// upload instructions give them (4 MiB).
	VideoPartSize = 4 << 20
	// DefaultVideoWait bounds how long Publish waits for LinkedIn to
	// process an uploaded video (the video_wait setting).
	DefaultVideoWait = 10 * time.Minute
)

// isVideo reports whether a media item is a video.
func isVideo(m platforms.Media) bool { return strings.HasPrefix(m.Type, "video/") }

// videoFP fingerprints a video's bytes, read as a stream so that a video
// of hundreds of MiB is never held whole. Its alt text is not part of it:
// LinkedIn keeps no alt text for a video, so changing it changes nothing
// that was published.
func videoFP(m platforms.Media) (string, error) {
	if m.Open == nil {
		return "", fmt.Errorf("no way to read %s", m.Path)
	}
	rc, err := m.Open()
	if err != nil {
		return "", fmt.Errorf("open %s: %w", m.Path, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(rc, MaxVideoBytes+1)); err != nil {
		return "", fmt.Errorf("read %s: %w", m.Path, err)
	}
	h.Write([]byte{0})
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// checkVideo refuses, before anything is sent, a video LinkedIn would
// refuse: not MP4, larger than 500 MB, shorter than 3 s or longer than
// 30 minutes (when its length is known), or beside other media.
func checkVideo(media []platforms.Media) error {
	for _, m := range media {
		if !isVideo(m) {
			continue
		}
		if len(media) > 1 {
			return fmt.Errorf("%s: a LinkedIn post carries one video on its own, and this one has %d media: post the video separately", m.Path, len(media))
		}
		if m.Type != "video/mp4" {
			return fmt.Errorf("%s: %s is not supported; LinkedIn takes MP4 videos", m.Path, m.Type)
		}
		if m.Size > MaxVideoBytes {
			return fmt.Errorf("%s: the video is %d bytes; LinkedIn takes at most %d (500 MiB)", m.Path, m.Size, MaxVideoBytes)
		}
		if d := m.Duration; d != 0 && (d < MinVideoDuration || d > MaxVideoDuration) {
			return fmt.Errorf("%s: the video plays %s; LinkedIn takes videos from %s to %s", m.Path, d, MinVideoDuration, MaxVideoDuration)
		}
	}
	return nil
}

// uploadVideo uploads m through the Videos API and waits until LinkedIn
// reports it AVAILABLE: the parts are streamed from the file, a part that
// fails for a reason that may pass is sent again, a lost session starts
// over, and processing is polled within video_wait. It returns the
// video's URN. Whatever it returns, no post exists yet.
func (a *LinkedIn) uploadVideo(ctx context.Context, m platforms.Media) (string, error) {
	if m.Alt != "" {
		a.log.Info("LinkedIn takes no alt text for a video; the video goes without it", "file", m.Path)
	}
	t := &videoUpload{a: a}
	// The session is opened first, so that the parts are cut as
	// LinkedIn's upload instructions say; Run opens it again only to
	// start over.
	if err := t.initialize(ctx, m.Size); err != nil {
		return "", notCreatedUpload(fmt.Errorf("upload %s: %w", m.Path, err))
	}
	t.opened = true
	err := upload.Run(ctx, t, upload.Options{Platform: Name, Name: m.Path, Size: m.Size, Open: m.Open,
		ChunkSize: t.partSize(), Sleep: a.sleep, Logger: a.log, PollFirst: time.Second, PollTotal: a.videoWait})
	if err != nil {
		return "", notCreatedUpload(fmt.Errorf("video upload: %w", err))
	}
	return t.urn, nil
}

// videoUpload is the Videos API's multi-part upload as an upload.Target:
// POST /rest/videos?action=initializeUpload, a PUT of each part to the
// uploadUrl its instruction gives (keeping each answer's ETag), POST
// /rest/videos?action=finalizeUpload with the ETags in order, then GET
// /rest/videos/{urn} until AVAILABLE.
type videoUpload struct {
	a      *LinkedIn
	opened bool // initialize was called before Run: Begin skips it once

	urn, token string
	parts      []uploadInstruction
	etags      []string
}

// uploadInstruction is one part of the file and where it goes.
type uploadInstruction struct {
	UploadURL string `json:"uploadUrl"`
	FirstByte int64  `json:"firstByte"`
	LastByte  int64  `json:"lastByte"`
}

// initializeVideoResponse is POST /rest/videos?action=initializeUpload.
type initializeVideoResponse struct {
	Value struct {
		UploadURLsExpireAt int64               `json:"uploadUrlsExpireAt"`
		Video              string              `json:"video"`
		UploadInstructions []uploadInstruction `json:"uploadInstructions"`
		UploadToken        string              `json:"uploadToken"`
	} `json:"value"`
}

// initialize registers an upload of size bytes, with no captions and no
// thumbnail (herald's posts carry neither), and checks that the upload
// instructions cover the file, in order, without gaps.
func (t *videoUpload) initialize(ctx context.Context, size int64) error {
	body := map[string]any{"initializeUploadRequest": map[string]any{
		"owner": t.a.author, "fileSizeBytes": size, "uploadCaptions": false, "uploadThumbnail": false}}
	var out initializeVideoResponse
	if _, err := t.a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "videos?action=initializeUpload", JSON: body}, &out); err != nil {
		op := "initialize video upload"
		if statusOf(err) == http.StatusForbidden && t.a.isOrganization() {
			// The Videos API lets a page's ADMINISTRATOR or
			// DIRECT_SPONSORED_CONTENT_POSTER upload, not its CONTENT_ADMIN.
			op += " (a page's video needs the ADMINISTRATOR or DIRECT_SPONSORED_CONTENT_POSTER role; CONTENT_ADMIN is not enough)"
		}
		return t.a.apiError(op, err)
	}
	v := out.Value
	if v.Video == "" || len(v.UploadInstructions) == 0 {
		return errors.New("initialize video upload: LinkedIn answered without a video URN or upload instructions")
	}
	var next int64
	for i, p := range v.UploadInstructions {
		if p.UploadURL == "" || p.FirstByte != next || p.LastByte < p.FirstByte || p.LastByte >= size {
			return fmt.Errorf("initialize video upload: LinkedIn's upload instruction %d of %d (bytes %d-%d) does not continue a %d-byte file from byte %d",
				i+1, len(v.UploadInstructions), p.FirstByte, p.LastByte, size, next)
		}
		next = p.LastByte + 1
	}
	if next != size {
		return fmt.Errorf("initialize video upload: LinkedIn's upload instructions cover %d of the file's %d bytes", next, size)
	}
	t.urn, t.token, t.parts, t.etags = v.Video, v.UploadToken, v.UploadInstructions, make([]string, len(v.UploadInstructions))
	return nil
}

// partSize is the size of the first part, which every part but the last
// shares.
func (t *videoUpload) partSize() int64 {
	if len(t.parts) == 0 {
		return VideoPartSize
	}
	return t.parts[0].LastByte - t.parts[0].FirstByte + 1
}

// Begin implements upload.Target: the session opened before Run is used
// once; after that (a restart) a new one is opened.
func (t *videoUpload) Begin(ctx context.Context, size int64) error {
	if t.opened {
		t.opened = false
		return nil
	}
	return t.initialize(ctx, size)
}

// Put implements upload.Target: it sends one part to its uploadUrl and
// keeps the answer's ETag. The uploadUrl is signed, so it is sent as
// given, without the bearer token, and only its host and path ever show
// in errors.
func (t *videoUpload) Put(ctx context.Context, c upload.Chunk) error {
	if c.Index >= len(t.parts) {
		return notCreated(fmt.Errorf("LinkedIn's upload instructions have %d parts; herald has more of the file to send", len(t.parts)))
	}
	p := t.parts[c.Index]
	if c.Offset != p.FirstByte || c.Offset+int64(len(c.Data))-1 != p.LastByte {
		return notCreated(fmt.Errorf("LinkedIn's upload instruction %d is bytes %d-%d, not the %d-byte parts herald cuts; run apply again",
			c.Index+1, p.FirstByte, p.LastByte, t.partSize()))
	}
	etag, err := t.a.putPart(ctx, p.UploadURL, c.Data)
	if err != nil {
		var ae *platforms.APIError
		if errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusGone) {
			// The upload URL no longer leads anywhere: the session is gone.
			return fmt.Errorf("%w: %w", upload.ErrRestart, err)
		}
		return err
	}
	t.etags[c.Index] = etag
	return nil
}

// End implements upload.Target: it finalizes the upload with the parts'
// ETags in order, then reads the video's status.
func (t *videoUpload) End(ctx context.Context) (upload.Status, error) {
	body := map[string]any{"finalizeUploadRequest": map[string]any{
		"video": t.urn, "uploadToken": t.token, "uploadedPartIds": t.etags}}
	if _, err := t.a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "videos?action=finalizeUpload", JSON: body}, nil); err != nil {
		return upload.Status{}, t.a.apiError("finalize video upload", err)
	}
	return t.Poll(ctx)
}

// videoStatus is GET /rest/videos/{urn}.
type videoStatus struct {
	ID                      string `json:"id"`
	Status                  string `json:"status"`
	ProcessingFailureReason string `json:"processingFailureReason"`
}

// Poll implements upload.Target with GET /rest/videos/{urn}: AVAILABLE is
// done, PROCESSING_FAILED failed, and PROCESSING or WAITING_UPLOAD (the
// parts are still being assembled) not yet.
func (t *videoUpload) Poll(ctx context.Context) (upload.Status, error) {
	var st videoStatus
	if _, err := t.a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "videos/" + keyPath(t.urn)}, &st); err != nil {
		return upload.Status{}, t.a.apiError("video status", err)
	}
	switch st.Status {
	case "AVAILABLE":
		return upload.Status{State: upload.Done, Percent: 100}, nil
	case "PROCESSING_FAILED":
		return upload.Status{State: upload.Failed, Message: cmp.Or(st.ProcessingFailureReason, "LinkedIn gave no reason") +
			" (LinkedIn takes MP4 videos of 75 KB to 500 MB playing 3 s to 30 minutes)"}, nil
	}
	return upload.Status{State: upload.Processing}, nil
}

// putPart PUTs one part's bytes to its signed upload URL and returns the
// answer's ETag. A transport error, a 429 or a 5xx is an *APIError the
// upload machinery sends the part again for; the URL's query never
// appears in an error.
func (a *LinkedIn) putPart(ctx context.Context, uploadURL string, data []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, httpx.DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, bytes.NewReader(data))
	if err != nil {
		return "", notCreated(errors.New("upload: LinkedIn's upload URL is not a valid URL"))
	}
	shown := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("User-Agent", "herald")
	resp, err := a.s.HTTPClient.Do(req)
	if err != nil {
		var red httpx.Redactor
		red.Add(uploadURL)
		msg := red.String(strings.ReplaceAll(err.Error(), uploadURL, shown))
		return "", &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated,
			Message: "upload to " + shown + ": " + msg, Err: errors.New(msg)}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", &platforms.APIError{Platform: Name, Status: resp.StatusCode, Outcome: platforms.NotCreated,
			RetryAfter: httpx.Wait(resp.Header, a.now()), Message: "upload to " + shown + " answered " + resp.Status}
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		return "", &platforms.APIError{Platform: Name, Status: resp.StatusCode, Outcome: platforms.NotCreated,
			Message: "upload to " + shown + " answered without an ETag, which finishing the upload needs"}
	}
	return etag, nil
}
