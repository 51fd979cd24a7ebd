package bluesky

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// Limits of app.bsky.feed.post and app.bsky.embed.images that the fake
// enforces as the PDS does, with 400 InvalidRequest.
const (
	maxTextGraphemes = 300
	maxTextBytes     = 3000
)

// FakeOptions describes the account a Fake serves.
type FakeOptions struct {
	// Handle and DID are the account's; defaults herald.test and
	// did:plc:heraldtest0000000000000a.
	Handle string
	DID    string
	// Password is the app password createSession accepts; default
	// "fake-app-pass-word".
	Password string
	// Handles are the other accounts resolveHandle knows: handle -> DID.
	Handles map[string]string
	// Now is the fake's clock, for token expiry and rate-limit resets.
	// Default: a fixed time.
	Now func() time.Time
	// AccessTTL and RefreshTTL are the tokens' lifetimes; defaults are the
	// PDS's, 2 hours and 90 days.
	AccessTTL, RefreshTTL time.Duration
	// MaxImageBytes is the blob size an image embed may have; default
	// DefaultMaxImageBytes, the lexicon's.
	MaxImageBytes int64
	// BlobUploadLimit is the largest body uploadBlob takes; default
	// DefaultBlobUploadLimit, the reference PDS's.
	BlobUploadLimit int64
	// DailyVideos and DailyVideoBytes are the account's daily video
	// allowance on the video service; defaults 25 videos and 10 GB, the
	// figures Bluesky announced.
	DailyVideos, DailyVideoBytes int64
	// MaxVideoBytes is the largest video the video service takes; default
	// MaxVideoBytes, the embed lexicon's.
	MaxVideoBytes int64
	// VideoPolls is how many status reads a job stays processing before
	// it completes; default 1, and a negative number none.
	VideoPolls int
	// NoDIDDoc leaves the DID document out of sessions, as the reference
	// PDS does unless PDS_ENABLE_DID_DOC_WITH_SESSION is set.
	NoDIDDoc bool
}

// Counts are a post's engagement as the AppView reports it.
type Counts struct {
	Likes, Reposts, Replies, Quotes int64
}

// Fake is a contract fake of a Bluesky PDS and of the AppView's getPosts.
// The PDS lives at URL() (the account's base_url), the AppView at
// AppViewURL(). It issues JWT-shaped session tokens that expire on its
// clock and rotates refresh tokens on use, refuses a record key that is
// taken with the reference PDS's 500, and records posts in its Store with
// the at:// URI as ID, the record key as Key, and the record's fields
// (cid, facets, langs, embed, reply_root) in Fields.
type Fake struct {
	*platformtest.Fake

	r    platformtest.Reporter
	opts FakeOptions

	mu       sync.Mutex
	seq      int
	access   map[string]time.Time // access token -> expiry
	refresh  map[string]time.Time // live refresh token -> expiry
	blobs    map[string]fakeBlob
	counts   map[string]Counts
	sessions int
	refreshs int

	// The video service: service-auth tokens the PDS issued, jobs by ID,
	// the job of each video's bytes, what is left of the day's allowance,
	// and the modes tests set.
	serviceTokens map[string]serviceClaims
	jobs          map[string]*fakeJob
	jobOf         map[string]string // sha256 of a video -> job ID
	jobBlobs      map[string]bool   // blob CIDs jobs stored
	videosLeft    int64
	bytesLeft     int64
	videoUploads  int
	videoDenied   string
	failJobs      string
	stallJobs     bool
	throttle      []time.Duration
}

// serviceClaims are a service-auth token's claims.
type serviceClaims struct {
	Iss string `json:"iss"`
	Aud string `json:"aud"`
	Lxm string `json:"lxm,omitempty"`
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	Jti string `json:"jti"`
}

// fakeJob is one processing job of the video service.
type fakeJob struct {
	id, mime  string
	data      []byte
	polls     int
	fail      string
	stall     bool
	blob      map[string]any
	completed bool
}

