package calendar

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/heraldhq/herald/state"
	"github.com/rivo/uniseg"
)

// Totals is engagement summed over targets. A nil field is a metric no
// target gave, shown as "–", which is not the same as zero.
type Totals struct {
	Likes       *int64 `json:"likes,omitempty"`
	Reposts     *int64 `json:"reposts,omitempty"`
	Replies     *int64 `json:"replies,omitempty"`
	Quotes      *int64 `json:"quotes,omitempty"`
	Impressions *int64 `json:"impressions,omitempty"`
	Clicks      *int64 `json:"clicks,omitempty"`
	Saves       *int64 `json:"saves,omitempty"`
}

// MetricNames are the report's columns, in order.
var MetricNames = []string{"likes", "reposts", "replies", "quotes", "impressions", "clicks", "saves"}

func (t *Totals) fields() []**int64 {
	return []**int64{&t.Likes, &t.Reposts, &t.Replies, &t.Quotes, &t.Impressions, &t.Clicks, &t.Saves}
}

// Add adds the metrics m gives; those it does not give stay as they are.
func (t *Totals) Add(m *state.Metrics) {
	if m == nil {
		return
	}
	src := []*int64{m.Likes, m.Reposts, m.Replies, m.Quotes, m.Impressions, m.Clicks, m.Saves}
	t.addAll(src)
}

func (t *Totals) addAll(src []*int64) {
	for i, dst := range t.fields() {
		if src[i] == nil {
			continue
		}
		v := *src[i]
		if *dst != nil {
			v += **dst
		}
		*dst = &v
	}
}

// Merge adds another total.
func (t *Totals) Merge(o Totals) {
	var src []*int64
	for _, f := range o.fields() {
		src = append(src, *f)
	}
	t.addAll(src)
}

// Interactions is likes, reposts, replies, quotes and saves together:
// what the chart draws. ok is false when none of them was given.
func (t Totals) Interactions() (n int64, ok bool) {
	for _, p := range []*int64{t.Likes, t.Reposts, t.Replies, t.Quotes, t.Saves} {
		if p != nil {
			n += *p
			ok = true
		}
	}
	return n, ok
}

// cells is the metrics as text, "–" for an absent one.
func (t *Totals) cells(absent string) []string {
	var out []string
	for _, f := range t.fields() {
		if *f == nil {
			out = append(out, absent)
		} else {
			out = append(out, strconv.FormatInt(**f, 10))
		}
	}
	return out
}

// Absent is how a metric no target gave is shown.
const Absent = "–"

// Line is one row of a report: a post, a target or a campaign, how many
// posts and published targets it counts, and their engagement.
type Line struct {
	Key     string `json:"key"`
	Title   string `json:"title,omitempty"`
	Posts   int    `json:"posts"`
	Targets int    `json:"targets"`
	Totals
	// SyncedAt is the latest metrics sync among its targets.
	SyncedAt time.Time `json:"synced_at,omitzero"`
}

// Report is engagement per post, per target (summed over posts) and per
// campaign, from the metrics in the state records.
type Report struct {
	Since     time.Time `json:"since,omitzero"`
	Posts     []Line    `json:"posts"`
	Targets   []Line    `json:"targets"`
	Campaigns []Line    `json:"campaigns"`
}

// NoCampaign is the campaign key of posts without one.
const NoCampaign = "(none)"

