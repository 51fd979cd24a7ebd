package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const testFile = "posts/2026/launch.md"

func testConfig() *Config {
	return &Config{
		Content: "posts",
		Accounts: map[string]*Account{
			"bluesky":          {Name: "bluesky", Platform: "bluesky"},
			"mastodon":         {Name: "mastodon", Platform: "mastodon"},
			"x":                {Name: "x", Platform: "x"},
			"linkedin":         {Name: "linkedin", Platform: "linkedin"},
			"linkedin:company": {Name: "linkedin:company", Platform: "linkedin"},
		},
		RequireAlt: true,
	}
}

// e builds the error-severity finding tests expect in testFile.
func e(line, col int, field, msg string) *Error {
	return &Error{File: testFile, Line: line, Column: col, Field: field, Message: msg, Severity: SeverityError}
}

func warn(line, col int, field, msg string) *Error {
	w := e(line, col, field, msg)
	w.Severity = SeverityWarning
	return w
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

// TestParsePostErrors checks that every malformed or invalid input gives
// exactly the expected positioned findings, and whether a Post comes back.
func TestParsePostErrors(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		name     string
		src      string
		tz       *time.Location
		want     Errors
		wantPost bool
	}{
		{
			name: "malformed YAML on the first line",
			src:  "---\ntitle: a: b\n---\nBody\n",
			want: Errors{e(2, 0, "", "malformed YAML: mapping values are not allowed here")},
		},
		{
			name: "malformed YAML from the parser",
			src:  "---\ntags:\n  - a\n bad: b\n---\n",
			want: Errors{e(4, 0, "", "malformed YAML: did not find expected key")},
		},
		{
			name: "malformed YAML unclosed quote",
			src:  "---\ntitle: \"Launch\nto: x\n---\n",
			want: Errors{e(4, 0, "", "malformed YAML: found unexpected end of stream")},
		},
		{
			name: "YAML unknown anchor",
			src:  "---\ntitle: a\ntags: *t\n---\n",
			want: Errors{e(3, 0, "", `malformed YAML: unknown anchor "t" referenced`)},
		},
		{
			name: "YAML front-matter that is a list",
			src:  "---\n- a\n- b\n---\n",
			want: Errors{e(2, 1, "", "front-matter must be keys with values (key: value), not a list")},
		},
		{
			name:     "YAML duplicate key",
			src:      "---\ntitle: a\ntitle: b\n---\n",
			want:     Errors{e(3, 1, "title", `duplicate key "title" (first on line 2)`)},
			wantPost: true,
		},
		{
			name:     "YAML merge key",
			src:      "---\nbase: &b {title: a}\n<<: *b\n---\n",
			want:     Errors{e(3, 1, "", "merge keys (<<) are not supported in front-matter; write the keys out")},
			wantPost: true,
		},
		{
			name: "bad TOML",
			src:  "+++\ntitle = \"a\"\ndraft = \n+++\n",
			want: Errors{e(3, 9, "", `malformed TOML: expected value but found '\n' instead`)},
		},
		{
			name: "TOML duplicate key",
			src:  "+++\ntitle = \"a\"\ntitle = \"b\"\n+++\n",
			want: Errors{e(3, 1, "", "malformed TOML: Key 'title' has already been defined")},
		},
		{
			name: "bad JSON trailing comma",
			src:  "{\n  \"title\": \"a\",\n}\n\nBody\n",
			want: Errors{e(3, 1, "", "malformed JSON: invalid character '}' looking for beginning of object key string")},
		},
		{
			name: "bad JSON value",
			src:  "{\n  \"draft\": tru\n}\n\nBody\n",
			want: Errors{e(2, 15, "", "malformed JSON: invalid character '\\n' in literal true (expecting 'e')")},
		},
		{
			name:     "JSON duplicate key",
			src:      "{\n  \"title\": \"a\",\n  \"title\": \"b\"\n}\n",
			want:     Errors{e(3, 3, "title", `duplicate key "title" (first on line 2)`)},
			wantPost: true,
		},
		{
			name: "unterminated YAML",
			src:  "\n---\ntitle: a\n\nBody\n",
			want: Errors{e(2, 1, "", `unterminated front-matter: --- opens it on line 2 but no "---" line closes it`)},
		},
		{
			name: "unterminated TOML",
			src:  "+++\ntitle = \"a\"\n",
			want: Errors{e(1, 1, "", `unterminated front-matter: +++ opens it on line 1 but no "+++" line closes it`)},
		},
		{
			name: "unterminated JSON",
			src:  "{\n  \"title\": \"a\"\n}\nBody right after\n",
			want: Errors{e(1, 1, "", `unterminated front-matter: { opens it on line 1 but no "}" line followed by a blank line closes it`)},
		},
		{
			name:     "JSON on one line",
			src:      "{\"title\": \"a\", \"to\": [\"x\"], \"title\": \"b\"}\n\nBody\n",
			want:     Errors{e(1, 29, "title", `duplicate key "title" (first on line 1)`)},
			wantPost: true,
		},
		{
			name:     "JSON starting on its first line",
			src:      "{\"title\": \"a\",\n \"x\": {\"text\": \"}\"}}\n",
			wantPost: true,
		},
		{
			name: "JSON on one line without a blank line after",
			src:  "{\"title\": \"a\"}\nBody\n",
			want: Errors{e(1, 1, "", "unterminated front-matter: the JSON object that starts on line 1 does not end with a } followed by a blank line")},
		},
		{
			name: "JSON on one line, unclosed",
			src:  "{\"title\": \"a}\n\nBody\n",
			want: Errors{e(1, 1, "", "unterminated front-matter: the JSON object that starts on line 1 does not end with a } followed by a blank line")},
		},
		{
			name: "no front-matter",
			src:  "\n# Hello\n\nJust Markdown.\n",
			want: Errors{e(2, 1, "", "no front-matter: a post starts with --- (YAML), +++ (TOML) or { (JSON)")},
		},
		{
			name: "empty file",
			src:  "",
			want: Errors{e(1, 1, "", "empty file: a post needs front-matter")},
		},
		{
			name: "whitespace only",
			src:  " \n\t\r\n\n",
			want: Errors{e(1, 1, "", "empty file: a post needs front-matter")},
		},
		{
			name: "invalid UTF-8",
			src:  "---\ntitle: Caf\xe9 \xff\n---\n",
			want: Errors{e(2, 11, "", "invalid UTF-8 at byte 0xe9; save the file as UTF-8")},
		},
		{
			name: "invalid UTF-8 after CRLF and multibyte text",
			src:  "---\r\ntitle: é\r\n---\r\nnaïve \xff\r\n",
			want: Errors{e(4, 7, "", "invalid UTF-8 at byte 0xff; save the file as UTF-8")},
		},
		{
			name: "binary file named .md",
			src:  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
			want: Errors{{File: testFile, Message: "not a text file: a post is Markdown saved as UTF-8", Severity: SeverityError}},
		},
		{
			name:     "unparseable date",
			src:      "---\npublish_at: next tuesday\n---\n",
			want:     Errors{e(2, 1, "publish_at", `cannot read "next tuesday" as a time: write 2026-12-01T09:00:00-05:00, 2026-12-01T09:00:00, 2026-12-01 09:00 or 2026-12-01 (in the configured timezone), or next`)},
			wantPost: true,
		},
		{
			name:     "impossible date",
			src:      "---\npublish_at: 2026-02-30T09:00:00Z\n---\n",
			want:     Errors{e(2, 1, "publish_at", `cannot read "2026-02-30T09:00:00Z" as a time: write 2026-12-01T09:00:00-05:00, 2026-12-01T09:00:00, 2026-12-01 09:00 or 2026-12-01 (in the configured timezone), or next`)},
			wantPost: true,
		},
		{
			name:     "zone-less date without a timezone",
			src:      "---\npublish_at: 2026-12-01T09:00:00\n---\n",
			want:     Errors{e(2, 1, "publish_at", "no time zone: write 2026-12-01T09:00:00-05:00 or set timezone in herald.yaml")},
			wantPost: true,
		},
		{
			name:     "zone-less date with a timezone",
			src:      "---\npublish_at: 2026-12-01 09:00\n---\n",
			tz:       ny,
			wantPost: true,
		},
		{
			name:     "time in the spring-forward gap",
			src:      "---\npublish_at: 2026-03-08T02:30:00\n---\n",
			tz:       ny,
			want:     Errors{e(2, 1, "publish_at", "2026-03-08T02:30:00 does not exist in America/New_York: the clocks skip it; choose another time or write the offset")},
			wantPost: true,
		},
		{
			name:     "time in the fall-back overlap",
			src:      "---\npublish_at: 2026-11-01 01:30\n---\n",
			tz:       ny,
			want:     Errors{warn(2, 1, "publish_at", "2026-11-01T01:30:00 happens twice in America/New_York (2026-11-01T01:30:00-04:00 and 2026-11-01T01:30:00-05:00); using the first: write the offset to choose")},
			wantPost: true,
		},
		{
			name:     "unknown target with a suggestion",
			src:      "---\nto: [bluesky, x, linkdin]\n---\n",
			want:     Errors{e(2, 18, "to.2", `unknown target "linkdin" (did you mean "linkedin"?); accounts: bluesky, linkedin, linkedin:company, mastodon, x`)},
			wantPost: true,
		},
		{
			name:     "unknown target without a suggestion",
			src:      "---\nto: myspace\n---\n",
			want:     Errors{e(2, 1, "to", `unknown target "myspace"; accounts: bluesky, linkedin, linkedin:company, mastodon, x`)},
			wantPost: true,
		},
		{
			name:     "duplicate targets",
			src:      "---\nto:\n  - x\n  - bluesky\n  - x\n---\n",
			want:     Errors{e(5, 5, "to.2", `duplicate target "x" (also to.0)`)},
			wantPost: true,
		},
		{
			name:     "bad id",
			src:      "---\nid: Launch Post\n---\n",
			want:     Errors{e(2, 1, "id", `"Launch Post" is not a valid id: use lowercase letters, digits, -, _ and /`)},
			wantPost: true,
		},
		{
			name:     "id with a leading slash",
			src:      "---\nid: /launch\n---\n",
			want:     Errors{e(2, 1, "id", `"/launch" must not start with /`)},
			wantPost: true,
		},
		{
			name:     "id that climbs",
			src:      "---\nid: a/../../b\n---\n",
			want:     Errors{e(2, 1, "id", `"a/../../b" is not a valid id: use lowercase letters, digits, -, _ and /`)},
			wantPost: true,
		},
		{
			name:     "unknown thread mode",
			src:      "---\nthread: always\n---\n",
			want:     Errors{e(2, 1, "thread", `unknown mode "always": use auto or numbered, or leave thread out`)},
			wantPost: true,
		},
		{
			name: "every finding, not only the first",
			src:  "---\nid: Bad\npublish_at: soon\nto: [x, x]\nthread: 2\n---\n",
			want: Errors{
				e(2, 1, "id", `"Bad" is not a valid id: use lowercase letters, digits, -, _ and /`),
				e(3, 1, "publish_at", `cannot read "soon" as a time: write 2026-12-01T09:00:00-05:00, 2026-12-01T09:00:00, 2026-12-01 09:00 or 2026-12-01 (in the configured timezone), or next`),
				e(4, 9, "to.1", `duplicate target "x" (also to.0)`),
			},
			wantPost: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Timezone = tt.tz
			p, errs := ParsePost(cfg, testFile, []byte(tt.src))
			if diff := cmp.Diff(tt.want, errs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if (p != nil) != tt.wantPost {
				t.Errorf("post returned = %v, want %v", p != nil, tt.wantPost)
			}
		})
	}
}