type fakeBlob struct {
	mime string
	data []byte
}

// NewFake starts a Bluesky fake that lives until r ends.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Handle == "" {
		opts.Handle = "herald.test"
	}
	if opts.DID == "" {
		opts.DID = "did:plc:heraldtest0000000000000a"
	}
	if opts.Password == "" {
		opts.Password = "fake-app-pass-word"
	}
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	if opts.AccessTTL == 0 {
		opts.AccessTTL = 2 * time.Hour
	}
	if opts.RefreshTTL == 0 {
		opts.RefreshTTL = 90 * 24 * time.Hour
	}
	if opts.MaxImageBytes == 0 {
		opts.MaxImageBytes = DefaultMaxImageBytes
	}
	if opts.BlobUploadLimit == 0 {
		opts.BlobUploadLimit = DefaultBlobUploadLimit
	}
	if opts.DailyVideos == 0 {
		opts.DailyVideos = 25
	}
	if opts.DailyVideoBytes == 0 {
		opts.DailyVideoBytes = 10_000_000_000
	}
	if opts.MaxVideoBytes == 0 {
		opts.MaxVideoBytes = MaxVideoBytes
	}
	if opts.VideoPolls == 0 {
		opts.VideoPolls = 1
	}
	f := &Fake{r: r, opts: opts, access: map[string]time.Time{}, refresh: map[string]time.Time{},
		blobs: map[string]fakeBlob{}, counts: map[string]Counts{},
		serviceTokens: map[string]serviceClaims{}, jobs: map[string]*fakeJob{}, jobOf: map[string]string{}, jobBlobs: map[string]bool{},
		videosLeft: opts.DailyVideos, bytesLeft: opts.DailyVideoBytes}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name,
		BasePath: "/pds/",
		Now:      opts.Now,
		ErrorBody: func(status int, code, message string) any {
			name, msg := xrpcName(status, code), message
			if status == http.StatusInternalServerError {
				msg = "Internal Server Error" // the PDS never details a 500
			}
			return map[string]string{"error": name, "message": msg}
		},
		// The PDS sends its limits on every response (IETF draft headers).
		Headers: func(h http.Header) {
			h.Set("RateLimit-Limit", "5000")
			h.Set("RateLimit-Remaining", "4999")
			h.Set("RateLimit-Reset", strconv.FormatInt(opts.Now().Add(time.Hour).Unix(), 10))
			h.Set("RateLimit-Policy", "5000;w=3600")
		},
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("RateLimit-Limit", "5000")
			h.Set("RateLimit-Remaining", "0")
			h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			h.Set("RateLimit-Policy", "5000;w=3600")
		},
	})
	f.routes()
	f.videoRoutes()
	return f
}

// xrpcName maps the toolkit's error codes to XRPC error names.
func xrpcName(status int, code string) string {
	switch code {
	case "rate_limited":
		return "RateLimitExceeded"
	case "unauthorized":
		return "AuthenticationRequired"
	case "internal":
		return "InternalServerError"
	case "not_found":
		return "MethodNotImplemented"
	case "missing_field", "too_long", "bad_json", "bad_content_type", "bad_header", "bad_body":
		return "InvalidRequest"
	}
	if code != "" {
		return code
	}
	return http.StatusText(status)
}

// AppViewURL is the AppView's base URL on the fake: the appview_url
// setting.
func (f *Fake) AppViewURL() string { return f.URL() + "/appview" }

// AccountHandle is the account's handle.
func (f *Fake) AccountHandle() string { return f.opts.Handle }

// DID is the account's DID.
func (f *Fake) DID() string { return f.opts.DID }

// Sessions is how many sessions createSession made.
func (f *Fake) Sessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions
}

// Refreshes is how many times refreshSession rotated the tokens.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshs
}

