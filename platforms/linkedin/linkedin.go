package linkedin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "linkedin"

// Defaults for the settings of the same purpose.
const (
	// DefaultBaseURL is LinkedIn's versioned REST API.
	DefaultBaseURL = "https://api.linkedin.com/rest"
	// DefaultTokenURL is LinkedIn's OAuth 2.0 token endpoint, where
	// approved partners trade a refresh token for a new access token.
	DefaultTokenURL = "https://www.linkedin.com/oauth/v2/accessToken"
	// DefaultVersion is the LinkedIn-Version header sent when the version
	// setting is empty. LinkedIn sunsets a version about a year after its
	// release, so the setting exists to move ahead without a new herald.
	DefaultVersion = "202605"
	// RestliProtocol is the X-Restli-Protocol-Version every call sends.
	RestliProtocol = "2.0.0"
)

// Limits LinkedIn enforces that the adapter checks before sending
// anything.
const (
	// MaxLength is the commentary limit, in UTF-16 code units of the
	// escaped little text (render.CountLinkedIn). LinkedIn cuts longer
	// text silently, so it is refused here instead.
	MaxLength = 3000
	// MaxImages is the most images a post carries (content.multiImage).
	MaxImages = 20
	// MaxAltText is the longest alt text of an image, in characters.
	MaxAltText = 4086
)

// Find's scan: pages of DefaultFindPage posts, at most DefaultFindPages
// of them when the author posted more since the attempt began, and a week
// back when that beginning is not recorded.
const (
	DefaultFindPage   = 50
	DefaultFindPages  = 10
	defaultFindWindow = 7 * 24 * time.Hour
)

// maxProcessingWait bounds how long Publish waits for an uploaded image
// LinkedIn is still processing.
const maxProcessingWait = 30 * time.Second

// LinkedIn is one LinkedIn author (a member or an organization) reached
// through the Posts API. It publishes a post with images and a first
// comment, edits its text, deletes it, reads its statistics and looks up
// an attempt whose outcome is unknown among the author's recent posts.
type LinkedIn struct {
	s         platforms.Settings
	base      string
	tokenURL  string
	version   string
	author    string
	findCount int           // find_count: posts per page of Find's scan
	findPages int           // find_max_pages
	videoWait time.Duration // video_wait: how long a video may take to process
	log       *slog.Logger
	now       func() time.Time
	// sleep waits between image status checks; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	tokens *oauthtoken.Source
}

var (
	_ platforms.Publisher     = (*LinkedIn)(nil)
	_ platforms.Preparer      = (*LinkedIn)(nil)
	_ platforms.Updater       = (*LinkedIn)(nil)
	_ platforms.Deleter       = (*LinkedIn)(nil)
	_ platforms.Finder        = (*LinkedIn)(nil)
	_ platforms.MetricsReader = (*LinkedIn)(nil)
)

// New is the platforms.Constructor for LinkedIn. It reads the settings
// and does no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) {
	return NewLinkedIn(s)
}

// NewLinkedIn is New returning the concrete type, for tests and callers
// that want the LinkedIn-specific methods.
func NewLinkedIn(s platforms.Settings) (*LinkedIn, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	a := &LinkedIn{s: s, base: s.BaseURL, tokenURL: s.String("token_url"), version: s.String("version"),
		author: s.String("author"), findCount: DefaultFindPage, findPages: DefaultFindPages, videoWait: DefaultVideoWait, log: s.Logger, now: s.Now, sleep: httpx.Sleep}
	if a.base == "" {
		a.base = DefaultBaseURL
	}
	if a.tokenURL == "" {
		a.tokenURL = DefaultTokenURL
	}
	for _, u := range []struct{ key, v string }{{"base URL", a.base}, {"token_url", a.tokenURL}} {
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("setting %s: %q is not an absolute http(s) URL", u.key, u.v)
		}
	}
	if a.version == "" {
		a.version = DefaultVersion
	}
	if !validVersion(a.version) {
		return nil, fmt.Errorf("setting version: %q is not a LinkedIn API version (YYYYMM or YYYYMM.RR)", a.version)
	}
	if !strings.HasPrefix(a.author, "urn:li:person:") && !strings.HasPrefix(a.author, "urn:li:organization:") {
		return nil, fmt.Errorf("setting author: %q is neither urn:li:person:<id> nor urn:li:organization:<id>", a.author)
	}
	if _, id, _ := cutURN(a.author); id == "" {
		return nil, fmt.Errorf("setting author: %q has no id", a.author)
	}
	find, err := s.IntIn("find_count", 1, 100, a.findCount)
	if err != nil {
		return nil, err
	}
	a.findCount = find
	if a.findPages, err = s.IntIn("find_max_pages", 1, 100, a.findPages); err != nil {
		return nil, err
	}
	if v := s.String("video_wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("setting video_wait: %q is not a positive duration such as 15m", v)
		}
		a.videoWait = d
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.s.Tokens == nil {
		a.s.Tokens = &platforms.MemTokens{}
	}
	a.tokens = a.newTokens()
	return a, nil
}

