package youtube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// videoResponse is the part of a video resource herald reads back.
type videoResponse struct {
	ID      string `json:"id"`
	Snippet struct {
		PublishedAt time.Time `json:"publishedAt"`
		Title       string    `json:"title"`
		Description string    `json:"description"`
	} `json:"snippet"`
	Status struct {
		UploadStatus  string `json:"uploadStatus"`
		PrivacyStatus string `json:"privacyStatus"`
	} `json:"status"`
}

// Publish implements platforms.Publisher: it uploads the post's video
// with its metadata through a resumable upload session, then sets the
// post's first image as the video's thumbnail. The video exists only
// once its last byte arrived, so a failure before that is NotCreated; a
// dropped connection or a 502/503/504 mid-upload is resumed from what
// Google says it holds (308 and Range), never sent again from the start.
func (y *YouTube) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	v, err := y.Render(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("render video for %s: %w", y.s.Account, err))
	}
	media, ok := videoOf(p)
	if !ok {
		return nil, notCreated(fmt.Errorf("post %s has no video: a YouTube post is a video (MP4, MOV or WebM) in media", p.PostID))
	}
	if media.Size <= 0 {
		return nil, notCreated(fmt.Errorf("video %s: its size is unknown or zero", media.Path))
	}
	thumb, hasThumb := thumbnailOf(p)
	extra := 0
	if hasThumb {
		if thumb.Size > MaxThumbnailBytes {
			return nil, notCreated(fmt.Errorf("thumbnail %s has %d bytes; YouTube takes at most %d (2 MB)", thumb.Path, thumb.Size, MaxThumbnailBytes))
		}
		extra = CostThumbnail
	}
	y.restoreQuota(ctx)
	if err := y.quota.reserve(y.now(), extra); err != nil {
		return nil, err
	}
	session, err := y.startUpload(ctx, v, media)
	if err != nil {
		return nil, err
	}
	got, err := y.upload(ctx, session, media)
	if err != nil {
		return nil, err
	}
	r := &platforms.Receipt{Provider: Name, IDs: []string{got.ID}, URLs: []string{VideoURL(got.ID)}, PublishedAt: got.Snippet.PublishedAt}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = y.now()
	}
	y.log.Info("uploaded video", "video_id", got.ID, "bytes", media.Size, "upload_status", got.Status.UploadStatus)
	if hasThumb {
		if err := y.setThumbnail(ctx, got.ID, thumb); err != nil {
			// The video is published; a thumbnail is its dress. Say so
			// and keep the receipt.
			y.log.Warn("video published without its thumbnail", "video_id", got.ID, "error", err.Error())
		}
	}
	return r, nil
}

// startUpload opens a resumable upload session for media with v's
// metadata and returns the session URI. Nothing exists on YouTube until
// the session's bytes arrive, so every failure here is NotCreated.
func (y *YouTube) startUpload(ctx context.Context, v *Video, media platforms.Media) (string, error) {
	y.quota.spend(y.now(), y.quota.uploadUnits, 1)
	defer y.keepQuota(ctx)
	h := http.Header{"X-Upload-Content-Length": {strconv.FormatInt(media.Size, 10)}, "X-Upload-Content-Type": {media.Type}}
	resp, err := y.do(ctx, y.base+"/upload/youtube/v3", httpx.Request{Method: http.MethodPost, Path: "videos",
		Query: url.Values{"uploadType": {"resumable"}, "part": {"snippet,status"}}, Header: h, JSON: v}, nil)
	if err != nil {
		err = y.apiError("start upload", err)
		var ae *platforms.APIError
		if errors.As(err, &ae) {
			ae.Outcome = platforms.NotCreated
		}
		return "", err
	}
	loc := resp.Header.Get("Location")
	if u, perr := url.Parse(loc); perr != nil || !u.IsAbs() {
		return "", notCreated(errors.New("start upload: YouTube answered without a session URI in Location"))
	}
	return loc, nil
}

// upload sends media to the session in chunks of y.chunk bytes and
// returns the video resource YouTube answers the last one with. The
// file is read through an upload.Source, one chunk at a time from where
// YouTube says it holds the bytes to, so memory stays at one chunk
// whatever the video's size; progress goes to the log and to the
// context's progress reporter (herald apply's output).
func (y *YouTube) upload(ctx context.Context, session string, media platforms.Media) (*videoResponse, error) {
	size := media.Size
	src := upload.NewSource(media.Open, size)
	defer src.Close()
	var buf []byte
	var offset int64
	resumes := 0
	upload.Report(ctx, Name, media.Path, 0, size)
	for {
		end := min(offset+y.chunk, size)
		data, err := src.Chunk(buf, offset, end)
		if err != nil {
			return nil, notCreated(fmt.Errorf("upload %s (the file is shorter than its recorded size %d?): %w", media.Path, size, err))
		}
		buf = data
		last := end == size
		y.log.Debug("uploading chunk", "path", media.Path, "from", offset, "to", end, "of", size)
		h := http.Header{"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", offset, end-1, size)}}
		var got videoResponse
		_, err = y.do(ctx, session, httpx.Request{Method: http.MethodPut, Header: h, Body: data, ContentType: media.Type}, &got)
		if err == nil {
			upload.Report(ctx, Name, media.Path, size, size)
			return &got, nil
		}
		next, done, err := y.afterChunk(ctx, session, media, err, last, &resumes)
		if err != nil {
			return nil, err
		}
		if done != nil {
			upload.Report(ctx, Name, media.Path, size, size)
			return done, nil
		}
		if next > offset {
			y.log.Info("upload progress", "path", media.Path, "bytes", next, "of", size, "percent", next*100/size)
			upload.Report(ctx, Name, media.Path, next, size)
		}
		offset = next
	}
}

