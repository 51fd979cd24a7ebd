package crashtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/mastodon"
)

// Kill-run sizes. The default is what plain go test can afford on a
// small machine; HERALD_KILLS asks for a long run.
const (
	defaultKills  = 25
	defaultBudget = 60 * time.Second
	// settleRuns is how many unkilled runs in a row may end without
	// settling before the repository is declared stuck.
	settleRuns = 6
	// settleBudget is how long the unkilled runs at the end may take.
	settleBudget = 30 * time.Second
	// batchKills is how many kills one batch takes before its runs go
	// unkilled, so that the runs make progress.
	batchKills = 5
	// mastodonWindow is how many statuses the harness lets the Mastodon
	// account make in lookBack. A look-up bounded by its attempt reads
	// back to platforms.ClockSkew before the attempt, within Find's pages;
	// an account busier than that in so short a time is one a look-up
	// cannot settle, which is not what this test is about. (The account
	// also holds more than a look-up's pages of older statuses: see
	// seedMastodon.)
	mastodonWindow = mastodon.FindPageSize * mastodon.FindMaxPages * 85 / 100
	lookBack       = platforms.ClockSkew + time.Minute
)

// TestKill runs herald apply --push as a child process and kills it with
// SIGKILL at random moments, batch after batch of posts due now to
// Mastodon, Bluesky, X and the site's feed, on a Mastodon account that
// already has more statuses than one page of look-ups. After every kill
// git must read the repository; once herald says there is nothing left
// to do, the work tree must be clean and pushed. At the end, every post
// exists exactly once on each target, as one reply chain with its images,
// and the remote's state says published with the platforms' IDs: no
// duplicate, nothing lost, nothing unknown.
//
// HERALD_KILLS sets how many kills (default 25, bounded to about a
// minute; with the variable set, the run is bounded only by -timeout),
// HERALD_KILL_SEED the seed of the kill delays (printed on failure).
func TestKill(t *testing.T) {
	kills, budget, seed := killSettings(t)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	t.Logf("HERALD_KILL_SEED=%d, %d kills, budget %s", seed, kills, budget)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("HERALD_KILL_SEED=%d HERALD_KILLS=%d repeats this run's kill delays (not the machine's timing)", seed, kills)
		}
	})

	begin := time.Now()
	r := newRig(t, rigOptions{})
	r.seedMastodon(480, 30)
	var f findings
	defer f.report(t)
	batch := 0
	// addBatch commits the next batch of posts, as a writer does between
	// runs, and reports whether git let it.
	addBatch := func() bool {
		if !r.paceMastodon(begin.Add(budget)) {
			return false
		}
		if err := r.add(fmt.Sprintf("Posts of batch %d", batch), batchPosts(batch)...); err != nil {
			f.defect("git refuses the writer's commit", "batch %d: %s", batch, firstLines(err.Error(), 2))
			return false
		}
		batch++
		return true
	}

	// The run length: an unkilled apply of a full batch. The first run
	// also validates every post cold, which later runs find in herald's
	// cache; the second is the one the kills are spread over.
	var fresh time.Duration
	for i := range 2 {
		if !addBatch() {
			t.FailNow()
		}
		res := r.apply(0)
		if res.code != 0 {
			t.Fatalf("apply %d, unkilled, exited %d:\n%s\n%s", i+1, res.code, res.stdout, res.stderr)
		}
		if ok, res := r.settled(); !ok {
			t.Fatalf("after an unkilled apply, plan still has work (exit %d):\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		r.checkSettled(&f, fmt.Sprintf("after unkilled apply %d", i+1))
		fresh = res.took
	}
	t.Logf("an unkilled apply of one batch (%d posts) takes %s", len(batchPosts(0)), fresh.Round(time.Millisecond))
	longest := fresh

	loop := time.Now()
	landed, runs, unsettled, batchLanded := 0, 0, 0, 0
	need := true
	for landed < kills && time.Since(begin) < budget {
		if need {
			if !addBatch() {
				break
			}
			need, batchLanded = false, 0
		}
		var delay time.Duration
		if batchLanded < batchKills {
			// Half the kills are spread over a run that only posts, half
			// over the longest run seen, one that also looks up what
			// killed runs left behind.
			length := fresh
			if rng.IntN(2) == 1 {
				length = longest
			}
			delay = time.Duration(rng.Int64N(int64(length))) + 1
		}
		res := r.apply(delay)
		runs++
		if res.killed {
			landed++
			batchLanded++
			r.checkKilled(&f, fmt.Sprintf("kill %d (%s into run %d, batch %d)", landed, delay.Round(time.Millisecond), runs, batch-1))
			continue
		}
		longest = max(longest, res.took)
		if res.took > 20*time.Second {
			f.note("a slow run", "run %d (batch %d) took %s: %s", runs, batch-1, res.took.Round(time.Second), lastLines(res.stdout+res.stderr, 5))
		}
		if res.code != 0 {
			f.note("an apply that ran to its end failed", "run %d (batch %d), exit %d: %s", runs, batch-1, res.code, res.failureLine())
		}
		if ok, _ := r.settled(); ok {
			r.checkSettled(&f, fmt.Sprintf("batch %d settled after run %d", batch-1, runs))
			need, unsettled = true, 0
			continue
		}
		if unsettled++; unsettled >= settleRuns {
			f.defect("does not settle", "batch %d: %d runs in a row ended without settling; last: exit %d: %s",
				batch-1, unsettled, res.code, res.failureLine())
			break
		}
	}

	// Unkilled runs until nothing is left to do, unless herald is stuck
	// already.
	stuck := f.count("does not settle") > 0
	settledAtEnd := false
	final := time.Now()
	for i := 0; i < settleRuns && !stuck; i++ {
		if i > 0 && time.Since(final) > settleBudget {
			f.defect("does not settle", "%d unkilled runs at the end, in %s, left work to do", i, settleBudget)
			stuck = true
			break
		}
		res := r.apply(0)
		runs++
		if ok, _ := r.settled(); ok {
			settledAtEnd = true
			break
		}
		if res.code != 0 {
			f.note("an apply that ran to its end failed", "final run %d, exit %d: %s", runs, res.code, res.failureLine())
		}
	}
	if settledAtEnd {
		r.checkSettled(&f, "at the end")
	} else if !stuck {
		f.defect("does not settle", "%d unkilled runs at the end left work to do", settleRuns)
	}
	r.verify(&f)
	t.Logf("%d kills in %d runs over %d batches (%d posts, %d targets) in %s; the longest unkilled apply took %s",
		landed, runs, batch, len(r.posts), targets(r.posts), time.Since(loop).Round(time.Second), longest.Round(time.Millisecond))
}

// killSettings reads HERALD_KILLS and HERALD_KILL_SEED.
func killSettings(t *testing.T) (kills int, budget time.Duration, seed uint64) {
	kills, budget = defaultKills, defaultBudget
	if s := os.Getenv("HERALD_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("HERALD_KILLS: want a positive number, got %q", s)
		}
		kills, budget = n, 1000*time.Hour
		if d, ok := t.Deadline(); ok {
			// Leave time to settle, verify and report.
			budget = time.Until(d) - 2*time.Minute
		}
	}
	seed = uint64(time.Now().UnixNano())
	if s := os.Getenv("HERALD_KILL_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("HERALD_KILL_SEED: want a number, got %q", s)
		}
		seed = n
	}
	return kills, budget, seed
}

