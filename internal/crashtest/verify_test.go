package crashtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// remoteState is a target's state as the remote has it.
type remoteState struct {
	Status    string   `json:"status"`
	IDs       []string `json:"ids"`
	LastError *struct {
		Message string `json:"message"`
		Kind    string `json:"kind"`
	} `json:"last_error"`
}

// cloneRemote clones the remote afresh, as the next CI run would see it.
func (r *rig) cloneRemote() string {
	r.t.Helper()
	dir := filepath.Join(r.t.TempDir(), "fresh")
	r.mustGit(filepath.Dir(dir), "clone", "--quiet", r.remote, dir)
	return dir
}

// readStates reads .herald/state of a clone: post -> target -> state.
func (r *rig) readStates(clone string) map[string]map[string]remoteState {
	r.t.Helper()
	out := map[string]map[string]remoteState{}
	for _, p := range r.posts {
		data, err := os.ReadFile(filepath.Join(clone, ".herald", "state", filepath.FromSlash(p.ID)+".json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			r.t.Fatal(err)
		}
		var rec struct {
			Targets map[string]remoteState `json:"targets"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			r.t.Fatalf("state of %s on the remote: %v", p.ID, err)
		}
		out[p.ID] = rec.Targets
	}
	return out
}

// feedEntries counts the entries of a JSON Feed file by ID; nil when the
// file is missing.
func feedEntries(t *testing.T, file string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(data, &feed); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := map[string]int{}
	for _, it := range feed.Items {
		out[it.ID]++
	}
	return out
}

func feedID(post string) string { return "tag:" + siteHost + ",2026:" + post }

// fakeOf returns the fake an account publishes to.
func (r *rig) fakeOf(acct string) *platformtest.Fake {
	switch acct {
	case acctMastodon:
		return r.masto.Fake
	case acctBluesky:
		return r.bsky.Fake
	case acctX:
		return r.xf.Fake
	}
	return nil
}

// published finds a post's thread on a fake by its parts' tokens: the IDs
// of the parts in order, or what is wrong with it. Duplicates and
// missing parts are counted in f.
func (r *rig) published(f *findings, p postSpec, acct string, posts []platformtest.Post) (ids []string, ok bool) {
	byToken := map[string][]platformtest.Post{}
	for _, q := range posts {
		for _, w := range strings.Fields(q.Text) {
			if strings.HasPrefix(w, "kt-") {
				byToken[w] = append(byToken[w], q)
			}
		}
	}
	ok = true
	var alts []string
	for i := range p.Parts {
		tok := token(p.ID, i, len(p.Parts))
		got := byToken[tok]
		switch {
		case len(got) == 0:
			if i == 0 {
				return nil, false // not there at all: the caller says lost
			}
			f.defect("thread cut short on the platform", "%s on %s: part %d of %d missing", p.ID, acct, i+1, len(p.Parts))
			return ids, false
		case len(got) > 1:
			var gids []string
			for _, g := range got {
				gids = append(gids, g.ID)
			}
			f.defect("duplicate", "%s on %s: part %d of %d posted %d times (%s)", p.ID, acct, i+1, len(p.Parts), len(got), strings.Join(gids, ", "))
			ok = false
		}
		q := got[0]
		if i > 0 && q.ReplyTo != ids[i-1] {
			f.defect("thread not one reply chain", "%s on %s: part %d replies to %q, not to part %d (%s)", p.ID, acct, i+1, q.ReplyTo, i, ids[i-1])
			ok = false
		}
		if i == 0 && q.ReplyTo != "" {
			f.defect("thread not one reply chain", "%s on %s: part 1 replies to %s", p.ID, acct, q.ReplyTo)
			ok = false
		}
		for _, m := range q.Media {
			alts = append(alts, m.Alt)
		}
		ids = append(ids, q.ID)
	}
	var want []string
	for _, m := range p.Media {
		want = append(want, m.Alt)
	}
	sort.Strings(alts)
	sort.Strings(want)
	if !slices.Equal(alts, want) {
		f.defect("media not attached as written", "%s on %s: images with alt %q, want %q", p.ID, acct, alts, want)
		ok = false
	}
	return ids, ok
}

// verify checks the end result of a run of herald against the rig's
// posts: each exists exactly once on each of its targets (a thread as one
// reply chain, its images attached), and the remote's state says
// published with the IDs the platforms gave. A target left unknown is a
// defect too: with these fakes every look-up can tell.
func (r *rig) verify(f *findings) {
	r.t.Helper()
	clone := r.cloneRemote()
	states := r.readStates(clone)
	feed := feedEntries(r.t, filepath.Join(clone, "public", "feed.json"))
	live := map[string][]platformtest.Post{}
	for _, acct := range []string{acctMastodon, acctBluesky, acctX} {
		live[acct] = r.fakeOf(acct).Posts()
	}
	for _, p := range r.posts {
		for _, acct := range p.Targets {
			st, recorded := states[p.ID][p.key(acct)]
			r.passedOver(f, p, acct, live[acct], states[p.ID])
			var ids []string
			if acct == acctSite {
				switch n := feed[feedID(p.ID)]; {
				case n == 1:
					ids = []string{feedID(p.ID)}
				case n > 1:
					f.defect("duplicate", "%s on %s: %d feed entries", p.ID, acct, n)
					ids = []string{feedID(p.ID)}
				}
			} else {
				ids, _ = r.published(f, p, acct, live[acct])
			}
			switch {
			case recorded && st.Status == "unknown":
				msg := ""
				if st.LastError != nil {
					msg = st.LastError.Message
				}
				f.defect("unknown", "%s on %s: %s", p.ID, acct, msg)
			case len(ids) == 0:
				status := "no state"
				if recorded {
					status = st.Status
					if st.LastError != nil {
						status += ": " + st.LastError.Message
					}
				}
				f.defect("lost", "%s on %s: not on the platform (remote state: %s)", p.ID, acct, status)
			case !recorded:
				f.defect("published but not recorded on the remote", "%s on %s: ids %v, no state", p.ID, acct, ids)
			case st.Status != "published":
				f.defect("published but not recorded on the remote", "%s on %s: ids %v, remote state %s", p.ID, acct, ids, st.Status)
			case !slices.Equal(st.IDs, ids):
				f.defect("remote state names other IDs than the platform has", "%s on %s: state %v, platform %v", p.ID, acct, st.IDs, ids)
			}
		}
	}
	r.checkFakes(f)
}

// passedOver checks that of a recurring post only the occurrence due
// reached acct: no text of another occurrence is on the platform, and
// state records no other occurrence.
func (r *rig) passedOver(f *findings, p postSpec, acct string, posts []platformtest.Post, states map[string]remoteState) {
	if p.Series == nil {
		return
	}
	for i := range p.Series.Texts {
		if i+1 == p.Series.Due {
			continue
		}
		tok := p.Series.token(p.ID, i)
		for _, q := range posts {
			if slices.Contains(strings.Fields(q.Text), tok) {
				f.defect("an occurrence published that was not due", "%s on %s: occurrence text %d (%s), post %s", p.ID, acct, i+1, tok, q.ID)
			}
		}
	}
	for key, st := range states {
		if key != p.key(acct) && (key == acct || strings.HasPrefix(key, acct+"#")) {
			f.defect("an occurrence published that was not due", "%s: state records %s (%s), only %s was due", p.ID, key, st.Status, p.key(acct))
		}
	}
}

// checkFakes reports the contract violations the fakes saw, but a request
// whose body could not be read: the harness killed its sender mid-send.
func (r *rig) checkFakes(f *findings) {
	for _, e := range r.rep.errors() {
		if strings.Contains(e, "read body:") {
			f.note("a killed request reached a fake", "%s", e)
			continue
		}
		f.defect("a fake saw a request that breaks its platform's contract", "%s", e)
	}
}

// reporter collects the fakes' contract violations, which can come from
// their server goroutines while the harness is busy, for verify to
// report.
type reporter struct {
	t    *testing.T
	mu   sync.Mutex
	errs []string
}

func (r *reporter) Helper()                        {}
func (r *reporter) Fatalf(format string, a ...any) { r.t.Fatalf(format, a...) }
func (r *reporter) Cleanup(fn func())              { r.t.Cleanup(fn) }

func (r *reporter) Errorf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func (r *reporter) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}