// BuildReport sums the engagement of published targets first published
// at or after since (all when since is zero).
func BuildReport(posts []Post, since time.Time) *Report {
	r := &Report{Since: since, Posts: []Line{}, Targets: []Line{}, Campaigns: []Line{}}
	targets := map[string]*Line{}
	campaigns := map[string]*Line{}
	Sort(posts)
	// The occurrences of a recurring post are one post of the report,
	// and each reaches its account: they are summed there.
	byID := map[string][]Target{}
	var ids []Post
	for _, p := range posts {
		if _, ok := byID[p.ID]; !ok {
			ids = append(ids, p)
		}
		byID[p.ID] = append(byID[p.ID], p.Targets...)
	}
	for _, p := range ids {
		post := Line{Key: p.ID, Title: p.Name()}
		seenTarget := map[string]bool{}
		for _, t := range byID[p.ID] {
			if t.Status != StatusPublished && t.Metrics == nil {
				continue
			}
			if t.At.IsZero() || (!since.IsZero() && t.At.Before(since)) {
				continue
			}
			post.Targets++
			post.Add(t.Metrics)
			// Every instance of a post on an account (an occurrence of a
			// recurring post, a variant sent at its own time) counts
			// under the account.
			account := state.AccountOf(t.Name)
			tl := targets[account]
			if tl == nil {
				tl = &Line{Key: account}
				targets[account] = tl
			}
			if !seenTarget[account] {
				tl.Posts++
				seenTarget[account] = true
			}
			tl.Targets++
			tl.Add(t.Metrics)
			if t.Metrics != nil {
				post.SyncedAt = later(post.SyncedAt, t.Metrics.SyncedAt)
				tl.SyncedAt = later(tl.SyncedAt, t.Metrics.SyncedAt)
			}
		}
		if post.Targets == 0 {
			continue
		}
		post.Posts = 1
		r.Posts = append(r.Posts, post)
		key := p.Campaign
		if key == "" {
			key = NoCampaign
		}
		c := campaigns[key]
		if c == nil {
			c = &Line{Key: key}
			campaigns[key] = c
		}
		c.Posts++
		c.Targets += post.Targets
		c.Merge(post.Totals)
		c.SyncedAt = later(c.SyncedAt, post.SyncedAt)
	}
	r.Targets = sortedLines(targets)
	r.Campaigns = sortedLines(campaigns)
	return r
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sortedLines(m map[string]*Line) []Line {
	out := []Line{}
	for _, l := range m {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// WriteTable writes the report as three aligned tables.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	if len(r.Posts) == 0 {
		b.WriteString("No published posts")
		if !r.Since.IsZero() {
			fmt.Fprintf(&b, " since %s", r.Since.Format("2006-01-02"))
		}
		b.WriteString(".\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	head := "\tPOSTS\tTARGETS\tLIKES\tREPOSTS\tREPLIES\tQUOTES\tIMPRESSIONS\tCLICKS\tSAVES"
	for i, sec := range []struct {
		name  string
		lines []Line
	}{{"POST", r.Posts}, {"TARGET", r.Targets}, {"CAMPAIGN", r.Campaigns}} {
		if i > 0 {
			b.WriteString("\n")
		}
		// Numbers align right, keys left: the key column is padded here.
		keyW := uniseg.StringWidth(sec.name)
		for _, l := range sec.lines {
			keyW = max(keyW, uniseg.StringWidth(l.Key))
		}
		pad := func(s string) string { return s + strings.Repeat(" ", keyW-uniseg.StringWidth(s)) }
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, pad(sec.name)+head+"\t")
		for _, l := range sec.lines {
			cells := append([]string{pad(l.Key), strconv.Itoa(l.Posts), strconv.Itoa(l.Targets)}, l.cells(Absent)...)
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		// AlignRight pads before every cell, the first one too.
		lines[i] = strings.TrimRight(strings.TrimPrefix(l, "  "), " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// WriteCSV writes every line of the report, its scope (post, target or
// campaign) first; an absent metric is an empty field.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := append([]string{"scope", "key", "title", "posts", "targets"}, MetricNames...)
	head = append(head, "synced_at")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, sec := range []struct {
		scope string
		lines []Line
	}{{"post", r.Posts}, {"target", r.Targets}, {"campaign", r.Campaigns}} {
		for _, l := range sec.lines {
			rec := append([]string{sec.scope, l.Key, l.Title, strconv.Itoa(l.Posts), strconv.Itoa(l.Targets)}, l.cells("")...)
			synced := ""
			if !l.SyncedAt.IsZero() {
				synced = l.SyncedAt.UTC().Format(time.RFC3339)
			}
			if err := cw.Write(append(rec, synced)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the report as indented JSON; an absent metric is left
// out of its line.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
