package calendar

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

// PageOptions are what the HTML page needs beyond the posts.
type PageOptions struct {
	// Title heads the page.
	Title string
	// Month is any instant in the month the month view shows.
	Month time.Time
	// Location is the repository's time zone; UTC when nil.
	Location *time.Location
	// Now is when the page was written.
	Now time.Time
	// History is the engagement over time the chart draws, oldest first.
	History []Point
}

// WritePage writes one self-contained HTML page: a month view, a list
// view with every target's status and URLs, engagement per post, and a
// chart of engagement over time. CSS and script are inline and nothing
// is fetched, so the page works as a file, an artifact or an attachment.
// Tables are real tables and the chart has a text alternative, so a
// screen reader reads everything a sighted reader sees.
func WritePage(w io.Writer, posts []Post, opt PageOptions) error {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	Sort(posts)
	m := opt.Month.In(loc)
	first := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	data := pageData{
		Title:    opt.Title,
		Month:    first.Format("January 2006"),
		Zone:     loc.String(),
		Now:      opt.Now.In(loc).Format("2006-01-02 15:04 MST"),
		Weeks:    monthWeeks(first, posts, loc),
		Report:   BuildReport(posts, time.Time{}),
		Chart:    chartOf(opt.History, loc),
		Heat:     BuildBestTimes(posts, loc).heatMaps(),
		Statuses: []string{StatusPublished, StatusScheduled, StatusFailed, StatusDraft, StatusPending},
		Marks:    htmlMarks,
	}
	for _, p := range posts {
		for _, t := range p.Targets {
			row := listRow{Post: p.ID, Name: p.Name(), Campaign: p.Campaign, Target: t.Name,
				Status: t.Status, Bucket: bucket(t.Status), URLs: t.URLs, Error: t.Error}
			if !t.At.IsZero() {
				row.When = t.At.In(loc).Format("2006-01-02 15:04")
			} else if !p.At.IsZero() {
				row.When = p.At.In(loc).Format("2006-01-02 15:04")
			}
			data.List = append(data.List, row)
		}
	}
	return pageTemplate.Execute(w, data)
}

type pageData struct {
	Title, Month, Zone, Now string
	Weeks                   [][]dayData
	List                    []listRow
	Report                  *Report
	Chart                   chartData
	Heat                    []heatAccount
	Statuses                []string
	Marks                   map[string]string
}

type dayData struct {
	Day   int // 0: a cell outside the month
	Date  string
	Posts []dayPost
}

type dayPost struct {
	Time, Name, Status, Mark string
	Targets                  []string
}

type listRow struct {
	When, Post, Name, Campaign, Target, Status, Bucket, Error string
	URLs                                                      []string
}

// htmlMarks are the status signs in the page; each is followed by the
// status in words for screen readers.
var htmlMarks = map[string]string{
	StatusPublished: "✓", StatusScheduled: "◷", StatusFailed: "✗", StatusDraft: "✎", StatusPending: "…",
}

func monthWeeks(first time.Time, posts []Post, loc *time.Location) [][]dayData {
	next := first.AddDate(0, 1, 0)
	days := map[int][]dayPost{}
	for _, p := range posts {
		if p.At.IsZero() {
			continue
		}
		at := p.At.In(loc)
		if at.Before(first) || !at.Before(next) {
			continue
		}
		dp := dayPost{Time: at.Format("15:04"), Name: p.Name(), Status: p.Status(), Mark: htmlMarks[p.Status()]}
		for _, t := range p.Targets {
			dp.Targets = append(dp.Targets, t.Name+" "+t.Status)
		}
		days[at.Day()] = append(days[at.Day()], dp)
	}
	offset := (int(first.Weekday()) + 6) % 7
	last := next.AddDate(0, 0, -1).Day()
	var weeks [][]dayData
	for start := 1 - offset; start <= last; start += 7 {
		week := make([]dayData, 7)
		for i := range week {
			d := start + i
			if d >= 1 && d <= last {
				week[i] = dayData{Day: d, Date: first.AddDate(0, 0, d-1).Format("2006-01-02"), Posts: days[d]}
			}
		}
		weeks = append(weeks, week)
	}
	return weeks
}

