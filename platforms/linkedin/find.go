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

// Find looks an attempt up among the author's most recent posts, since
// LinkedIn has no idempotency key: GET /rest/posts?author=...&q=author
// with count find_count (default 20), newest first. A post matches when
// its commentary is the text Publish sends, exactly (as little text, or
// as LinkedIn shows it). The rule's limits: two posts with the same text
// cannot be told apart (the newest is taken), and a post older than the
// last find_count is not seen. Reading posts needs r_member_social for a
// member (a restricted permission) or r_organization_social for a page;
// without it Find fails, and the reconciler asks a human.
func (a *LinkedIn) Find(ctx context.Context, p *platforms.Payload, _ platforms.Attempt) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, errors.New("find: the post has no text")
	}
	want := commentary(p)
	q := url.Values{"author": {a.author}, "q": {"author"}, "count": {strconv.Itoa(a.findCount)}, "sortBy": {"CREATED"}}
	var out struct {
		Elements []post `json:"elements"`
	}
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "posts", Query: q}, &out); err != nil {
		return nil, a.apiError("find: recent posts", err)
	}
	for _, el := range out.Elements {
		if el.LifecycleState != "" && el.LifecycleState != "PUBLISHED" {
			continue
		}
		if !sameCommentary(el.Commentary, want) {
			continue
		}
		at := a.now()
		if el.CreatedAt > 0 {
			at = time.UnixMilli(el.CreatedAt).UTC()
		}
		return &platforms.Receipt{Provider: Name, IDs: []string{el.ID}, URLs: []string{PostURL(el.ID)}, PublishedAt: at,
			Extra: map[string]string{extraAuthor: a.author}}, nil
	}
	return nil, fmt.Errorf("find: no post among the author's %d most recent has this text: %w", len(out.Elements), platforms.ErrNotFound)
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
