package main

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSlugify(t *testing.T) {
	tests := []struct {
		name, title, want string
	}{
		{name: "plain", title: "Launching v2", want: "launching-v2"},
		{name: "punctuation collapses", title: "  Hello,   World!!  ", want: "hello-world"},
		{name: "accents stripped", title: "Café crème brûlée à Noël", want: "cafe-creme-brulee-a-noel"},
		{name: "letters without marks", title: "Straße Øresund Łódź Æon", want: "strasse-oresund-lodz-aeon"},
		{name: "apostrophes join", title: "What's new in herald’s CLI", want: "whats-new-in-heralds-cli"},
		{name: "ampersand", title: "Docs & examples", want: "docs-and-examples"},
		{name: "digits and dots", title: "v2.0.1 released", want: "v2-0-1-released"},
		{name: "no ascii", title: "日本語", want: ""},
		{name: "emoji dropped", title: "🚀 Launch day 🚀", want: "launch-day"},
		{name: "cut at a word", title: "A very long title that goes on and on about the many small improvements",
			want: "a-very-long-title-that-goes-on-and-on-about-the-many-small"},
		{name: "exactly sixty", title: "abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij abcde",
			want: "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcde"},
		{name: "sixty-one cuts the last word", title: "abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij abcdef",
			want: "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij"},
		{name: "one long word is cut hard", title: "x" + strings.Repeat("a", 70),
			want: "xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slugify(tt.title)
			if got != tt.want {
				t.Errorf("slugify(%q) = %q, want %q", tt.title, got, tt.want)
			}
			if len(got) > maxSlug {
				t.Errorf("slugify(%q) is %d bytes, more than %d", tt.title, len(got), maxSlug)
			}
		})
	}
}

func TestParsePublishAt(t *testing.T) {
	tests := []struct {
		in      string
		want    string // as written to the front-matter
		zoned   bool
		wantErr bool
	}{
		{in: "2026-12-01T09:00:00-05:00", want: "2026-12-01T09:00:00-05:00", zoned: true},
		{in: "2026-12-01T14:00:00Z", want: "2026-12-01T14:00:00Z", zoned: true},
		{in: "2026-12-01 09:00", want: "2026-12-01T09:00:00"},
		{in: "2026-12-01T09:00", want: "2026-12-01T09:00:00"},
		{in: " 2026-12-01 09:00:30 ", want: "2026-12-01T09:00:30"},
		{in: "2026-12-01", wantErr: true},
		{in: "tomorrow", wantErr: true},
		{in: "2026-02-30 09:00", wantErr: true},
		{in: "2026-12-01 25:00", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePublishAt(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parsePublishAt(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parsePublishAt(%q): %v", tt.in, err)
			}
			if got.String() != tt.want || got.zoned != tt.zoned {
				t.Errorf("parsePublishAt(%q) = %q zoned=%v, want %q zoned=%v", tt.in, got, got.zoned, tt.want, tt.zoned)
			}
		})
	}
}

func TestNewPost(t *testing.T) {
	at := publishAt{t: time.Date(2027, 1, 15, 10, 0, 0, 0, time.UTC)}
	tests := []struct {
		name     string
		opts     newOptions
		existing map[string]string
		wantName string
		wantFile string
		wantErr  string
	}{
		{
			name:     "every field",
			opts:     newOptions{title: "Hello: world", to: []string{"x", "linkedin:company"}, tags: []string{"a"}, campaign: "c", at: &at},
			wantName: "posts/hello-world.md",
			wantFile: "---\ntitle: 'Hello: world'\npublish_at: 2027-01-15T10:00:00\nto: [x, 'linkedin:company']\ntags: [a]\ncampaign: c\n---\n" + bodyPlaceholder,
		},
		{
			name:     "values YAML would read as other types stay strings",
			opts:     newOptions{title: "yes", tags: []string{"2026", "true", "On"}, campaign: "null"},
			wantName: "posts/yes.md",
			wantFile: "---\ntitle: \"yes\"\ntags: [\"2026\", \"true\", \"On\"]\ncampaign: \"null\"\n---\n" + bodyPlaceholder,
		},
		{
			name:     "slug given",
			opts:     newOptions{title: "日本語", slug: "japan"},
			wantName: "posts/japan.md",
			wantFile: "---\ntitle: 日本語\n---\n" + bodyPlaceholder,
		},
		{
			name:     "existing file",
			opts:     newOptions{title: "Taken"},
			existing: map[string]string{"posts/taken.md": "mine"},
			wantErr:  "posts/taken.md already exists; choose another title or --slug",
		},
		{
			name:    "bad slug",
			opts:    newOptions{title: "t", slug: "../escape"},
			wantErr: `--slug "../escape": use lower case ASCII letters, digits and single hyphens`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, dir := openTestRoot(t)
			for name, data := range tt.existing {
				if err := writeFile(root, name, []byte(data), false); err != nil {
					t.Fatal(err)
				}
			}
			name, err := newPost(root, tt.opts)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("newPost() error = %v, want %q", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.existing, readTree(t, dir), cmp.Comparer(func(a, b map[string]string) bool {
					return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b)
				})); diff != "" {
					t.Errorf("files changed (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("newPost() error = %v", err)
			}
			if name != tt.wantName {
				t.Errorf("newPost() = %q, want %q", name, tt.wantName)
			}
			if diff := cmp.Diff(map[string]string{tt.wantName: tt.wantFile}, readTree(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteFileNeverReplacesUnlessAsked(t *testing.T) {
	root, dir := openTestRoot(t)
	if err := writeFile(root, "a/b/c.md", []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(root, "a/b/c.md", []byte("two"), false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second write: error = %v, want fs.ErrExist", err)
	}
	if err := writeFile(root, "../outside.md", []byte("x"), true); err == nil {
		t.Errorf("write outside the root succeeded")
	}
	if err := writeFile(root, "a/b/c.md", []byte("three"), true); err != nil {
		t.Errorf("replace: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"a/b/c.md": "three"}, readTree(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
