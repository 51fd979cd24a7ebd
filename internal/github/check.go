package github

import (
	"context"
	"errors"
	"fmt"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// Check is a completed check run: a line in the pull request's checks
// that reviewers see without opening the comment.
type Check struct {
	Name    string // "herald plan"
	HeadSHA string // the pull request's head commit
	// Conclusion is "success", "neutral" (something to look at) or
	// "failure".
	Conclusion string
	Title      string // one line
	Summary    string // Markdown, at most MaxComment characters
	At         time.Time
}

// CreateCheck records a completed check run on the head commit. It needs
// the checks: write permission; a read-only token gives ErrReadOnly.
func (c *Client) CreateCheck(ctx context.Context, ch Check) (int64, error) {
	if ch.HeadSHA == "" {
		return 0, errors.New("create check: no head commit")
	}
	at := gh.Timestamp{Time: ch.At.UTC()}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, gh.CreateCheckRunOptions{
		Name:        ch.Name,
		HeadSHA:     ch.HeadSHA,
		Status:      gh.String("completed"),
		Conclusion:  gh.String(ch.Conclusion),
		CompletedAt: &at,
		Output:      &gh.CheckRunOutput{Title: gh.String(ch.Title), Summary: gh.String(ch.Summary)},
	})
	if err != nil {
		return 0, fmt.Errorf("create check: %w", readOnly(err))
	}
	return run.GetID(), nil
}
