package action

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestActionRunsTheInstaller shows action.yml's steps are wired the way
// install.sh expects: the installer runs first with the action's ref, Go
// is set up and herald built only when it says build=true, and herald
// runs from whichever of the two left it.
func TestActionRunsTheInstaller(t *testing.T) {
	data, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		ID   string            `yaml:"id"`
		Name string            `yaml:"name"`
		If   string            `yaml:"if"`
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		Env  map[string]string `yaml:"env"`
	}
	var action struct {
		Runs struct {
			Using string `yaml:"using"`
			Steps []step `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	steps := action.Runs.Steps
	if len(steps) != 4 {
		t.Fatalf("action.yml has %d steps, want install, setup-go, build, run", len(steps))
	}
	install, setupGo, build, run := steps[0], steps[1], steps[2], steps[3]
	if install.ID != "install" || install.Run != `bash "$GITHUB_ACTION_PATH/action/install.sh"` {
		t.Errorf("first step = %+v, want id install running action/install.sh", install)
	}
	if install.Env["HERALD_REF"] != "${{ github.action_ref }}" || install.Env["GITHUB_TOKEN"] != "${{ inputs.github-token }}" {
		t.Errorf("install's env = %v, want the action's ref and the token", install.Env)
	}
	const onlyToBuild = "steps.install.outputs.build == 'true'"
	if !strings.HasPrefix(setupGo.Uses, "actions/setup-go@") || setupGo.If != onlyToBuild {
		t.Errorf("second step = %+v, want setup-go only when install says build", setupGo)
	}
	if build.ID != "build" || build.If != onlyToBuild || !strings.Contains(build.Run, "go build") || !strings.Contains(build.Run, "bin=") {
		t.Errorf("third step = %+v, want the build, only when install says build, with a bin output", build)
	}
	if run.Env["HERALD_BIN"] != "${{ steps.install.outputs.bin || steps.build.outputs.bin }}" || !strings.Contains(run.Run, `"$HERALD_BIN/herald" "${args[@]}"`) {
		t.Errorf("last step runs %q with HERALD_BIN %q, want herald from the install or the build", run.Run, run.Env["HERALD_BIN"])
	}
}
