package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/preview"
	"github.com/heraldhq/herald/platforms/render"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
	"github.com/heraldhq/herald/state"
)

// previewCommand is "herald preview".
func previewCommand() *command {
	return &command{
		name:    "preview",
		args:    "[flags] [FILE...]",
		summary: "show exactly what each platform will receive, measured as it counts",
		help: `For each post (every post when no FILE is given) and each target: the exact
text of every thread part, its length against the platform's limit counted
the platform's way, links, mentions and tags (with their byte ranges), and
the media with their alt text. Problems are listed under the post. FILE is
a path to a post, relative to the working directory or to the repository.

preview reads the working tree, uncommitted changes included; --committed
reads the commit HEAD points to, which is what apply publishes.

--html DIR also writes the preview as web pages into DIR: index.html lists
the posts with their targets and status, and DIR/<post-id>.html shows each
target as its network would (thread parts, rich text, images with their alt
text, link cards, counts). The images, and the link cards' titles,
descriptions and images read from the linked pages' Open Graph tags, are
saved in DIR, which opens offline and uploads as one artifact. A page that
cannot be read within 5 seconds is said on its card; --no-fetch reads none.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir string
			var only []string
			var committed, noFetch bool
			var htmlDir string
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.BoolVar(&committed, "committed", false, "read the commit HEAD points to (what apply publishes) instead of the working tree")
			fs.StringVar(&htmlDir, "html", "", "also write the preview as web pages into `dir`ectory")
			fs.BoolVar(&noFetch, "no-fetch", false, "with --html, read no linked page for its link card")
			fs.Func("to", "show only these comma-separated `targets`", func(s string) error {
				only = splitList(s)
				return nil
			})
			return func(ctx context.Context, e *env, args []string) error {
				repo, err := openSourceConfigured(ctx, e, repoDir, source{command: "preview", worktree: !committed, quiet: true})
				if err != nil {
					return err
				}
				defer repo.Close()
				v, err := schema.NewValidator(repo.Config)
				if err != nil {
					return err
				}
				var files []string
				for _, a := range args {
					f, err := repoPath(repoDir, a)
					if err != nil {
						return usagef("%v", err)
					}
					files = append(files, f)
				}
				if len(files) == 0 {
					if err := schema.Walk(ctx, repo.FS, repo.Config, func(f string) error {
						files = append(files, f)
						return nil
					}); err != nil {
						return err
					}
				}
				invalid := false
				var b strings.Builder
				var prepared []*reconcile.Prepared
				for i, f := range files {
					if i > 0 {
						b.WriteString("\n")
					}
					p := repo.Prepare(v, f)
					if !p.Valid() {
						invalid = true
					}
					writePreview(&b, repo.Config, p, only)
					prepared = append(prepared, p)
				}
				if _, err := io.WriteString(e.stdout, b.String()); err != nil {
					return err
				}
				if htmlDir != "" {
					if err := writeHTMLPreview(ctx, e, repo, prepared, only, htmlDir, !noFetch); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "\nWrote %s: %s.\n", filepath.Join(htmlDir, "index.html"), plural(len(prepared), "post"))
				}
				if invalid {
					return &exitError{code: 1}
				}
				return nil
			}
		},
	}
}

// repoPath turns a FILE argument into a path relative to the repository:
// it may be given relative to the working directory or to the repository.
func repoPath(repoDir, arg string) (string, error) {
	if abs, err := filepath.Abs(arg); err == nil {
		if root, err := filepath.Abs(repoDir); err == nil {
			if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
				if _, err := os.Stat(abs); err == nil {
					return filepath.ToSlash(rel), nil
				}
			}
		}
	}
	clean := filepath.ToSlash(filepath.Clean(arg))
	if filepath.IsAbs(arg) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%s is not inside the repository %s", arg, repoDir)
	}
	return clean, nil
}

// writePreview prints one post as each of its targets will receive it.
func writePreview(b *strings.Builder, cfg *schema.Config, p *reconcile.Prepared, only []string) {
	if p.Post == nil {
		fmt.Fprintf(b, "%s\n", p.File)
		writeProblems(b, p.Errors)
		return
	}
	post := p.Post
	fmt.Fprintf(b, "%s (id %s)\n", p.File, post.ID)
	if post.Title != "" {
		fmt.Fprintf(b, "  title: %s\n", post.Title)
	}
	fmt.Fprintf(b, "  publish: %s\n", describeSchedule(cfg, post))
	if post.Campaign != "" {
		fmt.Fprintf(b, "  campaign: %s\n", post.Campaign)
	}
	for _, o := range p.Outputs {
		if len(only) > 0 && !contains(only, o.Target) && !contains(only, state.AccountOf(o.Target)) {
			continue
		}
		writeTarget(b, cfg, post, p.PostFor(o.Target), o, "")
		writeUTM(b, cfg, p, o.Target)
	}
	// A recurring post's texts, as the occurrences whose turn they are
	// receive them.
	for i, outs := range p.Texts {
		for _, o := range outs {
			if len(only) > 0 && !contains(only, o.Target) {
				continue
			}
			writeTarget(b, cfg, post, p.PostFor(o.Target).WithText(i+1), o, fmt.Sprintf(", with repeat text %d", i+1))
		}
	}
	writeProblems(b, p.Errors)
}

func describeSchedule(cfg *schema.Config, p *schema.Post) string {
	var s string
	switch {
	case p.Draft:
		s = "draft: not published"
	case p.PublishNext:
		s = "next free queue slot"
	case p.PublishAt == nil:
		s = "once merged (no publish_at)"
	default:
		zone := cfg.Timezone
		if zone == nil {
			zone = time.UTC
		}
		local := p.PublishAt.In(zone).Format("2006-01-02 15:04 MST")
		utc := p.PublishAt.UTC().Format("2006-01-02 15:04 UTC")
		s = local
		if local != utc {
			s += " (" + utc + ")"
		}
	}
	if r := p.Repeat; r != nil {
		zone := cfg.Timezone
		if zone == nil {
			zone = time.UTC
		}
		s += "; repeats " + r.Describe()
		switch {
		case r.Count > 0 && r.Until != nil:
			s += fmt.Sprintf(", %d times at most, until %s", r.Count, r.Until.In(zone).Format("2006-01-02 15:04 MST"))
		case r.Count > 0:
			s += fmt.Sprintf(", %d times in all", r.Count)
		case r.Until != nil:
			s += ", until " + r.Until.In(zone).Format("2006-01-02 15:04 MST")
		default:
			s += ", without end"
		}
	}
	if p.Delete {
		s += "; delete: true (retract everywhere)"
	}
	return s
}

// writeTarget shows what one instance of the post sends: o.Target is its
// state key, and a variant's instance shows the variant's media and, for
// one sent at its own time, when; with is added to its heading.
func writeTarget(b *strings.Builder, cfg *schema.Config, post, sends *schema.Post, o *render.Output, with string) {
	account := state.AccountOf(o.Target)
	head := o.Target
	if o.Platform != account {
		head += " (" + o.Platform + ")"
	}
	p := sends // the variant it sends, with its links tagged
	if in, ok := post.Instance(o.Target); ok {
		if name := in.VariantName(post); name != "" {
			head += ", variant " + name
		}
		if in.Variant != nil && in.Variant.PublishAt != nil {
			head += ", at " + describeSchedule(cfg, &schema.Post{PublishAt: in.Variant.PublishAt})
		}
	}
	head += with
	fmt.Fprintf(b, "\n  == %s: %s\n", head, plural(len(o.Parts), "part"))
	if o.Title != "" {
		fmt.Fprintf(b, "  title: %s\n", o.Title)
	}
	for i, pt := range o.Parts {
		fmt.Fprintf(b, "  -- part %d/%d: %s\n", i+1, len(o.Parts), measure(pt, o.Limits))
		for _, line := range strings.Split(pt.Text, "\n") {
			fmt.Fprintf(b, "  | %s\n", line)
		}
		for _, f := range pt.Facets {
			fmt.Fprintf(b, "  %s [%d,%d) %q -> %s\n", f.Type, f.Start, f.End, pt.Text[f.Start:f.End], f.Value)
		}
		if i == 0 {
			for _, m := range p.Media {
				fmt.Fprintf(b, "  media: %s (%s, %s) alt: %q\n", m.Path, m.Type, byteSize(m.Size), m.Alt)
			}
		}
	}
	if ov := p.Overrides[account]; ov != nil {
		for _, k := range sortedKeys(ov.Extra) {
			fmt.Fprintf(b, "  %s: %v\n", k, ov.Extra[k])
		}
	}
}

// writeUTM says, for a target whose links carry UTM parameters, which
// parameters and which links.
func writeUTM(b *strings.Builder, cfg *schema.Config, p *reconcile.Prepared, target string) {
	if s := utmNote(cfg, p, target); s != "" {
		fmt.Fprintf(b, "  utm: %s\n", s)
	}
}

// utmNote is "utm_source=x&utm_medium=social on links to example.com"
// for a target whose links carry UTM parameters, "" otherwise.
func utmNote(cfg *schema.Config, p *reconcile.Prepared, target string) string {
	if p.Summary == nil {
		return ""
	}
	for _, t := range p.Summary.Targets {
		if t.Name != target || t.UTM == "" {
			continue
		}
		s := t.UTM
		if u := cfg.UTMFor(state.AccountOf(target)); u != nil {
			s += " on links to " + strings.Join(u.Domains, ", ")
		}
		return s
	}
	return ""
}

// measure says a part's length against its limits, with the platform's
// unit and counting note: "212/280 characters (URLs count as 23...)".
func measure(pt render.Part, lim schema.Limits) string {
	s, _ := preview.Measure(pt, lim)
	return s
}

func writeProblems(b *strings.Builder, errs schema.Errors) {
	if len(errs) == 0 {
		return
	}
	b.WriteString("\n  problems:\n")
	for _, e := range errs {
		if e.Severity == schema.SeverityWarning {
			fmt.Fprintf(b, "  ? %v (warning)\n", e)
		} else {
			fmt.Fprintf(b, "  ! %v\n", e)
		}
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
