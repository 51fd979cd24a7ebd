package tiktok

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/progress"
)

// PostInfo is the post_info of a direct post: what a post becomes on
// TikTok.
type PostInfo struct {
	Title          string `json:"title"`
	PrivacyLevel   string `json:"privacy_level"`
	DisableComment bool   `json:"disable_comment"`
	DisableDuet    bool   `json:"disable_duet"`
	DisableStitch  bool   `json:"disable_stitch"`
	CoverMillis    int64  `json:"video_cover_timestamp_ms,omitempty"`
}

// SourceInfo is the source_info of an init: FILE_UPLOAD with the sizes of
// the chunks.
type SourceInfo struct {
	Source          string `json:"source"`
	VideoSize       int64  `json:"video_size"`
	ChunkSize       int64  `json:"chunk_size"`
	TotalChunkCount int64  `json:"total_chunk_count"`
}

// Render turns a payload into the post's post_info, with the account's
// privacy level: pure and golden-tested. The caption is the whole text
// (a thread's parts joined by blank lines) followed by the post's tags
// as hashtags that the text does not already hold, at most MaxTitle
// UTF-16 code units. A post's privacy_level, disable_comment,
// disable_duet, disable_stitch and video_cover_timestamp_ms options
// override the account's.
func (t *TikTok) Render(p *platforms.Payload) (*PostInfo, error) {
	return render(p, t.privacy, t.s.Values)
}

func render(p *platforms.Payload, privacy string, account map[string]any) (*PostInfo, error) {
	caption := p.Text()
	var add []string
	for _, tag := range p.Tags {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		if tag == "" || strings.Contains(strings.ToLower(caption), "#"+strings.ToLower(tag)) {
			continue
		}
		add = append(add, "#"+tag)
	}
	if len(add) > 0 {
		caption = strings.TrimRight(caption, "\n ") + "\n\n" + strings.Join(add, " ")
	}
	if n := len(utf16.Encode([]rune(caption))); n > MaxTitle {
		return nil, fmt.Errorf("caption has %d UTF-16 code units; TikTok takes at most %d", n, MaxTitle)
	}
	info := &PostInfo{Title: caption, PrivacyLevel: privacy}
	if v, ok := p.Option("privacy_level"); ok {
		if !validPrivacy(v) {
			return nil, fmt.Errorf("option privacy_level: %q: want one of %s", v, strings.Join(PrivacyLevels, ", "))
		}
		info.PrivacyLevel = v
	}
	flag := func(key string) bool {
		if b, ok := p.Options[key].(bool); ok {
			return b
		}
		b, _ := account[key].(bool)
		return b
	}
	info.DisableComment, info.DisableDuet, info.DisableStitch = flag("disable_comment"), flag("disable_duet"), flag("disable_stitch")
	switch v := p.Options["video_cover_timestamp_ms"].(type) {
	case int:
		info.CoverMillis = int64(v)
	case int64:
		info.CoverMillis = v
	case uint64:
		info.CoverMillis = int64(v)
	case float64:
		info.CoverMillis = int64(v)
	}
	return info, nil
}

// Chunks is how FILE_UPLOAD cuts a file of size bytes with chunks of
// chunk bytes: a file under MinChunk goes whole; otherwise
// total_chunk_count is size / chunk rounded down, and the last chunk
// takes the remainder as well (so it is up to twice chunk, within
// MaxFinalChunk). It is exported for the fake, which holds uploads to
// the same rules.
func Chunks(size, chunk int64) (SourceInfo, error) {
	si := SourceInfo{Source: "FILE_UPLOAD", VideoSize: size}
	switch {
	case size <= 0:
		return si, errors.New("the video is empty")
	case size < MinChunk || size <= chunk:
		si.ChunkSize, si.TotalChunkCount = size, 1
		if size > MaxChunk {
			return si, fmt.Errorf("a video of %d bytes must go in chunks of at most %d", size, MaxChunk)
		}
	default:
		si.ChunkSize, si.TotalChunkCount = chunk, size/chunk
	}
	if si.TotalChunkCount > MaxChunks {
		return si, fmt.Errorf("a video of %d bytes makes %d chunks of %d; TikTok takes at most %d: raise chunk_size", size, si.TotalChunkCount, chunk, MaxChunks)
	}
	return si, nil
}

// creatorInfo is creator_info/query's answer.
type creatorInfo struct {
	Username             string   `json:"creator_username"`
	Nickname             string   `json:"creator_nickname"`
	PrivacyLevelOptions  []string `json:"privacy_level_options"`
	CommentDisabled      bool     `json:"comment_disabled"`
	DuetDisabled         bool     `json:"duet_disabled"`
	StitchDisabled       bool     `json:"stitch_disabled"`
	MaxVideoPostDuration int      `json:"max_video_post_duration_sec"`
}

// initAnswer is an init's answer.
type initAnswer struct {
	PublishID string `json:"publish_id"`
	UploadURL string `json:"upload_url"`
}

