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
	intent := func(key string, at time.Time) TargetState {
		return TargetState{Status: StatusPublishing, Attempt: key, Attempts: 1, UpdatedAt: at}
	}
	done := func(key string, at time.Time) TargetState {
		return TargetState{Status: StatusPublished, Attempt: key, Attempts: 1, IDs: []string{key}, UpdatedAt: at}
	}
	synced := func(ts TargetState, likes int64, at time.Time) TargetState {
		ts.Metrics = &Metrics{Likes: &likes, SyncedAt: at}
		return ts
	}
	tests := []struct {
		name               string
		base, ours, theirs *Record
		want               *Record
	}{
		{
			name: "theirs absent",
			ours: rec("a.md", map[string]TargetState{"x": done("k", early)}),
			want: rec("a.md", map[string]TargetState{"x": done("k", early)}),
		},
		{
			name:   "different targets are both kept",
			ours:   rec("a.md", map[string]TargetState{"x": done("k1", early)}),
			theirs: rec("a.md", map[string]TargetState{"bluesky": intent("k2", late)}),
			want:   rec("a.md", map[string]TargetState{"x": done("k1", early), "bluesky": intent("k2", late)}),
		},
		{
			name:   "a target only theirs changed is theirs even when ours is later",
			base:   rec("a.md", map[string]TargetState{"x": intent("k", early), "y": intent("j", early)}),
			ours:   rec("a.md", map[string]TargetState{"x": intent("k", early), "y": done("j", late)}),
			theirs: rec("a.md", map[string]TargetState{"x": done("k", early), "y": intent("j", early)}),
			want:   rec("a.md", map[string]TargetState{"x": done("k", early), "y": done("j", late)}),
		},
		{
			name:   "racing intents: the one that landed first wins",
			base:   rec("a.md", nil),
			ours:   rec("a.md", map[string]TargetState{"x": intent("ours", late)}),
			theirs: rec("a.md", map[string]TargetState{"x": intent("theirs", early)}),
			want:   rec("a.md", map[string]TargetState{"x": intent("theirs", early)}),
		},
		{
			name:   "same attempt: an outcome beats the intent",
			base:   rec("a.md", map[string]TargetState{"x": intent("k", early)}),
			ours:   rec("a.md", map[string]TargetState{"x": done("k", early)}),
			theirs: rec("a.md", map[string]TargetState{"x": TargetState{Status: StatusPublishing, Attempt: "k", Attempts: 2, UpdatedAt: late}}),
			want:   rec("a.md", map[string]TargetState{"x": done("k", early)}),
		},
		{
			name:   "two runs sending one attempt again: the intent that landed first wins",
			base:   rec("a.md", map[string]TargetState{"x": {Status: StatusUnknown, Attempt: "k", Attempts: 1, UpdatedAt: early}}),
			ours:   rec("a.md", map[string]TargetState{"x": {Status: StatusPublishing, Attempt: "k", Attempts: 2, Run: "ours", UpdatedAt: late}}),
			theirs: rec("a.md", map[string]TargetState{"x": {Status: StatusPublishing, Attempt: "k", Attempts: 2, Run: "theirs", UpdatedAt: early}}),
			want:   rec("a.md", map[string]TargetState{"x": {Status: StatusPublishing, Attempt: "k", Attempts: 2, Run: "theirs", UpdatedAt: early}}),
		},
		{
			name:   "same attempt, both decided: later wins, ours on a tie",
			base:   rec("a.md", map[string]TargetState{"x": intent("k", early)}),
			ours:   rec("a.md", map[string]TargetState{"x": {Status: StatusFailed, Attempt: "k", UpdatedAt: late}}),
			theirs: rec("a.md", map[string]TargetState{"x": {Status: StatusUnknown, Attempt: "k", UpdatedAt: late}}),
			want:   rec("a.md", map[string]TargetState{"x": {Status: StatusFailed, Attempt: "k", UpdatedAt: late}}),
		},
		{
			name:   "only ours started an attempt: ours, with their newer metrics",
			base:   rec("a.md", map[string]TargetState{"x": {Status: StatusFailed, Attempt: "k1", UpdatedAt: early}}),
			ours:   rec("a.md", map[string]TargetState{"x": intent("k2", late)}),
			theirs: rec("a.md", map[string]TargetState{"x": synced(TargetState{Status: StatusFailed, Attempt: "k1", UpdatedAt: late}, 3, late)}),
			want:   rec("a.md", map[string]TargetState{"x": synced(intent("k2", late), 3, late)}),
		},
		{
			name:   "post fields follow ours when ours changed them",
			base:   rec("a.md", map[string]TargetState{"x": done("k", early)}),
			ours:   rec("moved/a.md", map[string]TargetState{"x": done("k", early)}),
			theirs: rec("a.md", map[string]TargetState{"x": synced(done("k", early), 9, late)}),
			want:   rec("moved/a.md", map[string]TargetState{"x": synced(done("k", early), 9, late)}),
		},
		{
			name:   "ours without targets keeps theirs",
			base:   rec("a.md", nil),
			ours:   rec("a.md", nil),
			theirs: rec("a.md", map[string]TargetState{"y": {Status: StatusScheduled, UpdatedAt: late}}),
			want:   rec("a.md", map[string]TargetState{"y": {Status: StatusScheduled, UpdatedAt: late}}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := []*Record{tt.base.Clone(), tt.ours.Clone(), tt.theirs.Clone()}
			got := Merge(tt.base, tt.ours, tt.theirs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Merge() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, []*Record{tt.base, tt.ours, tt.theirs}); diff != "" {
				t.Errorf("Merge() changed its arguments:\n%s", diff)
			}
		})
	}
}
