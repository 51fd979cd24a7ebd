package httpx

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is a platform's rate-limit state from its response headers,
// whatever header family it uses, so the reconciler waits the same way for
// every platform.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time // when Remaining refills; zero when not given
}

// rateLimitFamilies are the header prefixes platforms use, in the order
// they are tried. Header names are case-insensitive, so Mastodon's
// X-RateLimit- and Reddit's X-Ratelimit- are one family; their Reset
// values differ in form and parseReset tells them apart.
var rateLimitFamilies = []string{
	"X-Rate-Limit-", // X: epoch seconds
	"X-Ratelimit-",  // Mastodon: ISO-8601 time; Reddit: seconds until reset
	"Ratelimit-",    // Bluesky (IETF draft names): epoch seconds
}

// ParseRateLimit reads the first rate-limit header family present in h. It
// understands X's x-rate-limit-* (reset in epoch seconds), Mastodon's
// X-RateLimit-* (reset as an ISO-8601 time), Bluesky's RateLimit-* (reset
// in epoch seconds) and Reddit's X-Ratelimit-* (reset in seconds from now,
// remaining as a decimal). ok is false when no family is present.
func ParseRateLimit(h http.Header, now time.Time) (rl RateLimit, ok bool) {
	for _, prefix := range rateLimitFamilies {
		limit, hasLimit := parseCount(h.Get(prefix + "Limit"))
		remaining, hasRemaining := parseCount(h.Get(prefix + "Remaining"))
		reset, hasReset := parseReset(h.Get(prefix+"Reset"), now)
		if !hasLimit && !hasRemaining && !hasReset {
			continue
		}
		if !hasLimit {
			// Reddit sends Used and Remaining, not Limit.
			if used, ok := parseCount(h.Get(prefix + "Used")); ok && hasRemaining {
				limit = used + remaining
			}
		}
		return RateLimit{Limit: limit, Remaining: remaining, Reset: reset}, true
	}
	return RateLimit{}, false
}

// parseCount reads an integer count, accepting Reddit's "598.0".
func parseCount(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int(f), true
}

// epochThreshold separates epoch seconds from seconds-until-reset: no
// window is longer than ten years, and no epoch is that small.
const epochThreshold = 10 * 365 * 24 * 60 * 60

// parseReset reads a reset time as an ISO-8601 time, epoch seconds, or
// seconds from now.
func parseReset(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return time.Time{}, false
	}
	if f >= epochThreshold {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	return now.Add(time.Duration(f * float64(time.Second))), true
}

// ParseRetryAfter reads a Retry-After value, either delay-seconds or an
// HTTP-date, as a wait from now. A date in the past is a wait of 0. ok is
// false when v is empty or malformed.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// Wait is how long a response asks the client to wait before trying again:
// its Retry-After, else, when the rate limit is used up, the time until its
// reset. 0 means it did not ask.
func Wait(h http.Header, now time.Time) time.Duration {
	if d, ok := ParseRetryAfter(h.Get("Retry-After"), now); ok {
		return d
	}
	if rl, ok := ParseRateLimit(h, now); ok && rl.Remaining <= 0 && !rl.Reset.IsZero() {
		return max(rl.Reset.Sub(now), 0)
	}
	return 0
}
