package calendar

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/heraldhq/herald/state"
)

// MinSuggest is how many posts an hour of a weekday needs behind it
// before it is suggested as a slot: fewer is anecdote.
const MinSuggest = 3

// Cell is the posts published in one hour of one weekday, on one
// account, and their engagement.
type Cell struct {
	Weekday      string `json:"weekday"` // Mon … Sun
	Hour         int    `json:"hour"`    // 0 … 23, in the repository's zone
	Posts        int    `json:"posts"`
	Interactions int64  `json:"interactions"`
}

// Mean is the interactions per post.
func (c Cell) Mean() float64 {
	if c.Posts == 0 {
		return 0
	}
	return float64(c.Interactions) / float64(c.Posts)
}

// AccountTimes is one account's engagement by when its posts went out.
type AccountTimes struct {
	Account string  `json:"account"`
	Posts   int     `json:"posts"`
	Mean    float64 `json:"mean"`
	Cells   []Cell  `json:"cells"` // the hours with posts, Monday first
	// Suggest are the hours with at least MinSuggest posts whose mean is
	// above the account's, best first, at most three.
	Suggest []Cell `json:"suggest,omitempty"`
	// Note says why nothing is suggested, when nothing is.
	Note string `json:"note,omitempty"`
}

// BestTimes is engagement by weekday and hour of publishing, per
// account, from the latest metrics herald sync recorded.
type BestTimes struct {
	Zone     string         `json:"zone"`
	Accounts []AccountTimes `json:"accounts"`
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// weekdayIndex is Monday 0 … Sunday 6.
func weekdayIndex(d time.Weekday) int { return (int(d) + 6) % 7 }

// BuildBestTimes groups every published target that has metrics by its
// account and by the weekday and hour (in loc) it was published.
// Interactions are likes, reposts, replies, quotes and saves together; a
// target whose platform gives none of them is left out.
func BuildBestTimes(posts []Post, loc *time.Location) *BestTimes {
	if loc == nil {
		loc = time.UTC
	}
	type grid = [7][24]Cell
	grids := map[string]*grid{}
	for _, p := range posts {
		for _, t := range p.Targets {
			if t.Status != StatusPublished || t.At.IsZero() || t.Metrics == nil {
				continue
			}
			var tot Totals
			tot.Add(t.Metrics)
			n, ok := tot.Interactions()
			if !ok {
				continue
			}
			account := state.AccountOf(t.Name) // an occurrence ("x#3") counts for its account
			g := grids[account]
			if g == nil {
				g = &grid{}
				grids[account] = g
			}
			at := t.At.In(loc)
			c := &g[weekdayIndex(at.Weekday())][at.Hour()]
			c.Posts++
			c.Interactions += n
		}
	}
	out := &BestTimes{Zone: loc.String()}
	names := make([]string, 0, len(grids))
	for n := range grids {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		g := grids[name]
		a := AccountTimes{Account: name}
		var total int64
		for d := range 7 {
			for h := range 24 {
				c := g[d][h]
				if c.Posts == 0 {
					continue
				}
				c.Weekday, c.Hour = weekdays[d], h
				a.Cells = append(a.Cells, c)
				a.Posts += c.Posts
				total += c.Interactions
			}
		}
		a.Mean = float64(total) / float64(a.Posts)
		for _, c := range a.Cells {
			if c.Posts >= MinSuggest && c.Mean() > a.Mean {
				a.Suggest = append(a.Suggest, c)
			}
		}
		sort.SliceStable(a.Suggest, func(i, j int) bool { return a.Suggest[i].Mean() > a.Suggest[j].Mean() })
		if len(a.Suggest) > 3 {
			a.Suggest = a.Suggest[:3]
		}
		if len(a.Suggest) == 0 {
			a.Note = fmt.Sprintf("not enough data to suggest a slot: no hour has %d posts or more with engagement above the account's mean", MinSuggest)
		}
		out.Accounts = append(out.Accounts, a)
	}
	return out
}

// slot is a cell as a queue slot is written: "tue 09:00".
func (c Cell) slot() string { return fmt.Sprintf("%s %02d:00", strings.ToLower(c.Weekday), c.Hour) }

// WriteTable writes, per account, each hour with posts, its post count
// and mean, and the suggested slots.
func (b *BestTimes) WriteTable(w io.Writer) error {
	var s strings.Builder
	if len(b.Accounts) == 0 {
		s.WriteString("No published post has metrics yet: run herald sync first.\n")
		_, err := io.WriteString(w, s.String())
		return err
	}
	fmt.Fprintf(&s, "Engagement (likes, reposts, replies, quotes, saves) by the weekday and hour each post was published, %s.\n", b.Zone)
	for _, a := range b.Accounts {
		fmt.Fprintf(&s, "\n%s: %s, %.1f interactions a post\n", a.Account, pluralWord(a.Posts, "post"), a.Mean)
		fmt.Fprintf(&s, "  %-9s %5s %8s\n", "when", "posts", "mean")
		for _, c := range a.Cells {
			fmt.Fprintf(&s, "  %s %02d:00 %5d %8.1f\n", c.Weekday, c.Hour, c.Posts, c.Mean())
		}
		if len(a.Suggest) == 0 {
			fmt.Fprintf(&s, "  No suggestion: %s.\n", a.Note)
			continue
		}
		var parts []string
		for _, c := range a.Suggest {
			parts = append(parts, fmt.Sprintf("%s (%d posts, %.1f a post)", c.slot(), c.Posts, c.Mean()))
		}
		fmt.Fprintf(&s, "  Suggested queue slots: %s.\n", strings.Join(parts, ", "))
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// WriteJSON writes the best times as JSON.
func (b *BestTimes) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// heatRow is one weekday of an account's heat map.
type heatRow struct {
	Day   string
	Cells []heatCell
}

// heatCell is one hour: its posts and a shade from 0 (no engagement) to
// 4 (the account's best hour).
type heatCell struct {
	Posts int
	Mean  string
	Shade int
}

// heatAccount is an account's heat map on the page.
type heatAccount struct {
	Account string
	Posts   string // "3 posts"
	Rows    []heatRow
	Suggest string
}

// heatMaps lays out each account's hours as weekdays by 24 hours, shaded
// by their mean against the account's best hour.
func (b *BestTimes) heatMaps() []heatAccount {
	var out []heatAccount
	for _, a := range b.Accounts {
		best := 0.0
		for _, c := range a.Cells {
			best = max(best, c.Mean())
		}
		var g [7][24]Cell
		for _, c := range a.Cells {
			for d, name := range weekdays {
				if name == c.Weekday {
					g[d][c.Hour] = c
				}
			}
		}
		h := heatAccount{Account: a.Account, Posts: pluralWord(a.Posts, "post")}
		for d, name := range weekdays {
			row := heatRow{Day: name}
			for hr := range 24 {
				c := g[d][hr]
				cell := heatCell{Posts: c.Posts}
				if c.Posts > 0 {
					cell.Mean = fmt.Sprintf("%.1f", c.Mean())
					cell.Shade = 1
					if best > 0 {
						cell.Shade = 1 + int(3*c.Mean()/best+0.5)
						cell.Shade = min(cell.Shade, 4)
					}
				}
				row.Cells = append(row.Cells, cell)
			}
			h.Rows = append(h.Rows, row)
		}
		if len(a.Suggest) > 0 {
			var parts []string
			for _, c := range a.Suggest {
				parts = append(parts, c.slot())
			}
			h.Suggest = "Suggested queue slots: " + strings.Join(parts, ", ") + "."
		} else {
			h.Suggest = "No suggestion: " + a.Note + "."
		}
		out = append(out, h)
	}
	return out
}
