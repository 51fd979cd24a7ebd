package facebook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
)

// Update edits the post's text in place: POST /{post-id} with message
// (a video's description: POST /{video-id} with description). It first
// reads the text Facebook holds and sends nothing when it is already the
// one wanted. Facebook cannot change a published post's photos, their alt
// text, its video or its link: such an edit wraps platforms.ErrNotEditable
// and the plan shows drift.
func (a *Facebook) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, errors.New("update: the receipt names no post")
	}
	if err := a.check(p); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	if d := r.Extra[extraMedia]; d != "" && d != mediaDigest(p) && d != mediaDigest(withoutUTM(p)) {
		return nil, fmt.Errorf("update %s: Facebook cannot change a published post's photos, video, alt text or link: %w", r.IDs[0], platforms.ErrNotEditable)
	}
	id := r.IDs[0]
	field := "message"
	if r.Extra[extraKind] == "video" {
		field = "description"
	}
	var cur map[string]any
	err := a.get(ctx, url.PathEscape(id), url.Values{"fields": {field}}, &cur)
	switch {
	case metagraph.IsGone(err):
		return nil, fmt.Errorf("update %s: %w", id, platforms.ErrDeletedRemotely)
	case err != nil:
		return nil, a.errs.Wrap("update "+id+": read the post", err, true)
	}
	want := Message(p)
	if have, _ := cur[field].(string); norm.NFC.String(strings.TrimSpace(have)) == norm.NFC.String(want) {
		return r, nil
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := a.post(ctx, url.PathEscape(id), url.Values{field: {want}}, &out); err != nil {
		if metagraph.IsGone(err) {
			return nil, fmt.Errorf("update %s: %w", id, platforms.ErrDeletedRemotely)
		}
		return nil, a.errs.Wrap("update "+id, err, true)
	}
	if !out.Success {
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusOK, Code: "not-updated", Outcome: platforms.NotCreated,
			Message: "Facebook answered that post " + id + " was not updated"}
	}
	return r, nil
}

// withoutUTM is p with its link's UTM parameters taken out: a link
// post published before the configuration tagged its links (utm:) had
// its link without them, and a change of its text is still an edit
// Facebook can make. Its link stays as it was published.
func withoutUTM(p *platforms.Payload) *platforms.Payload {
	link, ok := p.Option("link")
	if !ok || platforms.WithoutUTM(link) == link {
		return p
	}
	c := p.Clone()
	c.Options["link"] = platforms.WithoutUTM(link)
	return c
}

