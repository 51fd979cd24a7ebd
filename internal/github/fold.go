package github

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxComment is the most characters GitHub accepts in a comment body
// (it answers 422 above it), kept one under the documented 65,536.
const MaxComment = 65535

// Section is a folded part of a comment: one line that is always shown,
// and a body shown when a reader unfolds it.
type Section struct {
	Summary string
	Body    string
}

// Comment is a plan comment in parts, so that Render can drop the least
// useful parts first when the whole does not fit.
type Comment struct {
	Title string // the heading line
	// Summary is the plan in one line.
	Summary string
	// Table is the Markdown table of actions, header first; Collapsed
	// replaces it when even without previews the comment is too long.
	Table     []string
	Collapsed string
	Warnings  []string
	Previews  []Section
	Footer    string
}

// Render returns the comment's Markdown, Marker first, in at most limit
// characters. When the whole does not fit it trims previews (the longest
// first, then the last), then collapses the table and the warnings, and says so in the
// comment; notes lists what it trimmed, for the log.
func (c *Comment) Render(limit int) (body string, notes []string) {
	omit := map[int]bool{}
	full := c.render(omit, false, "")
	if utf8.RuneCountInString(full) <= limit {
		return full, nil
	}
	order := make([]int, len(c.Previews))
	for i := range order {
		order[i] = len(order) - 1 - i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(c.Previews[order[a]].Body) > len(c.Previews[order[b]].Body) })
	for _, i := range order {
		omit[i] = true
		note := fmt.Sprintf("%d of %d previews are left out to keep this comment under GitHub's %d-character limit: run `herald preview FILE` to see them.",
			len(omit), len(c.Previews), limit)
		s := c.render(omit, false, note)
		if utf8.RuneCountInString(s) <= limit {
			return s, []string{note}
		}
	}
	note := fmt.Sprintf("The plan is too long for one comment (GitHub's limit is %d characters): previews are left out and the list is collapsed; run `herald plan` or read the job's summary for all of it.", limit)
	s := c.render(omit, true, note)
	if utf8.RuneCountInString(s) <= limit {
		return s, []string{note}
	}
	cut := "\n\n…cut here: the rest does not fit in a comment.\n"
	n := limit - utf8.RuneCountInString(cut)
	i := 0
	for pos := range s {
		if i == n {
			s = s[:pos]
			break
		}
		i++
	}
	return s + cut, []string{note, "the comment was cut at the limit"}
}

func (c *Comment) render(omit map[int]bool, collapse bool, note string) string {
	var b strings.Builder
	b.WriteString(Marker)
	b.WriteString("\n")
	if c.Title != "" {
		b.WriteString(c.Title + "\n\n")
	}
	if c.Summary != "" {
		b.WriteString(c.Summary + "\n\n")
	}
	if note != "" {
		b.WriteString("> [!NOTE]\n> " + note + "\n\n")
	}
	if collapse {
		if c.Collapsed != "" {
			b.WriteString(c.Collapsed + "\n\n")
		}
	} else if len(c.Table) > 0 {
		b.WriteString(strings.Join(c.Table, "\n") + "\n\n")
	}
	if len(c.Warnings) > 0 {
		if collapse {
			fmt.Fprintf(&b, "**Warnings:** %d, listed by `herald plan`.\n\n", len(c.Warnings))
		} else {
			b.WriteString("**Warnings**\n\n")
			for _, w := range c.Warnings {
				b.WriteString("- " + w + "\n")
			}
			b.WriteString("\n")
		}
	}
	if len(c.Previews) > 0 && !collapse {
		b.WriteString("**Previews**\n\n")
		for i, p := range c.Previews {
			if !omit[i] {
				fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n", p.Summary, strings.TrimRight(p.Body, "\n"))
			} else {
				fmt.Fprintf(&b, "- %s (preview left out)\n", p.Summary)
			}
		}
		if len(omit) > 0 {
			b.WriteString("\n")
		}
	}
	if c.Footer != "" {
		b.WriteString(c.Footer + "\n")
	}
	return b.String()
}

// Cell escapes s for a Markdown table cell: pipes and newlines would end
// the cell or the row.
func Cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// Fence returns a code fence longer than any run of backticks in text, so
// that the text shows exactly as it is.
func Fence(text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
