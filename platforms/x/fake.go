package x

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/platformtest"
	"github.com/heraldhq/herald/platforms/render"
)

// FakeOptions configure a Fake: the account it serves and the credentials
// it accepts. Zero values get the defaults named on each field.
type FakeOptions struct {
	// Now is the fake's clock, for token expiry and the edit window.
	// Default: a fixed time.
	Now func() time.Time
	// UserID and Username are the account's (default "2244994945",
	// "herald_test").
	UserID   string
	Username string
	// ClientID is the OAuth 2.0 client (default "herald-client");
	// ClientSecret, when set, makes it a confidential client that must
	// authenticate the token request with HTTP Basic.
	ClientID     string
	ClientSecret string
	// AccessToken and RefreshToken are the live OAuth 2.0 pair (defaults
	// "x-access-0", "x-refresh-0"); the access token lives TokenTTL
	// (default 2h) from the fake's Now at start.
	AccessToken  string
	RefreshToken string
	TokenTTL     time.Duration
	// OAuth1, when set, is the OAuth 1.0a credential set the fake
	// verifies signatures against.
	OAuth1 *OAuth1
	// ProcessingPolls is how many status checks an uploaded image stays
	// in_progress for (default 0: ready at once, as images usually are).
	// A video always needs at least one.
	ProcessingPolls int
	// FailAppends makes the first that many APPENDs answer 503 and keep
	// nothing, as a dropped connection would.
	FailAppends int
	// ExpireUploadAfter makes X forget the first chunked upload after it
	// has accepted that many segments, as it forgets an expired one: its
	// next APPEND answers 404.
	ExpireUploadAfter int
	// FailVideoProcessing makes every video's processing end failed
	// (InvalidMedia), as X answers for a file it cannot transcode.
	FailVideoProcessing bool
	// DeclineDeletes makes DELETE /2/tweets/:id answer
	// {"data":{"deleted":false}} and keep the post.
	DeclineDeletes bool
	// UserDayLimit and AppDayLimit are the 24-hour limits of POST
	// /2/tweets, reported in x-user-limit-24hour-* and
	// x-app-limit-24hour-* (defaults 2400, X's daily post limit, and
	// 10000, the app's per the rate-limit table). A create past either is
	// a 429; the window starts at the first create.
	UserDayLimit int
	AppDayLimit  int
	// NoPremium makes every edit a 403, as X answers for an account
	// without X Premium.
	NoPremium bool
}

// Fake is a contract fake of X's API v2 for the endpoints herald uses:
// POST /2/tweets (create, reply, edit), DELETE /2/tweets/:id, GET
// /2/tweets?ids=, GET /2/users/me, GET /2/users/:id/tweets, POST
// /2/media/upload (simple form), the chunked upload (initialize, append,
// finalize) with its status check, POST /2/media/metadata and POST
// /2/oauth2/token. Chunked uploads keep X's contract: media_category by
// type, total_bytes within the type's limit, segments of at most 5 MiB
// with segment_index 0 to 999 in sequence (a segment sent again replaces
// itself), FINALIZE only once every byte came, and a video processed
// (pending, in_progress, succeeded or failed) before a post may use it,
// alone, without alt text. It checks OAuth 2.0 bearer
// tokens (with expiry and refresh-token rotation) or OAuth 1.0a
// signatures, counts text with render.CountX against 280, refuses
// duplicates with 403, enforces 4 images, 1000 characters of alt text and
// the edit window, and answers in X's own error shapes. It imports no
// testing package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	r    platformtest.Reporter
	opts FakeOptions

	mu       sync.Mutex
	access   map[string]time.Time // live access tokens and their expiry
	refresh  string               // the one refresh token X still accepts
	issued   int
	media    map[string]*fakeMedia
	refreshN int
	creates  int       // POST /2/tweets accepted in the 24-hour window
	dayStart time.Time // when that window began
	appends  int       // APPENDs received, for FailAppends
	expired  bool      // ExpireUploadAfter has been applied
	// Uploads counts the chunked uploads initialized, so that tests can
	// tell a restart from a resume.
	uploads int
}

// Uploads returns how many chunked uploads were initialized.
func (f *Fake) Uploads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads
}

type fakeMedia struct {
	typ   string
	data  []byte
	alt   string
	polls int
	// chunked uploads: the declared size and category, whether FINALIZE
	// came, the next segment_index expected and the last segment's size.
	total     int
	category  string
	finalized bool
	next      int
	lastLen   int
	failed    bool // processing ended failed
}

// video reports whether the media is a video.
func (m *fakeMedia) video() bool { return strings.HasPrefix(m.typ, "video/") }

