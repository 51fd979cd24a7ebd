package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeEnv returns a getenv that knows only vars.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       int
		wantStdout string // a substring; "" means stdout must be empty
		wantStderr string // a substring; "" means stderr must be empty
	}{
		{name: "help", args: []string{"help"}, want: 0, wantStdout: "Commands:"},
		{name: "dash h", args: []string{"-h"}, want: 0, wantStdout: "Commands:"},
		{name: "command help flag", args: []string{"new", "-h"}, want: 0, wantStdout: "Usage: herald new [flags] TITLE"},
		{name: "help for a command", args: []string{"help", "init"}, want: 0, wantStdout: "Usage: herald init [flags] [DIR]"},
		{name: "no command", args: nil, want: 2, wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"frob"}, want: 2, wantStderr: `unknown command "frob"`},
		{name: "unknown global flag", args: []string{"--frob", "version"}, want: 2, wantStderr: "-frob"},
		{name: "unknown command flag", args: []string{"version", "--frob"}, want: 2, wantStderr: `run "herald version -h" for usage`},
		{name: "bad log format", args: []string{"--log-format", "xml", "version"}, want: 2, wantStderr: "--log-format"},
		{name: "bad log level", args: []string{"--log-level", "loud", "version"}, want: 2, wantStderr: "-log-level"},
		{name: "bad HERALD_NOW", args: []string{"version"}, env: map[string]string{"HERALD_NOW": "soon"}, want: 2, wantStderr: "HERALD_NOW"},
		{name: "version", args: []string{"version"}, want: 0, wantStdout: "herald "},
		{name: "usage error from a command", args: []string{"new"}, want: 2, wantStderr: "a title is required"},
		{name: "failure", args: []string{"new", "--repo", "does-not-exist", "Title"}, want: 1, wantStderr: "open repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			var stdout, stderr bytes.Buffer
			got := run(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr, fakeEnv(tt.env))
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.want, stderr.String())
			}
			checkOutput(t, "stdout", stdout.String(), tt.wantStdout)
			checkOutput(t, "stderr", stderr.String(), tt.wantStderr)
		})
	}
}

func checkOutput(t *testing.T, stream, got, want string) {
	t.Helper()
	switch {
	case want == "" && got != "":
		t.Errorf("%s = %q, want nothing", stream, got)
	case !strings.Contains(got, want):
		t.Errorf("%s = %q, want it to contain %q", stream, got, want)
	}
}

func TestRunCommandErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		ctx        func() context.Context
		want       int
		wantStderr string
	}{
		{name: "ok", err: nil, want: 0, wantStderr: ""},
		{name: "usage", err: usagef("bad %s", "thing"), want: 2,
			wantStderr: "herald test: bad thing\nrun \"herald test -h\" for usage\n"},
		{name: "chosen status with message", err: &exitError{code: 3, err: os.ErrClosed}, want: 3,
			wantStderr: "herald test: file already closed\n"},
		{name: "chosen status, silent", err: &exitError{code: 2}, want: 2, wantStderr: ""},
		{name: "failure", err: os.ErrPermission, want: 1, wantStderr: "herald test: permission denied\n"},
		{name: "interrupted", err: context.Canceled, want: 130, wantStderr: "herald test: interrupted\n",
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			}},
		{name: "interrupted by SIGTERM", err: &interrupted{sig: syscall.SIGTERM}, want: 143, wantStderr: "herald test: interrupted\n",
			ctx: func() context.Context {
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(&interrupted{sig: syscall.SIGTERM})
				return ctx
			}},
		{name: "interrupted, and the results could not be pushed", err: errors.New("push results: remote unreachable"), want: 130,
			wantStderr: "herald test: interrupted: push results: remote unreachable\n",
			ctx: func() context.Context {
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(&interrupted{sig: syscall.SIGINT})
				return ctx
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr}
			cmd := &command{name: "test", setup: func(*flag.FlagSet) runFunc {
				return func(context.Context, *env, []string) error { return tt.err }
			}}
			if got := runCommand(ctx, e, cmd, nil); got != tt.want {
				t.Errorf("runCommand() = %d, want %d", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantTo  string
		wantF   bool
	}{
		{name: "flags first", args: []string{"--to", "x", "Title"}, wantPos: []string{"Title"}, wantTo: "x"},
		{name: "flags last", args: []string{"Title", "--to", "x", "-f"}, wantPos: []string{"Title"}, wantTo: "x", wantF: true},
		{name: "mixed", args: []string{"a", "-f", "b", "--to=y", "c"}, wantPos: []string{"a", "b", "c"}, wantTo: "y", wantF: true},
		{name: "double dash ends flags", args: []string{"a", "--", "-f", "--to"}, wantPos: []string{"a", "-f", "--to"}},
		{name: "none", args: nil, wantPos: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			to := fs.String("to", "", "")
			f := fs.Bool("f", false, "")
			pos, err := parseInterspersed(fs, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantPos, pos); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if *to != tt.wantTo || *f != tt.wantF {
				t.Errorf("flags: to=%q f=%v, want to=%q f=%v", *to, *f, tt.wantTo, tt.wantF)
			}
		})
	}
}

func TestLoggerUsesClockAndFormat(t *testing.T) {
	now, err := clock(fakeEnv(map[string]string{"HERALD_NOW": "2026-11-21T15:04:05Z"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format string
		want   string
	}{
		{format: "text", want: "time=2026-11-21T15:04:05.000Z level=INFO msg=hello post_id=a\n"},
		{format: "json", want: `{"time":"2026-11-21T15:04:05Z","level":"INFO","msg":"hello","post_id":"a"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := newLogger(&buf, tt.format, 0, now)
			if err != nil {
				t.Fatal(err)
			}
			log.Info("hello", "post_id", "a")
			log.Debug("hidden at info level")
			if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
		})
	}
}

// openTestRoot opens a fresh temporary directory as a fileSystem.
func openTestRoot(t *testing.T) (*os.Root, string) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root, dir
}

// readTree returns every regular file below dir, by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
