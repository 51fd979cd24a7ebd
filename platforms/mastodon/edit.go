package mastodon

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// ErrPartsChanged is what Update returns when the post now renders as a
// different number of parts than were published: a thread cannot gain or
// lose statuses in place, so the post must be deleted and published again.
var ErrPartsChanged = errors.New("a Mastodon thread cannot gain or lose parts in place")

// Update edits every part in place with PUT /api/v1/statuses/:id: the text,
// the content warning, sensitivity and language (Mastodon 3.5 and later).
// Visibility and media stay as published. IDs do not change.
func (m *Mastodon) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, errors.New("update: the receipt names no status")
	}
	if len(r.IDs) != len(p.Parts) {
		return nil, fmt.Errorf("update: published as %d statuses, now %d parts: %w; delete the post and publish it again",
			len(r.IDs), len(p.Parts), ErrPartsChanged)
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	api, err := m.client()
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs),
		PublishedAt: r.PublishedAt, Extra: maps.Clone(r.Extra)}
	for len(out.URLs) < len(out.IDs) {
		out.URLs = append(out.URLs, "")
	}
	for i, id := range r.IDs {
		var st status
		_, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodPut, Path: "api/v1/statuses/" + url.PathEscape(id),
			JSON: o.body(p.Parts[i].Text, false)}, &st)
		if isStatus(err, http.StatusNotFound) {
			return nil, fmt.Errorf("update status %s: %w", id, platforms.ErrDeletedRemotely)
		}
		if err != nil {
			return nil, m.apiErr(fmt.Sprintf("update part %d of %d", i+1, len(r.IDs)), err)
		}
		if l := st.link(); l != "" {
			out.URLs[i] = l
		}
	}
	return out, nil
}

// Delete deletes every part, the last first, so that a failure leaves the
// head of the thread rather than orphaned replies. A part already gone is
// not an error.
func (m *Mastodon) Delete(ctx context.Context, r *platforms.Receipt) error {
	if r == nil {
		return errors.New("delete: no receipt")
	}
	api, err := m.client()
	if err != nil {
		return notCreated("delete: %v", err)
	}
	for _, id := range slices.Backward(r.IDs) {
		_, err := api.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: "api/v1/statuses/" + url.PathEscape(id)})
		if isStatus(err, http.StatusNotFound) {
			continue
		}
		if err != nil {
			return m.apiErr("delete status "+id, err)
		}
	}
	return nil
}

// Metrics reads the first status's counts with GET /api/v1/statuses/:id:
// favourites, reblogs, replies (less the thread's own part 2), and quotes
// where the server reports them (4.5 and later). Mastodon has no
// impressions. Counts of remote interactions may lag behind federation.
func (m *Mastodon) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no status")
	}
	api, err := m.client()
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	id := r.IDs[0]
	var st status
	_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/statuses/" + url.PathEscape(id)}, &st)
	if isStatus(err, http.StatusNotFound) {
		return nil, fmt.Errorf("metrics of status %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, m.apiErr("metrics of status "+id, err)
	}
	// replies_count counts part 2, which herald posted as a reply to part
	// 1, when it is public or unlisted (Status#increment_counter_caches):
	// the thread's own reply is not engagement.
	replies := st.RepliesCount
	if len(r.IDs) > 1 && (st.Visibility == "public" || st.Visibility == "unlisted") {
		replies = max(replies-1, 0)
	}
	return &platforms.Metrics{Likes: &st.FavouritesCount, Reposts: &st.ReblogsCount, Replies: &replies, Quotes: st.QuotesCount}, nil
}

// isStatus reports whether err is an HTTP answer with status code.
func isStatus(err error, code int) bool {
	var se *httpx.StatusError
	return errors.As(err, &se) && se.Status == code
}
