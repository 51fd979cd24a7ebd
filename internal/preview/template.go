package preview

import (
	_ "embed"
	"html/template"
	"io"
	"strconv"
	"strings"
)

var (
	//go:embed templates/page.html
	pageTemplate string
	//go:embed templates/style.css
	styleSheet string
)

// pages holds the index and post templates. The style sheet is inlined
// in each page so that a page opens alone, with nothing to load.
var pages = template.Must(template.New("preview").Funcs(template.FuncMap{
	"css":          func() template.CSS { return template.CSS(styleSheet) },
	"inc":          func(i int) int { return i + 1 },
	"statusClass":  statusClass,
	"errorCount":   func(ps []Problem) string { return countProblems(ps, false) },
	"warningCount": func(ps []Problem) string { return countProblems(ps, true) },
}).Parse(pageTemplate))

// WriteIndex writes the index page: every post, its schedule, and each
// target's status.
func WriteIndex(w io.Writer, site *Site) error {
	return pages.ExecuteTemplate(w, "index", site)
}

// WritePost writes a post's page: a card per target, styled after its
// network.
func WritePost(w io.Writer, site *Site, p *Post) error {
	return pages.ExecuteTemplate(w, "post", struct {
		Source string
		Post   *Post
	}{site.Source, p})
}

// statusClass is the CSS class of a target's status: the state's status
// (published, failed, ...), or "pending" for one not yet acted on.
func statusClass(status string) string {
	if status == "" || strings.Contains(status, " ") {
		return "pending"
	}
	return strings.ToLower(status)
}

func countProblems(ps []Problem, warnings bool) string {
	n := 0
	for _, p := range ps {
		if p.Warning == warnings {
			n++
		}
	}
	switch {
	case n == 0:
		return ""
	case warnings && n == 1:
		return "1 warning"
	case warnings:
		return strconv.Itoa(n) + " warnings"
	case n == 1:
		return "1 error"
	}
	return strconv.Itoa(n) + " errors"
}
