package schema

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Wait is what one target of a post waits for before it is published.
type Wait struct {
	// After lists the targets of the same post that must be published
	// first, sorted: the target's `after:` key, the post's primary, and
	// every target whose URL its text uses.
	After []string
	// URLs lists the targets whose published URL the target's text
	// holds ({{url "T"}}), sorted; each is in After.
	URLs []string
	// AfterKey is the target named by the override's after: key, "" for
	// none: a blog copy's canonical_url comes from it.
	AfterKey string
}

// urlPlaceholder is {{url "target"}} in a text: the published URL of
// another target of the same post. Spaces inside the braces are allowed.
var urlPlaceholder = regexp.MustCompile(`\{\{\s*url\s+"([^"]*)"\s*\}\}`)

// URLPlaceholder returns the placeholder for target's URL, as written in
// a post: {{url "blog"}}.
func URLPlaceholder(target string) string { return `{{url "` + target + `"}}` }

// edge is one reason a target waits for another, with where it is
// written, for messages.
type edge struct {
	to    string
	field string
	pos   Position
	why   string
}

// order reads primary, each override's after and the {{url}}
// placeholders of each target's text into Primary and Waits, and reports
// a name that is not a target of the post, a target waiting for itself,
// and targets waiting for each other in a cycle.
func (f *filler) order() {
	targets := map[string]bool{}
	var names []string
	for _, t := range f.p.To {
		targets[t.Name] = true
		names = append(names, t.Name)
	}
	sort.Strings(names)
	notTarget := func(name string) string {
		return fmt.Sprintf("%q is not a target of this post (its targets: %s)", name, strings.Join(names, ", "))
	}
	if v, ok := f.p.Front["primary"]; ok {
		if s, ok := v.(string); ok {
			if !targets[s] {
				f.errorf("primary", "%s", notTarget(s))
			} else {
				f.p.Primary = s
			}
		}
	}
	edges := map[string][]edge{}
	add := func(from string, e edge) {
		for _, x := range edges[from] {
			if x.to == e.to {
				return
			}
		}
		edges[from] = append(edges[from], e)
	}
	for _, t := range f.p.To {
		name := t.Name
		if f.p.Primary != "" && f.p.Primary != name {
			add(name, edge{to: f.p.Primary, field: "primary", pos: f.pos("primary"), why: "primary"})
		}
		ov := f.p.Overrides[name]
		var afterKey string
		if ov != nil {
			if v, ok := ov.Extra["after"]; ok {
				// Ordering changes nothing a platform receives: it is not
				// an option adapters see, nor part of the target's hash.
				delete(ov.Extra, "after")
				if len(ov.Extra) == 0 {
					ov.Extra = nil
				}
				field := name + ".after"
				if s, ok := v.(string); ok {
					switch {
					case s == name:
						f.errorf(field, "%s waits for itself: name another target of the post", name)
					case !targets[s]:
						f.errorf(field, "%s", notTarget(s))
					default:
						afterKey = s
						add(name, edge{to: s, field: field, pos: f.pos(field), why: "after"})
					}
				}
			}
		}
		var w Wait
		w.AfterKey = afterKey
		for _, ref := range f.placeholders(name, ov) {
			switch {
			case ref.to == name:
				f.s.errorf(ref.pos, ref.field, "{{url %q}} is the URL of %s itself, which it cannot hold: use the URL of another target", ref.to, name)
			case !targets[ref.to]:
				f.s.errorf(ref.pos, ref.field, "{{url %q}}: %s", ref.to, notTarget(ref.to))
			default:
				if !slices.Contains(w.URLs, ref.to) {
					w.URLs = append(w.URLs, ref.to)
				}
				add(name, ref)
			}
		}
		for _, e := range edges[name] {
			w.After = append(w.After, e.to)
		}
		if len(w.After) == 0 {
			continue
		}
		sort.Strings(w.After)
		sort.Strings(w.URLs)
		if f.p.Waits == nil {
			f.p.Waits = map[string]Wait{}
		}
		f.p.Waits[name] = w
	}
	if len(edges) > 0 {
		f.cycles(names, edges)
	}
}

// placeholders returns the {{url}} placeholders in the text target
// receives (its override's text, else the body), positioned.
func (f *filler) placeholders(target string, ov *Override) []edge {
	text, first, field := f.p.Markdown, f.p.BodyLine, "body"
	if ov != nil && ov.Text != nil {
		text, first, field = *ov.Text, ov.TextLine, target+".text"
	}
	if !strings.Contains(text, "{{") {
		return nil
	}
	var out []edge
	for i, line := range strings.Split(text, "\n") {
		for _, m := range urlPlaceholder.FindAllStringSubmatchIndex(line, -1) {
			pos := Position{Line: first + i, Col: len([]rune(line[:m[0]])) + 1}
			if field != "body" {
				pos = f.pos(field)
				pos.Line = first + i
			}
			out = append(out, edge{to: line[m[2]:m[3]], field: field, pos: pos, why: "url"})
		}
	}
	return out
}

// cycles reports each cycle of targets waiting for each other once, at
// the field of its first edge.
func (f *filler) cycles(names []string, edges map[string][]edge) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(n string)
	visit = func(n string) {
		color[n] = grey
		stack = append(stack, n)
		for _, e := range edges[n] {
			switch color[e.to] {
			case grey:
				i := slices.Index(stack, e.to)
				loop := append(slices.Clone(stack[i:]), e.to)
				f.s.errorf(e.pos, e.field, "targets wait for each other in a cycle: %s; one of them must go first", strings.Join(loop, " waits for "))
			case white:
				visit(e.to)
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for _, n := range names {
		if color[n] == white {
			visit(n)
		}
	}
}

// FillURLs replaces every {{url "T"}} placeholder in the post's body and
// in its overrides' texts with urls[T], and parses the filled texts
// again, so that rendering, counting and the HTML see the URL as if it
// were written there. A placeholder whose target urls does not hold is
// left as written. The post's Hash, its identity, does not change.
func (p *Post) FillURLs(urls map[string]string) {
	fill := func(s string) (string, bool) {
		if !strings.Contains(s, "{{") {
			return s, false
		}
		changed := false
		out := urlPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
			name := urlPlaceholder.FindStringSubmatch(m)[1]
			if u, ok := urls[name]; ok && u != "" {
				changed = true
				return u
			}
			return m
		})
		return out, changed
	}
	if md, ok := fill(p.Markdown); ok {
		p.Markdown = md
		p.Body = ParseMarkdown([]byte(md), p.BodyLine)
	}
	for _, o := range p.Overrides {
		if o.Text == nil {
			continue
		}
		if text, ok := fill(*o.Text); ok {
			o.Text = &text
			body := ParseMarkdown([]byte(text), o.TextLine)
			o.Body = &body
		}
	}
}
