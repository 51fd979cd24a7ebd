package state

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMerge(t *testing.T) {
	early, late := t0, t0.Add(time.Minute)
	rec := func(file string, targets map[string]TargetState) *Record {
		return &Record{Post: "p", File: file, Targets: targets}
	}
	tests := []struct {
		name         string
		ours, theirs *Record
		want         *Record
	}{
		{
			name:   "theirs absent",
			ours:   rec("a.md", map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: early}}),
			theirs: nil,
			want:   rec("a.md", map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: early}}),
		},
		{
			name:   "different targets are both kept",
			ours:   rec("a.md", map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: early}}),
			theirs: rec("a.md", map[string]TargetState{"bluesky": {Status: StatusFailed, UpdatedAt: late}}),
			want: rec("a.md", map[string]TargetState{
				"x":       {Status: StatusPublished, UpdatedAt: early},
				"bluesky": {Status: StatusFailed, UpdatedAt: late},
			}),
		},
		{
			name: "later updated_at wins per target",
			ours: rec("a.md", map[string]TargetState{
				"x":       {Status: StatusPublished, IDs: []string{"1"}, UpdatedAt: late},
				"bluesky": {Status: StatusPublishing, UpdatedAt: early},
			}),
			theirs: rec("b.md", map[string]TargetState{
				"x":       {Status: StatusPublishing, UpdatedAt: early},
				"bluesky": {Status: StatusPublished, IDs: []string{"at://1"}, UpdatedAt: late},
			}),
			want: rec("a.md", map[string]TargetState{
				"x":       {Status: StatusPublished, IDs: []string{"1"}, UpdatedAt: late},
				"bluesky": {Status: StatusPublished, IDs: []string{"at://1"}, UpdatedAt: late},
			}),
		},
		{
			name:   "equal updated_at keeps ours",
			ours:   rec("a.md", map[string]TargetState{"x": {Status: StatusFailed, UpdatedAt: early}}),
			theirs: rec("b.md", map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: early}}),
			want:   rec("a.md", map[string]TargetState{"x": {Status: StatusFailed, UpdatedAt: early}}),
		},
		{
			name:   "post fields follow the newest target",
			ours:   rec("a.md", map[string]TargetState{"x": {Status: StatusPublished, UpdatedAt: early}}),
			theirs: rec("moved/a.md", map[string]TargetState{"y": {Status: StatusPublished, UpdatedAt: late}}),
			want: rec("moved/a.md", map[string]TargetState{
				"x": {Status: StatusPublished, UpdatedAt: early},
				"y": {Status: StatusPublished, UpdatedAt: late},
			}),
		},
		{
			name:   "ours without targets",
			ours:   rec("a.md", nil),
			theirs: rec("a.md", map[string]TargetState{"y": {Status: StatusScheduled, UpdatedAt: late}}),
			want:   rec("a.md", map[string]TargetState{"y": {Status: StatusScheduled, UpdatedAt: late}}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oursBefore, theirsBefore := tt.ours.Clone(), tt.theirs.Clone()
			got := Merge(tt.ours, tt.theirs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Merge() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(oursBefore, tt.ours); diff != "" {
				t.Errorf("Merge() changed ours:\n%s", diff)
			}
			if diff := cmp.Diff(theirsBefore, tt.theirs); diff != "" {
				t.Errorf("Merge() changed theirs:\n%s", diff)
			}
		})
	}
}
