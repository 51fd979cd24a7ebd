package x

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// linkMark stands for any link when texts are compared: X returns every
// URL as a t.co link, so only where links are can be compared, not what
// they say.
const linkMark = "\uFFFC"

var (
	// tcoRE is a t.co link as X writes it into a post's returned text.
	tcoRE = regexp.MustCompile(`https?://t\.co/[A-Za-z0-9]+`)
	// urlRE finds http(s) URLs in a part that carries no link facets.
	urlRE = regexp.MustCompile(`https?://[^\s]+`)
)

// normalizeReturned is a post's text as X returns it, made comparable:
// &amp; &lt; &gt; unescaped (X escapes them in returned text), NFC, and
// every t.co link replaced by linkMark. hasMedia drops the trailing t.co
// link X appends for attached media.
func normalizeReturned(text string, hasMedia bool) string {
	text = norm.NFC.String(html.UnescapeString(text))
	text = tcoRE.ReplaceAllString(text, linkMark)
	if hasMedia {
		text = strings.TrimSuffix(strings.TrimRight(text, " "), linkMark)
	}
	return strings.TrimSpace(text)
}

// normalizeSent is a part's text as herald sent it, made comparable: NFC,
// with every link replaced by linkMark. Links are the part's link facets
// (the renderer marks every URL X will link, bare domains included), or,
// for a part without facets, the http(s) URLs in it.
func normalizeSent(part platforms.Part) string {
	text := part.Text
	var spans [][2]int
	for _, f := range part.Facets {
		if f.Type == platforms.FacetLink && f.Start >= 0 && f.End <= len(text) && f.Start < f.End {
			spans = append(spans, [2]int{f.Start, f.End})
		}
	}
	if len(spans) == 0 {
		for _, m := range urlRE.FindAllStringIndex(text, -1) {
			end := m[1]
			for end > m[0] && strings.ContainsRune(".,;:!?)'\"", rune(text[end-1])) {
				end--
			}
			spans = append(spans, [2]int{m[0], end})
		}
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		if s[0] < last {
			continue
		}
		b.WriteString(text[last:s[0]])
		b.WriteString(linkMark)
		last = s[1]
	}
	b.WriteString(text[last:])
	return strings.TrimSpace(norm.NFC.String(b.String()))
}

