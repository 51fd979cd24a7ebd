package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"

	ghub "github.com/heraldhq/herald/internal/github"
	"github.com/heraldhq/herald/reconcile"
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
	c, err := ghub.NewClient(&http.Client{Timeout: 30 * time.Second}, e.getenv("GITHUB_API_URL"), e.getenv("GITHUB_TOKEN"), e.getenv("GITHUB_REPOSITORY"))
	if err != nil {
		return nil, err
	}
	c.SetGraphQL(e.getenv("GITHUB_GRAPHQL_URL"))
	return c, nil
}

// readOnlyWarning prints a workflow warning for a write a read-only token
// was refused (a fork's pull request): the plan stands in the log and the
// job summary, and the run does not fail for want of a comment.
func readOnlyWarning(e *env, what string, err error) {
	fmt.Fprintf(e.stdout, "::warning title=herald plan::no plan %s: %s\n", what, escapeData(err.Error()))
}

// commentPR is the pull request to comment on: pr, else the event's.
func commentPR(e *env, pr int) (int, error) {
	if pr != 0 {
		return pr, nil
	}
	data, err := readEvent(e)
	if err != nil {
		return 0, err
	}
	if data == nil {
		return 0, usagef("--comment: no pull request: pass --pr N, or run in a pull_request workflow (GITHUB_EVENT_PATH)")
	}
	return ghub.PullRequest(data)
}

// headCommit is the commit the pull request's comment describes: the
// event's head commit, else GITHUB_SHA, else the commit read.
func headCommit(e *env, read string) string {
	if data, err := readEvent(e); err == nil && data != nil {
		if sha, err := ghub.HeadSHA(data); err == nil {
			return sha
		}
	}
	if sha := e.getenv("GITHUB_SHA"); sha != "" {
		return sha
	}
	return read
}

// pullReviews is how the comment reads the pull request's approvals:
// nil, with no error, when no account names approvers or the run is not
// a pull request's.
func pullReviews(e *env, pl *planned, wanted bool, pr int) (reviewReader, int, error) {
	if !wanted {
		return nil, 0, nil
	}
	needed := false
	for _, a := range pl.repo.Config.Accounts {
		needed = needed || len(a.Approvers) > 0
	}
	if !needed {
		return nil, 0, nil
	}
	pr, err := commentPR(e, pr)
	if err != nil {
		// No pull request (a push's check run): no review to read, and
		// nothing waits for one.
		e.log.Info("approvers not checked: not a pull request", "reason", err.Error())
		return nil, 0, nil
	}
	c, err := githubClient(e)
	if err != nil {
		return nil, 0, fmt.Errorf("approvers: %w", err)
	}
	return c, pr, nil
}

// postComment makes body(previous) the pull request's sticky comment,
// where previous is herald's comment as it was ("" when there is none).
// Only a comment the token's own identity wrote is edited: another's
// comment that carries the marker is left alone. The repository, token,
// API and pull request come from the Actions environment; pr overrides
// the event's number.
func postComment(ctx context.Context, e *env, pr int, body func(previous string) string) error {
	pr, err := commentPR(e, pr)
	if err != nil {
		return err
	}
	c, err := githubClient(e)
	if err != nil {
		return fmt.Errorf("comment: %w", err)
	}
	found, err := c.FindComment(ctx, pr)
	if err != nil {
		return fmt.Errorf("comment: %w", err)
	}
	if found.Foreign > 0 {
		e.log.Warn("plan comment: comments by others carry herald's marker; they are left alone", "pull_request", pr, "count", found.Foreign, "herald_comments_as", found.Login)
	}
	up, err := c.WriteComment(ctx, pr, found.ID, body(found.Body))
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
//
// An account that waits for its approvers fails the check, which branch
// protection can require.
func postCheck(ctx context.Context, e *env, body string, p *reconcile.Plan, aps []approval) error {
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
	conclusion, title := "success", p.SummaryLine()
	if warnings(p) > 0 {
		conclusion = "neutral"
	}
	if missing := missingApprovals(aps); missing != "" {
		conclusion, title = "failure", missing
	}
	client, err := githubClient(e)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	id, err := client.CreateCheck(ctx, ghub.Check{Name: "herald plan", HeadSHA: sha, Conclusion: conclusion,
		Title: title, Summary: body, At: e.now()})
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

// stateCommit is the newest commit that changed post's state record:
// the commit herald made when it last published or edited the post. It
// returns "" when no commit holds the record.
func (h *history) stateCommit(post string) (string, error) {
	if h == nil {
		return "", errors.New("not a git repository")
	}
	statePath := ".herald/state/" + post + ".json"
	iter, err := h.repo.Log(&git.LogOptions{FileName: &statePath})
	if err != nil {
		return "", err
	}
	defer iter.Close()
	c, err := iter.Next()
	if err != nil {
		return "", nil
	}
	return c.Hash.String(), nil
}