// TestParsePostWrongTypes checks that fields of the wrong type are kept as
// written in Front for the schema, left zero in the typed fields, and not
// reported twice.
func TestParsePostWrongTypes(t *testing.T) {
	src := "---\ntitle: 42\ndraft: \"yes\"\nto: 7\ntags: launch\npublish_at: 20261201\nmedia: hero.png\nthread: [auto]\nx: short\n---\nBody\n"
	p, errs := ParsePost(testConfig(), testFile, []byte(src))
	if len(errs) != 0 {
		t.Fatalf("findings: %v", errs)
	}
	wantFront := map[string]any{
		"title": int64(42), "draft": "yes", "to": int64(7), "tags": "launch",
		"publish_at": int64(20261201), "media": "hero.png", "thread": []any{"auto"}, "x": "short",
	}
	if diff := cmp.Diff(wantFront, p.Front); diff != "" {
		t.Errorf("Front (-want +got):\n%s", diff)
	}
	got := struct {
		Title     string
		Draft     bool
		To        []Target
		Tags      []string
		PublishAt *time.Time
		Media     []Media
		Thread    ThreadMode
		Overrides map[string]*Override
	}{p.Title, p.Draft, p.To, p.Tags, p.PublishAt, p.Media, p.Thread, p.Overrides}
	if !cmp.Equal(got, struct {
		Title     string
		Draft     bool
		To        []Target
		Tags      []string
		PublishAt *time.Time
		Media     []Media
		Thread    ThreadMode
		Overrides map[string]*Override
	}{}) {
		t.Errorf("typed fields are not zero: %+v", got)
	}
}

