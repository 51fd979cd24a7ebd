package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/heraldhq/herald/platforms"
	"github.com/heraldhq/herald/platforms/devto"
	"github.com/heraldhq/herald/platforms/feed"
	"github.com/heraldhq/herald/platforms/medium"
	"github.com/heraldhq/herald/platforms/substack"
	"github.com/heraldhq/herald/reconcile"
	"github.com/heraldhq/herald/schema"
)

// validateCommand is "herald validate".
func validateCommand() *command {
	return &command{
		name:    "validate",
		args:    "[flags]",
		summary: "check every post and the configuration; say what is wrong and where",
		help: `Every problem in every file is reported as path:line:col: field: message,
paths relative to the repository. The exit status is 0 when the repository
is valid (warnings allowed), 1 when it is not, 2 for a usage error.

--format json prints a JSON array of {"file","line","column","field",
"message","severity"}; --format github prints GitHub Actions workflow
commands (::error file=...,line=...,col=...::...), which annotate the lines
of a pull request, with paths relative to the working directory.

Results are cached in .herald/cache/ (ignored by git) by file content and
schema, so a tree where nothing changed is checked without parsing.

validate checks the working tree, uncommitted changes included: a writer
validates before committing. --committed checks the commit HEAD points to
instead, which is what plan and apply read, and lists on stderr the
uncommitted files it leaves out.`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir, format string
			var noCache, committed bool
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.BoolVar(&committed, "committed", false, "check the commit HEAD points to (what apply publishes) instead of the working tree")
			fs.StringVar(&format, "format", "text", "output `format`: text, json or github")
			fs.BoolVar(&noCache, "no-cache", false, "check every post again, ignoring the cache")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("validate takes no arguments, got %q", args[0])
				}
				if format != "text" && format != "json" && format != "github" {
					return usagef("--format: want text, json or github, got %q", format)
				}
				repo, errs, err := openSource(ctx, e, repoDir, source{command: "validate", worktree: !committed, quiet: true})
				if err != nil {
					return err
				}
				var rep *reconcile.Report
				if repo != nil {
					defer repo.Close()
					key := ""
					if !noCache {
						key = cacheKey()
					}
					rep, err = repo.Check(ctx, reconcile.CheckOptions{CacheKey: key})
					if err != nil {
						return err
					}
					errs = append(feedFindings(e, repo), rep.Errors...)
				}
				if err := writeFindings(e.stdout, format, repoDir, errs); err != nil {
					return err
				}
				if format == "text" {
					summarizeFindings(e.stderr, rep, errs)
				}
				if errs.HasErrors() {
					return &exitError{code: 1}
				}
				return nil
			}
		},
	}
}

// openRepo opens the repository at dir. A configuration with problems is
// returned as findings, not as an error, so they print like post findings.
func openRepo(dir string) (*reconcile.Repo, schema.Errors, error) {
	repo, err := reconcile.OpenRepo(dir)
	var errs schema.Errors
	switch {
	case errors.As(err, &errs):
		return nil, errs, nil
	case err != nil:
		return nil, nil, err
	}
	return repo, nil, nil
}

// openConfigured opens the repository at dir for a command that needs a
// valid configuration: its problems are printed, positioned, and the
// command exits 1.
func openConfigured(e *env, dir string) (*reconcile.Repo, error) {
	repo, errs, err := openRepo(dir)
	if err != nil {
		return nil, err
	}
	if repo == nil {
		writeFindings(e.stderr, "text", dir, errs)
		return nil, &exitError{code: 1}
	}
	return repo, nil
}

