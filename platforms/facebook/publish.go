package facebook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
)

// Receipt.Extra keys.
const (
	extraKind  = "kind"  // "feed" or "video"
	extraMedia = "media" // a digest of the media and link, which an edit cannot change
)

// photoTypes are the image types Facebook takes for Page photos.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"image/bmp": true, "image/tiff": true, "image/heic": true}

// isVideo reports whether a medium is a video.
func isVideo(m platforms.Media) bool { return strings.HasPrefix(m.Type, "video/") }

// Message is the text a Facebook post carries: Facebook has no threads,
// so a thread's parts are joined by a blank line.
func Message(p *platforms.Payload) string { return strings.TrimSpace(p.Text()) }

// FeedForm is the body of POST /{page-id}/feed for p, with photos already
// uploaded as photoIDs (attached_media). Pure, so that tests hold it to
// golden files.
func FeedForm(p *platforms.Payload, photoIDs []string) url.Values {
	form := url.Values{}
	if msg := Message(p); msg != "" {
		form.Set("message", msg)
	}
	if link, ok := p.Option("link"); ok {
		form.Set("link", link)
	}
	for i, id := range photoIDs {
		b, _ := json.Marshal(map[string]string{"media_fbid": id})
		form.Set("attached_media["+strconv.Itoa(i)+"]", string(b))
	}
	return form
}