// TestParsePostFormats checks Front, Positions and the typed fields for the
// same post written in each front-matter format.
func TestParsePostFormats(t *testing.T) {
	loc := mustLoad(t, "Europe/Paris")
	wantFront := map[string]any{
		"title":      "Launching v2",
		"publish_at": "2026-12-01T09:00:00-05:00",
		"draft":      false,
		"to":         []any{"bluesky", "x"},
		"tags":       []any{"launch", "v2"},
		"count":      int64(3),
		"ratio":      1.5,
		"media":      []any{map[string]any{"file": "hero.png", "alt": "The dashboard"}},
		"x":          map[string]any{"text": "Short for X", "reply": "ok"},
	}
	publishAt := time.Date(2026, 12, 1, 9, 0, 0, 0, time.FixedZone("", -5*3600))
	tests := []struct {
		name     string
		src      string
		wantPos  map[string]Position
		bodyLine int
		textLine int
	}{
		{
			name: "YAML",
			src: `---
title: Launching v2
publish_at: 2026-12-01T09:00:00-05:00
draft: false
to: [bluesky, x]
tags:
  - launch
  - v2
count: 3
ratio: 1.5
media:
  - file: hero.png
    alt: The dashboard
x:
  text: Short for X
  reply: ok
---
Body.
`,
			wantPos: map[string]Position{
				"": {Line: 1, Col: 1}, "title": {Line: 2, Col: 1}, "publish_at": {Line: 3, Col: 1},
				"draft": {Line: 4, Col: 1}, "to": {Line: 5, Col: 1}, "to.0": {Line: 5, Col: 6},
				"to.1": {Line: 5, Col: 15}, "tags": {Line: 6, Col: 1}, "tags.0": {Line: 7, Col: 5},
				"tags.1": {Line: 8, Col: 5}, "count": {Line: 9, Col: 1}, "ratio": {Line: 10, Col: 1},
				"media": {Line: 11, Col: 1}, "media.0": {Line: 12, Col: 5}, "media.0.file": {Line: 12, Col: 5},
				"media.0.alt": {Line: 13, Col: 5}, "x": {Line: 14, Col: 1}, "x.text": {Line: 15, Col: 3},
				"x.reply": {Line: 16, Col: 3},
			},
			bodyLine: 18,
			textLine: 15,
		},
		{
			name: "TOML",
			src: `+++
title = "Launching v2"
publish_at = 2026-12-01T09:00:00-05:00
draft = false
to = ["bluesky", "x"]
tags = [
  "launch", # the campaign
  "v2",
]
count = 3
ratio = 1.5

[[media]]
file = "hero.png"
alt = 'The dashboard'

[x]
text = "Short for X"
reply = "ok"
+++
Body.
`,
			wantPos: map[string]Position{
				"": {Line: 1, Col: 1}, "title": {Line: 2, Col: 1}, "publish_at": {Line: 3, Col: 1},
				"draft": {Line: 4, Col: 1}, "to": {Line: 5, Col: 1}, "to.0": {Line: 5, Col: 7},
				"to.1": {Line: 5, Col: 18}, "tags": {Line: 6, Col: 1}, "tags.0": {Line: 7, Col: 3},
				"tags.1": {Line: 8, Col: 3}, "count": {Line: 10, Col: 1}, "ratio": {Line: 11, Col: 1},
				"media": {Line: 13, Col: 3}, "media.0": {Line: 13, Col: 3}, "media.0.file": {Line: 14, Col: 1},
				"media.0.alt": {Line: 15, Col: 1}, "x": {Line: 17, Col: 2}, "x.text": {Line: 18, Col: 1},
				"x.reply": {Line: 19, Col: 1},
			},
			bodyLine: 21,
			textLine: 18,
		},
		{
			name: "JSON",
			src: `{
  "title": "Launching v2",
  "publish_at": "2026-12-01T09:00:00-05:00",
  "draft": false,
  "to": ["bluesky", "x"],
  "tags": [
    "launch",
    "v2"
  ],
  "count": 3,
  "ratio": 1.5,
  "media": [{"file": "hero.png", "alt": "The dashboard"}],
  "x": {
    "text": "Short for X", "reply": "ok"
  }
}

Body.
`,
			wantPos: map[string]Position{
				"": {Line: 1, Col: 1}, "title": {Line: 2, Col: 3}, "publish_at": {Line: 3, Col: 3},
				"draft": {Line: 4, Col: 3}, "to": {Line: 5, Col: 3}, "to.0": {Line: 5, Col: 10},
				"to.1": {Line: 5, Col: 21}, "tags": {Line: 6, Col: 3}, "tags.0": {Line: 7, Col: 5},
				"tags.1": {Line: 8, Col: 5}, "count": {Line: 10, Col: 3}, "ratio": {Line: 11, Col: 3},
				"media": {Line: 12, Col: 3}, "media.0": {Line: 12, Col: 13}, "media.0.file": {Line: 12, Col: 14},
				"media.0.alt": {Line: 12, Col: 34}, "x": {Line: 13, Col: 3}, "x.text": {Line: 14, Col: 5},
				"x.reply": {Line: 14, Col: 28},
			},
			bodyLine: 18,
			textLine: 14,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Timezone = loc
			p, errs := ParsePost(cfg, testFile, []byte(tt.src))
			if len(errs) != 0 {
				t.Fatalf("findings: %v", errs)
			}
			if diff := cmp.Diff(wantFront, p.Front); diff != "" {
				t.Errorf("Front (-want +got):\n%s", diff)
			}
			for k, pos := range tt.wantPos {
				pos.File = testFile
				tt.wantPos[k] = pos
			}
			if diff := cmp.Diff(tt.wantPos, p.Positions); diff != "" {
				t.Errorf("Positions (-want +got):\n%s", diff)
			}
			if p.ID != "2026/launch" || p.Title != "Launching v2" || p.BodyLine != tt.bodyLine || p.Markdown != "Body.\n" {
				t.Errorf("ID, Title, BodyLine, Markdown = %q, %q, %d, %q", p.ID, p.Title, p.BodyLine, p.Markdown)
			}
			if p.PublishAt == nil || !p.PublishAt.Equal(publishAt) {
				t.Errorf("PublishAt = %v, want %v", p.PublishAt, publishAt)
			}
			wantTo := []Target{
				{Name: "bluesky", Platform: "bluesky", Pos: p.Positions["to.0"]},
				{Name: "x", Platform: "x", Pos: p.Positions["to.1"]},
			}
			if diff := cmp.Diff(wantTo, p.To); diff != "" {
				t.Errorf("To (-want +got):\n%s", diff)
			}
			wantMedia := []Media{{File: "hero.png", Alt: "The dashboard", Pos: p.Positions["media.0"]}}
			if diff := cmp.Diff(wantMedia, p.Media); diff != "" {
				t.Errorf("Media (-want +got):\n%s", diff)
			}
			text := "Short for X"
			wantBody := ParseMarkdown([]byte(text), tt.textLine)
			wantOverrides := map[string]*Override{"x": {
				Text: &text, Body: &wantBody, Extra: map[string]any{"reply": "ok"}, Pos: p.Positions["x"], TextLine: tt.textLine,
			}}
			if diff := cmp.Diff(wantOverrides, p.Overrides); diff != "" {
				t.Errorf("Overrides (-want +got):\n%s", diff)
			}
			if got := p.Body.Parts[0].Line; got != tt.bodyLine {
				t.Errorf("body part line = %d, want %d", got, tt.bodyLine)
			}
		})
	}
}

