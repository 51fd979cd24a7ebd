package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Publish creates one app.bsky.feed.post record per part, each replying to
// the previous one with the first as the thread's root. Each record's key
// is RecordKey(key, index), so a retry of the attempt writes the same
// records: a record the earlier try created is found by its key and kept,
// never written twice.
func (b *Bluesky) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	if len(p.Parts) == 0 {
		return nil, notCreated("publish: the payload has no parts")
	}
	if key == "" {
		return nil, notCreated("publish: an attempt key is required to derive record keys")
	}
	video, err := splitMedia(p.Media)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if video == nil && len(p.Media) > MaxImages {
		return nil, notCreated("publish: %d images, Bluesky takes at most %d per post", len(p.Media), MaxImages)
	}
	langs, err := langsOption(p)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	s, err := b.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	dids, err := b.resolveMentions(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	t := thread{langs: langs, dids: dids}
	if video != nil {
		t.video, err = b.uploadVideo(ctx, *video)
	} else {
		t.images, err = b.uploadImages(ctx, p.Media)
	}
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	t.card, t.cardPart = linkCard(p)
	return b.post(ctx, s, p, key, t, nil, time.Time{})
}

// thread is what every part's record is built with besides its text.
type thread struct {
	langs    []string
	dids     map[string]string
	images   []imageItem // on part 1
	video    *videoEmbed // on part 1
	card     *external   // on part cardPart
	cardPart int
}

// Resume writes the records of the parts r lacks, the first replying to
// r's last part with r's first as root (platforms.Resumer). Their record
// keys are RecordKey(ResumeKey(part 1's record key), index), not derived
// from key: every resume of one thread, whatever its attempt key, writes
// the same records, so a resume retried under a new intent is refused by
// the PDS and kept, never written twice, and Find with the thread's
// original key follows the chain into them. The images went with part 1,
// so nothing is uploaded; a link card goes on its part if that part is
// resumed.
func (b *Bluesky) Resume(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	switch {
	case r == nil || len(r.IDs) == 0:
		return nil, notCreated("resume: the receipt names no record to reply to")
	case len(r.IDs) >= len(p.Parts):
		return nil, notCreated("resume: %d of %d parts are already posted: nothing to resume", len(r.IDs), len(p.Parts))
	}
	langs, err := langsOption(p)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	s, err := b.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	first, err := parseATURI(r.IDs[0])
	if err != nil {
		return nil, notCreated("resume: part 1: %w", err)
	}
	refs, err := b.refsOf(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	dids, err := b.resolveMentions(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	card, cardPart := linkCard(p)
	t := thread{langs: langs, dids: dids, card: card, cardPart: cardPart}
	return b.post(ctx, s, p, ResumeKey(first.rkey), t, refs, r.PublishedAt)
}

// ResumeKey is the attempt key whose RecordKey(ResumeKey(first), i) keys
// part i of a resumed thread whose part 1 has the record key first.
func ResumeKey(first string) platforms.AttemptKey {
	return platforms.AttemptKey("herald/resume/" + first)
}

// refsOf returns the strong refs of r's records: their URIs, with the
// CIDs Extra["cids"] holds, or read from the PDS when it holds none.
func (b *Bluesky) refsOf(ctx context.Context, r *platforms.Receipt) ([]strongRef, error) {
	cids := strings.Fields(r.Extra["cids"])
	refs := make([]strongRef, len(r.IDs))
	for i, uri := range r.IDs {
		refs[i].URI = uri
		if len(cids) == len(r.IDs) {
			refs[i].CID = cids[i]
			continue
		}
		u, err := parseATURI(uri)
		if err != nil {
			return nil, notCreated("part %d: %w", i+1, err)
		}
		got, err := b.getRecord(ctx, u.did, u.rkey)
		if err != nil {
			return nil, fmt.Errorf("read part %d's CID: %w", i+1, err)
		}
		refs[i].CID = got.CID
	}
	return refs, nil
}

// post writes the records of p's parts from the first refs does not hold,
// each replying to the part before with part 1 as root, and returns the
// receipt of the whole thread. created is part 1's time when refs holds
// it. When a part fails it returns the receipt of the parts that exist,
// or nil when there are none, with the error.
func (b *Bluesky) post(ctx context.Context, s *session, p *platforms.Payload, key platforms.AttemptKey, t thread, refs []strongRef, created time.Time) (*platforms.Receipt, error) {
	now := b.now()
	for i := len(refs); i < len(p.Parts); i++ {
		in := recordInput{Part: p.Parts[i], CreatedAt: now, Langs: t.langs, DIDs: t.dids}
		if i == 0 {
			in.Images, in.Video = t.images, t.video
		}
		if i == t.cardPart {
			in.Card = t.card
		}
		if i > 0 {
			in.Reply = &replyRef{Root: refs[0], Parent: refs[i-1]}
		}
		ref, at, err := b.create(ctx, s, RecordKey(key, i), buildRecord(in))
		if err != nil {
			err = fmt.Errorf("publish part %d of %d: %w", i+1, len(p.Parts), err)
			if len(refs) > 0 {
				return b.receipt(s.handle, refs, created), err
			}
			return nil, err
		}
		if i == 0 {
			created = at
		}
		refs = append(refs, ref)
	}
	return b.receipt(s.handle, refs, created), nil
}

// create writes one record under rkey. When the PDS refuses because the
// key is taken (the reference PDS answers 500 InternalServerError: its
// repository tree throws "There is already a value at key"), or fails in
// any way that may hide that, the record is read back by its key: if it
// is there, an earlier try of this attempt created it, and it is used.
func (b *Bluesky) create(ctx context.Context, s *session, rkey string, rec record) (strongRef, time.Time, error) {
	var out strongRef
	s2, err := b.call(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("com.atproto.repo.createRecord"),
		JSON: map[string]any{"repo": s.did, "collection": postCollection, "rkey": rkey, "record": rec}}, &out)
	if s2 != nil {
		s = s2
	}
	if err == nil {
		return out, parseTime(rec.CreatedAt, b.now()), nil
	}
	if !mayBeTaken(err) {
		return strongRef{}, time.Time{}, fail("create record", err)
	}
	got, gerr := b.getRecord(ctx, s.did, rkey)
	switch {
	case gerr == nil:
		b.log.Info("record key already taken by an earlier try of this attempt; keeping that record", "rkey", rkey)
		return strongRef{URI: got.URI, CID: got.CID}, parseTime(got.Value.CreatedAt, b.now()), nil
	case errors.Is(gerr, platforms.ErrNotFound):
		// The PDS answered and holds no record under the key: this
		// write did not happen, and a retry writes the same key.
		err = fail("create record", err)
		var ae *platforms.APIError
		if errors.As(err, &ae) {
			ae.Outcome = platforms.NotCreated
		}
		return strongRef{}, time.Time{}, err
	default:
		return strongRef{}, time.Time{}, fmt.Errorf("%w (and reading the record key back failed: %v)", fail("create record", err), gerr)
	}
}

// mayBeTaken reports whether a createRecord failure may be the PDS
// refusing a record key that exists: a 5xx, or a 400 InvalidRequest or
// 409 from PDS implementations that say so.
func mayBeTaken(err error) bool {
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return false
	}
	return se.Status >= 500 || se.Status == http.StatusConflict ||
		(se.Status == http.StatusBadRequest && se.Code == "InvalidRequest" && strings.Contains(strings.ToLower(se.Message), "already"))
}

