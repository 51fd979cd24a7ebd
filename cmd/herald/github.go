package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"

	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
)

// summaryLimit is how much of the job summary herald fills: GitHub
// accepts 1 MiB per step.
const summaryLimit = 1 << 20

// readEvent reads the Actions event payload GITHUB_EVENT_PATH names, or
// nil when there is none.
func readEvent(e *env) ([]byte, error) {
	path := e.getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return data, nil
}

// githubClient is the REST client the Actions environment describes.
func githubClient(e *env) (*ghub.Client, error) {
	return ghub.NewClient(&http.Client{Timeout: 30 * time.Second}, e.getenv("GITHUB_API_URL"), e.getenv("GITHUB_TOKEN"), e.getenv("GITHUB_REPOSITORY"))
}

// readOnlyWarning prints a workflow warning for a write a read-only token
// was refused (a fork's pull request): the plan stands in the log and the
// job summary, and the run does not fail for want of a comment.
func readOnlyWarning(e *env, what string, err error) {
	fmt.Fprintf(e.stdout, "::warning title=herald plan::no plan %s: %s\n", what, escapeData(err.Error()))
}

// postComment makes the plan the pull request's sticky comment. The
// repository, token, API and pull request come from the Actions
// environment; pr overrides the event's number.
func postComment(ctx context.Context, e *env, body string, pr int) error {
	if pr == 0 {
		data, err := readEvent(e)
		if err != nil {
			return err
		}
		if data == nil {
			return usagef("--comment: no pull request: pass --pr N, or run in a pull_request workflow (GITHUB_EVENT_PATH)")
		}
		if pr, err = ghub.PullRequest(data); err != nil {
			return err
		}
	}
	c, err := githubClient(e)
	if err != nil {
		return fmt.Errorf("comment: %w", err)
	}
	up, err := c.UpsertComment(ctx, pr, body)
	if errors.Is(err, ghub.ErrReadOnly) {
		readOnlyWarning(e, "comment", err)
		return nil
	}
	if err != nil {
		return err
	}
	verb := "updated"
	if up.Created {
		verb = "created"
	}
	e.log.Info("plan comment "+verb, "pull_request", pr, "comment_id", up.ID, "url", up.URL)
	return nil
}

// postCheck records the plan as a completed "herald plan" check run on
// the pull request's head commit (from the event, else GITHUB_SHA):
// neutral when it has warnings, so that reviewers look, success when not.
func postCheck(ctx context.Context, e *env, c *ghub.Comment, body string, p *reconcile.Plan) error {
	sha := ""
	data, err := readEvent(e)
	if err != nil {
		return err
	}
	if data != nil {
		sha, _ = ghub.HeadSHA(data)
	}
	if sha == "" {
		sha = e.getenv("GITHUB_SHA")
	}
	if sha == "" {
		return usagef("--check: no commit: run in a pull_request workflow (GITHUB_EVENT_PATH) or set GITHUB_SHA")
	}
	conclusion := "success"
	if len(c.Warnings) > 0 {
		conclusion = "neutral"
	}
	client, err := githubClient(e)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	id, err := client.CreateCheck(ctx, ghub.Check{Name: "herald plan", HeadSHA: sha, Conclusion: conclusion,
		Title: p.SummaryLine(), Summary: body, At: e.now()})
	if errors.Is(err, ghub.ErrReadOnly) {
		readOnlyWarning(e, "check", err)
		return nil
	}
	if err != nil {
		return err
	}
	e.log.Info("plan check created", "check_id", id, "head_sha", sha, "conclusion", conclusion)
	return nil
}

// reportGitHub writes the plan (and apply's results) where a workflow
// reads them: the plan JSON to planFile, the rendered plan to the job
// summary (GITHUB_STEP_SUMMARY) and the counts to the step outputs
// (GITHUB_OUTPUT). Each is skipped when not asked for.
func reportGitHub(e *env, planFile, summary string, p *reconcile.Plan, res *reconcile.Result) error {
	if planFile != "" {
		var b strings.Builder
		if err := p.WriteJSON(&b); err != nil {
			return err
		}
		if err := os.WriteFile(planFile, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("write plan: %w", err)
		}
	}
	if path := e.getenv("GITHUB_STEP_SUMMARY"); path != "" && summary != "" {
		if err := ghub.AppendSummary(path, summary); err != nil {
			return err
		}
	}
	path := e.getenv("GITHUB_OUTPUT")
	if path == "" {
		return nil
	}
	outs := []ghub.Output{
		{Name: "changes", Value: strconv.Itoa(p.Changes())},
		{Name: "scheduled", Value: strconv.Itoa(p.Summary[reconcile.Scheduled])},
	}
	if res != nil {
		outs = append(outs,
			ghub.Output{Name: "published", Value: strconv.Itoa(res.Count(reconcile.OutPublished))},
			ghub.Output{Name: "failed", Value: strconv.Itoa(res.Count(reconcile.OutFailed) + res.Count(reconcile.OutUnknown))})
	}
	if planFile != "" {
		outs = append(outs, ghub.Output{Name: "plan-json", Value: planFile})
	}
	return ghub.AppendOutputs(path, outs)
}

