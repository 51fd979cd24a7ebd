package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// Marker is the hidden HTML comment that identifies herald's plan comment
// on a pull request, so that each run edits the one comment instead of
// adding another.
const Marker = "<!-- herald-plan -->"

// ErrReadOnly is returned when GitHub refuses to write the comment with
// 403: the token may only read, as on a pull request from a fork. The
// caller decides whether that fails the run.
var ErrReadOnly = errors.New("the token may not write to the pull request (a pull request from a fork gets a read-only token)")

// Client posts herald's comments on one repository's pull requests.
type Client struct {
	gh    *gh.Client
	owner string
	repo  string
}

// NewClient returns a Client for the repository "owner/name" at the REST
// API baseURL (GITHUB_API_URL; "" means https://api.github.com), sending
// token as a bearer token. httpClient may be nil.
func NewClient(httpClient *http.Client, baseURL, token, repository string) (*Client, error) {
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("repository %q is not owner/name", repository)
	}
	if token == "" {
		return nil, errors.New("no token: set GITHUB_TOKEN (the workflow's github.token) to comment")
	}
	c := gh.NewClient(httpClient).WithAuthToken(token)
	if baseURL != "" {
		if !strings.HasSuffix(baseURL, "/") {
			baseURL += "/"
		}
		u, err := url.Parse(baseURL)
		if err != nil {
			return nil, fmt.Errorf("parse api url: %w", err)
		}
		c.BaseURL = u
	}
	return &Client{gh: c, owner: owner, repo: name}, nil
}

// Upserted says what UpsertComment did.
type Upserted struct {
	ID      int64
	URL     string
	Created bool // false: an existing comment was edited
}

// UpsertComment makes body (which must start with Marker) the text of
// herald's comment on pull request pr: it edits the first comment that
// carries the marker, or creates one when none does.
func (c *Client) UpsertComment(ctx context.Context, pr int, body string) (Upserted, error) {
	if !strings.HasPrefix(body, Marker) {
		return Upserted{}, errors.New("upsert comment: the body must start with the marker")
	}
	id, err := c.find(ctx, pr)
	if err != nil {
		return Upserted{}, err
	}
	msg := &gh.IssueComment{Body: gh.String(body)}
	if id == 0 {
		got, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, pr, msg)
		if err != nil {
			return Upserted{}, fmt.Errorf("create comment: %w", readOnly(err))
		}
		return Upserted{ID: got.GetID(), URL: got.GetHTMLURL(), Created: true}, nil
	}
	got, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, id, msg)
	if err != nil {
		return Upserted{}, fmt.Errorf("edit comment %d: %w", id, readOnly(err))
	}
	return Upserted{ID: got.GetID(), URL: got.GetHTMLURL()}, nil
}

// find returns the ID of the first comment on pr that carries Marker, or
// 0, reading every page of comments.
func (c *Client) find(ctx context.Context, pr int) (int64, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		list, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, pr, opts)
		if err != nil {
			return 0, fmt.Errorf("list comments: %w", err)
		}
		for _, cm := range list {
			if strings.HasPrefix(cm.GetBody(), Marker) {
				return cm.GetID(), nil
			}
		}
		if resp.NextPage == 0 {
			return 0, nil
		}
		opts.Page = resp.NextPage
	}
}

// readOnly turns GitHub's 403 into ErrReadOnly.
func readOnly(err error) error {
	var re *gh.ErrorResponse
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %s", ErrReadOnly, re.Message)
	}
	return err
}
