package reconcile

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/internal/golden"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

var (
	ny, _   = time.LoadLocation("America/New_York")
	planNow = time.Date(2026, 11, 21, 17, 0, 0, 0, time.UTC)
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func testConfig() *schema.Config {
	return &schema.Config{
		Timezone:    ny,
		MaxLateness: 24 * time.Hour,
		Accounts: map[string]*schema.Account{
			"bluesky":  {Name: "bluesky", Platform: "bluesky"},
			"mastodon": {Name: "mastodon", Platform: "mastodon"},
			"x":        {Name: "x", Platform: "x"},
		},
	}
}

func caps(platform string) Capabilities {
	switch platform {
	case "mastodon":
		return Capabilities{Update: true, Delete: true}
	case "x":
		return Capabilities{Delete: true}
	}
	return Capabilities{}
}

func post(id string, publishAt *time.Time, targets ...string) schema.Summary {
	s := schema.Summary{ID: id, File: "posts/" + id + ".md", Hash: "h-" + id, PublishAt: publishAt}
	for _, t := range targets {
		s.Targets = append(s.Targets, schema.TargetSummary{Name: t, Platform: t, Hash: "t-" + id + "-" + t})
	}
	return s
}

func record(id string, targets map[string]state.TargetState) *state.Record {
	return &state.Record{Post: id, File: "posts/" + id + ".md", Hash: "h-" + id, Targets: targets}
}

func published(id, target string) state.TargetState {
	return state.TargetState{Status: state.StatusPublished, Hash: "t-" + id + "-" + target,
		IDs: []string{"1"}, URLs: []string{"https://" + target + ".example/" + id}, UpdatedAt: planNow.Add(-48 * time.Hour)}
}

func TestPlanKinds(t *testing.T) {
	tests := []struct {
		name    string
		posts   []schema.Summary
		records []*state.Record
		cfg     func(*schema.Config)
		prune   bool
		late    bool
		want    []Kind
		reason  string // expected reason of the first action
	}{
		{name: "no publish_at is due once merged", posts: []schema.Summary{post("a", nil, "x")},
			want: []Kind{Create}, reason: "no publish_at: due once merged"},
		{name: "past publish_at is due", posts: []schema.Summary{post("a", at("2026-11-21T09:00:00-05:00"), "x")},
			want: []Kind{Create}, reason: "due since 2026-11-21 09:00 EST"},
		{name: "future publish_at is scheduled", posts: []schema.Summary{post("a", at("2026-12-01T09:00:00-05:00"), "x")},
			want: []Kind{Scheduled}, reason: "at 2026-12-01 09:00 EST (in 9d 21h)"},
		{name: "late beyond max_lateness is held", posts: []schema.Summary{post("a", at("2026-11-19T09:00:00-05:00"), "x")},
			want:   []Kind{Late},
			reason: "was due 2026-11-19 09:00 EST, 2d 3h ago, more than max_lateness 1d: held (publish with --allow-late, or move publish_at)"},
		{name: "late with allow-late is created", posts: []schema.Summary{post("a", at("2026-11-19T09:00:00-05:00"), "x")},
			late: true, want: []Kind{Create}},
		{name: "exactly max_lateness late still goes", posts: []schema.Summary{post("a", at("2026-11-20T17:00:00Z"), "x")},
			want: []Kind{Create}},
		{name: "no publish_at is never late", posts: []schema.Summary{post("a", nil, "x")},
			cfg: func(c *schema.Config) { c.MaxLateness = time.Minute }, want: []Kind{Create}},
		{name: "freeze switch holds creates", posts: []schema.Summary{post("a", nil, "x")},
			cfg:  func(c *schema.Config) { c.Freeze = schema.Freeze{On: true, Reason: "incident"} },
			want: []Kind{Frozen}, reason: "would create, but publishing is frozen: incident"},
		{name: "freeze window holds creates", posts: []schema.Summary{post("a", nil, "x")},
			cfg: func(c *schema.Config) {
				c.Freeze.Windows = []schema.Window{{From: planNow.Add(-time.Hour), Until: planNow.Add(time.Hour), Reason: "holiday"}}
			},
			want: []Kind{Frozen}, reason: "would create, but publishing is frozen until 2026-11-21 13:00 EST: holiday"},
		{name: "freeze window over does not hold", posts: []schema.Summary{post("a", nil, "x")},
			cfg: func(c *schema.Config) {
				c.Freeze.Windows = []schema.Window{{From: planNow.Add(-2 * time.Hour), Until: planNow}}
			},
			want: []Kind{Create}},
		{name: "draft", posts: []schema.Summary{func() schema.Summary { s := post("a", nil, "x"); s.Draft = true; return s }()},
			want: []Kind{Draft}},
		{name: "published unchanged", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": published("a", "x")})},
			want:    []Kind{NoOp}, reason: "published at https://x.example/a"},
		{name: "changed on an editable platform updates", posts: []schema.Summary{func() schema.Summary {
			s := post("a", nil, "mastodon")
			s.Targets[0].Hash = "new"
			return s
		}()},
			records: []*state.Record{record("a", map[string]state.TargetState{"mastodon": published("a", "mastodon")})},
			want:    []Kind{Update}},
		{name: "changed where the platform cannot edit is drift", posts: []schema.Summary{func() schema.Summary {
			s := post("a", nil, "bluesky")
			s.Targets[0].Hash = "new"
			return s
		}()},
			records: []*state.Record{record("a", map[string]state.TargetState{"bluesky": published("a", "bluesky")})},
			want:    []Kind{Drift}},
		{name: "only the changed target updates", posts: []schema.Summary{func() schema.Summary {
			s := post("a", nil, "mastodon", "x")
			s.Targets[0].Hash = "new"
			return s
		}()},
			records: []*state.Record{record("a", map[string]state.TargetState{"mastodon": published("a", "mastodon"), "x": published("a", "x")})},
			want:    []Kind{Update, NoOp}},
		{name: "delete true deletes where possible", posts: []schema.Summary{func() schema.Summary {
			s := post("a", nil, "bluesky", "x")
			s.Delete = true
			return s
		}()},
			records: []*state.Record{record("a", map[string]state.TargetState{"bluesky": published("a", "bluesky"), "x": published("a", "x")})},
			want:    []Kind{Drift, Delete}},
		{name: "delete true on a never published post", posts: []schema.Summary{func() schema.Summary {
			s := post("a", nil, "x")
			s.Delete = true
			return s
		}()},
			want: []Kind{NoOp}},
		{name: "target removed without prune is kept", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": published("a", "x"), "mastodon": published("a", "mastodon")})},
			want:    []Kind{Kept, NoOp}},
		{name: "target removed with prune is deleted", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": published("a", "x"), "mastodon": published("a", "mastodon")})},
			prune:   true, want: []Kind{Delete, NoOp}},
		{name: "post removed without prune is kept",
			records: []*state.Record{record("a", map[string]state.TargetState{"x": published("a", "x")})},
			want:    []Kind{Kept},
			reason:  "the post's file was removed: the published post https://x.example/a stays (run with --prune, or keep the file with delete: true, to delete it)"},
		{name: "post removed with prune is deleted",
			records: []*state.Record{record("a", map[string]state.TargetState{"x": published("a", "x")})},
			prune:   true, want: []Kind{Delete}},
		{name: "renamed file with same content moves", posts: []schema.Summary{func() schema.Summary {
			s := post("b", nil, "x")
			s.Hash = "h-a"
			return s
		}()},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": published("a", "x")})},
			want:    []Kind{Move}, reason: "renamed from posts/a.md (same content): the state follows, nothing is posted"},
		// apply records what each target received, not the post's hash:
		// a rename is found by those.
		{name: "renamed file whose targets would receive the same moves", posts: []schema.Summary{func() schema.Summary {
			s := post("b", nil, "x")
			s.Targets[0].Hash = "t-a-x"
			return s
		}()},
			records: []*state.Record{func() *state.Record {
				r := record("a", map[string]state.TargetState{"x": published("a", "x")})
				r.Hash = ""
				return r
			}()},
			want: []Kind{Move}, reason: "renamed from posts/a.md (same content): the state follows, nothing is posted"},
		{name: "renamed and changed is a new post", posts: []schema.Summary{post("b", nil, "x")},
			records: []*state.Record{func() *state.Record {
				r := record("a", map[string]state.TargetState{"x": published("a", "x")})
				r.Hash = ""
				return r
			}()},
			want: []Kind{Create, Kept}},
		{name: "publishing found at start is resolved", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusPublishing, Attempt: "k1"}})},
			want:    []Kind{Resolve}},
		{name: "unknown waits for a human", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusUnknown, Attempt: "k1", LastAttemptAt: planNow.Add(-time.Hour)}})},
			want:    []Kind{Held},
			reason:  "outcome unknown since 2026-11-21 11:00 EST: check x, then run herald resolve a x --published URL or --not-published"},
		{name: "failed with backoff elapsed retries", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusFailed, Attempts: 1,
				NextRetryAt: planNow.Add(-time.Minute), LastError: &state.Error{Message: "503 service unavailable"}}})},
			want: []Kind{Retry}, reason: "attempt 1 failed: 503 service unavailable"},
		{name: "failed in backoff is held", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusFailed, Attempts: 2,
				NextRetryAt: planNow.Add(10 * time.Minute), LastError: &state.Error{Message: "429 rate limited"}}})},
			want: []Kind{Held}, reason: "attempt 2 failed: 429 rate limited; next retry at 2026-11-21 12:10 EST"},
		{name: "failed for good is held until the post changes", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusFailed, Attempts: 1,
				Hash: "t-a-x", LastError: &state.Error{Message: "401 unauthorized"}}})},
			want: []Kind{Held}},
		{name: "failed for good retries once the post changed", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusFailed, Attempts: 1,
				Hash: "old", LastError: &state.Error{Message: "422 text too long"}}})},
			want: []Kind{Retry}, reason: "attempt 1 failed: 422 text too long; the post changed since"},
		{name: "deleted remotely is drift, never re-posted", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusDeletedRemotely}})},
			want:    []Kind{Drift}},
		{name: "deleted stays deleted", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusDeleted}})},
			want:    []Kind{NoOp}},
		{name: "scheduled record of a due post is created", posts: []schema.Summary{post("a", nil, "x")},
			records: []*state.Record{record("a", map[string]state.TargetState{"x": {Status: state.StatusScheduled}})},
			want:    []Kind{Create}},
		{name: "next without a queue is held", posts: []schema.Summary{func() schema.Summary {
			s := post("a", nil, "x")
			s.PublishNext = true
			return s
		}()},
			want: []Kind{Held}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			p := MakePlan(PlanInput{Now: planNow, Posts: tt.posts, Records: tt.records, Config: cfg, Caps: caps, Prune: tt.prune, AllowLate: tt.late})
			var got []Kind
			for _, a := range p.Actions {
				got = append(got, a.Kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("kinds (-want +got):\n%s\nactions: %+v", diff, p.Actions)
			}
			if tt.reason != "" && p.Actions[0].Reason != tt.reason {
				t.Errorf("reason:\n got %q\nwant %q", p.Actions[0].Reason, tt.reason)
			}
			for _, a := range p.Actions {
				if a.Reason == "" {
					t.Errorf("action %+v has no reason", a)
				}
			}
		})
	}
}

