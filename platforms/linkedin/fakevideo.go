package linkedin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// This file is the fake's Videos API: POST /rest/videos?action=
// initializeUpload and ?action=finalizeUpload, the PUT of each part to
// its signed upload URL, and GET /rest/videos/{urn}.

// maxInitVideoBytes is the largest fileSizeBytes initializeUpload takes
// (the schema's "Maximum allowed Videos size is 5GB"); a post takes at
// most MaxVideoBytes, which processing enforces.
const maxInitVideoBytes = 5 << 30

// fakeVideo is one video upload the fake knows.
type fakeVideo struct {
	id, owner, token string
	size             int64
	parts            []fakePart
	finalized        bool
	polls            int    // status reads left as PROCESSING
	failed           string // processingFailureReason, once processing failed
}

type fakePart struct {
	first, last int64
	data        []byte
	etag        string
	puts        int // PUTs that reached the part, failed ones included
}

// videoForbidden is LinkedIn's answer to an upload or read of a video the
// token may not touch (Videos API, Permissions).
var videoForbidden = map[string]any{"message": "Accessing this video resource is forbidden. Please check your permissions for this resource", "status": 403}

// registerVideos adds the Videos API's routes to f.
func (f *Fake) registerVideos(versioned map[string]string) {
	f.Handle("POST /videos", platformtest.Contract{Header: versioned, ContentType: "application/json"}, f.authed(f.videoAction))
	f.Handle("GET /videos/{urn}", platformtest.Contract{Header: versioned}, f.authed(f.keyed(f.videoStatus)))
	// The upload URL is signed: it needs no token and no version header.
	f.Handle("PUT /dms-uploads/video/{id}/{part}", platformtest.Contract{}, f.videoPart)
}

// FailVideoPart makes the next times PUTs of part (from 0) of any video
// answer status; a 429 carries Retry-After: 2.
func (f *Fake) FailVideoPart(part, status, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range times {
		f.partFaults = append(f.partFaults, [2]int{part, status})
	}
}

// FailVideoProcessing makes the next video finalized fail processing
// with reason as its processingFailureReason.
func (f *Fake) FailVideoProcessing(reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.videoFailure = reason
}

// SetVideoPolls sets how many status reads a finalized video stays
// PROCESSING for (FakeOptions.VideoPolls).
func (f *Fake) SetVideoPolls(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.VideoPolls = n
}

// VideoPartPuts returns, for each video in the order they were
// initialized, how many PUTs reached each of its parts.
func (f *Fake) VideoPartPuts() [][]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]int
	for _, v := range f.videoOrder {
		var puts []int
		for _, p := range f.videos[v].parts {
			puts = append(puts, p.puts)
		}
		out = append(out, puts)
	}
	return out
}

// VideoStatus returns the status GET /rest/videos/{urn} would answer,
// without counting as a read; "" for an unknown video.
func (f *Fake) VideoStatus(urn string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.videos[urn]
	if !ok {
		return ""
	}
	return v.status()
}

// PartsWithToken counts part PUTs that carried an Authorization header:
// the upload URL is signed, so a token sent there goes where it is not
// needed.
func (f *Fake) PartsWithToken() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.partTokens
}

func (v *fakeVideo) status() string {
	switch {
	case !v.finalized:
		return "WAITING_UPLOAD"
	case v.failed != "":
		return "PROCESSING_FAILED"
	case v.polls > 0:
		return "PROCESSING"
	}
	return "AVAILABLE"
}

func (v *fakeVideo) bytes() []byte {
	var b bytes.Buffer
	for _, p := range v.parts {
		b.Write(p.data)
	}
	return b.Bytes()
}

// videoAction is POST /rest/videos?action=initializeUpload|finalizeUpload.
func (f *Fake) videoAction(c *platformtest.Call) {
	switch c.R.URL.Query().Get("action") {
	case "initializeUpload":
		f.initializeVideo(c)
	case "finalizeUpload":
		f.finalizeVideo(c)
	default:
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Unknown action "+c.R.URL.Query().Get("action")))
	}
}

