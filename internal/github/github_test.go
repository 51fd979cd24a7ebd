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
				f.Seed(7, s)
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
	preview := Section{Summary: "launch → mastodon", Body: strings.Repeat("p", 400)}
	base := Comment{
		Title: "### herald plan", Summary: "Plan: 1 to create.",
		Table:     []string{"| a | b |", "|---|---|", "| 1 | 2 |"},
		Collapsed: "1 create",
		Warnings:  []string{"late: x"},
		Previews:  []Section{preview, preview, preview},
	}
	tests := []struct {
		name     string
		limit    int
		contains []string
		lacks    []string
		notes    int
	}{
		{"fits", MaxComment, []string{"| 1 | 2 |", "<details><summary>launch → mastodon</summary>", "- late: x"}, []string{"left out"}, 0},
		{"previews trimmed", 1000, []string{"| 1 | 2 |", "2 of 3 previews are left out", "launch → mastodon (preview left out)"}, []string{"collapsed"}, 1},
		{"list collapsed", 360, []string{"collapsed", "1 create"}, []string{"| 1 | 2 |", "<details>"}, 1},
		{"cut", 150, []string{"cut here"}, nil, 2},
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