// writeFindings prints findings in the chosen format.
func writeFindings(w io.Writer, format, repoDir string, errs schema.Errors) error {
	switch format {
	case "json":
		if errs == nil {
			errs = schema.Errors{}
		}
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(errs); err != nil {
			return err
		}
		_, err := io.WriteString(w, jsonBidi.Replace(b.String()))
		return err
	case "github":
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(githubCommand(e, repoDir))
			b.WriteByte('\n')
		}
		_, err := io.WriteString(w, b.String())
		return err
	default:
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(e.Error())
			if e.Severity == schema.SeverityWarning {
				b.WriteString(" (warning)")
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
}

// summarizeFindings says, on stderr, how many posts were checked and what
// was found, so a clean run is not silent.
func summarizeFindings(w io.Writer, rep *reconcile.Report, errs schema.Errors) {
	var nErr, nWarn int
	files := map[string]bool{}
	for _, e := range errs {
		if e.Severity == schema.SeverityWarning {
			nWarn++
		} else {
			nErr++
			files[e.File] = true
		}
	}
	posts := "the configuration"
	if rep != nil {
		posts = plural(rep.Files, "post")
	}
	switch {
	case nErr == 0 && nWarn == 0:
		fmt.Fprintf(w, "%s valid\n", posts)
	case nErr == 0:
		fmt.Fprintf(w, "%s valid, %s\n", posts, plural(nWarn, "warning"))
	default:
		fmt.Fprintf(w, "%s checked: %s in %s", posts, plural(nErr, "error"), plural(len(files), "file"))
		if nWarn > 0 {
			fmt.Fprintf(w, ", %s", plural(nWarn, "warning"))
		}
		fmt.Fprintln(w)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// githubCommand formats a finding as a GitHub Actions workflow command,
// escaped as the runner requires, with the file relative to the working
// directory (the repository root on Actions).
func githubCommand(e *schema.Error, repoDir string) string {
	kind := "error"
	if e.Severity == schema.SeverityWarning {
		kind = "warning"
	}
	file := e.File
	if repoDir != "" && repoDir != "." && !filepath.IsAbs(repoDir) {
		file = path.Join(filepath.ToSlash(repoDir), file)
	}
	props := []string{"file=" + escapeProperty(file)}
	if e.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", e.Line))
	}
	if e.Column > 0 {
		props = append(props, fmt.Sprintf("col=%d", e.Column))
	}
	title := "herald"
	if e.Field != "" {
		title += ": " + e.Field
	}
	props = append(props, "title="+escapeProperty(title))
	return fmt.Sprintf("::%s %s::%s", kind, strings.Join(props, ","), escapeData(e.Message))
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(printableLines(s)) }
func escapeProperty(s string) string { return propertyEscaper.Replace(printableLines(s)) }

// printableLines escapes, as schema.Printable does, every control and
// bidirectional character of s but the line ends, which GitHub's own
// escaping encodes: an ESC in an annotation would color the log.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = schema.Printable(l)
	}
	return strings.Join(lines, "\n")
}

// jsonBidi are the bidirectional formatting characters, which JSON may
// hold raw: the findings escape them, so that a terminal shows the JSON
// as it is.
var jsonBidi = func() *strings.Replacer {
	var pairs []string
	for _, r := range []rune{0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		pairs = append(pairs, string(r), fmt.Sprintf(`\u%04x`, r))
	}
	return strings.NewReplacer(pairs...)
}()

// cacheKey names this build of herald for the validation cache: a rebuilt
// binary may count or render differently, so its verdicts start afresh.
func cacheKey() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s/%d/%d", version, fi.Size(), fi.ModTime().UnixNano())
}

// settingsChecked are the platforms whose accounts validate builds, as
// apply will, to report a missing or malformed setting before a run
// needs it: dev.to, Medium and Substack.
var settingsChecked = map[string]platforms.Constructor{
	devto.Name: devto.New, medium.Name: medium.New, substack.Name: substack.New,
}

// feedFindings checks the settings of every feed account, and of the
// accounts of settingsChecked, as apply will
// build it: a feed has no credentials, so all its constructor checks
// (paths inside the repository, URLs) are validation. A path whose
// directory is a link out of the repository is caught here too, as the
// write would be.
func feedFindings(e *env, repo *reconcile.Repo) schema.Errors {
	var errs schema.Errors
	names := make([]string, 0, len(repo.Config.Accounts))
	for name := range repo.Config.Accounts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := repo.Config.Accounts[name]
		if ctor, ok := settingsChecked[a.Platform]; ok {
			// Their constructors read no secret: every error is a
			// setting to fix.
			if _, err := ctor(accountSettings(e, name, a)); err != nil {
				errs = append(errs, schema.Errorf(a.Pos, "accounts."+name, "%v", err))
			}
			continue
		}
		if a.Platform != feed.Name {
			continue
		}
		field := "accounts." + name
		if _, err := feed.New(accountSettings(e, name, a)); err != nil {
			errs = append(errs, schema.Errorf(a.Pos, field, "%v", err))
			continue
		}
		for _, key := range []string{"atom", "json"} {
			p, _ := a.Settings[key].(string)
			if p == "" {
				continue
			}
			if _, err := fs.Stat(repo.FS, path.Dir(path.Clean(p))); err != nil && strings.Contains(err.Error(), "path escapes from parent") {
				errs = append(errs, schema.Errorf(a.Pos, field+"."+key,
					"setting %s: %q leaves the repository through a symbolic link: want a path inside it", key, p))
			}
		}
	}
	errs.Sort()
	return errs
}