// fakeUploadTypes are the media_type values of the simple upload
// (MediaUploadRequestOneShot); fakeChunkedTypes those of initialize
// (MediaUploadConfigRequest), images and video only.
var (
	fakeUploadTypes  = []string{"image/jpeg", "image/bmp", "image/png", "image/webp", "image/pjpeg", "image/tiff"}
	fakeChunkedTypes = []string{"image/jpeg", "image/gif", "image/bmp", "image/png", "image/webp", "image/pjpeg", "image/tiff",
		"video/mp4", "video/webm", "video/mp2t", "video/quicktime"}
)

// fakeScope is the scope the fake grants.
const fakeScope = "tweet.read tweet.write users.read media.write offline.access"

// NewFake starts an X fake that lives until r's cleanup. Its URL() is what
// the adapter's BaseURL is set to; it ends in /2, as X's does.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.UserID = cmp.Or(opts.UserID, "2244994945")
	opts.Username = cmp.Or(opts.Username, "herald_test")
	opts.ClientID = cmp.Or(opts.ClientID, "herald-client")
	opts.AccessToken = cmp.Or(opts.AccessToken, "x-access-0")
	opts.RefreshToken = cmp.Or(opts.RefreshToken, "x-refresh-0")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 2 * time.Hour
	}
	if opts.UserDayLimit == 0 {
		opts.UserDayLimit = 2400
	}
	if opts.AppDayLimit == 0 {
		opts.AppDayLimit = 10000
	}
	f := &Fake{r: r, opts: opts, media: map[string]*fakeMedia{},
		access: map[string]time.Time{opts.AccessToken: opts.Now().Add(opts.TokenTTL)}, refresh: opts.RefreshToken}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: "x", BasePath: "/2/", Now: opts.Now,
		ErrorBody: xErrorBody,
		// X sends its limits on every response: 100 posts per 15 minutes
		// here, with one used.
		Headers: func(h http.Header) {
			h.Set("x-rate-limit-limit", "100")
			h.Set("x-rate-limit-remaining", "99")
			h.Set("x-rate-limit-reset", strconv.FormatInt(opts.Now().Add(15*time.Minute).Unix(), 10))
		},
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("x-rate-limit-limit", "100")
			h.Set("x-rate-limit-remaining", "0")
			h.Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
		},
	})
	jsonBody := "application/json"
	f.Handle("POST /oauth2/token", platformtest.Contract{ContentType: "application/x-www-form-urlencoded"}, f.token)
	f.Handle("POST /tweets", platformtest.Contract{ContentType: jsonBody, Create: true}, f.authed(f.createTweet))
	f.Handle("DELETE /tweets/{id}", platformtest.Contract{}, f.authed(f.deleteTweet))
	f.Handle("GET /tweets", platformtest.Contract{}, f.authed(f.lookupTweets))
	f.Handle("GET /users/me", platformtest.Contract{}, f.authed(f.usersMe))
	f.Handle("GET /users/{id}/tweets", platformtest.Contract{}, f.authed(f.timeline))
	f.Handle("POST /media/upload", platformtest.Contract{ContentType: jsonBody, Required: []string{"media", "media_category"}}, f.authed(f.upload))
	f.Handle("GET /media/upload", platformtest.Contract{}, f.authed(f.uploadStatus))
	f.Handle("POST /media/upload/initialize", platformtest.Contract{ContentType: jsonBody, Required: []string{"media_type", "total_bytes"}}, f.authed(f.initialize))
	f.Handle("POST /media/upload/{id}/append", platformtest.Contract{ContentType: "multipart/form-data"}, f.authed(f.appendChunk))
	f.Handle("POST /media/upload/{id}/finalize", platformtest.Contract{}, f.authed(f.finalize))
	f.Handle("POST /media/metadata", platformtest.Contract{ContentType: jsonBody, Required: []string{"id", "metadata.alt_text.text"}}, f.authed(f.metadata))
	return f
}

// xErrorBody is X's v2 problem body for a status.
func xErrorBody(status int, code, message string) any {
	switch status {
	case http.StatusUnauthorized:
		return problemBody(status, "Unauthorized", "Unauthorized", "about:blank")
	case http.StatusTooManyRequests:
		return problemBody(status, "Too Many Requests", "Too Many Requests", "about:blank")
	case http.StatusInternalServerError:
		return problemBody(status, "Internal Server Error", message, "about:blank")
	case http.StatusNotFound:
		return problemBody(status, "Not Found Error", message, "https://api.x.com/2/problems/resource-not-found")
	}
	return invalidRequest(code + ": " + message)
}

