package feed

import (
	"encoding/xml"
	"fmt"
	"slices"
	"time"
)

// merger returns the three-way merge of fl, handed to Stage with the
// file: two runs that published different posts at once each wrote the
// whole file, and a replay of one run's commit on the other's must keep
// both entries. See mergeEntries for the rule. The result is written by
// the feed's own encoder, sorted and trimmed as any write is, so that the
// same entries always give the same bytes.
func (f *Feed) merger(fl file) func(base, ours, theirs []byte) ([]byte, error) {
	return func(base, ours, theirs []byte) ([]byte, error) {
		var sides [3][]entry
		for i, data := range [][]byte{base, ours, theirs} {
			if data == nil {
				continue
			}
			es, err := fl.parse(data)
			if err != nil {
				return nil, fmt.Errorf("merge %s: %s version: %w", fl.path, [...]string{"base", "our", "their"}[i], err)
			}
			sides[i] = es
		}
		es := mergeEntries(sides[0], sides[1], sides[2])
		sortEntries(es)
		if len(es) > f.maxEntries {
			es = es[:f.maxEntries]
		}
		// Only an empty Atom feed writes the time it is given: the later
		// of both sides' own, so that the result does not depend on when
		// the merge ran.
		now := later(atomUpdated(ours), atomUpdated(theirs))
		data, err := fl.encode(es, now)
		if err != nil {
			return nil, fmt.Errorf("merge %s: %w", fl.path, err)
		}
		return data, nil
	}
}

// mergeEntries applies to theirs what ours changed since base, entry by
// entry, keyed by entry ID:
//
//   - an entry only ours added, changed or removed takes ours;
//   - an entry only theirs changed, or neither, takes theirs;
//   - an entry both changed differently takes the one with the newer
//     updated time, ours on a tie; when one side removed it, ours decides
//     (a removal by ours stays removed, a change by ours stays), since
//     there is no time to compare.
//
// The result is unsorted.
func mergeEntries(base, ours, theirs []entry) []entry {
	index := func(es []entry) map[string]entry {
		m := make(map[string]entry, len(es))
		for _, e := range es {
			m[e.ID] = e
		}
		return m
	}
	b, o, t := index(base), index(ours), index(theirs)
	ids := map[string]bool{}
	for _, m := range []map[string]entry{b, o, t} {
		for id := range m {
			ids[id] = true
		}
	}
	var out []entry
	for id := range ids {
		be, bOK := b[id]
		oe, oOK := o[id]
		te, tOK := t[id]
		oursChanged := oOK != bOK || oOK && !sameEntry(oe, be)
		theirsChanged := tOK != bOK || tOK && !sameEntry(te, be)
		var keep entry
		var ok bool
		switch {
		case !oursChanged:
			keep, ok = te, tOK
		case !theirsChanged, !oOK, !tOK:
			keep, ok = oe, oOK
		case te.Updated.After(oe.Updated):
			keep, ok = te, true
		default:
			keep, ok = oe, true
		}
		if ok {
			out = append(out, keep)
		}
	}
	return out
}

// sameEntry reports whether two entries would be written the same.
func sameEntry(a, b entry) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Link == b.Link && a.Content == b.Content &&
		a.HTML == b.HTML && a.Summary == b.Summary && a.Published.Equal(b.Published) &&
		a.Updated.Equal(b.Updated) && slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Media, b.Media)
}

// atomUpdated is the feed-level updated time of an Atom document, zero
// when data is not one or has none (a JSON Feed has none).
func atomUpdated(data []byte) time.Time {
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Updated string   `xml:"updated"`
	}
	if data == nil || xml.Unmarshal(data, &doc) != nil {
		return time.Time{}
	}
	t, err := parseTime(doc.Updated)
	if err != nil {
		return time.Time{}
	}
	return t
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
