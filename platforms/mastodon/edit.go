package mastodon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// ErrPartsChanged is what Update returns when the post now renders as a
// different number of parts than were published: a thread cannot gain or
// lose statuses in place, so the post must be deleted and published again.
var ErrPartsChanged = errors.New("a Mastodon thread cannot gain or lose parts in place")

// Receipt.Extra keys: the first part's media as published, so that an
// edit keeps the files that did not change and replaces those that did.
const (
	extraMediaIDs = "media_ids"    // attachment IDs, comma-separated, in order
	extraMediaSHA = "media_sha256" // each file's fileSHA, same order
)

// notChanged is how GoToSocial answers an edit that changes nothing (422
// "Unprocessable Entity: status was not changed"); Mastodon answers 200.
const notChanged = "status was not changed"

// Update edits in place, with PUT /api/v1/statuses/:id (Mastodon 3.5 and
// later), each part whose text, content warning, sensitivity, language
// or (first part) media differ from the status on the server, which it
// reads first (GET .../source for the text as written, GET
// /api/v1/statuses/:id for the rest); a part that matches is not sent,
// and a server's "status was not changed" is success. Every edit names
// what the status must keep, because Mastodon's and GoToSocial's edits
// replace rather than merge: media_ids (an edit without them removes
// every attachment), sensitive and language (GoToSocial resets them).
// The first part's media are matched by fingerprint with those recorded
// at publish time: an unchanged file keeps its attachment, with
// media_attributes for a changed alt text; a changed or new file is
// uploaded and replaces the old one. Visibility cannot be edited. IDs do
// not change.
func (m *Mastodon) Update(ctx context.Context, r *platforms.Receipt, p *platforms.Payload) (*platforms.Receipt, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, errors.New("update: the receipt names no status")
	}
	if len(r.IDs) != len(p.Parts) {
		return nil, fmt.Errorf("update: published as %d statuses, now %d parts: %w; delete the post and publish it again",
			len(r.IDs), len(p.Parts), ErrPartsChanged)
	}
	o, err := readOptions(p)
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	if len(p.Media) > MaxMedia {
		return nil, notCreated("update: %d media attached; a status takes at most %d", len(p.Media), MaxMedia)
	}
	if err := checkVideo(p.Media); err != nil {
		return nil, notCreated("update: %v", err)
	}
	files, err := readFiles(p.Media)
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	api, err := m.client()
	if err != nil {
		return nil, notCreated("update: %v", err)
	}
	out := &platforms.Receipt{Provider: Name, IDs: slices.Clone(r.IDs), URLs: slices.Clone(r.URLs),
		PublishedAt: r.PublishedAt, Extra: maps.Clone(r.Extra)}
	for len(out.URLs) < len(out.IDs) {
		out.URLs = append(out.URLs, "")
	}
	for i, id := range r.IDs {
		op := fmt.Sprintf("update part %d of %d", i+1, len(r.IDs))
		cur, err := m.current(ctx, api, id)
		if isStatus(err, http.StatusNotFound) {
			return nil, fmt.Errorf("update status %s: %w", id, platforms.ErrDeletedRemotely)
		}
		if err != nil {
			return nil, m.apiErr(op+": read the status", err)
		}
		body, changed := o.editBody(p.Parts[i].Text, cur)
		var media []file
		if i == 0 {
			media = files
		}
		ids, attrs, uploads, mediaChanged := planMedia(media, cur.Media, r.Extra)
		if !changed && !mediaChanged {
			m.logger.Debug("part unchanged, not edited", "status_id", id, "part", i+1)
			if i == 0 {
				setMediaExtra(out, cur.mediaIDs(), media)
			}
			continue
		}
		for _, k := range uploads {
			uid, err := m.upload(ctx, api, media[k].Media)
			if err != nil {
				return nil, fmt.Errorf("%s: media %d of %d (%s): %w", op, k+1, len(media), media[k].Path, asNotCreated(err))
			}
			ids[k] = uid
		}
		body["media_ids"] = ids
		if len(attrs) > 0 {
			body["media_attributes"] = attrs
		}
		var st status
		_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodPut, Path: "api/v1/statuses/" + url.PathEscape(id), JSON: body}, &st)
		switch {
		case isStatus(err, http.StatusNotFound):
			return nil, fmt.Errorf("update status %s: %w", id, platforms.ErrDeletedRemotely)
		case isNotChanged(err):
			m.logger.Debug("the server found nothing to change", "status_id", id, "part", i+1)
		case err != nil:
			return nil, m.apiErr(op, err)
		default:
			if l := st.link(); l != "" {
				out.URLs[i] = l
			}
		}
		if i == 0 {
			setMediaExtra(out, ids, media)
		}
	}
	return out, nil
}