// initializeVideo registers an upload and hands out one instruction per
// part: VideoPartSize bytes each, the last shorter.
func (f *Fake) initializeVideo(c *platformtest.Call) {
	req, _ := c.JSON["initializeUploadRequest"].(map[string]any)
	if req == nil {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "ERROR :: /initializeUploadRequest :: field is required but not found and has no default value"))
		return
	}
	owner := str(req["owner"])
	if owner != f.opts.Author {
		c.Reply(http.StatusForbidden, videoForbidden)
		return
	}
	n, ok := req["fileSizeBytes"].(float64)
	if !ok || n != float64(int64(n)) || n <= 0 || n > maxInitVideoBytes {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, fmt.Sprintf("ERROR :: /initializeUploadRequest/fileSizeBytes :: must be a whole number of bytes from 1 to %d (5GB)", int64(maxInitVideoBytes))))
		return
	}
	for _, k := range []string{"uploadCaptions", "uploadThumbnail"} {
		if v, ok := req[k]; ok {
			if _, isBool := v.(bool); !isBool {
				c.Reply(http.StatusBadRequest, errorBody(400, 0, "ERROR :: /initializeUploadRequest/"+k+" :: not a boolean"))
				return
			}
		}
	}
	size := int64(n)
	id := f.Store.NextID()
	urn := "urn:li:video:C5F10AQ" + id
	v := &fakeVideo{id: id, owner: owner, size: size, token: "ut-" + id}
	partSize := f.opts.VideoPartSize
	var instructions []map[string]any
	for first := int64(0); first < size; first += partSize {
		last := min(first+partSize, size) - 1
		v.parts = append(v.parts, fakePart{first: first, last: last})
		instructions = append(instructions, map[string]any{"firstByte": first, "lastByte": last,
			"uploadUrl": fmt.Sprintf("%s/dms-uploads/video/%s/%d?ca=vector_feedshare&cn=uploads&m=AQJvid%ssig&app=1&sync=0&v=beta&ut=%s",
				f.URL(), id, len(v.parts)-1, id, v.token)})
	}
	value := map[string]any{"uploadUrlsExpireAt": f.opts.Now().Add(24 * time.Hour).UnixMilli(), "video": urn,
		"uploadInstructions": instructions, "uploadToken": v.token}
	if b, _ := req["uploadCaptions"].(bool); b {
		value["captionsUploadUrl"] = f.URL() + "/dms-uploads/captions/" + id
	}
	if b, _ := req["uploadThumbnail"].(bool); b {
		value["thumbnailUploadUrl"] = f.URL() + "/dms-uploads/thumbnail/" + id
	}
	f.mu.Lock()
	f.videos[urn] = v
	f.videoOrder = append(f.videoOrder, urn)
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]any{"value": value})
}

// videoPart is the PUT of one part to its signed upload URL: the bytes
// must be exactly the part's range; the answer carries the part's ETag.
func (f *Fake) videoPart(c *platformtest.Call) {
	id := c.R.PathValue("id")
	idx, err := strconv.Atoi(c.R.PathValue("part"))
	if !strings.Contains(c.R.URL.RawQuery, "m=AQJvid"+id+"sig") || err != nil {
		c.Reply(http.StatusForbidden, nil)
		return
	}
	urn := "urn:li:video:C5F10AQ" + id
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.R.Header.Get("Authorization") != "" {
		f.partTokens++
	}
	v, ok := f.videos[urn]
	if !ok || idx < 0 || idx >= len(v.parts) {
		c.Reply(http.StatusNotFound, nil)
		return
	}
	p := &v.parts[idx]
	p.puts++
	for i, fault := range f.partFaults {
		if fault[0] == idx {
			f.partFaults = slices.Delete(f.partFaults, i, i+1)
			if fault[1] == http.StatusTooManyRequests {
				c.Header().Set("Retry-After", "2")
			}
			c.Reply(fault[1], nil)
			return
		}
	}
	if v.finalized {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "the upload of "+urn+" is finalized"))
		return
	}
	if want := p.last - p.first + 1; int64(len(c.Body)) != want {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, fmt.Sprintf("part %d is bytes %d-%d (%d bytes); the request carried %d", idx, p.first, p.last, want, len(c.Body))))
		return
	}
	sum := sha256.Sum256(c.Body)
	p.data = slices.Clone(c.Body)
	p.etag = "/ambry-video/signedId/" + id + "-" + strconv.Itoa(idx) + "-" + hex.EncodeToString(sum[:6])
	c.Header().Set("ETag", p.etag)
	c.Reply(http.StatusOK, nil)
}