// ExpireAccess makes every access token issued so far expired, as two
// hours passing would.
func (f *Fake) ExpireAccess() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok := range f.access {
		f.access[tok] = time.Time{}
	}
}

// ExpireRefresh makes every refresh token issued so far expired.
func (f *Fake) ExpireRefresh() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok := range f.refresh {
		f.refresh[tok] = time.Time{}
	}
}

// Engage sets the counts the AppView reports for the post at uri.
func (f *Fake) Engage(uri string, c Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[uri] = c
}

// Blobs is how many distinct blobs uploadBlob has stored.
func (f *Fake) Blobs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.blobs)
}

// Seed adds n posts the account made from the app, created at at, each
// with a text of its own and a TID-shaped key of the fake's, so that a
// test holds a busy account (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		f.mu.Lock()
		f.seq++
		rkey := fmt.Sprintf("3lapp%08d", f.seq)
		f.mu.Unlock()
		rec := map[string]any{"$type": postCollection, "text": "Posted from the app, " + rkey, "createdAt": at.UTC().Format(time.RFC3339Nano)}
		raw, _ := json.Marshal(rec)
		uri := f.uri(rkey)
		f.Store.Add(platformtest.Post{ID: uri, Text: rec["text"].(string), Key: rkey, URL: postURL(f.opts.Handle, rkey), CreatedAt: at,
			Fields: map[string]any{"cid": fakeCID("bafyrei", raw), "record": rec}})
	}
}

// Blob returns an uploaded blob's bytes and MIME type.
func (f *Fake) Blob(cid string) (data []byte, mime string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blobs[cid]
	return b.data, b.mime, ok
}

