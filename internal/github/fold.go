package github

import (
	"fmt"
	"regexp"
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

// Post is the block of one post the pull request changes: its heading,
// what each target will do and the change in the text (always shown),
// and previews folded under it, the last thing a shortened comment
// gives up.
type Post struct {
	Heading  string
	Body     string
	Previews []Section
}

// Others is what the repository would do now that the pull request does
// not change (late, scheduled, drift elsewhere): one folded, counted
// section at the end, the first thing a shortened comment gives up.
type Others struct {
	Summary string   // the section's one line, with counts
	Table   []string // the Markdown table, header first
}

// Comment is a plan comment in parts, so that Render can drop the least
// useful parts first when the whole does not fit.
type Comment struct {
	// Commit is the commit the plan describes, kept in a hidden line so
	// that a later run can say the comment is out of date.
	Commit string
	Title  string
	// Lead is one sentence per post the pull request adds, edits,
	// deletes or renames.
	Lead []string
	// Approvals is a line per account that needs its approvers' approval
	// for this pull request, and whether it has it.
	Approvals []string
	Posts     []Post
	Others    Others
	Footer    string
}

// commitLine is the hidden line that names the commit a comment's plan
// describes.
const commitLine = "<!-- herald-plan-commit: %s -->"

// Hidden markers around the last valid plan kept in an invalid push's
// comment.
const (
	lastPlanStart = "<!-- herald-last-plan -->"
	lastPlanEnd   = "<!-- /herald-last-plan -->"
	invalidMark   = "<!-- herald-plan-invalid -->"
)

var commitRE = regexp.MustCompile(`<!-- herald-plan-commit: ([0-9a-f]*) -->`)

// Render returns the comment's Markdown, Marker first, in at most limit
// characters. When the whole does not fit it gives up, in order: the
// table of everything else the repository would do; the previews of the
// pull request's own posts, the longest first; and last cuts the
// comment at the limit. It says in the comment what it left out; notes
// repeats that for the log.
func (c *Comment) Render(limit int) (body string, notes []string) {
	var r renderer
	if s := c.render(r); fits(s, limit) {
		return s, nil
	}
	r.collapseOthers = true
	var note []string
	if c.Others.Summary != "" {
		note = append(note, "the list of what the repository would do besides this pull request's posts (run `herald plan` for it)")
	}
	if len(note) > 0 {
		r.note = c.notes(r, limit, note)[0]
	}
	if s := c.render(r); fits(s, limit) {
		return s, c.notes(r, limit, note)
	}
	type ref struct{ post, preview, size int }
	var order []ref
	for i, p := range c.Posts {
		for j, s := range p.Previews {
			order = append(order, ref{i, j, len(s.Body)})
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].size > order[b].size })
	r.omit = map[[2]int]bool{}
	for _, o := range order {
		r.omit[[2]int{o.post, o.preview}] = true
		r.note = c.notes(r, limit, note)[0]
		if s := c.render(r); fits(s, limit) {
			return s, []string{r.note}
		}
	}
	r.note = c.notes(r, limit, note)[0]
	s := c.render(r)
	return Cut(s, limit), []string{r.note, "the comment was cut at the limit"}
}

// notes says what r leaves out, as one sentence.
func (c *Comment) notes(r renderer, limit int, parts []string) []string {
	if n := len(r.omit); n > 0 {
		total := 0
		for _, p := range c.Posts {
			total += len(p.Previews)
		}
		parts = append(parts, fmt.Sprintf("%d of %d previews of this pull request's posts (run `herald preview FILE` for them)", n, total))
	}
	if len(parts) == 0 {
		return []string{fmt.Sprintf("This comment is over GitHub's %d-character limit even without its optional parts: it is cut at the limit; run `herald plan` for all of it.", limit)}
	}
	return []string{fmt.Sprintf("Left out to keep this comment under GitHub's %d-character limit: %s.", limit, strings.Join(parts, "; "))}
}

type renderer struct {
	collapseOthers bool
	omit           map[[2]int]bool // [post, preview] left out
	note           string
}

func fits(s string, limit int) bool { return utf8.RuneCountInString(s) <= limit }

