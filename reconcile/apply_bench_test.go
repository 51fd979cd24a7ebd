package reconcile

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// slowPlatform is one account on a platform with real latency and a real
// rate limit: a call over the limit is answered 429 with Retry-After, as
// the platforms do. It ignores nothing a benchmark should pay for.
type slowPlatform struct {
	name    string
	latency time.Duration
	limit   *rate.Limiter

	mu      sync.Mutex
	posts   map[platforms.AttemptKey]string
	limited atomic.Int64 // calls answered 429
}

func newSlowPlatform(name string, latency time.Duration, r rate.Limit, burst int) *slowPlatform {
	return &slowPlatform{name: name, latency: latency, limit: rate.NewLimiter(r, burst), posts: map[platforms.AttemptKey]string{}}
}

func (p *slowPlatform) Name() string { return p.name }

func (p *slowPlatform) Publish(ctx context.Context, pl *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	// The bucket is read under the lock, so that it sees arrivals in
	// order (rate.Limiter credits an out-of-order time twice).
	p.mu.Lock()
	ok := p.limit.Allow()
	p.mu.Unlock()
	if !ok {
		p.limited.Add(1)
		return nil, &platforms.APIError{Platform: p.name, Status: 429, Message: "Too Many Requests",
			RetryAfter: time.Second, Outcome: platforms.NotCreated}
	}
	if p.latency > 0 {
		t := time.NewTimer(p.latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, &platforms.APIError{Platform: p.name, Message: "canceled", Outcome: platforms.Unknown, Err: ctx.Err()}
		case <-t.C:
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts[key] = pl.Text()
	id := fmt.Sprint(len(p.posts))
	return &platforms.Receipt{Provider: p.name, IDs: []string{id}, URLs: []string{"https://" + p.name + ".example/" + id}}, nil
}

func (p *slowPlatform) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.posts)
}

// bulk is a batch of due posts spread over accounts: what a content team
// merges after a week away, or a first run over an existing archive.
type bulk struct {
	posts    int
	accounts int
	latency  time.Duration
	rate     rate.Limit // per account
	burst    int
	// blocked gives each account a run of consecutive posts (by post ID)
	// instead of taking turns.
	blocked bool
}

// setup makes the posts, the platforms, a store and an Applier that uses
// the real clock.
func (bk bulk) setup(tb testing.TB) (*Applier, *Plan, *state.MemStore, []*slowPlatform) {
	tb.Helper()
	accounts := make([]*slowPlatform, bk.accounts)
	byName := map[string]*slowPlatform{}
	for i := range accounts {
		accounts[i] = newSlowPlatform(fmt.Sprintf("acct%d", i), bk.latency, bk.rate, bk.burst)
		byName[accounts[i].name] = accounts[i]
	}
	var posts []schema.Summary
	for i := range bk.posts {
		a := i % bk.accounts
		if bk.blocked {
			a = i * bk.accounts / bk.posts
		}
		id := fmt.Sprintf("p%05d", i)
		s := post(id, nil, accounts[a].name)
		s.Targets[0].Hash = hashOf("post "+id, accounts[a].name)
		posts = append(posts, s)
	}
	store, err := state.NewMemStore()
	if err != nil {
		tb.Fatal(err)
	}
	p := MakePlan(PlanInput{Now: time.Now(), Posts: posts, Config: &schema.Config{}})
	if n := p.Changes(); n != bk.posts {
		tb.Fatalf("plan acts on %d targets, want %d", n, bk.posts)
	}
	ap := &Applier{
		Store: store,
		Providers: func(target string) ([]platforms.Publisher, error) {
			return []platforms.Publisher{byName[target]}, nil
		},
		Payload: func(ctx context.Context, a Action, _ map[string]string) (*platforms.Payload, error) {
			text := "post " + a.Post
			return &platforms.Payload{PostID: a.Post, Target: a.Target, Platform: a.Platform,
				Parts: []platforms.Part{{Text: text}}, Hash: hashOf(text, a.Target)}, nil
		},
		Push:  true,
		Limit: func(string) (rate.Limit, int) { return bk.rate, bk.burst },
		// Enough calls in flight for every account's burst at once, then
		// rate × latency each. Fewer, and calls the limiter let through
		// queue for a slot and reach the platform in a clump, which its
		// own bucket answers with 429.
		Concurrency: max(8, bk.accounts*(bk.burst+int(math.Ceil(float64(bk.rate)*bk.latency.Seconds())))),
	}
	return ap, p, store, accounts
}

// allowed is the shortest time the platforms' rate limits allow.
func (bk bulk) allowed() time.Duration {
	return time.Duration(float64(bk.posts) / (float64(bk.rate) * float64(bk.accounts)) * float64(time.Second))
}

// BenchmarkApply1000 publishes 1,000 due posts over 4 accounts, each
// allowing 50 requests a second with a burst of 10, at 50 ms a call. It
// reports the run's time over the 5 s the rate limits allow, and fails
// above 1.2.
func BenchmarkApply1000(b *testing.B) {
	for _, blocked := range []bool{false, true} {
		name := "interleaved"
		if blocked {
			name = "blocked"
		}
		b.Run(name, func(b *testing.B) {
			bk := bulk{posts: 1000, accounts: 4, latency: 50 * time.Millisecond, rate: 50, burst: 10, blocked: blocked}
			var total time.Duration
			for range b.N {
				b.StopTimer()
				ap, p, _, accounts := bk.setup(b)
				b.StartTimer()
				start := time.Now()
				res, err := ap.Apply(context.Background(), p)
				total += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if n := res.Count(OutPublished); n != bk.posts {
					b.Fatalf("%d published, want %d: %s", n, bk.posts, summarize(res))
				}
				var limited int64
				for _, a := range accounts {
					limited += a.limited.Load()
				}
				b.ReportMetric(float64(limited), "429s/op")
			}
			ratio := total.Seconds() / float64(b.N) / bk.allowed().Seconds()
			b.ReportMetric(ratio, "x-rate-limit")
			if ratio > 1.2 {
				b.Fatalf("apply took %.2f× the %s the rate limits allow, want at most 1.2×", ratio, bk.allowed())
			}
		})
	}
}

// TestApplyBulkCommitsTwice: however many posts a run publishes, it makes
// one intent commit and one result commit.
func TestApplyBulkCommitsTwice(t *testing.T) {
	for _, blocked := range []bool{false, true} {
		t.Run(fmt.Sprintf("blocked=%t", blocked), func(t *testing.T) {
			bk := bulk{posts: 1000, accounts: 4, rate: rate.Inf, burst: 1, blocked: blocked}
			ap, p, store, accounts := bk.setup(t)
			res, err := ap.Apply(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if n := res.Count(OutPublished); n != bk.posts {
				t.Fatalf("%d published, want %d: %s", n, bk.posts, summarize(res))
			}
			posted := 0
			for _, a := range accounts {
				posted += a.count()
			}
			if posted != bk.posts {
				t.Errorf("%d posts on the platforms, want %d", posted, bk.posts)
			}
			commits := store.Commits()
			var summaries []string
			for _, c := range commits {
				summaries = append(summaries, fmt.Sprintf("%s (%d files)", firstLine(c.Message), len(c.Files)))
			}
			want := []string{
				"herald: publishing 1000 targets [skip ci] (1000 files)",
				"herald: 1000 published [skip ci] (1000 files)",
			}
			if diff := cmp.Diff(want, summaries); diff != "" {
				t.Errorf("commits (-want +got):\n%s", diff)
			}
			if n := store.Unpushed(); n != 0 {
				t.Errorf("%d commits not pushed", n)
			}
		})
	}
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
