package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

var (
	t0 = time.Date(2026, 12, 1, 14, 0, 3, 0, time.UTC)
	// ny is a zone other than UTC, to check that encoding converts.
	ny = time.FixedZone("EST", -5*3600)
)

func fullRecord() *Record {
	return &Record{
		Post: "blog/launch",
		File: "content/blog/launch.md",
		Hash: "9f2c",
		Targets: map[string]TargetState{
			"bluesky": {
				Status:           StatusPublished,
				Attempt:          "blog/launch/bluesky/1",
				Attempts:         1,
				IDs:              []string{"at://did:plc:abc/app.bsky.feed.post/3k", "at://did:plc:abc/app.bsky.feed.post/3l"},
				URLs:             []string{"https://bsky.app/profile/example.com/post/3k?a=1&b=<2>"},
				Hash:             "9f2c",
				Provider:         "direct",
				FirstPublishedAt: t0.In(ny),
				UpdatedAt:        t0.Add(500 * time.Millisecond),
				LastAttemptAt:    t0,
				Metrics: &Metrics{
					Likes:    ptr[int64](12),
					Reposts:  ptr[int64](0),
					SyncedAt: t0.Add(time.Hour),
				},
			},
			"x": {
				Status:        StatusFailed,
				Attempt:       "blog/launch/x/2",
				Attempts:      2,
				UpdatedAt:     t0,
				LastAttemptAt: t0,
				NextRetryAt:   t0.Add(10 * time.Minute),
				LastError:     &Error{Message: "rate limited", Kind: KindRateLimit},
			},
			"mastodon": {Status: StatusDeletedRemotely, IDs: []string{"1"}, UpdatedAt: t0},
		},
	}
}

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name   string
		record *Record
	}{
		{"full", fullRecord()},
		{"minimal", &Record{Post: "hello"}},
		{"scheduled", &Record{Post: "2026/q4/teaser", File: "posts/2026/q4/teaser.md",
			Targets: map[string]TargetState{"linkedin:company": {Status: StatusScheduled,
				IDs: []string{}, Metrics: &Metrics{}, LastError: &Error{}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.record)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".json")
			if os.Getenv("UPDATE") != "" {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("Encode() mismatch with %s (-want +got):\n%s", golden, diff)
			}
			again, err := Encode(tt.record)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(got) {
				t.Errorf("Encode() is not deterministic")
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		record *Record
	}{
		{"full", fullRecord()},
		{"minimal", &Record{Post: "hello"}},
		{"metric zero is kept", &Record{Post: "a/b", Targets: map[string]TargetState{
			"x": {Status: StatusPublished, Metrics: &Metrics{Impressions: ptr[int64](0)}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Encode(tt.record)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode("f.json", data)
			if err != nil {
				t.Fatal(err)
			}
			want := normalize(tt.record)
			want.Version = Version
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Decode(Encode()) mismatch (-want +got):\n%s", diff)
			}
			for name, ts := range got.Targets {
				for _, tm := range []time.Time{ts.UpdatedAt, ts.FirstPublishedAt, ts.LastAttemptAt, ts.NextRetryAt} {
					if !tm.IsZero() && tm.Location() != time.UTC {
						t.Errorf("target %s: time %v is not UTC", name, tm)
					}
				}
			}
			again, err := Encode(got)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(data), string(again)); diff != "" {
				t.Errorf("Encode(Decode()) changed the bytes (-first +second):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const file = ".herald/state/blog/launch.json"
	tests := []struct {
		name string
		data string
		want []string // substrings of the error
	}{
		{"unknown field", `{"version":1,"post":"blog/launch","colour":"red"}`,
			[]string{file, `unknown field "colour"`}},
		{"unknown target field", `{"version":1,"post":"blog/launch","targets":{"x":{"status":"published","likes":3}}}`,
			[]string{file, `unknown field "likes"`}},
		{"bad status", `{"version":1,"post":"blog/launch","targets":{"x":{"status":"done"}}}`,
			[]string{file, `target "x": invalid status "done"`}},
		{"missing status", `{"version":1,"post":"blog/launch","targets":{"x":{}}}`,
			[]string{file, `invalid status ""`}},
		{"bad time", `{"version":1,"post":"blog/launch","targets":{"x":{"status":"published","updated_at":"yesterday"}}}`,
			[]string{file, `parsing time "yesterday"`}},
		{"time without zone", `{"version":1,"post":"blog/launch","targets":{"x":{"status":"published","updated_at":"2026-12-01T14:00:00"}}}`,
			[]string{file, `parsing time`}},
		{"no version", `{"post":"blog/launch"}`, []string{file, "unsupported version 0"}},
		{"newer version", `{"version":2,"post":"blog/launch"}`, []string{file, "unsupported version 2"}},
		{"bad id", `{"version":1,"post":"../etc/passwd"}`, []string{file, "invalid post id"}},
		{"trailing data", `{"version":1,"post":"blog/launch"}{}`, []string{file, "data after the record"}},
		{"not json", `version: 1`, []string{file, "invalid character"}},
		{"negative metric is a number", `{"version":1,"post":"blog/launch","targets":{"x":{"status":"published","metrics":{"likes":"many"}}}}`,
			[]string{file, "cannot unmarshal string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(file, []byte(tt.data))
			if err == nil {
				t.Fatal("Decode() succeeded, want an error")
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != file {
				t.Errorf("Decode() error %v is not a *FileError for %s", err, file)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Decode() error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	tests := []struct {
		name   string
		record *Record
	}{
		{"bad status", &Record{Post: "a", Targets: map[string]TargetState{"x": {Status: "ok"}}}},
		{"empty target name", &Record{Post: "a", Targets: map[string]TargetState{"": {Status: StatusPublished}}}},
		{"escaping id", &Record{Post: "../a"}},
		{"nil", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Encode(tt.record); err == nil {
				t.Error("Encode() succeeded, want an error")
			}
		})
	}
}

func TestPathOf(t *testing.T) {
	tests := []struct {
		id   string
		want string // "" for an invalid ID
	}{
		{"blog/launch", ".herald/state/blog/launch.json"},
		{"hello", ".herald/state/hello.json"},
		{"2026/12/01-launch.v2", ".herald/state/2026/12/01-launch.v2.json"},
		{"", ""},
		{"/etc/passwd", ""},
		{"../x", ""},
		{"a/../../x", ""},
		{"a/./b", ""},
		{"a//b", ""},
		{"a/", ""},
		{`a\b`, ""},
		{"..", ""},
		{"c:/x", ""},
		{"a\x00b", ""},
		{"a\nb", ""},
		{"a/" + strings.Repeat("b", 200), ".herald/state/a/" + strings.Repeat("b", 200) + ".json"},
		{"a/" + strings.Repeat("b", 201), ""}, // the file name would pass 255 bytes with its suffixes
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.40s", tt.id), func(t *testing.T) {
			got, err := PathOf(tt.id)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidID) {
					t.Errorf("PathOf(%q) = %q, %v; want ErrInvalidID", tt.id, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("PathOf(%q) = %q, %v; want %q", tt.id, got, err, tt.want)
			}
			back, err := IDOf(got)
			if err != nil || back != tt.id {
				t.Errorf("IDOf(%q) = %q, %v; want %q", got, back, err, tt.id)
			}
		})
	}
}
