package x

import (
	"bytes"
	"cmp"
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
	extraMediaFPs   = "media_fp"    // each media's file-and-alt fingerprint, same order, so edits re-upload only what changed
	extraPartHashes = "part_hashes" // each part's text hash, comma-separated, so edits touch only changed parts
)

// MediaTypes are the files X takes (media_type of POST /2/media/upload):
// still images by the simple upload, GIFs and MP4 or MOV videos by the
// chunked one. HEIC and AVIF, which phones make, are not among them.
var MediaTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime"}

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
	gifs, videos := 0, 0
	for _, m := range p.Media {
		if !slices.Contains(MediaTypes, m.Type) {
			return "", notCreated(fmt.Errorf("%s: X does not take %s files; it takes JPEG, PNG, WebP and GIF images and MP4 or MOV videos: convert it", m.Path, m.Type))
		}
		limit := MaxImageBytes
		switch {
		case m.Type == "image/gif":
			gifs++
			limit = MaxGIFBytes
		case isVideo(m):
			videos++
			limit = MaxVideoBytes
		}
		if m.Size > int64(limit) {
			return "", notCreated(fmt.Errorf("%s: %d bytes; X takes %s files up to %d", m.Path, m.Size, m.Type, limit))
		}
		if n := utf8.RuneCountInString(m.Alt); n > MaxAltText {
			return "", notCreated(fmt.Errorf("%s: alt text is %d characters; X takes at most %d", m.Path, n, MaxAltText))
		}
	}
	if videos > 0 && len(p.Media) > 1 {
		return "", notCreated(fmt.Errorf("the post has a video and %d other media; an X post takes one video alone", len(p.Media)-1))
	}
	if gifs > 0 && len(p.Media) > 1 {
		return "", notCreated(fmt.Errorf("the post has a GIF and %d other media; an X post takes one GIF alone, or up to %d images", len(p.Media)-1, MaxImages))
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
	mediaIDs, fps, err := a.uploadAll(ctx, p.Media, nil, nil)
	if err != nil {
		return nil, err
	}
	r := &platforms.Receipt{Provider: Name, PublishedAt: a.now(), Extra: map[string]string{}}
	setMediaExtra(r.Extra, mediaIDs, fps)
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
			State           string `json:"state"`
			CheckAfterSecs  int    `json:"check_after_secs"`
			ProgressPercent int    `json:"progress_percent"`
			Error           *struct {
				Message string `json:"message"`
			} `json:"error"`
		} `json:"processing_info"`
	} `json:"data"`
}

// uploadAll uploads media and returns their IDs and fingerprints
// (mediaFP). An item whose fingerprint is keep's at the same index is not
// uploaded: it reuses keepIDs' ID, already on X.
func (a *X) uploadAll(ctx context.Context, media []platforms.Media, keepIDs, keep []string) (ids, fps []string, err error) {
	for i, m := range media {
		if isVideo(m) {
			fp, err := videoFP(m, m.Alt)
			if err != nil {
				return nil, nil, fmt.Errorf("upload %s: %w", m.Path, err)
			}
			id := ""
			if i < len(keep) && i < len(keepIDs) && keep[i] == fp {
				id = keepIDs[i]
			} else if id, err = a.uploadVideo(ctx, m); err != nil {
				return nil, nil, fmt.Errorf("upload %s: %w", m.Path, err)
			}
			ids, fps = append(ids, id), append(fps, fp)
			continue
		}
		data, err := readMedia(m)
		if err != nil {
			return nil, nil, fmt.Errorf("upload %s: %w", m.Path, err)
		}
		fp := mediaFP(data, m.Alt)
		if i < len(keep) && i < len(keepIDs) && keep[i] == fp {
			ids, fps = append(ids, keepIDs[i]), append(fps, fp)
			continue
		}
		id, err := a.upload(ctx, m, data)
		if err != nil {
			return nil, nil, fmt.Errorf("upload %s: %w", m.Path, err)
		}
		ids, fps = append(ids, id), append(fps, fp)
	}
	return ids, fps, nil
}