// mediaDigest is what an edit cannot change: the media, their alt text,
// and the link.
func mediaDigest(p *platforms.Payload) string {
	h := sha256.New()
	link, _ := p.Option("link")
	fmt.Fprintf(h, "link %q\n", link)
	for _, m := range p.Media {
		fmt.Fprintf(h, "%q %q %q\n", m.Path, m.Type, m.Alt)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// check refuses, before anything is sent, what Facebook would refuse or
// herald cannot send.
func (a *Facebook) check(p *platforms.Payload) error {
	msg := Message(p)
	if n := utf8.RuneCountInString(msg); n > MaxChars {
		return notCreated(fmt.Errorf("the message is %d characters; herald sends at most %d to Facebook", n, MaxChars))
	}
	link, hasLink := p.Option("link")
	if msg == "" && len(p.Media) == 0 && !hasLink {
		return notCreated(errors.New("the post has no text, link or media"))
	}
	if hasLink {
		if u, err := url.Parse(link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return notCreated(fmt.Errorf("link %q is not an absolute http(s) URL", link))
		}
		if len(p.Media) > 0 {
			return notCreated(errors.New("a Facebook post shares a link or carries media, not both: drop the link option or the media"))
		}
	}
	videos := 0
	for _, m := range p.Media {
		switch {
		case isVideo(m):
			videos++
			if m.Size > MaxVideoBytes {
				return notCreated(fmt.Errorf("%s: %d bytes; a Facebook Page video is at most %d", m.Path, m.Size, int64(MaxVideoBytes)))
			}
		case !photoTypes[m.Type]:
			return notCreated(fmt.Errorf("%s: %s is not supported; Facebook takes JPEG, PNG, GIF, WebP, BMP, TIFF and HEIC photos and videos", m.Path, m.Type))
		case m.Size > MaxImageBytes:
			return notCreated(fmt.Errorf("%s: %d bytes; herald uploads photos up to %d to Facebook", m.Path, m.Size, MaxImageBytes))
		}
		if n := utf8.RuneCountInString(m.Alt); n > MaxAltText {
			return notCreated(fmt.Errorf("%s: alt text is %d characters; herald sends at most %d to Facebook", m.Path, n, MaxAltText))
		}
	}
	switch {
	case videos > 0 && len(p.Media) > 1:
		return notCreated(errors.New("a Facebook post carries one video or up to 10 photos, not both: split the media into two posts"))
	case len(p.Media) > MaxPhotos:
		return notCreated(fmt.Errorf("the post has %d photos; herald attaches at most %d to a Facebook post", len(p.Media), MaxPhotos))
	}
	return nil
}

// Publish creates the post. Text and links go to POST /{page-id}/feed;
// photos are uploaded unpublished (POST /{page-id}/photos, published=false)
// and attached to the feed post with attached_media, so that one or ten
// photos make one post; a video is uploaded (or, with media_base_url,
// fetched by Facebook from its public URL) to POST /{page-id}/videos and
// is waited for until Facebook has processed it. Facebook
// has no idempotency key, so the key is not sent: an unknown outcome (a
// timeout, a 5xx, or Facebook's 506 "duplicate post", which means the same
// post was just made, perhaps by this attempt) is settled by Find.
func (a *Facebook) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	if err := a.check(p); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	page, err := a.page(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if len(p.Media) == 1 && isVideo(p.Media[0]) {
		return a.publishVideo(ctx, page, p)
	}
	var photos []string
	for _, m := range p.Media {
		id, err := a.uploadPhoto(ctx, page, m)
		if err != nil {
			return nil, fmt.Errorf("publish: photo %s: %w", m.Path, err)
		}
		photos = append(photos, id)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.post(ctx, page+"/feed", FeedForm(p, photos), &out); err != nil {
		return nil, fmt.Errorf("publish: %w", a.createError(err))
	}
	if out.ID == "" {
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusOK, Outcome: platforms.Unknown, Message: "Facebook answered the post without an id"}
	}
	at, link := a.permalink(ctx, out.ID)
	return &platforms.Receipt{Provider: Name, IDs: []string{out.ID}, URLs: []string{link}, PublishedAt: at,
		Extra: map[string]string{extraKind: "feed", extraMedia: mediaDigest(p)}}, nil
}

// RefusesRepeat implements platforms.RepeatRefuser: Facebook's duplicate
// guard (code 506) refuses the same post twice in a row, so a recurring
// post's occurrences must differ.
func (a *Facebook) RefusesRepeat() string { return "Facebook refuses the same post twice in a row" }

var _ platforms.RepeatRefuser = (*Facebook)(nil)

// createError is what a failed create means. Code 506 is Facebook's
// duplicate guard ("Duplicate status message"): an identical post was
// just made, which may be this very attempt's, sent before a timeout;
// only a look-up can tell, so it is Unknown.
func (a *Facebook) createError(err error) error {
	err = a.errs.Wrap("create the post", err, false)
	if c, _ := metagraph.CodeOf(err); c == 506 {
		var ae *platforms.APIError
		if errors.As(err, &ae) {
			ae.Outcome = platforms.Unknown
			ae.Message += " (Facebook refuses a post identical to one just made: herald looks the attempt up before anything else)"
		}
	}
	return err
}

// uploadPhoto uploads one photo, unpublished, as multipart form data
// (source, published=false, alt_text_custom), and returns its ID for
// attached_media. An unpublished photo is seen by no one, so every
// failure here is NotCreated.
func (a *Facebook) uploadPhoto(ctx context.Context, page string, m platforms.Media) (string, error) {
	if m.Open == nil {
		return "", notCreated(errors.New("the file cannot be read"))
	}
	rc, err := m.Open()
	if err != nil {
		return "", notCreated(fmt.Errorf("open: %w", err))
	}
	data, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
	rc.Close()
	if err != nil {
		return "", notCreated(fmt.Errorf("read: %w", err))
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("published", "false")
	if m.Alt != "" {
		w.WriteField("alt_text_custom", m.Alt)
	}
	h := textproto.MIMEHeader{}
	name := m.Path[strings.LastIndex(m.Path, "/")+1:]
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="source"; filename=%q`, name))
	h.Set("Content-Type", m.Type)
	part, _ := w.CreatePart(h)
	part.Write(data)
	w.Close()
	var out struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, request{method: http.MethodPost, path: page + "/photos", body: body.Bytes(), contentType: w.FormDataContentType()}, &out); err != nil {
		return "", a.errs.Wrap("upload", err, true)
	}
	if out.ID == "" {
		return "", notCreated(errors.New("upload: Facebook answered without a photo id"))
	}
	return out.ID, nil
}

// publishVideo posts a video and waits until Facebook has processed it
// (GET /{video-id}?fields=status: video_status ready). With
// media_base_url, Facebook fetches the file from its public URL (POST
// /{page-id}/videos with file_url, one call); without, herald uploads it
// with the resumable protocol (uploadVideo). A video Facebook could not
// process is deleted, so that nothing half-made stays on the Page, and
// the error is NotCreated.
func (a *Facebook) publishVideo(ctx context.Context, page string, p *platforms.Payload) (*platforms.Receipt, error) {
	form := url.Values{}
	if msg := Message(p); msg != "" {
		form.Set("description", msg)
	}
	if p.Title != "" {
		form.Set("title", p.Title)
	}
	var id string
	if a.mediaBase == "" {
		var err error
		if id, err = a.uploadVideo(ctx, page, p.Media[0], form); err != nil {
			return nil, fmt.Errorf("publish video: %w", err)
		}
	} else {
		form.Set("file_url", a.MediaURL(p.Media[0].Path))
		var out struct {
			ID string `json:"id"`
		}
		if err := a.post(ctx, page+"/videos", form, &out); err != nil {
			return nil, fmt.Errorf("publish video: %w", a.createError(err))
		}
		if out.ID == "" {
			return nil, &platforms.APIError{Platform: Name, Status: http.StatusOK, Outcome: platforms.Unknown, Message: "Facebook answered the video without an id"}
		}
		id = out.ID
	}
	if err := a.waitVideo(ctx, id); err != nil {
		return nil, fmt.Errorf("publish video: %w", err)
	}
	at, link := a.permalink(ctx, id)
	return &platforms.Receipt{Provider: Name, IDs: []string{id}, URLs: []string{link}, PublishedAt: at,
		Extra: map[string]string{extraKind: "video", extraMedia: mediaDigest(p)}}, nil
}

// Video processing states (GET /{video-id}?fields=status).
const (
	VideoProcessing = "processing"
	VideoReady      = "ready"
	VideoError      = "error"
)

// waitVideo checks a video's status until it is ready, waiting 2 s, then
// twice as long each time up to a minute, for at most maxVideoWait. A
// video still processing then is published and will appear when Facebook
// is done: that is not a failure.
func (a *Facebook) waitVideo(ctx context.Context, id string) error {
	waited, d := time.Duration(0), 2*time.Second
	for {
		var st struct {
			Status struct {
				VideoStatus        string `json:"video_status"`
				ProcessingProgress int    `json:"processing_progress"`
				ProcessingPhase    struct {
					Error *struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"processing_phase"`
			} `json:"status"`
		}
		if err := a.get(ctx, url.PathEscape(id), url.Values{"fields": {"status"}}, &st); err != nil {
			a.log.Warn("could not read the video's status; it is posted", "video_id", id, "error", err.Error())
			return nil
		}
		switch st.Status.VideoStatus {
		case VideoReady:
			return nil
		case VideoError:
			why := "no reason given"
			if e := st.Status.ProcessingPhase.Error; e != nil && e.Message != "" {
				why = e.Message
			}
			if derr := a.deleteOne(ctx, id); derr != nil {
				return &platforms.APIError{Platform: Name, Outcome: platforms.Created,
					Message: fmt.Sprintf("Facebook could not process video %s (%s), and deleting it failed: %v", id, why, derr)}
			}
			return notCreated(fmt.Errorf("Facebook could not process the video (%s); herald deleted the failed upload", why))
		}
		if waited+d > maxVideoWait {
			a.log.Info("the video is still processing; Facebook shows it when done", "video_id", id, "progress", st.Status.ProcessingProgress)
			return nil
		}
		if err := a.sleep(ctx, d); err != nil {
			return nil
		}
		waited += d
		d = min(2*d, time.Minute)
	}
}

// permalink reads a post's permalink_url and created_time. A post whose
// permalink cannot be read is still published: its URL is left empty.
// Facebook gives a video's permalink relative to facebook.com.
func (a *Facebook) permalink(ctx context.Context, id string) (time.Time, string) {
	var out struct {
		PermalinkURL string `json:"permalink_url"`
		CreatedTime  string `json:"created_time"`
	}
	if err := a.get(ctx, url.PathEscape(id), url.Values{"fields": {"permalink_url,created_time"}}, &out); err != nil {
		a.log.Warn("could not read the post's permalink", "post_id", id, "error", err.Error())
	}
	link := out.PermalinkURL
	if strings.HasPrefix(link, "/") {
		link = "https://www.facebook.com" + link
	}
	at := metagraph.ParseTime(out.CreatedTime)
	if at.IsZero() {
		at = a.now()
	}
	return at, link
}
