package calendar

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rivo/uniseg"
)

// marks are the one-character signs of each status in the terminal grid,
// plain ASCII so that every terminal lines them up.
var marks = map[string]string{
	StatusPublished: "*",
	StatusScheduled: ">",
	StatusFailed:    "!",
	StatusDraft:     "~",
	StatusPending:   ".",
}

// Legend is the key to the grid's marks, printed under it.
const Legend = "* published  > scheduled  ! failed or needs a person  ~ draft  . pending"

// GridOptions says which month the grid shows and how.
type GridOptions struct {
	// Month is any instant in the month to show, read in Location.
	Month time.Time
	// Location is the repository's time zone; UTC when nil.
	Location *time.Location
	// PerDay is how many posts a day shows before "+N more"; 3 when 0.
	PerDay int
	// Width is a day cell's width in columns; 16 when 0.
	Width int
}

// WriteGrid writes the month grid of posts to w: weeks from Monday to
// Sunday, each day with its posts (time, mark, name) and their targets,
// as a scheduler's calendar view shows them. Posts without a date are
// counted under the grid, never silently left out.
func WriteGrid(w io.Writer, posts []Post, opt GridOptions) error {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	per, width := opt.PerDay, opt.Width
	if per <= 0 {
		per = 3
	}
	if width <= 0 {
		width = 16
	}
	m := opt.Month.In(loc)
	first := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	next := first.AddDate(0, 1, 0)

	days := map[int][]Post{}
	counts := map[string]int{}
	undated := 0
	Sort(posts)
	for _, p := range posts {
		if p.At.IsZero() {
			undated++
			continue
		}
		at := p.At.In(loc)
		if at.Before(first) || !at.Before(next) {
			continue
		}
		days[at.Day()] = append(days[at.Day()], p)
		counts[p.Status()]++
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s · times in %s · weeks start on Monday\n", first.Format("January 2006"), loc)
	rule := "+" + strings.Repeat(strings.Repeat("-", width+2)+"+", 7) + "\n"
	b.WriteString(rule)
	b.WriteString("|")
	for _, d := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		fmt.Fprintf(&b, " %s |", fit(d, width))
	}
	b.WriteString("\n" + rule)

	// offset is how many cells of the first week precede the 1st.
	offset := (int(first.Weekday()) + 6) % 7
	last := next.AddDate(0, 0, -1).Day()
	for start := 1 - offset; start <= last; start += 7 {
		cells := make([][]string, 7)
		height := 1
		for i := range cells {
			day := start + i
			if day < 1 || day > last {
				continue
			}
			cells[i] = dayCell(day, days[day], loc, per, width)
			height = max(height, len(cells[i]))
		}
		for line := 0; line < height; line++ {
			b.WriteString("|")
			for _, c := range cells {
				s := ""
				if line < len(c) {
					s = c[line]
				}
				fmt.Fprintf(&b, " %s |", fit(s, width))
			}
			b.WriteString("\n")
		}
		b.WriteString(rule)
	}
	b.WriteString(Legend + "\n")
	var parts []string
	for _, s := range []string{StatusPublished, StatusScheduled, StatusFailed, StatusDraft, StatusPending} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	fmt.Fprintf(&b, "%d %s this month", total, plural(total, "post"))
	if len(parts) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(parts, ", "))
	}
	b.WriteString(".\n")
	if undated > 0 {
		fmt.Fprintf(&b, "%d %s no date (due once merged, or a draft without publish_at) and %s not shown.\n",
			undated, plural2(undated, "post has", "posts have"), plural2(undated, "is", "are"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dayCell is the lines of one day: its number, then each post's time,
// mark and name with its targets' marks below, then "+N more".
func dayCell(day int, posts []Post, loc *time.Location, per, width int) []string {
	lines := []string{fmt.Sprint(day)}
	shown := posts
	if len(posts) > per {
		// The "+N more" line takes the room of one post.
		shown = posts[:per-1]
		if per == 1 {
			shown = nil
		}
	}
	for _, p := range shown {
		lines = append(lines, fmt.Sprintf("%s %s %s", p.At.In(loc).Format("15:04"), marks[p.Status()], p.Name()))
		var ts []string
		for _, t := range p.Targets {
			ts = append(ts, marks[bucket(t.Status)]+t.Name)
		}
		lines = append(lines, "  "+strings.Join(ts, " "))
	}
	if n := len(posts) - len(shown); n > 0 {
		lines = append(lines, fmt.Sprintf("+%d more", n))
	}
	return lines
}

// fit pads or cuts s to exactly width columns, ending a cut with "…".
func fit(s string, width int) string {
	w := uniseg.StringWidth(s)
	if w <= width {
		return s + strings.Repeat(" ", width-w)
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > width-1 {
			break
		}
		b.WriteString(g.Str())
		used += cw
	}
	return b.String() + "…" + strings.Repeat(" ", width-1-used)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func plural2(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