// Name implements platforms.Publisher.
func (a *LinkedIn) Name() string { return Name }

// validVersion reports whether v looks like YYYYMM or YYYYMM.RR.
func validVersion(v string) bool {
	ym, rr, hasRR := strings.Cut(v, ".")
	if len(ym) != 6 || (hasRR && len(rr) != 2) {
		return false
	}
	for _, c := range ym + rr {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cutURN splits "urn:li:share:123" into "share" and "123".
func cutURN(urn string) (kind, id string, ok bool) {
	rest, ok := strings.CutPrefix(urn, "urn:li:")
	if !ok {
		return "", "", false
	}
	kind, id, ok = strings.Cut(rest, ":")
	return kind, id, ok && kind != "" && id != ""
}

// isOrganization reports whether the author is a company page.
func (a *LinkedIn) isOrganization() bool {
	return strings.HasPrefix(a.author, "urn:li:organization:")
}

// PostURL is the public URL of a post: LinkedIn's feed/update page for
// its URN.
func PostURL(urn string) string {
	return "https://www.linkedin.com/feed/update/" + urn + "/"
}

// keyPath is a Rest.li resource key (a URN) as a path segment for an
// httpx request: URL-encoded as LinkedIn requires (urn%3Ali%3Ashare%3A1),
// with its percent signs escaped once more because httpx reads
// Request.Path as a URL reference and decodes it once.
func keyPath(urn string) string {
	return strings.ReplaceAll(url.QueryEscape(urn), "%", "%25")
}

// client returns an httpx client for one call, with every secret known
// so far registered for redaction. A fresh client
// per call keeps the redactor right when the token is refreshed.
func (a *LinkedIn) client(hc *http.Client) *httpx.Client {
	if hc == nil {
		hc = a.s.HTTPClient
	}
	c := &httpx.Client{
		BaseURL: a.base, HTTP: hc, UserAgent: "herald", Now: a.now, Logger: a.log,
		ErrorMessage: errorMessage,
	}
	if t := a.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken, t.RefreshToken)
	}
	return c
}

// do sends one authenticated API call and decodes a 2xx answer into out.
// A token whose expiry herald does not know (one from the environment)
// that LinkedIn refuses with 401 is refreshed once, when there is a
// refresh token, and the call sent again: a 401 means LinkedIn did
// nothing.
func (a *LinkedIn) do(ctx context.Context, r httpx.Request, out any) (*httpx.Response, error) {
	return a.doWith(ctx, nil, r, out)
}

// doWith is do over a given *http.Client (see restliQuery).
func (a *LinkedIn) doWith(ctx context.Context, hc *http.Client, r httpx.Request, out any) (*httpx.Response, error) {
	return oauthtoken.Retry(ctx, a.tokens, func() (*httpx.Response, error) { return a.doOnce(ctx, hc, r, out) })
}

func (a *LinkedIn) doOnce(ctx context.Context, hc *http.Client, r httpx.Request, out any) (*httpx.Response, error) {
	tok, err := a.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	} else {
		r.Header = r.Header.Clone()
	}
	// The version headers go with the request, not the client, whose
	// header values httpx treats as secrets.
	r.Header.Set("Linkedin-Version", a.version)
	r.Header.Set("X-Restli-Protocol-Version", RestliProtocol)
	c := a.client(hc)
	c.Redact.Add(tok)
	r.Header.Set("Authorization", "Bearer "+tok)
	return c.DoJSON(ctx, r, out)
}

// restliQuery returns a copy of the settings' *http.Client whose requests
// carry query as their raw query string. Rest.li 2.0 structures
// (List(...), (share:...)) must keep their parentheses and commas literal
// while the URNs inside are percent-encoded, which url.Values, and so
// httpx, would re-encode.
func (a *LinkedIn) restliQuery(query string) *http.Client {
	c := *a.s.HTTPClient
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = rawQuery{next: next, query: query}
	return &c
}

type rawQuery struct {
	next  http.RoundTripper
	query string
}

func (t rawQuery) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = t.query
	return t.next.RoundTrip(r2)
}

// restliList encodes URNs as a Rest.li 2.0 list: List(urn%3Ali%3A...,...).
func restliList(urns ...string) string {
	enc := make([]string, len(urns))
	for i, u := range urns {
		enc[i] = url.QueryEscape(u)
	}
	return "List(" + strings.Join(enc, ",") + ")"
}

