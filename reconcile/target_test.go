package reconcile

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

func TestSelectionSelects(t *testing.T) {
	sel := Selection{Campaigns: []string{"q4", "q1"}, Accounts: []string{"x"}}
	tests := []struct {
		post, campaign, target string
		want                   bool
	}{
		{"a", "q4", "x", true},
		{"a", "q1", "x", true},        // any value within one kind
		{"a", "q4", "bluesky", false}, // every kind given must match
		{"a", "", "x", false},         // no campaign never matches --campaign
		{"a", "q2", "x", false},
	}
	for _, tt := range tests {
		if got := sel.Selects(tt.post, tt.campaign, tt.target); got != tt.want {
			t.Errorf("Selects(%q, %q, %q) = %v, want %v", tt.post, tt.campaign, tt.target, got, tt.want)
		}
	}
	if !(Selection{}).Selects("a", "", "x") {
		t.Error("an empty selection must select everything")
	}
	if got, want := sel.String(), "--campaign q4 --campaign q1 --account x"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestPlanTargeted checks that a targeted plan keeps the kinds of what it
// selects, skips the rest saying what it would have been, and that --now
// rushes only the selection and never through a freeze or a draft.
func TestPlanTargeted(t *testing.T) {
	future := at("2026-12-01T09:00:00-05:00")
	q4 := func(s schema.Summary) schema.Summary { s.Campaign = "q4"; return s }
	posts := []schema.Summary{
		q4(post("a", future, "x", "mastodon")),
		post("b", future, "x"),
		q4(post("c", nil, "x")),
	}
	draft := q4(post("d", future, "x"))
	draft.Draft = true
	posts = append(posts, draft)
	records := []*state.Record{record("gone", map[string]state.TargetState{"x": published("gone", "x")})}

	kinds := func(p *Plan) []string {
		var out []string
		for _, a := range p.Actions {
			s := a.Post + "/" + a.Target + " " + string(a.Kind)
			if a.Would != "" {
				s += " (" + string(a.Would) + ")"
			}
			out = append(out, s)
		}
		return out
	}
	in := PlanInput{Now: planNow, Posts: posts, Records: records, Config: testConfig(), Caps: caps,
		Only: Selection{Campaigns: []string{"q4"}, Accounts: []string{"x"}}}
	p := MakePlan(in)
	want := []string{"a/mastodon skipped (scheduled)", "a/x scheduled", "b/x skipped (scheduled)", "c/x create", "d/x draft", "gone/x skipped (kept)"}
	if diff := cmp.Diff(want, kinds(p)); diff != "" {
		t.Errorf("targeted plan (-want +got):\n%s", diff)
	}
	if p.Summary[Skipped] != 3 {
		t.Errorf("skipped = %d, want 3", p.Summary[Skipped])
	}

	in.Rush = true
	p = MakePlan(in)
	want[1] = "a/x create"
	if diff := cmp.Diff(want, kinds(p)); diff != "" {
		t.Errorf("targeted plan with --now (-want +got):\n%s", diff)
	}
	if got := p.Actions[1].Reason; got != "publish_at 2026-12-01 09:00 EST moved to now by --now" {
		t.Errorf("reason = %q", got)
	}

	in.Config.Freeze.Windows = []schema.Window{{From: planNow.Add(-time.Hour), Until: planNow.Add(time.Hour)}}
	p = MakePlan(in)
	if a := p.Actions[1]; a.Kind != Frozen {
		t.Errorf("--now in a freeze window: %s %q, want frozen", a.Kind, a.Reason)
	}

	// A queued post without a queue goes too.
	next := q4(post("n", nil, "x"))
	next.PublishNext = true
	in.Config.Freeze.Windows = nil
	in.Posts = []schema.Summary{next}
	p = MakePlan(in)
	if a := p.Actions[0]; a.Kind != Create || a.Reason != "publish_at: next moved to now by --now" {
		t.Errorf("--now on a post without a slot: %s %q, want create", a.Kind, a.Reason)
	}

	// --now without a selection rushes nothing.
	p = MakePlan(PlanInput{Now: planNow, Posts: posts, Config: testConfig(), Rush: true})
	if a := p.Actions[0]; a.Kind != Scheduled {
		t.Errorf("--now without a selection: %s, want scheduled", a.Kind)
	}
}