func problemBody(status int, title, detail, typ string) map[string]any {
	return map[string]any{"title": title, "detail": detail, "type": typ, "status": status}
}

// invalidRequest is X's 400 body for a request it will not serve.
func invalidRequest(detail string) map[string]any {
	return map[string]any{
		"errors": []map[string]any{{"message": detail}},
		"title":  "Invalid Request", "detail": "One or more parameters to your request was invalid: " + detail,
		"type": "https://api.x.com/2/problems/invalid-request",
	}
}

func forbidden(detail string) map[string]any {
	return problemBody(http.StatusForbidden, "Forbidden", detail, "about:blank")
}

// AccessToken returns the newest access token the fake issued.
func (f *Fake) AccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.AccessToken
	}
	return "x-access-" + strconv.Itoa(f.issued)
}

// RefreshToken returns the one refresh token the fake still accepts.
func (f *Fake) RefreshToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refresh
}

// Refreshes counts successful refreshes.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshN
}

// ExpireAccessTokens makes every access token issued so far lapse, as
// two hours passing would.
func (f *Fake) ExpireAccessTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.access {
		f.access[k] = time.Time{}
	}
}

// RevokeRefreshToken makes the refresh token unusable, as a user who
// disconnects the app does.
func (f *Fake) RevokeRefreshToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh = ""
}

func (f *Fake) newID() string {
	n, _ := strconv.Atoi(f.Store.NextID())
	return strconv.FormatInt(1900000000000000000+int64(n), 10)
}

// authed wraps a handler with X's authentication: a live bearer token, or
// a valid OAuth 1.0a signature.
func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		auth := c.R.Header.Get("Authorization")
		switch {
		case strings.HasPrefix(auth, "Bearer "):
			f.mu.Lock()
			exp, ok := f.access[strings.TrimPrefix(auth, "Bearer ")]
			f.mu.Unlock()
			if !ok || !f.opts.Now().Before(exp) {
				c.Reply(http.StatusUnauthorized, xErrorBody(http.StatusUnauthorized, "", ""))
				return
			}
		case strings.HasPrefix(auth, "OAuth "):
			if !f.verifyOAuth1(c, auth) {
				c.Reply(http.StatusUnauthorized, xErrorBody(http.StatusUnauthorized, "", ""))
				return
			}
		default:
			f.r.Errorf("x fake: contract violation: %s %s: no Bearer or OAuth Authorization header", c.R.Method, c.R.URL.Path)
			c.Reply(http.StatusUnauthorized, xErrorBody(http.StatusUnauthorized, "", ""))
			return
		}
		h(c)
	}
}

// verifyOAuth1 recomputes the request's RFC 5849 signature.
func (f *Fake) verifyOAuth1(c *platformtest.Call, auth string) bool {
	o := f.opts.OAuth1
	params, ok := parseOAuthHeader(auth)
	if o == nil || !ok || params.Get("oauth_signature_method") != "HMAC-SHA1" ||
		params.Get("oauth_consumer_key") != o.ConsumerKey || params.Get("oauth_token") != o.Token {
		return false
	}
	got := params.Get("oauth_signature")
	all := url.Values{}
	for k, vs := range params {
		all[k] = vs
	}
	for k, vs := range c.R.URL.Query() {
		all[k] = append(all[k], vs...)
	}
	if mt, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		form, _ := url.ParseQuery(string(c.Body))
		for k, vs := range form {
			all[k] = append(all[k], vs...)
		}
	}
	u := &url.URL{Scheme: "http", Host: c.R.Host, Path: c.R.URL.Path}
	return got == signature(c.R.Method, baseURI(u), all, o.ConsumerSecret, o.TokenSecret)
}

