package telemetry

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values of herald_api_call_duration_seconds' outcome.
const (
	CallOK    = "ok"
	CallError = "error"
)

// Metrics is herald's set of collectors. The zero of *Metrics (nil) is
// valid and records nothing.
type Metrics struct {
	publishes      *prometheus.CounterVec
	results        *prometheus.CounterVec
	failures       *prometheus.CounterVec
	retries        *prometheus.CounterVec
	rateLimitWaits *prometheus.CounterVec
	rateLimitSecs  *prometheus.CounterVec
	unknown        *prometheus.CounterVec
	calls          *prometheus.HistogramVec
	fetches        *prometheus.CounterVec
	due            prometheus.Gauge
	scheduled      prometheus.Gauge
	failed         prometheus.Gauge
	planTargets    *prometheus.GaugeVec
	runs           *prometheus.CounterVec
	lastSuccess    *prometheus.GaugeVec
	lastRun        *prometheus.GaugeVec
}

// CallBuckets are the API latency histogram's bounds, in seconds: from a
// fast JSON reply to a slow media upload.
var CallBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// New creates herald's collectors and registers them on reg. It fails
// when reg already holds collectors of the same names.
func New(reg prometheus.Registerer) (*Metrics, error) {
	pa := []string{"platform", "account"}
	m := &Metrics{
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_publishes_total",
			Help: "Posts published (created on the platform, or found there after an unknown outcome), per platform and account.",
		}, pa),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_apply_results_total",
			Help: "Applied actions by what became of them (published, updated, deleted, moved, failed, unknown, deferred, skipped).",
		}, append(pa, "outcome")),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_failures_total",
			Help: "Actions that failed, by the kind of error (rate_limit, auth, rejected, server, validation, reconnect, ...).",
		}, append(pa, "kind")),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_retries_total",
			Help: "Platform calls retried within a run after a retryable failure that surely posted nothing.",
		}, pa),
		rateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_rate_limit_waits_total",
			Help: "Times a platform call waited for the account's rate limit or the platform's Retry-After.",
		}, pa),
		rateLimitSecs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_rate_limit_wait_seconds_total",
			Help: "Time spent waiting for rate limits before platform calls.",
		}, pa),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_unknown_outcomes_total",
			Help: "Attempts whose outcome herald could not establish: they may have been posted, and are looked up or wait for a person.",
		}, pa),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "herald_api_call_duration_seconds",
			Help:    "Latency of platform API calls, by operation (publish, update, delete, find, metrics) and outcome (ok, error).",
			Buckets: CallBuckets,
		}, append(pa, "operation", "outcome")),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_metric_fetches_total",
			Help: "Engagement metrics fetched for published posts, by outcome (ok, failed, deleted_remotely, rate_limited).",
		}, append(pa, "outcome")),
		due: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "herald_due_targets",
			Help: "Targets the last plan found due and to be acted on (create, retry, resolve).",
		}),
		scheduled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "herald_scheduled_targets",
			Help: "Targets the last plan found scheduled for later.",
		}),
		failed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "herald_failed_targets",
			Help: "Targets whose last attempt failed or has an unknown outcome, in the last plan (retry, resolve, held).",
		}),
		planTargets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "herald_plan_targets",
			Help: "Targets in the last plan, by the plan's action.",
		}, []string{"action"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_runs_total",
			Help: "Runs of a command (apply, sync), by result (success, failure).",
		}, []string{"command", "result"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "herald_last_success_timestamp_seconds",
			Help: "When a command last ran with nothing failed, in seconds since the Unix epoch.",
		}, []string{"command"}),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "herald_last_run_timestamp_seconds",
			Help: "When a command last ran, whatever its result, in seconds since the Unix epoch.",
		}, []string{"command"}),
	}
	for _, c := range []prometheus.Collector{m.publishes, m.results, m.failures, m.retries, m.rateLimitWaits,
		m.rateLimitSecs, m.unknown, m.calls, m.fetches, m.due, m.scheduled, m.failed, m.planTargets,
		m.runs, m.lastSuccess, m.lastRun} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// ObserveCall records one platform API call: its latency, by operation
// ("publish", "update", "delete", "find", "metrics") and outcome (CallOK
// or CallError).
func (m *Metrics) ObserveCall(platform, account, operation, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(platform, account, operation, outcome).Observe(d.Seconds())
}

// ObservePublish records what became of one applied action (outcome as
// apply prints it: "published", "failed", "unknown", ...). A failure's
// kind ("rate_limit", "auth", ...) is counted in herald_failures_total;
// it is ignored for other outcomes.
func (m *Metrics) ObservePublish(platform, account, outcome, failureKind string) {
	if m == nil {
		return
	}
	m.results.WithLabelValues(platform, account, outcome).Inc()
	switch outcome {
	case "published":
		m.publishes.WithLabelValues(platform, account).Inc()
	case "failed":
		if failureKind == "" {
			failureKind = "error"
		}
		m.failures.WithLabelValues(platform, account, failureKind).Inc()
	case "unknown":
		m.unknown.WithLabelValues(platform, account).Inc()
	}
}

// ObserveRetry records one retry of a platform call within a run.
func (m *Metrics) ObserveRetry(platform, account string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(platform, account).Inc()
}

// ObserveRateLimitWait records one wait of d for an account's rate limit.
func (m *Metrics) ObserveRateLimitWait(platform, account string, d time.Duration) {
	if m == nil {
		return
	}
	m.rateLimitWaits.WithLabelValues(platform, account).Inc()
	m.rateLimitSecs.WithLabelValues(platform, account).Add(d.Seconds())
}

// ObserveFetch records one fetch of a published post's engagement
// metrics, for sync: outcome is "ok", "failed", "deleted_remotely" or
// "rate_limited". The call's latency goes to ObserveCall with the
// operation "metrics".
func (m *Metrics) ObserveFetch(platform, account, outcome string) {
	if m == nil {
		return
	}
	m.fetches.WithLabelValues(platform, account, outcome).Inc()
}

// PlanTargets is what the plan gauges show: counts of targets from a
// plan's summary.
type PlanTargets struct {
	Due, Scheduled, Failed int
	// ByAction is every action's count, as the plan's summary has it.
	ByAction map[string]int
}

// SetPlan sets the plan gauges from the last plan.
func (m *Metrics) SetPlan(p PlanTargets) {
	if m == nil {
		return
	}
	m.due.Set(float64(p.Due))
	m.scheduled.Set(float64(p.Scheduled))
	m.failed.Set(float64(p.Failed))
	for action, n := range p.ByAction {
		m.planTargets.WithLabelValues(action).Set(float64(n))
	}
}

// ObserveRun records the end of one run of command at t: ok means nothing
// failed, and then t becomes the command's last success.
func (m *Metrics) ObserveRun(command string, ok bool, t time.Time) {
	if m == nil {
		return
	}
	result := "failure"
	if ok {
		result = "success"
		m.lastSuccess.WithLabelValues(command).Set(float64(t.UnixNano()) / 1e9)
	}
	m.runs.WithLabelValues(command, result).Inc()
	m.lastRun.WithLabelValues(command).Set(float64(t.UnixNano()) / 1e9)
}
