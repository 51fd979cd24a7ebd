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
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/render"
)

// Options and Receipt.Extra keys.
const (
	// OptFirstComment is the target option whose text is posted as the
	// post's first comment.
	OptFirstComment = "first_comment"

	extraAuthor       = "author"        // the author URN the post was made as
	extraFirstComment = "first_comment" // the comment's URN, or "failed"
	// Fingerprints of what was published, so that an edit sends only what
	// changed and refuses what LinkedIn cannot change.
	extraTextFP    = "text_fp"          // the commentary
	extraMediaFPs  = "media_fp"         // each image's bytes and alt text, comma-separated
	extraCommentFP = "first_comment_fp" // the first comment's text
)

// fp fingerprints parts of what was published: the first 8 bytes of the
// SHA-256 of the parts, each followed by a zero byte, in hex.
func fp(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// mediaFPs fingerprints each media file with its alt text.
func mediaFPs(media []platforms.Media) ([]string, error) {
	out := make([]string, len(media))
	for i, m := range media {
		if isVideo(m) {
			v, err := videoFP(m)
			if err != nil {
				return nil, err
			}
			out[i] = v
			continue
		}
		if m.Open == nil {
			return nil, fmt.Errorf("no way to read %s", m.Path)
		}
		rc, err := m.Open()
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", m.Path, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", m.Path, err)
		}
		out[i] = fp(data, []byte(m.Alt))
	}
	return out, nil
}

// Prepare makes the shared rendering into what LinkedIn receives.
// LinkedIn has no threads, so a post of several parts becomes one part,
// the parts joined by a blank line. Every reserved little character that
// the renderer did not escape is escaped (the rendering's own escapes and
// hashtag templates are kept), and so is the first_comment option, which
// comes from front-matter as plain text. A text over 3000 UTF-16 code
// units is an error, because LinkedIn would cut it without a word.
func (a *LinkedIn) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	if len(p.Parts) == 0 {
		return nil, errors.New("the post has no text")
	}
	text := guardLittle(p.Text())
	if n := render.CountLinkedIn(text); n > MaxLength {
		what := "the post"
		if len(p.Parts) > 1 {
			what = fmt.Sprintf("the %d parts joined into one post (LinkedIn has no threads)", len(p.Parts))
		}
		return nil, fmt.Errorf("%s is %d characters as LinkedIn counts them (UTF-16, after escaping); LinkedIn takes %d and cuts the rest silently", what, n, MaxLength)
	}
	p.Parts = []platforms.Part{{Text: text}}
	if c, ok := p.Option(OptFirstComment); ok {
		p.Options[OptFirstComment] = render.EscapeLittle(c, nil)
	}
	return p, nil
}

// postRequest is the body of POST /rest/posts.
type postRequest struct {
	Author                    string       `json:"author"`
	Commentary                string       `json:"commentary"`
	Visibility                string       `json:"visibility"`
	Distribution              distribution `json:"distribution"`
	Content                   *postContent `json:"content,omitempty"`
	LifecycleState            string       `json:"lifecycleState"`
	IsReshareDisabledByAuthor bool         `json:"isReshareDisabledByAuthor"`
}

type distribution struct {
	FeedDistribution               string   `json:"feedDistribution"`
	TargetEntities                 []string `json:"targetEntities"`
	ThirdPartyDistributionChannels []string `json:"thirdPartyDistributionChannels"`
}

type postContent struct {
	Media      *mediaRef   `json:"media,omitempty"`
	MultiImage *multiImage `json:"multiImage,omitempty"`
}

// mediaRef is content.media, or one of content.multiImage.images: an
// image with its alt text, or a video with its title (LinkedIn takes no
// alt text for a video).
type mediaRef struct {
	ID      string `json:"id"`
	AltText string `json:"altText,omitempty"`
	Title   string `json:"title,omitempty"`
}

type multiImage struct {
	Images []mediaRef `json:"images"`
}