// current is what an edit compares with: the status as the server holds
// it, with its text as written.
type current struct {
	Text, Spoiler, Language string
	Sensitive               bool
	Media                   []attachment
}

func (c *current) mediaIDs() []string {
	ids := make([]string, len(c.Media))
	for i, a := range c.Media {
		ids[i] = a.ID
	}
	return ids
}

// attachment is the part of a status's MediaAttachment an edit reads.
type attachment struct {
	ID          string  `json:"id"`
	Description *string `json:"description"`
}

func (a attachment) alt() string {
	if a.Description == nil {
		return ""
	}
	return *a.Description
}

// current reads status id: GET /api/v1/statuses/:id for its warning,
// sensitivity, language and media, GET .../source for its text as
// written (the status carries only HTML).
func (m *Mastodon) current(ctx context.Context, api *httpx.Client, id string) (*current, error) {
	var st struct {
		Sensitive   bool         `json:"sensitive"`
		SpoilerText string       `json:"spoiler_text"`
		Language    *string      `json:"language"`
		Media       []attachment `json:"media_attachments"`
	}
	path := "api/v1/statuses/" + url.PathEscape(id)
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: path}, &st); err != nil {
		return nil, err
	}
	var src struct {
		Text        string `json:"text"`
		SpoilerText string `json:"spoiler_text"`
	}
	if _, err := api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: path + "/source"}, &src); err != nil {
		return nil, err
	}
	c := &current{Text: src.Text, Spoiler: src.SpoilerText, Sensitive: st.Sensitive, Media: st.Media}
	if st.Language != nil {
		c.Language = *st.Language
	}
	return c, nil
}

// editBody is the JSON body that makes cur hold text and o, and whether
// anything in it differs from cur. What o leaves unset (sensitive,
// language) is sent as cur has it, since an edit that leaves a key out
// resets it on some servers.
func (o options) editBody(text string, cur *current) (map[string]any, bool) {
	changed := rubyStrip(text) != rubyStrip(cur.Text) || rubyStrip(o.spoiler) != rubyStrip(cur.Spoiler)
	sensitive := cur.Sensitive
	if o.sensitive != nil {
		// A content warning makes Mastodon mark the status sensitive
		// whatever was asked: that is not a change to make.
		forced := cur.Sensitive && !*o.sensitive && cur.Spoiler != ""
		changed = changed || *o.sensitive != cur.Sensitive && !forced
		sensitive = *o.sensitive
	}
	language := cur.Language
	if o.language != "" {
		changed = changed || o.language != cur.Language
		language = o.language
	}
	b := map[string]any{"status": text, "spoiler_text": o.spoiler, "sensitive": sensitive}
	if language != "" {
		b["language"] = language
	}
	return b, changed
}

// file is one media file of the post, read, with its fingerprint.
type file struct {
	platforms.Media
	sha string
}

// readFiles reads every media file for its fingerprint, streaming it
// into the hash: a video is never held whole.
func readFiles(media []platforms.Media) ([]file, error) {
	out := make([]file, len(media))
	for i, md := range media {
		sha, err := mediaSHA(md)
		if err != nil {
			return nil, err
		}
		out[i] = file{Media: md, sha: sha}
	}
	return out, nil
}

