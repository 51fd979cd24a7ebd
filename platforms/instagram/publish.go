package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
)

// Container statuses, from GET /{container-id}?fields=status_code.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

// Caption is the text an Instagram post carries: Instagram has no
// threads, so a thread's parts are joined by a blank line.
func Caption(p *platforms.Payload) string { return strings.TrimSpace(p.Text()) }

// hashtagRE and mentionRE find what Instagram counts: a # or @ that does
// not follow a letter, digit or underscore.
var (
	hashtagRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&#])#[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*`)
	mentionRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_@.])@[A-Za-z0-9_.]*[A-Za-z0-9_]`)
)

// Counts returns the number of hashtags and @-mentions in a caption, as
// Instagram caps them.
func Counts(caption string) (hashtags, mentions int) {
	return len(hashtagRE.FindAllString(caption, -1)), len(mentionRE.FindAllString(caption, -1))
}

// isVideo reports whether a medium is a video.
func isVideo(m platforms.Media) bool { return strings.HasPrefix(m.Type, "video/") }

// videoTypes are the video containers Instagram takes.
var videoTypes = map[string]bool{"video/mp4": true, "video/quicktime": true}

// Containers is what Publish creates for p, in order: one item's form per
// carousel child (none for a single medium), then the post's own
// container. mediaURL maps a repository path to its public URL. Pure, so
// that tests hold it to golden files.
func Containers(p *platforms.Payload, mediaURL func(string) string) (children []url.Values, parent url.Values) {
	setMedia := func(form url.Values, m platforms.Media, carousel bool) {
		switch {
		case isVideo(m) && carousel:
			form.Set("media_type", "VIDEO")
			form.Set("video_url", mediaURL(m.Path))
		case isVideo(m):
			form.Set("media_type", "REELS")
			form.Set("video_url", mediaURL(m.Path))
		default:
			form.Set("image_url", mediaURL(m.Path))
			if m.Alt != "" {
				form.Set("alt_text", m.Alt)
			}
		}
	}
	parent = url.Values{}
	if c := Caption(p); c != "" {
		parent.Set("caption", c)
	}
	if len(p.Media) == 1 {
		setMedia(parent, p.Media[0], false)
		if isVideo(p.Media[0]) {
			if v, ok := p.Options["share_to_feed"].(bool); ok {
				parent.Set("share_to_feed", fmt.Sprint(v))
			}
		}
		return nil, parent
	}
	for _, m := range p.Media {
		child := url.Values{"is_carousel_item": {"true"}}
		setMedia(child, m, true)
		children = append(children, child)
	}
	parent.Set("media_type", "CAROUSEL")
	return children, parent
}

// check refuses, before anything is sent, what Instagram would refuse.
func (a *Instagram) check(p *platforms.Payload) error {
	caption := Caption(p)
	if n := utf8.RuneCountInString(caption); n > MaxCaption {
		return notCreated(fmt.Errorf("the caption is %d characters; Instagram takes %d", n, MaxCaption))
	}
	tags, mentions := Counts(caption)
	if tags > MaxHashtags {
		return notCreated(fmt.Errorf("the caption has %d hashtags; Instagram takes at most %d", tags, MaxHashtags))
	}
	if mentions > MaxMentions {
		return notCreated(fmt.Errorf("the caption has %d @-mentions; Instagram takes at most %d", mentions, MaxMentions))
	}
	switch {
	case len(p.Media) == 0:
		return notCreated(errors.New("Instagram takes no post without an image or a video: add media to the post, or leave this account out of its to: list"))
	case len(p.Media) > MaxCarousel:
		return notCreated(fmt.Errorf("the post has %d media; an Instagram carousel takes at most %d", len(p.Media), MaxCarousel))
	case a.mediaBase == "":
		return notCreated(errors.New("Instagram has no upload: it fetches each file from a public URL: set media_base_url on the account to the URL prefix where the repository's files are served (e.g. https://example.com/), so that herald sends that prefix followed by each file's repository path"))
	}
	for _, m := range p.Media {
		switch {
		case isVideo(m) && !videoTypes[m.Type]:
			return notCreated(fmt.Errorf("%s: %s is not supported; Instagram takes MP4 and MOV videos", m.Path, m.Type))
		case !isVideo(m) && m.Type != "image/jpeg":
			return notCreated(fmt.Errorf("%s: %s is not supported; Instagram takes JPEG images only (convert it to JPEG)", m.Path, m.Type))
		case !isVideo(m) && m.Size > MaxImageBytes:
			return notCreated(fmt.Errorf("%s: %d bytes; Instagram takes images up to %d", m.Path, m.Size, MaxImageBytes))
		case !isVideo(m) && utf8.RuneCountInString(m.Alt) > MaxAltText:
			return notCreated(fmt.Errorf("%s: alt text is %d characters; herald sends at most %d to Instagram", m.Path, utf8.RuneCountInString(m.Alt), MaxAltText))
		}
	}
	return nil
}

// MediaURL is the public URL Instagram fetches a repository file from:
// media_base_url followed by the file's repository path, each segment
// escaped.
func (a *Instagram) MediaURL(path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return a.mediaBase + "/" + strings.Join(segs, "/")
}

// Publish posts an image, a Reel (a video) or a carousel of up to 10
// images and videos: it checks the account's publishing limit, creates the
// containers (POST /{ig-user-id}/media; a carousel's children first, each
// waited for), waits for the post's container to be FINISHED, publishes it
// (POST /{ig-user-id}/media_publish, creation_id) and reads its permalink.
// Instagram has no idempotency key, so the key is not sent: an unknown
// outcome is settled by Find.
func (a *Instagram) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	if err := a.check(p); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	uid, err := a.userIDFor(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if err := a.checkQuota(ctx, uid); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	children, parent := Containers(p, a.MediaURL)
	var ids []string
	for i, child := range children {
		id, err := a.createContainer(ctx, uid, child)
		if err == nil {
			err = a.waitFinished(ctx, id)
		}
		if err != nil {
			return nil, fmt.Errorf("publish: carousel item %s: %w", p.Media[i].Path, err)
		}
		ids = append(ids, id)
	}
	if len(ids) > 0 {
		parent.Set("children", strings.Join(ids, ","))
	}
	cid, err := a.createContainer(ctx, uid, parent)
	if err == nil {
		err = a.waitFinished(ctx, cid)
	}
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, http.MethodPost, uid+"/media_publish", nil, url.Values{"creation_id": {cid}}, &out); err != nil {
		return nil, fmt.Errorf("publish: %w", a.errs.Wrap("publish container "+cid, err, false))
	}
	if out.ID == "" {
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusOK, Outcome: platforms.Unknown,
			Message: "Instagram published container " + cid + " but its answer holds no media id"}
	}
	at, link := a.permalink(ctx, out.ID)
	return &platforms.Receipt{Provider: Name, IDs: []string{out.ID}, URLs: []string{link}, PublishedAt: at}, nil
}

// quotaWindow is how long Instagram counts a published post against the
// publishing limit when the answer does not say: 24 hours, moving.
const quotaWindow = 24 * time.Hour

// checkQuota reads GET /{ig-user-id}/content_publishing_limit
// (quota_usage, config) and refuses, before any container is made, a post
// the account's limit cannot take: a 429, NotCreated, with RetryAfter the
// limit's window, by which every post now counted has left it.
func (a *Instagram) checkQuota(ctx context.Context, uid string) error {
	var out struct {
		Data []struct {
			QuotaUsage int `json:"quota_usage"`
			Config     struct {
				QuotaTotal    int `json:"quota_total"`
				QuotaDuration int `json:"quota_duration"`
			} `json:"config"`
		} `json:"data"`
	}
	if err := a.call(ctx, http.MethodGet, uid+"/content_publishing_limit", url.Values{"fields": {"quota_usage,config"}}, nil, &out); err != nil {
		return a.errs.Wrap("read the publishing limit", err, true)
	}
	if len(out.Data) == 0 || out.Data[0].Config.QuotaTotal == 0 {
		return notCreated(errors.New("read the publishing limit: Instagram answered without config.quota_total"))
	}
	q := out.Data[0]
	if q.QuotaUsage < q.Config.QuotaTotal {
		return nil
	}
	window := time.Duration(q.Config.QuotaDuration) * time.Second
	if window <= 0 {
		window = quotaWindow
	}
	return &platforms.APIError{Platform: Name, Status: http.StatusTooManyRequests, Code: "publishing-limit", Outcome: platforms.NotCreated,
		RetryAfter: window,
		Message: fmt.Sprintf("the account has published %d of the %d posts Instagram allows through the API in %s: deferred, nothing was sent",
			q.QuotaUsage, q.Config.QuotaTotal, window)}
}

// createContainer is POST /{ig-user-id}/media. A container is seen by no
// one until it is published, so its failures are NotCreated.
func (a *Instagram) createContainer(ctx context.Context, uid string, form url.Values) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, http.MethodPost, uid+"/media", nil, form, &out); err != nil {
		return "", a.errs.Wrap("create container", err, true)
	}
	if out.ID == "" {
		return "", notCreated(errors.New("create container: Instagram answered without a container id"))
	}
	return out.ID, nil
}

// waitFinished checks a container's status_code until it is FINISHED,
// waiting 1 s, then twice as long each time up to a minute, for at most
// maxContainerWait (images are usually ready at once; Reels take longer).
func (a *Instagram) waitFinished(ctx context.Context, cid string) error {
	waited, d := time.Duration(0), time.Second
	for {
		var st struct {
			StatusCode string `json:"status_code"`
			Status     string `json:"status"`
		}
		if err := a.call(ctx, http.MethodGet, cid, url.Values{"fields": {"status_code,status"}}, nil, &st); err != nil {
			return a.errs.Wrap("container "+cid+" status", err, true)
		}
		switch st.StatusCode {
		case StatusFinished:
			return nil
		case StatusError:
			return notCreated(fmt.Errorf("container %s: Instagram could not process the media: %s", cid, cmpOr(st.Status, "no reason given")))
		case StatusExpired:
			return notCreated(fmt.Errorf("container %s expired before it was published", cid))
		case StatusPublished:
			return &platforms.APIError{Platform: Name, Outcome: platforms.Unknown,
				Message: "container " + cid + " is already published, though herald has not published it"}
		}
		if waited+d > maxContainerWait {
			return notCreated(fmt.Errorf("container %s still %s after %s; it expires unpublished within a day", cid, cmpOr(st.StatusCode, "without a status"), waited))
		}
		if err := a.sleep(ctx, d); err != nil {
			return notCreated(fmt.Errorf("container %s: %w", cid, err))
		}
		waited += d
		d = min(2*d, time.Minute)
	}
}

// permalink reads a published post's permalink and timestamp; a post
// whose permalink cannot be read is still published, with no URL.
func (a *Instagram) permalink(ctx context.Context, id string) (time.Time, string) {
	var out struct {
		Permalink string `json:"permalink"`
		Timestamp string `json:"timestamp"`
	}
	if err := a.call(ctx, http.MethodGet, url.PathEscape(id), url.Values{"fields": {"permalink,timestamp"}}, nil, &out); err != nil {
		a.log.Warn("could not read the post's permalink", "media_id", id, "error", err.Error())
	}
	at := metagraph.ParseTime(out.Timestamp)
	if at.IsZero() {
		at = a.now()
	}
	return at, out.Permalink
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
