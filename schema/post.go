package schema

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Front-matter keys herald gives a meaning to. A top-level key that is
// none of these and names an account is that account's Override.
var postKeys = map[string]bool{
	"id": true, "title": true, "publish_at": true, "draft": true, "delete": true,
	"to": true, "tags": true, "campaign": true, "media": true, "thread": true,
	"primary": true, "queue": true, "variants": true, "utm": true, "repeat": true,
}

// ParsePost reads one post file: data is its content and file its path
// relative to the repository root, slash-separated. It returns every
// finding, positioned. The Post is nil when data cannot be read as a post
// at all (not text, no front-matter, malformed front-matter); otherwise it
// is filled as far as the findings allow.
//
// Go checks here only what a schema cannot: encodings, syntax, times and
// time zones, targets against the configured accounts, the id. A field of
// the wrong type is left at its zero value in the typed fields and kept as
// written in Front, for the CUE schema to report.
//
// ParsePost does not read media: ResolveMedia does, and LoadPost does both.
func ParsePost(cfg *Config, file string, data []byte) (*Post, Errors) {
	if cfg == nil {
		cfg = &Config{}
	}
	if len(data) > MaxPostSize {
		// ReadPost refuses such a file before reading it; bytes that
		// came another way (a git blob) are held to the same limit.
		return nil, Errors{{File: file, Severity: SeverityError,
			Message: fmt.Sprintf("post is %s; the limit is %s", sizeString(int64(len(data))), limitString(MaxPostSize))}}
	}
	src, err := normalise(file, data)
	if err != nil {
		return nil, Errors{err}
	}
	s := newParseState(file, src)
	if strings.ContainsFunc(file, unprintable) {
		// Printed raw, such a name would break lines and logs; escaped,
		// it would not match the file.
		s.errorf(Position{}, "", "the file name holds a control or bidirectional character: rename the file")
	}
	sp, ok := s.splitFrontMatter()
	if !ok {
		return nil, s.errs
	}
	if !s.decode(sp) {
		s.errs.Sort()
		return nil, s.errs
	}

	body := src[sp.body:]
	p := &Post{
		File:      file,
		Front:     s.front,
		Positions: s.pos,
		Markdown:  string(body),
		BodyLine:  s.lineOf(sp.body),
		Hash:      contentHash(src),
	}
	if sp.body == len(src) && src[len(src)-1] != '\n' {
		p.BodyLine++ // the closing delimiter ends the file without a line end
	}
	f := filler{s: s, cfg: cfg, p: p}
	f.fill()
	if line, msg := markdownLimit(body); line >= 0 {
		s.errorf(Position{Line: p.BodyLine + line, Col: 1}, "", "%s", msg)
	} else {
		p.Body = s.parseBody(sp.body, p.BodyLine)
	}
	if len(s.errs) == 0 {
		return p, nil
	}
	s.errs.Sort()
	return p, s.errs
}

// normalise strips a byte order mark and makes every line end LF, after
// checking that data is UTF-8 text.
func normalise(file string, data []byte) ([]byte, *Error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &Error{File: file, Field: "", Severity: SeverityError,
			Message: "not a text file: a post is Markdown saved as UTF-8"}
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		out := make([]byte, 0, len(data))
		for i := 0; i < len(data); i++ {
			c := data[i]
			if c == '\r' {
				if i+1 < len(data) && data[i+1] == '\n' {
					continue
				}
				c = '\n'
			}
			out = append(out, c)
		}
		data = out
	}
	if !utf8.Valid(data) {
		line, col := 1, 1
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return nil, Errorf(Position{File: file, Line: line, Col: col}, "",
					"invalid UTF-8 at byte 0x%02x; save the file as UTF-8", data[i])
			}
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i += size
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Errorf(Position{File: file, Line: 1, Col: 1}, "", "empty file: a post needs front-matter")
	}
	return data, nil
}

// filler fills a Post's typed fields from its Front, leniently.
type filler struct {
	s   *parseState
	cfg *Config
	p   *Post
}

func (f *filler) pos(path string) Position { return f.p.PosOf(path) }

func (f *filler) errorf(path, format string, args ...any) {
	f.s.errorf(f.pos(path), path, format, args...)
}

