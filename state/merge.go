package state

import "time"

// Merge combines two versions of the same post's record: ours, written by
// this run, and theirs, found on the remote head after a rejected push.
// The rule is per target:
//   - a target in only one of them is kept;
//   - a target in both keeps the entry with the later UpdatedAt, and ours
//     when they are equal.
//
// The post-level fields (File, Hash) come from the side whose newest target
// UpdatedAt is later, and from ours when equal. Neither argument is changed.
func Merge(ours, theirs *Record) *Record {
	if theirs == nil {
		return ours.Clone()
	}
	if ours == nil {
		return theirs.Clone()
	}
	m := ours.Clone()
	if latest(theirs).After(latest(ours)) {
		m.File, m.Hash = theirs.File, theirs.Hash
	}
	for name, t := range theirs.Targets {
		if m.Targets == nil {
			m.Targets = make(map[string]TargetState, len(theirs.Targets))
		}
		o, ok := m.Targets[name]
		if !ok || t.UpdatedAt.After(o.UpdatedAt) {
			m.Targets[name] = t.clone()
		}
	}
	return m
}

func latest(r *Record) (t0 time.Time) {
	for _, ts := range r.Targets {
		if ts.UpdatedAt.After(t0) {
			t0 = ts.UpdatedAt
		}
	}
	return t0
}
