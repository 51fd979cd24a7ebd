package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func orderConfig() *Config {
	return &Config{Accounts: map[string]*Account{
		"blog":     {Name: "blog", Platform: "ghost"},
		"devto":    {Name: "devto", Platform: "devto"},
		"x":        {Name: "x", Platform: "x"},
		"mastodon": {Name: "mastodon", Platform: "mastodon"},
	}}
}

func TestOrder(t *testing.T) {
	src := `---
to: [blog, devto, x, mastodon]
primary: blog
devto: {after: blog}
x:
  text: |
    New on the blog: {{url "blog"}}
    Also on dev.to: {{ url "devto" }}
mastodon: {visibility: unlisted}
---
The article.
`
	p, errs := ParsePost(orderConfig(), "posts/a.md", []byte(src))
	if errs != nil {
		t.Fatal(errs)
	}
	want := map[string]Wait{
		"devto":    {After: []string{"blog"}, AfterKey: "blog"},
		"x":        {After: []string{"blog", "devto"}, URLs: []string{"blog", "devto"}},
		"mastodon": {After: []string{"blog"}},
	}
	if diff := cmp.Diff(want, p.Waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if p.Primary != "blog" {
		t.Errorf("primary %q", p.Primary)
	}
	if p.Overrides["devto"].Extra != nil {
		t.Errorf("after stayed among the options: %v", p.Overrides["devto"].Extra)
	}
	p.FillURLs(map[string]string{"blog": "https://blog.example.com/a/", "devto": "https://dev.to/me/a"})
	if got := *p.Overrides["x"].Text; got != "New on the blog: https://blog.example.com/a/\nAlso on dev.to: https://dev.to/me/a\n" {
		t.Errorf("filled text %q", got)
	}
	link := p.Overrides["x"].Body.Parts[0].Blocks[0].Inlines[1]
	if link.Kind != Link || link.URL != "https://blog.example.com/a/" {
		t.Errorf("the filled URL is not a link: %+v", link)
	}
}

func TestOrderErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{{
		name: "unknown targets",
		src:  "---\nto: [blog, x]\nprimary: site\nx:\n  after: devto\n  text: 'Read {{url \"feed\"}}'\n---\nBody.\n",
		want: []string{
			`posts/a.md:3:1: primary: "site" is not a target of this post (its targets: blog, x)`,
			`posts/a.md:5:3: x.after: "devto" is not a target of this post (its targets: blog, x)`,
			`posts/a.md:6:3: x.text: {{url "feed"}}: "feed" is not a target of this post (its targets: blog, x)`,
		},
	}, {
		name: "self",
		src:  "---\nto: [blog, x]\nx: {after: x}\n---\nRead {{url \"blog\"}} now.\n",
		want: []string{
			`posts/a.md:3:5: x.after: x waits for itself: name another target of the post`,
			`posts/a.md:5:6: body: {{url "blog"}} is the URL of blog itself, which it cannot hold: use the URL of another target`,
		},
	}, {
		name: "cycle",
		src:  "---\nto: [blog, devto, x]\nblog: {after: x}\ndevto: {after: blog}\nx: {after: devto}\n---\nBody.\n",
		want: []string{
			`posts/a.md:4:9: devto.after: targets wait for each other in a cycle: blog waits for x waits for devto waits for blog; one of them must go first`,
		},
	}, {
		name: "cycle through primary",
		src:  "---\nto: [blog, x]\nprimary: x\nblog: {text: 'see {{url \"x\"}}'}\nx: {after: blog}\n---\nBody.\n",
		want: []string{
			`posts/a.md:5:5: x.after: targets wait for each other in a cycle: blog waits for x waits for blog; one of them must go first`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParsePost(orderConfig(), "posts/a.md", []byte(tt.src))
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
