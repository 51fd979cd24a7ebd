package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Update implements platforms.Updater: videos.update (50 units) sends the
// whole snippet and status again, as the API requires (a snippet without
// title or categoryId is refused). The video file and its thumbnail are
// not changed.
func (y *YouTube) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) == 0 {
		return nil, notCreated(errors.New("update: the receipt names no video"))
	}
	v, err := y.Render(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("render video for %s: %w", y.s.Account, err))
	}
	v.ID = r.IDs[0]
	_, err = y.api(ctx, CostUpdate, httpx.Request{Method: http.MethodPut, Path: "videos",
		Query: url.Values{"part": {"snippet,status"}}, JSON: v}, nil)
	if statusOf(err) == http.StatusNotFound {
		return nil, fmt.Errorf("update video %s: %w", v.ID, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, y.apiError("update video "+v.ID, err)
	}
	out := *r
	return &out, nil
}

// Delete implements platforms.Deleter: videos.delete (50 units). A video
// already gone (404 videoNotFound) is not a failure.
func (y *YouTube) Delete(ctx context.Context, r *platforms.Receipt) error {
	for _, id := range r.IDs {
		_, err := y.api(ctx, CostDelete, httpx.Request{Method: http.MethodDelete, Path: "videos", Query: url.Values{"id": {id}}}, nil)
		if statusOf(err) == http.StatusNotFound {
			continue
		}
		if err != nil {
			return y.apiError("delete video "+id, err)
		}
	}
	return nil
}

// Metrics implements platforms.MetricsReader with videos.list
// part=statistics (1 unit): views as Impressions, likes, and comments as
// Replies. YouTube keeps dislikes private and favoriteCount is always 0.
func (y *YouTube) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no video")
	}
	var out struct {
		Items []struct {
			ID         string `json:"id"`
			Statistics struct {
				ViewCount    string `json:"viewCount"`
				LikeCount    string `json:"likeCount"`
				CommentCount string `json:"commentCount"`
			} `json:"statistics"`
		} `json:"items"`
	}
	_, err := y.api(ctx, CostList, httpx.Request{Method: http.MethodGet, Path: "videos",
		Query: url.Values{"part": {"statistics"}, "id": {r.IDs[0]}}}, &out)
	if err != nil {
		return nil, y.apiError("read statistics", err)
	}
	if len(out.Items) == 0 {
		return nil, fmt.Errorf("read statistics of video %s: YouTube lists no such video: %w", r.IDs[0], platforms.ErrDeletedRemotely)
	}
	st := out.Items[0].Statistics
	// A count the owner hides (likes) is absent, which is not 0.
	return &platforms.Metrics{Impressions: count(st.ViewCount), Likes: count(st.LikeCount), Replies: count(st.CommentCount)}, nil
}

func count(s string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// playlistItem is one item of the uploads playlist.
type playlistItem struct {
	Snippet struct {
		PublishedAt time.Time `json:"publishedAt"`
		Title       string    `json:"title"`
		Description string    `json:"description"`
		ResourceID  struct {
			VideoID string `json:"videoId"`
		} `json:"resourceId"`
	} `json:"snippet"`
}

// Find implements platforms.Finder: it reads the channel's uploads
// playlist (channels.list mine=true for its ID, then playlistItems.list,
// 1 unit a page), newest first, back to the attempt's beginning, and
// returns the video whose title and description are the attempt's.
// Reaching an upload older than the attempt's beginning with none proves
// the attempt absent; running out of pages before that cannot tell. Two
// such videos since then (the same video uploaded again in YouTube
// Studio) cannot be told apart and are left to a person.
func (y *YouTube) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	v, err := y.Render(p)
	if err != nil {
		return nil, fmt.Errorf("find: render: %w", err)
	}
	uploads, err := y.uploadsPlaylist(ctx)
	if err != nil {
		return nil, err
	}
	since := at.Since(y.now(), defaultFindWindow)
	token, read := "", 0
	var found []playlistItem
	for page := 0; page < y.findPages; page++ {
		q := url.Values{"part": {"snippet"}, "playlistId": {uploads}, "maxResults": {strconv.Itoa(DefaultFindPage)}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var out struct {
			Items         []playlistItem `json:"items"`
			NextPageToken string         `json:"nextPageToken"`
		}
		if _, err := y.api(ctx, CostList, httpx.Request{Method: http.MethodGet, Path: "playlistItems", Query: q}, &out); err != nil {
			return nil, y.apiError("find: list uploads", err)
		}
		for _, it := range out.Items {
			if !it.Snippet.PublishedAt.IsZero() && it.Snippet.PublishedAt.Before(since) {
				return settleFind(found, read, at.DescribeSince(since, "a week back"))
			}
			read++
			if it.Snippet.Title == v.Snippet.Title && it.Snippet.Description == v.Snippet.Description {
				found = append(found, it)
			}
		}
		if out.NextPageToken == "" {
			return settleFind(found, read, at.DescribeSince(since, "a week back"))
		}
		token = out.NextPageToken
	}
	if len(found) == 1 {
		// One match and no second to doubt it: it is taken, though a
		// twin beyond find_max_pages would go unseen.
		return settleFind(found, read, at.DescribeSince(since, "a week back"))
	}
	return nil, fmt.Errorf("find: read %d uploads (find_max_pages) without reaching %s; cannot tell whether the upload landed: look at the channel in YouTube Studio", read, at.DescribeSince(since, "a week back"))
}

// settleFind settles a look-up from the uploads since the attempt began with
// the attempt's title and description: none is ErrNotFound, one is the
// attempt's receipt, more cannot be told apart.
func settleFind(found []playlistItem, read int, since string) (*platforms.Receipt, error) {
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("find: none of the channel's %d uploads since %s has this title and description: %w", read, since, platforms.ErrNotFound)
	case 1:
		id := found[0].Snippet.ResourceID.VideoID
		return &platforms.Receipt{Provider: Name, IDs: []string{id}, URLs: []string{VideoURL(id)}, PublishedAt: found[0].Snippet.PublishedAt}, nil
	}
	ids := make([]string, len(found))
	for i, it := range found {
		ids[i] = it.Snippet.ResourceID.VideoID
	}
	return nil, fmt.Errorf("find: %d of the channel's uploads since %s have this title and description (%s): herald cannot tell its own from one uploaded in YouTube Studio: look at the channel, then resolve the post",
		len(found), since, strings.Join(ids, ", "))
}

// uploadsPlaylist is the ID of the channel's uploads playlist.
func (y *YouTube) uploadsPlaylist(ctx context.Context) (string, error) {
	if y.uploadsURL != "" {
		return y.uploadsURL, nil
	}
	var out struct {
		Items []struct {
			ContentDetails struct {
				RelatedPlaylists struct {
					Uploads string `json:"uploads"`
				} `json:"relatedPlaylists"`
			} `json:"contentDetails"`
		} `json:"items"`
	}
	if _, err := y.api(ctx, CostList, httpx.Request{Method: http.MethodGet, Path: "channels",
		Query: url.Values{"part": {"contentDetails"}, "mine": {"true"}}}, &out); err != nil {
		return "", y.apiError("find: read the channel", err)
	}
	if len(out.Items) == 0 || out.Items[0].ContentDetails.RelatedPlaylists.Uploads == "" {
		return "", errors.New("find: the token's account has no YouTube channel")
	}
	y.uploadsURL = out.Items[0].ContentDetails.RelatedPlaylists.Uploads
	return y.uploadsURL, nil
}
