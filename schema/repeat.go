package schema

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Repeat is a recurring (evergreen) post's series, from its `repeat:`
// key: the post is published at publish_at and again at every later time
// the rule gives, until a time or a count. Each time is an occurrence,
// published at most once per account like any target.
//
// The rule is a subset of RFC 5545's RRULE: FREQ DAILY, WEEKLY or
// MONTHLY, INTERVAL, BYDAY (weekdays, without ordinals), BYMONTHDAY
// (1..31, or -1..-31 from the month's end), COUNT and UNTIL; or the
// shorthand every: "3d", "2w", "1m". Occurrences fall on publish_at's
// wall-clock time in the repository's zone (see Times).
type Repeat struct {
	// Freq is "daily", "weekly" or "monthly".
	Freq string `json:"freq"`
	// Interval is how many days, weeks or months apart (at least 1).
	Interval int `json:"interval"`
	// Days are the weekdays it falls on (BYDAY): for weekly, the days of
	// each week (none: publish_at's weekday); for daily, a filter.
	Days []time.Weekday `json:"days,omitempty"`
	// MonthDays are the days of the month (BYMONTHDAY) of a monthly
	// series, negative from the end (-1 the last day); none: publish_at's
	// day. A month without the day has no occurrence (as RFC 5545 says:
	// the 31st skips April), so "the last day" is -1.
	MonthDays []int `json:"month_days,omitempty"`
	// Until is the last time an occurrence may fall on (inclusive).
	Until *time.Time `json:"until,omitempty"`
	// Count is how many occurrences there are in all, the first (at
	// publish_at) included; 0: no count.
	Count int `json:"count,omitempty"`
	// Texts is how many texts the series has besides the body (texts:).
	Texts int `json:"texts,omitempty"`
}

// Bounded reports whether the series ends (an until or a count); an
// unbounded one is a legitimate evergreen post, which plans say.
func (r *Repeat) Bounded() bool { return r.Until != nil || r.Count > 0 }

// TextOf is the text occurrence n (1-based) receives by default: 0 for
// the body, i for texts[i-1]. The body and the texts take turns: with
// two texts, occurrences 1, 2, 3, 4 get the body, texts[0], texts[1],
// the body again.
func (r *Repeat) TextOf(n int) int {
	if r.Texts == 0 || n < 1 {
		return 0
	}
	return (n - 1) % (r.Texts + 1)
}

// maxOccurrenceYears bounds an unbounded series' expansion: far beyond
// any plan, and short enough that a loop over it ends.
const maxOccurrenceYears = 100

// Times yields the series' occurrences from start (publish_at), which is
// the first, numbered from 1, in order. Each later one is start's wall
// clock in zone on a day the rule selects, after start's day: a time the
// clocks skip when daylight saving time begins is moved forward by the
// jump (02:30 becomes 03:30), and one that happens twice is the first,
// as queue slots are. The series ends at Until or Count, or after a
// hundred years.
func (r *Repeat) Times(start time.Time, zone *time.Location) iter.Seq2[int, time.Time] {
	return func(yield func(int, time.Time) bool) {
		if zone == nil {
			zone = time.UTC
		}
		if r.Until != nil && start.After(*r.Until) {
			return
		}
		if !yield(1, start) {
			return
		}
		local := start.In(zone)
		h, mi, sec := local.Clock()
		y0, m0, d0 := local.Date()
		first := time.Date(y0, m0, d0, 12, 0, 0, 0, time.UTC) // a calendar day, free of DST
		interval := max(r.Interval, 1)
		// The Monday of the first week, for weekly intervals.
		monday := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
		end := first.AddDate(maxOccurrenceYears, 0, 0)
		n := 1
		for day := first.AddDate(0, 0, 1); day.Before(end); day = day.AddDate(0, 0, 1) {
			y, m, d := day.Date()
			if !r.selects(day, first, monday, interval, d0) {
				continue
			}
			t := wallTime(y, m, d, h, mi, zone).Add(time.Duration(sec) * time.Second)
			if r.Until != nil && t.After(*r.Until) {
				return
			}
			if !t.After(start) {
				continue
			}
			n++
			if r.Count > 0 && n > r.Count {
				return
			}
			if !yield(n, t) {
				return
			}
		}
	}
}