// token is POST /2/oauth2/token with grant_type=refresh_token. It
// rotates: the refresh token is spent and a new pair issued.
func (f *Fake) token(c *platformtest.Call) {
	form, _ := url.ParseQuery(string(c.Body))
	if form.Get("grant_type") != "refresh_token" {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "grant_type not supported"})
		return
	}
	if f.opts.ClientSecret != "" {
		id, secret, ok := c.R.BasicAuth()
		if !ok || id != f.opts.ClientID || secret != f.opts.ClientSecret {
			c.Reply(http.StatusUnauthorized, map[string]string{"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
			return
		}
	} else if form.Get("client_id") != f.opts.ClientID {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Missing required parameter [client_id]."})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refresh == "" || form.Get("refresh_token") != f.refresh {
		c.Reply(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
		return
	}
	f.issued++
	f.refreshN++
	access := "x-access-" + strconv.Itoa(f.issued)
	f.refresh = "x-refresh-" + strconv.Itoa(f.issued)
	f.access[access] = f.opts.Now().Add(f.opts.TokenTTL)
	c.Reply(http.StatusOK, map[string]any{"token_type": "bearer", "expires_in": int(f.opts.TokenTTL / time.Second),
		"access_token": access, "scope": fakeScope, "refresh_token": f.refresh})
}

func (f *Fake) live(id string) (platformtest.Post, bool) {
	p, ok := f.Store.Get(id)
	return p, ok && !p.Deleted
}

// createTweet is POST /2/tweets: a post, a reply, or an edit.
// dayLimits counts a create against the 24-hour windows and sets their
// headers; it answers 429 and returns false when one is used up.
func (f *Fake) dayLimits(c *platformtest.Call) bool {
	now := f.opts.Now()
	f.mu.Lock()
	if f.dayStart.IsZero() || !now.Before(f.dayStart.Add(24*time.Hour)) {
		f.dayStart, f.creates = now, 0
	}
	used, reset := f.creates, f.dayStart.Add(24*time.Hour)
	full := used >= f.opts.UserDayLimit || used >= f.opts.AppDayLimit
	if !full {
		f.creates++
		used++
	}
	f.mu.Unlock()
	h := c.Header()
	for _, w := range []struct {
		prefix string
		limit  int
	}{{"x-user-limit-24hour-", f.opts.UserDayLimit}, {"x-app-limit-24hour-", f.opts.AppDayLimit}} {
		h.Set(w.prefix+"limit", strconv.Itoa(w.limit))
		h.Set(w.prefix+"remaining", strconv.Itoa(max(w.limit-used, 0)))
		h.Set(w.prefix+"reset", strconv.FormatInt(reset.Unix(), 10))
	}
	if full {
		c.Reply(http.StatusTooManyRequests, problemBody(http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests", "about:blank"))
		return false
	}
	return true
}

func (f *Fake) createTweet(c *platformtest.Call) {
	text := c.String("text")
	mediaIDs := c.Strings("media.media_ids")
	if text == "" && len(mediaIDs) == 0 {
		c.Reply(http.StatusBadRequest, invalidRequest("text or media is required"))
		return
	}
	if n := render.CountX(text); n > 280 {
		c.Reply(http.StatusBadRequest, invalidRequest("Tweet text is too long."))
		return
	}
	if len(mediaIDs) > MaxImages {
		c.Reply(http.StatusBadRequest, invalidRequest(fmt.Sprintf("$.media.media_ids: array size %d is greater than maximum 4", len(mediaIDs))))
		return
	}
	rs := c.String("reply_settings")
	if rs != "" && !slices.Contains(replySettings, rs) {
		c.Reply(http.StatusBadRequest, invalidRequest("$.reply_settings: does not have a value in the enumeration [following, mentionedUsers, subscribers, verified]"))
		return
	}
	var media []platformtest.MediaItem
	f.mu.Lock()
	for _, id := range mediaIDs {
		m, ok := f.media[id]
		if !ok || m.polls > 0 || m.failed || m.total > 0 && !m.finalized || m.video() && len(mediaIDs) > 1 {
			f.mu.Unlock()
			c.Reply(http.StatusBadRequest, invalidRequest("Your media IDs are invalid."))
			return
		}
		media = append(media, platformtest.MediaItem{ID: id, Type: m.typ, Alt: m.alt, Data: slices.Clone(m.data)})
	}
	f.mu.Unlock()

	now := f.opts.Now()
	post := platformtest.Post{Text: text, Media: media, CreatedAt: now, Fields: map[string]any{}}
	if rs != "" {
		post.Fields["reply_settings"] = rs
	}
	history := []string{}
	prevID := c.String("edit_options.previous_post_id")
	if prevID != "" {
		prev, ok := f.live(prevID)
		if !ok {
			c.Reply(http.StatusBadRequest, invalidRequest("edit_options.previous_post_id: the post does not exist"))
			return
		}
		orig, _ := prev.Fields["original_created_at"].(time.Time)
		edits, _ := prev.Fields["edits"].(int)
		if f.opts.NoPremium {
			c.Reply(http.StatusForbidden, forbidden("You are not permitted to edit this Tweet."))
			return
		}
		if now.Sub(orig) > EditWindow || edits >= MaxEdits {
			c.Reply(http.StatusForbidden, forbidden("You are not permitted to edit this Tweet."))
			return
		}
		post.ReplyTo = prev.ReplyTo
		if len(media) == 0 {
			post.Media = prev.Media
		}
		post.Fields["original_created_at"] = orig
		post.Fields["edits"] = edits + 1
		post.Edits = edits + 1
		history, _ = prev.Fields["edit_history"].([]string)
	} else {
		post.ReplyTo = c.String("reply.in_reply_to_tweet_id")
		if post.ReplyTo != "" {
			if _, ok := f.live(post.ReplyTo); !ok {
				c.Reply(http.StatusBadRequest, invalidRequest("Invalid 'in_reply_to_tweet_id' parameter. The Tweet you are replying to has been deleted or is not visible to you."))
				return
			}
		}
		post.Fields["original_created_at"] = now
		post.Fields["edits"] = 0
	}
	for _, p := range f.Store.Posts() {
		if p.Text == text && p.ID != prevID {
			c.Reply(http.StatusForbidden, problemBody(http.StatusForbidden, "Forbidden", "You are not allowed to create a Tweet with duplicate content.", "about:blank"))
			return
		}
	}
	if !f.dayLimits(c) {
		return
	}
	post.ID = f.newID()
	post.URL = "https://x.com/" + f.opts.Username + "/status/" + post.ID
	post.Fields["edit_history"] = append(slices.Clone(history), post.ID)
	f.Store.Add(post)
	if prevID != "" {
		f.Store.Delete(prevID) // superseded by the edit
	}
	c.Reply(http.StatusCreated, map[string]any{"data": map[string]any{
		"id": post.ID, "text": text, "edit_history_tweet_ids": post.Fields["edit_history"]}})
}

// deleteTweet is DELETE /2/tweets/:id.
func (f *Fake) deleteTweet(c *platformtest.Call) {
	id := c.R.PathValue("id")
	if _, ok := f.live(id); !ok {
		c.Reply(http.StatusNotFound, xErrorBody(http.StatusNotFound, "", "Could not find tweet with id: ["+id+"]."))
		return
	}
	if f.opts.DeclineDeletes {
		c.Reply(http.StatusOK, map[string]any{"data": map[string]bool{"deleted": false}})
		return
	}
	f.Store.Delete(id)
	c.Reply(http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true}})
}

// fields is a request's comma-separated tweet.fields.
func fields(c *platformtest.Call) []string {
	return strings.Split(c.R.URL.Query().Get("tweet.fields"), ",")
}

// tweetJSON renders a post as X's read endpoints do.
func (f *Fake) tweetJSON(p platformtest.Post, fs []string) map[string]any {
	text, urls := tcoText(p.Text)
	if len(p.Media) > 0 {
		text += " " + tco("media:"+p.ID)
	}
	out := map[string]any{"id": p.ID, "text": escapeText(text), "edit_history_tweet_ids": p.Fields["edit_history"]}
	for _, fl := range fs {
		switch fl {
		case "created_at":
			out["created_at"] = p.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
		case "referenced_tweets":
			if p.ReplyTo != "" {
				out["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": p.ReplyTo}}
			}
		case "entities":
			if len(urls) > 0 {
				out["entities"] = map[string]any{"urls": urls}
			}
		case "public_metrics":
			out["public_metrics"] = map[string]int{"retweet_count": 2, "reply_count": f.replies(p.ID), "like_count": 7,
				"quote_count": 0, "bookmark_count": 3, "impression_count": 120}
		}
	}
	return out
}

// lookupTweets is GET /2/tweets?ids=...: found posts in data, the rest as
// partial errors, as X answers.
func (f *Fake) lookupTweets(c *platformtest.Call) {
	ids := c.R.URL.Query().Get("ids")
	if ids == "" {
		c.Reply(http.StatusBadRequest, invalidRequest("The `ids` query parameter can not be empty"))
		return
	}
	body := map[string]any{}
	var data, errs []map[string]any
	for _, id := range strings.Split(ids, ",") {
		if p, ok := f.live(id); ok {
			data = append(data, f.tweetJSON(p, fields(c)))
			continue
		}
		errs = append(errs, map[string]any{"value": id, "detail": "Could not find tweet with ids: [" + id + "].",
			"title": "Not Found Error", "resource_type": "tweet", "parameter": "ids", "resource_id": id,
			"type": "https://api.x.com/2/problems/resource-not-found"})
	}
	if data != nil {
		body["data"] = data
	}
	if errs != nil {
		body["errors"] = errs
	}
	c.Reply(http.StatusOK, body)
}

func (f *Fake) usersMe(c *platformtest.Call) {
	c.Reply(http.StatusOK, map[string]any{"data": map[string]string{"id": f.opts.UserID, "name": "Herald Test", "username": f.opts.Username}})
}

// timeline is GET /2/users/:id/tweets, newest first, as X pages it:
// max_results 5 to 100 (default 10), start_time and end_time (RFC 3339,
// inclusive), exclude (retweets, replies), and pagination_token from the
// previous page's meta.next_token. Only the account's 3,200 most recent
// posts can be reached.
func (f *Fake) timeline(c *platformtest.Call) {
	if c.R.PathValue("id") != f.opts.UserID {
		c.Reply(http.StatusNotFound, xErrorBody(http.StatusNotFound, "", "Could not find user with id: ["+c.R.PathValue("id")+"]."))
		return
	}
	q := c.R.URL.Query()
	n := 10
	if v := q.Get("max_results"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 5 || n > 100 {
			c.Reply(http.StatusBadRequest, invalidRequest("The `max_results` query parameter value ["+v+"] is not between 5 and 100"))
			return
		}
	}
	var bounds [2]time.Time
	for i, k := range []string{"start_time", "end_time"} {
		if v := q.Get(k); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				c.Reply(http.StatusBadRequest, invalidRequest("Invalid '"+k+"':'"+v+"'. '"+k+"' must be a valid ISO 8601 date (YYYY-MM-DDTHH:mm:ssZ)."))
				return
			}
			bounds[i] = t
		}
	}
	excludeReplies := false
	for _, e := range strings.Split(q.Get("exclude"), ",") {
		switch e {
		case "", "retweets":
		case "replies":
			excludeReplies = true
		default:
			c.Reply(http.StatusBadRequest, invalidRequest("The `exclude` query parameter value ["+e+"] is not one of [replies, retweets]"))
			return
		}
	}
	posts := f.Store.Posts()
	slices.Reverse(posts)
	posts = posts[:min(len(posts), timelineCap)]
	skip := 0
	if tok := q.Get("pagination_token"); tok != "" {
		var err error
		if skip, err = strconv.Atoi(strings.TrimPrefix(tok, "page-")); err != nil || !strings.HasPrefix(tok, "page-") || skip > len(posts) {
			c.Reply(http.StatusBadRequest, invalidRequest("The `pagination_token` query parameter value ["+tok+"] is not valid"))
			return
		}
	}
	var data []map[string]any
	next := ""
	var newest, oldest string
	for i := skip; i < len(posts); i++ {
		p := posts[i]
		if (!bounds[0].IsZero() && p.CreatedAt.Before(bounds[0])) || (!bounds[1].IsZero() && p.CreatedAt.After(bounds[1])) ||
			(excludeReplies && p.ReplyTo != "") {
			continue
		}
		if len(data) == n {
			next = "page-" + strconv.Itoa(i)
			break
		}
		data = append(data, f.tweetJSON(p, fields(c)))
		if newest == "" {
			newest = p.ID
		}
		oldest = p.ID
	}
	meta := map[string]any{"result_count": len(data)}
	if len(data) > 0 {
		meta["newest_id"], meta["oldest_id"] = newest, oldest
	}
	if next != "" {
		meta["next_token"] = next
	}
	body := map[string]any{"meta": meta}
	if data != nil {
		body["data"] = data
	}
	c.Reply(http.StatusOK, body)
}