func (f *filler) fill() {
	fr := f.p.Front
	f.p.Title, _ = fr["title"].(string)
	f.p.Campaign, _ = fr["campaign"].(string)
	f.p.Draft, _ = fr["draft"].(bool)
	f.p.Delete, _ = fr["delete"].(bool)
	if on, ok := fr["utm"].(bool); ok {
		f.p.NoUTM = !on
	}
	if tags, ok := fr["tags"].([]any); ok {
		for _, t := range tags {
			if t, ok := t.(string); ok {
				f.p.Tags = append(f.p.Tags, t)
			}
		}
	}
	f.id()
	f.publishAt()
	f.targets()
	f.queue()
	f.repeat()
	f.thread()
	f.media()
	f.overrides()
	f.variants()
	f.order()
}

// --- id ---

func (f *filler) id() {
	v, present := f.p.Front["id"]
	if !present {
		f.p.ID = defaultID(f.cfg, f.p.File)
		if msg := checkID(f.p.ID); msg != "" {
			f.s.errorf(Position{Line: 1, Col: 1}, "id",
				"the file's path gives the id %q, which %s; rename the file or set id", f.p.ID, msg)
		}
		return
	}
	id, ok := v.(string)
	if !ok {
		return // the schema reports the type
	}
	if len(id) > MaxIDLength {
		f.errorf("id", "the id is %d characters long; ids name files (.herald/state/<id>.json) and are at most %d", len(id), MaxIDLength)
		return
	}
	if msg := checkID(id); msg != "" {
		f.errorf("id", "%q %s", id, msg)
		return
	}
	f.p.ID = id
}

// defaultID is a post's id when it sets none: its path below the content
// directory, without .md.
func defaultID(cfg *Config, file string) string {
	content := path.Clean("/" + cfg.Content)[1:]
	if content != "" && strings.HasPrefix(file, content+"/") {
		file = file[len(content)+1:]
	}
	return strings.TrimSuffix(file, ".md")
}

// MaxIDLength is the longest post id. An id names files (its state at
// .herald/state/<id>.json, and the temporary and lock files written
// beside it), and a file name has at most 255 bytes on every common file
// system: 200 leaves room for every suffix herald adds.
const MaxIDLength = 200

// checkID says what is wrong with an id, or "" when it is a safe slug path:
// it names state files and platform records, so it must be the same on
// every file system.
func checkID(id string) string {
	switch {
	case id == "":
		return "is empty"
	case len(id) > MaxIDLength:
		return fmt.Sprintf("is %d characters long, and ids are at most %d (they name files)", len(id), MaxIDLength)
	case strings.HasPrefix(id, "/"):
		return "must not start with /"
	case strings.HasSuffix(id, "/"):
		return "must not end with /"
	case strings.Contains(id, "//"):
		return "must not contain //"
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '/') {
			return "is not a valid id: use lowercase letters, digits, -, _ and /"
		}
	}
	return ""
}

// --- publish_at ---

// Time layouts publish_at accepts, with a zone and without one.
var (
	zonedLayouts = []string{
		time.RFC3339Nano,
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02T15:04Z07:00",
		"2006-01-02 15:04Z07:00",
	}
	localLayouts = []string{
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
	}
)

func (f *filler) configName() string {
	if f.cfg.File != "" {
		return f.cfg.File
	}
	return "herald.yaml"
}

func (f *filler) publishAt() {
	raw, ok := f.p.Front["publish_at"].(string)
	if !ok {
		return // absent, or the schema reports the type
	}
	if strings.TrimSpace(raw) == "next" {
		f.p.PublishNext = true
		return
	}
	f.p.PublishAt = f.timeAt("publish_at", raw)
}

// timeAt reads raw, the value of field, as a time in one of the layouts
// publish_at takes, or records why it cannot and returns nil.
func (f *filler) timeAt(field, raw string) *time.Time {
	v := strings.TrimSpace(raw)
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			if f.outOfRange(field, t) {
				return nil
			}
			return &t
		}
	}
	for _, layout := range localLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if f.outOfRange(field, t) {
			return nil
		}
		loc := f.cfg.Timezone
		if loc == nil {
			f.errorf(field, "no time zone: write 2026-12-01T09:00:00-05:00 or set timezone in %s", f.configName())
			return nil
		}
		local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		wall := t.Format("2006-01-02T15:04:05")
		if local.Format("2006-01-02T15:04:05") != wall {
			f.errorf(field, "%s does not exist in %s: the clocks skip it; choose another time or write the offset",
				wall, loc)
			return nil
		}
		if other, ok := otherOccurrence(local); ok {
			f.s.errs = append(f.s.errs, &Error{File: f.p.File, Line: f.pos(field).Line, Column: f.pos(field).Col,
				Field: field, Severity: SeverityWarning,
				Message: fmt.Sprintf("%s happens twice in %s (%s and %s); using the first: write the offset to choose",
					wall, loc, local.Format(time.RFC3339), other.Format(time.RFC3339))})
		}
		return &local
	}
	f.errorf(field, "cannot read %q as a time: write 2026-12-01T09:00:00-05:00, "+
		"2026-12-01T09:00:00, 2026-12-01 09:00 or 2026-12-01 (in the configured timezone), or next", raw)
	return nil
}

