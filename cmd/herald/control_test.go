package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindingsEscapeControlCharacters checks that a file name holding a
// newline, an escape sequence and a bidirectional override is a finding,
// and so is a title holding an escape (YAML's "\e"), each printed escaped
// in every format: text, JSON and GitHub's annotations.
func TestFindingsEscapeControlCharacters(t *testing.T) {
	dir := t.TempDir()
	name := "a\nb\x1b[31mc\u202ed.md"
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "posts", name), []byte("---\nid: abcd\ntitle: \"x\\e[2J\"\n---\nBody\n"), 0o644); err != nil {
		t.Skipf("this file system takes no such name: %v", err)
	}
	for _, format := range []string{"text", "json", "github"} {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"validate", "--no-cache", "--repo", dir, "--format", format},
				strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
			}
			out := stdout.String()
			for _, raw := range []string{"\x1b", "\u202e", "b\nb", "a\nb"} {
				if strings.Contains(out+stderr.String(), raw) {
					t.Errorf("output holds %q raw:\n%s", raw, out)
				}
			}
			switch format {
			case "text":
				want := `posts/a\nb\x1b[31mc\u202ed.md: the file name holds a control or bidirectional character: rename the file` + "\n" +
					`posts/a\nb\x1b[31mc\u202ed.md:3:1: title: the value holds a control character (\x1b) at character 2: remove it` + "\n"
				if out != want {
					t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
				}
			case "json":
				var findings []struct{ File, Message string }
				if err := json.Unmarshal(stdout.Bytes(), &findings); err != nil || len(findings) != 2 || findings[0].File != "posts/"+name {
					t.Errorf("findings %+v, %v: want two, naming the file exactly", findings, err)
				}
			}
		})
	}
}
