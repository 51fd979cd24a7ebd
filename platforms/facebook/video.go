package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Resumable video upload (POST /{page-id}/videos with upload_phase): the
// limits herald holds it to.
const (
	// MaxVideoBytes is the largest video a Page takes (10 GB; see
	// doc.go), as the CUE limits say.
	MaxVideoBytes = 10 << 30
	// maxTransferChunk bounds the range Facebook may ask for in one
	// transfer, so that a broken answer cannot make herald hold a huge
	// chunk in memory.
	maxTransferChunk = 256 << 20
	// maxTransferRetries is how many times a transfer is sent again after
	// a failure that may pass (no answer, 429, 5xx) or a resume Facebook
	// asks for (error 1363037 with the offsets it holds), in all.
	maxTransferRetries = 8
)

// Resumable upload error: code 6001, subcode 1363037, "There was a
// problem uploading your video", with error_data naming the range
// Facebook wants next: the upload resumes from there.
const (
	codeUploadProblem = 6001
	subResumeAt       = 1363037
)

// videoHost is the Graph host for video uploads: Meta's guides send
// them to graph-video.facebook.com; any other base (a proxy, a fake) takes
// them itself.
func videoHost(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host != "graph.facebook.com" {
		return base
	}
	u.Host = "graph-video.facebook.com"
	return u.String()
}

// offset is a byte offset as the Graph API writes it: a string in the
// phases' answers ("start_offset":"1048576"), a number in error_data.
type offset int64

func (o *offset) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*o = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("offset %s is not a number", b)
	}
	*o = offset(n)
	return nil
}

// rangeAnswer is the range Facebook wants next: [start, end). Equal
// offsets mean it has the whole file.
type rangeAnswer struct {
	StartOffset offset `json:"start_offset"`
	EndOffset   offset `json:"end_offset"`
}

// uploadVideo uploads m with the Page video API's resumable protocol and
// publishes it with form's description and title: upload_phase=start
// (file_size) opens a session and names the first range; each
// upload_phase=transfer (multipart: upload_session_id, start_offset,
// video_file_chunk) sends the range asked for and is answered with the
// next; upload_phase=finish publishes the video. Bytes are read from the
// file a range at a time (upload.Source), never whole.
//
// Until finish, nothing is published: every failure before it is
// NotCreated, and a transfer that fails for a reason that may pass is
// sent again, from the offset Facebook says it holds. finish is the
// create: a timeout or 5xx there is Unknown, settled by Find.
func (a *Facebook) uploadVideo(ctx context.Context, page string, m platforms.Media, form url.Values) (string, error) {
	if m.Open == nil {
		return "", notCreated(errors.New("the file cannot be read"))
	}
	if m.Size <= 0 || m.Size > MaxVideoBytes {
		return "", notCreated(fmt.Errorf("%d bytes: a Page video is 1 byte to %d", m.Size, int64(MaxVideoBytes)))
	}
	base := videoHost(a.base)
	var start struct {
		VideoID         string `json:"video_id"`
		UploadSessionID string `json:"upload_session_id"`
		rangeAnswer
	}
	err := a.call(ctx, request{base: base, method: http.MethodPost, path: page + "/videos",
		body:        []byte(url.Values{"upload_phase": {"start"}, "file_size": {strconv.FormatInt(m.Size, 10)}}.Encode()),
		contentType: "application/x-www-form-urlencoded"}, &start)
	if err != nil {
		return "", a.errs.Wrap("start the video upload", err, true)
	}
	if start.VideoID == "" || start.UploadSessionID == "" {
		return "", notCreated(errors.New("start the video upload: Facebook answered without video_id or upload_session_id"))
	}
	a.log.Info("uploading video to Facebook", "file", m.Path, "size_bytes", m.Size, "video_id", start.VideoID)
	if err := a.transfer(ctx, base, page, start.UploadSessionID, m, start.rangeAnswer); err != nil {
		return "", err
	}
	fin := url.Values{"upload_phase": {"finish"}, "upload_session_id": {start.UploadSessionID}, "published": {"true"}}
	for k, v := range form {
		fin[k] = v
	}
	var done struct {
		Success bool `json:"success"`
	}
	if err := a.call(ctx, request{base: base, method: http.MethodPost, path: page + "/videos",
		body: []byte(fin.Encode()), contentType: "application/x-www-form-urlencoded"}, &done); err != nil {
		return "", a.createError(err)
	}
	if !done.Success {
		return "", &platforms.APIError{Platform: Name, Status: http.StatusOK, Outcome: platforms.Unknown,
			Message: "Facebook answered the video's finish without success: true"}
	}
	return start.VideoID, nil
}