// selects reports whether the rule has an occurrence on day (a calendar
// day at noon UTC), given the first day, the Monday of its week and the
// interval.
func (r *Repeat) selects(day, first, monday time.Time, interval, firstDay int) bool {
	switch r.Freq {
	case "daily":
		days := int(day.Sub(first).Hours() / 24)
		return days%interval == 0 && (len(r.Days) == 0 || slices.Contains(r.Days, day.Weekday()))
	case "weekly":
		weeks := int(day.Sub(monday).Hours() / 24 / 7)
		if weeks%interval != 0 {
			return false
		}
		if len(r.Days) == 0 {
			return day.Weekday() == first.Weekday()
		}
		return slices.Contains(r.Days, day.Weekday())
	case "monthly":
		months := (day.Year()-first.Year())*12 + int(day.Month()) - int(first.Month())
		if months%interval != 0 {
			return false
		}
		days := r.MonthDays
		if len(days) == 0 {
			days = []int{firstDay}
		}
		last := time.Date(day.Year(), day.Month()+1, 0, 12, 0, 0, 0, time.UTC).Day()
		for _, md := range days {
			if md < 0 {
				md = last + 1 + md
			}
			if md == day.Day() {
				return true
			}
		}
	}
	return false
}

// Describe says the rule as people do, for plans: "weekly on Mon, Thu",
// "every 2 weeks", "monthly on the 15th", "daily".
func (r *Repeat) Describe() string {
	unit := map[string]string{"daily": "day", "weekly": "week", "monthly": "month"}[r.Freq]
	var b strings.Builder
	if r.Interval > 1 {
		fmt.Fprintf(&b, "every %d %ss", r.Interval, unit)
	} else {
		b.WriteString(r.Freq)
	}
	if len(r.Days) > 0 {
		names := make([]string, len(r.Days))
		for i, d := range r.Days {
			names[i] = d.String()[:3]
		}
		b.WriteString(" on " + strings.Join(names, ", "))
	}
	if len(r.MonthDays) > 0 {
		names := make([]string, len(r.MonthDays))
		for i, d := range r.MonthDays {
			names[i] = ordinalDay(d)
		}
		b.WriteString(" on the " + strings.Join(names, ", "))
	}
	return b.String()
}

