package github

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/platforms/platformtest"
)

// FakeToken is the token Fake accepts. Like the workflow's GITHUB_TOKEN,
// an installation token, it may not read GET /user (403), and GraphQL's
// viewer answers FakeLogin for it.
const FakeToken = "github-fake-token"

// FakeLogin is the identity FakeToken comments as.
const FakeLogin = "github-actions[bot]"

// FakeUserToken is a user's token that Fake also accepts: GET /user
// answers FakeUserLogin, as it does for a personal token, and on a forge
// such as Gitea.
const (
	FakeUserToken = "github-fake-user-token"
	FakeUserLogin = "release-bot"
)

// FakeComment is a comment Fake holds.
type FakeComment struct {
	ID    int64
	PR    int
	Body  string
	Login string // its author
}

// Fake is a contract fake of the part of GitHub's REST API herald uses:
// listing, creating and editing a pull request's comments, and creating
// check runs, under a
// non-root base path. It checks the method, path, bearer token, API
// version header and JSON body of every request, refuses bodies over
// GitHub's limit with its 422, pages lists with Link headers, and fails
// its reporter on any request it does not expect.
type Fake struct {
	*platformtest.Fake
	r     platformtest.Reporter
	owner string
	repo  string

	mu       sync.Mutex
	comments []FakeComment
	reviews  []FakeReview
	teams    map[string][]string // "org/slug": members
	next     int64
	readOnly bool
	checks   []FakeCheck
}

// FakeCheck is a check run Fake holds.
type FakeCheck struct {
	Name, HeadSHA, Status, Conclusion, Title, Summary string
}

// Checks returns the check runs made, in order.
func (f *Fake) Checks() []FakeCheck {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeCheck(nil), f.checks...)
}

// ReadOnly makes the fake refuse writes with GitHub's 403, as it does the
// read-only token of a pull request from a fork.
func (f *Fake) ReadOnly() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readOnly = true
}

// refused answers a write with 403 when the token is read-only.
func (f *Fake) refused(c *platformtest.Call) bool {
	f.mu.Lock()
	ro := f.readOnly
	f.mu.Unlock()
	if ro {
		c.Error(http.StatusForbidden, "forbidden", "Resource not accessible by integration")
	}
	return ro
}

// NewFake starts a Fake for the repository owner/name that lives until
// r's cleanups run.
func NewFake(r platformtest.Reporter, owner, name string) *Fake {
	r.Helper()
	f := &Fake{r: r, owner: owner, repo: name, next: 1000}
	f.Fake = platformtest.New(r, platformtest.Config{
		Platform: "github",
		BasePath: "/api/v3/",
		ErrorBody: func(_ int, _, message string) any {
			return map[string]string{"message": message, "documentation_url": "https://docs.github.com/rest"}
		},
	})
	c := platformtest.Contract{
		Auth:   "Bearer " + FakeToken,
		Auths:  []string{"Bearer " + FakeUserToken},
		Header: map[string]string{"X-GitHub-Api-Version": "2022-11-28"},
	}
	write := c
	write.ContentType = "application/json"
	write.Required = []string{"body"}
	write.Limits = []platformtest.Limit{{Path: "body", Max: 65536}}
	f.Handle("GET /repos/{owner}/{repo}/issues/{number}/comments", c, f.list)
	f.Handle("POST /repos/{owner}/{repo}/issues/{number}/comments", write, f.create)
	f.Handle("PATCH /repos/{owner}/{repo}/issues/comments/{id}", write, f.edit)
	check := c
	check.ContentType = "application/json"
	check.Required = []string{"name", "head_sha", "status", "conclusion", "completed_at", "output.title", "output.summary"}
	check.Limits = []platformtest.Limit{{Path: "output.summary", Max: 65535}, {Path: "output.title", Max: 1000}}
	f.Handle("POST /repos/{owner}/{repo}/check-runs", check, f.check)
	f.Handle("GET /user", c, f.user)
	f.Handle("GET /repos/{owner}/{repo}/pulls/{number}/reviews", c, f.listReviews)
	f.Handle("GET /orgs/{org}/teams/{slug}/members", c, f.teamMembers)
	gql := c
	gql.ContentType = "application/json"
	gql.Required = []string{"query"}
	f.HandleRoot("POST /api/graphql", gql, f.graphql)
	return f
}

// FakeReview is a pull request review Fake holds.
type FakeReview struct {
	PR    int
	Login string
	State string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
}