// Delete deletes the post (or video) with DELETE /{id}. A post already
// gone (a 404, or code 100 subcode 33) is not an error.
func (a *Facebook) Delete(ctx context.Context, r *platforms.Receipt) error {
	for _, id := range slices.Backward(r.IDs) {
		if err := a.deleteOne(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (a *Facebook) deleteOne(ctx context.Context, id string) error {
	var out struct {
		Success bool `json:"success"`
	}
	err := a.call(ctx, request{method: http.MethodDelete, path: url.PathEscape(id)}, &out)
	switch {
	case metagraph.IsGone(err):
		return nil
	case err != nil:
		return a.errs.Wrap("delete "+id, err, true)
	case !out.Success:
		return &platforms.APIError{Platform: Name, Status: http.StatusOK, Code: "not-deleted", Outcome: platforms.NotCreated,
			Message: "Facebook answered that post " + id + " was not deleted"}
	}
	return nil
}

// engagementFields asks a post for its reaction, comment and share counts
// without the items themselves.
const engagementFields = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"

// Insight metrics read for a post. Since 15 November 2025 the impressions
// metrics are gone ("invalid metric") and views replace them:
// post_total_media_view_unique replaces post_impressions_unique.
const insightMetrics = "post_total_media_view_unique,post_clicks"

// Metrics reads the post's engagement: GET /{post-id}?fields=reactions
// .summary(total_count),comments.summary(total_count),shares for likes
// (every reaction), replies (comments) and reposts (shares; Facebook
// leaves shares out when there are none, read as 0), then GET
// /{post-id}/insights?metric=post_total_media_view_unique,post_clicks for
// impressions (the Page's unique views, since the November 2025 renames)
// and clicks. Insights need a Page with 100 likes or more and are updated
// daily; when Facebook refuses them the counts are still returned, and
// impressions and clicks stay nil. A post Facebook cannot find wraps
// platforms.ErrDeletedRemotely.
func (a *Facebook) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no post")
	}
	id := r.IDs[0]
	var out struct {
		Reactions struct {
			Summary struct {
				TotalCount int64 `json:"total_count"`
			} `json:"summary"`
		} `json:"reactions"`
		Comments struct {
			Summary struct {
				TotalCount int64 `json:"total_count"`
			} `json:"summary"`
		} `json:"comments"`
		Shares *struct {
			Count int64 `json:"count"`
		} `json:"shares"`
	}
	err := a.get(ctx, url.PathEscape(id), url.Values{"fields": {engagementFields}}, &out)
	if metagraph.IsGone(err) {
		return nil, fmt.Errorf("metrics %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.errs.Wrap("metrics "+id, err, true)
	}
	likes, replies, reposts := out.Reactions.Summary.TotalCount, out.Comments.Summary.TotalCount, int64(0)
	if out.Shares != nil {
		reposts = out.Shares.Count
	}
	m := &platforms.Metrics{Likes: &likes, Replies: &replies, Reposts: &reposts}
	var ins struct {
		Data []struct {
			Name   string `json:"name"`
			Values []struct {
				Value any `json:"value"`
			} `json:"values"`
		} `json:"data"`
	}
	if err := a.get(ctx, url.PathEscape(id)+"/insights", url.Values{"metric": {insightMetrics}}, &ins); err != nil {
		a.log.Info("no insights for the post (a Page needs 100 likes for them)", "post_id", id, "error", err.Error())
		return m, nil
	}
	for _, d := range ins.Data {
		if len(d.Values) == 0 {
			continue
		}
		v, ok := number(d.Values[0].Value)
		if !ok {
			continue
		}
		switch d.Name {
		case "post_total_media_view_unique":
			m.Impressions = &v
		case "post_clicks":
			m.Clicks = &v
		}
	}
	return m, nil
}

func number(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// listed is a post as the Page's edges list it.
type listed struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	Description  string `json:"description"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
}

func comparable(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// Find looks an attempt up among the Page's posts since the attempt
// began, since Facebook has no idempotency key: GET
// /{page-id}/published_posts (a video: /{page-id}/videos) with
// fields id,message,created_time,permalink_url, since at the attempt's
// beginning less platforms.ClockSkew (a week back when that is not
// recorded) and limit find_limit, following paging.cursors.after while
// paging.next is present, for at most find_max_pages pages. The attempt
// is the one post whose text equals the message (NFC, trimmed). A scan
// that paged to its end without a match proves the attempt absent; one
// cut short by the page limit cannot tell.
func (a *Facebook) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	page, err := a.page(ctx)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	video := len(p.Media) == 1 && isVideo(p.Media[0])
	edge, fields, kind := "published_posts", "id,message,created_time,permalink_url", "feed"
	if video {
		edge, fields, kind = "videos", "id,description,created_time,permalink_url", "video"
	}
	since := at.Since(a.now(), defaultFindWindow)
	q := url.Values{"fields": {fields}, "limit": {strconv.Itoa(a.findMax)}, "since": {strconv.FormatInt(since.Unix(), 10)}}
	want := comparable(Message(p))
	var hits []listed
	read, complete := 0, false
	for range a.findPages {
		var out struct {
			Data   []listed `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := a.get(ctx, page+"/"+edge, q, &out); err != nil {
			return nil, a.errs.Wrap("find: the Page's recent posts", err, true)
		}
		read += len(out.Data)
		for _, l := range out.Data {
			text := l.Message
			if video {
				text = l.Description
			}
			if comparable(text) == want {
				hits = append(hits, l)
			}
		}
		if out.Paging.Next == "" || out.Paging.Cursors.After == "" || len(out.Data) == 0 {
			complete = true
			break
		}
		q.Set("after", out.Paging.Cursors.After)
	}
	described := at.DescribeSince(since, "a week back")
	switch {
	case len(hits) > 1:
		return nil, fmt.Errorf("find: %d posts have the text (%s, %s): cannot tell which is this attempt", len(hits), hits[0].ID, hits[1].ID)
	case len(hits) == 0 && complete:
		return nil, fmt.Errorf("find: none of the Page's %d posts since %s has the text: %w", read, described, platforms.ErrNotFound)
	case len(hits) == 0:
		return nil, fmt.Errorf("find: none of the Page's %d latest posts has the text, and they do not reach back to %s: cannot tell whether it was posted", read, described)
	}
	h := hits[0]
	link := h.PermalinkURL
	if strings.HasPrefix(link, "/") {
		link = "https://www.facebook.com" + link
	}
	pub := metagraph.ParseTime(h.CreatedTime)
	if pub.IsZero() {
		pub = a.now()
	}
	return &platforms.Receipt{Provider: Name, IDs: []string{h.ID}, URLs: []string{link}, PublishedAt: pub.In(time.UTC),
		Extra: map[string]string{extraKind: kind, extraMedia: mediaDigest(p)}}, nil
}