// Seed adds n posts the account made in the app, created at at, each with
// a text of its own, so that a test holds a busy account
// (platformtest.Seeder).
func (f *Fake) Seed(n int, at time.Time) {
	for range n {
		id := f.newID()
		f.Store.Add(platformtest.Post{ID: id, Text: "Posted from the app, " + id, CreatedAt: at,
			URL:    "https://x.com/" + f.opts.Username + "/status/" + id,
			Fields: map[string]any{"original_created_at": at, "edits": 0, "edit_history": []string{id}}})
	}
}

// replies counts the live posts that reply to id: X's reply_count counts
// every reply, the author's own included, and the fake adds one from
// someone else.
func (f *Fake) replies(id string) int {
	n := 1
	for _, p := range f.Store.Posts() {
		if p.ReplyTo == id {
			n++
		}
	}
	return n
}

// upload is the simple form of POST /2/media/upload, base64 in JSON.
func (f *Fake) upload(c *platformtest.Call) {
	if cat := c.String("media_category"); cat != "tweet_image" {
		c.Reply(http.StatusBadRequest, invalidRequest("media_category "+cat+" is not supported by the one-shot upload"))
		return
	}
	typ := c.String("media_type")
	if typ != "" && !slices.Contains(fakeUploadTypes, typ) {
		c.Reply(http.StatusBadRequest, invalidRequest("$.media_type: does not have a value in the enumeration ["+strings.Join(fakeUploadTypes, ", ")+"]"))
		return
	}
	data, err := base64.StdEncoding.DecodeString(c.String("media"))
	if err != nil {
		c.Reply(http.StatusBadRequest, invalidRequest("media is not valid base64"))
		return
	}
	if len(data) > MaxImageBytes {
		c.Reply(http.StatusBadRequest, invalidRequest("File size exceeds 5242880 bytes."))
		return
	}
	if typ == "" {
		typ = http.DetectContentType(data)
	}
	id := f.newID()
	f.mu.Lock()
	f.media[id] = &fakeMedia{typ: typ, data: data, polls: f.opts.ProcessingPolls}
	polls := f.opts.ProcessingPolls
	f.mu.Unlock()
	out := map[string]any{"id": id, "media_key": "3_" + id, "size": len(data), "expires_after_secs": 86400}
	if polls > 0 {
		out["processing_info"] = map[string]any{"state": "pending", "check_after_secs": 1}
	}
	c.Reply(http.StatusOK, map[string]any{"data": out})
}