// applySummary is apply's job summary: the plan's summary line, then what
// became of each action.
func applySummary(p *reconcile.Plan, res *reconcile.Result) string {
	var b strings.Builder
	b.WriteString("### herald apply\n\n" + p.SummaryLine() + "\n")
	if res == nil || len(res.Items) == 0 {
		return b.String()
	}
	b.WriteString("\n| Outcome | Post | Target | Link or detail |\n|---|---|---|---|\n")
	for _, it := range res.Items {
		d := it.URL
		if it.Detail != "" {
			d = strings.TrimSpace(d + " " + it.Detail)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", it.Outcome, ghub.Cell(it.Post), it.Target, ghub.Cell(d))
	}
	return b.String()
}

// previewKinds are the actions whose post a reviewer should read as the
// platform will show it: new or changed content.
var previewKinds = map[reconcile.Kind]bool{
	reconcile.Create: true, reconcile.Update: true, reconcile.Retry: true,
	reconcile.Scheduled: true, reconcile.Late: true, reconcile.Frozen: true, reconcile.Drift: true,
}

// warnKinds are the actions a reviewer must not miss.
var warnKinds = map[reconcile.Kind]bool{
	reconcile.Late: true, reconcile.Frozen: true, reconcile.Drift: true, reconcile.Held: true,
	reconcile.Kept: true, reconcile.Delete: true,
}

// planComment builds the pull request comment for a plan: the table of
// actions, warnings, a folded preview per target of every new or changed
// post, and for published posts that changed or went away, the diff of
// the file as it was published against the pull request's version.
func planComment(e *env, pl *planned, repoDir, base string) (*ghub.Comment, error) {
	p := pl.plan
	zone := pl.repo.Config.Timezone
	if zone == nil {
		zone = time.UTC
	}
	c := &ghub.Comment{
		Title:   fmt.Sprintf("### herald plan at %s", p.Now.In(zone).Format("2006-01-02 15:04 MST")),
		Summary: p.SummaryLine(),
	}
	if sha := e.getenv("GITHUB_SHA"); len(sha) >= 7 {
		c.Footer = fmt.Sprintf("<sub>herald plan for %s; this comment is updated on every push.</sub>", sha[:7])
	}
	var counts []string
	for _, k := range reconcile.Kinds {
		if n := p.Summary[k]; n > 0 && k != reconcile.NoOp {
			counts = append(counts, fmt.Sprintf("%d %s", n, k))
		}
	}
	c.Collapsed = "**Actions:** " + strings.Join(counts, ", ") + "."
	if len(counts) == 0 {
		c.Collapsed = "Nothing to do."
	}
	c.Table = []string{"| | Post | Target | Action | Reason |", "|---|---|---|---|---|"}
	for _, a := range p.Actions {
		if a.Kind == reconcile.NoOp {
			continue
		}
		c.Table = append(c.Table, fmt.Sprintf("| %s | `%s` | %s | **%s** | %s |",
			symbol(a.Kind), ghub.Cell(a.Post), ghub.Cell(a.Target), a.Kind, ghub.Cell(a.Reason)))
		if warnKinds[a.Kind] {
			c.Warnings = append(c.Warnings, fmt.Sprintf("**%s** `%s` → %s: %s", a.Kind, a.Post, a.Target, a.Reason))
		}
	}
	if len(c.Table) == 2 {
		c.Table = nil
	}

	v, err := schema.NewValidator(pl.repo.Config)
	if err != nil {
		return nil, err
	}
	hist := openHistory(repoDir)
	prepared := map[string]*reconcile.Prepared{}
	for _, a := range p.Actions {
		if !previewKinds[a.Kind] && a.Kind != reconcile.Kept && a.Kind != reconcile.Delete {
			continue
		}
		var out *render.Output
		var post *schema.Post
		if a.File != "" && previewKinds[a.Kind] {
			pp := prepared[a.File]
			if pp == nil {
				pp = pl.repo.Prepare(v, a.File)
				prepared[a.File] = pp
			}
			out, post = pp.Output(a.Target), pp.Post
		}
		var b strings.Builder
		if out != nil && post != nil {
			fmt.Fprintf(&b, "Publish: %s\n\n", describeSchedule(pl.repo.Config, post))
			writeMarkdownTarget(&b, post, out)
		}
		if a.Kind == reconcile.Update || a.Kind == reconcile.Drift || a.Kind == reconcile.Kept || a.Kind == reconcile.Delete {
			writeHistoryDiff(&b, hist, pl, a, base)
		}
		if b.Len() == 0 {
			continue
		}
		c.Previews = append(c.Previews, ghub.Section{
			Summary: fmt.Sprintf("%s <code>%s</code> → %s (%s)", symbol(a.Kind), a.Post, a.Target, a.Kind),
			Body:    b.String(),
		})
	}
	return c, nil
}

func symbol(k reconcile.Kind) string {
	switch k {
	case reconcile.Create, reconcile.Retry:
		return "+"
	case reconcile.Update:
		return "~"
	case reconcile.Delete:
		return "-"
	case reconcile.Resolve:
		return "?"
	case reconcile.Move:
		return ">"
	}
	return ""
}

// writeMarkdownTarget is writeTarget for a comment: the exact text of
// every part in a fence, its length against the limit, the media with
// their alt text.
func writeMarkdownTarget(b *strings.Builder, p *schema.Post, o *render.Output) {
	head := o.Target
	if o.Platform != o.Target {
		head += " (" + o.Platform + ")"
	}
	fmt.Fprintf(b, "**%s**: %s\n\n", head, plural(len(o.Parts), "part"))
	if o.Title != "" {
		fmt.Fprintf(b, "Title: %s\n\n", o.Title)
	}
	for i, pt := range o.Parts {
		fence := ghub.Fence(pt.Text)
		fmt.Fprintf(b, "Part %d/%d: %s\n\n%stext\n%s\n%s\n\n", i+1, len(o.Parts), measure(pt, o.Limits), fence, pt.Text, fence)
	}
	for _, m := range p.Media {
		alt := m.Alt
		if alt == "" {
			alt = "(no alt text)"
		}
		fmt.Fprintf(b, "- media `%s` (%s, %s), alt: %s\n", m.Path, m.Type, byteSize(m.Size), ghub.Cell(alt))
	}
	if len(p.Media) > 0 {
		b.WriteString("\n")
	}
}

// history reads earlier versions of the posts from the repository's git
// history; nil when the directory is not a git work tree.
type history struct{ repo *git.Repository }

func openHistory(dir string) *history {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil
	}
	return &history{repo: r}
}

