package x

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// Receipt.Extra keys.
const (
	extraEdits      = "edits"       // how many times the post was edited through herald
	extraMediaIDs   = "media_ids"   // the first part's media, comma-separated, reused by edits
	extraPartHashes = "part_hashes" // each part's text hash, comma-separated, so edits touch only changed parts
)

// replySettings are the values X's reply_settings takes; "everyone" is
// X's default and is sent as no setting.
var replySettings = []string{"following", "mentionedUsers", "subscribers", "verified"}

// tweetRequest is the body of POST /2/tweets.
type tweetRequest struct {
	Text          string         `json:"text"`
	Reply         *tweetReply    `json:"reply,omitempty"`
	Media         *tweetMedia    `json:"media,omitempty"`
	ReplySettings string         `json:"reply_settings,omitempty"`
	EditOptions   *tweetEditOpts `json:"edit_options,omitempty"`
}

type tweetReply struct {
	InReplyToTweetID string `json:"in_reply_to_tweet_id"`
}

type tweetMedia struct {
	MediaIDs []string `json:"media_ids"`
}

type tweetEditOpts struct {
	PreviousPostID string `json:"previous_post_id"`
}

// tweetResponse is POST /2/tweets' answer: 201 {"data":{"id","text"}}.
type tweetResponse struct {
	Data struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"data"`
}

func partHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

// checkPayload refuses what X would refuse, before anything is sent.
func checkPayload(p *platforms.Payload) (string, error) {
	if len(p.Parts) == 0 {
		return "", notCreated(errors.New("the post has no text"))
	}
	if len(p.Media) > MaxImages {
		return "", notCreated(fmt.Errorf("the post has %d images; X takes at most %d", len(p.Media), MaxImages))
	}
	for _, m := range p.Media {
		if !strings.HasPrefix(m.Type, "image/") || m.Type == "image/gif" {
			return "", notCreated(fmt.Errorf("%s: %s is not supported; herald posts still images (jpeg, png, webp) to X", m.Path, m.Type))
		}
		if m.Size > MaxImageBytes {
			return "", notCreated(fmt.Errorf("%s: %d bytes; X takes images up to %d", m.Path, m.Size, MaxImageBytes))
		}
		if n := utf8.RuneCountInString(m.Alt); n > MaxAltText {
			return "", notCreated(fmt.Errorf("%s: alt text is %d characters; X takes at most %d", m.Path, n, MaxAltText))
		}
	}
	rs, _ := p.Option("reply_settings")
	if rs == "everyone" {
		rs = ""
	}
	if rs != "" && !slices.Contains(replySettings, rs) {
		return "", notCreated(fmt.Errorf("reply_settings %q: want everyone, %s", rs, strings.Join(replySettings, ", ")))
	}
	return rs, nil
}

// Publish posts each part with POST /2/tweets, each replying to the one
// before, the images (uploaded first, with their alt text) on the first.
// reply_settings applies to the first part. X has no idempotency key, so
// the key is not sent: a retry after an unknown outcome goes through Find.
func (a *X) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	rs, err := checkPayload(p)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	mediaIDs, err := a.uploadAll(ctx, p.Media)
	if err != nil {
		return nil, err
	}
	r := &platforms.Receipt{Provider: Name, PublishedAt: a.now(), Extra: map[string]string{}}
	if len(mediaIDs) > 0 {
		r.Extra[extraMediaIDs] = strings.Join(mediaIDs, ",")
	}
	return a.post(ctx, p, r, mediaIDs, rs)
}

// Resume posts the parts of p that r lacks, the first as a reply to r's
// last part (platforms.Resumer). X has no idempotency key, so the key is
// not sent: a resume whose outcome is unknown is looked up with Find. The
// images went with part 1, so nothing is uploaded again.
func (a *X) Resume(ctx context.Context, r *platforms.Receipt, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, notCreated(errors.New("resume: the receipt names no post to reply to"))
	}
	if len(r.IDs) >= len(p.Parts) {
		return nil, notCreated(fmt.Errorf("resume: %d of %d parts are already posted: nothing to resume", len(r.IDs), len(p.Parts)))
	}
	rs, err := checkPayload(p)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs), PublishedAt: r.PublishedAt,
		Extra: maps.Clone(r.Extra)}
	if out.Extra == nil {
		out.Extra = map[string]string{}
	}
	for len(out.URLs) < len(out.IDs) {
		out.URLs = append(out.URLs, a.statusURL(out.IDs[len(out.URLs)]))
	}
	return a.post(ctx, p, out, nil, rs)
}

// post posts the parts of p from the first r does not hold, each replying
// to the part before, with mediaIDs and reply settings rs on part 1, and
// returns r with them and every part's text hash. When a part fails it
// returns r with the parts that exist, or nil when there are none, with
// the error.
func (a *X) post(ctx context.Context, p *platforms.Payload, r *platforms.Receipt, mediaIDs []string, rs string) (*platforms.Receipt, error) {
	var hashes []string
	for _, part := range p.Parts[:len(r.IDs)] {
		hashes = append(hashes, partHash(part.Text))
	}
	for i := len(r.IDs); i < len(p.Parts); i++ {
		part := p.Parts[i]
		req := tweetRequest{Text: part.Text}
		if i == 0 {
			req.ReplySettings = rs
			if len(mediaIDs) > 0 {
				req.Media = &tweetMedia{MediaIDs: mediaIDs}
			}
		} else {
			req.Reply = &tweetReply{InReplyToTweetID: r.IDs[i-1]}
		}
		id, err := a.createTweet(ctx, req)
		if err != nil {
			op := "publish"
			if len(p.Parts) > 1 {
				op = fmt.Sprintf("publish part %d of %d", i+1, len(p.Parts))
			}
			err = a.apiError(op, err, true)
			if len(r.IDs) > 0 {
				r.Extra[extraPartHashes] = strings.Join(hashes, ",")
				return r, err
			}
			return nil, err
		}
		r.IDs = append(r.IDs, id)
		r.URLs = append(r.URLs, a.statusURL(id))
		hashes = append(hashes, partHash(part.Text))
	}
	r.Extra[extraPartHashes] = strings.Join(hashes, ",")
	return r, nil
}

func (a *X) createTweet(ctx context.Context, req tweetRequest) (string, error) {
	var out tweetResponse
	if _, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "tweets", JSON: req}, &out); err != nil {
		return "", err
	}
	if out.Data.ID == "" {
		// X said yes without an ID: the post exists but cannot be named.
		return "", &platforms.APIError{Platform: Name, Status: http.StatusCreated, Outcome: platforms.Unknown,
			Message: "X created the post but its answer holds no ID"}
	}
	return out.Data.ID, nil
}

// mediaResponse is the answer of POST /2/media/upload and of its status
// check.
type mediaResponse struct {
	Data struct {
		ID             string `json:"id"`
		MediaKey       string `json:"media_key"`
		ProcessingInfo *struct {
			State          string `json:"state"`
			CheckAfterSecs int    `json:"check_after_secs"`
			Error          *struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"processing_info"`
	} `json:"data"`
}