// initialize is POST /2/media/upload/initialize, the start of a chunked
// upload.
func (f *Fake) initialize(c *platformtest.Call) {
	typ, cat := c.String("media_type"), c.String("media_category")
	total, _ := c.JSON["total_bytes"].(float64)
	switch {
	case !slices.Contains(fakeChunkedTypes, typ):
		c.Reply(http.StatusBadRequest, invalidRequest("$.media_type: does not have a value in the enumeration ["+strings.Join(fakeChunkedTypes, ", ")+"]"))
		return
	case typ == "image/gif" && cat != "tweet_gif":
		c.Reply(http.StatusBadRequest, invalidRequest("a GIF is uploaded with media_category tweet_gif"))
		return
	case strings.HasPrefix(typ, "video/") && cat != "tweet_video" && cat != "amplify_video":
		c.Reply(http.StatusBadRequest, invalidRequest("a video is uploaded with media_category tweet_video or amplify_video"))
		return
	case total <= 0 || typ == "image/gif" && total > MaxGIFBytes || strings.HasPrefix(typ, "video/") && total > MaxVideoBytes:
		c.Reply(http.StatusBadRequest, invalidRequest(fmt.Sprintf("total_bytes %d is out of range", int(total))))
		return
	}
	id := f.newID()
	f.mu.Lock()
	f.media[id] = &fakeMedia{typ: typ, total: int(total), category: cat}
	f.uploads++
	f.mu.Unlock()
	c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"id": id, "media_key": "16_" + id, "expires_after_secs": 86400}})
}