// published returns the post file as it was when its state record last
// changed (the version herald published), else as it is at base.
func (h *history) published(post, file, base string) (string, string, error) {
	if h == nil {
		return "", "", errors.New("not a git repository")
	}
	statePath := ".herald/state/" + post + ".json"
	if iter, err := h.repo.Log(&git.LogOptions{FileName: &statePath}); err == nil {
		c, err := iter.Next()
		iter.Close()
		if err == nil {
			if f, err := c.File(file); err == nil {
				s, err := f.Contents()
				return s, "commit " + c.Hash.String()[:7], err
			}
		}
	}
	if base == "" {
		return "", "", errors.New("no state commit holds the file, and no base branch is known")
	}
	hash, err := h.repo.ResolveRevision(plumbing.Revision(base))
	if err != nil {
		return "", "", fmt.Errorf("resolve %s: %w", base, err)
	}
	c, err := h.repo.CommitObject(*hash)
	if err != nil {
		return "", "", err
	}
	f, err := c.File(file)
	if err != nil {
		return "", "", fmt.Errorf("%s at %s: %w", file, base, err)
	}
	s, err := f.Contents()
	return s, "on " + base, err
}

// writeHistoryDiff shows a published post's file as it was published
// against this version: what an update will change, what drift leaves
// behind, or what a deletion removes.
func writeHistoryDiff(b *strings.Builder, h *history, pl *planned, a reconcile.Action, base string) {
	old, where, err := h.published(a.Post, a.File, base)
	if err != nil {
		fmt.Fprintf(b, "The published version of %s could not be read: %v\n\n", a.File, err)
		return
	}
	now := ""
	if data, err := fs.ReadFile(pl.repo.FS, a.File); err == nil {
		now = string(data)
	}
	if old == now {
		fmt.Fprintf(b, "%s is as it was published (%s).\n\n", a.File, where)
		return
	}
	switch a.Kind {
	case reconcile.Kept, reconcile.Delete:
		fmt.Fprintf(b, "This pull request removes the published post %s: %s\n\n", a.File, a.Reason)
	default:
		fmt.Fprintf(b, "Changes to %s since it was published (%s):\n\n", a.File, where)
	}
	d := unifiedLines(old, now)
	fence := ghub.Fence(d)
	fmt.Fprintf(b, "%sdiff\n%s%s\n\n", fence, d, fence)
}

// unifiedLines is a line diff of a and b, each line marked -, + or space.
func unifiedLines(a, b string) string {
	var out strings.Builder
	for _, d := range diff.Do(a, b) {
		mark := " "
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			mark = "-"
		case diffmatchpatch.DiffInsert:
			mark = "+"
		}
		for _, line := range strings.SplitAfter(d.Text, "\n") {
			if line == "" {
				continue
			}
			out.WriteString(mark + line)
			if !strings.HasSuffix(line, "\n") {
				out.WriteString("\n")
			}
		}
	}
	return out.String()
}
