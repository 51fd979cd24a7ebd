package main

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/heraldhq/herald/examples"
	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/platforms/platformtest"
)

// githubKey holds a script's fake GitHub API in its Values.
type githubKey struct{}

type githubFake struct {
	fake *ghub.Fake
	rep  *platformtest.LogReporter
}

// githubCmd drives a fake GitHub REST API for the script:
//
//	github start            start it for acme/content; sets GITHUB_API_URL,
//	                        GITHUB_REPOSITORY and GITHUB_TOKEN
//	github seed PR TEXT     a comment on PR by someone else
//	github comments PR      print PR's comments; fails if the fake saw any
//	                        request it does not expect
//	github readonly         refuse writes with 403, as for a fork's token
//	github checks           print the check runs made
func githubCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: github start | seed PR TEXT | comments PR")
	}
	g := ts.Value(githubKey{}).(*githubFake)
	if args[0] != "start" && g.fake == nil {
		ts.Fatalf("github: run github start first")
	}
	switch args[0] {
	case "start":
		g.rep = &platformtest.LogReporter{Logger: slog.New(slog.DiscardHandler)}
		ts.Defer(g.rep.Close)
		g.fake = ghub.NewFake(g.rep, "acme", "content")
		ts.Setenv("GITHUB_API_URL", g.fake.URL())
		ts.Setenv("GITHUB_REPOSITORY", "acme/content")
		ts.Setenv("GITHUB_TOKEN", ghub.FakeToken)
	case "checks":
		for _, c := range g.fake.Checks() {
			fmt.Fprintf(ts.Stdout(), "--- check %q on %s: %s %s\n%s\n", c.Name, c.HeadSHA, c.Status, c.Conclusion, c.Title)
		}
	case "readonly":
		g.fake.ReadOnly()
	case "seed":
		pr, err := strconv.Atoi(args[1])
		ts.Check(err)
		g.fake.Seed(pr, strings.Join(args[2:], " "))
	case "comments":
		pr, err := strconv.Atoi(args[1])
		ts.Check(err)
		if errs := g.rep.Errors(); len(errs) > 0 {
			ts.Fatalf("github fake:\n%s", strings.Join(errs, "\n"))
		}
		comments := g.fake.Comments(pr)
		if len(comments) == 0 {
			fmt.Fprintln(ts.Stdout(), "(no comments)")
		}
		for _, c := range comments {
			fmt.Fprintf(ts.Stdout(), "--- comment %d, %d characters\n%s\n", c.ID, utf8.RuneCountInString(c.Body), c.Body)
		}
	default:
		ts.Fatalf("github: unknown subcommand %q", args[0])
	}
}

// TestQuickstartWorkflowNotEmbedded shows that the example's workflow
// stays out of herald demo: go:embed without all: skips dot-directories.
func TestQuickstartWorkflowNotEmbedded(t *testing.T) {
	tests := []struct {
		name, path string
		embedded   bool
	}{
		{"configuration", "quickstart/herald.yaml", true},
		{"workflow", "quickstart/.github/workflows/herald.yml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fs.Stat(examples.Quickstart, tt.path)
			if got := err == nil; got != tt.embedded {
				t.Errorf("%s embedded = %v, want %v", tt.path, got, tt.embedded)
			}
			if _, err := os.Stat(filepath.Join("../../examples", tt.path)); err != nil {
				t.Errorf("%s is not in the repository: %v", tt.path, err)
			}
		})
	}
}

func TestUnifiedLines(t *testing.T) {
	tests := []struct{ name, a, b, want string }{
		{"same", "a\nb\n", "a\nb\n", " a\n b\n"},
		{"changed line", "a\nb\nc\n", "a\nB\nc\n", " a\n-b\n+B\n c\n"},
		{"removed file", "a\nb\n", "", "-a\n-b\n"},
		{"no final newline", "a", "a\nb", "-a\n+a\n+b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, unifiedLines(tt.a, tt.b)); diff != "" {
				t.Errorf("unifiedLines (-want +got):\n%s", diff)
			}
		})
	}
}
