package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// Approvals reads who approves pull request pr now: the logins whose
// latest review (comments aside) is an approval. A later "changes
// requested" or a dismissal takes an approval back, as GitHub counts
// them.
func (c *Client) Approvals(ctx context.Context, pr int) (map[string]bool, error) {
	latest := map[string]string{}
	opts := &gh.ListOptions{PerPage: 100}
	for {
		list, resp, err := c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, pr, opts)
		if err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		for _, r := range list {
			state := r.GetState()
			if state == "COMMENTED" || state == "PENDING" {
				continue
			}
			latest[strings.ToLower(r.GetUser().GetLogin())] = state
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	out := map[string]bool{}
	for login, state := range latest {
		if state == "APPROVED" {
			out[login] = true
		}
	}
	return out, nil
}

// ErrTeamUnreadable is returned when the token may not read a team's
// members: the workflow's GITHUB_TOKEN cannot read an organization's
// teams, a token with read:org (or an app with Members: read) can.
var ErrTeamUnreadable = errors.New("the token may not read the team's members (it needs read:org, or an app's Members: read)")

// TeamMembers returns the logins of the team org/slug, lower-cased.
func (c *Client) TeamMembers(ctx context.Context, org, slug string) ([]string, error) {
	var out []string
	opts := &gh.TeamListTeamMembersOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		list, resp, err := c.gh.Teams.ListTeamMembersBySlug(ctx, org, slug, opts)
		if err != nil {
			var re *gh.ErrorResponse
			if errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == http.StatusForbidden || re.Response.StatusCode == http.StatusNotFound) {
				return nil, fmt.Errorf("team @%s/%s: %w", org, slug, ErrTeamUnreadable)
			}
			return nil, fmt.Errorf("team @%s/%s: %w", org, slug, err)
		}
		for _, u := range list {
			out = append(out, strings.ToLower(u.GetLogin()))
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	sort.Strings(out)
	return out, nil
}
