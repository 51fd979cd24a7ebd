package youtube

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/oauthtoken"
)

// Name is the platform's name in configuration and the registry.
const Name = "youtube"

// Defaults for the settings of the same purpose.
const (
	// DefaultBaseURL is Google's API host: the Data API lives under
	// /youtube/v3 and uploads under /upload/youtube/v3.
	DefaultBaseURL = "https://www.googleapis.com"
	// DefaultTokenURL is Google's OAuth 2.0 token endpoint.
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	// DefaultCategory is "People & Blogs", the category YouTube Studio
	// proposes for a new upload.
	DefaultCategory = "22"
	// DefaultChunkSize is how many bytes one PUT of a resumable upload
	// carries: 8 MiB, a multiple of ChunkUnit.
	DefaultChunkSize = 8 << 20
	// ChunkUnit is what every chunk but the last must be a multiple of.
	ChunkUnit = 256 << 10
)

// Daily quota, as Google's "Quota Calculator" page gives it: 10,000 units
// a day for every method but search.list and videos.insert, which have
// buckets of their own of 100 calls a day, at 1 unit a call. Older copies
// of the page cost videos.insert at 1,600 units of the general bucket;
// a project still counted that way sets upload_units: 1600.
const (
	DefaultQuotaUnits  = 10000
	DefaultUploadQuota = 100
	// Units per call in the general bucket.
	CostList      = 1
	CostUpdate    = 50
	CostDelete    = 50
	CostThumbnail = 50
)

// Limits of the video resource (videos resource reference).
const (
	MaxTitle       = 100  // characters
	MaxDescription = 5000 // bytes
	MaxTags        = 500  // characters, all tags together
	// MaxThumbnailBytes is thumbnails.set's limit for the image.
	MaxThumbnailBytes = 2 << 20
)

// Find reads the uploads playlist DefaultFindPage items a page, at most
// DefaultFindPages pages, and a week back when the attempt's beginning is
// not recorded.
const (
	DefaultFindPage   = 50
	DefaultFindPages  = 4
	defaultFindWindow = 7 * 24 * time.Hour
)

// maxResumes bounds how often one upload is resumed after a dropped
// connection or a 5xx that Google answers to an upload chunk.
const maxResumes = 5

// YouTube is one YouTube channel reached through the Data API v3. It
// uploads a post's video with its metadata and thumbnail, edits the
// metadata, deletes the video, reads its statistics, and looks up an
// upload whose outcome is unknown in the channel's uploads playlist. It
// keeps count of the day's quota, so that an upload the quota cannot pay
// for is never started.
type YouTube struct {
	s          platforms.Settings
	base       string
	tokenURL   string
	category   string
	privacy    string
	kids       bool
	chunk      int64
	quota      *quota
	findPages  int
	log        *slog.Logger
	now        func() time.Time
	tokens     *oauthtoken.Source
	sleep      func(ctx context.Context, d time.Duration) error
	uploadsURL string // the uploads playlist, once read
}

var (
	_ platforms.Preparer          = (*YouTube)(nil)
	_ platforms.Publisher         = (*YouTube)(nil)
	_ platforms.Updater           = (*YouTube)(nil)
	_ platforms.Deleter           = (*YouTube)(nil)
	_ platforms.Finder            = (*YouTube)(nil)
	_ platforms.MetricsReader     = (*YouTube)(nil)
	_ platforms.RateLimitReporter = (*YouTube)(nil)
)

// New is the platforms.Constructor for YouTube. It reads the settings and
// does no I/O; secrets are read when the first call needs them.
func New(s platforms.Settings) (platforms.Publisher, error) { return NewYouTube(s) }

// NewYouTube is New returning the concrete type, for tests and herald
// auth.
func NewYouTube(s platforms.Settings) (*YouTube, error) {
	if s.Now == nil {
		return nil, errors.New("settings lack Now")
	}
	y := &YouTube{s: s, base: strings.TrimSuffix(s.BaseURL, "/"), tokenURL: s.String("token_url"),
		category: s.String("category_id"), privacy: s.String("privacy"), log: s.Logger, now: s.Now, sleep: httpx.Sleep}
	if y.base == "" {
		y.base = DefaultBaseURL
	}
	if y.tokenURL == "" {
		y.tokenURL = DefaultTokenURL
	}
	for _, u := range []struct{ key, v string }{{"base_url", y.base}, {"token_url", y.tokenURL}} {
		if p, err := url.Parse(u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("setting %s: %q is not an absolute http(s) URL", u.key, u.v)
		}
	}
	if y.category == "" {
		y.category = DefaultCategory
	}
	if y.privacy == "" {
		y.privacy = "public"
	}
	if !validPrivacy(y.privacy) {
		return nil, fmt.Errorf("setting privacy: %q: want public, unlisted or private", y.privacy)
	}
	if v, ok := s.Values["made_for_kids"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("setting made_for_kids: %v: want true or false", v)
		}
		y.kids = b
	}
	chunk, err := s.IntIn("chunk_size", ChunkUnit, 1<<30, DefaultChunkSize)
	if err != nil {
		return nil, err
	}
	if chunk%ChunkUnit != 0 {
		return nil, fmt.Errorf("setting chunk_size: %d: want a multiple of %d bytes (256 KiB), as Google requires of every chunk but the last", chunk, ChunkUnit)
	}
	y.chunk = int64(chunk)
	units, err := s.IntIn("quota_units", 1, 1<<30, DefaultQuotaUnits)
	if err != nil {
		return nil, err
	}
	uploads, err := s.IntIn("upload_quota", 1, 1<<20, DefaultUploadQuota)
	if err != nil {
		return nil, err
	}
	uploadUnits, err := s.IntIn("upload_units", 0, 1<<20, 0)
	if err != nil {
		return nil, err
	}
	y.quota = &quota{units: units, uploads: uploads, uploadUnits: uploadUnits}
	if y.findPages, err = s.IntIn("find_max_pages", 1, 100, DefaultFindPages); err != nil {
		return nil, err
	}
	if y.log == nil {
		y.log = slog.New(slog.DiscardHandler)
	}
	if y.s.Tokens == nil {
		y.s.Tokens = &platforms.MemTokens{}
	}
	y.tokens = y.newTokens()
	return y, nil
}