func (c *Comment) render(r renderer) string {
	var b strings.Builder
	b.WriteString(Marker + "\n")
	if c.Commit != "" {
		fmt.Fprintf(&b, commitLine+"\n", c.Commit)
	}
	if c.Title != "" {
		b.WriteString(c.Title + "\n\n")
	}
	if r.note != "" {
		b.WriteString("> [!NOTE]\n> " + r.note + "\n\n")
	}
	for _, l := range c.Lead {
		b.WriteString("- " + l + "\n")
	}
	if len(c.Lead) > 0 {
		b.WriteString("\n")
	}
	if len(c.Approvals) > 0 {
		b.WriteString("**Approvals**\n\n")
		for _, l := range c.Approvals {
			b.WriteString("- " + l + "\n")
		}
		b.WriteString("\n")
	}
	for i, p := range c.Posts {
		b.WriteString(p.Heading + "\n\n")
		if p.Body != "" {
			b.WriteString(strings.TrimRight(p.Body, "\n") + "\n\n")
		}
		for j, s := range p.Previews {
			if r.omit[[2]int{i, j}] {
				fmt.Fprintf(&b, "- %s (preview left out)\n\n", s.Summary)
				continue
			}
			fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n", s.Summary, strings.TrimRight(s.Body, "\n"))
		}
	}
	if c.Others.Summary != "" {
		if r.collapseOthers || len(c.Others.Table) == 0 {
			b.WriteString(c.Others.Summary + "\n\n")
		} else {
			fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n", c.Others.Summary, strings.Join(c.Others.Table, "\n"))
		}
	}
	if c.Footer != "" {
		b.WriteString(c.Footer + "\n")
	}
	return b.String()
}

// Cut shortens s to at most limit characters, saying where it was cut.
func Cut(s string, limit int) string {
	if fits(s, limit) {
		return s
	}
	cut := "\n\n…cut here: the rest does not fit in a comment.\n"
	n := limit - utf8.RuneCountInString(cut)
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + cut
		}
		i++
	}
	return s + cut
}

// Invalid is the comment for a push whose content is invalid: its
// problems replace the plan, and the last valid plan (read from prev,
// the comment as it was, if any) stays below them, folded, under a
// banner that says it is out of date at commit. The result fits limit.
func Invalid(commit string, problems []string, prev string, limit int) string {
	var b strings.Builder
	b.WriteString(Marker + "\n")
	fmt.Fprintf(&b, commitLine+"\n", commit)
	b.WriteString(invalidMark + "\n")
	fmt.Fprintf(&b, "### herald plan: the content at %s is invalid\n\n", short(commit))
	fmt.Fprintf(&b, "Nothing is planned or published from this commit. %s to fix:\n\n", countProblems(len(problems)))
	const maxListed = 50
	for i, p := range problems {
		if i == maxListed {
			fmt.Fprintf(&b, "- … and %d more (`herald validate` lists them all)\n", len(problems)-maxListed)
			break
		}
		b.WriteString("- " + p + "\n")
	}
	b.WriteString("\n")
	last, lastCommit := LastPlan(prev)
	if last == "" {
		return Cut(b.String(), limit)
	}
	fmt.Fprintf(&b, "> [!WARNING]\n> **Out of date at %s.** The plan below describes %s, the last commit whose content was valid, not this one.\n\n",
		short(commit), short(lastCommit))
	head := b.String()
	fold := fmt.Sprintf("<details><summary>The last valid plan, for %s</summary>\n\n%s\n"+commitLine+"\n", short(lastCommit), lastPlanStart, lastCommit)
	tail := "\n" + lastPlanEnd + "\n\n</details>\n"
	room := limit - utf8.RuneCountInString(head+fold+tail)
	if room < 200 {
		return Cut(head, limit)
	}
	return head + fold + Cut(last, room) + tail
}

// LastPlan returns the last valid plan a comment holds and the commit it
// describes: the comment itself when it is a plan, or the plan kept
// below an invalid push's problems. It returns "" when there is none.
func LastPlan(body string) (plan, commit string) {
	if body == "" {
		return "", ""
	}
	if strings.Contains(body, invalidMark) {
		_, rest, ok := strings.Cut(body, lastPlanStart+"\n")
		if !ok {
			return "", ""
		}
		plan, _, _ = strings.Cut(rest, "\n"+lastPlanEnd)
	} else {
		plan = strings.TrimPrefix(body, Marker+"\n")
	}
	if m := commitRE.FindStringSubmatch(plan); m != nil {
		commit = m[1]
		plan = strings.Replace(plan, m[0]+"\n", "", 1)
	}
	return plan, commit
}

func short(sha string) string {
	if len(sha) > 7 {
		sha = sha[:7]
	}
	if sha == "" {
		return "an unknown commit"
	}
	return "`" + sha + "`"
}

func countProblems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
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