// appendChunk is POST /2/media/upload/:id/append, multipart with
// segment_index and media.
func (f *Fake) appendChunk(c *platformtest.Call) {
	id := c.R.PathValue("id")
	_, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
	var seg string
	var chunk []byte
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(part)
		switch part.FormName() {
		case "segment_index":
			seg = string(b)
		case "media":
			chunk = b
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.appends++
	if f.appends <= f.opts.FailAppends {
		c.Reply(http.StatusServiceUnavailable, problemBody(http.StatusServiceUnavailable, "Service Unavailable", "Service Unavailable", "about:blank"))
		return
	}
	m, ok := f.media[id]
	index, err := strconv.Atoi(seg)
	switch {
	case !ok:
		c.Reply(http.StatusNotFound, problemBody(http.StatusNotFound, "Not Found Error", "media id "+id+" was not found", "https://api.twitter.com/2/problems/resource-not-found"))
	case m.total == 0 || m.finalized:
		c.Reply(http.StatusBadRequest, invalidRequest("media id "+id+" is not an upload in progress"))
	case seg == "" || chunk == nil:
		c.Reply(http.StatusBadRequest, invalidRequest("segment_index and media are required"))
	case err != nil || index < 0 || index >= 1000:
		c.Reply(http.StatusBadRequest, invalidRequest("segment_index must be an integer from 0 to 999"))
	case len(chunk) > MaxSegmentBytes:
		c.Reply(http.StatusBadRequest, invalidRequest(fmt.Sprintf("segment %d is %d bytes; a segment is at most %d", index, len(chunk), MaxSegmentBytes)))
	case index == m.next-1 && m.next > 0:
		// The same segment again (a retry): it replaces the last one.
		m.data = append(m.data[:len(m.data)-m.lastLen], chunk...)
		m.lastLen = len(chunk)
		c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"expires_at": f.opts.Now().Add(24 * time.Hour).Unix()}})
	case index != m.next:
		c.Reply(http.StatusBadRequest, invalidRequest(fmt.Sprintf("segment_index %d is out of sequence: expected %d", index, m.next)))
	case len(m.data)+len(chunk) > m.total:
		c.Reply(http.StatusBadRequest, invalidRequest("more bytes than total_bytes"))
	default:
		m.data = append(m.data, chunk...)
		m.next, m.lastLen = m.next+1, len(chunk)
		if f.opts.ExpireUploadAfter > 0 && m.next >= f.opts.ExpireUploadAfter && !f.expired {
			f.expired = true
			delete(f.media, id)
		}
		c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"expires_at": f.opts.Now().Add(24 * time.Hour).Unix()}})
	}
}

