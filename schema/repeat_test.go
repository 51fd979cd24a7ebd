package schema

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// occurrences lists the first n occurrences of r from start, as wall
// clocks in zone with their offset.
func occurrences(r *Repeat, start time.Time, zone *time.Location, n int) []string {
	var out []string
	for k, t := range r.Times(start, zone) {
		if k > n {
			break
		}
		out = append(out, t.In(zone).Format("Mon 2006-01-02 15:04 -0700"))
	}
	return out
}

func TestRepeatTimes(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	paris := mustLoad(t, "Europe/Paris")
	at := func(s string, zone *time.Location) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	until := func(s string, zone *time.Location) *time.Time { v := at(s, zone); return &v }
	rule := func(s string) *Repeat {
		r := &Repeat{}
		if _, err := ParseRule(s, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name  string
		r     *Repeat
		start time.Time
		zone  *time.Location
		n     int
		want  []string
	}{
		{"every 3 days", &Repeat{Freq: "daily", Interval: 3}, at("2026-12-07 09:00", time.UTC), time.UTC, 4,
			[]string{"Mon 2026-12-07 09:00 +0000", "Thu 2026-12-10 09:00 +0000", "Sun 2026-12-13 09:00 +0000", "Wed 2026-12-16 09:00 +0000"}},
		{"every 2 weeks on publish_at's weekday", &Repeat{Freq: "weekly", Interval: 2}, at("2026-12-08 10:30", time.UTC), time.UTC, 3,
			[]string{"Tue 2026-12-08 10:30 +0000", "Tue 2026-12-22 10:30 +0000", "Tue 2027-01-05 10:30 +0000"}},
		{"weekly on Mon and Thu, starting on a Thursday", rule("FREQ=WEEKLY;BYDAY=MO,TH"), at("2026-12-10 09:00", time.UTC), time.UTC, 5,
			[]string{"Thu 2026-12-10 09:00 +0000", "Mon 2026-12-14 09:00 +0000", "Thu 2026-12-17 09:00 +0000", "Mon 2026-12-21 09:00 +0000", "Thu 2026-12-24 09:00 +0000"}},
		{"every other week on Mon and Fri: the weeks count from publish_at's", rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO"), at("2026-12-09 09:00", time.UTC), time.UTC, 4,
			[]string{"Wed 2026-12-09 09:00 +0000", "Fri 2026-12-11 09:00 +0000", "Mon 2026-12-21 09:00 +0000", "Fri 2026-12-25 09:00 +0000"}},
		{"monthly on the 15th", rule("FREQ=MONTHLY;BYMONTHDAY=15"), at("2026-12-15 08:00", time.UTC), time.UTC, 3,
			[]string{"Tue 2026-12-15 08:00 +0000", "Fri 2027-01-15 08:00 +0000", "Mon 2027-02-15 08:00 +0000"}},
		{"monthly from the 31st skips the months without one", &Repeat{Freq: "monthly", Interval: 1}, at("2027-01-31 12:00", time.UTC), time.UTC, 4,
			[]string{"Sun 2027-01-31 12:00 +0000", "Wed 2027-03-31 12:00 +0000", "Mon 2027-05-31 12:00 +0000", "Sat 2027-07-31 12:00 +0000"}},
		{"the last day of every month", rule("FREQ=MONTHLY;BYMONTHDAY=-1"), at("2027-01-31 12:00", time.UTC), time.UTC, 4,
			[]string{"Sun 2027-01-31 12:00 +0000", "Sun 2027-02-28 12:00 +0000", "Wed 2027-03-31 12:00 +0000", "Fri 2027-04-30 12:00 +0000"}},
		{"a count ends it, the first included", &Repeat{Freq: "daily", Interval: 1, Count: 3}, at("2026-12-07 09:00", time.UTC), time.UTC, 10,
			[]string{"Mon 2026-12-07 09:00 +0000", "Tue 2026-12-08 09:00 +0000", "Wed 2026-12-09 09:00 +0000"}},
		{"until is inclusive", &Repeat{Freq: "weekly", Interval: 1, Until: until("2026-12-21 09:00", time.UTC)}, at("2026-12-07 09:00", time.UTC), time.UTC, 10,
			[]string{"Mon 2026-12-07 09:00 +0000", "Mon 2026-12-14 09:00 +0000", "Mon 2026-12-21 09:00 +0000"}},
		{"daily on weekdays only", rule("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"), at("2026-12-10 09:00", time.UTC), time.UTC, 4,
			[]string{"Thu 2026-12-10 09:00 +0000", "Fri 2026-12-11 09:00 +0000", "Mon 2026-12-14 09:00 +0000", "Tue 2026-12-15 09:00 +0000"}},
		{"New York: the wall clock stays 09:00 across the spring change", &Repeat{Freq: "weekly", Interval: 1}, at("2026-03-01 09:00", ny), ny, 3,
			[]string{"Sun 2026-03-01 09:00 -0500", "Sun 2026-03-08 09:00 -0400", "Sun 2026-03-15 09:00 -0400"}},
		{"New York: 02:30 is skipped on the day clocks go forward, moved to 03:30", &Repeat{Freq: "daily", Interval: 1}, at("2026-03-07 02:30", ny), ny, 3,
			[]string{"Sat 2026-03-07 02:30 -0500", "Sun 2026-03-08 03:30 -0400", "Mon 2026-03-09 02:30 -0400"}},
		{"New York: 01:30 happens twice when clocks go back, taken once (the first)", &Repeat{Freq: "daily", Interval: 1}, at("2026-10-31 01:30", ny), ny, 3,
			[]string{"Sat 2026-10-31 01:30 -0400", "Sun 2026-11-01 01:30 -0400", "Mon 2026-11-02 01:30 -0500"}},
		{"Paris: 02:15 skipped on the last Sunday of March", rule("FREQ=WEEKLY;BYDAY=SU"), at("2026-03-22 02:15", paris), paris, 3,
			[]string{"Sun 2026-03-22 02:15 +0100", "Sun 2026-03-29 03:15 +0200", "Sun 2026-04-05 02:15 +0200"}},
		{"Paris: 02:30 happens twice on the last Sunday of October, taken once", rule("FREQ=WEEKLY;BYDAY=SU"), at("2026-10-18 02:30", paris), paris, 3,
			[]string{"Sun 2026-10-18 02:30 +0200", "Sun 2026-10-25 02:30 +0200", "Sun 2026-11-01 02:30 +0100"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := occurrences(tc.r, tc.start, tc.zone, tc.n)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRepeatTimesNumbered checks that occurrences are numbered from 1 in
// order, and that an unbounded series ends after a hundred years rather
// than never.
func TestRepeatTimesNumbered(t *testing.T) {
	r := &Repeat{Freq: "monthly", Interval: 1}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	want, last := 1, start
	for k, at := range r.Times(start, time.UTC) {
		if k != want {
			t.Fatalf("occurrence numbered %d, want %d", k, want)
		}
		if k > 1 && !at.After(last) {
			t.Fatalf("occurrence %d at %s is not after %s", k, at, last)
		}
		want, last = want+1, at
	}
	if got := want - 1; got != maxOccurrenceYears*12 {
		t.Errorf("an unbounded monthly series has %d occurrences, want %d", got, maxOccurrenceYears*12)
	}
}

func TestRepeatTextOf(t *testing.T) {
	r := &Repeat{Texts: 2}
	var got []int
	for n := 1; n <= 7; n++ {
		got = append(got, r.TextOf(n))
	}
	if want := []int{0, 1, 2, 0, 1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("texts of occurrences 1..7 = %v, want %v", got, want)
	}
	if (&Repeat{}).TextOf(5) != 0 {
		t.Error("a series without texts has only the body")
	}
}

func TestParseRule(t *testing.T) {
	good := []struct {
		rule  string
		want  Repeat
		until string
		say   string
	}{
		{"FREQ=WEEKLY;BYDAY=TH,MO", Repeat{Freq: "weekly", Interval: 1, Days: []time.Weekday{time.Monday, time.Thursday}}, "", "weekly on Mon, Thu"},
		{"RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6", Repeat{Freq: "monthly", Interval: 1, MonthDays: []int{15}, Count: 6}, "", "monthly on the 15th"},
		{"freq=daily;interval=3;until=20270301", Repeat{Freq: "daily", Interval: 3}, "20270301", "every 3 days"},
		{"FREQ=MONTHLY;BYMONTHDAY=1,-1", Repeat{Freq: "monthly", Interval: 1, MonthDays: []int{1, -1}}, "", "monthly on the 1st, last day"},
	}
	for _, tc := range good {
		var r Repeat
		until, err := ParseRule(tc.rule, &r)
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		if diff := cmp.Diff(tc.want, r); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.rule, diff)
		}
		if until != tc.until {
			t.Errorf("%s: until %q, want %q", tc.rule, until, tc.until)
		}
		if got := r.Describe(); got != tc.say {
			t.Errorf("%s: described as %q, want %q", tc.rule, got, tc.say)
		}
	}
	bad := []struct{ rule, want string }{
		{"FREQ=YEARLY", "FREQ=YEARLY is not supported"},
		{"BYDAY=MO", "no FREQ"},
		{"FREQ=WEEKLY;BYDAY=1MO", "ordinals"},
		{"FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY goes with FREQ=MONTHLY"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32"},
		{"FREQ=DAILY;BYHOUR=9", "BYHOUR is not supported"},
		{"FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice"},
		{"FREQ=DAILY;INTERVAL=0", "INTERVAL=0"},
		{"FREQ", "NAME=VALUE"},
	}
	for _, tc := range bad {
		var r Repeat
		_, err := ParseRule(tc.rule, &r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.rule, err, tc.want)
		}
	}
}

func TestParseEvery(t *testing.T) {
	for in, want := range map[string]string{"3d": "daily 3", "2w": "weekly 2", "1m": "monthly 1"} {
		f, n, err := ParseEvery(in)
		if err != nil || f+" "+strconv.Itoa(n) != want {
			t.Errorf("ParseEvery(%q) = %s %d, %v; want %s", in, f, n, err, want)
		}
	}
	for _, in := range []string{"", "w", "0d", "3y", "x2w", "2000d"} {
		if _, _, err := ParseEvery(in); err == nil {
			t.Errorf("ParseEvery(%q) took it", in)
		}
	}
}

func TestParsePostRepeat(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	cfg := testConfig()
	cfg.Timezone = ny
	src := "---\npublish_at: 2026-12-10 09:00\nto: [x, mastodon]\nrepeat:\n  rule: FREQ=WEEKLY;BYDAY=MO,TH\n  until: 2027-03-01\n  texts:\n    - Second *text*\n    - \"Third text\"\n---\nThe body.\n"
	p, errs := ParsePost(cfg, testFile, []byte(src))
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	if p.Repeat == nil {
		t.Fatal("no series")
	}
	until := time.Date(2027, 3, 2, 0, 0, 0, 0, ny).Add(-time.Nanosecond)
	want := &Repeat{Freq: "weekly", Interval: 1, Days: []time.Weekday{time.Monday, time.Thursday}, Until: &until, Texts: 2}
	if diff := cmp.Diff(want, p.Repeat); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
	if len(p.Texts) != 2 || p.Texts[0].Text != "Second *text*" || p.Texts[0].Line != 8 || p.Texts[1].Text != "Third text" {
		t.Errorf("texts = %+v", p.Texts)
	}

	bad := []struct{ front, want string }{
		{"publish_at: 2026-12-10 09:00\nrepeat: {every: 2w, rule: FREQ=DAILY}", "repeat.rule: repeat has both every and rule"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {count: 3}", "repeat: repeat needs every"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {every: 2y}", "repeat.every: cannot read \"2y\""},
		{"repeat: {every: 1w}", "repeat: repeat needs publish_at"},
		{"publish_at: next\nrepeat: {every: 1w}", "a queue slot cannot start a series"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {every: 1w, until: 2026-12-01}", "repeat.until: until (2026-12-01T23:59:59"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {rule: FREQ=DAILY;COUNT=3, count: 4}", "repeat.count: the rule has a COUNT already"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {rule: FREQ=DAILY;UNTIL=20270101, until: 2027-01-01}", "repeat.until: the rule has an UNTIL already"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {every: 1w, texts: [\"  \"]}", "repeat.texts.0: an empty text"},
		{"publish_at: 2026-12-10 09:00\nrepeat: {every: 1w, texts: [\"Read {{url \\\"x\\\"}}\"]}", "repeat.texts.0: a text of repeat cannot hold {{url}} placeholders"},
	}
	for _, tc := range bad {
		_, errs := ParsePost(cfg, testFile, []byte("---\nto: x\n"+tc.front+"\n---\nBody.\n"))
		if !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant a finding with %q", tc.front, errs, tc.want)
		}
	}
}
