package schema

import (
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Queue is a weekly schedule of slots for a group of accounts, from the
// configuration's queues: a post with `publish_at: next` (or `queue:
// NAME`) takes the queue's next free slot instead of naming a time, as
// in a social scheduler's queue.
type Queue struct {
	Name string
	// Accounts are the accounts whose posts the queue schedules.
	Accounts []string
	// Slots are the weekly times, in Zone.
	Slots []WeeklySlot
	// Except are dates, or single slots, the queue skips (a holiday).
	Except []Exception
	// Zone is the repository's timezone: slots are wall-clock times in it.
	Zone *time.Location
	Pos  Position
}

// WeeklySlot is a time of day on some days of the week.
type WeeklySlot struct {
	Days         [7]bool // indexed by time.Weekday
	Hour, Minute int
}

// Exception is a day the queue skips, or one slot on that day when
// HasTime is set.
type Exception struct {
	Year         int
	Month        time.Month
	Day          int
	HasTime      bool
	Hour, Minute int
}

// Holds reports whether the queue schedules posts to account.
func (q *Queue) Holds(account string) bool { return slices.Contains(q.Accounts, account) }

// From yields the queue's slots at or after t, in order, forever (the
// caller stops). Each slot is the wall-clock time in Zone on its day:
// a time the clocks skip when daylight saving time begins is moved
// forward by the length of the jump (02:30 becomes 03:30), a time that
// happens twice when it ends is the first one, and two slots that fall
// on the same instant are one.
func (q *Queue) From(t time.Time) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		if len(q.Slots) == 0 {
			return
		}
		zone := q.Zone
		if zone == nil {
			zone = time.UTC
		}
		local := t.In(zone)
		y, m, d := local.Date()
		day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC) // a calendar day, free of DST
		var times []time.Time
		for {
			y, m, d := day.Date()
			wd := day.Weekday()
			times = times[:0]
			for _, s := range q.Slots {
				if !s.Days[wd] || q.excepted(y, m, d, s.Hour, s.Minute) {
					continue
				}
				times = append(times, wallTime(y, m, d, s.Hour, s.Minute, zone))
			}
			slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
			times = slices.CompactFunc(times, func(a, b time.Time) bool { return a.Equal(b) })
			for _, st := range times {
				if st.Before(t) {
					continue
				}
				if !yield(st) {
					return
				}
			}
			day = day.AddDate(0, 0, 1)
		}
	}
}

func (q *Queue) excepted(y int, m time.Month, d, h, min int) bool {
	for _, e := range q.Except {
		if e.Year == y && e.Month == m && e.Day == d && (!e.HasTime || e.Hour == h && e.Minute == min) {
			return true
		}
	}
	return false
}

// wallTime is the instant the clocks in zone show h:min on the day
// y-m-d: the first of two when the time happens twice, and the time
// moved forward by the jump when the clocks skip it.
func wallTime(y int, m time.Month, d, h, min int, zone *time.Location) time.Time {
	wall := time.Date(y, m, d, h, min, 0, 0, time.UTC)
	shows := func(t time.Time) bool {
		l := t.In(zone)
		return l.Hour() == h && l.Minute() == min && l.Day() == d
	}
	// The offset in force at the start of the day gives the first of
	// two occurrences, and a skipped time moved forward.
	_, off := time.Date(y, m, d, 0, 0, 0, 0, zone).Zone()
	t := wall.Add(-time.Duration(off) * time.Second)
	if shows(t) {
		return t
	}
	// The offset changed earlier that day: the one in force then.
	_, off2 := t.In(zone).Zone()
	if t2 := wall.Add(-time.Duration(off2) * time.Second); shows(t2) {
		return t2
	}
	return t
}

// FormatSlot writes a slot as people read it: "Tue 8 Dec 2026 09:30 EST".
func FormatSlot(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	return t.In(zone).Format("Mon 2 Jan 2006 15:04 MST")
}

var (
	dayNames = map[string]time.Weekday{
		"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
		"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
		"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	}
	clockTime = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
)

// slotSyntax is how a slot is written, for messages.
const slotSyntax = `write days then times, like "mon-fri 09:30", "mon, wed, fri 09:30, 13:00" or "daily 12:00" ` +
	`(days: mon tue wed thu fri sat sun, ranges like mon-fri or fri-mon, daily, weekdays, weekends; times: 24-hour HH:MM)`

// ParseSlots reads one entry of a queue's slots: days, then one or
// more times of day, separated by spaces or commas ("mon-fri 09:30,
// 13:00"). It returns one WeeklySlot per time.
func ParseSlots(s string) ([]WeeklySlot, error) {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	var days [7]bool
	haveDays := false
	var out []WeeklySlot
	for _, f := range fields {
		if m := clockTime.FindStringSubmatch(f); m != nil {
			if !haveDays {
				return nil, fmt.Errorf("slot %q: the days come first; %s", s, slotSyntax)
			}
			h, _ := strconv.Atoi(m[1])
			min, _ := strconv.Atoi(m[2])
			out = append(out, WeeklySlot{Days: days, Hour: h, Minute: min})
			continue
		}
		if len(out) > 0 {
			return nil, fmt.Errorf("slot %q: %q after the times; %s", s, f, slotSyntax)
		}
		if strings.Contains(f, ":") {
			return nil, fmt.Errorf("slot %q: %q is not a time of day; %s", s, f, slotSyntax)
		}
		if err := addDays(&days, f); err != nil {
			return nil, fmt.Errorf("slot %q: %v; %s", s, err, slotSyntax)
		}
		haveDays = true
	}
	if !haveDays {
		return nil, fmt.Errorf("slot %q: no days; %s", s, slotSyntax)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("slot %q: no time of day; %s", s, slotSyntax)
	}
	return out, nil
}

// addDays marks the days one word of a slot names: a day, a range of
// days (wrapping past Sunday: fri-mon), daily, weekdays or weekends.
func addDays(days *[7]bool, w string) error {
	switch w {
	case "daily":
		for i := range days {
			days[i] = true
		}
		return nil
	case "weekdays":
		return addDays(days, "mon-fri")
	case "weekends":
		return addDays(days, "sat-sun")
	}
	from, to, isRange := strings.Cut(w, "-")
	a, ok := dayNames[from]
	if !ok {
		return fmt.Errorf("unknown day %q", from)
	}
	if !isRange {
		days[a] = true
		return nil
	}
	b, ok := dayNames[to]
	if !ok {
		return fmt.Errorf("unknown day %q", to)
	}
	for d := a; ; d = (d + 1) % 7 {
		days[d] = true
		if d == b {
			return nil
		}
	}
}

// ParseException reads one of a queue's exceptions: a date
// ("2026-12-25"), skipping the day, or a date and time ("2026-12-24
// 13:00"), skipping one slot.
func ParseException(s string) (Exception, error) {
	v := strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return Exception{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return Exception{Year: t.Year(), Month: t.Month(), Day: t.Day(), HasTime: true, Hour: t.Hour(), Minute: t.Minute()}, nil
		}
	}
	return Exception{}, fmt.Errorf("exception %q: write a date (2026-12-25) to skip the day, or a date and time (2026-12-24 13:00) to skip one slot", s)
}
