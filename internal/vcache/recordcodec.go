package vcache

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/heraldhq/herald/state"
)

// The record cache's file is written by hand rather than with gob:
// decoding ten thousand records with gob's reflection took longer than
// the rest of reading an unchanged state. The layout is a magic string,
// then the entries, each field length-prefixed or a varint; a file that
// does not parse to its end is an empty cache. TestRecordCodecEveryField
// fails when a field added to state.Record is not written here.

// recordsMagic starts the file; its last byte is the layout's version.
const recordsMagic = "herald-state-cache\x03"

var errCorrupt = errors.New("corrupt record cache")

type recWriter struct{ b []byte }

func (w *recWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *recWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *recWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *recWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *recWriter) time(t time.Time) {
	if t.IsZero() {
		w.uint(0)
		return
	}
	data, err := t.MarshalBinary()
	if err != nil { // a zone offset that is not whole minutes: keep the instant
		data, _ = t.UTC().MarshalBinary()
	}
	w.uint(uint64(len(data)))
	w.b = append(w.b, data...)
}

func (w *recWriter) strs(list []string) {
	w.uint(uint64(len(list)))
	for _, s := range list {
		w.str(s)
	}
}

func (w *recWriter) optInt(p *int64) {
	w.bool(p != nil)
	if p != nil {
		w.int(*p)
	}
}

func (w *recWriter) record(r *state.Record) {
	w.int(int64(r.Version))
	w.str(r.Post)
	w.str(r.File)
	w.str(r.Hash)
	w.uint(uint64(len(r.Targets)))
	for name, ts := range r.Targets {
		w.str(name)
		w.str(string(ts.Status))
		w.str(ts.Attempt)
		w.int(int64(ts.Attempts))
		w.str(ts.Run)
		w.strs(ts.IDs)
		w.strs(ts.URLs)
		w.str(ts.Hash)
		w.str(ts.Provider)
		w.uint(uint64(len(ts.Extra)))
		for k, v := range ts.Extra {
			w.str(k)
			w.str(v)
		}
		w.str(ts.Manual)
		w.str(ts.Variant)
		w.time(ts.Slot)
		w.int(int64(ts.Text))
		w.time(ts.FirstPublishedAt)
		w.time(ts.UpdatedAt)
		w.time(ts.LastAttemptAt)
		w.time(ts.NextRetryAt)
		w.bool(ts.LastError != nil)
		if e := ts.LastError; e != nil {
			w.str(e.Message)
			w.str(string(e.Kind))
		}
		w.bool(ts.Metrics != nil)
		if m := ts.Metrics; m != nil {
			for _, p := range []*int64{m.Likes, m.Reposts, m.Replies, m.Quotes, m.Impressions, m.Clicks, m.Saves} {
				w.optInt(p)
			}
			w.time(m.SyncedAt)
		}
	}
}

// encodeRecords writes entries in the cache's layout.
func encodeRecords(entries map[string]cachedRecord) []byte {
	w := recWriter{b: make([]byte, 0, 256*len(entries)+64)}
	w.b = append(w.b, recordsMagic...)
	w.uint(uint64(len(entries)))
	for name, e := range entries {
		w.str(name)
		w.str(e.Sum)
		w.int(e.Stat.Size)
		w.int(e.Stat.ModTime)
		w.int(e.Stat.Ctime)
		w.uint(e.Stat.Ino)
		w.int(e.Seen)
		w.bool(e.Record != nil)
		if e.Record != nil {
			w.record(e.Record)
		}
	}
	return w.b
}

type recReader struct {
	// s is the whole file and b the rest of it to read: the strings read
	// are slices of s, not an allocation each.
	s, b string
	err  error
	// common holds the strings many records repeat (statuses, providers,
	// target names), so that each is allocated once.
	common map[string]string
}

func (r *recReader) fail() { r.err = errCorrupt; r.b = "" }

