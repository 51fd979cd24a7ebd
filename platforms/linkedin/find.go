package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// post is a post as GET /rest/posts returns it.
type post struct {
	ID             string `json:"id"`
	Author         string `json:"author"`
	Commentary     string `json:"commentary"`
	LifecycleState string `json:"lifecycleState"`
	CreatedAt      int64  `json:"createdAt"`
	PublishedAt    int64  `json:"publishedAt"`
}

// getPost reads one post with GET /rest/posts/{urn}.
func (a *LinkedIn) getPost(ctx context.Context, urn string) (*post, error) {
	var out post
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "posts/" + keyPath(urn)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// sameCommentary reports whether LinkedIn's commentary is the text herald
// sent: equal as little text, or equal as LinkedIn shows it (LinkedIn may
// return the escapes resolved).
func sameCommentary(got, sent string) bool {
	if got == sent {
		return true
	}
	g, gt := littleShown(got)
	s, st := littleShown(sent)
	return !gt && !st && g == s
}

// Find looks an attempt up among the author's posts since the attempt
// began, since LinkedIn has no idempotency key: the posts finder, GET
// /rest/posts?author=...&q=author&sortBy=CREATED with X-RestLi-Method:
// FINDER, count find_count posts a page from start 0, newest first, for at
// most find_max_pages pages. A post matches when its commentary is the
// text Publish sends, exactly (as little text, or as LinkedIn shows it).
//
// Nothing created before the attempt began, less platforms.ClockSkew (a
// week back when that is not recorded), can be the attempt: the scan
// stops at the first post older than that, and reaching it, or the end
// of the author's posts, without a match proves the attempt absent,
// however busy the author. A scan that runs out of pages first cannot
// tell, and says how many posts it read. Two matching posts since the
// attempt began cannot be told apart. Reading posts needs r_member_social
// for a member (a restricted permission LinkedIn grants to few apps) or
// r_organization_social for a page; without it LinkedIn answers 403, Find
// fails, and the reconciler asks a human.
func (a *LinkedIn) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, errors.New("find: the post has no text")
	}
	want := commentary(p)
	since := at.Since(a.now(), defaultFindWindow)
	var hits []post
	read, complete := 0, false
	var last time.Time
scan:
	for page := range a.findPages {
		q := url.Values{"author": {a.author}, "q": {"author"}, "count": {strconv.Itoa(a.findCount)}, "sortBy": {"CREATED"},
			"start": {strconv.Itoa(page * a.findCount)}}
		var out struct {
			Elements []post `json:"elements"`
		}
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "posts", Query: q,
			Header: http.Header{"X-RestLi-Method": {"FINDER"}}}, &out); err != nil {
			return nil, a.apiError("find: recent posts", err)
		}
		// A post older than since ends the scan only if posts come newest
		// first: check the whole page before trusting it.
		prev := last
		for _, el := range out.Elements {
			created := time.UnixMilli(el.CreatedAt).UTC()
			if !prev.IsZero() && created.After(prev) {
				return nil, fmt.Errorf("find: LinkedIn listed the author's posts out of creation order (%s after %s): cannot tell whether it was posted",
					created.Format(time.RFC3339), prev.Format(time.RFC3339))
			}
			prev = created
		}
		for _, el := range out.Elements {
			created := time.UnixMilli(el.CreatedAt).UTC()
			last = created
			if created.Before(since) {
				complete = true
				break scan
			}
			read++
			if (el.LifecycleState == "" || el.LifecycleState == "PUBLISHED") && sameCommentary(el.Commentary, want) {
				hits = append(hits, el)
			}
		}
		if len(out.Elements) < a.findCount {
			complete = true
			break
		}
	}
	switch {
	case len(hits) > 1:
		return nil, fmt.Errorf("find: %d of the author's posts since %s have this text (%s, %s): cannot tell which is this attempt",
			len(hits), describeSince(since, at), hits[0].ID, hits[1].ID)
	case len(hits) == 1:
		el := hits[0]
		return &platforms.Receipt{Provider: Name, IDs: []string{el.ID}, URLs: []string{PostURL(el.ID)},
			PublishedAt: time.UnixMilli(el.CreatedAt).UTC(), Extra: map[string]string{extraAuthor: a.author}}, nil
	case complete:
		return nil, fmt.Errorf("find: none of the author's %d posts since %s has this text: %w", read, describeSince(since, at), platforms.ErrNotFound)
	default:
		return nil, fmt.Errorf("find: none of the author's %d latest posts has this text, and they reach back to %s, not to %s: cannot tell whether it was posted",
			read, last.Format(time.RFC3339), describeSince(since, at))
	}
}

