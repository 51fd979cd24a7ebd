package pinterest

import (
	"context"
	"encoding/json"
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

func pinID(r *platforms.Receipt) (string, error) {
	if r == nil || len(r.IDs) != 1 || r.IDs[0] == "" {
		return "", notCreated(errors.New("the receipt names no pin"))
	}
	return r.IDs[0], nil
}

// Update implements platforms.Updater with PATCH /pins/{id}: the title,
// description, link, alt text, board and section can change; the media
// cannot, so a change to them fails with platforms.ErrNotEditable before
// anything is sent. Nothing changed: nothing is sent.
func (a *Pinterest) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	id, err := pinID(r)
	if err != nil {
		return nil, err
	}
	s, err := a.spec(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("pin for %s: %w", p.PostID, err))
	}
	extra, err := fingerprints(s)
	if err != nil {
		return nil, notCreated(err)
	}
	if old := r.Extra[extraMediaFP]; old != "" && old != extra[extraMediaFP] {
		return nil, fmt.Errorf("edit pin %s: its image or video changed: %w (Pinterest cannot replace a pin's media; delete the pin and publish a new one)", id, platforms.ErrNotEditable)
	}
	if r.Extra[extraTextFP] == extra[extraTextFP] && r.Extra[extraAltFP] == extra[extraAltFP] {
		return r, nil
	}
	patch := map[string]any{"title": s.title, "description": s.description, "link": s.link, "board_id": s.board}
	if s.section != "" {
		patch["board_section_id"] = s.section
	}
	if len(s.images) > 0 || len(s.videos) > 0 {
		patch["alt_text"] = s.alt
	}
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodPatch, Path: "pins/" + url.PathEscape(id), JSON: patch}, nil); err != nil {
		if statusOf(err) == http.StatusNotFound {
			return nil, fmt.Errorf("edit pin %s: %w", id, platforms.ErrDeletedRemotely)
		}
		return nil, a.apiErr("edit pin "+id, err)
	}
	out := *r
	out.Extra = extra
	return &out, nil
}

// Delete implements platforms.Deleter with DELETE /pins/{id}; a pin that is
// already gone (404) is not an error.
func (a *Pinterest) Delete(ctx context.Context, r *platforms.Receipt) error {
	id, err := pinID(r)
	if err != nil {
		return err
	}
	_, err = a.do(ctx, httpx.Request{Method: http.MethodDelete, Path: "pins/" + url.PathEscape(id)}, nil)
	if statusOf(err) == http.StatusNotFound {
		return nil
	}
	return a.apiErr("delete pin "+id, err)
}

// pinPage is a page of GET /boards/{id}/pins.
type pinPage struct {
	Items    []pin  `json:"items"`
	Bookmark string `json:"bookmark"`
}

// Find implements platforms.Finder: it reads the board's pins, newest
// first, a page of find_page_size at a time, and takes the one pin made
// since the attempt began whose title, description and link are the
// ones Publish sends. Reaching a pin made before then, or the end of the
// board, without a match proves the attempt absent; running out of pages
// first cannot tell.
func (a *Pinterest) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	s, err := a.spec(p)
	if err != nil {
		return nil, fmt.Errorf("find pin for %s: %w", p.PostID, err)
	}
	since := at.Since(a.now(), defaultFindWindow)
	var found []pin
	bookmark := ""
	for page := 0; page < a.findPages; page++ {
		q := url.Values{"page_size": {strconv.Itoa(a.findPage)}}
		if bookmark != "" {
			q.Set("bookmark", bookmark)
		}
		var pg pinPage
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "boards/" + url.PathEscape(s.board) + "/pins", Query: q}, &pg); err != nil {
			return nil, a.apiErr("find pin: list board "+s.board, err)
		}
		reached := false
		for _, item := range pg.Items {
			t, ok := parseTime(item.CreatedAt)
			if !ok {
				return nil, fmt.Errorf("find pin: pin %s has a created_at herald cannot read (%q): cannot tell whether the attempt landed", item.ID, item.CreatedAt)
			}
			if t.Before(since) {
				reached = true
				break
			}
			if item.Title == s.title && strings.TrimSpace(item.Description) == strings.TrimSpace(s.description) && item.Link == s.link {
				found = append(found, item)
			}
		}
		if len(found) > 1 {
			return nil, fmt.Errorf("find pin: %d pins on board %s since %s have this text (%s, %s): cannot tell which is the attempt; resolve it by hand",
				len(found), s.board, at.DescribeSince(since, "a week back"), found[0].ID, found[1].ID)
		}
		if reached || pg.Bookmark == "" {
			if len(found) == 1 {
				extra, err := fingerprints(s)
				if err != nil {
					return nil, err
				}
				return &platforms.Receipt{Provider: Name, IDs: []string{found[0].ID}, URLs: []string{PinURL(found[0].ID)},
					PublishedAt: a.createdAt(found[0].CreatedAt), Extra: extra}, nil
			}
			return nil, fmt.Errorf("find pin: no pin with this text on board %s since %s: %w", s.board, at.DescribeSince(since, "a week back"), platforms.ErrNotFound)
		}
		bookmark = pg.Bookmark
	}
	return nil, fmt.Errorf("find pin: read %d pages of board %s without reaching %s: cannot tell whether the attempt landed (raise find_max_pages)",
		a.findPages, s.board, at.DescribeSince(since, "a week back"))
}

// Metric types herald reads from pin analytics.
var metricTypes = []string{"IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK", "TOTAL_COMMENTS", "TOTAL_REACTIONS"}

// analyticsWindow is how far back pin analytics reach.
const analyticsWindow = 89 * 24 * time.Hour

// Metrics implements platforms.MetricsReader with GET /pins/{id}/analytics
// over the last 90 days (Pinterest's window), summed: impressions, saves,
// outbound clicks; and the lifetime comments (replies) and reactions
// (likes). Reposts and quotes are nil. A 404 is drift.
func (a *Pinterest) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	id, err := pinID(r)
	if err != nil {
		return nil, err
	}
	end := a.now().UTC()
	start := end.Add(-analyticsWindow)
	if !r.PublishedAt.IsZero() && r.PublishedAt.After(start) {
		start = r.PublishedAt.UTC()
	}
	q := url.Values{"start_date": {start.Format(time.DateOnly)}, "end_date": {end.Format(time.DateOnly)},
		"metric_types": {strings.Join(metricTypes, ",")}, "app_types": {"ALL"}, "split_field": {"NO_SPLIT"}}
	var out map[string]struct {
		Summary  map[string]json.Number `json:"summary_metrics"`
		Lifetime map[string]json.Number `json:"lifetime_metrics"`
	}
	_, err = a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "pins/" + url.PathEscape(id) + "/analytics", Query: q}, &out)
	if statusOf(err) == http.StatusNotFound {
		return nil, fmt.Errorf("pin %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.apiErr("pin analytics "+id, err)
	}
	all := out["all"]
	// Comments and reactions are lifetime counts; the rest are summed
	// over the window.
	count := func(k string) *int64 {
		n, ok := all.Lifetime[k]
		if !ok {
			n, ok = all.Summary[k]
		}
		if !ok {
			return nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil
		}
		v := int64(f)
		return &v
	}
	return &platforms.Metrics{Impressions: count("IMPRESSION"), Saves: count("SAVE"), Clicks: count("OUTBOUND_CLICK"),
		Replies: count("TOTAL_COMMENTS"), Likes: count("TOTAL_REACTIONS")}, nil
}