// TestParsePostTimes checks the publish_at forms that are accepted.
func TestParsePostTimes(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		name     string
		value    string
		tz       *time.Location
		want     time.Time
		wantNext bool
	}{
		{name: "RFC 3339 with offset", value: "2026-12-01T09:00:00-05:00", want: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)},
		{name: "RFC 3339 UTC", value: "2026-12-01T09:00:00Z", want: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{name: "fractional seconds", value: "2026-12-01T09:00:00.5+01:00", want: time.Date(2026, 12, 1, 8, 0, 0, 5e8, time.UTC)},
		{name: "YAML zone-less timestamp", value: "2026-12-01 09:00:00", tz: ny, want: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)},
		{name: "quoted zone-less", value: `"2026-12-01T09:00:00"`, tz: ny, want: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)},
		{name: "minutes only", value: "2026-12-01 09:00", tz: ny, want: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)},
		{name: "date only", value: "2026-12-01", tz: ny, want: time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)},
		{name: "summer time", value: "2026-07-01T09:00:00", tz: ny, want: time.Date(2026, 7, 1, 13, 0, 0, 0, time.UTC)},
		{name: "just after spring forward", value: "2026-03-08T03:00:00", tz: ny, want: time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{name: "next", value: "next", wantNext: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Timezone = tt.tz
			p, errs := ParsePost(cfg, testFile, []byte("---\npublish_at: "+tt.value+"\n---\n"))
			if len(errs) != 0 {
				t.Fatalf("findings: %v", errs)
			}
			if p.PublishNext != tt.wantNext {
				t.Errorf("PublishNext = %v, want %v", p.PublishNext, tt.wantNext)
			}
			if tt.wantNext {
				if p.PublishAt != nil {
					t.Errorf("PublishAt = %v, want nil", p.PublishAt)
				}
				return
			}
			if p.PublishAt == nil || !p.PublishAt.Equal(tt.want) {
				t.Errorf("PublishAt = %v, want %v", p.PublishAt, tt.want)
			}
		})
	}
}

