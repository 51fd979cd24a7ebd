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
		ResultCount int `json:"result_count"`
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

// Find looks an attempt up among the account's most recent posts, since X
// has no idempotency key: GET /2/users/me, then GET /2/users/:id/tweets
// with max_results find_max_results (default 20).
//
// The matching rule: a post matches a part when their texts are equal
// after both are normalised (NFC; X's &amp; &lt; &gt; unescaped; every
// link, a t.co link on X's side and a link facet or http(s) URL on
// herald's, replaced by one marker; the t.co link X appends for media
// dropped). The first part is the newest matching post; each later part
// is a matching post that replies to the part before it. Its limits: links
// are compared by position, not target, so a post that differs only in a
// link's URL would match; a post older than the last find_max_results is
// not seen; a URL X links that the renderer did not mark would make a
// landed post look absent, in which case the retry is refused by X as a
// duplicate, which is again an unknown outcome and never a second post.
//
// An attempt whose first part is found but not all its parts is an error
// that names what was found, not ErrNotFound, because sending the thread
// again would repeat the parts that landed.
func (a *X) Find(ctx context.Context, p *platforms.Payload, _ platforms.Attempt) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, fmt.Errorf("find: the post has no text")
	}
	uid, err := a.me(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{
		"max_results":  {strconv.Itoa(a.findMax)},
		"tweet.fields": {"created_at,referenced_tweets,entities"},
		"exclude":      {"retweets"},
	}
	var tl timelineResponse
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "users/" + url.PathEscape(uid) + "/tweets", Query: q}, &tl); err != nil {
		return nil, a.apiError("find: recent posts", err, false)
	}
	r := &platforms.Receipt{Provider: Name, Extra: map[string]string{}}
	var hashes []string
	prev := ""
	for i, part := range p.Parts {
		want := normalizeSent(part)
		var hit *tweetData
		for j := range tl.Data { // newest first
			t := &tl.Data[j]
			if normalizeReturned(t.Text, i == 0 && len(p.Media) > 0) != want {
				continue
			}
			if i > 0 && !repliesTo(t, prev) {
				continue
			}
			hit = t
			break
		}
		if hit == nil {
			if i == 0 {
				return nil, fmt.Errorf("find: no post among the %d most recent matches the text: %w", len(tl.Data), platforms.ErrNotFound)
			}
			return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Created, Code: "partial-thread",
				Message: fmt.Sprintf("found %d of %d parts (%s) among the recent posts: the rest did not land or are older; check the thread on X, then resolve", i, len(p.Parts), strings.Join(r.IDs, ", "))}
		}
		if i == 0 {
			if at, err := time.Parse(time.RFC3339, hit.CreatedAt); err == nil {
				r.PublishedAt = at
			}
		}
		r.IDs = append(r.IDs, hit.ID)
		r.URLs = append(r.URLs, a.statusURL(hit.ID))
		hashes = append(hashes, partHash(part.Text))
		prev = hit.ID
	}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = a.now()
	}
	r.Extra[extraPartHashes] = strings.Join(hashes, ",")
	return r, nil
}

func repliesTo(t *tweetData, id string) bool {
	for _, ref := range t.ReferencedTweets {
		if ref.Type == "replied_to" && ref.ID == id {
			return true
		}
	}
	return false
}
