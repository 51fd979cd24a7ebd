package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChoicesOf(t *testing.T) {
	tests := []struct {
		usage string
		want  []string
	}{
		{"log `format`: text or json", []string{"text", "json"}},
		{"output `format`: text, json or github", []string{"text", "json", "github"}},
		{"log `level`: debug, info, warn or error", []string{"debug", "info", "warn", "error"}},
		{"publish `time`: RFC 3339 (2026-12-01T09:00:00-05:00), or 2026-12-01 09:00 in the repository's zone", nil},
		{"the content repository `dir`", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, choicesOf(tt.usage)); diff != "" {
			t.Errorf("choicesOf(%q) (-want +got):\n%s", tt.usage, diff)
		}
	}
}

// TestCompletionSpecFollowsCommands shows the scripts are made from the
// command table: every command and every flag herald help shows is
// there, and a flag listing its values offers exactly those.
func TestCompletionSpecFollowsCommands(t *testing.T) {
	spec := completionSpecOf(commands())
	var names []string
	for _, c := range spec.commands {
		names = append(names, c.name)
	}
	var want []string
	for _, c := range commands() {
		want = append(want, c.name)
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	for _, c := range spec.commands {
		var b bytes.Buffer
		cmd := lookup(c.name)
		fs := newFlagSet(cmd, &b)
		cmd.setup(fs)
		printCommandUsage(&b, cmd, fs)
		for _, f := range c.flags {
			if !strings.Contains(b.String(), "  -"+f.name) {
				t.Errorf("%s: flag --%s is not in its usage:\n%s", c.name, f.name, b.String())
			}
		}
	}
	got := map[string][]string{}
	for _, c := range spec.commands {
		for _, f := range c.flags {
			if f.choices != nil {
				got[c.name+" --"+f.name] = f.choices
			}
		}
	}
	for _, f := range spec.global {
		if f.choices != nil {
			got["--"+f.name] = f.choices
		}
	}
	wantChoices := map[string][]string{
		"--log-format":      {"text", "json"},
		"--log-level":       {"debug", "info", "warn", "error"},
		"validate --format": {"text", "json", "github"},
		"report --format":   {"table", "csv", "json"},
	}
	if diff := cmp.Diff(wantChoices, got); diff != "" {
		t.Errorf("flags with choices (-want +got):\n%s", diff)
	}
}

// completionScript writes herald's completion script for shell to a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"completion", shell}, nil, &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("herald completion %s: exit %d: %s", shell, code, errb.String())
	}
	path := filepath.Join(t.TempDir(), "herald."+shell)
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// needShell returns the path of shell, skipping the test without it
// (failing under CI, where .ci/run installs it).
func needShell(t *testing.T, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs it", shell)
		}
		t.Skipf("%s is not installed", shell)
	}
	return path
}

func TestBashCompletion(t *testing.T) {
	bash := needShell(t, "bash")
	script := completionScript(t, "bash")
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	// complete runs _herald with COMP_WORDS and COMP_CWORD as bash sets
	// them for line, the cursor at its end, and returns COMPREPLY.
	complete := func(line string) []string {
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		prog := `source "$1" || exit 1
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
_herald herald "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, append([]string{"-c", prog, "bash", script}, words...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("completing %q: %v\n%s", line, err, stderr.String())
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(got) == 1 && got[0] == "" {
			return nil
		}
		slices.Sort(got)
		return got
	}
	tests := []struct {
		line string
		want []string
	}{
		{"herald va", []string{"validate"}},
		{"herald re", []string{"report", "resolve"}},
		{"herald --log-", []string{"--log-format", "--log-level"}},
		{"herald --log-level ", []string{"debug", "error", "info", "warn"}},
		{"herald --log-format json pl", []string{"plan"}},
		{"herald validate --format g", []string{"github"}},
		{"herald report --format ", []string{"csv", "json", "table"}},
		{"herald init --", []string{"--force", "--github", "--timezone"}},
		{"herald version --", []string{"--json"}},
		{"herald help ver", []string{"version"}},
		{"herald completion ", []string{"bash", "fish", "zsh"}},
		// Any other argument, and a flag's free value, are left to the
		// shell's file name completion (complete -o default).
		{"herald preview ", nil},
		{"herald plan --repo ", nil},
		{"herald frob --", nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, complete(tt.line)); diff != "" {
				t.Errorf("complete %q (-want +got):\n%s", tt.line, diff)
			}
		})
	}
	// Loading it registers the function for herald.
	out, err := exec.Command(bash, "-c", `source "$1" && complete -p herald`, "bash", script).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-F _herald herald") {
		t.Errorf("complete -p herald: %v: %s", err, out)
	}
}

func TestFishCompletion(t *testing.T) {
	fish := needShell(t, "fish")
	script := completionScript(t, "fish")
	if out, err := exec.Command(fish, "--no-execute", script).CombinedOutput(); err != nil {
		t.Fatalf("fish --no-execute: %v\n%s", err, out)
	}
	// complete -C prints what fish offers for a command line: each
	// candidate, a tab, and its description.
	complete := func(line string) []string {
		cmd := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, line)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish complete -C %q: %v\n%s", line, err, out)
		}
		var got []string
		for l := range strings.Lines(string(out)) {
			got = append(got, strings.TrimRight(l, "\n"))
		}
		slices.Sort(got)
		return got
	}
	tests := []struct {
		line string
		want []string
	}{
		{"herald vali", []string{"validate\tcheck every post and the configuration; say what is wrong and where"}},
		{"herald validate --format ", []string{
			"github\toutput format: text, json or github",
			"json\toutput format: text, json or github",
			"text\toutput format: text, json or github",
		}},
		{"herald init --f", []string{"--force\treplace files that already exist"}},
		{"herald completion z", []string{"zsh"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, complete(tt.line)); diff != "" {
				t.Errorf("complete -C %q (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

// TestZshCompletion checks the script parses, and loads into a shell
// with the completion system started, defining _herald for herald.
func TestZshCompletion(t *testing.T) {
	zsh := needShell(t, "zsh")
	script := completionScript(t, "zsh")
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	home := t.TempDir()
	cmd := exec.Command(zsh, "-f", "-c", `autoload -U compinit && compinit -u -d "$HOME/.zcompdump" && source "$1" && print -r -- $_comps[herald]`, "zsh", script)
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "_herald\n" {
		t.Errorf("loading the zsh completion: %v: %q", err, out)
	}
}
