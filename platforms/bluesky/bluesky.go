package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/internal/upload"
)

// Name is the platform's name in configuration and the registry.
const Name = "bluesky"

// Defaults for the settings that name hosts and limits.
const (
	DefaultPDS     = "https://bsky.social"
	DefaultAppView = "https://public.api.bsky.app"
	// DefaultMaxImageBytes is the maxSize of an image blob in the
	// app.bsky.embed.images lexicon: 2,000,000 bytes since April 2026
	// (formerly 1,000,000). The PDS refuses a post whose image is larger.
	DefaultMaxImageBytes = 2_000_000
	// DefaultBlobUploadLimit is the reference PDS's default cap on one
	// uploadBlob body (blobUploadLimit, PDS_BLOB_UPLOAD_LIMIT): 5 MiB.
	DefaultBlobUploadLimit = 5 << 20
	// MaxImages is the lexicon's maxLength of app.bsky.embed.images.
	MaxImages = 4
	// maxLangs is the lexicon's maxLength of a post's langs.
	maxLangs = 3
	// getPostsMax is how many URIs app.bsky.feed.getPosts takes at once.
	getPostsMax = 25
	// postCollection is the collection every post lives in.
	postCollection = "app.bsky.feed.post"
	userAgent      = "herald (+https://github.com/heraldhq/herald)"
)

// Bluesky is one Bluesky account: it posts to the account's PDS with an
// app-password session and reads engagement from the AppView.
type Bluesky struct {
	// limits holds what the rate-limit headers last said, for the
	// reconciler (platforms.RateLimitReporter).
	limits        httpx.RateLimitMemo
	account       string
	handle        string
	pdsURL        string
	appViewURL    string
	maxImageBytes int64
	// videoService is the video service's base URL, or VideoServicePDS;
	// videoServiceDID its DID (the upload-limits token's audience), and
	// pdsDIDSetting the pds_did setting.
	videoService    string
	videoServiceDID string
	pdsDIDSetting   string
	pdsDIDFound     string // what pdsDID found, kept; guarded by mu
	// videoWait bounds the wait for a video's processing, videoPoll is
	// the first wait between status reads, and sleep waits (tests make it
	// instant).
	videoWait time.Duration
	videoPoll time.Duration
	sleep     func(ctx context.Context, d time.Duration) error
	settings  platforms.Settings
	tokens    platforms.TokenStore
	http      *http.Client
	log       *slog.Logger
	now       func() time.Time

	mu      sync.Mutex
	sess    *session
	secrets []string
}

var (
	_ platforms.Publisher     = (*Bluesky)(nil)
	_ platforms.Deleter       = (*Bluesky)(nil)
	_ platforms.Finder        = (*Bluesky)(nil)
	_ platforms.MetricsReader = (*Bluesky)(nil)
	_ platforms.Resumer       = (*Bluesky)(nil)
)

// New is the platforms.Constructor for Bluesky. It checks the settings and
// does no I/O; the app password is read when a session is first needed.
func New(s platforms.Settings) (platforms.Publisher, error) {
	return NewBluesky(s)
}

// NewBluesky is New returning the concrete type, for tests and callers
// that need more than a Publisher.
func NewBluesky(s platforms.Settings) (*Bluesky, error) {
	b := &Bluesky{account: s.Account, handle: strings.TrimPrefix(s.String("handle"), "@"), settings: s,
		tokens: s.Tokens, http: s.HTTPClient, log: s.Logger, now: s.Now, maxImageBytes: DefaultMaxImageBytes,
		videoWait: DefaultVideoWait, videoPoll: upload.DefaultPollFirst, sleep: httpx.Sleep}
	if b.handle == "" {
		return nil, errors.New("setting handle is required: the account's handle (or DID) to log in with")
	}
	if s.String("password_env") == "" {
		return nil, errors.New("setting password_env is required: the environment variable holding an app password")
	}
	var err error
	if b.pdsURL, err = baseURL(s.BaseURL, DefaultPDS); err != nil {
		return nil, fmt.Errorf("setting base_url: %w", err)
	}
	if b.appViewURL, err = baseURL(s.String("appview_url"), DefaultAppView); err != nil {
		return nil, fmt.Errorf("setting appview_url: %w", err)
	}
	if err := b.videoSettings(s); err != nil {
		return nil, err
	}
	if v, ok := s.Values["max_image_bytes"]; ok {
		n, err := positive(v)
		if err != nil {
			return nil, fmt.Errorf("setting max_image_bytes: %w", err)
		}
		b.maxImageBytes = n
	}
	if b.now == nil {
		return nil, errors.New("settings lack Now")
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.tokens == nil {
		b.tokens = &platforms.MemTokens{}
	}
	return b, nil
}

// videoSettings reads video_service, video_service_did, pds_did and
// video_wait.
func (b *Bluesky) videoSettings(s platforms.Settings) error {
	b.videoService = DefaultVideoService
	if v := s.String("video_service"); strings.EqualFold(v, VideoServicePDS) {
		b.videoService = VideoServicePDS
	} else {
		var err error
		if b.videoService, err = baseURL(v, DefaultVideoService); err != nil {
			return fmt.Errorf("setting video_service: %w (or %q to upload videos to the PDS)", err, VideoServicePDS)
		}
	}
	b.videoServiceDID = s.String("video_service_did")
	if b.videoServiceDID == "" && b.videoService != VideoServicePDS {
		b.videoServiceDID = didWeb(b.videoService)
	}
	for key, v := range map[string]string{"video_service_did": b.videoServiceDID, "pds_did": s.String("pds_did")} {
		if v != "" && !strings.HasPrefix(v, "did:") {
			return fmt.Errorf("setting %s: %q is not a DID (did:web:host or did:plc:...)", key, v)
		}
	}
	b.pdsDIDSetting = s.String("pds_did")
	if v := s.String("video_wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("setting video_wait %q is not a positive duration such as 10m", v)
		}
		b.videoWait = d
	}
	return nil
}

