package reddit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

func fullname(r *platforms.Receipt) (string, error) {
	if r == nil || len(r.IDs) != 1 || !strings.HasPrefix(r.IDs[0], "t3_") {
		return "", notCreated(errors.New("the receipt names no Reddit post (t3_...)"))
	}
	return r.IDs[0], nil
}

// Update implements platforms.Updater: Reddit edits only a self post's
// text (POST /api/editusertext). A new title, subreddit, kind or link
// fails with platforms.ErrNotEditable before anything is sent, except a
// title herald took from the text's first line: that one stays as
// published and the text is edited. An unchanged text sends nothing.
func (r *Reddit) Update(ctx context.Context, rc *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	name, err := fullname(rc)
	if err != nil {
		return nil, err
	}
	s, err := r.submission(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("reddit post for %s: %w", p.PostID, err))
	}
	ex := extra(s)
	if old := rc.Extra[extraSubreddit]; old != "" && !strings.EqualFold(old, s.sr) {
		return nil, fmt.Errorf("edit %s: it was posted to r/%s, not r/%s: %w (delete it and post again)", name, old, s.sr, platforms.ErrNotEditable)
	}
	if old := rc.Extra[extraKind]; old != "" && old != s.kind {
		return nil, fmt.Errorf("edit %s: a %s post cannot become a %s post: %w", name, old, s.kind, platforms.ErrNotEditable)
	}
	if old := rc.Extra[extraTitleFP]; old != "" && old != ex[extraTitleFP] {
		if !s.titleDerived || rc.Extra[extraTitleDerived] != "true" {
			return nil, fmt.Errorf("edit %s: the title changed: %w (Reddit titles cannot be edited; delete the post and submit it again)", name, platforms.ErrNotEditable)
		}
		r.log.Warn("the text's first line changed, but a Reddit title cannot: the post keeps its title", "name", name)
		ex[extraTitleFP] = old
	}
	if rc.Extra[extraBodyFP] == ex[extraBodyFP] || s.kind == "link" && rc.Extra[extraBodyFP] == fp(platforms.WithoutUTM(s.url)) {
		// A link post published before the configuration tagged its
		// links (utm:) keeps its link: that is no change of it.
		out := *rc
		out.Extra = ex
		out.Extra[extraBodyFP] = rc.Extra[extraBodyFP]
		return &out, nil
	}
	if s.kind == "link" {
		return nil, fmt.Errorf("edit %s: the link changed: %w (a link post's URL cannot be edited)", name, platforms.ErrNotEditable)
	}
	var out jsonErrors
	_, err = r.form(ctx, "api/editusertext", url.Values{"thing_id": {name}, "text": {s.text}}, &out)
	if err != nil {
		return nil, r.apiErr("edit "+name, err)
	}
	if err := out.err("edit " + name); err != nil {
		var ae *platforms.APIError
		if errors.As(err, &ae) && ae.Code == "NO_THING_ID" {
			return nil, fmt.Errorf("edit %s: %w", name, platforms.ErrDeletedRemotely)
		}
		return nil, err
	}
	res := *rc
	res.Extra = ex
	return &res, nil
}

// Delete implements platforms.Deleter with POST /api/del. Reddit answers
// the same for a post that is already gone.
func (r *Reddit) Delete(ctx context.Context, rc *platforms.Receipt) error {
	name, err := fullname(rc)
	if err != nil {
		return err
	}
	var out jsonErrors
	if _, err := r.form(ctx, "api/del", url.Values{"id": {name}}, &out); err != nil {
		return r.apiErr("delete "+name, err)
	}
	return out.err("delete " + name)
}

// thing is one submission in a listing.
type thing struct {
	Kind string `json:"kind"`
	Data struct {
		Name              string  `json:"name"`
		Title             string  `json:"title"`
		Selftext          string  `json:"selftext"`
		URL               string  `json:"url"`
		Permalink         string  `json:"permalink"`
		Subreddit         string  `json:"subreddit"`
		IsSelf            bool    `json:"is_self"`
		CreatedUTC        float64 `json:"created_utc"`
		Author            string  `json:"author"`
		Score             *int64  `json:"score"`
		NumComments       *int64  `json:"num_comments"`
		NumCrossposts     *int64  `json:"num_crossposts"`
		RemovedByCategory *string `json:"removed_by_category"`
	} `json:"data"`
}

type listing struct {
	Data struct {
		After    string  `json:"after"`
		Children []thing `json:"children"`
	} `json:"data"`
}

