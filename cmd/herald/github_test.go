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

	"github.com/rogpeppe/go-internal/testscript"
	"gopkg.in/yaml.v3"

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
		ts.Fatalf("usage: github start | seed PR TEXT | seedas LOGIN PR TEXT | usertoken | readonly | comments PR | checks")
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
	case "seed": // seed PR TEXT: a reviewer's comment
		pr, err := strconv.Atoi(args[1])
		ts.Check(err)
		g.fake.Seed(pr, "octocat", strings.Join(args[2:], " "))
	case "seedas": // seedas LOGIN PR TEXT: a comment by LOGIN
		pr, err := strconv.Atoi(args[2])
		ts.Check(err)
		g.fake.Seed(pr, args[1], strings.Join(args[3:], " "))
	case "order": // order PR TEXT...: herald's comment holds each TEXT, in order
		body := g.last(ts, args[1])
		at := 0
		for _, want := range args[2:] {
			i := strings.Index(body[at:], want)
			if i < 0 {
				ts.Fatalf("github order: %q is not after byte %d of the comment", want, at)
			}
			at += i + len(want)
		}
	case "count": // count PR TEXT N: herald's comment holds TEXT N times
		n, err := strconv.Atoi(args[3])
		ts.Check(err)
		if got := strings.Count(g.last(ts, args[1]), args[2]); got != n {
			ts.Fatalf("github count: %q is in the comment %d times, want %d", args[2], got, n)
		}
	case "review": // review PR LOGIN STATE
		pr, err := strconv.Atoi(args[1])
		ts.Check(err)
		g.fake.Review(pr, args[2], args[3])
	case "team": // team ORG SLUG MEMBER...
		g.fake.Team(args[1], args[2], args[3:]...)
	case "usertoken": // herald comments with a user's token, as on a forge
		ts.Setenv("GITHUB_TOKEN", ghub.FakeUserToken)
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
			fmt.Fprintf(ts.Stdout(), "--- comment %d by %s, %d characters\n%s\n", c.ID, c.Login, utf8.RuneCountInString(c.Body), c.Body)
		}
	default:
		ts.Fatalf("github: unknown subcommand %q", args[0])
	}
}

// last is the body of the last comment on pr.
func (g *githubFake) last(ts *testscript.TestScript, pr string) string {
	n, err := strconv.Atoi(pr)
	ts.Check(err)
	comments := g.fake.Comments(n)
	if len(comments) == 0 {
		ts.Fatalf("github: no comment on %d", n)
	}
	return comments[len(comments)-1].Body
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

// TestQuickstartPlanRunsAfterAnInvalidPush keeps the example workflow's
// plan step running when validate fails: the comment must then show the
// problems, not the last valid plan as if it were this commit's.
func TestQuickstartPlanRunsAfterAnInvalidPush(t *testing.T) {
	data, err := os.ReadFile("../../examples/quickstart/.github/workflows/herald.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `yaml:"name"`
				If   string `yaml:"if"`
				With map[string]string
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range wf.Jobs["plan"].Steps {
		if s.With["command"] == "plan" {
			found = true
			if s.If != "${{ !cancelled() }}" {
				t.Errorf("the plan step runs only when validate passed (if: %q): an invalid push would leave a stale comment", s.If)
			}
		}
	}
	if !found {
		t.Fatal("no plan step in the plan job")
	}
}
