package platformtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/schema"
)

// RequestLog is a transport that keeps every request's method, path,
// sorted query and body (JSON indented, anything else as its size and
// type), so that a golden file holds exactly what a platform receives.
type RequestLog struct {
	Next http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

// RoundTrip records req and sends it on through Next.
func (r *RequestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	line := req.Method + " " + req.URL.Path
	if q := req.URL.Query(); len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+q.Get(k))
		}
		line += "?" + strings.Join(parts, "&")
	}
	entry := line + "\n"
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		var v any
		if json.Unmarshal(body, &v) == nil {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			enc.Encode(v)
			entry += b.String()
		}
	} else if len(body) > 0 {
		entry += fmt.Sprintf("(%d bytes of %s)\n", len(body), strings.SplitN(req.Header.Get("Content-Type"), ";", 2)[0])
	}
	if cd := req.Header.Get("Content-Disposition"); cd != "" {
		entry += "Content-Disposition: " + cd + "\n"
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, entry)
	r.mu.Unlock()
	return r.Next.RoundTrip(req)
}

// String is every request recorded so far, a blank line between two.
func (r *RequestLog) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.reqs, "\n")
}

// PayloadFromMarkdown parses a post file with the given configuration
// (herald.yaml's text), renders it for target, and builds the payload the
// reconciler would send, so that an adapter's test starts from a post as
// a writer would write it.
func PayloadFromMarkdown(t testing.TB, config, post, target string) *platforms.Payload {
	t.Helper()
	cfg, err := schema.LoadConfig(fstest.MapFS{"herald.yaml": {Data: []byte(config)}})
	if err != nil {
		t.Fatal(err)
	}
	p, errs := schema.ParsePost(cfg, "posts/p.md", []byte(post))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	acct := cfg.Accounts[target]
	o, err := render.Render(p, schema.Target{Name: target, Platform: acct.Platform}, schema.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	pl := &platforms.Payload{PostID: p.ID, Target: target, Platform: o.Platform, Title: o.Title, HTML: o.HTML,
		Markdown: p.Markdown, Tags: p.Tags, Hash: "sha256-" + p.ID}
	for _, pt := range o.Parts {
		pl.Parts = append(pl.Parts, platforms.Part{Text: pt.Text})
	}
	if ov := p.Overrides[target]; ov != nil && len(ov.Extra) > 0 {
		pl.Options = ov.Extra
	}
	return pl
}