// statusAnswer is status/fetch's answer. TikTok spells the field
// publicaly_available_post_id.
type statusAnswer struct {
	Status        string  `json:"status"`
	FailReason    string  `json:"fail_reason"`
	PostIDs       []int64 `json:"publicaly_available_post_id"`
	UploadedBytes int64   `json:"uploaded_bytes"`
}

// Publish implements platforms.Publisher. In direct mode it asks
// creator_info/query which privacy levels the creator may use and
// refuses, before anything is uploaded, a post asking for another; then
// it initialises the post, uploads the video in the chunks TikTok
// requires, and polls the status until TikTok has published it. In inbox
// mode it uploads the video to the creator's inbox and returns a receipt
// whose Manual says to finish the post in the app.
func (t *TikTok) Publish(ctx context.Context, p *platforms.Payload, _ platforms.AttemptKey) (*platforms.Receipt, error) {
	info, err := t.Render(p)
	if err != nil {
		return nil, notCreated(fmt.Errorf("render post for %s: %w", t.s.Account, err))
	}
	media, ok := videoOf(p)
	if !ok {
		return nil, notCreated(fmt.Errorf("post %s has no video: a TikTok post is a video (MP4, MOV or WebM) in media", p.PostID))
	}
	src, err := Chunks(media.Size, t.chunk)
	if err != nil {
		return nil, notCreated(fmt.Errorf("video %s: %w", media.Path, err))
	}
	var creator creatorInfo
	body := map[string]any{"source_info": src}
	path := "v2/post/publish/inbox/video/init/"
	if t.mode == DirectPost {
		if err := t.api(ctx, "v2/post/publish/creator_info/query/", nil, nil, &creator); err != nil {
			return nil, t.notCreated("ask TikTok what the creator may post", err)
		}
		if !slices.Contains(creator.PrivacyLevelOptions, info.PrivacyLevel) {
			return nil, notCreated(fmt.Errorf("account %s: the post asks for privacy level %s, and TikTok offers @%s only %s: set privacy_level (in the account or the post's tiktok options) to one of them",
				t.s.Account, info.PrivacyLevel, creator.Username, strings.Join(creator.PrivacyLevelOptions, ", ")))
		}
		// A creator who turned an interaction off in the app keeps it off.
		info.DisableComment = info.DisableComment || creator.CommentDisabled
		info.DisableDuet = info.DisableDuet || creator.DuetDisabled
		info.DisableStitch = info.DisableStitch || creator.StitchDisabled
		body["post_info"] = info
		path = "v2/post/publish/video/init/"
	}
	if remaining, reset, _ := t.RateLimit(); remaining <= 0 {
		return nil, &platforms.APIError{Platform: Name, Status: http.StatusTooManyRequests, Code: "rate_limit_exceeded", Outcome: platforms.NotCreated,
			RetryAfter: reset.Sub(t.now()), Message: fmt.Sprintf("TikTok allows %d post inits a minute per token, and this run has made them", InitsPerMinute)}
	}
	t.noteInit()
	var in initAnswer
	if err := t.api(ctx, path, nil, body, &in); err != nil {
		// An init creates an upload slot, never a post.
		return nil, t.notCreated("start the post", err)
	}
	if in.PublishID == "" || in.UploadURL == "" {
		return nil, notCreated(errors.New("start the post: TikTok answered without publish_id or upload_url"))
	}
	t.log.Info("uploading video to TikTok", "publish_id", in.PublishID, "bytes", media.Size, "chunks", src.TotalChunkCount, "mode", t.mode)
	if err := t.upload(ctx, in.UploadURL, media, src); err != nil {
		return nil, err
	}
	st, err := t.poll(ctx, in.PublishID)
	if err != nil {
		return nil, err
	}
	if t.mode == Inbox {
		return &platforms.Receipt{Provider: Name, PublishedAt: t.now(), Extra: map[string]string{"publish_id": in.PublishID},
			Manual: "open the TikTok app's inbox notification and finish posting the uploaded video (upload " + in.PublishID + ")"}, nil
	}
	r := &platforms.Receipt{Provider: Name, PublishedAt: t.now(), Extra: map[string]string{"publish_id": in.PublishID}}
	if len(st.PostIDs) > 0 {
		id := fmt.Sprint(st.PostIDs[0])
		r.IDs, r.URLs = []string{id}, []string{VideoURL(creator.Username, id)}
	} else {
		// A post that is not public has no public ID: keep the publish ID.
		r.IDs = []string{in.PublishID}
	}
	return r, nil
}

// VideoURL is a post's public address.
func VideoURL(username, id string) string {
	return "https://www.tiktok.com/@" + username + "/video/" + id
}