// The years publish_at may name. Outside them a time is a typo (0001,
// 9999), and durations from now would overflow in plans and messages.
const (
	MinYear = 1970
	MaxYear = 2199
)

// outOfRange reports, having recorded the finding, whether t's year is
// outside MinYear..MaxYear.
func (f *filler) outOfRange(field string, t time.Time) bool {
	if y := t.Year(); y < MinYear || y > MaxYear {
		f.errorf(field, "the year %04d is out of range: write a time between %d and %d", y, MinYear, MaxYear)
		return true
	}
	return false
}

// otherOccurrence finds the later instant that shows the same wall clock as
// t, when clocks go back.
func otherOccurrence(t time.Time) (time.Time, bool) {
	wall := t.Format("2006-01-02T15:04:05.999999999")
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 90 * time.Minute, 2 * time.Hour} {
		u := t.Add(d)
		if u.Format("2006-01-02T15:04:05.999999999") == wall {
			return u, true
		}
	}
	return time.Time{}, false
}

// --- to ---

func (f *filler) targets() {
	type entry struct {
		name, path string
	}
	var entries []entry
	switch v := f.p.Front["to"].(type) {
	case string:
		entries = append(entries, entry{v, "to"})
	case []any:
		entries = make([]entry, 0, len(v))
		for i, x := range v {
			if name, ok := x.(string); ok {
				entries = append(entries, entry{name, indexPath("to", i)})
			}
		}
	default:
		return // absent, or the schema reports the type
	}
	// The first entry of each name: found by a scan of the entries
	// before it in a list of the usual length, in a map beyond.
	var seen map[string]string
	if len(entries) > 16 {
		seen = make(map[string]string, len(entries))
	}
	first := func(i int) (string, bool) {
		if seen == nil {
			j := slices.IndexFunc(entries[:i], func(o entry) bool { return o.name == entries[i].name })
			if j < 0 {
				return "", false
			}
			return entries[j].path, true
		}
		if p, dup := seen[entries[i].name]; dup {
			return p, true
		}
		seen[entries[i].name] = entries[i].path
		return "", false
	}
	for i, e := range entries {
		if first, dup := first(i); dup {
			f.errorf(e.path, "duplicate target %q (also %s)", e.name, first)
			continue
		}
		acc, ok := f.cfg.Accounts[e.name]
		if !ok {
			f.errorf(e.path, "%s", unknownTarget(e.name, f.cfg.Accounts))
			continue
		}
		if f.p.To == nil {
			f.p.To = make([]Target, 0, len(entries)-i)
		}
		f.p.To = append(f.p.To, Target{Name: e.name, Platform: acc.Platform, Pos: f.pos(e.path)})
	}
}