// mediaSHA names a media file's bytes in Receipt.Extra: the first 16
// bytes of their SHA-256, in hex, read as a stream.
func mediaSHA(md platforms.Media) (string, error) {
	if md.Open == nil {
		return "", fmt.Errorf("no way to read %s", md.Path)
	}
	rc, err := md.Open()
	if err != nil {
		return "", fmt.Errorf("open %s: %v", md.Path, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("read %s: %v", md.Path, err)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// planMedia decides the media_ids of an edit that gives a status the
// files want, now carrying live: an attachment whose recorded
// fingerprint (extra, from the publish or the last edit) is a wanted
// file's is kept, with a media_attributes entry when its alt text
// differs; a wanted file no attachment holds is to be uploaded (uploads
// are its indexes, their ids left ""). An attachment with no recorded
// fingerprint (a receipt from before fingerprints, or from Find) is taken
// to hold the file at its position. changed says whether the edit changes
// the media at all.
func planMedia(want []file, live []attachment, extra map[string]string) (ids []string, attrs []map[string]string, uploads []int, changed bool) {
	known := map[string]string{} // attachment ID -> fingerprint
	recIDs, recSHAs := splitList(extra[extraMediaIDs]), splitList(extra[extraMediaSHA])
	if len(recIDs) == len(recSHAs) {
		for i, id := range recIDs {
			known[id] = recSHAs[i]
		}
	}
	used := make([]bool, len(live))
	ids = make([]string, len(want))
	for k, f := range want {
		match := -1
		for j, a := range live {
			if used[j] {
				continue
			}
			sha, ok := known[a.ID]
			if ok && sha == f.sha || !ok && j == k {
				match = j
				break
			}
		}
		if match < 0 {
			uploads = append(uploads, k)
			changed = true
			continue
		}
		used[match] = true
		ids[k] = live[match].ID
		if live[match].alt() != f.Alt {
			attrs = append(attrs, map[string]string{"id": live[match].ID, "description": f.Alt})
			changed = true
		}
	}
	return ids, attrs, uploads, changed || !slices.Equal(ids, attachmentIDs(live))
}

func attachmentIDs(live []attachment) []string {
	ids := make([]string, len(live))
	for i, a := range live {
		ids[i] = a.ID
	}
	return ids
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// setMediaExtra records the first part's attachment ids and the
// fingerprints of the files they hold in r.Extra.
func setMediaExtra(r *platforms.Receipt, ids []string, media []file) {
	delete(r.Extra, extraMediaIDs)
	delete(r.Extra, extraMediaSHA)
	if len(ids) == 0 || len(ids) != len(media) {
		return
	}
	if r.Extra == nil {
		r.Extra = map[string]string{}
	}
	shas := make([]string, len(media))
	for i, f := range media {
		shas[i] = f.sha
	}
	r.Extra[extraMediaIDs] = strings.Join(ids, ",")
	r.Extra[extraMediaSHA] = strings.Join(shas, ",")
}

// mediaExtra is the Receipt.Extra of a publish whose first part carries
// media, uploaded as ids; nil when there are none or a file cannot be
// read again (an edit then matches attachments by position).
func mediaExtra(ids []string, media []platforms.Media) map[string]string {
	if len(ids) == 0 {
		return nil
	}
	files, err := readFiles(media)
	if err != nil {
		return nil
	}
	r := &platforms.Receipt{}
	setMediaExtra(r, ids, files)
	return r.Extra
}

// isNotChanged reports whether err is GoToSocial's answer to an edit
// that changes nothing.
func isNotChanged(err error) bool {
	var se *httpx.StatusError
	return errors.As(err, &se) && se.Status == http.StatusUnprocessableEntity && strings.Contains(se.Message, notChanged)
}

// DefaultDeleteWait bounds how long Delete waits for the server to stop
// serving a status it was asked to delete.
const DefaultDeleteWait = 10 * time.Second

// Delete deletes every part, the last first, so that a failure leaves the
// head of the thread rather than orphaned replies. A part already gone is
// not an error. Each deletion is confirmed by reading the status until
// the server answers 404: GoToSocial answers DELETE before it deletes, in
// the background, and was seen to lose such a deletion, so a status still
// served after half of DefaultDeleteWait is deleted once more, and one
// still served after it is an error: the post stays recorded as
// published, and the next run deletes it again.
func (m *Mastodon) Delete(ctx context.Context, r *platforms.Receipt) error {
	if r == nil {
		return errors.New("delete: no receipt")
	}
	api, err := m.client()
	if err != nil {
		return notCreated("delete: %v", err)
	}
	for _, id := range slices.Backward(r.IDs) {
		gone, err := m.deleteStatus(ctx, api, id)
		if err != nil {
			return err
		}
		if !gone {
			if err := m.confirmGone(ctx, api, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteStatus sends DELETE /api/v1/statuses/:id; gone is true when the
// server says the status is not there.
func (m *Mastodon) deleteStatus(ctx context.Context, api *httpx.Client, id string) (gone bool, err error) {
	_, err = api.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: "api/v1/statuses/" + url.PathEscape(id)})
	if isStatus(err, http.StatusNotFound) {
		return true, nil
	}
	if err != nil {
		return false, m.apiErr("delete status "+id, err)
	}
	return false, nil
}

// confirmGone reads status id until the server answers 404, backing off
// from a fifth of the poll interval to a second, deleting it once more
// halfway through the wait.
func (m *Mastodon) confirmGone(ctx context.Context, api *httpx.Client, id string) error {
	interval := max(m.pollEvery/5, time.Millisecond)
	resent := false
	for waited := time.Duration(0); ; {
		_, err := api.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/statuses/" + url.PathEscape(id)})
		switch {
		case isStatus(err, http.StatusNotFound):
			return nil
		case err != nil:
			return m.apiErr("confirm the deletion of status "+id, err)
		case waited >= m.deleteWait:
			return &platforms.APIError{Platform: Name, Code: "not-deleted", Outcome: platforms.NotCreated,
				Message: fmt.Sprintf("the server accepted the deletion of status %s but still serves it after %s; the next run deletes it again", id, m.deleteWait)}
		case waited >= m.deleteWait/2 && !resent:
			m.logger.Info("status still served after its deletion; deleting it again", "status_id", id, "waited", waited.String())
			resent = true
			if gone, err := m.deleteStatus(ctx, api, id); gone || err != nil {
				return err
			}
		}
		if err := httpx.Sleep(ctx, interval); err != nil {
			return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: "confirming the deletion of status " + id, Err: err}
		}
		waited += interval
		interval = min(interval*2, time.Second)
	}
}

// Metrics reads the first status's counts with GET /api/v1/statuses/:id:
// favourites, reblogs, replies (less the thread's own part 2), and quotes
// where the server reports them (4.5 and later). Mastodon has no
// impressions. Counts of remote interactions may lag behind federation.
func (m *Mastodon) Metrics(ctx context.Context, r *platforms.Receipt) (*platforms.Metrics, error) {
	if r == nil || len(r.IDs) == 0 {
		return nil, errors.New("metrics: the receipt names no status")
	}
	api, err := m.client()
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	id := r.IDs[0]
	var st status
	_, err = api.DoJSON(ctx, httpx.Request{Method: http.MethodGet, Path: "api/v1/statuses/" + url.PathEscape(id)}, &st)
	if isStatus(err, http.StatusNotFound) {
		return nil, fmt.Errorf("metrics of status %s: %w", id, platforms.ErrDeletedRemotely)
	}
	if err != nil {
		return nil, m.apiErr("metrics of status "+id, err)
	}
	// replies_count counts part 2, which herald posted as a reply to part
	// 1, when it is public or unlisted (Status#increment_counter_caches):
	// the thread's own reply is not engagement.
	replies := st.RepliesCount
	if len(r.IDs) > 1 && (st.Visibility == "public" || st.Visibility == "unlisted") {
		replies = max(replies-1, 0)
	}
	return &platforms.Metrics{Likes: &st.FavouritesCount, Reposts: &st.ReblogsCount, Replies: &replies, Quotes: st.QuotesCount}, nil
}

// isStatus reports whether err is an HTTP answer with status code.
func isStatus(err error, code int) bool {
	var se *httpx.StatusError
	return errors.As(err, &se) && se.Status == code
}
