package threads

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/render"
)

// Container statuses, from GET /{container-id}?fields=status.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

// timestampLayout is how Threads writes times ("2026-04-15T14:30:00+0000").
const timestampLayout = "2006-01-02T15:04:05-0700"

// linkRE finds what Threads counts as links in text: http(s) URLs and
// www. hosts. Link facets from the renderer are counted as well.
var linkRE = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+`)

// countLinks counts the unique links in a part as Threads counts them:
// "All unique URLs found in the text field are counted as links." Trailing
// punctuation is not part of a URL.
func countLinks(part platforms.Part) int {
	seen := map[string]bool{}
	for _, m := range linkRE.FindAllString(part.Text, -1) {
		seen[normLink(m)] = true
	}
	for _, f := range part.Facets {
		if f.Type == platforms.FacetLink && f.Value != "" {
			seen[normLink(f.Value)] = true
		}
	}
	return len(seen)
}

// partOf is a part of text without facets.
func partOf(text string) platforms.Part { return platforms.Part{Text: text} }

func normLink(u string) string {
	u = strings.TrimRight(u, ".,;:!?)'\"")
	l := strings.ToLower(u)
	for _, p := range []string{"https://", "http://"} {
		l = strings.TrimPrefix(l, p)
	}
	return strings.TrimSuffix(l, "/")
}

// mediaType is the container media_type for a file: IMAGE for JPEG and
// PNG, VIDEO for MP4 and QuickTime; "" for what Threads does not take.
func mediaType(mime string) string {
	switch mime {
	case "image/jpeg", "image/png":
		return "IMAGE"
	case "video/mp4", "video/quicktime":
		return "VIDEO"
	}
	return ""
}

// check refuses what Threads would refuse, before anything is sent, so
// that a thread is never cut off halfway by a part Threads will not take.
func (a *Threads) check(p *platforms.Payload) (string, error) {
	if len(p.Parts) == 0 {
		return "", notCreated(errors.New("the post has no text"))
	}
	for i, part := range p.Parts {
		if n := render.CountThreads(part.Text); n > MaxChars {
			return "", notCreated(fmt.Errorf("part %d is %d characters; Threads takes %d (emoji count as their UTF-8 bytes)", i+1, n, MaxChars))
		}
		if strings.TrimSpace(part.Text) == "" && (i > 0 || len(p.Media) == 0) {
			return "", notCreated(fmt.Errorf("part %d has no text", i+1))
		}
		if n := countLinks(part); n > MaxLinks {
			return "", notCreated(fmt.Errorf("part %d has %d links; Threads refuses posts with more than %d (THREADS_API__LINK_LIMIT_EXCEEDED)", i+1, n, MaxLinks))
		}
	}
	if len(p.Media) > 0 && a.mediaBase == "" {
		return "", notCreated(errors.New("Threads has no upload: it fetches each image from a public URL: set media_base_url on the account to the URL prefix where the repository's files are served (e.g. https://example.com/), so that herald sends that prefix followed by each file's repository path"))
	}
	if len(p.Media) > MaxCarousel {
		return "", notCreated(fmt.Errorf("the post has %d media; a Threads carousel takes at most %d", len(p.Media), MaxCarousel))
	}
	for _, m := range p.Media {
		if mediaType(m.Type) == "" {
			return "", notCreated(fmt.Errorf("%s: %s is not supported; Threads takes JPEG and PNG images and MP4 or MOV videos", m.Path, m.Type))
		}
		if m.Type != "video/mp4" && m.Type != "video/quicktime" && m.Size > MaxImageBytes {
			return "", notCreated(fmt.Errorf("%s: %d bytes; Threads takes images up to %d", m.Path, m.Size, MaxImageBytes))
		}
		if n := utf8.RuneCountInString(m.Alt); n > MaxAltText {
			return "", notCreated(fmt.Errorf("%s: alt text is %d characters; herald sends at most %d to Threads", m.Path, n, MaxAltText))
		}
	}
	rc, _ := p.Option("reply_control")
	if rc != "" && !slices.Contains(replyControls, rc) {
		return "", notCreated(fmt.Errorf("reply_control %q: want one of %s", rc, strings.Join(replyControls, ", ")))
	}
	return rc, nil
}

// MediaURL is the public URL Threads fetches a repository file from: the
// media_base_url setting followed by the file's repository path, each
// segment escaped.
func (a *Threads) MediaURL(path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return a.mediaBase + "/" + strings.Join(segs, "/")
}

// Publish posts each part as a container (POST /{user-id}/threads) that
// is published (POST /{user-id}/threads_publish) once its status is
// FINISHED; later parts reply to the part before (reply_to_id). The
// first part carries the media: one image or video, or a carousel of 2 to
// 20 items. Threads has no idempotency key, so the key is not sent: a
// retry after an unknown outcome goes through Find. A thread is started
// only when the account's publishing quota can take all of it (see
// checkQuota).
func (a *Threads) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	replyControl, err := a.check(p)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	uid, err := a.userIDFor(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if len(p.Parts) > 1 {
		if err := a.checkQuota(ctx, uid, 1, len(p.Parts)-1); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	return a.post(ctx, uid, p, &platforms.Receipt{Provider: Name, PublishedAt: a.now()}, replyControl)
}

// Resume publishes the parts of p that r lacks, the first as a reply to
// r's last part (platforms.Resumer), once the account's reply quota can
// take them all. Threads has no idempotency key, so the key is not sent:
// a resume whose outcome is unknown is looked up with Find. Media belong
// to part 1 and are not sent again.
func (a *Threads) Resume(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, notCreated(errors.New("resume: the receipt names no post to reply to"))
	}
	if len(r.IDs) >= len(p.Parts) {
		return nil, notCreated(fmt.Errorf("resume: %d of %d parts are already posted: nothing to resume", len(r.IDs), len(p.Parts)))
	}
	replyControl, err := a.check(p)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	uid, err := a.userIDFor(ctx)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	if err := a.checkQuota(ctx, uid, 0, len(p.Parts)-len(r.IDs)); err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs), PublishedAt: r.PublishedAt,
		Extra: maps.Clone(r.Extra)}
	for len(out.URLs) < len(out.IDs) {
		out.URLs = append(out.URLs, "")
	}
	return a.post(ctx, uid, p, out, replyControl)
}

// post publishes the parts of p from the first r does not hold, each
// replying to the part before, with the media and reply control on part
// 1, and returns r with them. When a part fails it returns r with the
// parts that exist, or nil when there are none, with the error.
func (a *Threads) post(ctx context.Context, uid string, p *platforms.Payload, r *platforms.Receipt, replyControl string) (*platforms.Receipt, error) {
	for i := len(r.IDs); i < len(p.Parts); i++ {
		op := "publish"
		if len(p.Parts) > 1 {
			op = fmt.Sprintf("publish part %d of %d", i+1, len(p.Parts))
		}
		form := url.Values{"text": {p.Parts[i].Text}}
		var media []platforms.Media
		if i == 0 {
			media = p.Media
			if replyControl != "" {
				form.Set("reply_control", replyControl)
			}
		} else {
			form.Set("reply_to_id", r.IDs[i-1])
		}
		id, at, link, err := a.publishPart(ctx, uid, form, media)
		if err != nil {
			err = fmt.Errorf("%s: %w", op, err)
			if len(r.IDs) > 0 {
				return r, err
			}
			return nil, err
		}
		if i == 0 && !at.IsZero() {
			r.PublishedAt = at
		}
		r.IDs = append(r.IDs, id)
		r.URLs = append(r.URLs, link)
	}
	return r, nil
}

// quotaJSON is GET /{user-id}/threads_publishing_limit.
type quotaJSON struct {
	Data []struct {
		QuotaUsage      int         `json:"quota_usage"`
		Config          quotaConfig `json:"config"`
		ReplyQuotaUsage int         `json:"reply_quota_usage"`
		ReplyConfig     quotaConfig `json:"reply_config"`
	} `json:"data"`
}

type quotaConfig struct {
	QuotaTotal    int `json:"quota_total"`
	QuotaDuration int `json:"quota_duration"` // seconds
}

// quotaWindow is how long Threads counts a published post or reply
// against the quota when the answer does not say: 24 hours, moving.
const quotaWindow = 24 * time.Hour

// checkQuota reads the account's publishing quota (GET
// /{user-id}/threads_publishing_limit, quota_usage, config,
// reply_quota_usage, reply_config) and refuses, before anything is sent,
// a thread that needs more top-level posts or replies than the quota has
// left: started, it would be cut halfway by the quota. The refusal is a
// 429, NotCreated, with RetryAfter the quota's window, by which every
// post now counted has left it, so that the reconciler defers the thread.
func (a *Threads) checkQuota(ctx context.Context, uid string, posts, replies int) error {
	var out quotaJSON
	err := a.call(ctx, http.MethodGet, uid+"/threads_publishing_limit",
		url.Values{"fields": {"quota_usage,config,reply_quota_usage,reply_config"}}, nil, &out)
	if err != nil {
		err = a.apiError("read the publishing quota", err, stageContainer)
		var ae *platforms.APIError
		if errors.As(err, &ae) && ae.Status != http.StatusTooManyRequests && ae.Status < 500 && !errors.Is(err, platforms.ErrNeedsReconnect) {
			return fmt.Errorf("%w (reading the reply quota needs the threads_manage_replies permission, which publishing a thread's replies needs too)", err)
		}
		return err
	}
	if len(out.Data) == 0 || out.Data[0].Config.QuotaTotal == 0 || out.Data[0].ReplyConfig.QuotaTotal == 0 {
		return notCreated(errors.New("read the publishing quota: Threads answered without quota_total for posts and replies"))
	}
	q := out.Data[0]
	window := time.Duration(max(q.Config.QuotaDuration, q.ReplyConfig.QuotaDuration)) * time.Second
	if window <= 0 {
		window = quotaWindow
	}
	postsLeft, repliesLeft := q.Config.QuotaTotal-q.QuotaUsage, q.ReplyConfig.QuotaTotal-q.ReplyQuotaUsage
	if posts <= postsLeft && replies <= repliesLeft {
		return nil
	}
	return &platforms.APIError{Platform: Name, Status: http.StatusTooManyRequests, Code: "publishing-quota", Outcome: platforms.NotCreated,
		RetryAfter: window,
		Message: fmt.Sprintf("the thread needs %d post(s) and %d replies, and the account has %d of %d posts and %d of %d replies left in the last %s: deferred, not started, so that the quota cannot cut it halfway",
			posts, replies, max(postsLeft, 0), q.Config.QuotaTotal, max(repliesLeft, 0), q.ReplyConfig.QuotaTotal, window)}
}

// publishPart creates one part's container (with its carousel items),
// waits for it, publishes it, and reads its permalink.
func (a *Threads) publishPart(ctx context.Context, uid string, form url.Values, media []platforms.Media) (id string, at time.Time, link string, err error) {
	switch len(media) {
	case 0:
		form.Set("media_type", "TEXT")
	case 1:
		a.setMedia(form, media[0])
	default:
		var children []string
		for _, m := range media {
			item := url.Values{"is_carousel_item": {"true"}}
			a.setMedia(item, m)
			cid, err := a.createContainer(ctx, uid, item)
			if err != nil {
				return "", time.Time{}, "", fmt.Errorf("carousel item %s: %w", m.Path, err)
			}
			if err := a.waitFinished(ctx, cid); err != nil {
				return "", time.Time{}, "", fmt.Errorf("carousel item %s: %w", m.Path, err)
			}
			children = append(children, cid)
		}
		form.Set("media_type", "CAROUSEL")
		form.Set("children", strings.Join(children, ","))
	}
	cid, err := a.createContainer(ctx, uid, form)
	if err != nil {
		return "", time.Time{}, "", err
	}
	if err := a.waitFinished(ctx, cid); err != nil {
		return "", time.Time{}, "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, http.MethodPost, uid+"/threads_publish", nil, url.Values{"creation_id": {cid}}, &out); err != nil {
		return "", time.Time{}, "", a.apiError("publish container "+cid, err, stagePublish)
	}
	if out.ID == "" {
		return "", time.Time{}, "", &platforms.APIError{Platform: Name, Status: http.StatusOK, Outcome: platforms.Unknown,
			Message: "Threads published container " + cid + " but its answer holds no media id"}
	}
	at, link = a.permalink(ctx, out.ID)
	return out.ID, at, link, nil
}

func (a *Threads) setMedia(form url.Values, m platforms.Media) {
	mt := mediaType(m.Type)
	form.Set("media_type", mt)
	if mt == "VIDEO" {
		form.Set("video_url", a.MediaURL(m.Path))
	} else {
		form.Set("image_url", a.MediaURL(m.Path))
	}
	if m.Alt != "" {
		form.Set("alt_text", m.Alt)
	}
}

// createContainer is POST /{user-id}/threads. A container is seen by no
// one until it is published, so its failures are NotCreated.
func (a *Threads) createContainer(ctx context.Context, uid string, form url.Values) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, http.MethodPost, uid+"/threads", nil, form, &out); err != nil {
		return "", a.apiError("create container", err, stageContainer)
	}
	if out.ID == "" {
		return "", notCreated(errors.New("create container: Threads answered without a container id"))
	}
	return out.ID, nil
}

// waitFinished checks a container's status until it is FINISHED, waiting
// 1 s, then twice as long each time up to a minute, for at most
// maxContainerWait in all (Meta recommends checking once a minute for no
// more than five; text and images are usually ready at once).
func (a *Threads) waitFinished(ctx context.Context, cid string) error {
	waited, d := time.Duration(0), time.Second
	for {
		var st struct {
			Status       string `json:"status"`
			ErrorMessage string `json:"error_message"`
		}
		err := a.call(ctx, http.MethodGet, cid, url.Values{"fields": {"status,error_message"}}, nil, &st)
		if err != nil {
			return a.apiError("container "+cid+" status", err, stageContainer)
		}
		switch st.Status {
		case StatusFinished:
			return nil
		case StatusError:
			return notCreated(fmt.Errorf("container %s: Threads could not process it: %s", cid, cmp.Or(st.ErrorMessage, "no reason given")))
		case StatusExpired:
			return notCreated(fmt.Errorf("container %s expired before it was published", cid))
		case StatusPublished:
			return &platforms.APIError{Platform: Name, Outcome: platforms.Unknown,
				Message: "container " + cid + " is already published, though herald has not published it"}
		}
		if waited+d > maxContainerWait {
			return notCreated(fmt.Errorf("container %s still %s after %s", cid, cmp.Or(st.Status, "without a status"), waited))
		}
		if err := a.sleep(ctx, d); err != nil {
			return notCreated(fmt.Errorf("container %s: %w", cid, err))
		}
		waited += d
		d = min(2*d, time.Minute)
	}
}

// permalink reads a published post's permalink and time. A post whose
// permalink cannot be read is still published: its URL is left empty
// (Threads' permalinks use a shortcode that cannot be derived from the
// media ID) and its time is the adapter's clock.
func (a *Threads) permalink(ctx context.Context, id string) (time.Time, string) {
	var out struct {
		Permalink string `json:"permalink"`
		Timestamp string `json:"timestamp"`
	}
	err := a.call(ctx, http.MethodGet, id, url.Values{"fields": {"permalink,timestamp"}}, nil, &out)
	if err != nil {
		a.log.Warn("could not read the post's permalink", "media_id", id, "error", err.Error())
	}
	at, _ := time.Parse(timestampLayout, out.Timestamp)
	return at, out.Permalink
}