// recordJSON is what com.atproto.repo.getRecord answers.
type recordJSON struct {
	URI   string `json:"uri"`
	CID   string `json:"cid"`
	Value struct {
		Text      string    `json:"text"`
		CreatedAt string    `json:"createdAt"`
		Reply     *replyRef `json:"reply"`
	} `json:"value"`
}

// getRecord reads the post under rkey; ErrNotFound when the PDS has none.
func (b *Bluesky) getRecord(ctx context.Context, did, rkey string) (*recordJSON, error) {
	var out recordJSON
	_, err := b.public(b.pdsURL).DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc("com.atproto.repo.getRecord"),
		Query: url.Values{"repo": {did}, "collection": {postCollection}, "rkey": {rkey}}}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && (se.Code == "RecordNotFound" || se.Status == http.StatusNotFound) {
		return nil, fmt.Errorf("get record %s: %w", rkey, platforms.ErrNotFound)
	}
	if err != nil {
		return nil, failNotCreated("get record", err)
	}
	return &out, nil
}

// resolveMentions resolves every mentioned handle to its DID. A handle
// the PDS cannot resolve stays plain text, with a warning.
func (b *Bluesky) resolveMentions(ctx context.Context, p *platforms.Payload) (map[string]string, error) {
	handles := mentions(p)
	if len(handles) == 0 {
		return nil, nil
	}
	c := b.public(b.pdsURL)
	dids := map[string]string{}
	for _, h := range handles {
		var out struct {
			DID string `json:"did"`
		}
		_, err := c.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc("com.atproto.identity.resolveHandle"),
			Query: url.Values{"handle": {h}}}, &out)
		var se *httpx.StatusError
		switch {
		case errors.As(err, &se) && se.Status == http.StatusBadRequest, err == nil && out.DID == "":
			b.log.Warn("mention left as plain text: the handle does not resolve", "post_id", p.PostID, "handle", h)
		case err != nil:
			return nil, failNotCreated("resolve handle "+h, err)
		default:
			dids[h] = out.DID
		}
	}
	return dids, nil
}