func (a *X) uploadAll(ctx context.Context, media []platforms.Media) ([]string, error) {
	var ids []string
	for _, m := range media {
		id, err := a.upload(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("upload %s: %w", m.Path, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// upload sends one image with the simple form of POST /2/media/upload
// (base64 in JSON, media_category tweet_image), waits for any processing
// X reports, and sets its alt text with POST /2/media/metadata. Nothing
// is posted yet, so every failure here is NotCreated.
func (a *X) upload(ctx context.Context, m platforms.Media) (string, error) {
	rc, err := m.Open()
	if err != nil {
		return "", notCreated(fmt.Errorf("open: %w", err))
	}
	data, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
	rc.Close()
	if err != nil {
		return "", notCreated(fmt.Errorf("read: %w", err))
	}
	if len(data) > MaxImageBytes {
		return "", notCreated(fmt.Errorf("larger than X's %d bytes", MaxImageBytes))
	}
	var out mediaResponse
	_, err = a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media/upload", JSON: map[string]string{
		"media": base64.StdEncoding.EncodeToString(data), "media_category": "tweet_image", "media_type": m.Type,
	}}, &out)
	if err != nil {
		return "", notCreatedUpload(a.apiError("media upload", err, false))
	}
	id := out.Data.ID
	if id == "" {
		return "", notCreated(errors.New("media upload: X answered without a media id"))
	}
	if err := a.waitProcessed(ctx, id, out); err != nil {
		return "", notCreatedUpload(err)
	}
	if m.Alt != "" {
		body := map[string]any{"id": id, "metadata": map[string]any{"alt_text": map[string]string{"text": m.Alt}}}
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media/metadata", JSON: body}, nil); err != nil {
			return "", notCreatedUpload(a.apiError("media alt text", err, false))
		}
	}
	return id, nil
}

// notCreatedUpload marks an upload error NotCreated: an uploaded file
// that no post uses is not a post.
func notCreatedUpload(err error) error {
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return err
}

