// Package deploy holds what herald ships for operating it: a Grafana
// dashboard (grafana/herald.json) and Prometheus alerting rules
// (prometheus/herald-rules.yml). Its tests check them against the
// metrics herald really exports.
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/heraldhq/herald/internal/telemetry"
)

// recorder is a Registerer that keeps what is registered, so the tests
// can read every metric name herald defines, even those not yet set.
type recorder struct{ cs []prometheus.Collector }

func (r *recorder) Register(c prometheus.Collector) error   { r.cs = append(r.cs, c); return nil }
func (r *recorder) MustRegister(cs ...prometheus.Collector) { r.cs = append(r.cs, cs...) }
func (r *recorder) Unregister(prometheus.Collector) bool    { return true }

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// heraldMetrics returns the series names herald exports: each metric's
// name, and a histogram's _bucket, _sum and _count.
func heraldMetrics(t *testing.T) map[string]bool {
	t.Helper()
	var r recorder
	if _, err := telemetry.New(&r); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range r.cs {
		ch := make(chan *prometheus.Desc, 16)
		go func() { c.Describe(ch); close(ch) }()
		_, histogram := c.(*prometheus.HistogramVec)
		for d := range ch {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("no name in %s", d)
			}
			names[m[1]] = true
			if histogram {
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					names[m[1]+s] = true
				}
			}
		}
	}
	if len(names) < 10 {
		t.Fatalf("only %d metric names found", len(names))
	}
	return names
}

var heraldName = regexp.MustCompile(`\bherald_[a-z_]+`)

// unknownMetrics lists the herald_* names expr uses that herald does not
// export.
func unknownMetrics(expr string, known map[string]bool) []string {
	var out []string
	for _, n := range heraldName.FindAllString(expr, -1) {
		if !known[n] {
			out = append(out, n)
		}
	}
	return out
}

type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name, Type string
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource struct {
			Type, UID string
		} `json:"datasource"`
		GridPos struct{ X, Y, W, H int } `json:"gridPos"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana/herald.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("grafana/herald.json is not valid JSON: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 30 || len(d.Panels) == 0 {
		t.Fatalf("dashboard uid %q, title %q, schemaVersion %d, %d panels", d.UID, d.Title, d.SchemaVersion, len(d.Panels))
	}
	if len(d.Templating.List) != 1 || d.Templating.List[0].Type != "datasource" || d.Templating.List[0].Name != "datasource" {
		t.Errorf("want one datasource variable, named datasource: %+v", d.Templating.List)
	}
	known := heraldMetrics(t)
	ids := map[int]bool{}
	cells := map[[2]int]string{} // 24 columns by rows: which panel holds each
	var exprs []string
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.Datasource.UID != "${datasource}" || p.Datasource.Type != "prometheus" {
			t.Errorf("%q: datasource %+v, want the ${datasource} variable", p.Title, p.Datasource)
		}
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("%q: gridPos %+v outside the 24 columns", p.Title, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := cells[[2]int{x, y}]; ok {
					t.Errorf("%q overlaps %q at column %d, row %d", p.Title, other, x, y)
				}
				cells[[2]int{x, y}] = p.Title
			}
		}
		if len(p.Targets) == 0 {
			t.Errorf("%q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if bad := unknownMetrics(q.Expr, known); len(bad) > 0 {
				t.Errorf("%q queries %v, which herald does not export", p.Title, bad)
			}
			exprs = append(exprs, q.Expr)
		}
	}
	// Every query must parse as PromQL: promtool checks them as
	// recording rules, with Grafana's $__rate_interval filled in.
	rules := map[string]any{"groups": []map[string]any{{"name": "dashboard", "rules": func() []map[string]string {
		var out []map[string]string
		for i, e := range exprs {
			out = append(out, map[string]string{"record": fmt.Sprintf("dashboard:query%d", i), "expr": strings.ReplaceAll(e, "$__rate_interval", "5m")})
		}
		return out
	}()}}}
	file := filepath.Join(t.TempDir(), "queries.yml")
	data, _ = yaml.Marshal(rules)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	promtool(t, "check", "rules", file)
}

func TestAlertRules(t *testing.T) {
	data, err := os.ReadFile("prometheus/herald-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	known := heraldMetrics(t)
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if bad := unknownMetrics(r.Expr, known); len(bad) > 0 {
				t.Errorf("%s uses %v, which herald does not export", r.Alert, bad)
			}
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s needs a severity, a summary and a description", r.Alert)
			}
		}
	}
	sort.Strings(alerts)
	want := "HeraldAccountNeedsReconnect HeraldNoSuccessfulRun HeraldNotRunning HeraldPublishFailed HeraldUnknownOutcome"
	if got := strings.Join(alerts, " "); got != want {
		t.Errorf("alerts %s, want %s", got, want)
	}
	promtool(t, "check", "rules", "prometheus/herald-rules.yml")
	// The rules' own unit tests: each alert fires on the series that
	// should fire it, with its labels and text, and not before.
	cmd := exec.Command(promtoolPath(t), "test", "rules", "herald-rules_test.yml")
	cmd.Dir = "prometheus"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

func promtoolPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is not installed, and CI must check the rules: apt-get install prometheus (.ci/run does)")
		}
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	return path
}

func promtool(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(promtoolPath(t), args...).CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