// notCreated wraps an error found before anything was posted.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// serviceError is LinkedIn's error body: {"status", "serviceErrorCode",
// "code", "message"}, or the OAuth endpoint's {"error",
// "error_description"}.
type serviceError struct {
	Status           int         `json:"status"`
	ServiceErrorCode json.Number `json:"serviceErrorCode"`
	Code             string      `json:"code"`
	Message          string      `json:"message"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
}

// errorMessage reads LinkedIn's error body as a code and a message for
// httpx. The code is the symbolic code where LinkedIn gives one
// (INVALID_ACCESS_TOKEN), else the numeric serviceErrorCode, else the
// OAuth error.
func errorMessage(_ int, body []byte) (code, message string) {
	var e serviceError
	if err := json.Unmarshal(body, &e); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	switch {
	case e.Code != "":
		code = e.Code
	case e.ServiceErrorCode != "":
		code = e.ServiceErrorCode.String()
	default:
		code = e.Error
	}
	message = e.Message
	if message == "" {
		message = e.ErrorDescription
	}
	return code, strings.TrimSpace(message)
}

// untilMidnightUTC is how long until LinkedIn's daily quotas reset.
func untilMidnightUTC(now time.Time) time.Duration {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	return next.Sub(now)
}

// apiError turns an httpx error into a *platforms.APIError with what
// LinkedIn's answer means for the reconciler.
func (a *LinkedIn) apiError(op string, err error) error {
	ae, se, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	if se == nil {
		return fmt.Errorf("%s: %w", op, ae)
	}
	switch se.Status {
	case http.StatusUnauthorized:
		why := cmp.Or(se.Message, "Unauthorized")
		ae.Message = "LinkedIn refused the access token (" + why + "): it has expired or was revoked; LinkedIn tokens last 60 days; run herald auth linkedin to connect the account again"
		ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, ae.Message, err)
	case http.StatusForbidden:
		scope := "w_member_social"
		if a.isOrganization() {
			scope = "w_organization_social, with an ADMINISTRATOR, DIRECT_SPONSORED_CONTENT_POSTER or CONTENT_ADMIN role on the page"
		}
		ae.Message = "LinkedIn says the token may not do this (" + cmp.Or(se.Message, "Forbidden") + "): posting as " + a.author + " needs " + scope
	case http.StatusUnprocessableEntity:
		if urn, ok := duplicateOf(se); ok {
			// Nothing was created: LinkedIn names the earlier post with
			// the same text. An earlier attempt of this target that did
			// land is found by Find before any retry, so this is another
			// post.
			earlier := "an earlier post"
			if urn != "" {
				earlier = urn + " (" + PostURL(urn) + ")"
			}
			ae.Code = "DUPLICATE_POST"
			ae.Message = "LinkedIn refuses the post as a duplicate of " + earlier + ", which has the same text: change the text"
		}
	case http.StatusTooManyRequests:
		if ae.RetryAfter == 0 {
			// LinkedIn sends no Retry-After and no rate-limit headers; its
			// quotas are daily and reset at midnight UTC.
			ae.RetryAfter = untilMidnightUTC(a.now())
		}
		ae.Message = "LinkedIn's daily request limit for this app or member is used up (" + cmp.Or(se.Message, "Too Many Requests") + "); LinkedIn's quotas reset at midnight UTC"
	}
	return fmt.Errorf("%s: %w", op, ae)
}

// duplicateRe finds the post LinkedIn's duplicate guard names: "Content
// is a duplicate of urn:li:share:7141138937766391808".
var duplicateRe = regexp.MustCompile(`duplicate of (urn:li:(?:share|ugcPost|activity):[0-9]+)`)

// duplicateOf reports whether a 422 answer is LinkedIn's duplicate guard
// (DUPLICATE_POST), and the URN of the earlier post it names, if any.
func duplicateOf(se *httpx.StatusError) (string, bool) {
	body := se.Message + " " + string(se.Body)
	if !strings.Contains(body, "DUPLICATE_POST") && !strings.Contains(body, "is a duplicate of") {
		return "", false
	}
	if m := duplicateRe.FindStringSubmatch(body); m != nil {
		return m[1], true
	}
	return "", true
}

// RefusesRepeat implements platforms.RepeatRefuser: LinkedIn answers 422
// DUPLICATE_POST to a post whose text an earlier one has, so a recurring
// post's occurrences must differ.
func (a *LinkedIn) RefusesRepeat() string { return "LinkedIn refuses a repeat of the same text" }

var _ platforms.RepeatRefuser = (*LinkedIn)(nil)

// statusOf returns the HTTP status of an httpx status error, 0 otherwise.
func statusOf(err error) int {
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// parseCount reads a number LinkedIn gives as a JSON number.
func parseCount(n json.Number) *int64 {
	if n == "" {
		return nil
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return nil
		}
		v = int64(f)
	}
	return &v
}
