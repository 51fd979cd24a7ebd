package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/metagraph"
)

func comparable(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// Find looks an attempt up among the account's media, since Instagram has
// no idempotency key: GET /{ig-user-id}/media?fields=id,caption,timestamp,
// permalink, newest first, limit find_limit, following
// paging.cursors.after for at most find_max_pages pages, until it reads a
// medium older than the attempt's beginning less platforms.ClockSkew (a
// week back when that is not recorded). The attempt is the one medium
// whose caption equals the post's (NFC, trimmed). Reaching a medium older
// than that time, or the edge's end, without a match proves the attempt
// absent; a scan cut short by the page limit cannot tell. A container
// made but never published is seen nowhere and expires: not found, which
// is the truth.
func (a *Instagram) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	uid, err := a.userIDFor(ctx)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	since := at.Since(a.now(), defaultFindWindow)
	q := url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {strconv.Itoa(a.findMax)}}
	want := comparable(Caption(p))
	type medium struct {
		ID        string `json:"id"`
		Caption   string `json:"caption"`
		Timestamp string `json:"timestamp"`
		Permalink string `json:"permalink"`
	}
	var hits []medium
	read, complete := 0, false
scan:
	for range a.findPages {
		var out struct {
			Data   []medium `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := a.call(ctx, http.MethodGet, uid+"/media", q, nil, &out); err != nil {
			return nil, a.errs.Wrap("find: the account's recent media", err, true)
		}
		for _, m := range out.Data {
			if ts := metagraph.ParseTime(m.Timestamp); !ts.IsZero() && ts.Before(since) {
				complete = true
				break scan
			}
			read++
			if comparable(m.Caption) == want {
				hits = append(hits, m)
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
		return nil, fmt.Errorf("find: %d posts have the caption (%s, %s): cannot tell which is this attempt", len(hits), hits[0].ID, hits[1].ID)
	case len(hits) == 0 && complete:
		return nil, fmt.Errorf("find: none of the account's %d posts since %s has the caption: %w", read, described, platforms.ErrNotFound)
	case len(hits) == 0:
		return nil, fmt.Errorf("find: none of the account's %d latest posts has the caption, and they do not reach back to %s: cannot tell whether it was posted", read, described)
	}
	pub := metagraph.ParseTime(hits[0].Timestamp)
	if pub.IsZero() {
		pub = a.now()
	}
	return &platforms.Receipt{Provider: Name, IDs: []string{hits[0].ID}, URLs: []string{hits[0].Permalink}, PublishedAt: pub}, nil
}

// InsightMetrics are the media insights Metrics reads. impressions, plays
// and video_views were removed in April 2025 (v22); views replaced them.
const InsightMetrics = "views,reach,likes,comments,shares,saved,total_interactions"

// Metrics reads GET /{ig-media-id}/insights?metric=views,reach,likes,
// comments,shares,saved,total_interactions: views as impressions, likes,
// comments as replies, saved as saves. Instagram leaves out a metric it
// has no data for yet (insights can be 48 hours late), which stays nil,
// not 0. A post Instagram cannot find wraps platforms.ErrDeletedRemotely.
func (a *Instagram) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no post")
	}
	id := r.IDs[0]
	var out struct {
		Data []struct {
			Name   string `json:"name"`
			Values []struct {
				Value int64 `json:"value"`
			} `json:"values"`
			TotalValue *struct {
				Value int64 `json:"value"`
			} `json:"total_value"`
		} `json:"data"`
	}
	err := a.call(ctx, http.MethodGet, url.PathEscape(id)+"/insights", url.Values{"metric": {InsightMetrics}}, nil, &out)
	if metagraph.IsGone(err) {
		return nil, fmt.Errorf("metrics %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.errs.Wrap("metrics "+id, err, true)
	}
	m := &platforms.Metrics{}
	for _, d := range out.Data {
		var v int64
		switch {
		case len(d.Values) > 0:
			v = d.Values[0].Value
		case d.TotalValue != nil:
			v = d.TotalValue.Value
		default:
			continue
		}
		switch d.Name {
		case "views":
			m.Impressions = &v
		case "likes":
			m.Likes = &v
		case "comments":
			m.Replies = &v
		case "saved":
			m.Saves = &v
		}
	}
	return m, nil
}