// TestParsePostEncoding checks that a BOM and CRLF line ends parse like
// clean LF text, with the lines an editor shows, and hash the same.
func TestParsePostEncoding(t *testing.T) {
	clean := "---\ntitle: Hi\nto: [x]\n---\n\nFirst.\n\nSecond.\n"
	variants := map[string]string{
		"BOM and CRLF": "\ufeff" + strings.ReplaceAll(clean, "\n", "\r\n"),
		"lone CR":      strings.ReplaceAll(clean, "\n", "\r"),
	}
	want, errs := ParsePost(testConfig(), testFile, []byte(clean))
	if len(errs) != 0 {
		t.Fatalf("findings: %v", errs)
	}
	if want.Positions["to.0"] != (Position{File: testFile, Line: 3, Col: 6}) || want.Body.Parts[0].Blocks[1].Line != 8 {
		t.Fatalf("clean post: to.0 at %v, second paragraph at line %d", want.Positions["to.0"], want.Body.Parts[0].Blocks[1].Line)
	}
	for name, src := range variants {
		t.Run(name, func(t *testing.T) {
			got, errs := ParsePost(testConfig(), testFile, []byte(src))
			if len(errs) != 0 {
				t.Fatalf("findings: %v", errs)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("post differs from the clean one (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParsePostOverrides checks override texts and the file lines of their
// Markdown, for each way of writing the text.
func TestParsePostOverrides(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		target    string
		wantText  string
		wantLines []int // the line of each block of the override's body
		wantExtra map[string]any
	}{
		{
			name:      "YAML literal block",
			src:       "---\nto: [x]\nx:\n  text: |\n    First part.\n\n    ---\n\n    Second part.\n  first_comment: hi\n---\nBody\n",
			target:    "x",
			wantText:  "First part.\n\n---\n\nSecond part.\n",
			wantLines: []int{5, 9},
			wantExtra: map[string]any{"first_comment": "hi"},
		},
		{
			name:      "YAML inline flow",
			src:       "---\nlinkedin:company: {text: \"Hello **all**\"}\n---\nBody\n",
			target:    "linkedin:company",
			wantText:  "Hello **all**",
			wantLines: []int{2},
		},
		{
			name:      "TOML multi-line string",
			src:       "+++\n[mastodon]\ntext = \"\"\"\nOne.\n\nTwo.\"\"\"\n+++\nBody\n",
			target:    "mastodon",
			wantText:  "One.\n\nTwo.",
			wantLines: []int{4, 6},
		},
		{
			name:      "JSON string on its own line",
			src:       "{\n  \"bluesky\": {\n    \"text\":\n      \"Hi\\n\\nThere\"\n  }\n}\n",
			target:    "bluesky",
			wantText:  "Hi\n\nThere",
			wantLines: []int{4, 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := ParsePost(testConfig(), testFile, []byte(tt.src))
			if len(errs) != 0 {
				t.Fatalf("findings: %v", errs)
			}
			o := p.Overrides[tt.target]
			if o == nil || o.Text == nil || o.Body == nil {
				t.Fatalf("override %q = %+v", tt.target, o)
			}
			if *o.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", *o.Text, tt.wantText)
			}
			var lines []int
			for _, part := range o.Body.Parts {
				for _, b := range part.Blocks {
					lines = append(lines, b.Line)
				}
			}
			if diff := cmp.Diff(tt.wantLines, lines); diff != "" {
				t.Errorf("block lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantExtra, o.Extra); diff != "" {
				t.Errorf("Extra (-want +got):\n%s", diff)
			}
			if o.Pos != p.Positions[tt.target] || o.Pos.Line != 2 && o.Pos.Line != 3 {
				t.Errorf("Pos = %v", o.Pos)
			}
		})
	}
}

// TestParsePostIDAndHash checks the default id, and that the hash ignores
// the path and line-end style but not the content.
func TestParsePostIDAndHash(t *testing.T) {
	src := []byte("---\ntitle: a\n---\nBody\n")
	tests := []struct {
		name    string
		content string
		file    string
		wantID  string
	}{
		{name: "below the content directory", content: "posts", file: "posts/2026/launch.md", wantID: "2026/launch"},
		{name: "content directory with a slash", content: "./posts/", file: "posts/launch.md", wantID: "launch"},
		{name: "content at the root", content: "", file: "launch.md", wantID: "launch"},
		{name: "outside the content directory", content: "posts", file: "other/launch.md", wantID: "other/launch"},
	}
	var hash string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Content = tt.content
			p, errs := ParsePost(cfg, tt.file, src)
			if len(errs) != 0 {
				t.Fatalf("findings: %v", errs)
			}
			if p.ID != tt.wantID {
				t.Errorf("ID = %q, want %q", p.ID, tt.wantID)
			}
			if hash == "" {
				hash = p.Hash
			} else if p.Hash != hash {
				t.Errorf("Hash = %s, want %s (the path must not count)", p.Hash, hash)
			}
		})
	}
	t.Run("file name that is not an id", func(t *testing.T) {
		_, errs := ParsePost(testConfig(), "posts/My Post.md", src)
		want := Errors{{File: "posts/My Post.md", Line: 1, Column: 1, Field: "id", Severity: SeverityError,
			Message: `the file's path gives the id "My Post", which is not a valid id: use lowercase letters, digits, -, _ and /; rename the file or set id`}}
		if diff := cmp.Diff(want, errs); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
	t.Run("content changes the hash", func(t *testing.T) {
		a, _ := ParsePost(testConfig(), testFile, src)
		b, _ := ParsePost(testConfig(), testFile, []byte("---\ntitle: a\n---\nBody!\n"))
		if a.Hash == b.Hash || len(a.Hash) != 64 {
			t.Errorf("hashes %s and %s", a.Hash, b.Hash)
		}
	})
}

// TestParsePostHostile checks inputs built to be expensive.
func TestParsePostHostile(t *testing.T) {
	bomb := "---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n---\n"
	deep := "{\n\"a\": " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n}\n"
	keys := func(open, close, format, sep string, n int) string {
		var b strings.Builder
		b.WriteString(open)
		for i := range n {
			if i > 0 {
				b.WriteString(sep)
			}
			fmt.Fprintf(&b, format, i)
		}
		return b.String() + close
	}
	long := strings.Repeat("k", 129)
	// 62 keys of 128 bytes, then a list whose every item has a path of
	// 8 KB: 1,100 of them are more paths than herald keeps.
	var nested strings.Builder
	nested.WriteString("---\n")
	for i := range 62 {
		fmt.Fprintf(&nested, "%s%s:\n", strings.Repeat(" ", i), strings.Repeat("k", 128))
	}
	nested.WriteString(strings.Repeat(" ", 62) + "- " + strings.Repeat("1, ", 1100) + "\n---\n")
	nestedSrc := strings.Replace(nested.String(), "- "+strings.Repeat("1, ", 1100), "["+strings.Repeat("1, ", 1100)+"1]", 1)
	tests := []struct {
		name string
		src  string
		want Errors
	}{
		{name: "alias bomb", src: bomb, want: Errors{e(5, 36, "", "front-matter is too large: more than 10000 values (are aliases repeating it?)")}},
		{name: "self-referencing alias", src: "---\na: &a [*a]\n---\n", want: Errors{e(2, 8, "", "front-matter is nested more than 64 levels deep")}},
		{name: "deep JSON", src: deep, want: Errors{e(2, 70, "", "front-matter is nested more than 64 levels deep")}},
		{name: "deep TOML array", src: "+++\na = " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n+++\n",
			want: Errors{e(2, 69, "", "front-matter is nested more than 64 levels deep")}},
		{name: "deep TOML inline tables", src: "+++\na = " + strings.Repeat("{b = ", 1000) + "1" + strings.Repeat("}", 1000) + "\n+++\n",
			want: Errors{e(2, 321, "", "front-matter is nested more than 64 levels deep")}},
		{name: "deep TOML dotted key", src: "+++\n" + strings.Repeat("a.", 10_000) + "a = 1\n+++\n",
			want: Errors{e(2, 1, "", "front-matter is nested more than 64 levels deep")}},
		{name: "deep TOML table header", src: "+++\n[" + strings.Repeat("a.", 100) + "a]\n+++\n",
			want: Errors{e(2, 2, "", "front-matter is nested more than 64 levels deep")}},
		{name: "TOML values", src: "+++\na = [" + strings.Repeat("1, ", 20_000) + "]\n+++\n",
			want: Errors{e(2, 30003, "", "front-matter is too large: more than 10000 values (are aliases repeating it?)")}},
		{name: "TOML keys", src: keys("+++\n", "\n+++\n", "k%d = 1", "\n", 50_000),
			want: Errors{e(1002, 1, "", "the front-matter has more than 1000 keys")}},
		{name: "TOML keys of a table", src: keys("+++\n[x]\n", "\n+++\n", "k%d = 1", "\n", 2000),
			want: Errors{e(1003, 1, "", `"x" has more than 1000 keys`)}},
		{name: "TOML inline table keys", src: keys("+++\nx = {", "}\n+++\n", "k%d = 1", ", ", 2000),
			want: Errors{e(2, 9896, "", `"x" has more than 1000 keys`)}},
		{name: "TOML long key", src: "+++\n" + long + " = 1\n+++\n",
			want: Errors{e(2, 1, "", "a key of 129 bytes: keys are names of at most 128 bytes")}},
		{name: "YAML keys", src: keys("---\n", "\n---\n", "k%d: 1", "\n", 5000),
			want: Errors{e(1002, 1, "", "the front-matter has more than 1000 keys")}},
		{name: "YAML long key", src: "---\nx:\n  " + long + ": 1\n---\n",
			want: Errors{e(3, 3, "", "a key of 129 bytes: keys are names of at most 128 bytes")}},
		{name: "JSON keys", src: keys("{\n", "\n}\n", `"k%d": 1`, ",\n", 5000),
			want: Errors{e(1002, 1, "", "the front-matter has more than 1000 keys")}},
		{name: "JSON keys of a map", src: keys("{\n\"x\": {", "}\n}\n", `"k%d": 1`, ", ", 5000),
			want: Errors{e(2, 10897, "", `"x" has more than 1000 keys`)}},
		{name: "paths", src: nestedSrc,
			want: Errors{e(64, 3112, "", "front-matter is too large: its keys nest too deep under long names (more than 8 MiB of paths)")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := ParsePost(testConfig(), testFile, []byte(tt.src))
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if p != nil {
				t.Errorf("post returned for hostile input")
			}
		})
	}
}

func TestHashtagInYAMLCommentWarns(t *testing.T) {
	cfg := &Config{Accounts: map[string]*Account{"x": {Name: "x", Platform: "x"}}}
	src := "---\nto: [x]\nx:\n  text: Out now #launch\ntitle: Hello # a note\n---\nBody #kept.\n"
	p, errs := ParsePost(cfg, "posts/a.md", []byte(src))
	if p == nil {
		t.Fatalf("no post: %v", errs)
	}
	want := Errors{{File: "posts/a.md", Line: 4, Column: 9, Field: "x.text", Severity: SeverityWarning,
		Message: `"#launch" is a YAML comment, not part of the value: quote the value to keep it ("...#launch")`}}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if got := *p.Overrides["x"].Text; got != "Out now" {
		t.Errorf("text = %q: YAML's reading is kept, only warned about", got)
	}
}