// chartData is the engagement chart, laid out: an SVG path and its
// points, with the same numbers as a table for those who cannot see it.
type chartData struct {
	Width, Height int
	Path          string
	Dots          []chartDot
	YTicks        []chartTick
	XTicks        []chartTick
	Rows          []chartRow
	Summary       string
}

type chartDot struct {
	X, Y  string
	Label string
}

type chartTick struct {
	Pos   string
	Label string
}

type chartRow struct {
	When         string
	Interactions string
	Impressions  string
}

const (
	chartW, chartH                       = 760, 260
	padLeft, padRight, padTop, padBottom = 56, 20, 16, 40
)

func chartOf(points []Point, loc *time.Location) chartData {
	c := chartData{Width: chartW, Height: chartH}
	type pt struct {
		at time.Time
		v  int64
	}
	var pts []pt
	var top int64
	for _, p := range points {
		v, ok := p.Interactions()
		row := chartRow{When: p.At.In(loc).Format("2006-01-02 15:04"), Interactions: Absent, Impressions: Absent}
		if ok {
			row.Interactions = strconv.FormatInt(v, 10)
			pts = append(pts, pt{p.At, v})
			top = max(top, v)
		}
		if p.Impressions != nil {
			row.Impressions = strconv.FormatInt(*p.Impressions, 10)
		}
		c.Rows = append(c.Rows, row)
	}
	if len(pts) == 0 {
		c.Summary = "No engagement has been synced yet."
		return c
	}
	if top == 0 {
		top = 1
	}
	plotW := float64(chartW - padLeft - padRight)
	plotH := float64(chartH - padTop - padBottom)
	t0, t1 := pts[0].at, pts[len(pts)-1].at
	x := func(t time.Time) float64 {
		if !t1.After(t0) {
			return padLeft + plotW/2
		}
		return padLeft + plotW*float64(t.Sub(t0))/float64(t1.Sub(t0))
	}
	y := func(v int64) float64 { return padTop + plotH*(1-float64(v)/float64(top)) }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	var d strings.Builder
	for i, p := range pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s ", cmd, f(x(p.at)), f(y(p.v)))
		c.Dots = append(c.Dots, chartDot{X: f(x(p.at)), Y: f(y(p.v)),
			Label: fmt.Sprintf("%s: %d interactions", p.at.In(loc).Format("2006-01-02 15:04"), p.v)})
	}
	c.Path = strings.TrimSpace(d.String())
	for _, v := range []int64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, chartTick{Pos: f(y(v)), Label: strconv.FormatInt(v, 10)})
	}
	c.XTicks = append(c.XTicks, chartTick{Pos: f(x(t0)), Label: t0.In(loc).Format("Jan 2")})
	if t1.After(t0) {
		c.XTicks = append(c.XTicks, chartTick{Pos: f(x(t1)), Label: t1.In(loc).Format("Jan 2")})
	}
	c.Summary = fmt.Sprintf("Interactions (likes, reposts, replies, quotes and saves) across all posts went from %d on %s to %d on %s, over %d %s.",
		pts[0].v, t0.In(loc).Format("2006-01-02"), pts[len(pts)-1].v, t1.In(loc).Format("2006-01-02"), len(pts), plural(len(pts), "sync"))
	return c
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"metric": func(p *int64) string {
		if p == nil {
			return Absent
		}
		return strconv.FormatInt(*p, 10)
	},
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Month}}</title>
<style>
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --pub:#1a7f37; --sch:#0969da; --fail:#cf222e; --draft:#6e7781; --pend:#9a6700; --chart:#8250df; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; padding: 1.5rem; max-width: 1200px; background: #fff; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin: 2rem 0 .5rem; font-size: 1.25rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.month { table-layout: fixed; }
table.month td { height: 7.5rem; }
table.month td.out { background: #f6f8fa; }
.day { font-weight: 600; color: var(--muted); }
.month ul { list-style: none; margin: .25rem 0 0; padding: 0; }
.month li { margin: 0 0 .35rem; padding: .15rem .3rem; border-left: 4px solid var(--line); background: #f6f8fa; font-size: .85rem; }
.month li small { display: block; color: var(--muted); }
.st-published { border-color: var(--pub) !important; } .st-published .mark { color: var(--pub); }
.st-scheduled { border-color: var(--sch) !important; } .st-scheduled .mark { color: var(--sch); }
.st-failed { border-color: var(--fail) !important; } .st-failed .mark { color: var(--fail); }
.st-draft { border-color: var(--draft) !important; } .st-draft .mark { color: var(--draft); }
.st-pending { border-color: var(--pend) !important; } .st-pending .mark { color: var(--pend); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.legend span { margin-right: 1rem; }
figure { margin: 0; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .line { fill: none; stroke: var(--chart); stroke-width: 3; }
svg .dot { fill: var(--chart); }
svg text { font-size: 12px; fill: var(--muted); }
label { margin-right: .5rem; }
table.heat { table-layout: fixed; font-size: 11px; }
table.heat td { width: 2.2em; height: 1.8em; text-align: center; padding: 0; }
table.heat .h0 { background: #f6f8fa; }
table.heat .h1 { background: #dbe9f7; }
table.heat .h2 { background: #9cc3ea; }
table.heat .h3 { background: #4f94d4; color: #fff; }
table.heat .h4 { background: #0b5cad; color: #fff; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="meta">Written {{.Now}}. Times in {{.Zone}}.</p>
<nav aria-label="Sections"><a href="#month">Month</a><a href="#chart">Over time</a><a href="#list">List</a><a href="#engagement">Engagement</a><a href="#best-times">Best times</a></nav>
</header>
<main>
<section id="month" aria-labelledby="month-h">
<h2 id="month-h">{{.Month}}</h2>
<p class="legend">{{range .Statuses}}<span class="st-{{.}}"><span class="mark" aria-hidden="true">{{index $.Marks .}}</span> {{.}}</span>{{end}}</p>
<table class="month">
<caption>Posts in {{.Month}}, weeks starting on Monday</caption>
<thead><tr><th scope="col">Mon</th><th scope="col">Tue</th><th scope="col">Wed</th><th scope="col">Thu</th><th scope="col">Fri</th><th scope="col">Sat</th><th scope="col">Sun</th></tr></thead>
<tbody>
{{range .Weeks}}<tr>{{range .}}{{if .Day}}<td data-date="{{.Date}}"><span class="day">{{.Day}}</span>{{if .Posts}}<ul>{{range .Posts}}<li class="st-{{.Status}}"><time>{{.Time}}</time> <span class="mark" aria-hidden="true">{{.Mark}}</span><span class="sr">{{.Status}}:</span> {{.Name}}<small>{{range $i, $t := .Targets}}{{if $i}}, {{end}}{{$t}}{{end}}</small></li>{{end}}</ul>{{end}}</td>{{else}}<td class="out"></td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table>
</section>
<section id="chart" aria-labelledby="chart-h">
<h2 id="chart-h">Engagement over time</h2>
<figure>
{{with .Chart}}{{if .Path}}<svg id="chart-svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="chart-title chart-desc">
<title id="chart-title">Interactions across all posts, at each metrics sync</title>
<desc id="chart-desc">{{.Summary}}</desc>
{{range .YTicks}}<line class="grid" x1="56" x2="740" y1="{{.Pos}}" y2="{{.Pos}}"/><text x="50" y="{{.Pos}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{end}}<line class="axis" x1="56" x2="56" y1="16" y2="220"/><line class="axis" x1="56" x2="740" y1="220" y2="220"/>
{{range .XTicks}}<text x="{{.Pos}}" y="240" text-anchor="middle">{{.Label}}</text>
{{end}}<path class="line" d="{{.Path}}"/>
{{range .Dots}}<circle class="dot" cx="{{.X}}" cy="{{.Y}}" r="4"><title>{{.Label}}</title></circle>
{{end}}</svg>{{end}}
<figcaption>{{.Summary}}</figcaption>
{{if .Rows}}<table>
<caption>The chart's numbers: engagement across all posts at each sync</caption>
<thead><tr><th scope="col">Synced</th><th scope="col" class="num">Interactions</th><th scope="col" class="num">Impressions</th></tr></thead>
<tbody>
{{range .Rows}}<tr><th scope="row">{{.When}}</th><td class="num">{{.Interactions}}</td><td class="num">{{.Impressions}}</td></tr>
{{end}}</tbody>
</table>{{end}}{{end}}
</figure>
</section>
<section id="list" aria-labelledby="list-h">
<h2 id="list-h">Every target</h2>
<p><label for="filter">Show</label><select id="filter"><option value="">all statuses</option>{{range .Statuses}}<option value="{{.}}">{{.}}</option>{{end}}</select> <span id="shown" aria-live="polite"></span></p>
<table id="targets">
<caption>Each target of each post, with its status and public URLs</caption>
<thead><tr><th scope="col">When</th><th scope="col">Post</th><th scope="col">Campaign</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">URL or reason</th></tr></thead>
<tbody>
{{range .List}}<tr data-status="{{.Bucket}}"><td>{{.When}}</td><th scope="row">{{.Name}}</th><td>{{.Campaign}}</td><td>{{.Target}}</td><td class="st-{{.Bucket}}"><span class="mark" aria-hidden="true">{{index $.Marks .Bucket}}</span> {{.Status}}</td><td>{{range .URLs}}<a href="{{.}}">{{.}}</a> {{end}}{{.Error}}</td></tr>
{{end}}</tbody>
</table>
</section>
<section id="engagement" aria-labelledby="eng-h">
<h2 id="eng-h">Engagement per post</h2>
{{if .Report.Posts}}<table>
<caption>Latest metrics of each published post, summed over its targets; – means no target gives that metric</caption>
<thead><tr><th scope="col">Post</th><th scope="col" class="num">Targets</th><th scope="col" class="num">Likes</th><th scope="col" class="num">Reposts</th><th scope="col" class="num">Replies</th><th scope="col" class="num">Quotes</th><th scope="col" class="num">Impressions</th><th scope="col" class="num">Clicks</th><th scope="col" class="num">Saves</th></tr></thead>
<tbody>
{{range .Report.Posts}}<tr><th scope="row">{{.Title}}</th><td class="num">{{.Targets}}</td><td class="num">{{metric .Likes}}</td><td class="num">{{metric .Reposts}}</td><td class="num">{{metric .Replies}}</td><td class="num">{{metric .Quotes}}</td><td class="num">{{metric .Impressions}}</td><td class="num">{{metric .Clicks}}</td><td class="num">{{metric .Saves}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p>No post has been published yet.</p>{{end}}
</section>
<section id="best-times" aria-labelledby="best-h">
<h2 id="best-h">Best times</h2>
{{range .Heat}}<table class="heat" data-account="{{.Account}}">
<caption>{{.Account}}: interactions a post by the weekday and hour it was published ({{.Posts}}); a cell shows its posts, darker is better. {{.Suggest}}</caption>
<thead><tr><th scope="col"></th>{{range $h, $c := (index .Rows 0).Cells}}<th scope="col">{{$h}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr><th scope="row">{{.Day}}</th>{{range .Cells}}<td class="h{{.Shade}}"{{if .Posts}} title="{{.Posts}} posts, {{.Mean}} interactions a post"{{end}}>{{if .Posts}}{{.Posts}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{else}}<p>No published post has metrics yet: run herald sync.</p>{{end}}
</section>
</main>
<script>
(function () {
  "use strict";
  var filter = document.getElementById("filter");
  var rows = document.querySelectorAll("#targets tbody tr");
  var shown = document.getElementById("shown");
  function apply() {
    var want = filter.value, n = 0;
    rows.forEach(function (r) {
      var show = want === "" || r.getAttribute("data-status") === want;
      r.hidden = !show;
      if (show) { n++; }
    });
    shown.textContent = n + " of " + rows.length + " targets";
  }
  filter.addEventListener("change", apply);
  apply();
})();
</script>
</body>
</html>
`
