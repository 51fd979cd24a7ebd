package schema

import (
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"

	"github.com/heraldhq/herald/state"
)

// BaseVariant names the post as written when it has variants: the
// control an A/B test compares the variants with. No variant may take
// the name.
const BaseVariant = "base"

// variantName is what a variant's name may be: it ends a state target
// key (x~name), so it is a slug.
var variantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Variant is one alternative of a post (`variants:`), for A/B tests. It
// replaces the post's text, title or media where it sets them, and goes
// either instead of the post on some accounts (To, no PublishAt: "per
// account"), or in addition to it, at its own time, on each of its
// accounts (PublishAt: "across time", under the target key
// ACCOUNT~NAME).
type Variant struct {
	Name  string
	Index int // its place in variants:, for field paths
	Title *string
	// Text replaces the body; Body is Text parsed, TextLine the file
	// line it starts on.
	Text     *string
	Body     *Body
	TextLine int
	// Media replaces the post's media when HasMedia (an empty list sends
	// none).
	Media    []Media
	HasMedia bool
	// PublishAt, when set, sends the variant in addition to the post at
	// this time.
	PublishAt *time.Time
	// To lists the accounts the variant goes to; empty with PublishAt:
	// every account of the post.
	To  []string
	Pos Position
}

// Path is the variant's field path in the front-matter: variants.N.
func (v *Variant) Path() string { return joinIndex("variants", v.Index) }

// Timed reports whether the variant is sent at a time of its own, in
// addition to the post, rather than instead of it.
func (v *Variant) Timed() bool { return v.PublishAt != nil }

// Instance is one publication of a post on one account: the post as
// written, or one of its variants. Each instance has its own target key
// in state and goes through the apply protocol on its own, so that a
// post sent to one account several times is still sent once per
// instance. Instances is the one place that expands a post into them.
type Instance struct {
	// Key is the state target key: the account's name, or ACCOUNT~NAME
	// for a variant sent at a time of its own.
	Key string
	// Target is the account the instance goes to.
	Target Target
	// Variant is the variant sent, nil for the post as written.
	Variant *Variant
}

// VariantName is the instance's variant name: BaseVariant for the post as
// written when the post has variants, "" when it has none.
func (in Instance) VariantName(p *Post) string {
	if in.Variant != nil {
		return in.Variant.Name
	}
	if len(p.Variants) > 0 {
		return BaseVariant
	}
	return ""
}

// PublishAt is when the instance is due: its variant's time, else the
// post's.
func (in Instance) PublishAt(p *Post) *time.Time {
	if in.Variant != nil && in.Variant.PublishAt != nil {
		return in.Variant.PublishAt
	}
	return p.PublishAt
}

// Instances expands the post into what is published: for each account of
// to:, the post or the variant assigned to that account (under the
// account's name), then, for each variant with a publish_at, one
// instance per account it goes to (under ACCOUNT~NAME). The order is
// that of to: and variants:.
func (p *Post) Instances() []Instance {
	out := make([]Instance, 0, len(p.To))
	for _, t := range p.To {
		out = append(out, Instance{Key: t.Name, Target: t, Variant: p.assigned(t.Name)})
	}
	for _, v := range p.Variants {
		if !v.Timed() {
			continue
		}
		for _, t := range p.To {
			if len(v.To) == 0 || contains(v.To, t.Name) {
				out = append(out, Instance{Key: t.Name + state.VariantSep + v.Name, Target: t, Variant: v})
			}
		}
	}
	return out
}

// Instance returns the instance with a state target key.
func (p *Post) Instance(key string) (Instance, bool) {
	if len(p.Variants) == 0 {
		// Most posts: each account once, under its name.
		for _, t := range p.To {
			if t.Name == key {
				return Instance{Key: key, Target: t}, true
			}
		}
		return Instance{}, false
	}
	for _, in := range p.Instances() {
		if in.Key == key {
			return in, true
		}
	}
	return Instance{}, false
}