func ordinalDay(d int) string {
	switch {
	case d == -1:
		return "last day"
	case d < 0:
		return ordinal(-d) + " last day"
	}
	return ordinal(d)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// ParseEvery reads the shorthand interval of repeat.every: a number and
// a unit, d (days), w (weeks) or m (months): "3d", "2w", "1m".
func ParseEvery(s string) (freq string, interval int, err error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return "", 0, fmt.Errorf("cannot read %q as an interval: write a number and d, w or m (3d, 2w, 1m)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 || n > 1000 {
		return "", 0, fmt.Errorf("cannot read %q as an interval: write a number from 1 to 1000 and d, w or m (3d, 2w, 1m)", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return "daily", n, nil
	case 'w':
		return "weekly", n, nil
	case 'm':
		return "monthly", n, nil
	}
	return "", 0, fmt.Errorf("cannot read %q as an interval: the unit is d (days), w (weeks) or m (months), as in 3d, 2w, 1m", s)
}

// rruleDays are BYDAY's two-letter weekdays.
var rruleDays = map[string]time.Weekday{"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday,
	"WE": time.Wednesday, "TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday}

// ParseRule reads repeat.rule, the RRULE subset Repeat describes, into r
// (Freq, Interval, Days, MonthDays, Count) and returns its UNTIL as
// written ("" when absent), for the caller to read in the post's zone.
// An "RRULE:" prefix is allowed. Parts outside the subset are refused by
// name, rather than ignored.
func ParseRule(rule string, r *Repeat) (until string, err error) {
	rule = strings.TrimPrefix(strings.TrimSpace(rule), "RRULE:")
	if rule == "" {
		return "", fmt.Errorf("the rule is empty: write one such as FREQ=WEEKLY;BYDAY=MO,TH")
	}
	seen := map[string]bool{}
	r.Interval = 1
	for _, part := range strings.Split(rule, ";") {
		name, val, ok := strings.Cut(part, "=")
		name = strings.ToUpper(strings.TrimSpace(name))
		val = strings.ToUpper(strings.TrimSpace(val))
		if !ok || name == "" || val == "" {
			return "", fmt.Errorf("cannot read %q in the rule: write NAME=VALUE parts separated by ;", part)
		}
		if seen[name] {
			return "", fmt.Errorf("%s is given twice in the rule", name)
		}
		seen[name] = true
		switch name {
		case "FREQ":
			switch val {
			case "DAILY", "WEEKLY", "MONTHLY":
				r.Freq = strings.ToLower(val)
			default:
				return "", fmt.Errorf("FREQ=%s is not supported: herald repeats DAILY, WEEKLY or MONTHLY", val)
			}
		case "INTERVAL":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 1000 {
				return "", fmt.Errorf("INTERVAL=%s: want a number from 1 to 1000", val)
			}
			r.Interval = n
		case "BYDAY":
			for _, d := range strings.Split(val, ",") {
				wd, ok := rruleDays[strings.TrimSpace(d)]
				if !ok {
					return "", fmt.Errorf("BYDAY=%s: want weekdays as MO,TU,WE,TH,FR,SA,SU (ordinals such as 1MO are not supported)", val)
				}
				if !slices.Contains(r.Days, wd) {
					r.Days = append(r.Days, wd)
				}
			}
			slices.SortFunc(r.Days, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
		case "BYMONTHDAY":
			for _, d := range strings.Split(val, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(d))
				if err != nil || n == 0 || n < -31 || n > 31 {
					return "", fmt.Errorf("BYMONTHDAY=%s: want days from 1 to 31, or -1 to -31 from the month's end", val)
				}
				if !slices.Contains(r.MonthDays, n) {
					r.MonthDays = append(r.MonthDays, n)
				}
			}
		case "COUNT":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return "", fmt.Errorf("COUNT=%s: want a number of occurrences, at least 1", val)
			}
			r.Count = n
		case "UNTIL":
			until = val
		case "WKST":
			if val != "MO" {
				return "", fmt.Errorf("WKST=%s is not supported: weeks start on Monday", val)
			}
		default:
			return "", fmt.Errorf("%s is not supported in a rule: herald reads FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT and UNTIL", name)
		}
	}
	switch {
	case r.Freq == "":
		return "", fmt.Errorf("the rule has no FREQ: write FREQ=DAILY, WEEKLY or MONTHLY")
	case len(r.MonthDays) > 0 && r.Freq != "monthly":
		return "", fmt.Errorf("BYMONTHDAY goes with FREQ=MONTHLY")
	case len(r.Days) > 0 && r.Freq == "monthly":
		return "", fmt.Errorf("BYDAY with FREQ=MONTHLY is not supported: name the days of the month with BYMONTHDAY")
	}
	return until, nil
}

// untilLayouts are the forms of UNTIL in a rule (RFC 5545: a date, or a
// date and time, UTC when it ends in Z).
var untilLayouts = []string{"20060102T150405Z", "20060102T150405", "20060102"}

// parseRuleUntil reads a rule's UNTIL: a UTC time, or a local date or
// date and time in zone; a date alone means the end of that day.
func parseRuleUntil(v string, zone *time.Location) (time.Time, error) {
	for _, layout := range untilLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(layout, "Z"):
			return t, nil
		case zone == nil:
			return time.Time{}, fmt.Errorf("UNTIL=%s has no time zone: end it in Z (UTC) or set timezone in the configuration", v)
		case layout == "20060102":
			return endOfDay(t, zone), nil
		default:
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, zone), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read UNTIL=%s: write 20270301, 20270301T090000 or 20270301T140000Z", v)
}

// endOfDay is the last instant of t's calendar date in zone.
func endOfDay(t time.Time, zone *time.Location) time.Time {
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, zone)
	return next.Add(-time.Nanosecond)
}

// RepeatText is one of a recurring post's texts (repeat.texts): Markdown
// that replaces the body in the occurrences whose turn it is.
type RepeatText struct {
	Text string
	Body Body
	Line int // the file line the text starts on
}

