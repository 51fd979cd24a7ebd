package schema

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// plainCUE is policyCUE without its policies: the fast check applies.
const plainCUE = `content: "posts"
accounts: {
	x: token_env: "X_TOKEN"
	bluesky: password_env: "BSKY_PASSWORD"
	"linkedin:company": org: "123"
	fosstodon: {platform: "mastodon", max_length: 1000}
	devto: api_key_env: "DEVTO_KEY"
	pins: {platform: "pinterest", token_env: "PIN_TOKEN"}
}
limits: x: bytes: 400
`

// fastCase is one post for the fast check to judge.
type fastCase struct {
	name     string
	front    map[string]any
	rendered []Rendered
	// exotic holds a value the parser never gives: the fast check may
	// leave it to CUE even when it is valid.
	exotic bool
}

// fastCases mutates a valid post one value at a time: every field set to a
// value of every kind, unknown keys at every level, and every render
// limit reached and passed.
func fastCases() []fastCase {
	base := func() map[string]any {
		return map[string]any{
			"title": "Launch", "publish_at": "2026-12-01T09:00:00-05:00", "to": []any{"x", "bluesky"},
			"tags": []any{"launch"}, "media": []any{map[string]any{"file": "hero.png", "alt": "The dashboard"}},
		}
	}
	values := []any{"text", "", "auto", "numbered", "following", "public", "2026/launch-v2", "-bad id", "next",
		int64(3), 3, float64(1.5), true, false, nil, []any{}, []any{"a", "b"}, []any{int64(1)}, []any{nil},
		map[string]any{}, map[string]any{"file": "a.png"}, map[string]any{"text": "hi"}, map[string]any{"zzz": "hi"},
		[]any{map[string]any{"file": "a.png"}}, []any{map[string]any{"alt": "no file"}},
		[]any{map[string]any{"file": "a.png", "extra": true}}, struct{}{}}
	paths := []string{"id", "title", "publish_at", "draft", "delete", "to", "tags", "campaign", "media", "thread",
		"titel", "x", "bluesky", "linkedin:company", "fosstodon", "devto", "pins", "unknown_account",
		"x.text", "x.title", "x.reply_settings", "x.langs", "bluesky.langs", "fosstodon.visibility", "fosstodon.sensitive",
		"linkedin:company.first_comment", "devto.tags", "devto.canonical_url", "pins.board", "pins.nope",
		"media.0", "media.0.file", "media.0.alt", "media.0.nope", "tags.0", "to.0"}
	var cases []fastCase
	cases = append(cases, fastCase{name: "valid", front: base()})
	for _, path := range paths {
		for i, val := range values {
			front := base()
			set(front, strings.Split(path, "."), val)
			_, exotic := val.(struct{})
			cases = append(cases, fastCase{name: fmt.Sprintf("%s=%d", path, i), front: front, exotic: exotic})
		}
	}
	parts := func(n, length, bytes int) []RenderedPart {
		out := make([]RenderedPart, n)
		for i := range out {
			out[i] = RenderedPart{Text: "t", Length: length, Bytes: bytes, Line: 10 + i}
		}
		return out
	}
	renders := map[string][]Rendered{
		"x at 280":            {{Target: "x", Platform: "x", Parts: parts(2, 280, 400)}},
		"x at 281":            {{Target: "x", Platform: "x", Parts: parts(2, 281, 281)}},
		"x bytes 401":         {{Target: "x", Platform: "x", Parts: parts(1, 10, 401)}},
		"x 4 media":           {{Target: "x", Platform: "x", Parts: parts(1, 10, 10), Media: 4}},
		"x 5 media":           {{Target: "x", Platform: "x", Parts: parts(1, 10, 10), Media: 5}},
		"fosstodon at 1000":   {{Target: "fosstodon", Platform: "mastodon", Parts: parts(1, 1000, 0)}},
		"fosstodon at 1001":   {{Target: "fosstodon", Platform: "mastodon", Parts: parts(1, 1001, 0)}},
		"bluesky bytes 3001":  {{Target: "bluesky", Platform: "bluesky", Parts: parts(3, 1, 3001)}},
		"devto no length cap": {{Target: "devto", Platform: "devto", Parts: parts(1, 1<<20, 1<<20)}},
	}
	for _, name := range sortedKeys(renders) {
		cases = append(cases, fastCase{name: name, front: base(), rendered: renders[name]})
	}
	tags := base()
	tags["to"], tags["tags"] = []any{"devto"}, []any{"a", "b", "c", "d", "e"}
	cases = append(cases, fastCase{name: "devto 5 tags", front: tags,
		rendered: []Rendered{{Target: "devto", Platform: "devto", Parts: parts(1, 10, 10)}}})
	title := base()
	title["to"], title["title"] = []any{"pins"}, strings.Repeat("é", 101)
	cases = append(cases, fastCase{name: "pinterest long title", front: title,
		rendered: []Rendered{{Target: "pins", Platform: "pinterest", Parts: parts(1, 10, 10)}}})
	return cases
}