// finalizeVideo is finalizeUpload: the video and uploadToken of an upload,
// and uploadedPartIds, the ETag of every part in order.
func (f *Fake) finalizeVideo(c *platformtest.Call) {
	req, _ := c.JSON["finalizeUploadRequest"].(map[string]any)
	if req == nil {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "ERROR :: /finalizeUploadRequest :: field is required but not found and has no default value"))
		return
	}
	urn := str(req["video"])
	var ids []string
	raw, isList := req["uploadedPartIds"].([]any)
	for _, x := range raw {
		ids = append(ids, str(x))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.videos[urn]
	switch {
	case !ok:
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found: "+urn))
		return
	case v.owner != f.opts.Author:
		c.Reply(http.StatusForbidden, videoForbidden)
		return
	case str(req["uploadToken"]) != v.token:
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "Invalid uploadToken for "+urn))
		return
	case v.finalized:
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "The upload of "+urn+" is already finalized"))
		return
	case !isList:
		c.Reply(http.StatusBadRequest, errorBody(400, 0, "ERROR :: /finalizeUploadRequest/uploadedPartIds :: field is required but not found and has no default value"))
		return
	}
	want := make([]string, len(v.parts))
	for i, p := range v.parts {
		if p.etag == "" {
			c.Reply(http.StatusBadRequest, errorBody(400, 0, fmt.Sprintf("Part %d of %s was never uploaded", i, urn)))
			return
		}
		want[i] = p.etag
	}
	if !slices.Equal(ids, want) {
		c.Reply(http.StatusBadRequest, errorBody(400, 0, fmt.Sprintf("uploadedPartIds must be the ETags of the %d uploaded parts, in order; got %d that do not match", len(want), len(ids))))
		return
	}
	v.finalized = true
	v.polls = max(f.opts.VideoPolls, 0)
	if f.videoFailure != "" {
		v.failed, f.videoFailure = f.videoFailure, ""
	} else if v.size > MaxVideoBytes {
		v.failed = "FILE_SIZE_TOO_LARGE"
	}
	c.Reply(http.StatusOK, nil)
}

// videoStatus is GET /rest/videos/{urn}: WAITING_UPLOAD until finalized,
// then PROCESSING for VideoPolls reads, then AVAILABLE (or
// PROCESSING_FAILED with a processingFailureReason).
func (f *Fake) videoStatus(c *platformtest.Call) {
	urn := c.R.PathValue("urn")
	f.mu.Lock()
	v, ok := f.videos[urn]
	var out map[string]any
	if ok && v.owner == f.opts.Author {
		status := v.status()
		if status == "PROCESSING" {
			v.polls--
		}
		out = map[string]any{"id": urn, "owner": v.owner, "status": status}
		if v.failed != "" {
			out["processingFailureReason"] = v.failed
		}
	}
	f.mu.Unlock()
	switch {
	case !ok:
		c.Reply(http.StatusNotFound, errorBody(404, 0, "Not Found: "+urn))
	case out == nil:
		c.Reply(http.StatusForbidden, videoForbidden)
	default:
		c.Reply(http.StatusOK, out)
	}
}

// availableVideo returns the bytes of the video urn when a post may carry
// it: uploaded, finalized, processed and owned by the author.
func (f *Fake) availableVideo(urn string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.videos[urn]
	if !ok || v.owner != f.opts.Author || v.status() != "AVAILABLE" {
		return nil, false
	}
	return v.bytes(), true
}
