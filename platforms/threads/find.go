package threads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

type listResponse struct {
	Data []mediaJSON `json:"data"`
}

// comparable is a text made comparable: NFC, surrounding space trimmed.
func comparable(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// list reads the account's most recent posts (edge "threads") or replies
// (edge "replies"), newest first.
func (a *Threads) list(ctx context.Context, uid, edge string, fields string) ([]mediaJSON, error) {
	q := url.Values{"fields": {fields}, "limit": {strconv.Itoa(a.findMax)}}
	var out listResponse
	if err := a.call(ctx, http.MethodGet, uid+"/"+edge, q, nil, &out); err != nil {
		return nil, a.apiError("find: recent "+edge, err, stageRead)
	}
	return out.Data, nil
}

// Find looks an attempt up among the account's most recent posts, since
// Threads has no idempotency key: the first part is the newest post among
// the last find_limit (GET /{user-id}/threads) whose text equals the
// part's (NFC, trimmed); each later part is the newest of the account's
// replies (GET /{user-id}/replies) with the part's text that replies to
// the part before.
//
// A container that was created but never published (a crash between the
// two steps) is visible nowhere and expires within a day: that attempt is
// not found, which is the truth, since no post exists. An attempt whose
// first part is found but not all its parts is an error (Outcome Created)
// naming the parts found, because sending the thread again would repeat
// them.
func (a *Threads) Find(ctx context.Context, p *platforms.Payload, _ platforms.Attempt) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, errors.New("find: the post has no text")
	}
	uid, err := a.userIDFor(ctx)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	posts, err := a.list(ctx, uid, "threads", "id,text,timestamp,permalink")
	if err != nil {
		return nil, err
	}
	want := comparable(p.Parts[0].Text)
	var first *mediaJSON
	for i := range posts {
		if comparable(posts[i].Text) == want {
			first = &posts[i]
			break
		}
	}
	if first == nil {
		return nil, fmt.Errorf("find: no post among the %d most recent has the text: %w", len(posts), platforms.ErrNotFound)
	}
	r := &platforms.Receipt{Provider: Name, PublishedAt: a.now(),
		IDs: []string{first.ID}, URLs: []string{firstNonEmpty(first.Permalink, fallbackURL(first.ID))}}
	if at, err := time.Parse(timestampLayout, first.Timestamp); err == nil {
		r.PublishedAt = at
	}
	if len(p.Parts) == 1 {
		return r, nil
	}
	replies, err := a.list(ctx, uid, "replies", "id,text,timestamp,permalink,replied_to")
	if err != nil {
		return nil, fmt.Errorf("find: the first part is %s, but the rest cannot be looked up: %w", first.ID, err)
	}
	for i, part := range p.Parts[1:] {
		want := comparable(part.Text)
		prev := r.IDs[len(r.IDs)-1]
		var hit *mediaJSON
		for j := range replies {
			if replies[j].RepliedTo != nil && replies[j].RepliedTo.ID == prev && comparable(replies[j].Text) == want {
				hit = &replies[j]
				break
			}
		}
		if hit == nil {
			return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Created, Code: "partial-thread",
				Message: fmt.Sprintf("found %d of %d parts (%s) among the recent posts and replies: the rest did not land or are older; check the thread on Threads, then resolve", i+1, len(p.Parts), strings.Join(r.IDs, ", "))}
		}
		r.IDs = append(r.IDs, hit.ID)
		r.URLs = append(r.URLs, firstNonEmpty(hit.Permalink, fallbackURL(hit.ID)))
	}
	return r, nil
}
