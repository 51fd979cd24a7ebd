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
	gh      *gh.Client
	owner   string
	repo    string
	graphql string // the GraphQL endpoint's URL
	login   string // the token's identity, once known
}

// NewClient returns a Client for the repository "owner/name" at the REST
// API baseURL (GITHUB_API_URL; "" means https://api.github.com), sending
// token as a bearer token. httpClient may be nil. The GraphQL endpoint is
// found from baseURL (GitHub Enterprise's /api/v3 has /api/graphql
// beside it); SetGraphQL sets it as GITHUB_GRAPHQL_URL gives it.
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
	graphql := c.BaseURL.String() + "graphql"
	if base := c.BaseURL.String(); strings.HasSuffix(base, "/api/v3/") {
		graphql = strings.TrimSuffix(base, "v3/") + "graphql"
	}
	return &Client{gh: c, owner: owner, repo: name, graphql: graphql}, nil
}

// SetGraphQL sets the GraphQL endpoint (GITHUB_GRAPHQL_URL); "" keeps the
// one NewClient found.
func (c *Client) SetGraphQL(url string) {
	if url != "" {
		c.graphql = url
	}
}

// Upserted says what UpsertComment did.
type Upserted struct {
	ID      int64
	URL     string
	Created bool // false: an existing comment was edited
}

// Found is herald's comment on a pull request as a run finds it.
type Found struct {
	ID   int64  // 0: herald has not commented yet
	Body string // the comment as it is, for a run that keeps part of it
	// Login is the identity herald comments as.
	Login string
	// Foreign counts comments that carry the marker but were written by
	// someone else: herald never edits them.
	Foreign int
}

// FindComment finds herald's comment on pull request pr: the first
// comment that carries Marker and was written by the token's own
// identity. A comment by anyone else is never taken for herald's, marker
// or not, so herald edits only what it wrote.
func (c *Client) FindComment(ctx context.Context, pr int) (Found, error) {
	login, err := c.Identity(ctx)
	if err != nil {
		return Found{}, err
	}
	f := Found{Login: login}
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		list, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, pr, opts)
		if err != nil {
			return Found{}, fmt.Errorf("list comments: %w", err)
		}
		for _, cm := range list {
			if !strings.HasPrefix(cm.GetBody(), Marker) {
				continue
			}
			if !strings.EqualFold(cm.GetUser().GetLogin(), login) {
				f.Foreign++
				continue
			}
			if f.ID == 0 {
				f.ID, f.Body = cm.GetID(), cm.GetBody()
			}
		}
		if resp.NextPage == 0 {
			return f, nil
		}
		opts.Page = resp.NextPage
	}
}

// WriteComment makes body (which must start with Marker) the text of
// herald's comment on pull request pr: it edits comment id, or creates
// one when id is 0.
func (c *Client) WriteComment(ctx context.Context, pr int, id int64, body string) (Upserted, error) {
	if !strings.HasPrefix(body, Marker) {
		return Upserted{}, errors.New("write comment: the body must start with the marker")
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

// UpsertComment makes body (which must start with Marker) the text of
// herald's comment on pull request pr: it edits herald's own comment
// (FindComment), or creates one when there is none.
func (c *Client) UpsertComment(ctx context.Context, pr int, body string) (Upserted, error) {
	if !strings.HasPrefix(body, Marker) {
		return Upserted{}, errors.New("upsert comment: the body must start with the marker")
	}
	f, err := c.FindComment(ctx, pr)
	if err != nil {
		return Upserted{}, err
	}
	return c.WriteComment(ctx, pr, f.ID, body)
}

// Identity returns the login the token comments as. A user's token
// (and a forge such as Gitea) answers GET /user; an installation token,
// as the workflow's GITHUB_TOKEN is, may not read /user, and is asked
// through GraphQL's viewer, which answers "github-actions[bot]" for it.
// The answer is kept for the client's life.
func (c *Client) Identity(ctx context.Context) (string, error) {
	if c.login != "" {
		return c.login, nil
	}
	u, _, err := c.gh.Users.Get(ctx, "")
	if err == nil && u.GetLogin() != "" {
		c.login = u.GetLogin()
		return c.login, nil
	}
	var re *gh.ErrorResponse
	if err != nil && !(errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden) {
		return "", fmt.Errorf("who is the token: GET /user: %w", err)
	}
	login, gerr := c.viewer(ctx)
	if gerr != nil {
		return "", fmt.Errorf("who is the token: GET /user was refused, and GraphQL's viewer: %w", gerr)
	}
	c.login = login
	return login, nil
}

// viewer asks GitHub's GraphQL API for the token's login.
func (c *Client) viewer(ctx context.Context) (string, error) {
	req, err := c.gh.NewRequest(http.MethodPost, c.graphql, map[string]string{"query": "query { viewer { login } }"})
	if err != nil {
		return "", err
	}
	var out struct {
		Data struct {
			Viewer struct {
				Login string `json:"login"`
			} `json:"viewer"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if _, err := c.gh.Do(ctx, req, &out); err != nil {
		return "", err
	}
	if len(out.Errors) > 0 {
		return "", errors.New(out.Errors[0].Message)
	}
	if out.Data.Viewer.Login == "" {
		return "", errors.New("no login in the answer")
	}
	return out.Data.Viewer.Login, nil
}

// readOnly turns GitHub's 403 into ErrReadOnly.
func readOnly(err error) error {
	var re *gh.ErrorResponse
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %s", ErrReadOnly, re.Message)
	}
	return err
}