// commentary is the text one post carries: the payload's parts joined
// (when Prepare did not already) and guarded.
func commentary(p *platforms.Payload) string {
	return guardLittle(p.Text())
}

// checkPayload refuses what LinkedIn would refuse or cut, before anything
// is sent.
func checkPayload(p *platforms.Payload) (string, error) {
	if len(p.Parts) == 0 {
		return "", notCreated(errors.New("the post has no text"))
	}
	text := commentary(p)
	if n := render.CountLinkedIn(text); n > MaxLength {
		return "", notCreated(fmt.Errorf("the text is %d characters as LinkedIn counts them; LinkedIn takes %d and cuts the rest silently", n, MaxLength))
	}
	if len(p.Media) > MaxImages {
		return "", notCreated(fmt.Errorf("the post has %d images; LinkedIn takes at most %d", len(p.Media), MaxImages))
	}
	if err := checkVideo(p.Media); err != nil {
		return "", notCreated(err)
	}
	for _, m := range p.Media {
		switch {
		case m.Type == "image/jpeg", m.Type == "image/png", m.Type == "image/gif":
		case isVideo(m):
			continue
		default:
			return "", notCreated(fmt.Errorf("%s: %s is not supported; herald posts JPEG, PNG and GIF images and MP4 videos to LinkedIn", m.Path, m.Type))
		}
		if n := utf8.RuneCountInString(m.Alt); n > MaxAltText {
			return "", notCreated(fmt.Errorf("%s: alt text is %d characters; LinkedIn takes at most %d", m.Path, n, MaxAltText))
		}
	}
	return text, nil
}

// Publish creates one post with POST /rest/posts: the parts joined (see
// Prepare), the images uploaded first, then the first_comment option as
// a comment. LinkedIn has no idempotency key, so the attempt key is not
// sent: a retry after an unknown outcome goes through Find.
//
// A first comment that fails after the post was created does not fail
// the publish: the post is out, so the receipt is returned, the failure
// logged as a warning and recorded in Receipt.Extra.
func (a *LinkedIn) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	text, err := checkPayload(p)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	var images []mediaRef
	var video *mediaRef
	if len(p.Media) == 1 && isVideo(p.Media[0]) {
		urn, err := a.uploadVideo(ctx, p.Media[0])
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		video = &mediaRef{ID: urn, Title: p.Title}
	} else if images, err = a.uploadAll(ctx, p.Media); err != nil {
		return nil, err
	}
	req := postRequest{
		Author: a.author, Commentary: text, Visibility: "PUBLIC",
		Distribution:   distribution{FeedDistribution: "MAIN_FEED", TargetEntities: []string{}, ThirdPartyDistributionChannels: []string{}},
		LifecycleState: "PUBLISHED",
	}
	switch len(images) {
	case 0:
		if video != nil {
			req.Content = &postContent{Media: video}
		}
	case 1:
		req.Content = &postContent{Media: &images[0]}
	default:
		req.Content = &postContent{MultiImage: &multiImage{Images: images}}
	}
	resp, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "posts", JSON: req}, nil)
	if err != nil {
		return nil, a.apiError("publish", err)
	}
	urn := resp.Header.Get("X-Restli-Id")
	if urn == "" {
		// LinkedIn said yes without naming the post: it exists, and Find
		// can name it.
		return nil, &platforms.APIError{Platform: Name, Status: resp.Status, Outcome: platforms.Unknown,
			Message: "LinkedIn created the post but its answer has no x-restli-id header"}
	}
	r := &platforms.Receipt{Provider: Name, IDs: []string{urn}, URLs: []string{PostURL(urn)}, PublishedAt: a.now(),
		Extra: map[string]string{extraAuthor: a.author, extraTextFP: fp([]byte(text))}}
	if fps, err := mediaFPs(p.Media); err == nil && len(fps) > 0 {
		r.Extra[extraMediaFPs] = strings.Join(fps, ",")
	}
	if c, ok := p.Option(OptFirstComment); ok {
		r.Extra[extraFirstComment] = a.firstComment(ctx, urn, c)
		r.Extra[extraCommentFP] = fp([]byte(c))
	}
	return r, nil
}