// Name implements platforms.Publisher.
func (y *YouTube) Name() string { return Name }

func validPrivacy(p string) bool { return p == "public" || p == "unlisted" || p == "private" }

// VideoURL is a video's public address.
func VideoURL(id string) string { return "https://www.youtube.com/watch?v=" + id }

// client is an httpx client below base, with every secret known so far
// registered for redaction.
func (y *YouTube) client(base string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: y.s.HTTPClient, UserAgent: "herald", Now: y.now, Logger: y.log,
		ErrorMessage: errorMessage, Timeout: 10 * time.Minute}
	if t := y.tokens.Token(); t != nil {
		c.Redact.Add(t.AccessToken, t.RefreshToken)
	}
	return c
}

// do sends one authenticated call below base (the API or an upload
// session), refreshing a token Google refused once when herald does not
// know its expiry, and decodes a 2xx answer into out.
func (y *YouTube) do(ctx context.Context, base string, r httpx.Request, out any) (*httpx.Response, error) {
	return oauthtoken.Retry(ctx, y.tokens, func() (*httpx.Response, error) {
		tok, err := y.tokens.AccessToken(ctx)
		if err != nil {
			return nil, err
		}
		if r.Header == nil {
			r.Header = http.Header{}
		} else {
			r.Header = r.Header.Clone()
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		c := y.client(base)
		c.Redact.Add(tok)
		return c.DoJSON(ctx, r, out)
	})
}

// api is do on the Data API, spending cost units of the day's quota.
func (y *YouTube) api(ctx context.Context, cost int, r httpx.Request, out any) (*httpx.Response, error) {
	y.restoreQuota(ctx)
	y.quota.spend(y.now(), cost, 0)
	defer y.keepQuota(ctx)
	return y.do(ctx, y.base+"/youtube/v3", r, out)
}

// googleError is Google's error body: {"error": {"code", "message",
// "errors": [{"reason", "domain", "message"}]}}, or the OAuth endpoint's
// {"error", "error_description"}.
type googleError struct {
	Error json.RawMessage `json:"error"`
	Desc  string          `json:"error_description"`
}

type googleErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Reason  string `json:"reason"`
		Domain  string `json:"domain"`
		Message string `json:"message"`
	} `json:"errors"`
}

// errorMessage reads Google's error body as the first error's reason and
// the message.
func errorMessage(_ int, body []byte) (code, message string) {
	var e googleError
	if err := json.Unmarshal(body, &e); err != nil || len(e.Error) == 0 {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	var s string
	if json.Unmarshal(e.Error, &s) == nil {
		return s, e.Desc
	}
	var b googleErrorBody
	if json.Unmarshal(e.Error, &b) != nil {
		return "", ""
	}
	if len(b.Errors) > 0 {
		code = b.Errors[0].Reason
	}
	return code, strings.TrimSpace(b.Message)
}

// notCreated wraps an error found before anything was sent.
func notCreated(err error) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Message: err.Error(), Err: err}
}

// apiError turns an httpx error into a *platforms.APIError with what
// Google's answer means for the reconciler.
func (y *YouTube) apiError(op string, err error) error {
	ae, se, done := platforms.Refine(Name, op, err)
	if ae == nil {
		return done
	}
	if se == nil {
		return fmt.Errorf("%s: %w", op, ae)
	}
	switch {
	case se.Status == http.StatusUnauthorized:
		ae.Message = "Google refused the access token (" + cmp.Or(se.Message, "Unauthorized") + "): it expired or was revoked; run herald auth " + y.s.Account
		ae.Err = fmt.Errorf("%w: %s (%w)", platforms.ErrNeedsReconnect, ae.Message, err)
	case se.Code == "quotaExceeded" || se.Code == "dailyLimitExceeded":
		// Google answers a spent quota with 403, which would stop the
		// post for good; it is a wait until midnight Pacific.
		reset := nextReset(y.now())
		y.quota.exhaust(y.now())
		ae.Status, ae.RetryAfter = http.StatusTooManyRequests, reset.Sub(y.now())
		ae.Message = "YouTube's daily quota for this project is used up (" + se.Message + "); it resets at midnight Pacific time (" + reset.UTC().Format(time.RFC3339) + ")"
	case se.Code == "uploadLimitExceeded":
		ae.Status, ae.RetryAfter = http.StatusTooManyRequests, 24*time.Hour
		ae.Message = "YouTube says this channel has uploaded as many videos as it may for now (" + se.Message + "); try again in 24 hours"
	case se.Status == http.StatusForbidden:
		ae.Message = "YouTube refused (" + cmp.Or(se.Code, "forbidden") + ": " + se.Message + "); the token needs the youtube.upload and youtube scopes: run herald auth " + y.s.Account
	}
	return fmt.Errorf("%s: %w", op, ae)
}

func statusOf(err error) int {
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}