// uploadImages uploads each image as a blob and returns the embed's
// images, with alt text and the aspect ratio read from the file.
func (b *Bluesky) uploadImages(ctx context.Context, media []platforms.Media) ([]imageItem, error) {
	var out []imageItem
	for _, m := range media {
		if !strings.HasPrefix(m.Type, "image/") {
			return nil, notCreated("media %s: type %q: Bluesky posts take images here", m.Path, m.Type)
		}
		if m.Open == nil {
			return nil, notCreated("media %s: nothing to read it with", m.Path)
		}
		rc, err := m.Open()
		if err != nil {
			return nil, notCreated("open %s: %w", m.Path, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, b.maxImageBytes+1))
		rc.Close()
		if err != nil {
			return nil, notCreated("read %s: %w", m.Path, err)
		}
		if int64(len(data)) > b.maxImageBytes {
			return nil, notCreated("media %s is more than %d bytes, the largest image Bluesky takes (max_image_bytes): resize or compress it",
				m.Path, b.maxImageBytes)
		}
		var blob struct {
			Blob json.RawMessage `json:"blob"`
		}
		if _, err := b.call(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("com.atproto.repo.uploadBlob"),
			Body: data, ContentType: m.Type}, &blob); err != nil {
			return nil, failNotCreated("upload "+m.Path, err)
		}
		if len(blob.Blob) == 0 {
			return nil, notCreated("upload %s: the PDS answered without a blob", m.Path)
		}
		out = append(out, imageItem{Alt: m.Alt, Image: blob.Blob, AspectRatio: aspectRatioOf(data)})
	}
	return out, nil
}

// receipt is what Publish and Find return for the records in refs.
func (b *Bluesky) receipt(handle string, refs []strongRef, created time.Time) *platforms.Receipt {
	r := &platforms.Receipt{Provider: Name, PublishedAt: created, Extra: map[string]string{}}
	var cids []string
	for _, ref := range refs {
		r.IDs = append(r.IDs, ref.URI)
		rkey := ""
		if u, err := parseATURI(ref.URI); err == nil {
			rkey = u.rkey
		}
		r.URLs = append(r.URLs, postURL(handle, rkey))
		cids = append(cids, ref.CID)
	}
	r.Extra["cids"] = strings.Join(cids, " ")
	if r.PublishedAt.IsZero() {
		r.PublishedAt = b.now()
	}
	return r
}

func parseTime(s string, fallback time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return fallback
}

// Find reads the attempt's records by their keys (RecordKey): a key
// derived from the attempt can hold no other record, so a key the PDS
// holds nothing under proves that part absent, whatever else the account
// posted. Part 1 is under RecordKey(key, 0); each later part under
// RecordKey(key, i) when Publish wrote it, or under
// RecordKey(ResumeKey(part 1's record key), i) when Resume did, and must
// reply to the part before with part 1 as root. It returns ErrNotFound
// when part 1 is not there, the receipt when every part is, and the
// receipt of parts 1..k with a *platforms.IncompleteError when part k+1
// and every later one are missing, for the reconciler to resume.
//
// A record outside the chain, two records for one part, or a missing part
// followed by one that exists (a gap) is an error that leaves the
// decision to a person.
func (b *Bluesky) Find(ctx context.Context, p *platforms.Payload, a platforms.Attempt) (*platforms.Receipt, error) {
	key := a.Key
	s, err := b.session(ctx)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	n := max(len(p.Parts), 1)
	first := RecordKey(key, 0)
	got := make([]*recordJSON, n)
	for i := range n {
		if got[i], err = b.part(ctx, s.did, key, first, i); err != nil {
			return nil, fmt.Errorf("find %s: %w", key, err)
		}
	}
	if got[0] == nil {
		if j := slices.IndexFunc(got, func(r *recordJSON) bool { return r != nil }); j >= 0 {
			return nil, fmt.Errorf("find %s: part 1's record is missing but part %d's exists: a gap in the thread; check it in the app, then resolve the post", key, j+1)
		}
		return nil, fmt.Errorf("find %s: no record under the attempt's keys: %w", key, platforms.ErrNotFound)
	}
	var refs []strongRef
	created := parseTime(got[0].Value.CreatedAt, time.Time{})
	for i, rec := range got {
		if rec == nil {
			if j := slices.IndexFunc(got[i:], func(r *recordJSON) bool { return r != nil }); j >= 0 {
				return nil, fmt.Errorf("find %s: part %d's record is missing but part %d's exists: a gap in the thread; check it in the app, then resolve the post",
					key, i+1, i+j+1)
			}
			return b.receipt(s.handle, refs, created), fmt.Errorf("find %s: %w", key, &platforms.IncompleteError{Found: i, Total: len(p.Parts)})
		}
		if i > 0 && (rec.Value.Reply == nil || rec.Value.Reply.Parent.URI != refs[i-1].URI || rec.Value.Reply.Root.URI != refs[0].URI) {
			return nil, fmt.Errorf("find %s: the record of part %d (%s) does not reply to part %d (%s): check the thread in the app, then resolve the post",
				key, i+1, rec.URI, i, refs[i-1].URI)
		}
		refs = append(refs, strongRef{URI: rec.URI, CID: rec.CID})
	}
	return b.receipt(s.handle, refs, created), nil
}

