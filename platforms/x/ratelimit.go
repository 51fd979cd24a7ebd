package x

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/httpx"
	"github.com/heraldhq/herald/platforms"
)

// X limits each endpoint on its own, in up to three windows, each
// reported in its own headers (Unix-epoch resets):
//
//	x-rate-limit-{limit,remaining,reset}           the endpoint's 15 minutes
//	x-user-limit-24hour-{limit,remaining,reset}    the user's 24 hours
//	x-app-limit-24hour-{limit,remaining,reset}     the app's 24 hours
//
// A used-up 24-hour create limit must hold creates, not the reads and
// deletes of the same account, so the memory is per endpoint.
var limitFamilies = []struct{ prefix, name string }{
	{"x-rate-limit-", "15-minute"},
	{"x-user-limit-24hour-", "user's 24-hour"},
	{"x-app-limit-24hour-", "app's 24-hour"},
}

// window is one rate-limit window as X last reported it.
type window struct {
	limit, remaining int
	reset            time.Time
}

// limits remembers, per endpoint ("POST tweets", "DELETE tweets/:id"),
// every window X's headers reported on the endpoint's latest answer. Safe
// for concurrent use.
type limits struct {
	mu sync.Mutex
	by map[string]map[string]window // endpoint -> family name -> window
}

// endpoint names the endpoint r calls, its IDs replaced by ":id", so
// that every post's DELETE shares one memory.
func endpoint(r httpx.Request) string {
	path, _, _ := strings.Cut(strings.Trim(r.Path, "/"), "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = ":id"
		}
	}
	return r.Method + " " + strings.Join(segs, "/")
}

// record remembers the windows in h, X's successful answer to a call to
// ep. (A 429 is not recorded: its caller waits for its reset anyway.)
func (l *limits) record(ep string, h http.Header) {
	seen := windows(h)
	if len(seen) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string]map[string]window{}
	}
	l.by[ep] = seen
}

// windows reads every window X reported in h, by family name.
func windows(h http.Header) map[string]window {
	seen := map[string]window{}
	for _, f := range limitFamilies {
		limit, okL := count(h.Get(f.prefix + "limit"))
		remaining, okR := count(h.Get(f.prefix + "remaining"))
		reset, okT := count(h.Get(f.prefix + "reset"))
		if !okR || !okT {
			if okL {
				seen[f.name] = window{limit: limit, remaining: limit}
			}
			continue
		}
		seen[f.name] = window{limit: limit, remaining: remaining, reset: time.Unix(int64(reset), 0).UTC()}
	}
	return seen
}

func count(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// held returns the error for a call to ep that X's headers said would be
// refused until a reset still to come: a 429 that names the endpoint, so
// that the reconciler holds only calls to it, with RetryAfter until the
// latest such reset. nil when the call may go.
func (l *limits) held(ep string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return heldBy(l.by[ep], ep, now)
}

// heldBy is held for the windows ws of ep.
func heldBy(ws map[string]window, ep string, now time.Time) error {
	var until time.Time
	var which []string
	for _, f := range limitFamilies {
		w, ok := ws[f.name]
		if !ok || w.remaining > 0 || !w.reset.After(now) {
			continue
		}
		which = append(which, fmt.Sprintf("the %s limit of %d", f.name, w.limit))
		if w.reset.After(until) {
			until = w.reset
		}
	}
	if len(which) == 0 {
		return nil
	}
	return &platforms.APIError{Platform: Name, Status: http.StatusTooManyRequests, Code: "rate-limit-held",
		Outcome: platforms.NotCreated, RetryAfter: until.Sub(now), Endpoint: ep,
		Message: fmt.Sprintf("not sent: X's headers said %s for %s is used up until %s",
			strings.Join(which, " and "), ep, until.Format(time.RFC3339))}
}

// Window is what X last said of one rate-limit window of an endpoint.
type Window struct {
	Remaining int
	Reset     time.Time
}

// Limits reports what X last said of each window of endpoint ep ("POST
// tweets"), by window ("15-minute", "user's 24-hour", "app's 24-hour"),
// for tests and status output.
func (a *X) Limits(ep string) map[string]Window {
	a.limits.mu.Lock()
	defer a.limits.mu.Unlock()
	out := map[string]Window{}
	for name, w := range a.limits.by[ep] {
		out[name] = Window{Remaining: w.remaining, Reset: w.reset}
	}
	return out
}