// firstComment posts text as a comment on the post with POST
// /rest/socialActions/{urn}/comments and returns the comment's URN, or
// "failed" after logging a warning: the post is published either way.
func (a *LinkedIn) firstComment(ctx context.Context, postURN, text string) string {
	body := map[string]any{"actor": a.author, "object": postURN, "message": map[string]string{"text": guardLittle(text)}}
	var out struct {
		ID  string `json:"id"`
		URN string `json:"$URN"`
	}
	resp, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "socialActions/" + keyPath(postURN) + "/comments", JSON: body}, &out)
	if err != nil {
		a.log.Warn("post published, but its first comment failed; add it by hand on LinkedIn",
			"post", postURN, "error", a.apiError("first comment", err).Error())
		return "failed"
	}
	return cmp.Or(out.URN, resp.Header.Get("X-Restli-Id"), out.ID, "posted")
}

// initializeUploadResponse is POST /rest/images?action=initializeUpload.
type initializeUploadResponse struct {
	Value struct {
		UploadURLExpiresAt int64  `json:"uploadUrlExpiresAt"`
		UploadURL          string `json:"uploadUrl"`
		Image              string `json:"image"`
	} `json:"value"`
}

func (a *LinkedIn) uploadAll(ctx context.Context, media []platforms.Media) ([]mediaRef, error) {
	var refs []mediaRef
	for _, m := range media {
		urn, err := a.upload(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("upload %s: %w", m.Path, notCreatedUpload(err))
		}
		refs = append(refs, mediaRef{ID: urn, AltText: m.Alt})
	}
	return refs, nil
}

// notCreatedUpload marks an upload error NotCreated: an uploaded image no
// post uses is not a post.
func notCreatedUpload(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
		return err
	}
	return notCreated(err)
}

// upload registers one image with the Images API, PUTs its bytes to the
// upload URL LinkedIn hands out, and waits, for at most
// maxProcessingWait, until LinkedIn reports it AVAILABLE.
func (a *LinkedIn) upload(ctx context.Context, m platforms.Media) (string, error) {
	rc, err := m.Open()
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	var init initializeUploadResponse
	body := map[string]any{"initializeUploadRequest": map[string]string{"owner": a.author}}
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "images?action=initializeUpload", JSON: body}, &init); err != nil {
		return "", a.apiError("initialize upload", err)
	}
	if init.Value.UploadURL == "" || init.Value.Image == "" {
		return "", errors.New("initialize upload: LinkedIn answered without an upload URL or image URN")
	}
	if err := a.put(ctx, init.Value.UploadURL, m.Type, data); err != nil {
		return "", err
	}
	return init.Value.Image, a.waitAvailable(ctx, init.Value.Image)
}

// put sends the image's bytes to LinkedIn's upload URL as it was given
// (its query is signed, so it is not re-encoded), with the bearer token.
// The URL is kept out of errors and logs beyond its host and path.
func (a *LinkedIn) put(ctx context.Context, uploadURL, contentType string, data []byte) error {
	tok, err := a.accessToken(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, httpx.DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, bytes.NewReader(data))
	if err != nil {
		return errors.New("upload: LinkedIn's upload URL is not a valid URL")
	}
	shown := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "herald")
	resp, err := a.s.HTTPClient.Do(req)
	if err != nil {
		var red httpx.Redactor
		red.Add(tok, uploadURL)
		return fmt.Errorf("upload to %s: %s", shown, red.String(strings.ReplaceAll(err.Error(), uploadURL, shown)))
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &platforms.APIError{Platform: Name, Status: resp.StatusCode, Outcome: platforms.NotCreated,
			Message: "upload to " + shown + " answered " + resp.Status}
	}
	return nil
}

