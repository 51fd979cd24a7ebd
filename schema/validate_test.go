package schema

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue"

	"github.com/google/go-cmp/cmp"
)

// policyCUE is a herald.cue with two team policies: every post has a tag,
// and LinkedIn posts need a first comment.
const policyCUE = `content: "posts"
accounts: {
	x: token_env: "X_TOKEN"
	bluesky: password_env: "BSKY_PASSWORD"
	"linkedin:company": org: "123"
	fosstodon: {platform: "mastodon", max_length: 1000}
	devto: api_key_env: "DEVTO_KEY"
}

// Every post has a tag.
post: tags: [_, ...]

// LinkedIn posts need a first comment.
post: {
	#targets: _
	for name, platform in #targets if platform == "linkedin" {
		(name): first_comment!: string
	}
}
`

func loadTestConfig(t testing.TB, name, src string) *Config {
	t.Helper()
	cfg, err := LoadConfig(fstest.MapFS{name: {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newTestValidator(t testing.TB, src string) *Validator {
	t.Helper()
	v, err := NewValidator(loadTestConfig(t, "herald.cue", src))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testPost builds a Post as the parser would: lines lists the front-matter
// keys and list items in file order, from line 2 (after the opening ---),
// each "path" or "path@col".
func testPost(front map[string]any, to []string, lines ...string) *Post {
	p := &Post{File: "posts/launch.md", Front: front, Positions: map[string]Position{}}
	p.Positions[""] = Position{File: p.File, Line: 1, Col: 1}
	for i, l := range lines {
		path, col := l, 1
		if j := strings.IndexByte(l, '@'); j >= 0 {
			path = l[:j]
			fmt.Sscan(l[j+1:], &col)
		}
		p.Positions[path] = Position{File: p.File, Line: i + 2, Col: col}
	}
	platforms := map[string]string{"x": "x", "bluesky": "bluesky", "linkedin:company": "linkedin", "fosstodon": "mastodon", "devto": "devto"}
	for _, name := range to {
		p.To = append(p.To, Target{Name: name, Platform: platforms[name], Pos: p.Positions["to"]})
	}
	return p
}

func render(target, platform string, parts ...RenderedPart) Rendered {
	return Rendered{Target: target, Platform: platform, Parts: parts,
		Source: Position{File: "posts/launch.md", Line: 20, Col: 1}}
}

func TestValidate(t *testing.T) {
	v := newTestValidator(t, policyCUE)
	at := func(line, col int, field, msg string) *Error {
		return &Error{File: "posts/launch.md", Line: line, Column: col, Field: field, Message: msg, Severity: SeverityError}
	}
	tests := []struct {
		name     string
		post     *Post
		rendered []Rendered
		want     Errors
	}{{
		name: "valid",
		post: testPost(map[string]any{
			"title": "Launch", "publish_at": "2026-12-01T09:00:00-05:00", "to": []any{"x", "bluesky"},
			"tags": []any{"launch"}, "media": []any{map[string]any{"file": "hero.png", "alt": "The dashboard"}},
			"thread": "auto", "x": map[string]any{"text": "Short", "reply_settings": "following"},
		}, []string{"x", "bluesky"}, "title", "publish_at", "to", "tags", "media", "media.0@5", "media.0.alt@5", "thread", "x", "x.text@3", "x.reply_settings@3"),
		rendered: []Rendered{render("x", "x", RenderedPart{Text: "hi", Length: 2, Bytes: 2, Line: 14})},
	}, {
		name: "publish_at forms",
		post: testPost(map[string]any{"id": "2026/launch-v2", "publish_at": "2026-12-01 09:00", "tags": []any{"a"}, "to": "x"}, []string{"x"}, "id", "publish_at", "tags", "to"),
	}, {
		name: "publish_at next",
		post: testPost(map[string]any{"publish_at": "next", "tags": []any{"a"}}, nil, "publish_at", "tags"),
	}, {
		name: "wrong types",
		post: testPost(map[string]any{"title": 3, "draft": "yes", "tags": "launch", "media": []any{map[string]any{"file": 7}}},
			nil, "title", "draft", "tags", "media", "media.0@5", "media.0.file@5"),
		want: Errors{
			at(2, 1, "title", "must be a string, not an integer"),
			at(3, 1, "draft", "must be true or false, not a string"),
			at(4, 1, "tags", "must be a list, not a string"),
			at(7, 5, "media.0.file", "must be a string, not an integer"),
		},
	}, {
		name: "unknown field",
		post: testPost(map[string]any{"titel": "Launch", "tags": []any{"a"}}, nil, "titel", "tags"),
		want: Errors{at(2, 1, "titel", `unknown field "titel" (did you mean "title"?)`)},
	}, {
		name: "unknown field in an override",
		post: testPost(map[string]any{"tags": []any{"a"}, "fosstodon": map[string]any{"visibilty": "public"}}, nil, "tags", "fosstodon", "fosstodon.visibilty@3"),
		want: Errors{at(4, 3, "fosstodon.visibilty", `unknown field "visibilty" (did you mean "visibility"?)`)},
	}, {
		name: "bad enum value",
		post: testPost(map[string]any{"tags": []any{"a"}, "thread": "yes", "fosstodon": map[string]any{"visibility": "friends"}}, nil, "tags", "thread", "fosstodon", "fosstodon.visibility@3"),
		want: Errors{
			at(3, 1, "thread", `must be one of "auto", "numbered", not "yes"`),
			at(5, 3, "fosstodon.visibility", `must be one of "direct", "private", "public", "unlisted", not "friends"`),
		},
	}, {
		// The parser checks each name against the accounts, with a
		// suggestion; CUE checks that to is names.
		name: "to is names",
		post: testPost(map[string]any{"tags": []any{"a"}, "to": []any{"x", 7}}, []string{"x"}, "tags", "to", "to.0@5", "to.1@5"),
		want: Errors{at(5, 5, "to.1", `must be a string, not an integer`)},
	}, {
		name: "one target is a name",
		post: testPost(map[string]any{"tags": []any{"a"}, "to": "x"}, []string{"x"}, "tags", "to"),
		want: nil,
	}, {
		// The parser reads publish_at's value; CUE checks its kind.
		name: "bad id and publish_at",
		post: testPost(map[string]any{"tags": []any{"a"}, "id": "../etc", "publish_at": 2026}, nil, "tags", "id", "publish_at"),
		want: Errors{
			at(3, 1, "id", `"../etc" is not valid: use letters, digits, '.', '_' and '-', in segments separated by '/' (launch/v2)`),
			at(4, 1, "publish_at", `must be a string, not an integer`),
		},
	}, {
		name:     "over length",
		post:     testPost(map[string]any{"tags": []any{"a"}, "to": "x"}, []string{"x"}, "tags", "to"),
		rendered: []Rendered{render("x", "x", RenderedPart{Length: 281, Bytes: 281, Line: 6})},
		want:     Errors{at(6, 1, "x", "281 of 280 characters (URLs count as 23; CJK and emoji count as 2)")},
	}, {
		name:     "exactly at the limit",
		post:     testPost(map[string]any{"tags": []any{"a"}, "to": []any{"x", "bluesky"}}, []string{"x", "bluesky"}, "tags", "to"),
		rendered: []Rendered{render("x", "x", RenderedPart{Length: 280, Bytes: 280, Line: 6}), render("bluesky", "bluesky", RenderedPart{Length: 300, Bytes: 3000, Line: 6})},
	}, {
		name:     "override text too long points at the override",
		post:     testPost(map[string]any{"tags": []any{"a"}, "to": "x", "x": map[string]any{"text": "long"}}, []string{"x"}, "tags", "to", "x", "x.text@3"),
		rendered: []Rendered{{Target: "x", Platform: "x", Parts: []RenderedPart{{Length: 300, Bytes: 300}}, Source: Position{File: "posts/launch.md", Line: 5, Col: 3}}},
		want:     Errors{at(5, 3, "x", "300 of 280 characters (URLs count as 23; CJK and emoji count as 2)")},
	}, {
		name:     "bytes",
		post:     testPost(map[string]any{"tags": []any{"a"}, "to": "bluesky"}, []string{"bluesky"}, "tags", "to"),
		rendered: []Rendered{render("bluesky", "bluesky", RenderedPart{Length: 290, Bytes: 3001, Line: 6})},
		want:     Errors{at(6, 1, "bluesky", "3001 of 3000 bytes")},
	}, {
		name: "thread part",
		post: testPost(map[string]any{"tags": []any{"a"}, "to": "bluesky"}, []string{"bluesky"}, "tags", "to"),
		rendered: []Rendered{render("bluesky", "bluesky",
			RenderedPart{Length: 100, Bytes: 100, Line: 6}, RenderedPart{Length: 301, Bytes: 400, Line: 9}, RenderedPart{Length: 5, Bytes: 5, Line: 12})},
		want: Errors{at(9, 1, "bluesky", "part 2 of 3: 301 of 300 graphemes")},
	}, {
		name:     "account max_length overrides the platform",
		post:     testPost(map[string]any{"tags": []any{"a"}, "to": "fosstodon"}, []string{"fosstodon"}, "tags", "to"),
		rendered: []Rendered{render("fosstodon", "mastodon", RenderedPart{Length: 1000, Bytes: 1000, Line: 6}, RenderedPart{Length: 1001, Bytes: 1001, Line: 8})},
		want:     Errors{at(8, 1, "fosstodon", "part 2 of 2: 1001 of 1000 characters (URLs count as 23)")},
	}, {
		name:     "too many media",
		post:     testPost(map[string]any{"tags": []any{"a"}, "to": "x", "media": []any{}}, []string{"x"}, "tags", "to", "media"),
		rendered: []Rendered{{Target: "x", Platform: "x", Parts: []RenderedPart{{Length: 1, Bytes: 1, Line: 6}}, Media: 5}},
		want:     Errors{at(4, 1, "x", "5 media items, x takes at most 4")},
	}, {
		name:     "too many tags for dev.to",
		post:     testPost(map[string]any{"tags": []any{"a", "b", "c", "d", "e"}, "to": "devto"}, []string{"devto"}, "tags", "to"),
		rendered: []Rendered{{Target: "devto", Platform: "devto", Parts: []RenderedPart{{Length: 1, Bytes: 1, Line: 6}}}},
		want:     Errors{at(2, 1, "tags", "devto takes at most 4 tags")},
	}, {
		name: "policy: every post has a tag",
		post: testPost(map[string]any{"title": "Launch"}, nil, "title"),
		want: Errors{at(1, 1, "tags", "needs at least 1 item")},
	}, {
		name: "policy: every post has a tag, empty list",
		post: testPost(map[string]any{"tags": []any{}}, nil, "tags"),
		want: Errors{at(2, 1, "tags", "needs at least 1 item, has 0")},
	}, {
		name: "policy: linkedin needs a first comment",
		post: testPost(map[string]any{"tags": []any{"a"}, "to": []any{"x", "linkedin:company"}, "linkedin:company": map[string]any{"text": "Hello"}},
			[]string{"x", "linkedin:company"}, "tags", "to", "linkedin:company", "linkedin:company.text@3"),
		want: Errors{at(4, 1, "linkedin:company.first_comment", "is required")},
	}, {
		name: "policy: linkedin with a first comment",
		post: testPost(map[string]any{"tags": []any{"a"}, "to": "linkedin:company", "linkedin:company": map[string]any{"first_comment": "Link: https://example.com"}},
			[]string{"linkedin:company"}, "tags", "to", "linkedin:company", "linkedin:company.first_comment@3"),
	}, {
		name: "several errors in one post",
		post: testPost(map[string]any{
			"titel": "Launch", "draft": 1, "to": []any{"x", "linkedin:company", "nope"}, "thread": "manual",
			"media": []any{map[string]any{"file": "a.png", "alt_text": "x"}},
		}, []string{"x", "linkedin:company"}, "titel", "draft", "to", "to.0@5", "to.1@5", "to.2@5", "thread", "media", "media.0@5", "media.0.alt_text@5"),
		rendered: []Rendered{render("x", "x", RenderedPart{Length: 290, Bytes: 290, Line: 16})},
		want: Errors{
			at(1, 1, "linkedin:company.first_comment", "is required"),
			at(1, 1, "tags", "needs at least 1 item"),
			at(2, 1, "titel", `unknown field "titel" (did you mean "title"?)`),
			at(3, 1, "draft", "must be true or false, not an integer"),
			at(8, 1, "thread", `must be one of "auto", "numbered", not "manual"`),
			at(11, 5, "media.0.alt_text", `unknown field "alt_text" (did you mean "alt"?)`),
			at(16, 1, "x", "290 of 280 characters (URLs count as 23; CJK and emoji count as 2)"),
		},
	}}
	var all strings.Builder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := v.Validate(tc.post, tc.rendered)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			fmt.Fprintf(&all, "# %s\n", tc.name)
			for _, e := range got {
				fmt.Fprintln(&all, e)
			}
		})
	}
	golden(t, "post_errors.golden", []byte(all.String()))
}

func TestValidateWithoutConfig(t *testing.T) {
	v, err := NewValidator(&Config{Content: "posts", Accounts: map[string]*Account{}})
	if err != nil {
		t.Fatal(err)
	}
	p := testPost(map[string]any{"title": "Hi", "x": map[string]any{"text": "t"}}, nil, "title", "x")
	want := Errors{{File: "posts/launch.md", Line: 3, Column: 1, Field: "x", Message: `unknown field "x"`, Severity: SeverityError}}
	if diff := cmp.Diff(want, v.Validate(p, nil)); diff != "" {
		t.Errorf("Validate (-want +got):\n%s", diff)
	}
}

func TestLimits(t *testing.T) {
	v := newTestValidator(t, policyCUE+"limits: bluesky: note: \"links count in full\"\n")
	tests := []struct {
		target Target
		want   Limits
	}{
		{Target{Name: "x", Platform: "x"}, Limits{Length: 280, Unit: "characters", Note: "URLs count as 23; CJK and emoji count as 2"}},
		{Target{Name: "bluesky", Platform: "bluesky"}, Limits{Length: 300, Bytes: 3000, Unit: "graphemes", Note: "links count in full"}},
		{Target{Name: "fosstodon", Platform: "mastodon"}, Limits{Length: 1000, Unit: "characters", Note: "URLs count as 23"}},
		{Target{Name: "fosstodon"}, Limits{Length: 1000, Unit: "characters", Note: "URLs count as 23"}},
		{Target{Name: "linkedin:company", Platform: "linkedin"}, Limits{Length: 3000, Unit: "characters", Note: "counted after escaping"}},
		{Target{Name: "devto", Platform: "devto"}, Limits{Unit: "characters"}},
		{Target{Name: "feed", Platform: "feed"}, Limits{Unit: "characters"}},
	}
	for _, tc := range tests {
		t.Run(tc.target.Name+"/"+tc.target.Platform, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, v.Limits(tc.target)); diff != "" {
				t.Errorf("Limits (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLimitsTable checks that the CUE table has an entry for every
// platform Go knows, with the lengths of PLATFORMS.md.
func TestLimitsTable(t *testing.T) {
	v, err := NewValidator(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"x": 280, "bluesky": 300, "mastodon": 500, "threads": 500, "linkedin": 3000, "instagram": 2200,
		"pinterest": 800, "youtube": 5000, "tiktok": 2200, "reddit": 40000, "facebook": 63206,
	}
	for _, p := range Platforms {
		t.Run(p, func(t *testing.T) {
			if !v.limits.LookupPath(cueStr(p)).Exists() {
				t.Fatalf("no limits entry for %s", p)
			}
			if got := v.Limits(Target{Name: p, Platform: p}).Length; got != want[p] {
				t.Errorf("length = %d, want %d", got, want[p])
			}
		})
	}
}

func TestSchemaHash(t *testing.T) {
	a := newTestValidator(t, policyCUE)
	b := newTestValidator(t, policyCUE)
	c := newTestValidator(t, policyCUE+"post: title: string\n")
	if a.SchemaHash() != b.SchemaHash() {
		t.Errorf("same config, different hashes: %s, %s", a.SchemaHash(), b.SchemaHash())
	}
	if a.SchemaHash() == c.SchemaHash() {
		t.Errorf("different configs, same hash %s", a.SchemaHash())
	}
}

// TestValidateRecycles checks that a Validator keeps its verdicts across
// the recompiles that keep its memory flat.
func TestValidateRecycles(t *testing.T) {
	v := newTestValidator(t, policyCUE)
	p := testPost(map[string]any{"titel": "x"}, nil, "titel")
	first := v.Validate(p, nil)
	for range recycleEvery + 5 {
		v.Validate(p, nil)
	}
	if diff := cmp.Diff(first, v.Validate(p, nil)); diff != "" {
		t.Errorf("after recycling (-before +after):\n%s", diff)
	}
	if v.uses > recycleEvery {
		t.Errorf("uses = %d, want the context recycled", v.uses)
	}
}

func cueStr(s string) cue.Path { return cue.MakePath(cue.Str(s)) }

// TestValidateImageBytes checks Bluesky's limit on one image's size
// (app.bsky.embed.images: 2,000,000 bytes), at the image's file key, and
// the two ways to change it: the account's max_image_bytes setting, which
// its adapter enforces too, and herald.cue's limits table.
func TestValidateImageBytes(t *testing.T) {
	const accounts = `accounts: {
	bluesky: password_env: "P"
	"bluesky:old": {password_env: "P", max_image_bytes: 1000000}
	x: token_env: "T"
}
`
	post := func(to ...string) *Post {
		items := []any{map[string]any{"file": "small.png", "alt": "a"}, map[string]any{"file": "big.jpg", "alt": "b"},
			map[string]any{"file": "clip.mp4", "alt": "c"}}
		p := testPost(map[string]any{"to": []any{}, "media": items}, nil, "to", "media", "media.0@5", "media.0.file@7",
			"media.0.alt@7", "media.1@5", "media.1.file@7", "media.1.alt@7", "media.2@5", "media.2.file@7", "media.2.alt@7")
		p.Media = []Media{{File: "small.png", Type: "image/png"}, {File: "big.jpg", Type: "image/jpeg"}, {File: "clip.mp4", Type: "video/mp4"}}
		var list []any
		for _, name := range to {
			p.To = append(p.To, Target{Name: name, Platform: strings.Split(name, ":")[0]})
			list = append(list, name)
		}
		p.Front["to"] = list
		return p
	}
	rendered := func(target string, small, big int64) Rendered {
		r := render(target, strings.Split(target, ":")[0], RenderedPart{Length: 1, Bytes: 1, Line: 14})
		r.Media = 3
		r.Images = []RenderedImage{{Media: 0, Bytes: small}, {Media: 1, Bytes: big}}
		return r
	}
	at := func(field, msg string) *Error {
		return &Error{File: "posts/launch.md", Line: 8, Column: 7, Field: field, Message: msg, Severity: SeverityError}
	}
	tests := []struct {
		name     string
		cue      string
		rendered []Rendered
		want     Errors
	}{{
		name:     "exactly the lexicon's limit",
		rendered: []Rendered{rendered("bluesky", 10, 2_000_000)},
	}, {
		name:     "one byte over",
		rendered: []Rendered{rendered("bluesky", 10, 2_000_001)},
		want:     Errors{at("bluesky", `"big.jpg" is 2,000,001 bytes; bluesky takes images of at most 2,000,000 bytes: resize or compress it`)},
	}, {
		name:     "no limit on x",
		rendered: []Rendered{rendered("x", 10, 9_000_000)},
	}, {
		name:     "the account's max_image_bytes",
		rendered: []Rendered{rendered("bluesky:old", 10, 1_000_001), rendered("bluesky", 10, 1_000_001)},
		want:     Errors{at("bluesky:old", `"big.jpg" is 1,000,001 bytes; bluesky:old takes images of at most 1,000,000 bytes: resize or compress it`)},
	}, {
		name:     "herald.cue's limits",
		cue:      "limits: bluesky: max_image_bytes: 500000\n",
		rendered: []Rendered{rendered("bluesky", 500_001, 10)},
		want: Errors{{File: "posts/launch.md", Line: 5, Column: 7, Field: "bluesky", Severity: SeverityError,
			Message: `"small.png" is 500,001 bytes; bluesky takes images of at most 500,000 bytes: resize or compress it`}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestValidator(t, accounts+tc.cue)
			var to []string
			for _, r := range tc.rendered {
				to = append(to, r.Target)
			}
			if diff := cmp.Diff(tc.want, v.Validate(post(to...), tc.rendered)); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}
