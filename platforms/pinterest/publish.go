package pinterest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Target options (front-matter keys under the account) the adapter reads.
const (
	OptBoard        = "board"         // the board's ID, instead of the board_id setting
	OptBoardSection = "board_section" // the board section's ID
	OptLink         = "link"          // the pin's destination link
	OptImageURL     = "image_url"     // a public image to pin when the post has no media
)

// Receipt.Extra keys: fingerprints of what was published, so that an
// edit sends only what changed and refuses what Pinterest cannot change.
const (
	extraBoard   = "board_id"
	extraTextFP  = "text_fp"  // title, description, link, board, section
	extraAltFP   = "alt_fp"   // the alt text
	extraMediaFP = "media_fp" // the media's bytes and types, or the image URL
)

// pin is what herald sends as POST /pins and PATCH /pins/{id}, and what
// Pinterest answers.
type pin struct {
	ID             string       `json:"id,omitempty"`
	CreatedAt      string       `json:"created_at,omitempty"`
	BoardID        string       `json:"board_id,omitempty"`
	BoardSectionID string       `json:"board_section_id,omitempty"`
	Title          string       `json:"title,omitempty"`
	Description    string       `json:"description,omitempty"`
	Link           string       `json:"link,omitempty"`
	AltText        string       `json:"alt_text,omitempty"`
	MediaSource    *mediaSource `json:"media_source,omitempty"`
}

// mediaSource is the pin's media_source: one of image_url, image_base64,
// multiple_image_base64 or video_id.
type mediaSource struct {
	SourceType  string      `json:"source_type"`
	URL         string      `json:"url,omitempty"`
	ContentType string      `json:"content_type,omitempty"`
	Data        string      `json:"data,omitempty"`
	Items       []imageItem `json:"items,omitempty"`
	MediaID     string      `json:"media_id,omitempty"`
	// CoverKeyFrame is the video's cover, as a time into it in seconds.
	CoverKeyFrame *int `json:"cover_image_key_frame_time,omitempty"`
}

type imageItem struct {
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
}

// spec is what a payload asks Pinterest for, read from the payload and the
// account's settings; Prepare checks it and Publish sends it.
type spec struct {
	board, section, title, description, link, alt, imageURL string
	images, videos                                          []platforms.Media
}

func isVideo(m platforms.Media) bool { return strings.HasPrefix(m.Type, "video/") }

// spec reads what p asks for and checks it against Pinterest's limits.
func (a *Pinterest) spec(p *platforms.Payload) (*spec, error) {
	s := &spec{board: a.board, section: a.section, title: p.Title, description: p.Text(), imageURL: a.defImage}
	if v, ok := p.Option("title"); ok {
		s.title = v
	}
	if v, ok := p.Option(OptBoard); ok {
		s.board = v
		s.section = ""
	}
	if v, ok := p.Option(OptBoardSection); ok {
		s.section = v
	}
	if v, ok := p.Option(OptLink); ok {
		s.link = v
	}
	if v, ok := p.Option(OptImageURL); ok {
		s.imageURL = v
	}
	for _, m := range p.Media {
		if isVideo(m) {
			s.videos = append(s.videos, m)
		} else {
			s.images = append(s.images, m)
		}
	}
	if len(p.Media) > 0 {
		s.alt = p.Media[0].Alt
	}
	var errs []string
	check := func(what, v string, max int) {
		if n := utf8.RuneCountInString(v); n > max {
			errs = append(errs, fmt.Sprintf("the %s is %d characters, Pinterest takes at most %d", what, n, max))
		}
	}
	check("title", s.title, MaxTitle)
	check("description", s.description, MaxDescription)
	check("link", s.link, MaxLink)
	for _, m := range p.Media {
		check("alt text of "+m.Path, m.Alt, MaxAltText)
	}
	switch {
	case s.board == "":
		errs = append(errs, "no board: set board_id on the account or board: on the post (a board's ID, from its URL or GET /v5/boards)")
	case !digits(s.board) || (s.section != "" && !digits(s.section)):
		errs = append(errs, fmt.Sprintf("board %q, section %q: Pinterest takes IDs (digits, from GET /v5/boards), not names", s.board, s.section))
	case len(s.videos) > 1:
		errs = append(errs, fmt.Sprintf("%d videos: a pin carries one", len(s.videos)))
	case len(s.videos) == 1 && len(s.images) > 0:
		errs = append(errs, "a video and images: a pin carries one video, or one to five images")
	case len(s.images) > MaxImages:
		errs = append(errs, fmt.Sprintf("%d images: a pin carries at most %d", len(s.images), MaxImages))
	case len(p.Media) == 0 && s.imageURL == "":
		errs = append(errs, "no image: a pin needs an image or a video; add media:, set image_url: on the post, or default_image_url on the account")
	}
	if s.imageURL != "" && len(p.Media) == 0 {
		if err := absURL(s.imageURL); err != nil {
			errs = append(errs, "image_url: "+err.Error())
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return s, nil
}

// Prepare implements platforms.Preparer: a pin has no thread, so the parts
// are joined into one description, and a pin Pinterest would refuse is
// refused here, where the plan shows it.
func (a *Pinterest) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	if len(p.Parts) > 1 {
		p.Parts = []platforms.Part{{Text: p.Text()}}
	}
	if _, err := a.spec(p); err != nil {
		return nil, fmt.Errorf("pin for %s: %w", p.PostID, err)
	}
	return p, nil
}

// readAll reads one media file.
func readAll(m platforms.Media) ([]byte, error) {
	if m.Open == nil {
		return nil, fmt.Errorf("no way to read %s", m.Path)
	}
	rc, err := m.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", m.Path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", m.Path, err)
	}
	return b, nil
}

