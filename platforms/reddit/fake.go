package reddit

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeOptions configure a Fake. Zero values get the defaults named.
type FakeOptions struct {
	// Now is the fake's clock (default a fixed time).
	Now func() time.Time
	// Username is the account (default "heraldbot").
	Username string
	// Subreddits maps the subreddits that exist to their submission_type
	// (default {"heraldtest": "any"}).
	Subreddits map[string]string
	// AccessToken is the live token (default "rd-access-0"), valid
	// TokenTTL (default 24 h) from Now at start.
	AccessToken string
	TokenTTL    time.Duration
	// RefreshToken (default "rd-refresh-0") renews the access token at
	// the token endpoint, with HTTP Basic ClientID (default "herald-rd")
	// and ClientSecret ("" for an installed app, the default).
	RefreshToken string
	ClientID     string
	ClientSecret string
	// Password, when set, lets a script app log in as Username with the
	// password grant.
	Password string
}

// Fake is a contract fake of Reddit's OAuth API for the endpoints herald
// uses: POST /api/submit, /api/editusertext and /api/del (forms with
// api_type=json, answered with the {"json": {"errors": [...]}}
// envelope), GET /api/info, /user/{name}/submitted, /r/{sub}/about and
// the token endpoint /api/v1/access_token. Every call needs a live
// bearer token and a User-Agent of Reddit's required form (others get
// 429, as Reddit throttles default agents); every answer carries
// X-Ratelimit-Used, -Remaining and -Reset. A submission is held to
// Reddit's limits (title 300, text 40,000, flair_id 36, flair_text 64)
// and to the subreddit's submission_type (NO_SELFS, NO_LINKS), and a
// link already in the subreddit is ALREADY_SUB. It imports no testing
// package, so herald demo can run it.
type Fake struct {
	*platformtest.Fake

	opts FakeOptions

	mu        sync.Mutex
	access    map[string]time.Time
	refresh   map[string]bool
	issued    int
	refreshes int
	used      int
	agents    []string
	exhausted bool
	pause     time.Duration
}

// PostingLimit makes the next submission meet the account's own posting
// limit, which Reddit reports in the api_type=json errors, not as a 429:
// RATELIMIT, "Take a break for N minutes".
func (f *Fake) PostingLimit(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pause = d
}

// Exhaust makes the next API call answer as Reddit does when the
// client's window is used up: 429 with X-Ratelimit-Remaining 0 and the
// seconds to the reset, and no Retry-After.
func (f *Fake) Exhaust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exhausted = true
}

// NewFake starts a Reddit fake that lives until r's cleanup. URL() is the
// adapter's base URL; TokenURL() its token_url.
func NewFake(r platformtest.Reporter, opts FakeOptions) *Fake {
	r.Helper()
	if opts.Now == nil {
		fixed := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		opts.Now = func() time.Time { return fixed }
	}
	opts.Username = cmp.Or(opts.Username, "heraldbot")
	if opts.Subreddits == nil {
		opts.Subreddits = map[string]string{"heraldtest": "any"}
	}
	opts.AccessToken = cmp.Or(opts.AccessToken, "rd-access-0")
	opts.RefreshToken = cmp.Or(opts.RefreshToken, "rd-refresh-0")
	opts.ClientID = cmp.Or(opts.ClientID, "herald-rd")
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 24 * time.Hour
	}
	f := &Fake{opts: opts, access: map[string]time.Time{opts.AccessToken: opts.Now().Add(opts.TokenTTL)},
		refresh: map[string]bool{opts.RefreshToken: true}}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: Name, BasePath: "/reddit-api/", Now: opts.Now,
		ErrorBody: func(status int, _ string, message string) any {
			return map[string]any{"message": http.StatusText(status), "error": status, "reason": message}
		},
		Headers: f.rateHeaders,
		RateLimitHeaders: func(h http.Header, reset time.Time) {
			h.Set("X-Ratelimit-Used", "1000")
			h.Set("X-Ratelimit-Remaining", "0.0")
			h.Set("X-Ratelimit-Reset", strconv.Itoa(int(reset.Sub(opts.Now())/time.Second)))
		},
	})
	form := "application/x-www-form-urlencoded"
	f.Handle("POST /api/submit", platformtest.Contract{ContentType: form, Create: true}, f.authed(f.submit))
	f.Handle("POST /api/editusertext", platformtest.Contract{ContentType: form}, f.authed(f.edit))
	f.Handle("POST /api/del", platformtest.Contract{ContentType: form}, f.authed(f.del))
	f.Handle("GET /api/info", platformtest.Contract{}, f.authed(f.info))
	f.Handle("GET /user/{name}/submitted", platformtest.Contract{}, f.authed(f.submitted))
	f.Handle("GET /r/{sub}/about", platformtest.Contract{}, f.authed(f.about))
	f.Handle("GET /api/v1/me", platformtest.Contract{}, f.authed(func(c *platformtest.Call) {
		c.Reply(http.StatusOK, map[string]any{"name": f.opts.Username, "id": "abc12"})
	}))
	f.Handle("POST /api/v1/access_token", platformtest.Contract{ContentType: form}, f.token)
	return f
}

