package github

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// Output is one step output, a name and its value.
type Output struct {
	Name, Value string
}

// AppendOutputs adds outputs to the step outputs file (GITHUB_OUTPUT),
// using the delimiter form for values with newlines, as GitHub documents.
func AppendOutputs(path string, outs []Output) error {
	var b strings.Builder
	for _, o := range outs {
		if !strings.Contains(o.Value, "\n") {
			fmt.Fprintf(&b, "%s=%s\n", o.Name, o.Value)
			continue
		}
		delim := "herald_" + randomHex()
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return appendFile(path, b.String())
}

// AppendSummary adds Markdown to the job summary file
// (GITHUB_STEP_SUMMARY).
func AppendSummary(path, markdown string) error {
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	return appendFile(path, markdown)
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