// queue resolves the queue a post takes its slot from: the one queue:
// names, else, for publish_at: next, the one queue holding every target.
// Without any queue configured, publish_at: next is left for the plan to
// hold, saying so.
func (f *filler) queue() {
	name, named := f.p.Front["queue"].(string)
	if !named && !f.p.PublishNext {
		return
	}
	cfgName := f.configName()
	if named {
		if f.p.PublishAt != nil {
			f.errorf("queue", "a queue gives the post its next free slot, and publish_at names a time: keep one (or write publish_at: next)")
			return
		}
		q, ok := f.cfg.Queues[name]
		if !ok {
			f.errorf("queue", "no queue %q in %s; %s", name, cfgName, queueList(f.cfg.Queues))
			return
		}
		for _, t := range f.p.To {
			if !q.Holds(t.Name) {
				f.errorf("queue", "queue %s does not schedule %s (its accounts: %s): add the account to the queue, or choose another queue",
					name, t.Name, strings.Join(q.Accounts, ", "))
				return
			}
		}
		f.p.Queue, f.p.PublishNext = name, true
		return
	}
	if len(f.cfg.Queues) == 0 || len(f.p.To) == 0 {
		return
	}
	var fits []string
	for _, qn := range sortedKeys(f.cfg.Queues) {
		q := f.cfg.Queues[qn]
		all := true
		for _, t := range f.p.To {
			all = all && q.Holds(t.Name)
		}
		if all {
			fits = append(fits, qn)
		}
	}
	switch len(fits) {
	case 1:
		f.p.Queue = fits[0]
	case 0:
		names := make([]string, len(f.p.To))
		for i, t := range f.p.To {
			names[i] = t.Name
		}
		f.errorf("publish_at", "no queue in %s schedules every target of this post (%s): add them to one queue, or publish them in separate posts; %s",
			cfgName, strings.Join(names, ", "), queueList(f.cfg.Queues))
	default:
		f.errorf("publish_at", "queues %s all schedule this post's targets: name one with queue:", strings.Join(fits, " and "))
	}
}

// queueList names the configured queues and their accounts, for messages.
func queueList(qs map[string]*Queue) string {
	if len(qs) == 0 {
		return "no queues are configured (queues: in the configuration)"
	}
	var parts []string
	for _, n := range sortedKeys(qs) {
		parts = append(parts, n+" ("+strings.Join(qs[n].Accounts, ", ")+")")
	}
	return "queues: " + strings.Join(parts, ", ")
}

// unknownTarget explains a name that is not an account, suggesting the
// closest account name.
func unknownTarget(name string, accounts map[string]*Account) string {
	if len(accounts) == 0 {
		return fmt.Sprintf("unknown target %q: no accounts are configured", name)
	}
	names := make([]string, 0, len(accounts))
	for n := range accounts {
		names = append(names, n)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("unknown target %q", name)
	if s := closest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	const show = 10
	list := names
	if len(list) > show {
		list = append(list[:show:show], fmt.Sprintf("... (%d more)", len(names)-show))
	}
	return msg + "; accounts: " + strings.Join(list, ", ")
}

// --- thread, media, overrides ---

func (f *filler) thread() {
	v, ok := f.p.Front["thread"].(string)
	if !ok {
		return
	}
	switch ThreadMode(v) {
	case ThreadAuto, ThreadNumbered:
		f.p.Thread = ThreadMode(v)
	default:
		f.errorf("thread", "unknown mode %q: use auto or numbered, or leave thread out", v)
	}
}

func (f *filler) media() {
	items, ok := f.p.Front["media"].([]any)
	if !ok {
		return
	}
	// One Media per item, whatever its type, so that Media[i] is media.i.
	f.p.Media = make([]Media, len(items))
	for i, x := range items {
		path := joinIndex("media", i)
		m := Media{Pos: f.pos(path)}
		if item, ok := x.(map[string]any); ok {
			m.File, _ = item["file"].(string)
			m.Alt, _ = item["alt"].(string)
		}
		f.p.Media[i] = m
	}
}

func (f *filler) overrides() {
	keys := make([]string, 0, len(f.p.Front))
	for k := range f.p.Front {
		if _, ok := f.cfg.Accounts[k]; ok && !postKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		m, ok := f.p.Front[k].(map[string]any)
		if !ok {
			continue // the schema reports the type
		}
		o := &Override{Pos: f.pos(k)}
		for key, v := range m {
			if key == "text" {
				if text, ok := v.(string); ok {
					o.Text = &text
					line := f.s.textLine[k+".text"]
					if line == 0 {
						line = f.pos(k + ".text").Line
					}
					o.TextLine = line
					src := []byte(text)
					if l, msg := markdownLimit(src); l >= 0 {
						f.s.errorf(Position{Line: line + l, Col: 1}, k+".text", "%s", msg)
					} else {
						body := ParseMarkdown(src, line)
						o.Body = &body
					}
				}
				continue
			}
			if o.Extra == nil {
				o.Extra = map[string]any{}
			}
			o.Extra[key] = v
		}
		if f.p.Overrides == nil {
			f.p.Overrides = map[string]*Override{}
		}
		f.p.Overrides[k] = o
	}
}
