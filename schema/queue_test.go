package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustQueue(t *testing.T, zone string, slots []string, except ...string) *Queue {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	q := &Queue{Name: "q", Zone: loc}
	for _, s := range slots {
		ws, err := ParseSlots(s)
		if err != nil {
			t.Fatal(err)
		}
		q.Slots = append(q.Slots, ws...)
	}
	for _, e := range except {
		x, err := ParseException(e)
		if err != nil {
			t.Fatal(err)
		}
		q.Except = append(q.Except, x)
	}
	return q
}

// TestQueueSlots lists the slots of a few queues into a golden file: a
// full week, the two daylight saving time changes (a skipped time, a
// time that happens twice, slots that meet), and exceptions.
func TestQueueSlots(t *testing.T) {
	cases := []struct {
		name   string
		zone   string
		slots  []string
		except []string
		from   string
		n      int
	}{
		{"a full week of mon-fri 09:30, 13:00 and a weekend slot", "America/New_York",
			[]string{"mon-fri 09:30, 13:00", "sat 11:00"}, nil, "2026-12-07T00:00:00-05:00", 11},
		{"from the middle of a day: the morning slot has passed", "America/New_York",
			[]string{"mon-fri 09:30, 13:00"}, nil, "2026-12-08T09:30:01-05:00", 3},
		{"daylight saving time begins: 02:30 is skipped, moved to 03:30, and meets the 03:30 slot", "America/New_York",
			[]string{"daily 02:30, 03:30, 09:30"}, nil, "2026-03-07T00:00:00-05:00", 8},
		{"daylight saving time ends: 01:30 happens twice, the first is the slot", "America/New_York",
			[]string{"daily 01:30, 09:30"}, nil, "2026-10-31T00:00:00-04:00", 6},
		{"Europe changes on another day", "Europe/Paris",
			[]string{"sun 02:15, 09:00"}, nil, "2026-03-28T00:00:00+01:00", 4},
		{"exceptions: a whole day and one slot", "America/New_York",
			[]string{"mon-fri 09:30, 13:00"}, []string{"2026-12-25", "2026-12-24 13:00"}, "2026-12-24T00:00:00-05:00", 4},
		{"a range wrapping past Sunday", "UTC",
			[]string{"fri-mon 08:00"}, nil, "2026-12-07T00:00:00Z", 5},
	}
	var b strings.Builder
	for _, c := range cases {
		q := mustQueue(t, c.zone, c.slots, c.except...)
		from, err := time.Parse(time.RFC3339, c.from)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "# %s\n# %s %q except %q, from %s\n", c.name, c.zone, c.slots, c.except, c.from)
		i := 0
		var prev time.Time
		for s := range q.From(from) {
			if s.Before(from) || (!prev.IsZero() && !s.After(prev)) {
				t.Errorf("%s: slot %s out of order (from %s, previous %s)", c.name, s, from, prev)
			}
			prev = s
			fmt.Fprintf(&b, "%s  %s\n", FormatSlot(s, q.Zone), s.UTC().Format(time.RFC3339))
			if i++; i == c.n {
				break
			}
		}
		b.WriteString("\n")
	}
	golden(t, "queue_slots.golden", []byte(b.String()))
}

func TestParseSlots(t *testing.T) {
	tests := []struct {
		in   string
		want string // days (Sun first) and times, or the error's start
	}{
		{"mon-fri 09:30", "-MTWTF- 09:30"},
		{"Mon, Wed, Fri 9:30, 13:00", "-M-W-F- 09:30 13:00"},
		{"daily 00:00 23:59", "SMTWTFS 00:00 23:59"},
		{"weekends 10:00", "S-----S 10:00"},
		{"fri-mon 08:00", "SM---FS 08:00"},
		{"saturday 08:00", "------S 08:00"},
		{"09:30", `error: slot "09:30": the days come first`},
		{"mon-fri", `error: slot "mon-fri": no time of day`},
		{"mon-fri 24:00", `error: slot "mon-fri 24:00": "24:00" is not a time of day`},
		{"mon-fri 09:30 tue", `error: slot "mon-fri 09:30 tue": "tue" after the times`},
		{"mon-fry 09:30", `error: slot "mon-fry 09:30": unknown day "fry"`},
		{"", `error: slot "": no days`},
	}
	for _, tt := range tests {
		got := ""
		ws, err := ParseSlots(tt.in)
		if err != nil {
			got = "error: " + err.Error()
		} else {
			days := ""
			for i, d := range ws[0].Days {
				if d {
					days += string("SMTWTFS"[i])
				} else {
					days += "-"
				}
			}
			got = days
			for _, w := range ws {
				got += fmt.Sprintf(" %02d:%02d", w.Hour, w.Minute)
			}
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("ParseSlots(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"christmas", "2026-13-01", "2026-12-24 25:00"} {
		if _, err := ParseException(bad); err == nil {
			t.Errorf("ParseException(%q): want an error", bad)
		}
	}
}
