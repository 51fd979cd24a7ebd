package threads

import (
	"encoding/json"
	"net/http"
	"time"
)

// Meta reports rate-limit usage as JSON in response headers, not as
// counts: X-App-Usage holds the percentages of the app's allowance used
// (call_count, total_cputime, total_time), and
// X-Business-Use-Case-Usage holds, per business, the same percentages
// with estimated_time_to_regain_access in minutes once throttled.
//
// herald turns them into platforms.RateLimitReporter's terms this way:
//
//   - remaining is 100 minus the highest percentage in either header:
//     percentage points left, not requests. Its only use is "none left"
//     (0), and that is exact: Meta throttles at 100.
//   - reset is now plus estimated_time_to_regain_access when Meta gives
//     it. When the allowance is used up and Meta gives no estimate, reset
//     is now plus usageRetryWindow: the window is rolling, so usage falls
//     gradually, and the next answer's headers say again.
const (
	headerAppUsage = "X-App-Usage"
	headerBUCUsage = "X-Business-Use-Case-Usage"
	// usageRetryWindow is how long an exhausted allowance without an
	// estimate is waited out: Meta's Graph API platform limits are
	// computed over a rolling hour.
	usageRetryWindow = time.Hour
)

// usage is the latest usage headers' reading.
type usage struct {
	seen      bool
	remaining int
	reset     time.Time
}

// usageEntry is one usage object in either header.
type usageEntry struct {
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
	// EstimatedTimeToRegainAccess is in minutes.
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"`
}

func (e usageEntry) highest() float64 { return max(e.CallCount, e.TotalCPUTime, e.TotalTime) }

// parseUsage reads Meta's usage headers at now. ok is false when neither
// header is present and well-formed.
func parseUsage(h http.Header, now time.Time) (u usage, ok bool) {
	var entries []usageEntry
	if v := h.Get(headerAppUsage); v != "" {
		var e usageEntry
		if json.Unmarshal([]byte(v), &e) == nil {
			entries = append(entries, e)
		}
	}
	if v := h.Get(headerBUCUsage); v != "" {
		var byBusiness map[string][]usageEntry
		if json.Unmarshal([]byte(v), &byBusiness) == nil {
			for _, es := range byBusiness {
				entries = append(entries, es...)
			}
		}
	}
	if len(entries) == 0 {
		return usage{}, false
	}
	var highest, wait float64
	for _, e := range entries {
		highest = max(highest, e.highest())
		wait = max(wait, e.EstimatedTimeToRegainAccess)
	}
	u = usage{seen: true, remaining: max(0, 100-int(highest+0.999))}
	switch {
	case wait > 0:
		u.reset = now.Add(time.Duration(wait * float64(time.Minute)))
	case u.remaining == 0:
		u.reset = now.Add(usageRetryWindow)
	}
	return u, true
}

// noteUsage keeps the usage headers of an answer that carries them.
func (a *Threads) noteUsage(h http.Header) {
	u, ok := parseUsage(h, a.now())
	if !ok {
		return
	}
	a.mu.Lock()
	a.usage = u
	a.mu.Unlock()
}

// usageWait is how long the latest usage headers ask to wait: until the
// reset when the allowance is used up, else 0.
func (a *Threads) usageWait() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.usage.seen || a.usage.remaining > 0 || a.usage.reset.IsZero() {
		return 0
	}
	return max(a.usage.reset.Sub(a.now()), 0)
}
