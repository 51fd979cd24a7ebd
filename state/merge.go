package state

import "reflect"

// Merge combines three versions of one post's record after a rejected
// push: base, the record this run's commit was made on; ours, what this
// run wrote; theirs, what the remote head holds now. Any of them may be
// nil (no record). The rule is per target, and decides nothing a run
// could act on twice:
//
//   - a target only one side changed since base takes that side's entry
//     (a removal counts as a change);
//   - a target both sides changed in the same attempt (same attempt key)
//     takes the entry further along (publishing before any outcome), then
//     the later updated_at, then ours; but two intents to send the same
//     attempt again, from different runs, take theirs;
//   - a target both sides changed in different attempts takes the side
//     that started a new attempt when only one did; when both started
//     one, theirs wins, because it reached the remote first and its run
//     may already be publishing. The losing run sees its intent is gone
//     when it re-reads the record after pushing, and must not publish.
//
// Metrics go with the later sync time whichever entry wins. The post-level
// fields (file, hash) come from ours when ours changed them since base,
// else from theirs. No argument is changed.
func Merge(base, ours, theirs *Record) *Record {
	switch {
	case theirs == nil && ours == nil:
		return nil
	case theirs == nil:
		return ours.Clone()
	case ours == nil:
		if base == nil {
			return theirs.Clone()
		}
		return nil
	}
	if base == nil {
		base = &Record{}
	}
	m := theirs.Clone()
	if ours.File != base.File || ours.Hash != base.Hash {
		m.File, m.Hash = ours.File, ours.Hash
	}
	names := map[string]bool{}
	for _, r := range []*Record{base, ours, theirs} {
		for n := range r.Targets {
			names[n] = true
		}
	}
	for name := range names {
		b, bOK := base.Targets[name]
		o, oOK := ours.Targets[name]
		t, tOK := theirs.Targets[name]
		v, keep := mergeTarget(b, bOK, o, oOK, t, tOK)
		if m.Targets == nil {
			m.Targets = map[string]TargetState{}
		}
		if keep {
			m.Targets[name] = v.clone()
		} else {
			delete(m.Targets, name)
		}
	}
	if len(m.Targets) == 0 {
		m.Targets = nil
	}
	return m
}

func mergeTarget(b TargetState, bOK bool, o TargetState, oOK bool, t TargetState, tOK bool) (TargetState, bool) {
	oursChanged := oOK != bOK || (oOK && !reflect.DeepEqual(o, b))
	theirsChanged := tOK != bOK || (tOK && !reflect.DeepEqual(t, b))
	switch {
	case !oursChanged:
		return t, tOK
	case !theirsChanged:
		return o, oOK
	case !oOK:
		return t, tOK
	case !tOK:
		return o, oOK
	}
	var win, lose TargetState
	switch oNew, tNew := o.Attempt != b.Attempt, t.Attempt != b.Attempt; {
	case o.Attempt == t.Attempt && o.Status == StatusPublishing && t.Status == StatusPublishing && o.Run != t.Run:
		// Two runs each recorded an intent to send this attempt again:
		// the one on the remote landed first and may be sending.
		win, lose = t, o
	case o.Attempt == t.Attempt:
		win, lose = o, t
		if rank(t.Status) > rank(o.Status) || (rank(t.Status) == rank(o.Status) && t.UpdatedAt.After(o.UpdatedAt)) {
			win, lose = t, o
		}
	case oNew && !tNew:
		win, lose = o, t
	default:
		win, lose = t, o
	}
	win.Metrics = laterMetrics(win.Metrics, lose.Metrics)
	return win, true
}

// rank orders statuses along one attempt's life: nothing sent, sent,
// decided.
func rank(s Status) int {
	switch s {
	case StatusScheduled:
		return 0
	case StatusPublishing:
		return 1
	}
	return 2
}

func laterMetrics(a, b *Metrics) *Metrics {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.SyncedAt.After(a.SyncedAt):
		return b
	}
	return a
}