// Review adds a review of pr by login, as GitHub lists them: in the
// order they were made.
func (f *Fake) Review(pr int, login, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reviews = append(f.reviews, FakeReview{PR: pr, Login: login, State: state})
}

// Team makes org/slug a team with members, which the installation token
// (FakeToken) may not read, as the workflow's GITHUB_TOKEN may not.
func (f *Fake) Team(org, slug string, members ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.teams == nil {
		f.teams = map[string][]string{}
	}
	f.teams[org+"/"+slug] = members
}

func (f *Fake) listReviews(c *platformtest.Call) {
	if !f.repoOK(c) {
		return
	}
	pr, ok := f.number(c, "number")
	if !ok {
		return
	}
	f.mu.Lock()
	out := []map[string]any{}
	for i, r := range f.reviews {
		if r.PR == int(pr) {
			out = append(out, map[string]any{"id": i + 1, "state": r.State, "user": map[string]any{"login": r.Login, "type": userType(r.Login)}})
		}
	}
	f.mu.Unlock()
	c.Reply(http.StatusOK, out)
}

func (f *Fake) teamMembers(c *platformtest.Call) {
	if login(c) == FakeLogin {
		c.Error(http.StatusForbidden, "forbidden", "Resource not accessible by integration")
		return
	}
	f.mu.Lock()
	members, ok := f.teams[c.R.PathValue("org")+"/"+c.R.PathValue("slug")]
	f.mu.Unlock()
	if !ok {
		c.Error(http.StatusNotFound, "not_found", "Not Found")
		return
	}
	out := []map[string]any{}
	for _, m := range members {
		out = append(out, map[string]any{"login": m, "type": "User"})
	}
	c.Reply(http.StatusOK, out)
}

// login is the identity of the call's token.
func login(c *platformtest.Call) string {
	if c.R.Header.Get("Authorization") == "Bearer "+FakeUserToken {
		return FakeUserLogin
	}
	return FakeLogin
}

// user answers GET /user as GitHub does: a user's token reads itself, an
// installation token is refused.
func (f *Fake) user(c *platformtest.Call) {
	if login(c) == FakeLogin {
		c.Error(http.StatusForbidden, "forbidden", "Resource not accessible by integration")
		return
	}
	c.Reply(http.StatusOK, map[string]any{"login": FakeUserLogin, "id": 7, "type": "User"})
}

// graphql answers the one query herald sends: the viewer's login.
func (f *Fake) graphql(c *platformtest.Call) {
	q := strings.Join(strings.Fields(c.String("query")), " ")
	if q != "query { viewer { login } }" {
		f.r.Errorf("github fake: unexpected GraphQL query %q", q)
		c.Reply(http.StatusOK, map[string]any{"errors": []map[string]string{{"message": "unexpected query"}}})
		return
	}
	c.Reply(http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]string{"login": login(c)}}})
}

// Seed adds a comment to pr as the user login would, so tests can show
// that herald leaves other comments alone.
func (f *Fake) Seed(pr int, login, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	f.comments = append(f.comments, FakeComment{ID: f.next, PR: pr, Body: body, Login: login})
	return f.next
}

// Comments returns pr's comments in the order they were made.
func (f *Fake) Comments(pr int) []FakeComment {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FakeComment
	for _, c := range f.comments {
		if c.PR == pr {
			out = append(out, c)
		}
	}
	return out
}

func (f *Fake) repoOK(c *platformtest.Call) bool {
	if c.R.PathValue("owner") != f.owner || c.R.PathValue("repo") != f.repo {
		f.r.Errorf("github fake: request for another repository: %s %s", c.R.Method, c.R.URL.Path)
		c.Error(http.StatusNotFound, "not_found", "Not Found")
		return false
	}
	return true
}

func (f *Fake) number(c *platformtest.Call, name string) (int64, bool) {
	n, err := strconv.ParseInt(c.R.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		f.r.Errorf("github fake: bad %s in %s", name, c.R.URL.Path)
		c.Error(http.StatusNotFound, "not_found", "Not Found")
		return 0, false
	}
	return n, true
}

