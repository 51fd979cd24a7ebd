package youtube

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"
	// Google's quota day ends at midnight Pacific time: the zone must be
	// known on a runner without a zone database.
	_ "time/tzdata"

	"github.com/heraldhq/herald/platforms"
)

// pacific is America/Los_Angeles, where Google's quota day ends.
var pacific = func() *time.Location {
	l, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		panic("youtube: embedded zone database lacks America/Los_Angeles: " + err.Error())
	}
	return l
}()

// nextReset is the next midnight Pacific time after now.
func nextReset(now time.Time) time.Time {
	p := now.In(pacific)
	return time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, pacific)
}

// day names now's quota day.
func day(now time.Time) string { return now.In(pacific).Format(time.DateOnly) }

// quota counts what this adapter spent of the project's daily quota:
// units of the general bucket and calls of the videos.insert bucket.
// Google reports no usage in its answers, so the count is herald's own:
// it starts at zero each quota day and at zero each run (another program
// on the same project spends unseen), and a quotaExceeded answer marks
// the day spent whatever the count says.
type quota struct {
	units, uploads, uploadUnits int // the day's allowances; upload's cost in units

	mu        sync.Mutex
	restored  bool // read from the stored token
	day       string
	spent     int // units
	uploaded  int // videos.insert calls
	exhausted bool
}

func (q *quota) roll(now time.Time) {
	if d := day(now); d != q.day {
		q.day, q.spent, q.uploaded, q.exhausted = d, 0, 0, false
	}
}

// spend counts a call of cost units and uploads videos.insert calls.
// Google counts every call, failed ones too.
func (q *quota) spend(now time.Time, cost, uploads int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	q.spent += cost
	q.uploaded += uploads
}

// exhaust marks the day spent: Google said so.
func (q *quota) exhaust(now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	q.exhausted = true
}

// reserve checks that an upload costing extra units more than the
// upload itself (a thumbnail) fits in what is left of the day, before
// anything is sent. The error is a 429 until the reset, NotCreated.
func (q *quota) reserve(now time.Time, extra int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	need := q.uploadUnits + extra
	var why string
	switch {
	case q.exhausted:
		why = "YouTube answered quotaExceeded earlier today"
	case q.uploaded+1 > q.uploads:
		why = fmt.Sprintf("this run has made %d of the %d uploads the project may make a day (upload_quota)", q.uploaded, q.uploads)
	case q.spent+need > q.units:
		why = fmt.Sprintf("the upload needs %d units and %d of the day's %d are left (quota_units)", need, q.units-q.spent, q.units)
	default:
		return nil
	}
	reset := nextReset(now)
	msg := "YouTube's daily quota cannot pay for this upload: " + why + "; herald starts no upload it cannot finish and waits for the reset at midnight Pacific time (" + reset.UTC().Format(time.RFC3339) + ")"
	return &platforms.APIError{Platform: Name, Status: http.StatusTooManyRequests, Code: "quotaExceeded", Message: msg,
		RetryAfter: reset.Sub(now), Outcome: platforms.NotCreated}
}

// left is how many more uploads (each with extra units) the day allows.
func (q *quota) left(now time.Time, extra int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	if q.exhausted {
		return 0
	}
	n := q.uploads - q.uploaded
	if per := q.uploadUnits + extra; per > 0 {
		n = min(n, (q.units-q.spent)/per)
	}
	return max(n, 0)
}

// Token.Extra keys that carry the day's count from one run to the next.
const (
	extraQuotaDay     = "youtube_quota_day"
	extraQuotaUnits   = "youtube_quota_units"
	extraQuotaUploads = "youtube_quota_uploads"
)

// restore reads what earlier runs of the same quota day spent, kept with
// the stored token, once.
func (q *quota) restore(now time.Time, extra map[string]string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.restored {
		return
	}
	q.restored = true
	q.roll(now)
	if extra[extraQuotaDay] != q.day {
		return
	}
	units, err1 := strconv.Atoi(extra[extraQuotaUnits])
	uploads, err2 := strconv.Atoi(extra[extraQuotaUploads])
	if err1 == nil && err2 == nil {
		q.spent, q.uploaded = max(q.spent, units), max(q.uploaded, uploads)
	}
}

// record returns the count as Token.Extra entries.
func (q *quota) record(now time.Time) map[string]string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	return map[string]string{extraQuotaDay: q.day, extraQuotaUnits: strconv.Itoa(q.spent), extraQuotaUploads: strconv.Itoa(q.uploaded)}
}

// restoreQuota reads the day's count kept with the account's token, so
// that a second run on the same day starts from what the first spent.
func (y *YouTube) restoreQuota(ctx context.Context) {
	if t, err := y.tokens.Load(ctx); err == nil && t != nil {
		y.quota.restore(y.now(), t.Extra)
	}
}

// keepQuota saves the day's count with a stored token (one herald auth
// or a refresh wrote), so that the next run knows it. A token from the
// environment is not written to the store for it. A failure to save is
// logged: the count is a guard, and Google's quotaExceeded still stops
// an upload it would refuse.
func (y *YouTube) keepQuota(ctx context.Context) {
	cur := y.tokens.Token()
	if cur == nil || cur.Expiry.IsZero() {
		return
	}
	rec := y.quota.record(y.now())
	nt := y.tokens.Update(func(t *platforms.Token) *platforms.Token {
		c := *t
		c.Extra = maps.Clone(t.Extra)
		if c.Extra == nil {
			c.Extra = map[string]string{}
		}
		maps.Copy(c.Extra, rec)
		return &c
	})
	if err := y.s.Tokens.Save(ctx, y.s.Account, nt); err != nil {
		y.log.Warn("could not keep the day's YouTube quota count with the token", "error", err.Error())
	}
}

// Quota says what is left of the day's quota as herald counted it, for
// herald's logs and tests: units of the general bucket, uploads of the
// videos.insert bucket, and when they reset.
func (y *YouTube) Quota() (units, uploads int, reset time.Time) {
	now := y.now()
	q := y.quota
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll(now)
	if q.exhausted {
		return 0, 0, nextReset(now)
	}
	return q.units - q.spent, q.uploads - q.uploaded, nextReset(now)
}

// RateLimit implements platforms.RateLimitReporter: the number of uploads
// with a thumbnail the day's quota still pays for, and the reset, so
// that the reconciler holds the account rather than start an upload the
// quota cannot finish.
func (y *YouTube) RateLimit() (remaining int, reset time.Time, ok bool) {
	now := y.now()
	return y.quota.left(now, CostThumbnail), nextReset(now), true
}