// timelineResponse is GET /2/users/:id/tweets.
type timelineResponse struct {
	Data []tweetData `json:"data"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

// me returns the account's user ID, from GET /2/users/me once per adapter.
func (a *X) me(ctx context.Context) (string, error) {
	a.mu.Lock()
	id := a.userID
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var out struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "users/me"}, &out); err != nil {
		return "", a.apiError("find: users/me", err, false)
	}
	if out.Data.ID == "" {
		return "", fmt.Errorf("find: users/me answered without an id")
	}
	a.mu.Lock()
	a.userID = out.Data.ID
	a.mu.Unlock()
	return out.Data.ID, nil
}

// Find looks an attempt up among the account's posts since the attempt
// began, since X has no idempotency key: GET /2/users/me, then GET
// /2/users/:id/tweets with start_time at the attempt's beginning less
// platforms.ClockSkew (find_window before now when that is not
// recorded), max_results find_max_results, following next_token for at
// most find_max_pages pages. Nothing created before start_time can be the
// attempt, so a scan that pages to its end (no next_token, and fewer than
// the 3,200 posts the timeline can reach) without a match proves the
// attempt absent, however busy the account; a scan that runs out of pages
// first cannot tell.
//
// The matching rule: a post matches a part when their texts are equal
// after both are normalised (NFC; X's &amp; &lt; &gt; unescaped; every
// link, a t.co link on X's side and a link facet or http(s) URL on
// herald's, replaced by one marker; the t.co link X appends for media
// dropped). The first part is the one matching post that replies to
// nothing; each later part is the one matching post that replies to the
// part before it. Its limits: links are compared by position, not target,
// so a post that differs only in a link's URL would match; a URL X links
// that the renderer did not mark would make a landed post look absent, in
// which case the retry is refused by X as a duplicate, which is again an
// unknown outcome and never a second post.
//
// The timeline is newest first, so every post newer than the first part
// is read with it. When parts 1..k are found and part k+1 is not, Find
// returns the receipt of the k parts with a *platforms.IncompleteError,
// for the reconciler to resume. Two matching posts for a part, or a later
// part's text on a post outside the reply chain (a gap), is an error that
// leaves the decision to a person.
func (a *X) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, fmt.Errorf("find: the post has no text")
	}
	uid, err := a.me(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := a.timeline(ctx, uid, at.Since(a.now(), a.findWindow))
	if err != nil {
		return nil, err
	}
	r := &platforms.Receipt{Provider: Name, Extra: map[string]string{}}
	var hashes []string
	var newer []tweetData // the posts newer than part 1, once found
	for i, part := range p.Parts {
		want := normalizeSent(part)
		candidates := sc.posts
		if i > 0 {
			candidates = newer
		}
		var hits []int
		for j := range candidates {
			t := &candidates[j]
			if normalizeReturned(t.Text, i == 0 && len(p.Media) > 0) != want {
				continue
			}
			if (i == 0 && isReply(t)) || (i > 0 && !repliesTo(t, r.IDs[i-1])) {
				continue
			}
			hits = append(hits, j)
		}
		switch {
		case len(hits) > 1:
			return nil, fmt.Errorf("find: %d posts match part %d of %d (%s, %s): cannot tell which is this attempt",
				len(hits), i+1, len(p.Parts), candidates[hits[0]].ID, candidates[hits[1]].ID)
		case len(hits) == 0 && i == 0 && sc.complete:
			return nil, fmt.Errorf("find: none of the account's %d posts since %s matches the text: %w", len(sc.posts), sc.describe(at), platforms.ErrNotFound)
		case len(hits) == 0 && i == 0:
			return nil, fmt.Errorf("find: none of the account's %d latest posts matches the text, and they do not reach back to %s: cannot tell whether it was posted",
				len(sc.posts), sc.describe(at))
		case len(hits) == 0:
			if gap := gapAt(newer, r.IDs, p.Parts[i:]); gap != "" {
				return nil, fmt.Errorf("find: parts 1 to %d of %d were posted (%s), but %s: check the thread on X, then resolve the post",
					i, len(p.Parts), strings.Join(r.IDs, ", "), gap)
			}
			r.Extra[extraPartHashes] = strings.Join(hashes, ",")
			return r, fmt.Errorf("find: %w", &platforms.IncompleteError{Found: i, Total: len(p.Parts)})
		}
		hit := candidates[hits[0]]
		if i == 0 {
			if t, err := time.Parse(time.RFC3339, hit.CreatedAt); err == nil {
				r.PublishedAt = t
			}
			newer = candidates[:hits[0]]
		}
		r.IDs = append(r.IDs, hit.ID)
		r.URLs = append(r.URLs, a.statusURL(hit.ID))
		hashes = append(hashes, partHash(part.Text))
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = a.now()
	}
	r.Extra[extraPartHashes] = strings.Join(hashes, ",")
	return r, nil
}

// gapAt says which post among newer, outside the chain ids, holds the
// text of one of parts, "" when none does.
func gapAt(newer []tweetData, ids []string, parts []platforms.Part) string {
	for j, part := range parts {
		want := normalizeSent(part)
		for _, t := range newer {
			if !slices.Contains(ids, t.ID) && normalizeReturned(t.Text, false) == want {
				return fmt.Sprintf("post %s holds the text of part %d outside the reply chain", t.ID, len(ids)+j+1)
			}
		}
	}
	return ""
}

// scan is what one read of the account's timeline found.
type scan struct {
	posts []tweetData // newest first, none before since
	// complete says the read paged to the end: no post it did not read
	// was created at or after since.
	complete bool
	since    time.Time
}

func (sc scan) describe(at platforms.Attempt) string {
	return at.DescribeSince(sc.since, "the find_window")
}

// timelineCap is how many of an account's most recent posts GET
// /2/users/:id/tweets can reach, however it is paged.
const timelineCap = 3200

// timeline reads the account's posts created since since, newest first,
// page after page, for at most findPages pages.
func (a *X) timeline(ctx context.Context, uid string, since time.Time) (scan, error) {
	sc := scan{since: since}
	q := url.Values{
		"max_results":  {strconv.Itoa(a.findMax)},
		"tweet.fields": {"created_at,referenced_tweets,entities"},
		"exclude":      {"retweets"},
		// start_time has second granularity and is inclusive.
		"start_time": {since.UTC().Truncate(time.Second).Format(time.RFC3339)},
	}
	for range a.findPages {
		var tl timelineResponse
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "users/" + url.PathEscape(uid) + "/tweets", Query: q}, &tl); err != nil {
			return scan{}, a.apiError("find: recent posts", err, false)
		}
		sc.posts = append(sc.posts, tl.Data...)
		if tl.Meta.NextToken == "" {
			sc.complete = len(sc.posts) < timelineCap
			return sc, nil
		}
		q.Set("pagination_token", tl.Meta.NextToken)
	}
	return sc, nil
}

// isReply reports whether t replies to a post.
func isReply(t *tweetData) bool {
	for _, ref := range t.ReferencedTweets {
		if ref.Type == "replied_to" {
			return true
		}
	}
	return false
}

func repliesTo(t *tweetData, id string) bool {
	for _, ref := range t.ReferencedTweets {
		if ref.Type == "replied_to" && ref.ID == id {
			return true
		}
	}
	return false
}