func (t thing) created() time.Time {
	sec, frac := math.Modf(t.Data.CreatedUTC)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

func (t thing) url() string {
	if strings.HasPrefix(t.Data.Permalink, "/") {
		return "https://www.reddit.com" + t.Data.Permalink
	}
	return t.Data.URL
}

// Find implements platforms.Finder: it reads GET /user/{username}/submitted
// (sort=new, raw_json=1), a page of find_page_size at a time, and takes
// the one submission made since the attempt began to the same subreddit
// with the same title and text (or link). Reaching an older submission,
// or the end, without a match proves the attempt absent; running out of
// pages first cannot tell.
func (r *Reddit) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	s, err := r.submission(p)
	if err != nil {
		return nil, fmt.Errorf("find reddit post for %s: %w", p.PostID, err)
	}
	since := at.Since(r.now(), defaultFindWindow)
	desc := at.DescribeSince(since, "a week back")
	var found []thing
	after := ""
	for page := 0; page < r.findPages; page++ {
		q := url.Values{"sort": {"new"}, "limit": {strconv.Itoa(r.findPage)}, "raw_json": {"1"}}
		if after != "" {
			q.Set("after", after)
		}
		var l listing
		if _, err := r.do(ctx, httpx.Request{Method: http.MethodGet, Path: "user/" + url.PathEscape(r.username) + "/submitted", Query: q}, &l); err != nil {
			return nil, r.apiErr("find: list u/"+r.username+"'s submissions", err)
		}
		reached := false
		for _, t := range l.Data.Children {
			if t.created().Before(since) {
				reached = true
				break
			}
			d := t.Data
			body := strings.TrimSpace(d.Selftext)
			if !d.IsSelf {
				body = d.URL
			}
			if strings.EqualFold(d.Subreddit, s.sr) && d.Title == s.title && body == strings.TrimSpace(s.body()) {
				found = append(found, t)
			}
		}
		if len(found) > 1 {
			return nil, fmt.Errorf("find: %d submissions to r/%s since %s have this title and text (%s, %s): cannot tell which is the attempt; resolve it by hand",
				len(found), s.sr, desc, found[0].Data.Name, found[1].Data.Name)
		}
		if reached || l.Data.After == "" {
			if len(found) == 1 {
				t := found[0]
				return &platforms.Receipt{Provider: Name, IDs: []string{t.Data.Name}, URLs: []string{t.url()}, PublishedAt: t.created(), Extra: extra(s)}, nil
			}
			return nil, fmt.Errorf("find: no submission to r/%s with this title and text since %s: %w", s.sr, desc, platforms.ErrNotFound)
		}
		after = l.Data.After
	}
	return nil, fmt.Errorf("find: read %d pages of u/%s's submissions without reaching %s: cannot tell whether the attempt landed (raise find_max_pages)",
		r.findPages, r.username, desc)
}

// Metrics implements platforms.MetricsReader with GET /api/info: score
// (likes), num_comments (replies) and num_crossposts (reposts); Reddit
// gives no impressions. A post deleted by its author or removed by the
// subreddit's moderators or Reddit wraps platforms.ErrDeletedRemotely.
func (r *Reddit) Metrics(ctx context.Context, rc *platforms.Receipt) (*platforms.Metrics, error) {
	name, err := fullname(rc)
	if err != nil {
		return nil, err
	}
	var l listing
	if _, err := r.do(ctx, httpx.Request{Method: http.MethodGet, Path: "api/info", Query: url.Values{"id": {name}, "raw_json": {"1"}}}, &l); err != nil {
		return nil, r.apiErr("read "+name, err)
	}
	if len(l.Data.Children) == 0 {
		return nil, fmt.Errorf("read %s: Reddit no longer lists it: %w", name, platforms.ErrDeletedRemotely)
	}
	d := l.Data.Children[0].Data
	if d.RemovedByCategory != nil && *d.RemovedByCategory != "" {
		by := *d.RemovedByCategory
		if by == "deleted" {
			by = "its author"
		}
		return nil, fmt.Errorf("read %s: removed by %s: %w", name, by, platforms.ErrDeletedRemotely)
	}
	if d.Author == "[deleted]" {
		return nil, fmt.Errorf("read %s: deleted by its author: %w", name, platforms.ErrDeletedRemotely)
	}
	return &platforms.Metrics{Likes: d.Score, Replies: d.NumComments, Reposts: d.NumCrossposts}, nil
}

// Me returns the name of the account the token belongs to (GET
// /api/v1/me, scope identity): herald auth checks a script app's login
// with it.
func (r *Reddit) Me(ctx context.Context) (string, error) {
	var out struct {
		Name string `json:"name"`
	}
	if _, err := r.do(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/me"}, &out); err != nil {
		return "", r.apiErr("read the account", err)
	}
	if !strings.EqualFold(out.Name, r.username) {
		return "", fmt.Errorf("the token belongs to u/%s, but the account's username is %s", out.Name, r.username)
	}
	return out.Name, nil
}