// afterChunk reads the answer to a chunk that was not the end: 308 with
// the bytes YouTube holds (go on from there); a dropped connection or a
// 502/503/504 (ask the session what it holds, then resume); anything else
// ends the upload. resumes counts the resumptions.
func (y *YouTube) afterChunk(ctx context.Context, session string, media platforms.Media, err error, last bool, resumes *int) (int64, *videoResponse, error) {
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusPermanentRedirect {
		next, rerr := rangeEnd(se.Header)
		if rerr != nil {
			return 0, nil, notCreated(fmt.Errorf("upload %s: %w", media.Path, rerr))
		}
		return next, nil, nil
	}
	var te *httpx.TransportError
	resumable := errors.As(err, &te) || (se != nil && (se.Status == http.StatusBadGateway || se.Status == http.StatusServiceUnavailable || se.Status == http.StatusGatewayTimeout))
	if !resumable || ctx.Err() != nil || *resumes >= maxResumes {
		out := y.apiError("upload "+media.Path, err)
		var ae *platforms.APIError
		if errors.As(out, &ae) {
			// Before the last chunk nothing exists; after it, a
			// refusal (4xx) created nothing either, but silence or a
			// 5xx leaves the video's existence unknown.
			switch {
			case !last:
				ae.Outcome = platforms.NotCreated
			case se != nil && se.Status >= 400 && se.Status < 500:
				ae.Outcome = platforms.NotCreated
			default:
				ae.Outcome = platforms.Unknown
			}
		}
		if *resumes >= maxResumes {
			return 0, nil, fmt.Errorf("upload gave up after %d resumptions: %w", maxResumes, out)
		}
		return 0, nil, out
	}
	*resumes++
	y.log.Warn("upload interrupted; asking YouTube what arrived", "path", media.Path, "resume", *resumes, "error", err.Error())
	if werr := y.sleep(ctx, time.Duration(*resumes)*time.Second); werr != nil {
		return 0, nil, y.apiError("upload "+media.Path, err)
	}
	return y.status(ctx, session, media)
}

// status asks the session how much of the file it holds: an empty PUT
// with Content-Range "bytes */size". 308 says how far to go on from, 200
// or 201 that the upload is complete (its answer is the video), 404 or
// 410 that the session is gone, so no video exists.
func (y *YouTube) status(ctx context.Context, session string, media platforms.Media) (int64, *videoResponse, error) {
	h := http.Header{"Content-Range": {fmt.Sprintf("bytes */%d", media.Size)}}
	var got videoResponse
	_, err := y.do(ctx, session, httpx.Request{Method: http.MethodPut, Header: h}, &got)
	var se *httpx.StatusError
	switch {
	case err == nil:
		return 0, &got, nil
	case errors.As(err, &se) && se.Status == http.StatusPermanentRedirect:
		next, rerr := rangeEnd(se.Header)
		if rerr != nil {
			return 0, nil, notCreated(fmt.Errorf("upload %s: %w", media.Path, rerr))
		}
		y.log.Info("resuming upload", "path", media.Path, "from", next, "of", media.Size)
		return next, nil, nil
	case se != nil && (se.Status == http.StatusNotFound || se.Status == http.StatusGone):
		out := y.apiError("upload "+media.Path+": the upload session expired", err)
		var ae *platforms.APIError
		if errors.As(out, &ae) {
			ae.Outcome = platforms.NotCreated
		}
		return 0, nil, out
	default:
		return 0, nil, y.apiError("upload "+media.Path+": ask what arrived", err)
	}
}

// rangeEnd reads a 308's Range header, "bytes=0-N": the next byte to
// send is N+1. No header means nothing arrived.
func rangeEnd(h http.Header) (int64, error) {
	r := h.Get("Range")
	if r == "" {
		return 0, nil
	}
	spec, ok := strings.CutPrefix(r, "bytes=")
	from, to, ok2 := strings.Cut(spec, "-")
	if !ok || !ok2 || from != "0" {
		return 0, fmt.Errorf("YouTube answered 308 with a Range header %q that is not bytes=0-N", r)
	}
	n, err := strconv.ParseInt(to, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("YouTube answered 308 with a Range header %q that is not bytes=0-N", r)
	}
	return n + 1, nil
}

// setThumbnail uploads thumb as the video's custom thumbnail
// (thumbnails.set, 50 units).
func (y *YouTube) setThumbnail(ctx context.Context, id string, thumb platforms.Media) error {
	rc, err := thumb.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(rc, MaxThumbnailBytes+1))
	rc.Close()
	if err != nil {
		return err
	}
	y.quota.spend(y.now(), CostThumbnail, 0)
	defer y.keepQuota(ctx)
	_, err = y.do(ctx, y.base+"/upload/youtube/v3", httpx.Request{Method: http.MethodPost, Path: "thumbnails/set",
		Query: url.Values{"videoId": {id}}, Body: bytes.Clone(data), ContentType: thumb.Type}, nil)
	return y.apiError("set thumbnail", err)
}