func baseURL(v, def string) (string, error) {
	if v == "" {
		return def, nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", v)
	}
	return strings.TrimSuffix(v, "/"), nil
}

func positive(v any) (int64, error) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int64:
		n = v
	case uint64:
		n = int64(v)
	case float64:
		n = int64(v)
		if float64(n) != v {
			return 0, fmt.Errorf("%v is not a whole number", v)
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, fmt.Errorf("%q is not a number", v)
		}
	default:
		return 0, fmt.Errorf("%v is not a number", v)
	}
	if n <= 0 {
		return 0, fmt.Errorf("%d is not positive", n)
	}
	return n, nil
}

// Name implements platforms.Publisher.
func (b *Bluesky) Name() string { return Name }

// addSecrets registers values that must never show in an error or a log
// line. Callers hold b.mu or are the constructor.
func (b *Bluesky) addSecrets(secrets ...string) {
	for _, s := range secrets {
		if s != "" {
			b.secrets = append(b.secrets, s)
		}
	}
}

// client returns an XRPC client for base, sending bearer when not empty,
// that redacts every secret known so far. Callers hold b.mu.
func (b *Bluesky) client(base, bearer string) *httpx.Client {
	c := &httpx.Client{BaseURL: base, HTTP: b.http, UserAgent: userAgent, Now: b.now, Logger: b.log, ErrorMessage: xrpcError,
		OnRateLimit: b.limits.Record}
	if bearer != "" {
		c.Header = http.Header{"Authorization": {"Bearer " + bearer}}
	}
	c.Redact.Add(b.secrets...)
	return c
}

// public returns an unauthenticated client for base.
func (b *Bluesky) public(base string) *httpx.Client {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.client(base, "")
}

func xrpc(nsid string) string { return "xrpc/" + nsid }

// xrpcError reads the XRPC error envelope {"error": name, "message": text}.
func xrpcError(status int, body []byte) (string, string) {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || (e.Error == "" && e.Message == "") {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", msg
	}
	return e.Error, e.Message
}

// fail wraps an API failure with its operation.
func fail(op string, err error) error {
	return fmt.Errorf("%s: %w", op, platforms.FromHTTP(Name, err))
}

// failNotCreated wraps a failure of a call that cannot create a post
// (login, upload, handle resolution, a read): whatever its status says,
// nothing was posted.
func failNotCreated(op string, err error) error {
	err = fail(op, err)
	var ae *platforms.APIError
	if errors.As(err, &ae) {
		ae.Outcome = platforms.NotCreated
	}
	return err
}

// notCreated is a refusal before anything was sent.
func notCreated(format string, args ...any) error {
	return &platforms.APIError{Platform: Name, Outcome: platforms.NotCreated, Err: fmt.Errorf(format, args...)}
}

// strongRef is a record's URI and CID, what replies and receipts hold.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// atURI is a parsed at://did/collection/rkey.
type atURI struct{ did, collection, rkey string }

func parseATURI(s string) (atURI, error) {
	rest, ok := strings.CutPrefix(s, "at://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return atURI{}, fmt.Errorf("%q is not an at:// record URI", s)
	}
	return atURI{parts[0], parts[1], parts[2]}, nil
}

// postURL is the post's public address in the Bluesky app.
func postURL(handle, rkey string) string {
	return "https://bsky.app/profile/" + handle + "/post/" + rkey
}

// RateLimit reports what the platform's rate-limit headers said on the
// latest response, so the reconciler waits for the reset instead of
// meeting a 429 (platforms.RateLimitReporter).
func (b *Bluesky) RateLimit() (remaining int, reset time.Time, ok bool) { return b.limits.RateLimit() }

var _ platforms.RateLimitReporter = (*Bluesky)(nil)