// notCreated is apiError with the outcome NotCreated: for calls that
// cannot create a post.
func (t *TikTok) notCreated(op string, err error) error {
	out := t.apiError(op, err)
	var ae *platforms.APIError
	if errors.As(out, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return out
}

// upload PUTs the chunks, in order, to the upload URL, which carries its
// own authorization. A chunk TikTok refuses or does not answer ends the
// upload: before the last chunk nothing is posted; after it the outcome
// is unknown unless TikTok refused it.
func (t *TikTok) upload(ctx context.Context, uploadURL string, media platforms.Media, src SourceInfo) error {
	rc, err := media.Open()
	if err != nil {
		return notCreated(fmt.Errorf("open %s: %w", media.Path, err))
	}
	defer rc.Close()
	c := t.client(uploadURL)
	c.Redact.Add(uploadURL)
	// Progress names the file, never the upload URL (it carries its own
	// authorization).
	progress.Report(ctx, progress.Update{Platform: Name, File: media.Path, Size: src.VideoSize})
	for i := int64(0); i < src.TotalChunkCount; i++ {
		from := i * src.ChunkSize
		to := from + src.ChunkSize
		last := i == src.TotalChunkCount-1
		if last {
			to = src.VideoSize
		}
		buf := make([]byte, to-from)
		if _, err := io.ReadFull(rc, buf); err != nil {
			return notCreated(fmt.Errorf("read %s bytes %d to %d: %w", media.Path, from, to, err))
		}
		h := http.Header{"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", from, to-1, src.VideoSize)}}
		_, err := c.Do(ctx, httpx.Request{Method: http.MethodPut, Header: h, Body: buf, ContentType: media.Type})
		if err != nil {
			out := t.apiError(fmt.Sprintf("upload chunk %d of %d", i+1, src.TotalChunkCount), err)
			var ae *platforms.APIError
			if errors.As(out, &ae) {
				switch {
				case !last:
					ae.Outcome = platforms.NotCreated
				case ae.Status >= 400 && ae.Status < 500:
					ae.Outcome = platforms.NotCreated
				default:
					ae.Outcome = platforms.Unknown
				}
			}
			return out
		}
		if src.TotalChunkCount > 1 {
			t.log.Info("upload progress", "path", media.Path, "bytes", to, "of", src.VideoSize, "percent", to*100/src.VideoSize)
		}
		progress.Report(ctx, progress.Update{Platform: Name, File: media.Path, Sent: to, Size: src.VideoSize})
	}
	return nil
}

// poll reads status/fetch until the post is published (direct) or in
// the inbox, waiting longer each time up to maxPollDelay, at most
// maxPolls times. The video has arrived by then: a failure TikTok
// reports is NotCreated, running out of polls is Unknown.
func (t *TikTok) poll(ctx context.Context, publishID string) (*statusAnswer, error) {
	wait := firstPoll
	for i := 0; i < maxPolls; i++ {
		var st statusAnswer
		if err := t.api(ctx, "v2/post/publish/status/fetch/", nil, map[string]string{"publish_id": publishID}, &st); err != nil {
			out := t.apiError("read the post's status", err)
			var ae *platforms.APIError
			if errors.As(out, &ae) {
				ae.Outcome = platforms.Unknown
			}
			return nil, out
		}
		switch st.Status {
		case "PUBLISH_COMPLETE":
			return &st, nil
		case "SEND_TO_USER_INBOX":
			if t.mode == Inbox {
				return &st, nil
			}
		case "FAILED":
			return nil, &platforms.APIError{Platform: Name, Code: st.FailReason, Outcome: platforms.NotCreated,
				Message: "TikTok could not post the video (" + st.FailReason + ")", Err: errors.New("post/publish/status/fetch: FAILED: " + st.FailReason)}
		}
		t.log.Debug("TikTok is processing the video", "publish_id", publishID, "status", st.Status)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown, Message: "stopped waiting for TikTok to publish " + publishID, Err: err}
		}
		wait = min(wait*2, maxPollDelay)
	}
	return nil, &platforms.APIError{Platform: Name, Outcome: platforms.Unknown,
		Message: fmt.Sprintf("TikTok was still processing upload %s after %d status reads; it may yet publish it: the next run looks it up", publishID, maxPolls),
		Err:     errors.New("post/publish/status/fetch: still processing")}
}

// videoOf is the payload's video: the first medium whose type is video/*.
func videoOf(p *platforms.Payload) (platforms.Media, bool) {
	for _, m := range p.Media {
		if strings.HasPrefix(m.Type, "video/") {
			return m, true
		}
	}
	return platforms.Media{}, false
}

// Prepare implements platforms.Preparer: the parts become the one caption
// Render makes (the tags added as hashtags), so that the plan and the
// preview show and count what TikTok receives, and a caption over the
// limit is refused before the plan shows it.
func (t *TikTok) Prepare(p *platforms.Payload) (*platforms.Payload, error) {
	info, err := t.Render(p)
	if err != nil {
		return nil, err
	}
	p.Parts = []platforms.Part{{Text: info.Title}}
	return p, nil
}
