package telemetry_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/heraldhq/herald/internal/telemetry"
)

// requireTool returns the path of an installed program. Without it, the
// test is skipped on a developer's machine, and fails in CI (CI=true),
// where .ci/run installs it.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI must run this test: apt-get install %s (.ci/run does)", name, pkg)
	}
	t.Skipf("%s is not installed (apt-get install %s); skipped outside CI", name, pkg)
	return ""
}

func exposition(t *testing.T, g prometheus.Gatherer) []byte {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "herald.prom")
	if err := telemetry.WriteTextfile(g, path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	reg, m := newMetrics(t)
	fakeApply(m)
	m.ObserveFetch("mastodon", "fosstodon", "ok")
	data := exposition(t, reg)
	if !bytes.Contains(data, []byte("herald_api_call_duration_seconds_bucket")) {
		t.Fatalf("the textfile lacks the latency histogram:\n%s", data)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s\nexposition:\n%s", err, out, data)
	}
}

func TestWriteTextfileReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "herald.prom")
	if err := os.WriteFile(path, []byte("stale 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg, m := newMetrics(t)
	m.ObservePublish("mastodon", "a", "published", "")
	if err := telemetry.WriteTextfile(reg, path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("stale")) || !bytes.Contains(data, []byte(`herald_publishes_total{account="a",platform="mastodon"} 1`)) {
		t.Errorf("the metrics file was not replaced with the registry's metrics:\n%s", data)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the metrics file (no temporary left behind)", len(entries))
	}
}

// freeAddr returns a 127.0.0.1 address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startPushgateway starts Debian's prometheus-pushgateway on 127.0.0.1
// and returns its URL once it is ready.
func startPushgateway(t *testing.T) string {
	t.Helper()
	bin := requireTool(t, "prometheus-pushgateway", "prometheus-pushgateway")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--web.listen-address="+addr,
		"--persistence.file="+filepath.Join(t.TempDir(), "pushgateway.data"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	url := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pushgateway at %s was not ready in 20s: %v\n%s", url, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPushgateway(t *testing.T) {
	url := startPushgateway(t)
	reg, m := newMetrics(t)
	fakeApply(m)
	if err := telemetry.Push(context.Background(), url, "apply", reg, nil); err != nil {
		t.Fatal(err)
	}

	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) string {
		f, ok := families[name]
		if !ok {
			return "absent"
		}
	next:
		for _, mt := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range mt.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return fmt.Sprint(mt.GetCounter().GetValue())
			case mt.Gauge != nil:
				return fmt.Sprint(mt.GetGauge().GetValue())
			case mt.Histogram != nil:
				return fmt.Sprintf("count=%d", mt.GetHistogram().GetSampleCount())
			}
		}
		return "absent"
	}
	group := map[string]string{"job": "herald_apply"}
	with := func(kv ...string) map[string]string {
		l := map[string]string{}
		for k, v := range group {
			l[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return l
	}
	tests := []struct {
		name   string
		metric string
		labels map[string]string
		want   string
	}{
		{"publishes", "herald_publishes_total", with("platform", "mastodon", "account", "fosstodon"), "1"},
		{"failures", "herald_failures_total", with("platform", "bluesky", "account", "bsky", "kind", "server"), "1"},
		{"retries", "herald_retries_total", with("platform", "bluesky", "account", "bsky"), "1"},
		{"unknown outcomes", "herald_unknown_outcomes_total", with("platform", "x", "account", "x"), "1"},
		{"rate-limit wait seconds", "herald_rate_limit_wait_seconds_total", with("platform", "mastodon", "account", "fosstodon"), "1.5"},
		{"latency", "herald_api_call_duration_seconds", with("platform", "bluesky", "outcome", "error"), "count=2"},
		{"due gauge", "herald_due_targets", group, "3"},
		{"last success", "herald_last_success_timestamp_seconds", with("command", "apply"), "1.7952552e+09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, value(tt.metric, tt.labels)); diff != "" {
				t.Errorf("%s%v on the pushgateway (-want +got):\n%s", tt.metric, tt.labels, diff)
			}
		})
	}
}

func TestPushFailure(t *testing.T) {
	reg, _ := newMetrics(t)
	err := telemetry.Push(context.Background(), "http://"+freeAddr(t), "apply", reg, nil)
	if err == nil || !strings.Contains(err.Error(), "push metrics") {
		t.Errorf("push to a closed port: got %v, want an error naming push metrics", err)
	}
}
