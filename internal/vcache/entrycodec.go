package vcache

import (
	"strings"
	"time"

	"github.com/heraldhq/herald/schema"
)

// The validation cache's file is written by hand too (see
// recordcodec.go): a magic string, the cache's key, then the entries.
// TestEntryCodecEveryField fails when a field added to Entry or
// schema.Summary is not written here.

// entriesMagic starts the file; its last byte is the layout's version.
const entriesMagic = "herald-validate-cache\x04"

func (w *recWriter) optTime(t *time.Time) {
	w.bool(t != nil)
	if t != nil {
		w.time(*t)
	}
}

func (w *recWriter) summary(s *schema.Summary) {
	w.str(s.ID)
	w.str(s.File)
	w.str(s.Hash)
	w.optTime(s.PublishAt)
	w.bool(s.PublishNext)
	w.str(s.Queue)
	w.bool(s.Draft)
	w.bool(s.Delete)
	w.str(s.Campaign)
	w.str(s.Title)
	w.uint(uint64(len(s.Targets)))
	for _, t := range s.Targets {
		w.str(t.Name)
		w.str(t.Platform)
		w.str(t.Hash)
		w.strs(t.After)
		w.strs(t.URLs)
		w.str(t.Variant)
		w.optTime(t.PublishAt)
		w.str(t.UTM)
		w.strs(t.Texts)
		w.strs(t.Words)
	}
	w.bool(s.Repeat != nil)
	if r := s.Repeat; r != nil {
		w.str(r.Freq)
		w.int(int64(r.Interval))
		w.uint(uint64(len(r.Days)))
		for _, d := range r.Days {
			w.int(int64(d))
		}
		w.uint(uint64(len(r.MonthDays)))
		for _, d := range r.MonthDays {
			w.int(int64(d))
		}
		w.optTime(r.Until)
		w.int(int64(r.Count))
		w.int(int64(r.Texts))
	}
	w.str(s.IDPos.File)
	w.int(int64(s.IDPos.Line))
	w.int(int64(s.IDPos.Col))
}

func (w *recWriter) entry(e Entry) {
	w.str(e.Sum)
	w.bool(e.Summary != nil)
	if e.Summary != nil {
		w.summary(e.Summary)
	}
	w.uint(uint64(len(e.Errors)))
	for _, f := range e.Errors {
		w.bool(f != nil)
		if f != nil {
			w.str(f.File)
			w.int(int64(f.Line))
			w.int(int64(f.Column))
			w.str(f.Field)
			w.str(f.Message)
			w.str(string(f.Severity))
		}
	}
	w.uint(uint64(len(e.Deps)))
	for _, d := range e.Deps {
		w.str(d.Path)
		w.int(d.Size)
		w.int(d.ModTime)
		w.str(d.ID)
	}
}

// encodeEntries writes a validation cache for key in its layout.
func encodeEntries(key string, entries map[string]Entry) []byte {
	w := recWriter{b: make([]byte, 0, 512*len(entries)+64)}
	w.b = append(w.b, entriesMagic...)
	w.str(key)
	w.uint(uint64(len(entries)))
	for name, e := range entries {
		w.str(name)
		w.entry(e)
	}
	return w.b
}

func (r *recReader) optTime() *time.Time {
	if !r.bool() {
		return nil
	}
	t := r.time()
	return &t
}

func (r *recReader) summary() *schema.Summary {
	s := &schema.Summary{ID: r.str(), File: r.str(), Hash: r.str(), PublishAt: r.optTime(), PublishNext: r.bool(),
		Queue: r.short(), Draft: r.bool(), Delete: r.bool(), Campaign: r.short(), Title: r.str()}
	if n := r.count(5); n > 0 {
		s.Targets = make([]schema.TargetSummary, n)
		for i := range s.Targets {
			t := &s.Targets[i]
			t.Name, t.Platform, t.Hash = r.short(), r.short(), r.str()
			t.After, t.URLs = r.shorts(), r.shorts()
			t.Variant, t.PublishAt = r.short(), r.optTime()
			t.UTM = r.short()
			t.Texts, t.Words = r.strs(), r.strs()
		}
	}
	if r.bool() {
		rp := &schema.Repeat{Freq: r.short(), Interval: int(r.int())}
		if n := r.count(1); n > 0 {
			rp.Days = make([]time.Weekday, n)
			for i := range rp.Days {
				rp.Days[i] = time.Weekday(r.int())
			}
		}
		if n := r.count(1); n > 0 {
			rp.MonthDays = make([]int, n)
			for i := range rp.MonthDays {
				rp.MonthDays[i] = int(r.int())
			}
		}
		rp.Until = r.optTime()
		rp.Count, rp.Texts = int(r.int()), int(r.int())
		s.Repeat = rp
	}
	s.IDPos = schema.Position{File: r.str(), Line: int(r.int()), Col: int(r.int())}
	return s
}

// shorts reads a list of strings many entries repeat.
func (r *recReader) shorts() []string {
	n := r.count(1)
	if n == 0 {
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = r.short()
	}
	return list
}

func (r *recReader) entry() Entry {
	e := Entry{Sum: r.str()}
	if r.bool() {
		e.Summary = r.summary()
	}
	if n := r.count(1); n > 0 {
		e.Errors = make(schema.Errors, n)
		for i := range e.Errors {
			if r.bool() {
				e.Errors[i] = &schema.Error{File: r.str(), Line: int(r.int()), Column: int(r.int()), Field: r.short(),
					Message: r.str(), Severity: schema.Severity(r.short())}
			}
		}
	}
	if n := r.count(4); n > 0 {
		e.Deps = make([]Dep, n)
		for i := range e.Deps {
			e.Deps[i] = Dep{Path: r.short(), Size: r.int(), ModTime: r.int(), ID: r.str()}
		}
	}
	return e
}

// decodeEntries reads a file encodeEntries wrote for key; false when
// data is not one, whole, or is another key's.
func decodeEntries(data string, key string) (map[string]Entry, bool) {
	if !strings.HasPrefix(data, entriesMagic) {
		return nil, false
	}
	r := newReader(data[len(entriesMagic):])
	if r.str() != key || r.err != nil {
		return nil, false
	}
	n := r.count(5)
	entries := make(map[string]Entry, n)
	for range n {
		name := r.str()
		e := r.entry()
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
