package threads_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/platforms/threads"
)

// metaAnswer is the part of Meta's error envelope the fake tests check.
type metaAnswer struct {
	Status  int
	Code    int
	Subcode int
	Message string
}

func send(t *testing.T, f *threads.Fake, method, path string, q url.Values, form url.Values) (metaAnswer, map[string]any) {
	t.Helper()
	u := f.APIURL() + "/" + path + "?" + q.Encode()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	a := metaAnswer{Status: resp.StatusCode}
	if e, ok := out["error"].(map[string]any); ok {
		c, _ := e["code"].(float64)
		sub, _ := e["error_subcode"].(float64)
		a.Code, a.Subcode = int(c), int(sub)
		a.Message, _ = e["message"].(string)
	}
	return a, out
}

// TestFakeEnforces: the fake refuses, in Meta's envelope, what Threads
// refuses.
func TestFakeEnforces(t *testing.T) {
	const uid = "17841400000000001"
	tok := url.Values{"access_token": {"threads-token-0"}}
	sixLinks := "https://a.example https://b.example https://c.example https://d.example https://e.example www.f.example"
	tests := []struct {
		name   string
		opts   threads.FakeOptions
		method string
		path   string
		q      url.Values
		form   url.Values
		want   metaAnswer
	}{
		{"text over 500", threads.FakeOptions{}, "POST", uid + "/threads", tok,
			url.Values{"media_type": {"TEXT"}, "text": {strings.Repeat("a", 501)}}, metaAnswer{400, 100, 0, "Param text must be at most 500 characters long."}},
		{"emoji counted as bytes", threads.FakeOptions{}, "POST", uid + "/threads", tok,
			url.Values{"media_type": {"TEXT"}, "text": {strings.Repeat("😀", 126)}}, metaAnswer{400, 100, 0, "Param text must be at most 500 characters long."}},
		{"six links", threads.FakeOptions{}, "POST", uid + "/threads", tok,
			url.Values{"media_type": {"TEXT"}, "text": {sixLinks}}, metaAnswer{400, 100, 0, "THREADS_API__LINK_LIMIT_EXCEEDED: the post contains 6 links; at most 5 are allowed."}},
		{"carousel of one", threads.FakeOptions{}, "POST", uid + "/threads", tok,
			url.Values{"media_type": {"CAROUSEL"}, "children": {"1"}}, metaAnswer{400, 100, 0, "A carousel needs 2 to 20 children."}},
		{"unknown token", threads.FakeOptions{}, "GET", "me", url.Values{"access_token": {"nope"}}, nil,
			metaAnswer{400, 190, 0, "Invalid OAuth access token - Cannot parse access token"}},
		{"publish of an unknown container", threads.FakeOptions{}, "POST", uid + "/threads_publish", tok,
			url.Values{"creation_id": {"999"}}, metaAnswer{400, 100, 33, "Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to missing permissions, or does not support this operation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := threads.NewFake(t, tt.opts)
			got, _ := send(t, f, tt.method, tt.path, tt.q, tt.form)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFakeContainerStates: a container is published only when FINISHED,
// and only once.
func TestFakeContainerStates(t *testing.T) {
	const uid = "17841400000000001"
	tok := url.Values{"access_token": {"threads-token-0"}}
	f := threads.NewFake(t, threads.FakeOptions{ProcessingPolls: 1})
	_, out := send(t, f, "POST", uid+"/threads", tok, url.Values{"media_type": {"TEXT"}, "text": {"hi"}})
	id, _ := out["id"].(string)
	publish := func() metaAnswer {
		a, _ := send(t, f, "POST", uid+"/threads_publish", tok, url.Values{"creation_id": {id}})
		return a
	}
	if got := publish(); got.Code != 9007 {
		t.Errorf("publish while IN_PROGRESS = %+v, want code 9007", got)
	}
	q := url.Values{"access_token": {"threads-token-0"}, "fields": {"status,error_message"}}
	if _, st := send(t, f, "GET", id, q, nil); st["status"] != "FINISHED" {
		t.Errorf("status after one check = %v, want FINISHED", st["status"])
	}
	if got := publish(); got.Status != 200 {
		t.Errorf("publish when FINISHED = %+v, want 200", got)
	}
	if got := publish(); got.Code != 100 || !strings.Contains(got.Message, "PUBLISHED") {
		t.Errorf("second publish = %+v, want a refusal naming PUBLISHED", got)
	}
	_, out = send(t, f, "POST", uid+"/threads", tok, url.Values{"media_type": {"TEXT"}, "text": {"later"}})
	id, _ = out["id"].(string)
	f.ExpireContainers()
	if got := publish(); got.Code != 100 || !strings.Contains(got.Message, "EXPIRED") {
		t.Errorf("publish of an expired container = %+v, want a refusal naming EXPIRED", got)
	}
	if n := len(f.Posts()); n != 1 {
		t.Errorf("fake holds %d posts, want 1", n)
	}
}