// batchPosts are the posts of batch b, all due now: a thread of three
// with two images and a note with one image to Mastodon, Bluesky and X,
// a short post to X and the feed, three entries for the feed alone, and
// a recurring post to Mastodon, Bluesky and X whose third occurrence is
// due (published once per account, as x#3, the first two passed over).
func batchPosts(b int) []postSpec {
	id := func(name string) string { return fmt.Sprintf("b%03d-%s", b, name) }
	social := []string{acctMastodon, acctBluesky, acctX}
	return []postSpec{
		newPost(id("thread"), fmt.Sprintf("Thread of batch %d", b), social, 3, 2),
		newPost(id("note"), fmt.Sprintf("Note of batch %d", b), social, 1, 1),
		newPost(id("brief"), fmt.Sprintf("Brief of batch %d", b), []string{acctX, acctSite}, 1, 0),
		newPost(id("news-1"), fmt.Sprintf("First news of batch %d", b), []string{acctSite}, 1, 0),
		newPost(id("news-2"), fmt.Sprintf("Second news of batch %d", b), []string{acctSite}, 1, 0),
		newPost(id("news-3"), fmt.Sprintf("Third news of batch %d", b), []string{acctSite}, 1, 0),
		newSeries(id("series"), fmt.Sprintf("Series of batch %d", b), social),
	}
}

func targets(posts []postSpec) int {
	n := 0
	for _, p := range posts {
		n += len(p.Targets)
	}
	return n
}

// paceMastodon waits, before a batch is added, until the Mastodon account
// has made fewer than mastodonWindow statuses in lookBack, and reports
// whether that happened before the deadline.
func (r *rig) paceMastodon(deadline time.Time) bool {
	for {
		n := 0
		since := time.Now().Add(-lookBack)
		for _, p := range r.masto.Posts() {
			if p.CreatedAt.After(since) {
				n++
			}
		}
		if n < mastodonWindow {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		if !r.paced {
			r.t.Logf("the Mastodon account made %d statuses in the last %s: batches wait for older ones to age", n, lookBack)
			r.paced = true
		}
		time.Sleep(5 * time.Second)
	}
}
