package x

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Video limits of X's chunked upload (media_category tweet_video).
const (
	MaxVideoBytes = 512 << 20 // bytes per video
	// MaxSegmentBytes is the most one APPEND carries, and MaxSegments
	// how many segments one upload takes (segment_index 0 to 999).
	MaxSegmentBytes = 5 << 20
	MaxSegments     = 1000
)

// isVideo reports whether a media item is a video.
func isVideo(m platforms.Media) bool { return strings.HasPrefix(m.Type, "video/") }

// videoFP is mediaFP of a video, read as a stream: its bytes are never
// held whole.
func videoFP(m platforms.Media, alt string) (string, error) {
	if m.Open == nil {
		return "", notCreated(fmt.Errorf("no way to read %s", m.Path))
	}
	rc, err := m.Open()
	if err != nil {
		return "", notCreated(fmt.Errorf("open: %w", err))
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(rc, MaxVideoBytes+1)); err != nil {
		return "", notCreated(fmt.Errorf("read: %w", err))
	}
	h.Write([]byte{0})
	h.Write([]byte(alt))
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// uploadVideo sends a video by the chunked upload, streaming it from its
// file, and waits until X has processed it. X keeps no alt text for a
// video (POST /2/media/metadata takes it for images and GIFs only), so a
// video's alt text is not sent; the log says so.
func (a *X) uploadVideo(ctx context.Context, m platforms.Media) (string, error) {
	t := &chunked{a: a, mediaType: m.Type, category: "tweet_video"}
	if err := a.runUpload(ctx, t, m.Path, m.Size, m.Open); err != nil {
		return "", err
	}
	if strings.TrimSpace(m.Alt) != "" {
		a.log.Info("X takes no alt text for videos; the video goes without it", "file", m.Path)
	}
	return t.id, nil
}

// runUpload runs t's chunked upload of a file of size bytes.
func (a *X) runUpload(ctx context.Context, t *chunked, name string, size int64, open func() (io.ReadCloser, error)) error {
	err := upload.Run(ctx, t, upload.Options{Platform: Name, Name: name, Size: size, Open: open,
		ChunkSize: a.segmentSize(size), Sleep: a.sleep, Logger: a.log})
	if err != nil {
		return notCreatedUpload(fmt.Errorf("media upload: %w", err))
	}
	return nil
}

// segmentSize is the APPEND size for a file of size bytes: a.chunkSize,
// or larger (up to X's 5 MiB) when that would need more than X's 1000
// segments.
func (a *X) segmentSize(size int64) int64 {
	n := int64(a.chunkSize)
	if n <= 0 {
		n = chunkSize
	}
	if need := (size + MaxSegments - 1) / MaxSegments; need > n {
		n = min(need, MaxSegmentBytes)
	}
	return n
}

// chunked is X's chunked media upload as an upload.Target: POST
// /2/media/upload/initialize {media_type, total_bytes, media_category},
// POST /2/media/upload/:id/append (multipart segment_index and media) per
// segment, POST /2/media/upload/:id/finalize, then GET
// /2/media/upload?command=STATUS&media_id= while processing_info says
// pending or in_progress.
type chunked struct {
	a                   *X
	mediaType, category string
	id                  string
}

func (c *chunked) Begin(ctx context.Context, size int64) error {
	var out mediaResponse
	_, err := c.a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media/upload/initialize", JSON: map[string]any{
		"media_type": c.mediaType, "total_bytes": size, "media_category": c.category}}, &out)
	if err != nil {
		return c.a.apiError("initialize", err, false)
	}
	if out.Data.ID == "" {
		return notCreated(errors.New("the initialize step of X answered without a media id"))
	}
	c.id = out.Data.ID
	return nil
}

func (c *chunked) Put(ctx context.Context, ch upload.Chunk) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("segment_index", strconv.Itoa(ch.Index))
	fw, err := w.CreateFormFile("media", "segment")
	if err == nil {
		_, err = fw.Write(ch.Data)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return notCreated(fmt.Errorf("encode segment %d: %w", ch.Index, err))
	}
	_, err = c.a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media/upload/" + url.PathEscape(c.id) + "/append",
		Body: buf.Bytes(), ContentType: w.FormDataContentType()}, nil)
	if err == nil {
		return nil
	}
	err = c.a.apiError("append", err, false)
	var ae *platforms.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		// X no longer knows the upload (it expired): start over.
		return fmt.Errorf("%w: %w", upload.ErrRestart, err)
	}
	return err
}

func (c *chunked) End(ctx context.Context) (upload.Status, error) {
	var out mediaResponse
	if _, err := c.a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media/upload/" + url.PathEscape(c.id) + "/finalize"}, &out); err != nil {
		return upload.Status{}, c.a.apiError("finalize", err, false)
	}
	return statusOf(out), nil
}

func (c *chunked) Poll(ctx context.Context) (upload.Status, error) {
	var out mediaResponse
	q := url.Values{"command": {"STATUS"}, "media_id": {c.id}}
	if _, err := c.a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "media/upload", Query: q}, &out); err != nil {
		return upload.Status{}, c.a.apiError("media status", err, false)
	}
	return statusOf(out), nil
}

// statusOf reads processing_info: absent or succeeded is done.
func statusOf(out mediaResponse) upload.Status {
	pi := out.Data.ProcessingInfo
	if pi == nil {
		return upload.Status{State: upload.Done}
	}
	switch pi.State {
	case "succeeded", "":
		return upload.Status{State: upload.Done, Percent: 100}
	case "failed":
		st := upload.Status{State: upload.Failed}
		if pi.Error != nil {
			st.Message = pi.Error.Message
		}
		return st
	}
	return upload.Status{State: upload.Processing, CheckAfter: secs(pi.CheckAfterSecs), Percent: pi.ProgressPercent}
}