// fingerprints are a spec's Receipt.Extra fingerprints.
func fingerprints(s *spec) (map[string]string, error) {
	// fp of the image URL, or of each medium's type and bytes, with the
	// files streamed into the hash: a video is never held whole.
	h := sha256.New()
	if len(s.images)+len(s.videos) == 0 {
		h.Write([]byte(s.imageURL))
		h.Write([]byte{0})
	}
	for _, m := range append(append([]platforms.Media{}, s.images...), s.videos...) {
		h.Write([]byte(m.Type))
		h.Write([]byte{0})
		if err := hashFile(h, m); err != nil {
			return nil, err
		}
		h.Write([]byte{0})
	}
	return map[string]string{
		extraBoard:   s.board,
		extraTextFP:  fp([]byte(s.title), []byte(s.description), []byte(s.link), []byte(s.board), []byte(s.section)),
		extraAltFP:   fp([]byte(s.alt)),
		extraMediaFP: hex.EncodeToString(h.Sum(nil)[:8]),
	}, nil
}

// hashFile streams one media file into w.
func hashFile(w io.Writer, m platforms.Media) error {
	if m.Open == nil {
		return fmt.Errorf("no way to read %s", m.Path)
	}
	rc, err := m.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", m.Path, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("read %s: %w", m.Path, err)
	}
	return nil
}

// Publish implements platforms.Publisher: it uploads a video first when
// there is one, then creates the pin with POST /pins. Pinterest has no
// idempotency key: an unknown outcome is settled by Find.
func (a *Pinterest) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	s, err := a.spec(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("pin for %s: %w", p.PostID, err))
	}
	extra, err := fingerprints(s)
	if err != nil {
		return nil, notCreated(err)
	}
	body := pin{BoardID: s.board, BoardSectionID: s.section, Title: s.title, Description: s.description, Link: s.link, AltText: s.alt}
	if body.MediaSource, err = a.mediaSource(ctx, s); err != nil {
		return nil, err
	}
	var out pin
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "pins", JSON: body}, &out); err != nil {
		return nil, a.apiErr("create pin", err)
	}
	if out.ID == "" {
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusCreated, Outcome: platforms.Unknown,
			Message: "create pin: Pinterest answered without the pin's id; herald looks the attempt up on the board"}
	}
	a.log.Info("created pin", "post_id", p.PostID, "pin", out.ID, "board", s.board)
	return &platforms.Receipt{Provider: Name, IDs: []string{out.ID}, URLs: []string{PinURL(out.ID)},
		PublishedAt: a.createdAt(out.CreatedAt), Extra: extra}, nil
}

// createdAt reads Pinterest's created_at, UTC with or without a zone, or
// the adapter's clock.
func (a *Pinterest) createdAt(v string) time.Time {
	if t, ok := parseTime(v); ok {
		return t
	}
	return a.now().UTC()
}

func parseTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// mediaSource builds the pin's media: images inline as base64 (one, or two
// to five), a public image URL, or a video uploaded through /media.
func (a *Pinterest) mediaSource(ctx context.Context, s *spec) (*mediaSource, error) {
	switch {
	case len(s.videos) == 1:
		id, err := a.uploadVideo(ctx, s.videos[0])
		if err != nil {
			return nil, err
		}
		zero := 0
		return &mediaSource{SourceType: "video_id", MediaID: id, CoverKeyFrame: &zero}, nil
	case len(s.images) == 1:
		b, err := readAll(s.images[0])
		if err != nil {
			return nil, notCreated(err)
		}
		return &mediaSource{SourceType: "image_base64", ContentType: s.images[0].Type, Data: base64.StdEncoding.EncodeToString(b)}, nil
	case len(s.images) > 1:
		ms := &mediaSource{SourceType: "multiple_image_base64"}
		for _, m := range s.images {
			b, err := readAll(m)
			if err != nil {
				return nil, notCreated(err)
			}
			ms.Items = append(ms.Items, imageItem{ContentType: m.Type, Data: base64.StdEncoding.EncodeToString(b)})
		}
		return ms, nil
	default:
		return &mediaSource{SourceType: "image_url", URL: s.imageURL}, nil
	}
}

