package telemetry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/heraldhq/herald/internal/telemetry"
)

// fakeApply reports what one apply run with a success, a failure, a
// retry, a rate-limit wait and an unknown outcome reports.
func fakeApply(m *telemetry.Metrics) {
	m.SetPlan(telemetry.PlanTargets{Due: 3, Scheduled: 2, Failed: 1,
		ByAction: map[string]int{"create": 2, "retry": 1, "scheduled": 2}})
	m.ObserveRateLimitWait("mastodon", "fosstodon", 1500*time.Millisecond)
	m.ObserveCall("mastodon", "fosstodon", "publish", telemetry.CallOK, 200*time.Millisecond)
	m.ObservePublish("mastodon", "fosstodon", "published", "")
	m.ObserveCall("bluesky", "bsky", "publish", telemetry.CallError, 3*time.Second)
	m.ObserveRetry("bluesky", "bsky")
	m.ObserveCall("bluesky", "bsky", "publish", telemetry.CallError, 70*time.Second)
	m.ObservePublish("bluesky", "bsky", "failed", "server")
	m.ObserveCall("x", "x", "publish", telemetry.CallError, 40*time.Millisecond)
	m.ObservePublish("x", "x", "unknown", "")
	m.ObserveRun("apply", false, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	m.ObserveRun("apply", true, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
}

func newMetrics(t *testing.T) (*prometheus.Registry, *telemetry.Metrics) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := telemetry.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return reg, m
}

func TestExposition(t *testing.T) {
	reg, m := newMetrics(t)
	fakeApply(m)

	tests := []struct {
		name    string
		metrics []string
		want    string
	}{
		{
			name:    "publishes",
			metrics: []string{"herald_publishes_total"},
			want: `
# HELP herald_publishes_total Posts published (created on the platform, or found there after an unknown outcome), per platform and account.
# TYPE herald_publishes_total counter
herald_publishes_total{account="fosstodon",platform="mastodon"} 1
`,
		},
		{
			name:    "failures, retries, waits and unknown outcomes",
			metrics: []string{"herald_failures_total", "herald_retries_total", "herald_rate_limit_waits_total", "herald_rate_limit_wait_seconds_total", "herald_unknown_outcomes_total"},
			want: `
# HELP herald_failures_total Actions that failed, by the kind of error (rate_limit, auth, rejected, server, validation, reconnect, ...).
# TYPE herald_failures_total counter
herald_failures_total{account="bsky",kind="server",platform="bluesky"} 1
# HELP herald_rate_limit_wait_seconds_total Time spent waiting for rate limits before platform calls.
# TYPE herald_rate_limit_wait_seconds_total counter
herald_rate_limit_wait_seconds_total{account="fosstodon",platform="mastodon"} 1.5
# HELP herald_rate_limit_waits_total Times a platform call waited for the account's rate limit or the platform's Retry-After.
# TYPE herald_rate_limit_waits_total counter
herald_rate_limit_waits_total{account="fosstodon",platform="mastodon"} 1
# HELP herald_retries_total Platform calls retried within a run after a retryable failure that surely posted nothing.
# TYPE herald_retries_total counter
herald_retries_total{account="bsky",platform="bluesky"} 1
# HELP herald_unknown_outcomes_total Attempts whose outcome herald could not establish: they may have been posted, and are looked up or wait for a person.
# TYPE herald_unknown_outcomes_total counter
herald_unknown_outcomes_total{account="x",platform="x"} 1
`,
		},
		{
			name:    "plan gauges",
			metrics: []string{"herald_due_targets", "herald_scheduled_targets", "herald_failed_targets"},
			want: `
# HELP herald_due_targets Targets the last plan found due and to be acted on (create, retry, resolve).
# TYPE herald_due_targets gauge
herald_due_targets 3
# HELP herald_failed_targets Targets whose last attempt failed or has an unknown outcome, in the last plan (retry, resolve, held).
# TYPE herald_failed_targets gauge
herald_failed_targets 1
# HELP herald_scheduled_targets Targets the last plan found scheduled for later.
# TYPE herald_scheduled_targets gauge
herald_scheduled_targets 2
`,
		},
		{
			name:    "last success and runs",
			metrics: []string{"herald_last_success_timestamp_seconds", "herald_runs_total"},
			want: `
# HELP herald_last_success_timestamp_seconds When a command last ran with nothing failed, in seconds since the Unix epoch.
# TYPE herald_last_success_timestamp_seconds gauge
herald_last_success_timestamp_seconds{command="apply"} 1.7952552e+09
# HELP herald_runs_total Runs of a command (apply, sync), by result (success, failure).
# TYPE herald_runs_total counter
herald_runs_total{command="apply",result="failure"} 1
herald_runs_total{command="apply",result="success"} 1
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tt.want), tt.metrics...); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLatencyHistogram(t *testing.T) {
	reg, m := newMetrics(t)
	fakeApply(m)
	tests := []struct {
		name, platform, outcome string
		wantCount               uint64
		wantSum                 float64
	}{
		{name: "ok call", platform: "mastodon", outcome: "ok", wantCount: 1, wantSum: 0.2},
		{name: "failed and retried calls", platform: "bluesky", outcome: "error", wantCount: 2, wantSum: 73},
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type got struct {
				Count uint64
				Sum   float64
			}
			var g got
			for _, f := range families {
				if f.GetName() != "herald_api_call_duration_seconds" {
					continue
				}
				for _, mt := range f.GetMetric() {
					labels := map[string]string{}
					for _, l := range mt.GetLabel() {
						labels[l.GetName()] = l.GetValue()
					}
					if labels["platform"] == tt.platform && labels["outcome"] == tt.outcome && labels["operation"] == "publish" {
						g = got{mt.GetHistogram().GetSampleCount(), mt.GetHistogram().GetSampleSum()}
					}
				}
			}
			if diff := cmp.Diff(got{tt.wantCount, tt.wantSum}, g); diff != "" {
				t.Errorf("histogram (-want +got):\n%s", diff)
			}
		})
	}
	series := 0
	for _, f := range families {
		if f.GetName() == "herald_api_call_duration_seconds" {
			series += len(f.GetMetric())
		}
	}
	if series != 3 {
		t.Errorf("herald_api_call_duration_seconds has %d series, want 3", series)
	}
}

func TestNilIsSafe(t *testing.T) {
	var m *telemetry.Metrics
	calls := []struct {
		name string
		call func()
	}{
		{"ObserveCall", func() { m.ObserveCall("x", "x", "publish", telemetry.CallOK, time.Second) }},
		{"ObservePublish", func() { m.ObservePublish("x", "x", "failed", "auth") }},
		{"ObserveRetry", func() { m.ObserveRetry("x", "x") }},
		{"ObserveRateLimitWait", func() { m.ObserveRateLimitWait("x", "x", time.Second) }},
		{"ObserveFetch", func() { m.ObserveFetch("x", "x", "ok") }},
		{"SetPlan", func() { m.SetPlan(telemetry.PlanTargets{Due: 1}) }},
		{"ObserveRun", func() { m.ObserveRun("apply", true, time.Unix(0, 0)) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s on a nil *Metrics panicked: %v", c.name, r)
				}
			}()
			c.call()
		})
	}
}

func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg, _ := newMetrics(t)
	if _, err := telemetry.New(reg); err == nil {
		t.Error("New on a registry that already holds herald's collectors: want an error, got nil")
	}
}

func TestLint(t *testing.T) {
	reg, m := newMetrics(t)
	fakeApply(m)
	m.ObserveFetch("mastodon", "fosstodon", "ok")
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Metric+": "+p.Text)
	}
	if diff := cmp.Diff([]string(nil), got); diff != "" {
		t.Errorf("lint problems (-want +got):\n%s", diff)
	}
}