// repeat reads the repeat: key into Post.Repeat and Post.Texts. The
// schema checks the keys and their types; Go checks what it cannot: the
// rule, the interval, the times, and that the series has a start.
func (f *filler) repeat() {
	m, ok := f.p.Front["repeat"].(map[string]any)
	if !ok {
		return // absent, or the schema reports the type
	}
	r := &Repeat{}
	bad := false
	every, hasEvery := m["every"].(string)
	rule, hasRule := m["rule"].(string)
	untilRule := ""
	switch {
	case hasEvery && hasRule:
		f.errorf("repeat.rule", "repeat has both every and rule: keep one")
		bad = true
	case hasEvery:
		freq, n, err := ParseEvery(every)
		if err != nil {
			f.errorf("repeat.every", "%v", err)
			bad = true
		}
		r.Freq, r.Interval = freq, n
	case hasRule:
		u, err := ParseRule(rule, r)
		if err != nil {
			f.errorf("repeat.rule", "%v", err)
			bad = true
		}
		untilRule = u
	default:
		if _, e := m["every"]; !e {
			if _, e := m["rule"]; !e {
				f.errorf("repeat", `repeat needs every (every: "1w") or rule (rule: "FREQ=WEEKLY;BYDAY=MO,TH")`)
			}
		}
		bad = true
	}
	switch c := m["count"].(type) {
	case int64:
		switch {
		case c < 1 || c > 10000:
			f.errorf("repeat.count", "count is the number of occurrences, the first included: want 1 to 10000, got %d", c)
			bad = true
		case r.Count > 0:
			f.errorf("repeat.count", "the rule has a COUNT already: keep one")
			bad = true
		default:
			r.Count = int(c)
		}
	}
	if u, ok := m["until"].(string); ok {
		if untilRule != "" {
			f.errorf("repeat.until", "the rule has an UNTIL already: keep one")
			bad = true
		} else if t, ok := f.untilTime(u); ok {
			r.Until = &t
		} else {
			bad = true
		}
	} else if untilRule != "" {
		t, err := parseRuleUntil(untilRule, f.cfg.Timezone)
		if err != nil {
			f.errorf("repeat.rule", "%v", err)
			bad = true
		} else {
			r.Until = &t
		}
	}
	if texts, ok := m["texts"].([]any); ok {
		for i, v := range texts {
			text, ok := v.(string)
			if !ok {
				continue // the schema reports the type
			}
			path := joinIndex("repeat.texts", i)
			line := f.s.textLine[path]
			if line == 0 {
				line = f.pos(path).Line
			}
			if strings.TrimSpace(text) == "" {
				f.errorf(path, "an empty text: write the text, or remove the item")
				bad = true
				continue
			}
			if urlPlaceholder.MatchString(text) {
				// Only the body's and the overrides' placeholders are
				// filled with the URLs state records.
				f.errorf(path, "a text of repeat cannot hold {{url}} placeholders: write the URL itself")
				bad = true
				continue
			}
			if l, msg := markdownLimit([]byte(text)); l >= 0 {
				f.s.errorf(Position{Line: line + l, Col: 1}, path, "%s", msg)
				bad = true
				continue
			}
			f.p.Texts = append(f.p.Texts, RepeatText{Text: text, Body: ParseMarkdown([]byte(text), line), Line: line})
		}
		r.Texts = len(f.p.Texts)
	}
	switch {
	case f.p.PublishNext:
		f.errorf("repeat", "repeat needs publish_at to be a time, the first occurrence's: a queue slot cannot start a series")
		bad = true
	case f.p.PublishAt == nil:
		if _, given := f.p.Front["publish_at"]; !given {
			f.errorf("repeat", "repeat needs publish_at: the time of the first occurrence, whose time of day every occurrence takes")
		}
		bad = true
	case r.Until != nil && r.Until.Before(*f.p.PublishAt):
		f.errorf("repeat.until", "until (%s) is before publish_at (%s): the series would not start",
			r.Until.Format(time.RFC3339), f.p.PublishAt.Format(time.RFC3339))
		bad = true
	}
	if !bad {
		f.p.Repeat = r
	}
}

// untilTime reads repeat.until as publish_at is read: with a zone, or in
// the configured timezone; a date alone is the end of that day.
func (f *filler) untilTime(raw string) (time.Time, bool) {
	v := strings.TrimSpace(raw)
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	for _, layout := range localLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		loc := f.cfg.Timezone
		if loc == nil {
			f.errorf("repeat.until", "no time zone: write 2027-03-01T09:00:00-05:00 or set timezone in %s", f.configName())
			return time.Time{}, false
		}
		if layout == "2006-01-02" {
			return endOfDay(t, loc), true
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), true
	}
	f.errorf("repeat.until", "cannot read %q as a time: write 2027-03-01 (the end of that day), 2027-03-01T09:00 or 2027-03-01T09:00:00-05:00", raw)
	return time.Time{}, false
}

// WithText is the post as occurrences whose turn text is (Repeat.TextOf)
// publish it: text 0 is the post itself, text i has texts[i-1] as its
// body (a target's own text: override still replaces it).
func (p *Post) WithText(text int) *Post {
	if text < 1 || text > len(p.Texts) {
		return p
	}
	t := p.Texts[text-1]
	v := *p
	v.Body, v.BodyLine, v.Markdown = t.Body, t.Line, t.Text
	return &v
}