// waitProcessed polls GET /2/media/upload?command=STATUS while X reports
// the file pending or in progress, for at most maxProcessingWait.
func (a *X) waitProcessed(ctx context.Context, id string, out mediaResponse) error {
	waited := time.Duration(0)
	for {
		pi := out.Data.ProcessingInfo
		if pi == nil || pi.State == "succeeded" || pi.State == "" {
			return nil
		}
		if pi.State == "failed" {
			msg := "processing failed"
			if pi.Error != nil && pi.Error.Message != "" {
				msg += ": " + pi.Error.Message
			}
			return notCreated(fmt.Errorf("media %s: %s", id, msg))
		}
		d := time.Duration(max(pi.CheckAfterSecs, 1)) * time.Second
		if waited+d > maxProcessingWait {
			return notCreated(fmt.Errorf("media %s: still %s after %s", id, pi.State, waited))
		}
		if err := a.sleep(ctx, d); err != nil {
			return notCreated(fmt.Errorf("media %s: %w", id, err))
		}
		waited += d
		out = mediaResponse{}
		q := url.Values{"command": {"STATUS"}, "media_id": {id}}
		if _, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "media/upload", Query: q}, &out); err != nil {
			return a.apiError("media status", err, false)
		}
	}
}

// Update edits the parts whose text changed, each with POST /2/tweets
// and edit_options.previous_post_id. Every edit gets a new ID, so the
// returned receipt names the new posts. X allows edits for 30 minutes
// after the original post and 5 times; outside that, Update fails with a
// non-retryable error and the plan keeps showing the drift. A thread
// cannot gain or lose parts by editing.
func (a *X) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if len(r.IDs) == 0 {
		return nil, notCreated(errors.New("update: the receipt names no post"))
	}
	if len(p.Parts) != len(r.IDs) {
		return nil, notEditable(fmt.Sprintf("the post was published as %d parts and now has %d: X cannot add or remove parts of a thread by editing", len(r.IDs), len(p.Parts)))
	}
	if _, err := checkPayload(p); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	edits, _ := strconv.Atoi(r.Extra[extraEdits])
	if !r.PublishedAt.IsZero() && a.now().Sub(r.PublishedAt) > EditWindow {
		return nil, notEditable(fmt.Sprintf("X allows edits for %s after posting; this post is from %s", EditWindow, r.PublishedAt.UTC().Format(time.RFC3339)))
	}
	if edits >= MaxEdits {
		return nil, notEditable(fmt.Sprintf("X allows %d edits and this post has had %d", MaxEdits, edits))
	}
	old := strings.Split(r.Extra[extraPartHashes], ",")
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs),
		PublishedAt: r.PublishedAt, Extra: map[string]string{}}
	for k, v := range r.Extra {
		out.Extra[k] = v
	}
	if len(out.URLs) != len(out.IDs) {
		out.URLs = make([]string, len(out.IDs))
		for i, id := range out.IDs {
			out.URLs[i] = a.statusURL(id)
		}
	}
	hashes := make([]string, len(p.Parts))
	changed := false
	for i, part := range p.Parts {
		hashes[i] = partHash(part.Text)
		if i < len(old) && old[i] == hashes[i] {
			continue
		}
		req := tweetRequest{Text: part.Text, EditOptions: &tweetEditOpts{PreviousPostID: out.IDs[i]}}
		if i == 0 && r.Extra[extraMediaIDs] != "" {
			req.Media = &tweetMedia{MediaIDs: strings.Split(r.Extra[extraMediaIDs], ",")}
		}
		id, err := a.createTweet(ctx, req)
		if err != nil {
			err = a.editError(fmt.Sprintf("edit part %d", i+1), err)
			if changed {
				out.Extra[extraPartHashes] = strings.Join(hashes[:i], ",") + "," + strings.Join(old[min(i, len(old)):], ",")
				return out, err
			}
			return nil, err
		}
		out.IDs[i], out.URLs[i] = id, a.statusURL(id)
		changed = true
	}
	if changed {
		out.Extra[extraEdits] = strconv.Itoa(edits + 1)
	}
	out.Extra[extraPartHashes] = strings.Join(hashes, ",")
	return out, nil
}

// notEditable is the error for an edit X does not allow.
func notEditable(why string) error {
	return &platforms.APIError{Platform: Name, Code: "not-editable", Outcome: platforms.NotCreated,
		Message: "cannot edit on X: " + why + "; delete and publish again to change it"}
}

// editError maps an edit's failure; X's 403 on an edit means the post is
// no longer editable (window passed, edits used up, or not editable).
func (a *X) editError(op string, err error) error {
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusForbidden && se.Code != "client-not-enrolled" && se.Code != "unsupported-authentication" {
		return fmt.Errorf("%s: %w", op, notEditable("X refused the edit ("+se.Message+")"))
	}
	return a.apiError(op, err, false)
}

