package reconcile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/heraldhq/herald/internal/telemetry"
	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/state"
)

// samples gathers reg into "name{label=value,...} value" lines, counters
// and gauges by value and histograms by count, for the names wanted.
func samples(t *testing.T, reg prometheus.Gatherer, names ...string) []string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []string
	for _, f := range families {
		if !want[f.GetName()] {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			var v string
			switch {
			case m.Counter != nil:
				v = fmt.Sprint(m.GetCounter().GetValue())
			case m.Gauge != nil:
				v = fmt.Sprint(m.GetGauge().GetValue())
			case m.Histogram != nil:
				v = fmt.Sprintf("count=%d", m.GetHistogram().GetSampleCount())
			}
			out = append(out, fmt.Sprintf("%s{%s} %s", f.GetName(), strings.Join(labels, ","), v))
		}
	}
	sort.Strings(out)
	return out
}

func TestApplyReportsMetrics(t *testing.T) {
	w := newWorld(t, nil)
	// x: a 429 then success, and a second post that waits for the
	// account's rate limit; mastodon: accepted, then a timeout; bluesky:
	// refused credentials.
	w.providers["x"] = []platforms.Publisher{&fakePlatform{name: "x", faults: []fault{fault429}}}
	w.providers["mastodon"] = []platforms.Publisher{&fakePlatform{name: "mastodon", faults: []fault{faultAcceptThenTimeout}}}
	w.providers["bluesky"] = []platforms.Publisher{&fakePlatform{name: "bluesky", faults: []fault{faultAuth}}}
	w.addPost("a", "hello", "x", "mastodon", "bluesky")
	w.addPost("b", "world", "x")

	reg := prometheus.NewRegistry()
	m, err := telemetry.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := w.plan(ctx)
	m.SetPlan(PlanTargets(p))
	ap := w.applier()
	ap.Metrics = m
	ap.Concurrency = 1
	ap.Limit = func(string) (rate.Limit, int) { return rate.Limit(1), 1 }
	res, err := ap.Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/bluesky:failed", "a/mastodon:unknown", "a/x:published", "b/x:published"}, outcomes(res)); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}

	tests := []struct {
		name    string
		metrics []string
		want    []string
	}{
		{
			name:    "publishes",
			metrics: []string{"herald_publishes_total"},
			want:    []string{"herald_publishes_total{account=x,platform=x} 2"},
		},
		{
			name:    "failures by kind",
			metrics: []string{"herald_failures_total"},
			want:    []string{"herald_failures_total{account=bluesky,kind=auth,platform=bluesky} 1"},
		},
		{
			name:    "unknown outcomes",
			metrics: []string{"herald_unknown_outcomes_total"},
			want:    []string{"herald_unknown_outcomes_total{account=mastodon,platform=mastodon} 1"},
		},
		{
			name:    "retries and rate-limit waits",
			metrics: []string{"herald_retries_total", "herald_rate_limit_waits_total", "herald_rate_limit_wait_seconds_total"},
			want: []string{
				"herald_rate_limit_wait_seconds_total{account=x,platform=x} 1",
				"herald_rate_limit_waits_total{account=x,platform=x} 1",
				"herald_retries_total{account=x,platform=x} 1",
			},
		},
		{
			name:    "call latency by outcome",
			metrics: []string{"herald_api_call_duration_seconds"},
			want: []string{
				"herald_api_call_duration_seconds{account=bluesky,operation=publish,outcome=error,platform=bluesky} count=1",
				"herald_api_call_duration_seconds{account=mastodon,operation=publish,outcome=error,platform=mastodon} count=1",
				"herald_api_call_duration_seconds{account=x,operation=publish,outcome=error,platform=x} count=1",
				"herald_api_call_duration_seconds{account=x,operation=publish,outcome=ok,platform=x} count=2",
			},
		},
		{
			name:    "plan gauges",
			metrics: []string{"herald_due_targets", "herald_scheduled_targets", "herald_failed_targets"},
			want:    []string{"herald_due_targets{} 4", "herald_failed_targets{} 0", "herald_scheduled_targets{} 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, samples(t, reg, tt.metrics...)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("next plan counts the failed and unknown", func(t *testing.T) {
		got := PlanTargets(w.plan(ctx))
		if diff := cmp.Diff(telemetry.PlanTargets{Due: 1, Failed: 2}, telemetry.PlanTargets{Due: got.Due, Scheduled: got.Scheduled, Failed: got.Failed}); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

// gate is a platform whose Publish blocks until released, as a slow
// platform holds a call while the controller is asked to stop.
type gate struct {
	*fakePlatform
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gate) Publish(ctx context.Context, p *platforms.Payload, key platforms.AttemptKey) (*platforms.Receipt, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	return g.fakePlatform.Publish(ctx, p, key)
}

func TestApplyStopFinishesCallsInFlight(t *testing.T) {
	w := newWorld(t, nil)
	g := &gate{fakePlatform: &fakePlatform{name: "x"}, entered: make(chan struct{}), release: make(chan struct{})}
	w.providers["x"] = []platforms.Publisher{g}
	w.addPost("a", "hello", "x")
	w.addPost("b", "world", "x")

	ap := w.applier()
	ap.Concurrency = 1
	type ret struct {
		res *Result
		err error
	}
	done := make(chan ret)
	ctx, stop := context.WithCancel(context.Background())
	p := w.plan(ctx)
	go func() {
		res, err := ap.Apply(ctx, p)
		done <- ret{res, err}
	}()
	<-g.entered
	stop()
	close(g.release)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff([]string{"a/x:published", "b/x:deferred"}, outcomes(r.res)); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}
	a, b := w.status("a", "x"), w.status("b", "x")
	if a.Status != state.StatusPublished || len(a.IDs) != 1 {
		t.Errorf("a/x: the call in flight finished, so its result must be committed: %+v", a)
	}
	if b.Status != state.StatusFailed || b.LastError == nil || b.LastError.Kind != state.KindDeferred || !b.NextRetryAt.Equal(planNow) {
		t.Errorf("b/x: not sent, to be retried at once: %+v", b)
	}

	// The next run sends b, and only b.
	res := w.mustRun()
	if diff := cmp.Diff([]string{"b/x:retry"}, kinds(res)); diff != "" {
		t.Errorf("next run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hello", "world"}, g.texts()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}

func kinds(res *Result) []string {
	var out []string
	for _, it := range res.Items {
		out = append(out, it.Post+"/"+it.Target+":"+string(it.Kind))
	}
	return out
}