// readMedia reads a media file whole, within X's limit for its type.
func readMedia(m platforms.Media) ([]byte, error) {
	if m.Open == nil {
		return nil, notCreated(fmt.Errorf("no way to read %s", m.Path))
	}
	limit := MaxImageBytes
	if m.Type == "image/gif" {
		limit = MaxGIFBytes
	}
	rc, err := m.Open()
	if err != nil {
		return nil, notCreated(fmt.Errorf("open: %w", err))
	}
	data, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	rc.Close()
	if err != nil {
		return nil, notCreated(fmt.Errorf("read: %w", err))
	}
	if len(data) > limit {
		return nil, notCreated(fmt.Errorf("larger than X's %d bytes for %s", limit, m.Type))
	}
	return data, nil
}

// mediaFP fingerprints a media item as posted: its bytes and its alt
// text, the first 8 bytes of their SHA-256 in hex.
func mediaFP(data []byte, alt string) string {
	h := sha256.New()
	h.Write(data)
	h.Write([]byte{0})
	h.Write([]byte(alt))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// setMediaExtra records the first part's media IDs and fingerprints in
// extra, or removes them when there are none.
func setMediaExtra(extra map[string]string, ids, fps []string) {
	delete(extra, extraMediaIDs)
	delete(extra, extraMediaFPs)
	if len(ids) > 0 {
		extra[extraMediaIDs] = strings.Join(ids, ",")
		extra[extraMediaFPs] = strings.Join(fps, ",")
	}
}

// upload sends one image, waits for any processing X reports, and sets
// its alt text with POST /2/media/metadata. A still image goes by the
// simple form of POST /2/media/upload (base64 in JSON, media_category
// tweet_image); a GIF, which the simple form does not take, by the
// chunked form (see video.go). Nothing is posted yet, so every failure
// here is NotCreated.
func (a *X) upload(ctx context.Context, m platforms.Media, data []byte) (string, error) {
	var id string
	if m.Type == "image/gif" {
		t := &chunked{a: a, mediaType: m.Type, category: "tweet_gif"}
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		if err := a.runUpload(ctx, t, m.Path, int64(len(data)), open); err != nil {
			return "", err
		}
		id = t.id
	} else {
		var out mediaResponse
		_, err := a.do(ctx, httpx.Request{Method: http.MethodPost, Path: "media/upload", JSON: map[string]string{
			"media": base64.StdEncoding.EncodeToString(data), "media_category": "tweet_image", "media_type": m.Type,
		}}, &out)
		if err != nil {
			return "", notCreatedUpload(a.apiError("media upload", err, false))
		}
		id = out.Data.ID
		if id == "" {
			return "", notCreated(errors.New("media upload: X answered without a media id"))
		}
		if err := a.waitProcessed(ctx, id, out); err != nil {
			return "", notCreatedUpload(err)
		}
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

// chunkSize is how many bytes one APPEND carries by default, below X's
// 5 MiB per segment.
const chunkSize = 4 << 20

// secs is n seconds, at least one.
func secs(n int) time.Duration { return time.Duration(max(n, 1)) * time.Second }

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

// Update edits the parts whose content changed, each with POST
// /2/tweets and edit_options.previous_post_id. Receipt.Extra tells what
// was posted (each part's text hash, the first part's media IDs and the
// fingerprints of their files and alt texts): a part whose text and (first
// part) media match is not sent; the first part's edit names its media
// again, reusing the IDs of the files and alt texts that did not change
// and uploading the others. A receipt without that record (from Find, or
// an older herald) edits every part and uploads the media again, so that
// nothing is dropped. Every edit gets a new ID, so the returned receipt
// names the new posts. X allows edits for 30 minutes after the original
// post, 5 times, and only for accounts with X Premium; outside that, and
// when a thread would gain or lose parts, Update fails with an error
// wrapping platforms.ErrNotEditable, which the plan shows as drift.
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
	old := splitList(r.Extra[extraPartHashes])
	hashes := make([]string, len(p.Parts))
	var todo []int
	for i, part := range p.Parts {
		hashes[i] = partHash(part.Text)
		if i >= len(old) || old[i] != hashes[i] {
			todo = append(todo, i)
		}
	}
	oldIDs, oldFPs := splitList(r.Extra[extraMediaIDs]), splitList(r.Extra[extraMediaFPs])
	if len(oldFPs) != len(oldIDs) {
		oldIDs, oldFPs = nil, nil
	}
	fps := make([]string, len(p.Media))
	for k, m := range p.Media {
		data, err := readMedia(m)
		if err != nil {
			return nil, fmt.Errorf("update: %s: %w", m.Path, err)
		}
		fps[k] = mediaFP(data, m.Alt)
	}
	mediaChanged := !slices.Equal(fps, oldFPs) || len(p.Media) > 0 && r.Extra[extraMediaFPs] == ""
	if mediaChanged && (len(todo) == 0 || todo[0] != 0) {
		todo = append([]int{0}, todo...)
	}
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs),
		PublishedAt: r.PublishedAt, Extra: maps.Clone(r.Extra)}
	if out.Extra == nil {
		out.Extra = map[string]string{}
	}
	if len(out.URLs) != len(out.IDs) {
		out.URLs = make([]string, len(out.IDs))
		for i, id := range out.IDs {
			out.URLs[i] = a.statusURL(id)
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	edits, _ := strconv.Atoi(r.Extra[extraEdits])
	if !r.PublishedAt.IsZero() && a.now().Sub(r.PublishedAt) > EditWindow {
		return nil, notEditable(fmt.Sprintf("X allows edits for %s after posting; this post is from %s", EditWindow, r.PublishedAt.UTC().Format(time.RFC3339)))
	}
	if edits >= MaxEdits {
		return nil, notEditable(fmt.Sprintf("X allows %d edits and this post has had %d", MaxEdits, edits))
	}
	var mediaIDs []string
	if todo[0] == 0 && len(p.Media) > 0 {
		ids, newFPs, err := a.uploadAll(ctx, p.Media, oldIDs, oldFPs)
		if err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		mediaIDs, fps = ids, newFPs
	}
	done := 0
	for _, i := range todo {
		req := tweetRequest{Text: p.Parts[i].Text, EditOptions: &tweetEditOpts{PreviousPostID: out.IDs[i]}}
		if i == 0 && len(mediaIDs) > 0 {
			req.Media = &tweetMedia{MediaIDs: mediaIDs}
		}
		id, err := a.createTweet(ctx, req)
		if err != nil {
			err = a.editError(fmt.Sprintf("edit part %d", i+1), err)
			if done > 0 {
				out.Extra[extraEdits] = strconv.Itoa(edits + 1)
				return out, err
			}
			return nil, err
		}
		out.IDs[i], out.URLs[i] = id, a.statusURL(id)
		if i == 0 {
			setMediaExtra(out.Extra, mediaIDs, fps)
		}
		if i < len(old) && len(old) == len(hashes) {
			old[i] = hashes[i]
			out.Extra[extraPartHashes] = strings.Join(old, ",")
		} else {
			out.Extra[extraPartHashes] = strings.Join(hashes, ",")
		}
		done++
	}
	out.Extra[extraEdits] = strconv.Itoa(edits + 1)
	out.Extra[extraPartHashes] = strings.Join(hashes, ",")
	return out, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// notEditable is the error for an edit X does not allow: it wraps
// platforms.ErrNotEditable, so that the plan shows drift instead of
// retrying.
func notEditable(why string) error {
	return &platforms.APIError{Platform: Name, Code: "not-editable", Outcome: platforms.NotCreated,
		Message: "cannot edit on X: " + why + "; the published version stays: delete and publish again to change it",
		Err:     platforms.ErrNotEditable}
}

// editError maps an edit's failure. X answers 403 to an edit it will not
// make: the account has no X Premium (edits need it), the 30 minutes or
// 5 edits are spent, or the post cannot be edited.
func (a *X) editError(op string, err error) error {
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Status == http.StatusForbidden && se.Code != "client-not-enrolled" && se.Code != "unsupported-authentication" {
		return fmt.Errorf("%s: %w", op, notEditable("X refused the edit ("+se.Message+"); editing needs X Premium on the account, within 30 minutes and 5 edits of posting"))
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
				Message: cmp.Or(e.Detail, e.Title), Outcome: platforms.Unknown}
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
