package linkedin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
)

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

type mediaRef struct {
	ID      string `json:"id"`
	AltText string `json:"altText,omitempty"`
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
	for _, m := range p.Media {
		switch m.Type {
		case "image/jpeg", "image/png", "image/gif":
		default:
			return "", notCreated(fmt.Errorf("%s: %s is not supported; herald posts JPEG, PNG and GIF images to LinkedIn", m.Path, m.Type))
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
	images, err := a.uploadAll(ctx, p.Media)
	if err != nil {
		return nil, err
	}
	req := postRequest{
		Author: a.author, Commentary: text, Visibility: "PUBLIC",
		Distribution:   distribution{FeedDistribution: "MAIN_FEED", TargetEntities: []string{}, ThirdPartyDistributionChannels: []string{}},
		LifecycleState: "PUBLISHED",
	}
	switch len(images) {
	case 0:
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
		Extra: map[string]string{extraAuthor: a.author}}
	if c, ok := p.Option(OptFirstComment); ok {
		r.Extra[extraFirstComment] = a.firstComment(ctx, urn, c)
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
	return firstNonEmpty(out.URN, resp.Header.Get("X-Restli-Id"), out.ID, "posted")
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
// X-RestLi-Method: PARTIAL_UPDATE, {"patch":{"$set":{"commentary":...}}}.
// Images cannot be changed this way. Because LinkedIn has been seen to
// answer 204 without changing the text, the post is read back; a text
// that did not change is an error, and a read that LinkedIn does not
// allow (403 without r_member_social) is logged and trusted.
func (a *LinkedIn) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) == 0 {
		return nil, notCreated(errors.New("update: the receipt names no post"))
	}
	text, err := checkPayload(p)
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	urn := r.IDs[0]
	body := map[string]any{"patch": map[string]any{"$set": map[string]string{"commentary": text}}}
	_, err = a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "posts/" + keyPath(urn), JSON: body,
		Header: http.Header{"X-Restli-Method": {"PARTIAL_UPDATE"}}}, nil)
	if statusOf(err) == http.StatusNotFound {
		return nil, fmt.Errorf("update %s: %w", urn, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.apiError("update "+urn, err)
	}
	got, err := a.getPost(ctx, urn)
	switch {
	case statusOf(err) == http.StatusForbidden:
		a.log.Info("LinkedIn accepted the edit; reading the post back is not allowed, so it is not verified", "post", urn)
	case err != nil:
		a.log.Warn("LinkedIn accepted the edit; reading the post back failed, so it is not verified", "post", urn, "error", a.apiError("read back", err).Error())
	case !sameCommentary(got.Commentary, text):
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusNoContent, Code: "not-updated", Outcome: platforms.NotCreated,
			Message: "LinkedIn accepted the edit of " + urn + " but still shows the old text; delete and publish again to change it"}
	}
	out := *r
	out.Extra = map[string]string{}
	for k, v := range r.Extra {
		out.Extra[k] = v
	}
	return &out, nil
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