// assigned is the variant an account gets instead of the post, or nil.
func (p *Post) assigned(account string) *Variant {
	for _, v := range p.Variants {
		if !v.Timed() && contains(v.To, account) {
			return v
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// WithVariant is the post as variant v sends it: its title, body and
// media in place of the post's, with the front-matter and positions the
// validator reads changed to match, so that a limit the variant breaks
// is reported at the variant's line. v nil is p itself.
func (p *Post) WithVariant(v *Variant) *Post {
	if v == nil {
		return p
	}
	c := *p
	c.Front = maps.Clone(p.Front)
	delete(c.Front, "variants")
	c.Positions = maps.Clone(p.Positions)
	item, _ := p.variantFront(v.Index)
	prefix := v.Path() + "."
	for path, pos := range p.Positions {
		if rest, ok := strings.CutPrefix(path, prefix); ok && rest != "name" && rest != "to" && !strings.HasPrefix(rest, "to.") &&
			rest != "publish_at" {
			c.Positions[rest] = pos
		}
	}
	if v.Title != nil {
		c.Title = *v.Title
		c.Front["title"] = *v.Title
	}
	if v.Body != nil {
		c.Body, c.Markdown, c.BodyLine = *v.Body, *v.Text, v.TextLine
	}
	if v.HasMedia {
		c.Media = v.Media
		c.Front["media"] = item["media"]
	}
	if v.PublishAt != nil {
		c.PublishAt = v.PublishAt
	}
	return &c
}

func (p *Post) variantFront(i int) (map[string]any, bool) {
	items, _ := p.Front["variants"].([]any)
	if i >= len(items) {
		return nil, false
	}
	m, ok := items[i].(map[string]any)
	return m, ok
}

// variants fills Post.Variants from variants:, checking what the schema
// cannot: names unique, accounts among the post's, no account given two
// variants instead of the post, and no variant text an account's own
// text would hide.
func (f *filler) variants() {
	items, ok := f.p.Front["variants"].([]any)
	if !ok {
		return
	}
	if _, ok := f.p.Front["repeat"]; ok {
		// Each occurrence of a series and each variant is a target
		// instance of its own; the two are not combined.
		f.errorf("variants", "a recurring post cannot carry variants: use repeat.texts for texts that take turns, or a post of its own per variant")
		return
	}
	names := map[string]string{}   // name -> its field path
	instead := map[string]string{} // account -> the variant it gets instead of the post
	accounts := map[string]bool{}
	for _, t := range f.p.To {
		accounts[t.Name] = true
	}
	for i, x := range items {
		m, ok := x.(map[string]any)
		if !ok {
			continue // the schema reports the type
		}
		v := &Variant{Index: i, Pos: f.pos(joinIndex("variants", i))}
		path := v.Path()
		v.Name, _ = m["name"].(string)
		if v.Name == "" || !variantName.MatchString(v.Name) {
			continue // the schema reports it
		}
		if v.Name == BaseVariant {
			f.errorf(path+".name", "%s names the post as written, which the variants are compared with: give this variant another name", BaseVariant)
			continue
		}
		if first, dup := names[v.Name]; dup {
			f.errorf(path+".name", "duplicate variant name %q (also %s.name)", v.Name, first)
			continue
		}
		names[v.Name] = path
		if title, ok := m["title"].(string); ok {
			v.Title = &title
		}
		if text, ok := m["text"].(string); ok {
			v.Text = &text
			line := f.s.textLine[path+".text"]
			if line == 0 {
				line = f.pos(path + ".text").Line
			}
			v.TextLine = line
			if urlPlaceholder.MatchString(text) {
				f.errorf(path+".text", "a variant's text cannot hold {{url}} placeholders yet: write the URL, or leave the text to the post")
			}
			if l, msg := markdownLimit([]byte(text)); l >= 0 {
				f.s.errorf(Position{Line: line + l, Col: 1}, path+".text", "%s", msg)
			} else {
				body := ParseMarkdown([]byte(text), line)
				v.Body = &body
			}
		}
		if media, ok := m["media"].([]any); ok {
			v.HasMedia = true
			v.Media = make([]Media, len(media))
			for j, x := range media {
				mp := joinIndex(path+".media", j)
				md := Media{Pos: f.pos(mp)}
				if item, ok := x.(map[string]any); ok {
					md.File, _ = item["file"].(string)
					md.Alt, _ = item["alt"].(string)
				}
				v.Media[j] = md
			}
		}
		if raw, ok := m["publish_at"].(string); ok {
			if strings.TrimSpace(raw) == "next" {
				f.errorf(path+".publish_at", "a variant's publish_at is a time: queue slots (next) go to the post as a whole")
			} else if at := f.timeAt(path+".publish_at", raw); at != nil {
				v.PublishAt = at
			} else {
				continue
			}
		}
		switch to := m["to"].(type) {
		case string:
			v.To = []string{to}
		case []any:
			for _, x := range to {
				if s, ok := x.(string); ok {
					v.To = append(v.To, s)
				}
			}
		}
		bad := false
		for j, acct := range v.To {
			field := path + ".to"
			if _, list := m["to"].([]any); list {
				field = joinIndex(field, j)
			}
			if !accounts[acct] {
				f.errorf(field, "variant %s goes to %q, which is not among the post's targets (to: %s)", v.Name, acct, strings.Join(f.targetNames(), ", "))
				bad = true
				continue
			}
			if v.Timed() {
				continue
			}
			if other, dup := instead[acct]; dup {
				f.errorf(field, "%s already gets variant %s instead of the post: an account gets at most one variant in place of the post (give this one a publish_at to send it as well)", acct, other)
				bad = true
				continue
			}
			instead[acct] = v.Name
		}
		if bad {
			continue
		}
		switch {
		case !v.Timed() && len(v.To) == 0:
			f.errorf(path, "variant %s says neither where nor when it goes: give it to: (the accounts that get it instead of the post) or publish_at: (sent in addition, at its own time)", v.Name)
			continue
		case !v.Timed() && v.Title == nil && v.Text == nil && !v.HasMedia:
			f.errorf(path, "variant %s changes nothing: give it text, title or media (or a publish_at, to test a time)", v.Name)
			continue
		}
		if v.Text != nil {
			for _, acct := range f.variantAccounts(v) {
				if ov := f.p.Overrides[acct]; ov != nil && ov.Text != nil {
					f.errorf(path+".text", "%s has its own text (%s.text), which replaces the variant's text there: drop one, or leave %s out of the variant's to:", acct, acct, acct)
				}
			}
		}
		f.p.Variants = append(f.p.Variants, v)
	}
}

// variantAccounts are the accounts v goes to.
func (f *filler) variantAccounts(v *Variant) []string {
	if len(v.To) > 0 {
		return v.To
	}
	return f.targetNames()
}

func (f *filler) targetNames() []string {
	names := make([]string, len(f.p.To))
	for i, t := range f.p.To {
		names[i] = t.Name
	}
	return names
}

// isVariantPath reports whether a front-matter path is a variant's
// (variants.N), whose text key gets its line recorded like an
// override's.
func isVariantPath(path string) bool { return strings.HasPrefix(path, "variants.") }

// VariantNames lists the post's variant names, base first, for messages
// and reports; nil for a post without variants.
func (p *Post) VariantNames() []string {
	if len(p.Variants) == 0 {
		return nil
	}
	out := []string{BaseVariant}
	for _, v := range p.Variants {
		out = append(out, v.Name)
	}
	return out
}

// Explain is a finding about the post as v sends it (WithVariant),
// saying so: "variant question: 301 of 280 characters".
func (v *Variant) Explain(e *Error) *Error {
	c := *e
	c.Message = fmt.Sprintf("variant %s: %s", v.Name, e.Message)
	return &c
}