// imageStatus is GET /rest/images/{urn}.
type imageStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// waitAvailable polls GET /rest/images/{urn} until LinkedIn reports the
// image AVAILABLE, for at most maxProcessingWait.
func (a *LinkedIn) waitAvailable(ctx context.Context, urn string) error {
	waited := time.Duration(0)
	for d := 500 * time.Millisecond; ; d = min(2*d, 4*time.Second) {
		var st imageStatus
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "images/" + keyPath(urn)}, &st); err != nil {
			return a.apiError("image status", err)
		}
		switch st.Status {
		case "AVAILABLE":
			return nil
		case "PROCESSING_FAILED":
			return fmt.Errorf("image %s: LinkedIn could not process it", urn)
		}
		if waited+d > maxProcessingWait {
			return fmt.Errorf("image %s: still %s after %s", urn, st.Status, waited)
		}
		if err := a.sleep(ctx, d); err != nil {
			return fmt.Errorf("image %s: %w", urn, err)
		}
		waited += d
	}
}

// Update replaces the post's text with POST /rest/posts/{urn} and
// X-RestLi-Method: PARTIAL_UPDATE, {"patch":{"$set":{"commentary":...}}},
// when the text changed, and posts the first comment if the post has
// none yet. LinkedIn cannot change a post's images or their alt text
// (content is not among the fields a partial update sets), and herald
// does not edit a comment it posted: an edit that needs either fails
// with platforms.ErrNotEditable before anything is sent, so the plan
// shows drift instead of a post that silently lacks the change. What was
// published is known from Receipt.Extra's fingerprints; a receipt
// without them (from Find, or an older herald) is compared with the post
// read back (its image count and alt texts), when LinkedIn allows the
// read. Because LinkedIn has been seen to answer 204 without changing the
// text, the post is read back; a text that did not change is an error,
// and a read that LinkedIn does not allow (403 without r_member_social)
// is logged and trusted.
func (a *LinkedIn) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) == 0 {
		return nil, notCreated(errors.New("update: the receipt names no post"))
	}
	text, err := checkPayload(p)
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	urn := r.IDs[0]
	fps, err := mediaFPs(p.Media)
	if err != nil {
		return nil, notCreated(fmt.Errorf("update: %w", err))
	}
	if err := a.sameMedia(ctx, urn, r.Extra, p.Media, fps); err != nil {
		return nil, err
	}
	comment, hasComment := p.Option(OptFirstComment)
	posted := r.Extra[extraFirstComment]
	postComment := hasComment && (posted == "" || posted == "failed")
	// A comment posted before the configuration tagged its links (utm:)
	// is the same comment.
	if !postComment && posted != "" && posted != "failed" && r.Extra[extraCommentFP] != fp([]byte(comment)) &&
		r.Extra[extraCommentFP] != fp([]byte(commentWithoutUTM(comment))) {
		return nil, notEditable("the first comment was posted as it was then, and herald does not edit or remove comments: change it by hand on LinkedIn, or restore first_comment")
	}
	out := *r
	out.Extra = maps.Clone(r.Extra)
	if out.Extra == nil {
		out.Extra = map[string]string{}
	}
	if r.Extra[extraTextFP] != fp([]byte(text)) {
		if err := a.setCommentary(ctx, urn, text); err != nil {
			return nil, err
		}
		out.Extra[extraTextFP] = fp([]byte(text))
	}
	if postComment {
		out.Extra[extraFirstComment] = a.firstComment(ctx, urn, comment)
		out.Extra[extraCommentFP] = fp([]byte(comment))
	}
	if len(fps) > 0 {
		out.Extra[extraMediaFPs] = strings.Join(fps, ",")
	}
	return &out, nil
}