// rateHeaders sends Reddit's headers on every answer: 1000 requests per
// 10-minute window (the free tier's 100 a minute, averaged).
func (f *Fake) rateHeaders(h http.Header) {
	f.mu.Lock()
	f.used++
	used := f.used
	f.mu.Unlock()
	now := f.opts.Now()
	reset := 600 - (now.Unix() % 600)
	h.Set("X-Ratelimit-Used", strconv.Itoa(used))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(max(1000-used, 0))+".0")
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset, 10))
}

// TokenURL is the fake's token endpoint.
func (f *Fake) TokenURL() string { return f.URL() + "/api/v1/access_token" }

// Username is the fake's account.
func (f *Fake) Username() string { return f.opts.Username }

// ClientID is the app ID the token endpoint accepts.
func (f *Fake) ClientID() string { return f.opts.ClientID }

// AccessToken is the newest access token issued.
func (f *Fake) AccessToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.issued == 0 {
		return f.opts.AccessToken
	}
	return "rd-access-" + strconv.Itoa(f.issued)
}

// RefreshToken is the refresh token the fake accepts.
func (f *Fake) RefreshToken() string { return f.opts.RefreshToken }

// Refreshes counts the tokens the token endpoint granted.
func (f *Fake) Refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// UserAgents lists the User-Agent of every API call, in order.
func (f *Fake) UserAgents() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.agents)
}