// finalize is POST /2/media/upload/:id/finalize.
func (f *Fake) finalize(c *platformtest.Call) {
	id := c.R.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.media[id]
	switch {
	case !ok || m.total == 0 || m.finalized:
		c.Reply(http.StatusBadRequest, invalidRequest("media id "+id+" is not an upload in progress"))
		return
	case len(m.data) != m.total:
		c.Reply(http.StatusBadRequest, invalidRequest(fmt.Sprintf("received %d of %d bytes", len(m.data), m.total)))
		return
	}
	m.finalized, m.polls = true, f.opts.ProcessingPolls
	if m.video() {
		m.polls = max(m.polls, 1)
		m.failed = f.opts.FailVideoProcessing
	}
	out := map[string]any{"id": id, "media_key": "16_" + id, "size": len(m.data), "expires_after_secs": 86400}
	if m.polls > 0 {
		out["processing_info"] = map[string]any{"state": "pending", "check_after_secs": 1}
	}
	c.Reply(http.StatusOK, map[string]any{"data": out})
}

// uploadStatus is GET /2/media/upload?command=STATUS&media_id=.
func (f *Fake) uploadStatus(c *platformtest.Call) {
	q := c.R.URL.Query()
	id := q.Get("media_id")
	f.mu.Lock()
	m, ok := f.media[id]
	state, percent := "succeeded", 100
	if ok && m.polls > 0 {
		m.polls--
		switch {
		case m.polls > 0:
			state, percent = "in_progress", 50
		case m.failed:
			state, percent = "failed", 100
		}
	}
	f.mu.Unlock()
	if q.Get("command") != "STATUS" || !ok {
		c.Reply(http.StatusBadRequest, invalidRequest("unknown media_id or command"))
		return
	}
	pi := map[string]any{"state": state, "progress_percent": percent}
	switch state {
	case "in_progress":
		pi["check_after_secs"] = 1
	case "failed":
		pi["error"] = map[string]any{"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
	}
	c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"id": id, "media_key": "3_" + id, "processing_info": pi}})
}

// metadata is POST /2/media/metadata with alt text.
func (f *Fake) metadata(c *platformtest.Call) {
	id, alt := c.String("id"), c.String("metadata.alt_text.text")
	if n := utf8.RuneCountInString(alt); n > MaxAltText {
		c.Reply(http.StatusBadRequest, invalidRequest(fmt.Sprintf("$.metadata.alt_text.text: string length %d is greater than maximum 1000", n)))
		return
	}
	f.mu.Lock()
	m, ok := f.media[id]
	video := ok && m.video()
	if ok && !video {
		m.alt = alt
	}
	f.mu.Unlock()
	if !ok {
		c.Reply(http.StatusBadRequest, invalidRequest("media id "+id+" is invalid"))
		return
	}
	if video {
		c.Reply(http.StatusBadRequest, invalidRequest("alt text is supported for images and GIFs only"))
		return
	}
	c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"id": id, "associated_metadata": map[string]any{"alt_text": map[string]string{"text": alt}}}})
}

// fakeURLRE finds the http(s) URLs the fake wraps in t.co links. X also
// links bare domains; the fake does not, which is a documented limit.
var fakeURLRE = regexp.MustCompile(`https?://[^\s]+[^\s.,;:!?)'"]`)

// tco is the t.co link the fake gives a URL.
func tco(u string) string {
	sum := sha256.Sum256([]byte(u))
	return "https://t.co/" + hex.EncodeToString(sum[:5])
}

// tcoText replaces URLs by t.co links, as X does in returned text, and
// returns the url entities.
func tcoText(text string) (string, []map[string]any) {
	var ents []map[string]any
	out := fakeURLRE.ReplaceAllStringFunc(text, func(u string) string {
		t := tco(u)
		ents = append(ents, map[string]any{"url": t, "expanded_url": u, "display_url": strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")})
		return t
	})
	return out, ents
}

// escapeText escapes what X escapes in returned text.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