// Delete deletes every part with DELETE /2/tweets/:id, last part first.
// A part already gone (404) is not an error. X may answer
// {"data":{"deleted":false}}; then the post is looked up, and it is an
// error only if it still exists.
func (a *X) Delete(ctx context.Context, r *platforms.Receipt) error {
	for i := len(r.IDs) - 1; i >= 0; i-- {
		id := r.IDs[i]
		var out struct {
			Data struct {
				Deleted bool `json:"deleted"`
			} `json:"data"`
		}
		_, err := a.do(ctx, httpx.Request{Method: http.MethodDelete, Path: "tweets/" + url.PathEscape(id)}, &out)
		var se *httpx.StatusError
		switch {
		case errors.As(err, &se) && se.Status == http.StatusNotFound:
			continue
		case err != nil:
			return a.apiError("delete "+id, err, false)
		case !out.Data.Deleted:
			found, err := a.lookup(ctx, id)
			if err != nil {
				return fmt.Errorf("delete %s: X did not delete it, and looking it up failed: %w", id, err)
			}
			if found != nil {
				return &platforms.APIError{Platform: Name, Status: http.StatusOK, Code: "not-deleted", Outcome: platforms.NotCreated,
					Message: "X answered that post " + id + " was not deleted"}
			}
		}
	}
	return nil
}

// tweetData is a post as X's read endpoints return it.
type tweetData struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	CreatedAt        string `json:"created_at"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Entities *struct {
		URLs []struct {
			URL         string `json:"url"`
			ExpandedURL string `json:"expanded_url"`
		} `json:"urls"`
	} `json:"entities"`
	PublicMetrics *struct {
		RetweetCount    *int64 `json:"retweet_count"`
		ReplyCount      *int64 `json:"reply_count"`
		LikeCount       *int64 `json:"like_count"`
		QuoteCount      *int64 `json:"quote_count"`
		BookmarkCount   *int64 `json:"bookmark_count"`
		ImpressionCount *int64 `json:"impression_count"`
	} `json:"public_metrics"`
}

// lookupResponse is GET /2/tweets?ids=...: found posts in data, missing
// ones as partial errors.
type lookupResponse struct {
	Data   []tweetData `json:"data"`
	Errors []struct {
		ResourceID string `json:"resource_id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Detail     string `json:"detail"`
	} `json:"errors"`
}

// lookup reads one post with GET /2/tweets?ids=id; nil when X says it is
// not found.
func (a *X) lookup(ctx context.Context, id string, fields ...string) (*tweetData, error) {
	q := url.Values{"ids": {id}}
	if len(fields) > 0 {
		q.Set("tweet.fields", strings.Join(fields, ","))
	}
	var out lookupResponse
	_, err := a.do(ctx, httpx.Request{Method: http.MethodGet, Path: "tweets", Query: q}, &out)
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, a.apiError("look up "+id, err, false)
	}
	for i := range out.Data {
		if out.Data[i].ID == id {
			return &out.Data[i], nil
		}
	}
	for _, e := range out.Errors {
		if e.ResourceID == id && problemType(e.Type) != "resource-not-found" && e.Title != "Not Found Error" {
			return nil, &platforms.APIError{Platform: Name, Status: http.StatusOK, Code: problemType(e.Type),
				Message: firstNonEmpty(e.Detail, e.Title), Outcome: platforms.Unknown}
		}
	}
	return nil, nil
}

// Metrics reads the first part's public_metrics with GET
// /2/tweets?ids=...: likes, reposts (retweets), replies, quotes,
// bookmarks (as saves) and impressions, each nil when X leaves it out;
// replies leave out a thread's part 2, which replies to part 1. A post X
// cannot find wraps platforms.ErrDeletedRemotely.
func (a *X) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no post")
	}
	id := r.IDs[0]
	t, err := a.lookup(ctx, id, "public_metrics")
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if t == nil {
		return nil, fmt.Errorf("metrics %s: %w", id, platforms.ErrDeletedRemotely)
	}
	m := &platforms.Metrics{}
	if pm := t.PublicMetrics; pm != nil {
		m.Likes, m.Reposts, m.Replies, m.Quotes = pm.LikeCount, pm.RetweetCount, pm.ReplyCount, pm.QuoteCount
		m.Impressions, m.Saves = pm.ImpressionCount, pm.BookmarkCount
		if m.Replies != nil && len(r.IDs) > 1 {
			// reply_count counts part 2, herald's own reply to part 1.
			others := max(*m.Replies-1, 0)
			m.Replies = &others
		}
	}
	return m, nil
}