func (f *Fake) list(c *platformtest.Call) {
	if !f.repoOK(c) {
		return
	}
	pr, ok := f.number(c, "number")
	if !ok {
		return
	}
	q := c.R.URL.Query()
	per, page := atoiOr(q.Get("per_page"), 30), atoiOr(q.Get("page"), 1)
	if per > 100 {
		per = 100
	}
	all := f.Comments(int(pr))
	start := min((page-1)*per, len(all))
	end := min(start+per, len(all))
	if end < len(all) {
		u := url.URL{Scheme: "http", Host: c.R.Host, Path: c.R.URL.Path}
		next := url.Values{"per_page": {strconv.Itoa(per)}, "page": {strconv.Itoa(page + 1)}}
		u.RawQuery = next.Encode()
		c.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	out := []map[string]any{}
	for _, cm := range all[start:end] {
		out = append(out, f.json(cm))
	}
	c.Reply(http.StatusOK, out)
}

func (f *Fake) create(c *platformtest.Call) {
	if !f.repoOK(c) || f.refused(c) {
		return
	}
	pr, ok := f.number(c, "number")
	if !ok {
		return
	}
	if extra := unknownKeys(c.JSON, "body"); extra != "" {
		f.r.Errorf("github fake: unexpected field %s in a comment", extra)
	}
	f.mu.Lock()
	f.next++
	cm := FakeComment{ID: f.next, PR: int(pr), Body: c.String("body"), Login: login(c)}
	f.comments = append(f.comments, cm)
	f.mu.Unlock()
	c.Reply(http.StatusCreated, f.json(cm))
}

func (f *Fake) edit(c *platformtest.Call) {
	if !f.repoOK(c) || f.refused(c) {
		return
	}
	id, ok := f.number(c, "id")
	if !ok {
		return
	}
	if extra := unknownKeys(c.JSON, "body"); extra != "" {
		f.r.Errorf("github fake: unexpected field %s in a comment", extra)
	}
	f.mu.Lock()
	var found *FakeComment
	foreign := false
	for i := range f.comments {
		if f.comments[i].ID == id {
			found = &f.comments[i]
			if foreign = found.Login != login(c); !foreign {
				found.Body = c.String("body")
			}
		}
	}
	var cm FakeComment
	if found != nil {
		cm = *found
	}
	f.mu.Unlock()
	if foreign {
		// GitHub lets a repository's writers edit any comment: the fake
		// refuses, so that a test sees herald try.
		f.r.Errorf("github fake: %s edited comment %d, written by %s", login(c), id, cm.Login)
		c.Error(http.StatusForbidden, "forbidden", "the fake refuses edits of another's comment")
		return
	}
	if found == nil {
		f.r.Errorf("github fake: edit of comment %d, which does not exist", id)
		c.Error(http.StatusNotFound, "not_found", "Not Found")
		return
	}
	c.Reply(http.StatusOK, f.json(cm))
}

func (f *Fake) check(c *platformtest.Call) {
	if !f.repoOK(c) || f.refused(c) {
		return
	}
	ch := FakeCheck{Name: c.String("name"), HeadSHA: c.String("head_sha"), Status: c.String("status"),
		Conclusion: c.String("conclusion"), Title: c.String("output.title"), Summary: c.String("output.summary")}
	switch ch.Conclusion {
	case "success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required":
	default:
		c.Error(http.StatusUnprocessableEntity, "invalid", "Invalid request: conclusion "+ch.Conclusion)
		f.r.Errorf("github fake: check run with conclusion %q", ch.Conclusion)
		return
	}
	if _, err := time.Parse(time.RFC3339, c.String("completed_at")); err != nil {
		c.Error(http.StatusUnprocessableEntity, "invalid", "Invalid request: completed_at")
		f.r.Errorf("github fake: completed_at %q is not ISO 8601", c.String("completed_at"))
		return
	}
	f.mu.Lock()
	f.next++
	id := f.next
	f.checks = append(f.checks, ch)
	f.mu.Unlock()
	c.Reply(http.StatusCreated, map[string]any{"id": id, "name": ch.Name, "head_sha": ch.HeadSHA, "status": ch.Status, "conclusion": ch.Conclusion})
}

func (f *Fake) json(cm FakeComment) map[string]any {
	return map[string]any{
		"id":         cm.ID,
		"body":       cm.Body,
		"html_url":   fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", f.owner, f.repo, cm.PR, cm.ID),
		"user":       map[string]any{"login": cm.Login, "type": userType(cm.Login)},
		"created_at": time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC).Format(time.RFC3339),
	}
}

func userType(login string) string {
	if strings.HasSuffix(login, "[bot]") {
		return "Bot"
	}
	return "User"
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

func unknownKeys(m map[string]any, allowed ...string) string {
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return k
		}
	}
	return ""
}