func (r *recReader) uint() uint64 {
	var v uint64
	for i := 0; i < len(r.b) && i < binary.MaxVarintLen64; i++ {
		c := r.b[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflow
			}
			r.b = r.b[i+1:]
			return v | uint64(c)<<(7*i)
		}
		v |= uint64(c&0x7f) << (7 * i)
	}
	r.fail()
	return 0
}

func (r *recReader) int() int64 {
	u := r.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *recReader) bytes() string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *recReader) str() string { return r.bytes() }

func (r *recReader) short() string {
	b := r.bytes()
	if len(b) == 0 {
		return ""
	}
	if s, ok := r.common[b]; ok {
		return s
	}
	s := strings.Clone(b)
	r.common[s] = s
	return s
}

func (r *recReader) bool() bool {
	if len(r.b) == 0 {
		r.fail()
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	if v > 1 {
		r.fail()
	}
	return v == 1
}

func (r *recReader) time() time.Time {
	b := r.bytes()
	var t time.Time
	if len(b) > 0 && t.UnmarshalBinary([]byte(b)) != nil {
		r.fail()
	}
	return t
}

// count reads a number of items, each at least min bytes long: a count
// the rest of the file cannot hold is corruption, not an allocation.
func (r *recReader) count(min int) int {
	n := r.uint()
	if n > uint64(len(r.b)/min) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *recReader) strs() []string {
	n := r.count(1)
	if n == 0 {
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = r.str()
	}
	return list
}

func (r *recReader) optInt() *int64 {
	if !r.bool() {
		return nil
	}
	v := r.int()
	return &v
}

func (r *recReader) record() *state.Record {
	rec := &state.Record{Version: int(r.int()), Post: r.str(), File: r.str(), Hash: r.str()}
	n := r.count(1)
	if n > 0 {
		rec.Targets = make(map[string]state.TargetState, n)
	}
	for range n {
		name := r.short()
		var ts state.TargetState
		ts.Status = state.Status(r.short())
		ts.Attempt = r.str()
		ts.Attempts = int(r.int())
		ts.Run = r.str()
		ts.IDs = r.strs()
		ts.URLs = r.strs()
		ts.Hash = r.str()
		ts.Provider = r.short()
		if m := r.count(2); m > 0 {
			ts.Extra = make(map[string]string, m)
			for range m {
				k := r.short()
				ts.Extra[k] = r.str()
			}
		}
		ts.Manual = r.str()
		ts.Variant = r.short()
		ts.Slot = r.time()
		ts.Text = int(r.int())
		ts.FirstPublishedAt = r.time()
		ts.UpdatedAt = r.time()
		ts.LastAttemptAt = r.time()
		ts.NextRetryAt = r.time()
		if r.bool() {
			ts.LastError = &state.Error{Message: r.str(), Kind: state.ErrorKind(r.short())}
		}
		if r.bool() {
			m := &state.Metrics{}
			for _, p := range []**int64{&m.Likes, &m.Reposts, &m.Replies, &m.Quotes, &m.Impressions, &m.Clicks, &m.Saves} {
				*p = r.optInt()
			}
			m.SyncedAt = r.time()
			ts.Metrics = m
		}
		if r.err != nil {
			return nil
		}
		rec.Targets[name] = ts
	}
	return rec
}

func newReader(data string) *recReader {
	return &recReader{s: data, b: data, common: map[string]string{}}
}

// decodeRecords reads a file encodeRecords wrote; false when data is not
// one, whole.
func decodeRecords(data string) (map[string]cachedRecord, bool) {
	if !strings.HasPrefix(data, recordsMagic) {
		return nil, false
	}
	r := newReader(data[len(recordsMagic):])
	n := r.count(8)
	entries := make(map[string]cachedRecord, n)
	for range n {
		name := r.str()
		e := cachedRecord{Sum: r.str()}
		e.Stat = fileStat{Size: r.int(), ModTime: r.int(), Ctime: r.int(), Ino: r.uint()}
		e.Seen = r.int()
		if r.bool() {
			e.Record = r.record()
		}
		if r.err != nil {
			return nil, false
		}
		entries[name] = e
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, false
	}
	return entries, true
}