// TestPlanIsPure: the same input gives the same bytes, whatever the order
// of posts and records.
func TestPlanIsPure(t *testing.T) {
	in := goldenInput()
	var a, b bytes.Buffer
	if err := MakePlan(in).WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(in.Posts)-1; i < j; i, j = i+1, j-1 {
		in.Posts[i], in.Posts[j] = in.Posts[j], in.Posts[i]
	}
	for i, j := 0, len(in.Records)-1; i < j; i, j = i+1, j-1 {
		in.Records[i], in.Records[j] = in.Records[j], in.Records[i]
	}
	if err := MakePlan(in).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.String(), b.String()); diff != "" {
		t.Errorf("plan depends on input order:\n%s", diff)
	}
}

func goldenInput() PlanInput {
	changed := post("release-notes", nil, "mastodon", "bluesky")
	changed.Targets[0].Hash, changed.Targets[1].Hash = "new-m", "new-b"
	draft := post("wip", nil, "x")
	draft.Draft = true
	return PlanInput{
		Now:    planNow,
		Config: testConfig(),
		Caps:   caps,
		Posts: []schema.Summary{
			post("launch", at("2026-11-21T09:00:00-05:00"), "bluesky", "mastodon", "x"),
			post("webinar", at("2026-12-03T14:00:00-05:00"), "x", "mastodon"),
			post("old-news", at("2026-11-18T08:00:00-05:00"), "bluesky"),
			changed,
			post("hello", nil, "x"),
			post("unchanged", nil, "x"),
			draft,
		},
		Records: []*state.Record{
			record("release-notes", map[string]state.TargetState{"mastodon": published("release-notes", "mastodon"), "bluesky": published("release-notes", "bluesky")}),
			record("hello", map[string]state.TargetState{"x": {Status: state.StatusFailed, Attempts: 1, NextRetryAt: planNow.Add(-time.Minute),
				LastError: &state.Error{Message: "x: 503 over capacity", Kind: state.KindServer}}}),
			record("unchanged", map[string]state.TargetState{"x": published("unchanged", "x")}),
			record("retired", map[string]state.TargetState{"x": published("retired", "x")}),
		},
	}
}

func TestPlanGolden(t *testing.T) {
	p := MakePlan(goldenInput())
	var text, js bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "plan.txt", text.Bytes())
	golden.Check(t, "plan.json", js.Bytes())

	empty := MakePlan(PlanInput{Now: planNow, Config: testConfig()})
	text.Reset()
	js.Reset()
	if err := empty.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := empty.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "plan-empty.txt", text.Bytes())
	golden.Check(t, "plan-empty.json", js.Bytes())
}
