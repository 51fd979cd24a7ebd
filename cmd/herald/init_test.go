package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/examples"
)

func TestScaffold(t *testing.T) {
	files := []scaffoldFile{{name: "a.yaml", data: "new a\n"}, {name: "dir/b.md", data: "new b\n"}}
	tests := []struct {
		name        string
		before      map[string]string
		force       bool
		wantWritten []written
		wantErr     string
		wantAfter   map[string]string
	}{
		{
			name:        "empty directory",
			wantWritten: []written{{"created", "a.yaml"}, {"created", "dir/b.md"}},
			wantAfter:   map[string]string{"a.yaml": "new a\n", "dir/b.md": "new b\n"},
		},
		{
			name:      "existing files are named and nothing is written",
			before:    map[string]string{"dir/b.md": "mine\n", "other": "x"},
			wantErr:   "refusing to overwrite dir/b.md (use --force to replace)",
			wantAfter: map[string]string{"dir/b.md": "mine\n", "other": "x"},
		},
		{
			name:        "force replaces and says so",
			before:      map[string]string{"a.yaml": "mine\n"},
			force:       true,
			wantWritten: []written{{"replaced", "a.yaml"}, {"created", "dir/b.md"}},
			wantAfter:   map[string]string{"a.yaml": "new a\n", "dir/b.md": "new b\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, dir := openTestRoot(t)
			for name, data := range tt.before {
				if err := writeFile(root, name, []byte(data), false); err != nil {
					t.Fatal(err)
				}
			}
			got, err := scaffold(root, files, tt.force)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("scaffold() error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("scaffold() error = %v", err)
			}
			if diff := cmp.Diff(tt.wantWritten, got, cmp.AllowUnexported(written{})); diff != "" {
				t.Errorf("written (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAfter, readTree(t, dir)); diff != "" {
				t.Errorf("files after (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScaffoldFilesDependOnZoneAndClock(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		loc         *time.Location
		now         time.Time
		wantZone    string
		wantExample string
	}{
		{name: "utc", loc: time.UTC, now: time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC),
			wantZone: "timezone: UTC\n", wantExample: "# publish_at: 2026-11-22T09:00:00\n"},
		{name: "tomorrow in the zone, not in UTC", loc: ny, now: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC),
			wantZone: "timezone: America/New_York\n", wantExample: "# publish_at: 2026-12-01T09:00:00\n"},
		{name: "across a month end", loc: time.UTC, now: time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC),
			wantZone: "timezone: UTC\n", wantExample: "# publish_at: 2027-01-01T09:00:00\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := scaffoldFiles(scaffoldOptions{Timezone: tt.loc, Now: tt.now})
			byName := map[string]string{}
			var names []string
			for _, f := range files {
				byName[f.name] = f.data
				names = append(names, f.name)
			}
			wantNames := []string{"herald.yaml", "posts/welcome.md", ".gitignore", ".vscode/tasks.json"}
			if diff := cmp.Diff(wantNames, names); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if !strings.Contains(byName["herald.yaml"], "\n"+tt.wantZone) {
				t.Errorf("herald.yaml lacks %q:\n%s", tt.wantZone, byName["herald.yaml"])
			}
			if !strings.Contains(byName["posts/welcome.md"], "\n"+tt.wantExample) {
				t.Errorf("welcome.md lacks %q:\n%s", tt.wantExample, byName["posts/welcome.md"])
			}
		})
	}
}

// TestInitWorkflowIsTheExample: herald init --github writes the
// quickstart's workflow as it is in the repository.
func TestInitWorkflowIsTheExample(t *testing.T) {
	data, err := os.ReadFile("../../examples/quickstart/.github/workflows/herald.yml")
	if err != nil {
		t.Fatal(err)
	}
	if examples.GitHubWorkflow != string(data) {
		t.Error("examples.GitHubWorkflow differs from examples/quickstart/.github/workflows/herald.yml")
	}
	if !strings.Contains(examples.GitHubWorkflow, "uses: heraldhq/herald@v1") {
		t.Error("the example workflow does not use the action")
	}
}
