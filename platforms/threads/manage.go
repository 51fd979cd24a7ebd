package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/heraldhq/herald/platforms"
)

// Delete deletes every part with DELETE /{threads-media-id}, last part
// first, so that no reply is left under a missing post. A part already
// gone (a 404, or code 100 subcode 33) is not an error. Threads allows
// 100 deletes a day per account; the error past that is Meta's.
func (a *Threads) Delete(ctx context.Context, r *platforms.Receipt) error {
	for i := len(r.IDs) - 1; i >= 0; i-- {
		id := r.IDs[i]
		var out struct {
			Success bool `json:"success"`
		}
		err := a.call(ctx, http.MethodDelete, url.PathEscape(id), nil, nil, &out)
		switch {
		case isGone(err):
			continue
		case err != nil:
			return a.apiError("delete "+id, err, stageRead)
		case !out.Success:
			return &platforms.APIError{Platform: Name, Status: http.StatusOK, Code: "not-deleted", Outcome: platforms.NotCreated,
				Message: "Threads answered that post " + id + " was not deleted"}
		}
	}
	return nil
}

// insightsResponse is GET /{media-id}/insights.
type insightsResponse struct {
	Data []struct {
		Name   string `json:"name"`
		Period string `json:"period"`
		Values []struct {
			Value int64 `json:"value"`
		} `json:"values"`
		TotalValue *struct {
			Value int64 `json:"value"`
		} `json:"total_value"`
	} `json:"data"`
}

// Metrics reads the first part's insights with GET
// /{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares:
// views as impressions, likes, replies, reposts and quotes; a metric
// Threads leaves out stays nil, and shares has no field in
// platforms.Metrics. Counts do not include nested replies; replies leave
// out a thread's part 2, herald's own reply to part 1. A post Threads
// cannot find wraps platforms.ErrDeletedRemotely.
func (a *Threads) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no post")
	}
	id := r.IDs[0]
	var out insightsResponse
	err := a.call(ctx, http.MethodGet, url.PathEscape(id)+"/insights",
		url.Values{"metric": {"views,likes,replies,reposts,quotes,shares"}}, nil, &out)
	if isGone(err) {
		return nil, fmt.Errorf("metrics %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.apiError("metrics "+id, err, stageRead)
	}
	m := &platforms.Metrics{}
	for _, d := range out.Data {
		var v *int64
		switch {
		case len(d.Values) > 0:
			n := d.Values[0].Value
			v = &n
		case d.TotalValue != nil:
			n := d.TotalValue.Value
			v = &n
		default:
			continue
		}
		switch d.Name {
		case "views":
			m.Impressions = v
		case "likes":
			m.Likes = v
		case "replies":
			if len(r.IDs) > 1 {
				// Part 2 is herald's own reply to part 1.
				others := max(*v-1, 0)
				v = &others
			}
			m.Replies = v
		case "reposts":
			m.Reposts = v
		case "quotes":
			m.Quotes = v
		}
	}
	return m, nil
}