// mediaUpload is POST /media's answer and GET /media/{id}'s.
type mediaUpload struct {
	MediaID          string            `json:"media_id"`
	MediaType        string            `json:"media_type"`
	UploadURL        string            `json:"upload_url"`
	UploadParameters map[string]string `json:"upload_parameters"`
	Status           string            `json:"status"`
}

// uploadVideo registers a video upload, posts the file to the upload URL
// Pinterest gives (a signed form: every upload parameter, then the file),
// and polls the media until Pinterest has processed it. Every failure is
// NotCreated: no pin exists before POST /pins.
func (a *Pinterest) uploadVideo(ctx context.Context, m platforms.Media) (string, error) {
	var reg mediaUpload
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media", JSON: map[string]string{"media_type": "video"}}, &reg); err != nil {
		return "", asNotCreated(a.apiErr("register video upload", err))
	}
	if reg.MediaID == "" || reg.UploadURL == "" {
		return "", notCreated(errors.New("register video upload: Pinterest answered without media_id or upload_url"))
	}
	if m.Open == nil {
		return "", notCreated(fmt.Errorf("no way to read %s", m.Path))
	}
	// The form is its head (the upload parameters and the file part's
	// headers), the file, streamed, and its closing boundary, so that
	// its length is known before the file is read.
	var head, tail bytes.Buffer
	sw := &switchWriter{w: &head}
	w := multipart.NewWriter(sw)
	keys := make([]string, 0, len(reg.UploadParameters))
	for k := range reg.UploadParameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.WriteField(k, reg.UploadParameters[k])
	}
	ph := textproto.MIMEHeader{}
	ph.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, m.Path[strings.LastIndex(m.Path, "/")+1:]))
	ph.Set("Content-Type", m.Type)
	if _, err := w.CreatePart(ph); err != nil {
		return "", notCreated(err)
	}
	sw.w = &tail
	if err := w.Close(); err != nil {
		return "", notCreated(err)
	}
	up, err := url.Parse(reg.UploadURL)
	if err != nil {
		return "", notCreated(fmt.Errorf("upload URL: %w", err))
	}
	c := a.client(reg.UploadURL)
	c.Redact.Add(up.RawQuery)
	for _, v := range reg.UploadParameters {
		c.Redact.Add(v)
	}
	rc, err := m.Open()
	if err != nil {
		return "", notCreated(fmt.Errorf("open %s: %w", m.Path, err))
	}
	defer rc.Close()
	a.log.Info("uploading video", "file", m.Path, "bytes", m.Size, "media_id", reg.MediaID)
	file := upload.ProgressReader(ctx, Name, m.Path, io.LimitReader(rc, m.Size), m.Size)
	body := io.MultiReader(&head, file, &tail)
	length := int64(head.Len()) + m.Size + int64(tail.Len())
	if _, err := c.Do(ctx, httpx.Request{Method: http.MethodPost, Stream: body, StreamLength: length, ContentType: w.FormDataContentType()}); err != nil {
		return "", asNotCreated(fmt.Errorf("upload video %s to %s%s: %w", m.Path, up.Host, up.Path, platforms.FromHTTP(Name, err)))
	}
	deadline := a.now().Add(maxProcessingWait)
	for {
		var st mediaUpload
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "media/" + url.PathEscape(reg.MediaID)}, &st); err != nil {
			return "", asNotCreated(a.apiErr("video status", err))
		}
		switch st.Status {
		case "succeeded":
			return reg.MediaID, nil
		case "failed":
			return "", notCreated(fmt.Errorf("Pinterest could not process the video %s (media %s): check its format (MP4, MOV or M4V) and length", m.Path, reg.MediaID))
		}
		if !a.now().Before(deadline) {
			return "", notCreated(fmt.Errorf("Pinterest was still processing the video %s (media %s, status %s) after %s", m.Path, reg.MediaID, st.Status, maxProcessingWait))
		}
		a.log.Info("waiting for Pinterest to process the video", "media_id", reg.MediaID, "status", st.Status)
		if err := a.sleep(ctx, pollEvery); err != nil {
			return "", notCreated(err)
		}
	}
}

// asNotCreated marks err NotCreated: it happened before the pin was
// requested, so nothing can have been posted.
func asNotCreated(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
		return err
	}
	return notCreated(err)
}

// digits reports whether s is a Pinterest ID: the spec's ^\d+$.
func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// switchWriter writes to w, which can be changed between writes: the
// multipart form's head and tail go to separate buffers.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }
