package deploy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	gdashboard "github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// strictDashboard decodes a dashboard with Grafana's own schema (the
// Foundation SDK is generated from the kinds Grafana itself validates
// with): an unknown key, a wrong type, or an option a panel plugin
// requires is an error, each named by its path.
func strictDashboard(data []byte) error {
	plugins.RegisterDefaultPlugins()
	//lint:ignore SA1019 herald.json is in Grafana's classic dashboard model, which Grafana imports as is; v2 is another format.
	var d gdashboard.Dashboard
	err := d.UnmarshalJSONStrict(data)
	var be cog.BuildErrors
	if errors.As(err, &be) && len(be) == 0 {
		err = nil // the SDK returns an empty list for no errors
	}
	if err != nil {
		return err
	}
	return d.Validate()
}

// TestGrafanaSchema holds the dashboard to Grafana's schema for
// dashboards and for the stat and time series panels it uses, so that it
// imports as written rather than relying on Grafana to mend it.
func TestGrafanaSchema(t *testing.T) {
	data, err := os.ReadFile("grafana/herald.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := strictDashboard(data); err != nil {
		t.Errorf("grafana/herald.json against Grafana's dashboard schema:\n%v", err)
	}
	// The check is not a formality: a key Grafana does not know, and a
	// required option left out, are both caught.
	for name, broken := range map[string]string{
		"unknown key":    strings.Replace(string(data), `"refresh": "1m"`, `"refresh": "1m", "refreshh": "5m"`, 1),
		"missing option": strings.Replace(string(data), `"justifyMode": "auto",`, ``, 1),
	} {
		if broken == string(data) {
			t.Fatalf("%s: the dashboard did not change", name)
		}
		if err := strictDashboard([]byte(broken)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
