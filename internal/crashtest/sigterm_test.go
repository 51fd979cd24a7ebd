package crashtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The interrupt test's sizes.
const (
	feedPosts     = 300
	mastodonPosts = 20
	// interruptAt is how many Mastodon posts have landed when the run gets
	// SIGTERM: past the rate limit's burst, well before the end.
	interruptAt = 6
	// grace is how long herald has after SIGTERM to record and push what
	// it did, as the README documents; exitSlack is for the process to
	// end after that.
	grace     = 30 * time.Second
	exitSlack = 5 * time.Second
	// concurrency is herald apply's default --concurrency: the most calls
	// that can be in flight when the signal comes.
	concurrency = 8
)

// TestSigterm interrupts a long apply --push the way a cancelled or
// timed-out Actions job does, with SIGTERM, and checks that herald stops
// starting calls, records every result it got and pushes it within the
// grace period, then exits non-zero: every post a platform accepted is
// published in the remote's state, and the next plan (from a fresh clone,
// as the next CI run) asks to resolve none of them.
func TestSigterm(t *testing.T) {
	// Mastodon answers slowly and herald paces its calls, so the run is
	// long and calls are in flight when the signal comes.
	r := newRig(t, rigOptions{mastodonDelay: 250 * time.Millisecond})
	var posts []postSpec
	for i := range feedPosts {
		posts = append(posts, newPost(fmt.Sprintf("f%03d", i+1), fmt.Sprintf("Feed entry %d", i+1), []string{acctSite}, 1, 0))
	}
	for i := range mastodonPosts {
		posts = append(posts, newPost(fmt.Sprintf("m%02d", i+1), fmt.Sprintf("Status %d", i+1), []string{acctMastodon}, 1, 0))
	}
	if err := r.add("A large batch", posts...); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	// JSON logs, to read which results herald got.
	cmd := r.start(r.dir, &stdout, &stderr, "--log-format", "json", "apply", "--push")
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	landed := func() int { return len(r.masto.Posts()) - seedMastodon }

	// Wait for the run to be well under way.
	deadline := time.After(2 * time.Minute)
	for landed() < interruptAt {
		select {
		case <-exited:
			t.Fatalf("the run ended before %d Mastodon posts landed, so it could not be interrupted:\n%s\n%s", interruptAt, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("%d Mastodon posts after two minutes; output so far:\n%s\n%s", landed(), stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	atSignal := landed()
	signalled := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(grace + exitSlack + 30*time.Second):
		t.Fatalf("herald did not end %s after SIGTERM; output so far:\n%s\n%s", grace+exitSlack+30*time.Second, stdout.String(), stderr.String())
	}
	took := time.Since(signalled)
	t.Logf("SIGTERM after %d of %d Mastodon posts; herald exited %d %s later", atSignal, mastodonPosts, cmd.ProcessState.ExitCode(), took.Round(time.Millisecond))
	t.Logf("herald's output:\n%s", lastLines(stdout.String()+stderr.String(), 5))

	var f findings
	if code := cmd.ProcessState.ExitCode(); code == 0 || code == -1 {
		f.defect("exit status after SIGTERM", "exit %d (signal %v): want a non-zero exit of herald's own", code, cmd.ProcessState)
	}
	if took > grace+exitSlack {
		f.defect("exit after the grace period", "exited %s after SIGTERM, the grace period is %s", took.Round(time.Millisecond), grace)
	}
	if n := landed() - atSignal; n > concurrency {
		f.defect("calls started after SIGTERM", "%d Mastodon posts landed after the signal, more than the %d calls that can be in flight", n, concurrency)
	}
	// A run that stopped in good order leaves what a settled one does: a
	// clean work tree, pushed.
	r.checkClean(&f, "SIGTERM", "the interrupted run")

	clone := r.cloneRemote()
	states := r.readStates(clone)
	remoteFeed := feedEntries(t, filepath.Join(clone, "public", "feed.json"))
	localFeed := feedEntries(t, filepath.Join(r.dir, "public", "feed.json"))
	onMastodon := map[string][]string{} // post -> IDs
	for _, p := range r.posts {
		if slices.Contains(p.Targets, acctMastodon) {
			if ids, _ := r.published(&f, p, acctMastodon, r.masto.Posts()); len(ids) > 0 {
				onMastodon[p.ID] = ids
			}
		}
	}
	// The results herald got: what it logged as published, and the
	// entries it wrote into the feed file of its work tree.
	results := loggedPublished(stderr.String())
	for id := range localFeed {
		results[strings.TrimPrefix(id, feedID(""))+" "+acctSite] = true
	}
	recorded := 0
	for _, p := range r.posts {
		acct := p.Targets[0]
		st, ok := states[p.ID][acct]
		var ids []string // where the platform has it
		switch acct {
		case acctMastodon:
			ids = onMastodon[p.ID]
		case acctSite:
			if n := remoteFeed[feedID(p.ID)]; n > 1 {
				f.defect("duplicate", "%s: %d entries in the remote's feed", p.ID, n)
			}
			if remoteFeed[feedID(p.ID)] > 0 || localFeed[feedID(p.ID)] > 0 {
				ids = []string{feedID(p.ID)}
			}
		}
		published := ok && st.Status == "published"
		got := results[p.ID+" "+acct]
		switch {
		case published && len(ids) == 0:
			f.defect("recorded as published, but not on the platform", "%s on %s", p.ID, acct)
		case published && acct == acctSite && remoteFeed[feedID(p.ID)] == 0:
			f.defect("recorded as published, but not in the remote's feed", "%s", p.ID)
		case published && !slices.Equal(st.IDs, ids):
			f.defect("remote state names other IDs than the platform has", "%s on %s: state %v, platform %v", p.ID, acct, st.IDs, ids)
		case published:
			recorded++
		case got:
			status := "no state"
			if ok {
				status = st.Status
			}
			f.defect("a result herald got is not recorded on the remote", "%s on %s: remote state %s", p.ID, acct, status)
		case len(ids) > 0:
			// Accepted while the call was cut short: the next run's
			// look-up settles it.
			f.note("a post accepted by a call herald did not see end", "%s on %s: remote state %s", p.ID, acct, st.Status)
		}
	}
	t.Logf("herald got %d results before it stopped (%d Mastodon posts landed, %d feed entries written); the remote records %d as published",
		len(results), len(onMastodon), len(localFeed), recorded)

	// The next run, from a fresh clone, asks to resolve none of them.
	res := r.run(clone, 0, "plan", "--json")
	if res.code != 0 {
		t.Fatalf("herald plan --json in a fresh clone exited %d:\n%s", res.code, res.stderr)
	}
	var plan struct {
		Actions []struct {
			Post   string `json:"post"`
			Target string `json:"target"`
			Action string `json:"action"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &plan); err != nil {
		t.Fatalf("plan --json: %v", err)
	}
	for _, a := range plan.Actions {
		if a.Action == "resolve" && results[a.Post+" "+a.Target] {
			f.defect("the next plan resolves a result herald got", "%s on %s", a.Post, a.Target)
		}
	}
	r.checkFakes(&f)
	f.report(t)
}

// loggedPublished reads herald's JSON log for the targets it logged as
// published: "post target" -> true.
func loggedPublished(log string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(log, "\n") {
		var rec struct {
			Post    string `json:"post_id"`
			Target  string `json:"target"`
			Outcome string `json:"outcome"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Post == "" || rec.Outcome != "published" {
			continue
		}
		out[rec.Post+" "+rec.Target] = true
	}
	return out
}

// lastLines is the end of a program's output.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