// token issues a JWT-shaped token for scope that expires after ttl. The
// signature is not real: only the fake reads it back.
func (f *Fake) token(scope string, ttl time.Duration) (string, time.Time) {
	f.seq++
	exp := f.opts.Now().Add(ttl)
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"at+jwt"}`))
	claims, _ := json.Marshal(map[string]any{"scope": scope, "sub": f.opts.DID, "exp": exp.Unix(), "jti": strconv.Itoa(f.seq)})
	sig := enc.EncodeToString(sha256.New().Sum([]byte(scope + strconv.Itoa(f.seq))))
	return header + "." + enc.EncodeToString(claims) + "." + sig, exp
}

// issue makes a new session's tokens and answers with them.
func (f *Fake) issue(c *platformtest.Call) {
	access, aexp := f.token("com.atproto.access", f.opts.AccessTTL)
	refresh, rexp := f.token("com.atproto.refresh", f.opts.RefreshTTL)
	f.access[access] = aexp
	f.refresh[refresh] = rexp
	out := map[string]any{"accessJwt": access, "refreshJwt": refresh, "handle": f.opts.Handle, "did": f.opts.DID, "active": true}
	if !f.opts.NoDIDDoc {
		out["didDoc"] = map[string]any{
			"@context": []string{"https://www.w3.org/ns/did/v1"}, "id": f.opts.DID,
			"alsoKnownAs": []string{"at://" + f.opts.Handle},
			"service":     []map[string]string{{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": f.PDSEndpoint()}},
		}
	}
	c.Reply(http.StatusOK, out)
}

// bearer reads the Authorization header; it answers AuthMissing itself.
func bearer(c *platformtest.Call) (string, bool) {
	tok, ok := strings.CutPrefix(c.R.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		c.Error(http.StatusUnauthorized, "AuthMissing", "Authentication Required")
		return "", false
	}
	return tok, true
}

// authorized checks the access token as the PDS's auth verifier does: an
// expired one is 400 ExpiredToken, an unknown one 400 InvalidToken.
func (f *Fake) authorized(c *platformtest.Call) bool {
	tok, ok := bearer(c)
	if !ok {
		return false
	}
	f.mu.Lock()
	exp, known := f.access[tok]
	now := f.opts.Now()
	f.mu.Unlock()
	switch {
	case !known:
		c.Error(http.StatusBadRequest, "InvalidToken", "Token could not be verified")
		return false
	case !now.Before(exp):
		c.Error(http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return false
	}
	return true
}

// ownRepo checks that repo names the session's account.
func (f *Fake) ownRepo(c *platformtest.Call, repo string) bool {
	if repo != f.opts.DID && !strings.EqualFold(repo, f.opts.Handle) {
		c.Error(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return false
	}
	return true
}

func (f *Fake) uri(rkey string) string {
	return "at://" + f.opts.DID + "/" + postCollection + "/" + rkey
}

// live returns the live post at uri.
func (f *Fake) live(uri string) (platformtest.Post, bool) {
	for _, p := range f.Store.Posts() {
		if p.ID == uri {
			return p, true
		}
	}
	return platformtest.Post{}, false
}

// fakeCID makes a CID-shaped content hash with the given prefix
// ("bafyrei" for records, "bafkrei" for raw blobs).
func fakeCID(prefix string, data []byte) string {
	sum := sha256.Sum256(data)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))[:52]
}

var rkeyRE = regexp.MustCompile(`^[a-zA-Z0-9_~.:-]{1,512}$`)

func (f *Fake) routes() {
	f.Handle("POST /xrpc/com.atproto.server.createSession", platformtest.Contract{
		ContentType: "application/json", Required: []string{"identifier", "password"},
	}, func(c *platformtest.Call) {
		id := c.String("identifier")
		if (id != f.opts.DID && !strings.EqualFold(strings.TrimPrefix(id, "@"), f.opts.Handle)) || c.String("password") != f.opts.Password {
			c.Error(http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.sessions++
		f.issue(c)
	})

	f.Handle("POST /xrpc/com.atproto.server.refreshSession", platformtest.Contract{}, func(c *platformtest.Call) {
		tok, ok := bearer(c)
		if !ok {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		exp, known := f.refresh[tok]
		switch {
		case !known:
			c.Error(http.StatusBadRequest, "InvalidToken", "Token could not be verified")
			return
		case !f.opts.Now().Before(exp):
			c.Error(http.StatusBadRequest, "ExpiredToken", "Token has expired")
			return
		}
		delete(f.refresh, tok) // rotated: the old refresh token is spent
		f.refreshs++
		f.issue(c)
	})

	f.Handle("GET /xrpc/com.atproto.identity.resolveHandle", platformtest.Contract{}, func(c *platformtest.Call) {
		h := strings.ToLower(c.R.URL.Query().Get("handle"))
		if h == "" {
			c.Error(http.StatusBadRequest, "InvalidRequest", "Error: Params must have the property \"handle\"")
			return
		}
		did := f.opts.Handles[h]
		if h == strings.ToLower(f.opts.Handle) {
			did = f.opts.DID
		}
		if did == "" {
			c.Error(http.StatusBadRequest, "InvalidRequest", "Unable to resolve handle")
			return
		}
		c.Reply(http.StatusOK, map[string]string{"did": did})
	})

	f.Handle("POST /xrpc/com.atproto.repo.uploadBlob", platformtest.Contract{}, func(c *platformtest.Call) {
		if !f.authorized(c) {
			return
		}
		mime := c.R.Header.Get("Content-Type")
		if mime == "" || len(c.Body) == 0 {
			c.Error(http.StatusBadRequest, "InvalidRequest", "request body and Content-Type are required")
			return
		}
		if int64(len(c.Body)) > f.opts.BlobUploadLimit {
			// xrpc-server's body limit (the PDS's blobUploadLimit).
			c.Error(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
			return
		}
		cid := fakeCID("bafkrei", c.Body)
		f.mu.Lock()
		f.blobs[cid] = fakeBlob{mime: mime, data: append([]byte(nil), c.Body...)}
		f.mu.Unlock()
		c.Reply(http.StatusOK, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid},
			"mimeType": mime, "size": len(c.Body)}})
	})

	f.Handle("POST /xrpc/com.atproto.repo.createRecord", platformtest.Contract{
		ContentType: "application/json", Required: []string{"repo", "collection", "record", "record.$type", "record.createdAt"},
		Create: true,
	}, f.createRecord)

	f.Handle("GET /xrpc/com.atproto.repo.getRecord", platformtest.Contract{}, func(c *platformtest.Call) {
		q := c.R.URL.Query()
		repo, coll, rkey := q.Get("repo"), q.Get("collection"), q.Get("rkey")
		if repo == "" || coll == "" || rkey == "" {
			c.Error(http.StatusBadRequest, "InvalidRequest", "Error: Params must have the properties \"repo\", \"collection\" and \"rkey\"")
			return
		}
		uri := "at://" + repo + "/" + coll + "/" + rkey
		p, ok := f.live(f.uri(rkey))
		if !ok || (repo != f.opts.DID && !strings.EqualFold(repo, f.opts.Handle)) || coll != postCollection {
			c.Error(http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
			return
		}
		c.Reply(http.StatusOK, map[string]any{"uri": p.ID, "cid": p.Fields["cid"], "value": p.Fields["record"]})
	})

	f.Handle("POST /xrpc/com.atproto.repo.deleteRecord", platformtest.Contract{
		ContentType: "application/json", Required: []string{"repo", "collection", "rkey"},
	}, func(c *platformtest.Call) {
		if !f.authorized(c) || !f.ownRepo(c, c.String("repo")) {
			return
		}
		if c.String("collection") != postCollection {
			c.Reply(http.StatusOK, map[string]any{})
			return
		}
		if !f.Store.Delete(f.uri(c.String("rkey"))) {
			c.Reply(http.StatusOK, map[string]any{}) // a record already gone is a no-op
			return
		}
		c.Reply(http.StatusOK, map[string]any{"commit": map[string]string{"cid": fakeCID("bafyrei", c.Body), "rev": c.String("rkey")}})
	})

	f.Handle("GET /appview/xrpc/app.bsky.feed.getPosts", platformtest.Contract{}, func(c *platformtest.Call) {
		uris := c.R.URL.Query()["uris"]
		if len(uris) == 0 || len(uris) > getPostsMax {
			c.Error(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("uris must hold 1 to %d items", getPostsMax))
			return
		}
		posts := []map[string]any{}
		for _, u := range uris {
			p, ok := f.live(u)
			if !ok {
				continue // the AppView leaves out posts it does not have
			}
			f.mu.Lock()
			n := f.counts[u]
			f.mu.Unlock()
			posts = append(posts, map[string]any{"uri": p.ID, "cid": p.Fields["cid"],
				"author": map[string]string{"did": f.opts.DID, "handle": f.opts.Handle}, "record": p.Fields["record"],
				"likeCount": n.Likes, "repostCount": n.Reposts, "replyCount": n.Replies, "quoteCount": n.Quotes,
				"indexedAt": p.CreatedAt.Format(time.RFC3339Nano)})
		}
		c.Reply(http.StatusOK, map[string]any{"posts": posts})
	})
}

// createRecord validates a post record as the PDS does (lexicon limits,
// blob references) and stores it under its record key.
func (f *Fake) createRecord(c *platformtest.Call) {
	if !f.authorized(c) || !f.ownRepo(c, c.String("repo")) {
		return
	}
	if c.String("collection") != postCollection {
		f.r.Errorf("bluesky fake: createRecord in collection %q", c.String("collection"))
		c.Error(http.StatusBadRequest, "InvalidRequest", "this fake holds posts only")
		return
	}
	rec, _ := c.JSON["record"].(map[string]any)
	rkey := c.String("rkey")
	if rkey == "" {
		f.mu.Lock()
		f.seq++
		rkey = fmt.Sprintf("3lfake%07d", f.seq)
		f.mu.Unlock()
	}
	if !rkeyRE.MatchString(rkey) || rkey == "." || rkey == ".." {
		c.Error(http.StatusBadRequest, "InvalidRequest", "record key syntax not valid (regex)")
		return
	}
	if msg := f.invalid(rec); msg != "" {
		c.Error(http.StatusBadRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: "+msg)
		return
	}
	uri := f.uri(rkey)
	if _, taken := f.live(uri); taken {
		// The reference PDS's repository tree throws "There is already a
		// value at key", which XRPC answers as a bare 500.
		c.Error(http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	media, msg := f.media(rec)
	if msg != "" {
		c.Error(http.StatusBadRequest, "InvalidRequest", msg)
		return
	}
	text, _ := rec["text"].(string)
	created, err := time.Parse(time.RFC3339Nano, c.String("record.createdAt"))
	if err != nil {
		c.Error(http.StatusBadRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/createdAt must be an valid atproto datetime")
		return
	}
	raw, _ := json.Marshal(rec)
	cid := fakeCID("bafyrei", raw)
	parent, root := c.String("record.reply.parent.uri"), c.String("record.reply.root.uri")
	for _, ref := range []string{"parent", "root"} {
		uri, want := c.String("record.reply."+ref+".uri"), c.String("record.reply."+ref+".cid")
		if uri == "" {
			continue
		}
		// The PDS does not check replies; a thread whose refs name no
		// record is broken in the app, so the fake holds adapters to it.
		if p, ok := f.live(uri); !ok || p.Fields["cid"] != want {
			f.r.Errorf("bluesky fake: reply.%s %s / %s names no record this account holds", ref, uri, want)
		}
	}
	f.Store.Add(platformtest.Post{ID: uri, Text: text, ReplyTo: parent, Media: media, Key: rkey,
		URL: postURL(f.opts.Handle, rkey), CreatedAt: created,
		Fields: map[string]any{"cid": cid, "record": rec, "facets": rec["facets"], "langs": rec["langs"],
			"embed": rec["embed"], "reply_root": root}})
	c.Reply(http.StatusOK, map[string]any{"uri": uri, "cid": cid,
		"commit": map[string]string{"cid": fakeCID("bafyrei", []byte(uri)), "rev": rkey}, "validationStatus": "valid"})
}

// invalid checks a post record against the lexicon's limits and returns
// the PDS's message for the first violation.
func (f *Fake) invalid(rec map[string]any) string {
	if rec["$type"] != postCollection {
		return fmt.Sprintf("Invalid $type: expected %s, got %v", postCollection, rec["$type"])
	}
	text, ok := rec["text"].(string)
	if !ok {
		return `Record must have the property "text"`
	}
	if n := uniseg.GraphemeClusterCount(text); n > maxTextGraphemes {
		return fmt.Sprintf("Record/text must not be longer than %d graphemes", maxTextGraphemes)
	}
	if len(text) > maxTextBytes {
		return fmt.Sprintf("Record/text must not be longer than %d characters", maxTextBytes)
	}
	if langs, _ := rec["langs"].([]any); len(langs) > maxLangs {
		return fmt.Sprintf("Record/langs must not have more than %d elements", maxLangs)
	}
	facets, _ := rec["facets"].([]any)
	for i, x := range facets {
		fc, _ := x.(map[string]any)
		idx, _ := fc["index"].(map[string]any)
		start, ok1 := idx["byteStart"].(float64)
		end, ok2 := idx["byteEnd"].(float64)
		if !ok1 || !ok2 || start < 0 || end < 0 {
			return fmt.Sprintf("Record/facets/%d/index must have byteStart and byteEnd of at least 0", i)
		}
		feats, _ := fc["features"].([]any)
		if len(feats) == 0 {
			return fmt.Sprintf(`Record/facets/%d must have the property "features"`, i)
		}
		for _, y := range feats {
			ft, _ := y.(map[string]any)
			switch ft["$type"] {
			case "app.bsky.richtext.facet#link":
				if s, _ := ft["uri"].(string); !strings.Contains(s, ":") {
					return fmt.Sprintf("Record/facets/%d/features/0/uri must be a uri", i)
				}
			case "app.bsky.richtext.facet#mention":
				if s, _ := ft["did"].(string); !strings.HasPrefix(s, "did:") {
					return fmt.Sprintf("Record/facets/%d/features/0/did must be a did", i)
				}
			case "app.bsky.richtext.facet#tag":
				s, _ := ft["tag"].(string)
				if s == "" || len(s) > 640 || uniseg.GraphemeClusterCount(s) > 64 {
					return fmt.Sprintf("Record/facets/%d/features/0/tag must be 1 to 64 graphemes", i)
				}
			default:
				return fmt.Sprintf("Record/facets/%d/features/0 has an unknown $type %v", i, ft["$type"])
			}
		}
	}
	return ""
}

// media checks the record's embed and returns its images as the Store
// keeps them; the message is the PDS's for a bad embed.
func (f *Fake) media(rec map[string]any) ([]platformtest.MediaItem, string) {
	embed, _ := rec["embed"].(map[string]any)
	switch embed["$type"] {
	case nil:
		if rec["embed"] != nil {
			return nil, "Invalid app.bsky.feed.post record: Record/embed must have a $type"
		}
		return nil, ""
	case "app.bsky.embed.external":
		ext, _ := embed["external"].(map[string]any)
		for _, k := range []string{"uri", "title", "description"} {
			if _, ok := ext[k].(string); !ok {
				return nil, fmt.Sprintf(`Invalid app.bsky.feed.post record: Record/embed/external must have the property "%s"`, k)
			}
		}
		return nil, ""
	case "app.bsky.embed.video":
		return f.videoMedia(embed)
	case "app.bsky.embed.images":
	default:
		return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: this fake does not take embeds of type %v", embed["$type"])
	}
	images, _ := embed["images"].([]any)
	if len(images) > MaxImages {
		return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: Record/embed/images must not have more than %d elements", MaxImages)
	}
	var out []platformtest.MediaItem
	for i, x := range images {
		img, _ := x.(map[string]any)
		alt, ok := img["alt"].(string)
		if !ok {
			return nil, fmt.Sprintf(`Invalid app.bsky.feed.post record: Record/embed/images/%d must have the property "alt"`, i)
		}
		blob, _ := img["image"].(map[string]any)
		ref, _ := blob["ref"].(map[string]any)
		cid, _ := ref["$link"].(string)
		f.mu.Lock()
		b, ok := f.blobs[cid]
		f.mu.Unlock()
		if !ok {
			return nil, fmt.Sprintf("Could not find blob: %s", cid)
		}
		if int64(len(b.data)) > f.opts.MaxImageBytes {
			// The PDS validates records with @atproto/lex in strict mode:
			// blob.ts issueTooBig, worded by validation-issue.ts.
			return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: blob too big (maximum %d, got %d) at $.record.embed.images[%d].image",
				f.opts.MaxImageBytes, len(b.data), i)
		}
		if ar, ok := img["aspectRatio"].(map[string]any); ok {
			if w, _ := ar["width"].(float64); w < 1 {
				return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: Record/embed/images/%d/aspectRatio/width must be at least 1", i)
			}
			if h, _ := ar["height"].(float64); h < 1 {
				return nil, fmt.Sprintf("Invalid app.bsky.feed.post record: Record/embed/images/%d/aspectRatio/height must be at least 1", i)
			}
		}
		out = append(out, platformtest.MediaItem{ID: cid, Type: b.mime, Alt: alt, Data: b.data})
	}
	return out, ""
}