// set writes val at path in m, making the maps and lists on the way.
func set(m map[string]any, path []string, val any) {
	key := path[0]
	if len(path) == 1 {
		m[key] = val
		return
	}
	if key == "media" || key == "tags" || key == "to" {
		list, _ := m[key].([]any)
		if len(list) == 0 {
			list = []any{map[string]any{}}
		}
		list = append([]any(nil), list...)
		if inner, ok := list[0].(map[string]any); ok && len(path) == 3 {
			c := map[string]any{}
			for k, x := range inner {
				c[k] = x
			}
			c[path[2]] = val
			list[0] = c
		} else {
			list[0] = val
		}
		m[key] = list
		return
	}
	inner, ok := m[key].(map[string]any)
	if !ok {
		inner = map[string]any{}
	}
	m[key] = inner
	set(inner, path[1:], val)
}

// TestFastCheckAgrees checks that the fast check changes no verdict: every
// post gets exactly the findings the full CUE evaluation gives it, and
// valid posts pass without CUE.
func TestFastCheckAgrees(t *testing.T) {
	fast := newTestValidator(t, plainCUE)
	if fast.fast == nil {
		t.Fatal("no fast check for a configuration without policies")
	}
	slow := newTestValidator(t, plainCUE)
	slow.fast = nil
	valid := 0
	for _, c := range fastCases() {
		t.Run(c.name, func(t *testing.T) {
			lines := sortedKeys(c.front)
			var to []string
			if l, ok := c.front["to"].([]any); ok {
				for _, x := range l {
					if s, ok := x.(string); ok {
						to = append(to, s)
					}
				}
			}
			post := func() *Post {
				p := testPost(c.front, to, lines...)
				p.To = nil
				for _, name := range to {
					if a, ok := fast.cfg.Accounts[name]; ok {
						p.To = append(p.To, Target{Name: name, Platform: a.Platform})
					}
				}
				return p
			}
			want := slow.Validate(post(), c.rendered)
			uses := fast.uses
			got := fast.Validate(post(), c.rendered)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fast check changed the findings (-full +fast):\n%s", diff)
			}
			if want == nil && !c.exotic {
				valid++
				if fast.uses != uses {
					t.Errorf("a valid post went to CUE")
				}
			}
		})
	}
	t.Logf("%d valid cases", valid)
	if valid < 50 {
		t.Errorf("only %d valid cases: the table exercises too little", valid)
	}
}

// TestFastCheckKnown checks that known never evaluates in CUE: it answers
// from the shapes and the verdicts valid left, and a value no evaluation
// has judged yet is left to valid (run under the evaluation guard).
func TestFastCheckKnown(t *testing.T) {
	v := newTestValidator(t, plainCUE)
	if v.fast == nil {
		t.Fatal("no fast check for a configuration without policies")
	}
	doc := func(id string) map[string]any {
		return map[string]any{"id": id, "title": "Launch", "to": []any{"x", "bluesky"}, "thread": "auto"}
	}
	evals := v.fast.evals
	if v.fast.known(doc("2026/launch")) {
		t.Fatal("known judged values no evaluation had judged")
	}
	if v.fast.evals != evals {
		t.Fatalf("known evaluated %d leaves", v.fast.evals-evals)
	}
	if !v.fast.valid(doc("2026/launch")) {
		t.Fatal("a valid document is not valid")
	}
	if v.fast.evals == evals {
		t.Fatal("valid judged the document without evaluating its leaves")
	}
	evals = v.fast.evals
	if !v.fast.known(doc("2026/launch")) {
		t.Error("known does not answer from the verdicts valid left")
	}
	if v.fast.known(doc("-bad id")) {
		t.Error("known judged a value no evaluation had judged")
	}
	if v.fast.evals != evals {
		t.Errorf("known evaluated %d leaves", v.fast.evals-evals)
	}
}
