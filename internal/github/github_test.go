package github

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestUpsertComment(t *testing.T) {
	tests := []struct {
		name   string
		seed   []string // comments already on the pull request
		bodies []string // herald's comments, one run each
		want   []string // the pull request's comments at the end
	}{
		{
			name:   "first run creates",
			bodies: []string{Marker + "\none"},
			want:   []string{Marker + "\none"},
		},
		{
			name:   "second run edits",
			bodies: []string{Marker + "\none", Marker + "\ntwo"},
			want:   []string{Marker + "\ntwo"},
		},
		{
			name:   "found past the first page, others untouched",
			seed:   manyComments(130),
			bodies: []string{Marker + "\none", Marker + "\ntwo"},
			want:   append(manyComments(130), Marker+"\ntwo"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(t, "acme", "content")
			for _, s := range tt.seed {
				f.Seed(7, "octocat", s)
			}
			c, err := NewClient(f.Client(), f.URL(), FakeToken, "acme/content")
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range tt.bodies {
				got, err := c.UpsertComment(t.Context(), 7, b)
				if err != nil {
					t.Fatal(err)
				}
				if got.Created != (i == 0) {
					t.Errorf("run %d: created = %v", i+1, got.Created)
				}
			}
			var got []string
			for _, cm := range f.Comments(7) {
				got = append(got, cm.Body)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
		})
	}
}

func manyComments(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("looks good %d", i))
	}
	return out
}

func TestUpsertCommentErrors(t *testing.T) {
	tests := []struct {
		name, token, body, want string
		readOnly                bool
	}{
		{"no marker", FakeToken, "plan", "must start with the marker", false},
		{"too long", FakeToken, Marker + strings.Repeat("x", 70000), "422", false},
		{"wrong token", "stolen", Marker, "401", false},
		{"read-only token", FakeToken, Marker, ErrReadOnly.Error(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(t, "acme", "content")
			f.ExpectViolations()
			if tt.readOnly {
				f.ReadOnly()
			}
			c, err := NewClient(f.Client(), f.URL(), tt.token, "acme/content")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UpsertComment(t.Context(), 7, tt.body)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one with %q", err, tt.want)
			}
			if errors.Is(err, ErrReadOnly) != tt.readOnly {
				t.Errorf("errors.Is(err, ErrReadOnly) = %v", !tt.readOnly)
			}
			if n := len(f.Comments(7)); n != 0 {
				t.Errorf("%d comments made", n)
			}
		})
	}
}

