package github

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLiveForge runs the comment client against a real forge whose
// comments API matches GitHub's: a Gitea server (../shared/peers/gitea.sh
// start prints its URL and an admin's token). It is opt-in:
//
//	HERALD_LIVE_GITEA_URL=http://127.0.0.1:18300 HERALD_LIVE_GITEA_TOKEN=... go test ./internal/github -run Live
//
// It makes a repository with a pull request, has a second user leave a
// comment that carries herald's marker, and shows that herald finds its
// own identity, never takes the other's comment for its own, creates its
// comment once and then edits it.
func TestLiveForge(t *testing.T) {
	base, token := os.Getenv("HERALD_LIVE_GITEA_URL"), os.Getenv("HERALD_LIVE_GITEA_TOKEN")
	if base == "" || token == "" {
		t.Skip("set HERALD_LIVE_GITEA_URL and HERALD_LIVE_GITEA_TOKEN to run against a real Gitea")
	}
	api := strings.TrimSuffix(base, "/") + "/api/v1"
	g := &forge{t: t, api: api}
	me := g.do(token, "GET", "/user", nil)["login"].(string)

	// A second user, with a token of their own.
	suffix := fmt.Sprint(time.Now().UnixNano())
	other := "reviewer" + suffix[len(suffix)-6:]
	g.do(token, "POST", "/admin/users", map[string]any{"username": other, "email": other + "@example.com",
		"password": "Reviewer-Password-123", "must_change_password": false})
	otherToken := g.basic(other, "Reviewer-Password-123", "POST", "/users/"+other+"/tokens",
		map[string]any{"name": "t" + suffix, "scopes": []string{"write:issue", "write:repository", "read:user"}})["sha1"].(string)

	// A repository with a pull request.
	repo := "content" + suffix[len(suffix)-6:]
	g.do(token, "POST", "/user/repos", map[string]any{"name": repo, "auto_init": true, "default_branch": "main"})
	g.do(token, "POST", "/repos/"+me+"/"+repo+"/contents/posts/webinar.md", map[string]any{
		"content": "LS0tCnRvOiBbYmx1ZXNreV0KLS0tCkpvaW4gdXMuCg==", "message": "webinar", "new_branch": "webinar"})
	pr := int(g.do(token, "POST", "/repos/"+me+"/"+repo+"/pulls", map[string]any{"head": "webinar", "base": "main", "title": "Webinar"})["number"].(float64))
	g.do(otherToken, "POST", fmt.Sprintf("/repos/%s/%s/issues/%d/comments", me, repo, pr),
		map[string]any{"body": Marker + "\ncopied from another pull request"})

	c, err := NewClient(nil, api, token, me+"/"+repo)
	if err != nil {
		t.Fatal(err)
	}
	login, err := c.Identity(t.Context())
	if err != nil || login != me {
		t.Fatalf("Identity = %q, %v; want %q", login, err, me)
	}
	found, err := c.FindComment(t.Context(), pr)
	if err != nil {
		t.Fatal(err)
	}
	if found.ID != 0 || found.Foreign != 1 {
		t.Fatalf("FindComment = %+v, want none of herald's and 1 foreign", found)
	}
	first, err := c.UpsertComment(t.Context(), pr, Marker+"\nplan one")
	if err != nil || !first.Created {
		t.Fatalf("first upsert = %+v, %v", first, err)
	}
	second, err := c.UpsertComment(t.Context(), pr, Marker+"\nplan two")
	if err != nil || second.Created || second.ID != first.ID {
		t.Fatalf("second upsert = %+v, %v; want an edit of %d", second, err, first.ID)
	}
	list := g.list(token, fmt.Sprintf("/repos/%s/%s/issues/%d/comments", me, repo, pr))
	var got []string
	for _, cm := range list {
		got = append(got, cm["user"].(map[string]any)["login"].(string)+": "+cm["body"].(string))
	}
	want := []string{other + ": " + Marker + "\ncopied from another pull request", me + ": " + Marker + "\nplan two"}
	if strings.Join(got, "\n---\n") != strings.Join(want, "\n---\n") {
		t.Fatalf("comments on the forge:\n%q\nwant\n%q", got, want)
	}
	t.Logf("Gitea %s: identity %s, foreign marker comment by %s left alone, comment %d created then edited", base, me, other, first.ID)
}

type forge struct {
	t   *testing.T
	api string
}

func (g *forge) request(auth, method, path string, body any) []byte {
	g.t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(g.t.Context(), method, g.api+path, r)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		g.t.Fatalf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	return data
}

func (g *forge) do(token, method, path string, body any) map[string]any {
	g.t.Helper()
	var out map[string]any
	if err := json.Unmarshal(g.request("token "+token, method, path, body), &out); err != nil {
		g.t.Fatal(err)
	}
	return out
}

func (g *forge) basic(user, pass, method, path string, body any) map[string]any {
	g.t.Helper()
	req, _ := http.NewRequest(method, "", nil)
	req.SetBasicAuth(user, pass)
	var out map[string]any
	if err := json.Unmarshal(g.request(req.Header.Get("Authorization"), method, path, body), &out); err != nil {
		g.t.Fatal(err)
	}
	return out
}

func (g *forge) list(token, path string) []map[string]any {
	g.t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(g.request("token "+token, "GET", path, nil), &out); err != nil {
		g.t.Fatal(err)
	}
	return out
}
