package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/heraldhq/herald/platforms"
)

// mediaJSON is a post as GET /{user-id}/threads and /replies return it.
type mediaJSON struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
	Permalink string `json:"permalink"`
	RepliedTo *struct {
		ID string `json:"id"`
	} `json:"replied_to"`
}

func (m *mediaJSON) time() time.Time {
	t, _ := time.Parse(timestampLayout, m.Timestamp)
	return t
}

// listResponse is a page of an edge, with Graph API cursor paging: next
// is present only when there is a page after this one.
type listResponse struct {
	Data   []mediaJSON `json:"data"`
	Paging struct {
		Cursors struct {
			After string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// comparable is a text made comparable: NFC, surrounding space trimmed.
func comparable(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// minSince is the earliest since the user edges accept (2023-07-05).
const minSince = 1688540400

// scan is what one read of an edge found.
type scan struct {
	posts []mediaJSON // newest first, none before since
	// complete says the read paged to the end of the edge since since.
	complete bool
	since    time.Time
}

func (sc scan) describe(at platforms.Attempt) string {
	return at.DescribeSince(sc.since, "a week back")
}

// list reads the account's posts (edge "threads") or replies (edge
// "replies") created since since, newest first, page after page, for at
// most findPages pages.
func (a *Threads) list(ctx context.Context, uid, edge, fields string, since time.Time) (scan, error) {
	sc := scan{since: since}
	q := url.Values{"fields": {fields}, "limit": {strconv.Itoa(a.findMax)},
		"since": {strconv.FormatInt(max(since.Unix(), minSince), 10)}}
	for range a.findPages {
		var out listResponse
		if err := a.call(ctx, http.MethodGet, uid+"/"+edge, q, nil, &out); err != nil {
			return scan{}, a.apiError("find: recent "+edge, err, stageRead)
		}
		sc.posts = append(sc.posts, out.Data...)
		if out.Paging.Next == "" || out.Paging.Cursors.After == "" || len(out.Data) == 0 {
			sc.complete = true
			return sc, nil
		}
		q.Set("after", out.Paging.Cursors.After)
	}
	return sc, nil
}

// Find looks an attempt up among the account's posts since the attempt
// began, since Threads has no idempotency key. It reads GET
// /{user-id}/threads with since at the attempt's beginning less
// platforms.ClockSkew (a week back when that is not recorded), following
// the after cursor for at most find_max_pages pages of find_limit posts.
// The first part is the one post whose text equals the part's (NFC,
// trimmed). Nothing created before since can be the attempt, so a scan
// that pages to the end without a match proves the attempt absent,
// however busy the account; a scan cut short cannot tell.
//
// Each later part is the one reply, among GET /{user-id}/replies since
// the same time, that replies to the part before (replied_to) with the
// part's text. Replies come newest first: when the scan reached its end
// or read a reply older than part 1, every reply made after part 1 was
// read, so parts 1..k found and part k+1 not is a
// *platforms.IncompleteError with the receipt of the k parts, for the
// reconciler to Resume. Two matches for a part, a later part's text on a
// reply outside the chain (a gap), or a scan that did not reach back to
// part 1 is an error for a person.
//
// A container that was created but never published (a crash between the
// two steps) is visible nowhere and expires within a day: that attempt is
// not found, which is the truth, since no post exists.
func (a *Threads) Find(ctx context.Context, p *platforms.Payload, at platforms.Attempt) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, errors.New("find: the post has no text")
	}
	uid, err := a.userIDFor(ctx)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	since := at.Since(a.now(), defaultFindWindow)
	posts, err := a.list(ctx, uid, "threads", "id,text,timestamp,permalink", since)
	if err != nil {
		return nil, err
	}
	want := comparable(p.Parts[0].Text)
	var hits []*mediaJSON
	for i := range posts.posts {
		if comparable(posts.posts[i].Text) == want {
			hits = append(hits, &posts.posts[i])
		}
	}
	switch {
	case len(hits) > 1:
		return nil, fmt.Errorf("find: %d posts have the first part's text (%s, %s): cannot tell which is this attempt", len(hits), hits[0].ID, hits[1].ID)
	case len(hits) == 0 && posts.complete:
		return nil, fmt.Errorf("find: none of the account's %d posts since %s has the text: %w", len(posts.posts), posts.describe(at), platforms.ErrNotFound)
	case len(hits) == 0:
		return nil, fmt.Errorf("find: none of the account's %d latest posts has the text, and they do not reach back to %s: cannot tell whether it was posted",
			len(posts.posts), posts.describe(at))
	}
	first := hits[0]
	r := &platforms.Receipt{Provider: Name, PublishedAt: first.time(), IDs: []string{first.ID}, URLs: []string{first.Permalink}}
	if r.PublishedAt.IsZero() {
		r.PublishedAt = a.now()
	}
	if len(p.Parts) == 1 {
		return r, nil
	}
	replies, err := a.list(ctx, uid, "replies", "id,text,timestamp,permalink,replied_to", since)
	if err != nil {
		return nil, fmt.Errorf("find: the first part is %s, but the rest cannot be looked up: %w", first.ID, err)
	}
	// Every reply made at or after part 1's second was read when the scan
	// ended or went past it.
	readPast := replies.complete
	if n := len(replies.posts); n > 0 && replies.posts[n-1].time().Before(first.time()) {
		readPast = true
	}
	for i := 1; i < len(p.Parts); i++ {
		want := comparable(p.Parts[i].Text)
		prev := r.IDs[i-1]
		var hits []*mediaJSON
		for j := range replies.posts {
			rp := &replies.posts[j]
			if rp.RepliedTo != nil && rp.RepliedTo.ID == prev && comparable(rp.Text) == want {
				hits = append(hits, rp)
			}
		}
		switch {
		case len(hits) > 1:
			return nil, fmt.Errorf("find: %d replies to part %d have part %d's text (%s, %s): cannot tell which is this attempt", len(hits), i, i+1, hits[0].ID, hits[1].ID)
		case len(hits) == 0 && !readPast:
			return nil, fmt.Errorf("find: parts 1 to %d of %d were posted (%s); the account's %d latest replies do not reach back to part 1, so whether part %d was posted cannot be told",
				i, len(p.Parts), strings.Join(r.IDs, ", "), len(replies.posts), i+1)
		case len(hits) == 0:
			if gap := gapAt(replies.posts, r.IDs, p.Parts[i:], first.time()); gap != "" {
				return nil, fmt.Errorf("find: parts 1 to %d of %d were posted (%s), but %s: check the thread on Threads, then resolve the post",
					i, len(p.Parts), strings.Join(r.IDs, ", "), gap)
			}
			return r, fmt.Errorf("find: %w", &platforms.IncompleteError{Found: i, Total: len(p.Parts)})
		}
		r.IDs = append(r.IDs, hits[0].ID)
		r.URLs = append(r.URLs, hits[0].Permalink)
	}
	return r, nil
}

// gapAt says which reply made since part 1, outside the chain ids, has the
// text of one of parts; "" when none has.
func gapAt(replies []mediaJSON, ids []string, parts []platforms.Part, first time.Time) string {
	for j, part := range parts {
		want := comparable(part.Text)
		for _, rp := range replies {
			if !rp.time().Before(first) && !slices.Contains(ids, rp.ID) && comparable(rp.Text) == want {
				return fmt.Sprintf("reply %s has the text of part %d outside the reply chain", rp.ID, len(ids)+j+1)
			}
		}
	}
	return ""
}
