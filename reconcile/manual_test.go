package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// manualPlatform stands for a platform without a publishing API: it
// "publishes" by preparing a draft for a person, as Substack's adapter
// writes one into the repository.
type manualPlatform struct {
	name   string
	drafts []string // the text of each draft written, in order
}

func (m *manualPlatform) Name() string { return m.name }

func (m *manualPlatform) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	m.drafts = append(m.drafts, p.Text())
	dir := "drafts/" + m.name + "/" + p.PostID
	return &platforms.Receipt{Provider: m.name, IDs: []string{dir}, Extra: map[string]string{"draft": dir + "/draft.html"},
		Manual: "paste " + dir + "/draft.html into a new post and publish it"}, nil
}

// A target whose platform has no publishing API ends manual, not
// published: the plan then holds it with what a person must do, writes
// the draft again only when the post changes, and never calls the
// platform otherwise.
func TestManualTargetWaitsForAPerson(t *testing.T) {
	w := newWorld(t, nil)
	sub := &manualPlatform{name: "substack"}
	w.providers["substack"] = []platforms.Publisher{sub}
	w.addPost("a", "hello", "substack")

	res := w.mustRun()
	if diff := cmp.Diff([]string{"a/substack:manual"}, outcomes(res)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	if d := res.Items[0].Detail; !strings.Contains(d, "paste drafts/substack/a/draft.html") || !strings.Contains(d, "herald resolve a substack --published URL") {
		t.Errorf("result detail %q does not say what to do", d)
	}
	if res.Failed() {
		t.Error("a manual target makes the run look failed")
	}
	if got := summarize(res); got != "1 manual" {
		t.Errorf("the results commit is summarised %q, want 1 manual", got)
	}
	ts := w.status("a", "substack")
	if ts.Status != state.StatusManual || ts.Manual == "" || ts.IDs != nil || ts.URLs != nil ||
		ts.Extra["draft"] != "drafts/substack/a/draft.html" || ts.Hash != hashOf("hello", "substack") || !ts.FirstPublishedAt.IsZero() {
		t.Errorf("state %+v", ts)
	}

	p := w.plan(context.Background())
	if p.Changes() != 0 || p.Actions[0].Kind != Held {
		t.Fatalf("plan after the draft: %+v", p.Actions)
	}
	if r := p.Actions[0].Reason; !strings.Contains(r, "waiting for a person since") || !strings.Contains(r, "paste drafts/substack/a/draft.html") ||
		!strings.Contains(r, "herald resolve a substack --published URL") {
		t.Errorf("held reason %q", r)
	}
	if res := w.mustRun(); len(res.Items) != 0 || len(sub.drafts) != 1 {
		t.Errorf("a second run did %v and wrote %d drafts; want nothing and 1", outcomes(res), len(sub.drafts))
	}

	// The post changes: the draft is written again, and waits again.
	w.posts, w.texts = nil, map[string]string{}
	w.addPost("a", "hello, edited", "substack")
	p = w.plan(context.Background())
	if p.Actions[0].Kind != Retry || !strings.Contains(p.Actions[0].Reason, "writes the draft again") {
		t.Fatalf("plan after an edit: %+v", p.Actions[0])
	}
	res = w.mustRun()
	if diff := cmp.Diff([]string{"a/substack:manual"}, outcomes(res)); diff != "" || len(sub.drafts) != 2 || sub.drafts[1] != "hello, edited" {
		t.Errorf("rewrite run %v, drafts %q", outcomes(res), sub.drafts)
	}
	if ts := w.status("a", "substack"); ts.Status != state.StatusManual || ts.Hash != hashOf("hello, edited", "substack") || ts.Attempts != 2 {
		t.Errorf("state after the rewrite %+v", ts)
	}

	// delete: true on a post herald never published: nothing to do.
	w.posts[0].Delete = true
	if a := w.plan(context.Background()).Actions[0]; a.Kind != NoOp || !strings.Contains(a.Reason, "herald never published it") {
		t.Errorf("delete: true on a manual target: %+v", a)
	}
}

// unpublishing is a Deleter whose delete unpublishes, as dev.to's does.
type unpublishing struct{ *fakePlatform }

func (unpublishing) DeleteMeans() string { return "unpublishes the article" }

// A platform whose delete does not remove the post says what it does,
// in the plan and in the result.
func TestDeleteSaysWhatItMeans(t *testing.T) {
	devto := unpublishing{&fakePlatform{name: "devto"}}
	rec := record("a", map[string]state.TargetState{"devto": published("a", "devto")})
	s := post("a", nil, "devto")
	s.Delete = true
	p := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{s}, Records: []*state.Record{rec}, Config: testConfig(),
		Caps: func(string) Capabilities {
			return Capabilities{Update: true, Delete: true, DeleteMeans: devto.DeleteMeans()}
		}})
	if a := p.Actions[0]; a.Kind != Delete || a.Reason != "delete: true: unpublishes the article (published at https://devto.example/a)" {
		t.Errorf("plan %+v", a)
	}

	w := newWorld(t, nil)
	w.providers["devto"] = []platforms.Publisher{devto}
	w.addPost("a", "hello", "devto")
	w.mustRun()
	w.posts[0].Delete = true
	ctx := context.Background()
	var records []*state.Record
	if err := w.store.Walk(ctx, func(r *state.Record) error { records = append(records, r); return nil }); err != nil {
		t.Fatal(err)
	}
	plan := MakePlan(PlanInput{Now: w.clock.Now(), Posts: w.posts, Records: records, Config: testConfig(),
		Caps: func(string) Capabilities { return Capabilities{Delete: true, DeleteMeans: devto.DeleteMeans()} }})
	out, err := w.applier().Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if it := out.Items[0]; it.Outcome != OutDeleted || it.Detail != "unpublishes the article" {
		t.Errorf("result %+v", it)
	}
}

// A create on a platform without a publishing API says, in the plan (and
// so in the pull request's comment), what a person will have to do.
func TestCreateSaysWhatPublishMeans(t *testing.T) {
	caps := func(string) Capabilities { return Capabilities{PublishMeans: "a draft for a person"} }
	p := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{post("a", nil, "substack")}, Config: testConfig(), Caps: caps})
	if a := p.Actions[0]; a.Kind != Create || a.Reason != "no publish_at: due once merged; a draft for a person" {
		t.Errorf("plan %+v", a)
	}
	later := post("b", at("2026-12-01T09:00:00Z"), "substack")
	if a := MakePlan(PlanInput{Now: planNow, Posts: []schema.Summary{later}, Config: testConfig(), Caps: caps}).Actions[0]; a.Kind != Scheduled || strings.Contains(a.Reason, "draft") {
		t.Errorf("a scheduled post's plan %+v", a)
	}
}
