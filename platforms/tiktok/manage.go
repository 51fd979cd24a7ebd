package tiktok

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms"
)

// video is a video object of video/list and video/query.
type video struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Description  string `json:"video_description"`
	CreateTime   int64  `json:"create_time"`
	ShareURL     string `json:"share_url"`
	LikeCount    *int64 `json:"like_count"`
	CommentCount *int64 `json:"comment_count"`
	ShareCount   *int64 `json:"share_count"`
	ViewCount    *int64 `json:"view_count"`
}

// Metrics implements platforms.MetricsReader with video/query (scope
// video.list): likes, comments as Replies, shares as Reposts, views as
// Impressions. A video TikTok no longer lists is ErrDeletedRemotely.
func (t *TikTok) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no TikTok post (an inbox upload is finished in the app)")
	}
	var out struct {
		Videos []video `json:"videos"`
	}
	q := url.Values{"fields": {"id,like_count,comment_count,share_count,view_count"}}
	if err := t.api(ctx, "v2/video/query/", q, map[string]any{"filters": map[string]any{"video_ids": []string{r.IDs[0]}}}, &out); err != nil {
		return nil, t.apiError("read counts", err)
	}
	for _, v := range out.Videos {
		if v.ID == r.IDs[0] {
			return &platforms.Metrics{Likes: v.LikeCount, Replies: v.CommentCount, Reposts: v.ShareCount, Impressions: v.ViewCount}, nil
		}
	}
	return nil, fmt.Errorf("read counts of TikTok video %s: TikTok lists no such video: %w", r.IDs[0], platforms.ErrDeletedRemotely)
}

// Find implements platforms.Finder: it reads the creator's videos
// (video/list, newest first, 20 a page) back to the attempt's beginning
// and returns the one whose title or description is the attempt's
// caption. Reaching a video older than the attempt's beginning with none
// proves the attempt absent. Two or more since then (a captionless
// video, or a caption the creator also used in the app) cannot be told
// apart: that is an error for a person, not a guess. An inbox upload
// cannot be found (the creator has not posted it yet), so for an inbox
// account Find cannot tell.
func (t *TikTok) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	if t.mode == Inbox {
		return nil, errors.New("find: an inbox upload is not a post until the creator finishes it in the app: look at the app's inbox")
	}
	info, err := t.Render(p)
	if err != nil {
		return nil, fmt.Errorf("find: render: %w", err)
	}
	since := at.Since(t.now(), defaultFindWindow)
	var cursor int64
	read := 0
	var found []video
	for page := 0; page < t.findPages; page++ {
		body := map[string]any{"max_count": findPage}
		if cursor != 0 {
			body["cursor"] = cursor
		}
		var out struct {
			Videos  []video `json:"videos"`
			Cursor  int64   `json:"cursor"`
			HasMore bool    `json:"has_more"`
		}
		q := url.Values{"fields": {"id,title,video_description,create_time,share_url"}}
		if err := t.api(ctx, "v2/video/list/", q, body, &out); err != nil {
			return nil, t.apiError("find: list videos", err)
		}
		for _, v := range out.Videos {
			if v.CreateTime != 0 && time.Unix(v.CreateTime, 0).Before(since) {
				return t.found(info.Title, found, read, at.DescribeSince(since, "a week back"))
			}
			read++
			if v.Title == info.Title || v.Description == info.Title {
				found = append(found, v)
			}
		}
		if !out.HasMore {
			return t.found(info.Title, found, read, at.DescribeSince(since, "a week back"))
		}
		cursor = out.Cursor
	}
	if len(found) == 1 {
		// The scan stopped short of the attempt's beginning with one
		// match and no second to doubt it: it is taken, though a twin
		// beyond find_max_pages would go unseen.
		return t.found(info.Title, found, read, at.DescribeSince(since, "a week back"))
	}
	return nil, fmt.Errorf("find: read %d videos (find_max_pages) without reaching %s; cannot tell whether the post landed: look at the creator's profile", read, at.DescribeSince(since, "a week back"))
}

// found settles a look-up from the videos since the attempt began whose
// caption is the attempt's: none is ErrNotFound, one is the attempt's
// receipt, more cannot be told apart. An empty caption names no video:
// a captionless one may be the creator's, so any match cannot be told
// from the attempt.
func (t *TikTok) found(caption string, found []video, read int, since string) (*platforms.Receipt, error) {
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("find: none of the creator's %d videos since %s has this caption: %w", read, since, platforms.ErrNotFound)
	case len(found) == 1 && caption != "":
		v := found[0]
		r := &platforms.Receipt{Provider: Name, IDs: []string{v.ID}, PublishedAt: time.Unix(v.CreateTime, 0).UTC()}
		if v.ShareURL != "" {
			r.URLs = []string{v.ShareURL}
		}
		return r, nil
	}
	ids := make([]string, len(found))
	for i, v := range found {
		ids[i] = v.ID
	}
	what := fmt.Sprintf("%d of the creator's videos since %s have this caption", len(found), since)
	if caption == "" {
		what = fmt.Sprintf("the post has no caption, and %d of the creator's videos since %s have none", len(found), since)
	}
	return nil, fmt.Errorf("find: %s (%s): herald cannot tell its own from one posted in the app: look at the creator's profile, then resolve the post",
		what, strings.Join(ids, ", "))
}