// part reads part i of the attempt key whose part 1 has the record key
// first: under the attempt's key, or, for i > 0, under the thread's resume
// key. nil when neither holds a record; an error when both do.
func (b *Bluesky) part(ctx context.Context, did string, key platforms.AttemptKey, first string, i int) (*recordJSON, error) {
	keys := []string{RecordKey(key, i)}
	if i > 0 {
		keys = append(keys, RecordKey(ResumeKey(first), i))
	}
	var found *recordJSON
	for _, rkey := range keys {
		rec, err := b.getRecord(ctx, did, rkey)
		switch {
		case errors.Is(err, platforms.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		case found != nil:
			return nil, fmt.Errorf("part %d was written twice (%s, %s): check the thread in the app, then resolve the post", i+1, found.URI, rec.URI)
		}
		found = rec
	}
	return found, nil
}

// Delete deletes every part's record, replies first. The PDS answers a
// delete of a record that is gone with success, so deleting twice is fine.
func (b *Bluesky) Delete(ctx context.Context, r *platforms.Receipt) error {
	for i := len(r.IDs) - 1; i >= 0; i-- {
		u, err := parseATURI(r.IDs[i])
		if err != nil {
			return notCreated("delete: %w", err)
		}
		_, err = b.call(ctx, httpx.Request{Method: http.MethodPost, Path: xrpc("com.atproto.repo.deleteRecord"),
			JSON: map[string]string{"repo": u.did, "collection": u.collection, "rkey": u.rkey}}, nil)
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Code == "RecordNotFound" {
			continue
		}
		if err != nil {
			return fail("delete "+r.IDs[i], err)
		}
	}
	return nil
}

// postView is the part of app.bsky.feed.defs#postView that metrics read.
type postView struct {
	URI           string `json:"uri"`
	LikeCount     *int64 `json:"likeCount"`
	RepostCount   *int64 `json:"repostCount"`
	ReplyCount    *int64 `json:"replyCount"`
	QuoteCount    *int64 `json:"quoteCount"`
	BookmarkCount *int64 `json:"bookmarkCount"`
}

// Metrics reads every part from the AppView (app.bsky.feed.getPosts, 25
// URIs a call) and sums their counts; replies leave out the thread's own
// parts, which reply to each other. Bluesky reports no impressions. A
// first part the AppView does not return is looked up on the PDS: gone
// there means deleted on the platform, present means not indexed yet.
func (b *Bluesky) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt has no IDs")
	}
	c := b.public(b.appViewURL)
	views := map[string]postView{}
	for start := 0; start < len(r.IDs); start += getPostsMax {
		batch := r.IDs[start:min(start+getPostsMax, len(r.IDs))]
		var out struct {
			Posts []postView `json:"posts"`
		}
		if _, err := c.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: xrpc("app.bsky.feed.getPosts"),
			Query: url.Values{"uris": batch}}, &out); err != nil {
			return nil, failNotCreated("metrics", err)
		}
		for _, v := range out.Posts {
			views[v.URI] = v
		}
	}
	if _, ok := views[r.IDs[0]]; !ok {
		u, err := parseATURI(r.IDs[0])
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		_, err = b.getRecord(ctx, u.did, u.rkey)
		if errors.Is(err, platforms.ErrNotFound) {
			return nil, fmt.Errorf("metrics %s: %w", r.IDs[0], platforms.ErrDeletedRemotely)
		}
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		return nil, fmt.Errorf("metrics %s: the AppView has not indexed the post yet", r.IDs[0])
	}
	var m platforms.Metrics
	add := func(dst **int64, v *int64) {
		if v == nil {
			return
		}
		if *dst == nil {
			*dst = new(int64)
		}
		**dst += *v
	}
	for _, id := range r.IDs {
		if v, ok := views[id]; ok {
			add(&m.Likes, v.LikeCount)
			add(&m.Reposts, v.RepostCount)
			add(&m.Replies, v.ReplyCount)
			add(&m.Quotes, v.QuoteCount)
			add(&m.Saves, v.BookmarkCount)
		}
	}
	if m.Replies != nil {
		own := int64(0)
		for i := 1; i < len(r.IDs); i++ {
			if _, ok := views[r.IDs[i]]; ok {
				own++
			}
		}
		*m.Replies = max(*m.Replies-own, 0)
	}
	return &m, nil
}