// transfer sends the ranges Facebook asks for, from next on, until it
// holds the whole file.
func (a *Facebook) transfer(ctx context.Context, base, page, session string, m platforms.Media, next rangeAnswer) error {
	src := upload.NewSource(m.Open, m.Size)
	defer src.Close()
	var buf []byte
	retries := 0
	wait := time.Second
	upload.Report(ctx, Name, m.Path, 0, m.Size)
	for {
		from, to := int64(next.StartOffset), int64(next.EndOffset)
		if from == to && from == m.Size {
			return nil
		}
		if from < 0 || to <= from || to > m.Size || to-from > maxTransferChunk {
			return notCreated(fmt.Errorf("upload %s: Facebook asked for bytes %d to %d of a %d-byte file", m.Path, from, to, m.Size))
		}
		chunk, err := src.Chunk(buf, from, to)
		if err != nil {
			return notCreated(fmt.Errorf("upload %s: %w", m.Path, err))
		}
		buf = chunk
		var got rangeAnswer
		err = a.sendChunk(ctx, base, page, session, m, from, chunk, &got)
		if err == nil {
			if int64(got.StartOffset) <= from && int64(got.StartOffset) != m.Size {
				return notCreated(fmt.Errorf("upload %s: Facebook took bytes %d to %d and asked for %d again", m.Path, from, to, got.StartOffset))
			}
			next, wait = got, time.Second
			a.log.Info("upload progress", "file", m.Path, "sent_bytes", int64(got.StartOffset), "size_bytes", m.Size)
			upload.Report(ctx, Name, m.Path, int64(got.StartOffset), m.Size)
			continue
		}
		at, resume := resumeAt(err)
		after, passing := retryable(err)
		if (!resume && !passing) || retries >= maxTransferRetries || ctx.Err() != nil {
			out := a.errs.Wrap(fmt.Sprintf("upload %s: bytes %d to %d", m.Path, from, to), err, true)
			if retries >= maxTransferRetries {
				out = fmt.Errorf("gave up after %d retries: %w", retries, out)
			}
			return out
		}
		retries++
		if resume {
			// Facebook says which range it wants: it holds the bytes
			// before it (a transfer that arrived although its answer
			// was lost), or it lost some.
			a.log.Warn("Facebook asks to resume the upload elsewhere", "file", m.Path, "from", int64(at.StartOffset), "to", int64(at.EndOffset))
			next = at
			continue
		}
		d := max(after, wait)
		a.log.Warn("video transfer failed; sending it again", "file", m.Path, "from", from, "wait", d.String(), "error", err.Error())
		if err := a.sleep(ctx, d); err != nil {
			return notCreated(fmt.Errorf("upload %s: %w", m.Path, err))
		}
		wait = min(2*wait, time.Minute)
	}
}

// sendChunk is one upload_phase=transfer: the range's bytes as the
// multipart file video_file_chunk.
func (a *Facebook) sendChunk(ctx context.Context, base, page, session string, m platforms.Media, from int64, chunk []byte, out *rangeAnswer) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("upload_phase", "transfer")
	w.WriteField("upload_session_id", session)
	w.WriteField("start_offset", strconv.FormatInt(from, 10))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition("video_file_chunk", path.Base(m.Path)))
	h.Set("Content-Type", "application/octet-stream")
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(chunk)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return notCreated(fmt.Errorf("encode the transfer: %w", err))
	}
	return a.call(ctx, request{base: base, method: http.MethodPost, path: page + "/videos", body: body.Bytes(),
		contentType: w.FormDataContentType(), timeout: transferTimeout(len(chunk))}, out)
}

// transferTimeout bounds one transfer: a minute, and a minute more per
// 16 MiB (a slow uplink still moves that much a minute).
func transferTimeout(n int) time.Duration {
	return time.Minute + time.Duration(n/(16<<20))*time.Minute
}

// resumeAt reads error 6001/1363037's error_data: the range Facebook
// wants next.
func resumeAt(err error) (rangeAnswer, bool) {
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return rangeAnswer{}, false
	}
	if c, sub := metagraph.Codes(se.Code); c != codeUploadProblem || sub != subResumeAt {
		return rangeAnswer{}, false
	}
	var env struct {
		Error struct {
			ErrorData *rangeAnswer `json:"error_data"`
		} `json:"error"`
	}
	if json.Unmarshal(se.Body, &env) != nil || env.Error.ErrorData == nil {
		return rangeAnswer{}, false
	}
	return *env.Error.ErrorData, true
}

// retryable reports whether a transfer that failed with err may be sent
// again, and how long Facebook asked to wait: no answer, 429 or a rate
// limit code, 5xx.
func retryable(err error) (time.Duration, bool) {
	var te *httpx.TransportError
	if errors.As(err, &te) {
		return 0, !errors.Is(err, context.Canceled)
	}
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return 0, false
	}
	c, _ := metagraph.Codes(se.Code)
	switch {
	case se.Status == http.StatusTooManyRequests || metagraph.RateLimitCodes[c]:
		return se.RetryAfter, true
	case se.Status >= 500:
		return se.RetryAfter, true
	}
	return 0, false
}
