package main

import (
	"path"

	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/heraldhq/herald/schema"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// newCommand is "herald new TITLE".
func newCommand() *command {
	return &command{
		name:    "new",
		args:    "[flags] TITLE",
		summary: "create a post with its front-matter filled in",
		help: `The file is <content>/<slug>.md (content is posts unless herald.yaml says
otherwise), the slug made from the title (ASCII, lower
case, hyphens). An existing file is never replaced. The body is a
placeholder line to write over.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var o newOptions
			fs.StringVar(&o.repo, "repo", ".", "the content repository's `dir`ectory")
			fs.Func("to", "comma-separated `accounts` to publish to, as named in herald.yaml", func(s string) error {
				o.to = splitList(s)
				return nil
			})
			fs.Func("tags", "comma-separated `tags`", func(s string) error {
				o.tags = splitList(s)
				return nil
			})
			fs.StringVar(&o.campaign, "campaign", "", "the `campaign` the post belongs to")
			fs.StringVar(&o.slug, "slug", "", "the file name `stem`, instead of one made from the title")
			fs.Func("at", "publish `time`: RFC 3339 (2026-12-01T09:00:00-05:00), or 2026-12-01 09:00 in the repository's zone", func(s string) error {
				t, err := parsePublishAt(s)
				if err != nil {
					return err
				}
				o.at = &t
				return nil
			})
			return func(ctx context.Context, e *env, args []string) error {
				switch len(args) {
				case 0:
					return usagef("a title is required")
				case 1:
					o.title = strings.TrimSpace(args[0])
				default:
					return usagef("want one title, got %d arguments (quote the title)", len(args))
				}
				if o.title == "" {
					return usagef("the title is empty")
				}
				root, err := openRoot(o.repo, false)
				if err != nil {
					return err
				}
				defer root.Close()
				// The post goes where the configuration says posts live,
				// and may only name its accounts.
				o.content = schema.DefaultContent
				if cfg, err := schema.LoadConfig(root.FS()); err == nil {
					o.content = cfg.Content
					for _, t := range o.to {
						if _, ok := cfg.Accounts[t]; !ok && cfg.File != "" {
							return usagef("--to: no account %q in %s (accounts: %s)", t, cfg.File, strings.Join(accountNames(cfg), ", "))
						}
					}
					if o.at != nil && !o.at.zoned && cfg.Timezone != nil {
						if err := existsIn(o.at.t, cfg.Timezone); err != nil {
							return usagef("--at: %v", err)
						}
					}
				} else {
					e.log.Warn("the configuration has problems (herald validate shows them); writing to " + o.content)
				}
				name, err := newPost(root, o)
				if err != nil {
					return err
				}
				if o.at != nil && o.at.zoned && o.at.t.Before(e.now()) {
					e.log.Warn("publish_at is in the past: the post is due at the next apply",
						"publish_at", o.at.t.Format(time.RFC3339))
				}
				_, err = fmt.Fprintln(e.stdout, filepath.Join(o.repo, filepath.FromSlash(name)))
				return err
			}
		},
	}
}

// newOptions is what "herald new" was asked for.
type newOptions struct {
	repo     string
	content  string // the configuration's content directory
	title    string
	slug     string
	to       []string
	tags     []string
	campaign string
	at       *publishAt
}

// publishAt is a time from --at. A time written without an offset is
// kept without one, so that the repository's timezone applies to it.
type publishAt struct {
	t     time.Time
	zoned bool
}

// String formats the time as it goes into the front-matter.
func (p publishAt) String() string {
	if p.zoned {
		return p.t.Format(time.RFC3339)
	}
	return p.t.Format("2006-01-02T15:04:05")
}

// zonelessLayouts are the accepted forms of a time without an offset.
var zonelessLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"}

// parsePublishAt parses --at: RFC 3339, or a date and time without an
// offset.
func parsePublishAt(s string) (publishAt, error) {
	s = strings.TrimSpace(s)
	inRange := func(p publishAt) (publishAt, error) {
		if y := p.t.Year(); y < schema.MinYear || y > schema.MaxYear {
			return publishAt{}, fmt.Errorf("the year %04d is out of range: write a time between %d and %d", y, schema.MinYear, schema.MaxYear)
		}
		return p, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return inRange(publishAt{t: t, zoned: true})
	}
	for _, layout := range zonelessLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return inRange(publishAt{t: t})
		}
	}
	return publishAt{}, errors.New(`want RFC 3339 (2026-12-01T09:00:00-05:00) or "2026-12-01 09:00"`)
}

// existsIn checks that wall, a time without an offset, happens in loc:
// when the clocks skip it (the spring gap of daylight saving time) the
// post would fail validation, so it is refused here.
func existsIn(wall time.Time, loc *time.Location) error {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	const layout = "2006-01-02T15:04:05"
	if t.Format(layout) == wall.Format(layout) {
		return nil
	}
	return fmt.Errorf("%s does not exist in %s: the clocks skip it; choose another time or write the offset",
		wall.Format("2006-01-02 15:04"), loc)
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// accountNames lists the configuration's accounts, sorted.
func accountNames(cfg *schema.Config) []string {
	names := make([]string, 0, len(cfg.Accounts))
	for n := range cfg.Accounts {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

// newPost writes posts/<slug>.md into fsys and returns its name. It never
// replaces a file.
func newPost(fsys fileSystem, o newOptions) (string, error) {
	slug := o.slug
	if slug == "" {
		slug = slugify(o.title)
		if slug == "" {
			return "", usagef("the title %q gives no ASCII letters or digits for a file name; name the file with --slug", o.title)
		}
	} else if slug != slugify(slug) {
		return "", usagef("--slug %q: use lower case ASCII letters, digits and single hyphens", slug)
	}
	content := o.content
	if content == "" {
		content = schema.DefaultContent
	}
	name := path.Join(content, slug+".md")
	data, err := postFile(o)
	if err != nil {
		return "", err
	}
	if err := writeFile(fsys, name, data, false); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%s already exists; choose another title or --slug", name)
		}
		return "", fmt.Errorf("write post: %w", err)
	}
	return name, nil
}

// yaml11Bool reports whether a plain s would be a boolean to a YAML 1.1
// reader (yaml.v2, which many front-matter parsers use) though YAML 1.2
// reads it as a string: such strings are quoted.
func yaml11Bool(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off":
		return true
	}
	return false
}

// bodyPlaceholder is the body of a new post, for the writer to replace.
const bodyPlaceholder = "TODO: write the post. A line with --- between blank lines starts the next part of a thread.\n"

// postFile returns the bytes of a new post: YAML front-matter with the
// given fields, in the order the content model documents, then the body
// placeholder.
func postFile(o newOptions) ([]byte, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	str := func(s string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
		if yaml11Bool(s) {
			n.Style = yaml.DoubleQuotedStyle
		}
		return n
	}
	list := func(items []string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range items {
			n.Content = append(n.Content, str(s))
		}
		return n
	}
	add("title", str(o.title))
	if o.at != nil {
		add("publish_at", &yaml.Node{Kind: yaml.ScalarNode, Value: o.at.String()})
	}
	if len(o.to) > 0 {
		add("to", list(o.to))
	}
	if len(o.tags) > 0 {
		add("tags", list(o.tags))
	}
	if o.campaign != "" {
		add("campaign", str(o.campaign))
	}
	front, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode front matter: %w", err)
	}
	return []byte("---\n" + string(front) + "---\n" + bodyPlaceholder), nil
}
