package mastodon_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms/mastodon"
)

// post sends a raw request to the fake, as a client other than the
// adapter would, and returns the status and decoded body.
func post(t *testing.T, f *mastodon.Fake, method, path, auth string, body any) (int, map[string]any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.URL()+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("answer %q is not a JSON object: %v", raw, err)
		}
	}
	return resp.StatusCode, out
}

func TestFakeCountsAsMastodon(t *testing.T) {
	const limit = 30
	tests := []struct {
		name, status, spoiler string
		want                  int
	}{
		// 4 + 23 for the URL, however long it is.
		{"long URL counts 23", "See https://example.com/" + strings.Repeat("p", 200), "", http.StatusOK},
		// "@ana " + 24 x's = 29: the domain is not counted.
		{"remote mention counts as @user", "@ana@a-very-long-domain.example.social " + strings.Repeat("x", 24), "", http.StatusOK},
		{"emoji sequence counts 1", strings.Repeat("👩‍👩‍👧", limit), "", http.StatusOK},
		{"one over", strings.Repeat("x", limit+1), "", http.StatusUnprocessableEntity},
		{"content warning counts", strings.Repeat("x", limit-2), "CW!", http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{MaxChars: limit})
			status, body := post(t, f, "POST", "/api/v1/statuses", "Bearer "+mastodon.FakeToken,
				map[string]any{"status": tt.status, "spoiler_text": tt.spoiler})
			if status != tt.want {
				t.Fatalf("status %d (%v), want %d", status, body, tt.want)
			}
			if tt.want == http.StatusUnprocessableEntity {
				want := map[string]any{"error": "Validation failed: Text character limit of 30 exceeded"}
				if diff := cmp.Diff(want, body); diff != "" {
					t.Errorf("error body (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestFakeRefusals(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path, auth string
		body       any
		violation  bool
		wantStatus int
		wantBody   map[string]any
	}{
		{"wrong token", "POST", "/api/v1/statuses", "Bearer nope", map[string]any{"status": "hi"}, true,
			401, map[string]any{"error": "The access token is invalid"}},
		{"blank text", "POST", "/api/v1/statuses", "", map[string]any{"status": "  "}, false,
			422, map[string]any{"error": "Validation failed: Text can't be blank"}},
		{"reply to nothing", "POST", "/api/v1/statuses", "", map[string]any{"status": "hi", "in_reply_to_id": "999"}, false,
			404, map[string]any{"error": "The post you are trying to reply to does not appear to exist."}},
		{"five media", "POST", "/api/v1/statuses", "", map[string]any{"status": "hi", "media_ids": []string{"1", "2", "3", "4", "5"}}, false,
			422, map[string]any{"error": "Cannot attach more than 4 files"}},
		{"edit of a missing status", "PUT", "/api/v1/statuses/42", "", map[string]any{"status": "hi"}, false,
			404, map[string]any{"error": "Record not found"}},
		{"statuses of another account", "GET", "/api/v1/accounts/7/statuses", "", map[string]any{}, false,
			404, map[string]any{"error": "Record not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mastodon.NewFake(t, mastodon.FakeOptions{})
			if tt.violation {
				f.ExpectViolations()
			}
			auth := tt.auth
			if auth == "" {
				auth = "Bearer " + mastodon.FakeToken
			}
			status, body := post(t, f, tt.method, tt.path, auth, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d", status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if got := len(f.Violations()) > 0; got != tt.violation {
				t.Errorf("violations %v, want a violation: %v", f.Violations(), tt.violation)
			}
		})
	}
}

func TestFakeContentHTML(t *testing.T) {
	f := mastodon.NewFake(t, mastodon.FakeOptions{})
	status, body := post(t, f, "POST", "/api/v1/statuses", "Bearer "+mastodon.FakeToken,
		map[string]any{"status": "Hi @ana@example.social <b>\nhttps://example.com/x #Tag\n\nBye"})
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	want := `<p>Hi <span class="h-card" translate="no"><a href="https://social.example/@ana@example.social" class="u-url mention">@<span>ana</span></a></span> &lt;b&gt;<br />` +
		`<a href="https://example.com/x" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="">example.com/x</span><span class="invisible"></span></a> ` +
		`<a href="https://social.example/tags/Tag" class="mention hashtag" rel="tag">#<span>Tag</span></a></p><p>Bye</p>`
	if diff := cmp.Diff(want, body["content"]); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
	if body["text"] != nil {
		t.Errorf("a created status carries text %v; Mastodon sends it only when deleting", body["text"])
	}
}