func TestNewClientErrors(t *testing.T) {
	tests := []struct{ name, token, repo, want string }{
		{"no token", "", "acme/content", "no token"},
		{"bad repository", "t", "acme", "not owner/name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(nil, "", tt.token, tt.repo)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPullRequest(t *testing.T) {
	tests := []struct {
		name, event string
		want        int
		wantErr     bool
	}{
		{"pull_request", `{"action":"opened","number":7,"pull_request":{"number":7}}`, 7, false},
		{"push", `{"ref":"refs/heads/main"}`, 0, true},
		{"not json", `{`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PullRequest([]byte(tt.event))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("PullRequest = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRender(t *testing.T) {
	mine := func(name string, n int) Section {
		return Section{Summary: "Preview: " + name, Body: strings.Repeat("p", n)}
	}
	base := Comment{
		Commit: "0123456789abcdef",
		Title:  "### herald plan",
		Lead:   []string{"**Adds** `webinar`: bluesky: publishes on merge."},
		Posts: []Post{
			{Heading: "#### adds `webinar`", Body: "| bluesky | publishes |", Previews: []Section{mine("bluesky", 800), mine("x", 100)}},
			{Heading: "#### edits `welcome`", Body: "| x | edits |", Previews: []Section{mine("mastodon", 350)}},
		},
		Others: Others{Summary: "Elsewhere: 13 late", Table: []string{"| a | b |", "|---|---|", strings.Repeat("| late | row |\n", 40)}},
		Footer: "<sub>footer</sub>",
	}
	tests := []struct {
		name     string
		limit    int
		contains []string
		lacks    []string
		notes    int
	}{
		{"fits", MaxComment, []string{"<!-- herald-plan-commit: 0123456789abcdef -->", "| late | row |", "<details><summary>Preview: bluesky</summary>", "**Adds** `webinar`"}, []string{"Left out"}, 0},
		{"others go first", 2000, []string{"Elsewhere: 13 late\n", "<summary>Preview: bluesky</summary>", "<summary>Preview: x</summary>", "<summary>Preview: mastodon</summary>", "the list of what the repository would do"},
			[]string{"| late | row |", "preview left out"}, 1},
		{"then the longest previews", 1300, []string{"- Preview: bluesky (preview left out)", "<summary>Preview: x</summary>", "1 of 3 previews of this pull request's posts", "| bluesky | publishes |"},
			[]string{"| late | row |", "<summary>Preview: bluesky</summary>"}, 1},
		{"cut", 300, []string{"cut here"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			got, notes := c.Render(tt.limit)
			if n := utf8.RuneCountInString(got); n > tt.limit {
				t.Errorf("%d characters, limit %d", n, tt.limit)
			}
			if !strings.HasPrefix(got, Marker) {
				t.Errorf("no marker first:\n%s", got)
			}
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q in:\n%s", s, got)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(got, s) {
					t.Errorf("has %q in:\n%s", s, got)
				}
			}
			if len(notes) != tt.notes {
				t.Errorf("notes = %q, want %d", notes, tt.notes)
			}
		})
	}
}

func TestInvalidKeepsTheLastValidPlan(t *testing.T) {
	valid := (&Comment{Commit: "aaaaaaa111", Title: "### herald plan for `aaaaaaa`", Lead: []string{"**Adds** `webinar`."}}).render(renderer{})
	first := Invalid("bbbbbbb222", []string{"`posts/webinar.md:3` `publish_at`: not a time"}, valid, MaxComment)
	for _, want := range []string{
		"### herald plan: the content at `bbbbbbb` is invalid",
		"- `posts/webinar.md:3` `publish_at`: not a time",
		"**Out of date at `bbbbbbb`.** The plan below describes `aaaaaaa`",
		"**Adds** `webinar`.",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("missing %q in:\n%s", want, first)
		}
	}
	// A second invalid push keeps the same last valid plan, not the
	// first invalid comment.
	second := Invalid("ccccccc333", []string{"`posts/webinar.md:4` still wrong"}, first, MaxComment)
	plan, commit := LastPlan(second)
	if commit != "aaaaaaa111" || !strings.Contains(plan, "**Adds** `webinar`.") || strings.Contains(plan, "invalid") {
		t.Errorf("LastPlan = %q, %q", plan, commit)
	}
	if strings.Count(second, "Out of date") != 1 || strings.Contains(second, "bbbbbbb") {
		t.Errorf("second invalid comment nests the first:\n%s", second)
	}
	// With no earlier plan there is nothing to keep.
	alone := Invalid("ddddddd444", []string{"x"}, "", MaxComment)
	if strings.Contains(alone, "Out of date") {
		t.Errorf("banner without a plan:\n%s", alone)
	}
	if got := Invalid("eeeeeee555", []string{strings.Repeat("long problem ", 100)}, valid, 800); utf8.RuneCountInString(got) > 800 {
		t.Errorf("%d characters over 800", utf8.RuneCountInString(got))
	}
}

func TestFindCommentOnlyOwn(t *testing.T) {
	tests := []struct {
		name, token, login string
	}{
		{"installation token through GraphQL", FakeToken, FakeLogin},
		{"user token through GET /user", FakeUserToken, FakeUserLogin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(t, "acme", "content")
			f.Seed(7, "mallory", Marker+"\nnot herald's")
			c, err := NewClient(f.Client(), f.URL(), tt.token, "acme/content")
			if err != nil {
				t.Fatal(err)
			}
			found, err := c.FindComment(t.Context(), 7)
			if err != nil {
				t.Fatal(err)
			}
			if found.ID != 0 || found.Foreign != 1 || found.Login != tt.login {
				t.Fatalf("found %+v, want none of its own, 1 foreign, login %s", found, tt.login)
			}
			for _, body := range []string{Marker + "\none", Marker + "\ntwo"} {
				if _, err := c.UpsertComment(t.Context(), 7, body); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, cm := range f.Comments(7) {
				got = append(got, cm.Login+": "+cm.Body)
			}
			want := []string{"mallory: " + Marker + "\nnot herald's", tt.login + ": " + Marker + "\ntwo"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFenceAndCell(t *testing.T) {
	tests := []struct{ name, in, fence, cell string }{
		{"plain", "hello", "```", "hello"},
		{"backticks", "a ```` b", "`````", "a ```` b"},
		{"pipes and lines", "a|b\nc", "```", `a\|b c`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fence(tt.in); got != tt.fence {
				t.Errorf("Fence = %q, want %q", got, tt.fence)
			}
			if got := Cell(tt.in); got != tt.cell {
				t.Errorf("Cell = %q, want %q", got, tt.cell)
			}
		})
	}
}

func TestAppendOutputs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(path, []byte("before=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendOutputs(path, []Output{{"changes", "2"}, {"text", "a\nb"}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	delim := strings.TrimPrefix(lines[2], "text<<")
	want := []string{"before=1", "changes=2", "text<<" + delim, "a", "b", delim, ""}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(delim, "herald_") {
		t.Errorf("delimiter %q", delim)
	}
}

func TestCreateCheck(t *testing.T) {
	at := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		check    Check
		readOnly bool
		want     []FakeCheck
		wantErr  string
	}{
		{
			name:  "completed",
			check: Check{Name: "herald plan", HeadSHA: "abc123", Conclusion: "neutral", Title: "Plan: 1 to create.", Summary: "late: x", At: at},
			want:  []FakeCheck{{Name: "herald plan", HeadSHA: "abc123", Status: "completed", Conclusion: "neutral", Title: "Plan: 1 to create.", Summary: "late: x"}},
		},
		{
			name:     "read-only token",
			check:    Check{Name: "herald plan", HeadSHA: "abc123", Conclusion: "success", Title: "t", Summary: "s", At: at},
			readOnly: true,
			wantErr:  ErrReadOnly.Error(),
		},
		{
			name:    "no head",
			check:   Check{Name: "herald plan", Conclusion: "success", Title: "t", Summary: "s", At: at},
			wantErr: "no head commit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(t, "acme", "content")
			if tt.readOnly {
				f.ReadOnly()
			}
			c, err := NewClient(f.Client(), f.URL(), FakeToken, "acme/content")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateCheck(t.Context(), tt.check)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.Checks()); diff != "" {
				t.Errorf("checks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHeadSHA(t *testing.T) {
	tests := []struct {
		name, event, want string
		wantErr           bool
	}{
		{"pull_request", `{"number":7,"pull_request":{"number":7,"head":{"sha":"abc123"}}}`, "abc123", false},
		{"push", `{"after":"abc123"}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HeadSHA([]byte(tt.event))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("HeadSHA = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