func describeSince(since time.Time, at platforms.Attempt) string {
	return at.DescribeSince(since, "a week back")
}

// Metrics reads a post's statistics. For an organization author it is
// GET /rest/organizationalEntityShareStatistics with the post in
// shares=List(...) (ugcPosts=List(...) for a ugcPost URN): likes,
// comments (as replies), shares (as reposts), impressions and clicks. For
// a member it is GET /rest/memberCreatorPostAnalytics, once for each of
// REACTION, COMMENT, RESHARE and IMPRESSION (r_member_postAnalytics);
// clicks are nil. Quotes and saves are nil for both. A 404 wraps
// platforms.ErrDeletedRemotely.
func (a *LinkedIn) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no post")
	}
	urn := r.IDs[0]
	kind, _, ok := cutURN(urn)
	if !ok || (kind != "share" && kind != "ugcPost") {
		return nil, fmt.Errorf("metrics: %q is not a share or ugcPost URN", urn)
	}
	if a.isOrganization() {
		return a.orgMetrics(ctx, urn, kind)
	}
	return a.memberMetrics(ctx, urn, kind)
}

// shareStatistics is one element of organizationalEntityShareStatistics.
type shareStatistics struct {
	Share                string `json:"share"`
	UGCPost              string `json:"ugcPost"`
	TotalShareStatistics struct {
		LikeCount       json.Number `json:"likeCount"`
		CommentCount    json.Number `json:"commentCount"`
		ShareCount      json.Number `json:"shareCount"`
		ImpressionCount json.Number `json:"impressionCount"`
		ClickCount      json.Number `json:"clickCount"`
	} `json:"totalShareStatistics"`
}

func (a *LinkedIn) orgMetrics(ctx context.Context, urn, kind string) (*platforms.Metrics, error) {
	param := "shares"
	if kind == "ugcPost" {
		param = "ugcPosts"
	}
	query := "q=organizationalEntity&organizationalEntity=" + url.QueryEscape(a.author) + "&" + param + "=" + restliList(urn)
	var out struct {
		Elements []shareStatistics `json:"elements"`
	}
	_, err := a.doWith(ctx, a.restliQuery(query), httpx.Request{Method: http.MethodGet, Path: "organizationalEntityShareStatistics"}, &out)
	if statusOf(err) == http.StatusNotFound {
		return nil, fmt.Errorf("metrics %s: %w", urn, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, a.apiError("metrics "+urn, err)
	}
	m := &platforms.Metrics{}
	for _, el := range out.Elements {
		if el.Share != urn && el.UGCPost != urn {
			continue
		}
		t := el.TotalShareStatistics
		m.Likes, m.Replies, m.Reposts = parseCount(t.LikeCount), parseCount(t.CommentCount), parseCount(t.ShareCount)
		m.Impressions, m.Clicks = parseCount(t.ImpressionCount), parseCount(t.ClickCount)
	}
	return m, nil
}

func (a *LinkedIn) memberMetrics(ctx context.Context, urn, kind string) (*platforms.Metrics, error) {
	entity := "share"
	if kind == "ugcPost" {
		entity = "ugc"
	}
	m := &platforms.Metrics{}
	for _, metric := range []struct {
		queryType string
		dst       **int64
	}{{"REACTION", &m.Likes}, {"COMMENT", &m.Replies}, {"RESHARE", &m.Reposts}, {"IMPRESSION", &m.Impressions}} {
		query := "q=entity&entity=(" + entity + ":" + url.QueryEscape(urn) + ")&queryType=" + metric.queryType + "&aggregation=TOTAL"
		var out struct {
			Elements []struct {
				Count json.Number `json:"count"`
			} `json:"elements"`
		}
		_, err := a.doWith(ctx, a.restliQuery(query), httpx.Request{Method: http.MethodGet, Path: "memberCreatorPostAnalytics"}, &out)
		if statusOf(err) == http.StatusNotFound {
			return nil, fmt.Errorf("metrics %s: %w", urn, platforms.ErrDeletedRemotely)
		}
		if err != nil {
			return nil, a.apiError("metrics "+urn+" "+metric.queryType, err)
		}
		if len(out.Elements) > 0 {
			*metric.dst = parseCount(out.Elements[0].Count)
		}
	}
	return m, nil
}