func (f *Fake) authed(h platformtest.Handler) platformtest.Handler {
	return func(c *platformtest.Call) {
		ua := c.R.Header.Get("User-Agent")
		f.mu.Lock()
		f.agents = append(f.agents, ua)
		tok, ok := strings.CutPrefix(c.R.Header.Get("Authorization"), "bearer ")
		exp, known := f.access[tok]
		exhausted := f.exhausted
		f.exhausted = false
		f.mu.Unlock()
		if exhausted {
			h := c.Header()
			h.Set("X-Ratelimit-Remaining", "0.0")
			h.Set("X-Ratelimit-Used", "1000")
			h.Set("X-Ratelimit-Reset", "120")
			c.Reply(http.StatusTooManyRequests, map[string]any{"message": "Too Many Requests", "error": 429})
			return
		}
		if !userAgentRule.MatchString(ua) {
			c.Reply(http.StatusTooManyRequests, map[string]any{"message": "Too Many Requests", "error": 429})
			return
		}
		if !ok || !known || !f.opts.Now().Before(exp) {
			c.Reply(http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
			return
		}
		h(c)
	}
}

// form parses the call's form body and requires api_type=json where
// the real endpoint answers JSON only with it.
func formOf(c *platformtest.Call) url.Values {
	v, _ := url.ParseQuery(string(c.Body))
	return v
}

func apiErrors(c *platformtest.Call, errs ...[]any) {
	c.Reply(http.StatusOK, map[string]any{"json": map[string]any{"errors": errs}})
}

func (f *Fake) submit(c *platformtest.Call) {
	v := formOf(c)
	if v.Get("api_type") != "json" {
		// Without it Reddit answers a jQuery script, which clients cannot read.
		c.Reply(http.StatusOK, map[string]any{"jquery": []any{}, "success": false})
		return
	}
	sr := cleanSub(v.Get("sr"))
	var kind string
	for name, k := range f.opts.Subreddits {
		if strings.EqualFold(name, sr) {
			sr, kind = name, k
		}
	}
	title, text, link := v.Get("title"), v.Get("text"), v.Get("url")
	f.mu.Lock()
	pause := f.pause
	f.pause = 0
	f.mu.Unlock()
	switch {
	case pause > 0:
		apiErrors(c, []any{"RATELIMIT", fmt.Sprintf("Looks like you've been doing that a lot. Take a break for %d minutes before trying again.", int(pause/time.Minute)), "ratelimit"})
	case sr == "":
		apiErrors(c, []any{"BAD_SR_NAME", "This community name isn't recognizable. Check the spelling and try again.", "sr"})
	case kind == "":
		apiErrors(c, []any{"SUBREDDIT_NOEXIST", "Hmm, that community doesn't exist. Try checking the spelling.", "sr"})
	case v.Get("kind") != "self" && v.Get("kind") != "link":
		apiErrors(c, []any{"INVALID_OPTION", "that option is not valid", "sr"})
	case strings.TrimSpace(title) == "":
		apiErrors(c, []any{"NO_TEXT", "we need something here", "title"})
	case utf8.RuneCountInString(title) > MaxTitle:
		apiErrors(c, []any{"TOO_LONG", "This field must be under 300 characters", "title"})
	case utf8.RuneCountInString(text) > MaxText:
		apiErrors(c, []any{"TOO_LONG", "This field must be under 40000 characters", "text"})
	case len(v.Get("flair_id")) > MaxFlairID || utf8.RuneCountInString(v.Get("flair_text")) > MaxFlairText:
		apiErrors(c, []any{"TOO_LONG", "flair is too long", "flair"})
	case v.Get("kind") == "self" && kind == "link":
		apiErrors(c, []any{"NO_SELFS", "This community doesn't allow text posts", "sr"})
	case v.Get("kind") == "link" && kind == "self":
		apiErrors(c, []any{"NO_LINKS", "This community only allows text posts", "sr"})
	case v.Get("kind") == "link" && link == "":
		apiErrors(c, []any{"NO_URL", "a url is required", "url"})
	case v.Get("kind") == "link" && v.Get("resubmit") != "true" && f.linkIn(sr, link):
		apiErrors(c, []any{"ALREADY_SUB", "This community doesn't allow links to be posted more than once, and this link has already been shared", "url"})
	default:
		body := text
		if v.Get("kind") == "link" {
			body = link
		}
		id := strconv.FormatInt(int64(mustAtoi(f.Store.NextID()))+1679615, 36)
		post := f.Store.Add(platformtest.Post{ID: "t3_" + id, Text: body, CreatedAt: f.opts.Now(),
			URL: "https://www.reddit.com/r/" + sr + "/comments/" + id + "/",
			Fields: map[string]any{"title": title, "subreddit": sr, "kind": v.Get("kind"), "flair_id": v.Get("flair_id"),
				"flair_text": v.Get("flair_text"), "nsfw": v.Get("nsfw") == "true", "spoiler": v.Get("spoiler") == "true"}})
		c.Reply(http.StatusOK, map[string]any{"json": map[string]any{"errors": []any{},
			"data": map[string]any{"url": post.URL, "drafts_count": 0, "id": id, "name": post.ID}}})
	}
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func (f *Fake) linkIn(sr, link string) bool {
	for _, p := range f.Posts() {
		if p.Fields["subreddit"] == sr && p.Fields["kind"] == "link" && p.Text == link {
			return true
		}
	}
	return false
}

func (f *Fake) edit(c *platformtest.Call) {
	v := formOf(c)
	p, ok := f.Store.Get(v.Get("thing_id"))
	switch {
	case !ok || p.Deleted:
		apiErrors(c, []any{"NO_THING_ID", "ID not specified", "thing_id"})
		return
	case p.Fields["kind"] != "self":
		// Reddit fails editing a link post's body with a bare 500.
		c.Reply(http.StatusInternalServerError, map[string]any{"message": "Internal Server Error", "error": 500})
		return
	}
	f.Store.Update(p.ID, func(p *platformtest.Post) { p.Text = v.Get("text"); p.Edits++ })
	p, _ = f.Store.Get(p.ID)
	c.Reply(http.StatusOK, map[string]any{"json": map[string]any{"errors": []any{}, "data": map[string]any{"things": []any{f.thing(p)}}}})
}

func (f *Fake) del(c *platformtest.Call) {
	f.Store.Delete(formOf(c).Get("id"))
	c.Reply(http.StatusOK, map[string]any{})
}

// thing is a submission as Reddit lists it; a deleted one shows as
// Reddit shows it, with its author and text [deleted].
func (f *Fake) thing(p platformtest.Post) map[string]any {
	id := strings.TrimPrefix(p.ID, "t3_")
	sr, _ := p.Fields["subreddit"].(string)
	d := map[string]any{"id": id, "name": p.ID, "title": p.Fields["title"], "subreddit": sr, "author": f.opts.Username,
		"is_self": p.Fields["kind"] == "self", "created_utc": float64(p.CreatedAt.Unix()), "permalink": "/r/" + sr + "/comments/" + id + "/",
		"score": 1 + p.Edits, "ups": 1 + p.Edits, "upvote_ratio": 1.0, "num_comments": 0, "num_crossposts": 0, "removed_by_category": nil,
		"selftext": "", "url": p.URL}
	if p.Fields["kind"] == "self" {
		d["selftext"] = p.Text
	} else {
		d["url"] = p.Text
	}
	if p.Deleted {
		d["author"], d["selftext"], d["removed_by_category"] = "[deleted]", "[deleted]", "deleted"
	}
	return map[string]any{"kind": "t3", "data": d}
}

func listingOf(children []any, after string) map[string]any {
	var a any
	if after != "" {
		a = after
	}
	return map[string]any{"kind": "Listing", "data": map[string]any{"after": a, "before": nil, "dist": len(children), "children": children}}
}

func (f *Fake) info(c *platformtest.Call) {
	children := []any{}
	for _, id := range strings.Split(c.R.URL.Query().Get("id"), ",") {
		if p, ok := f.Store.Get(id); ok {
			children = append(children, f.thing(p))
		}
	}
	c.Reply(http.StatusOK, listingOf(children, ""))
}

func (f *Fake) submitted(c *platformtest.Call) {
	if !strings.EqualFold(c.R.PathValue("name"), f.opts.Username) {
		c.Reply(http.StatusNotFound, map[string]any{"message": "Not Found", "error": 404})
		return
	}
	q := c.R.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		limit = min(max(mustAtoi(v), 1), 100)
	}
	posts := f.Posts()
	slices.Reverse(posts)
	from := 0
	if a := q.Get("after"); a != "" {
		from = -1
		for i, p := range posts {
			if p.ID == a {
				from = i + 1
			}
		}
		if from < 0 {
			c.Reply(http.StatusOK, listingOf([]any{}, ""))
			return
		}
	}
	to := min(from+limit, len(posts))
	children := []any{}
	for _, p := range posts[from:to] {
		children = append(children, f.thing(p))
	}
	after := ""
	if to < len(posts) {
		after = posts[to-1].ID
	}
	c.Reply(http.StatusOK, listingOf(children, after))
}

func (f *Fake) about(c *platformtest.Call) {
	for name, kind := range f.opts.Subreddits {
		if strings.EqualFold(name, c.R.PathValue("sub")) {
			c.Reply(http.StatusOK, map[string]any{"kind": "t5", "data": map[string]any{"display_name": name,
				"submission_type": kind, "subreddit_type": "public", "over18": false}})
			return
		}
	}
	c.Reply(http.StatusNotFound, map[string]any{"message": "Not Found", "error": 404, "reason": "banned"})
}

// Seed implements platformtest.Seeder: n self posts made in Reddit's app.
func (f *Fake) Seed(n int, at time.Time) {
	sr := "heraldtest"
	for name := range f.opts.Subreddits {
		sr = name
	}
	for i := range n {
		id := strconv.FormatInt(int64(mustAtoi(f.Store.NextID()))+1679615, 36)
		f.Store.Add(platformtest.Post{ID: "t3_" + id, Text: fmt.Sprintf("Seeded post %d", i), CreatedAt: at,
			Fields: map[string]any{"title": fmt.Sprintf("Seeded %d", i), "subreddit": sr, "kind": "self"}})
	}
}

func (f *Fake) token(c *platformtest.Call) {
	user, pass, ok := c.R.BasicAuth()
	if !ok || user != f.opts.ClientID || pass != f.opts.ClientSecret {
		c.Reply(http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
		return
	}
	if !userAgentRule.MatchString(c.R.Header.Get("User-Agent")) {
		c.Reply(http.StatusTooManyRequests, map[string]any{"message": "Too Many Requests", "error": 429})
		return
	}
	v := formOf(c)
	switch v.Get("grant_type") {
	case "refresh_token":
		f.mu.Lock()
		ok := f.refresh[v.Get("refresh_token")]
		f.mu.Unlock()
		if !ok {
			c.Reply(http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			return
		}
	case "authorization_code":
		if v.Get("code") == "" || v.Get("redirect_uri") == "" {
			c.Reply(http.StatusBadRequest, map[string]any{"error": "invalid_request"})
			return
		}
	case "password":
		if f.opts.Password == "" || v.Get("username") != f.opts.Username || v.Get("password") != f.opts.Password {
			// Reddit answers a wrong password with 200.
			c.Reply(http.StatusOK, map[string]any{"error": "invalid_grant"})
			return
		}
	default:
		c.Reply(http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	f.mu.Lock()
	f.issued++
	f.refreshes++
	tok := "rd-access-" + strconv.Itoa(f.issued)
	f.access[tok] = f.opts.Now().Add(f.opts.TokenTTL)
	f.mu.Unlock()
	answer := map[string]any{"access_token": tok, "token_type": "bearer",
		"expires_in": int(f.opts.TokenTTL / time.Second), "scope": "edit history identity read submit"}
	if v.Get("grant_type") == "authorization_code" {
		// duration=permanent brings a refresh token.
		answer["refresh_token"] = f.opts.RefreshToken
	}
	c.Reply(http.StatusOK, answer)
}