// setCommentary changes the post's text and reads it back.
func (a *LinkedIn) setCommentary(ctx context.Context, urn, text string) error {
	body := map[string]any{"patch": map[string]any{"$set": map[string]string{"commentary": text}}}
	_, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "posts/" + keyPath(urn), JSON: body,
		Header: http.Header{"X-Restli-Method": {"PARTIAL_UPDATE"}}}, nil)
	if statusOf(err) == http.StatusNotFound {
		return fmt.Errorf("update %s: %w", urn, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return a.apiError("update "+urn, err)
	}
	got, err := a.getPost(ctx, urn)
	switch {
	case statusOf(err) == http.StatusForbidden:
		a.log.Info("LinkedIn accepted the edit; reading the post back is not allowed, so it is not verified", "post", urn)
	case err != nil:
		a.log.Warn("LinkedIn accepted the edit; reading the post back failed, so it is not verified", "post", urn, "error", a.apiError("read back", err).Error())
	case !sameCommentary(got.Commentary, text):
		return &platforms.APIError{Platform: Name, Status: http.StatusNoContent, Code: "not-updated", Outcome: platforms.NotCreated,
			Message: "LinkedIn accepted the edit of " + urn + " but still shows the old text; delete and publish again to change it"}
	}
	return nil
}

// sameMedia returns an error wrapping platforms.ErrNotEditable when the
// post's images (fps, fingerprints of media) differ from those published:
// from the receipt's fingerprints, or, without them, from the post's
// image count and alt texts as LinkedIn shows them.
func (a *LinkedIn) sameMedia(ctx context.Context, urn string, extra map[string]string, media []platforms.Media, fps []string) error {
	const why = "LinkedIn cannot change a published post's images or their alt text, or its video; the post keeps those it was published with: delete and publish again to change them"
	if rec, ok := extra[extraMediaFPs]; ok || extra[extraTextFP] != "" {
		if rec != strings.Join(fps, ",") {
			return notEditable(why)
		}
		return nil
	}
	var live struct {
		Content *struct {
			Media      *mediaRef   `json:"media"`
			MultiImage *multiImage `json:"multiImage"`
		} `json:"content"`
	}
	_, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "posts/" + keyPath(urn)}, &live)
	if err != nil {
		a.log.Info("cannot read the post to compare its images; editing its text only", "post", urn, "error", a.apiError("read", err).Error())
		return nil
	}
	var alts []string
	if c := live.Content; c != nil && c.Media != nil {
		alts = append(alts, c.Media.AltText)
	} else if c != nil && c.MultiImage != nil {
		for _, im := range c.MultiImage.Images {
			alts = append(alts, im.AltText)
		}
	}
	want := make([]string, len(media))
	for i, m := range media {
		if !isVideo(m) {
			// A video keeps no alt text on LinkedIn: "" is what it shows.
			want[i] = m.Alt
		}
	}
	if !slices.Equal(alts, want) {
		return notEditable(why)
	}
	return nil
}

// notEditable is the error for an edit LinkedIn cannot make: it wraps
// platforms.ErrNotEditable, so the plan shows drift instead of retrying.
func notEditable(why string) error {
	return &platforms.APIError{Platform: Name, Code: "not-editable", Outcome: platforms.NotCreated,
		Message: "cannot edit on LinkedIn: " + why, Err: platforms.ErrNotEditable}
}

// Delete deletes the post with DELETE /rest/posts/{urn}. A post already
// gone (404) is not an error.
func (a *LinkedIn) Delete(ctx context.Context, r *platforms.Receipt) error {
	for _, urn := range r.IDs {
		_, err := a.do(ctx, httpx.Request{Method: http.MethodDelete, Path: "posts/" + keyPath(urn),
			Header: http.Header{"X-Restli-Method": {"DELETE"}}}, nil)
		if err != nil && statusOf(err) != http.StatusNotFound {
			return a.apiError("delete "+urn, err)
		}
	}
	return nil
}
