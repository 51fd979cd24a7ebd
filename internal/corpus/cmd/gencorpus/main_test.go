package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       func(dir string) []string
		wantCode   int
		wantStdout string
		wantStderr string
		wantPosts  int
		wantHugo   bool
	}{
		{
			name:       "posts and hugo site",
			args:       func(dir string) []string { return []string{"-n", "12", "-dir", dir, "-hugo"} },
			wantStdout: "wrote 12 posts to DIR\n",
			wantPosts:  12,
			wantHugo:   true,
		},
		{
			name:       "posts only",
			args:       func(dir string) []string { return []string{"-n", "3", "-dir", dir, "-threads", "1", "-media", "0"} },
			wantStdout: "wrote 3 posts to DIR\n",
			wantPosts:  3,
		},
		{
			name:       "no dir",
			args:       func(string) []string { return []string{"-n", "3"} },
			wantCode:   2,
			wantStderr: "gencorpus: -dir is required\n",
		},
		{
			name:       "bad ratio",
			args:       func(dir string) []string { return []string{"-dir", dir, "-media", "2"} },
			wantCode:   1,
			wantStderr: "gencorpus: generate corpus: ratios must be between 0 and 1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(tt.args(dir), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if got := strings.ReplaceAll(stdout.String(), dir, "DIR"); got != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", got, tt.wantStdout)
			}
			if got := stderr.String(); got != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", got, tt.wantStderr)
			}
			posts, _ := filepath.Glob(filepath.Join(dir, "posts", "*", "*", "*", "post-*.md"))
			if len(posts) != tt.wantPosts {
				t.Errorf("%d posts written, want %d", len(posts), tt.wantPosts)
			}
			_, err := os.Stat(filepath.Join(dir, "hugo.toml"))
			if hugo := err == nil; hugo != tt.wantHugo {
				t.Errorf("hugo.toml written: %v, want %v", hugo, tt.wantHugo)
			}
		})
	}
}
