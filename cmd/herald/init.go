package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/heraldhq/herald/examples"
)

// initCommand is "herald init [DIR]".
func initCommand() *command {
	return &command{
		name:    "init",
		args:    "[flags] [DIR]",
		summary: "create a content repository in DIR (default .)",
		help: `Writes herald.yaml (with two example accounts), posts/welcome.md (a draft
that validates), .gitignore, and .vscode/tasks.json, a build task that
runs herald validate and shows its findings on the lines they are about.
For completion of front-matter keys, see "Editor support" in the README.

With --github it also writes .github/workflows/herald.yml, the workflow
that validates and plans pull requests and publishes on merge and every
15 minutes (see "Set up on GitHub in five minutes" in the README). In a
repository that already has herald.yaml, --github writes the workflow
alone.

Existing files are left alone and named, unless --force.`,
		setup: func(fs *flag.FlagSet) runFunc {
			force := fs.Bool("force", false, "replace files that already exist")
			tz := fs.String("timezone", "UTC", "IANA `zone` for publish_at times written without an offset")
			github := fs.Bool("github", false, "also write the GitHub Actions workflow, .github/workflows/herald.yml")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 1 {
					return usagef("want at most one directory, got %d arguments", len(args))
				}
				dir := "."
				if len(args) == 1 {
					dir = args[0]
				}
				loc, err := time.LoadLocation(*tz)
				if err != nil || *tz == "" || strings.EqualFold(*tz, "local") {
					return usagef("--timezone: want an IANA zone like Europe/Paris or UTC, got %q", *tz)
				}
				root, err := openRoot(dir, true)
				if err != nil {
					return err
				}
				defer root.Close()
				files := scaffoldFiles(scaffoldOptions{Timezone: loc, Now: e.now()})
				if *github {
					configured, err := exists(root, "herald.yaml")
					if err != nil {
						return fmt.Errorf("check herald.yaml: %w", err)
					}
					if configured {
						files = nil
					}
					files = append(files, scaffoldFile{name: workflowPath, data: examples.GitHubWorkflow})
				}
				written, err := scaffold(root, files, *force)
				for _, w := range written {
					fmt.Fprintf(e.stdout, "%s %s\n", w.verb, filepath.Join(dir, filepath.FromSlash(w.name)))
				}
				return err
			}
		},
	}
}

// workflowPath is where herald init --github writes the workflow.
const workflowPath = ".github/workflows/herald.yml"

// scaffoldFile is one file herald init writes.
type scaffoldFile struct {
	name string // slash-separated, relative to the repository root
	data string
}

// scaffoldOptions is what the scaffold's contents depend on.
type scaffoldOptions struct {
	Timezone *time.Location
	Now      time.Time
}

// written names a file scaffold wrote, and whether it was new.
type written struct {
	verb string // "created" or "replaced"
	name string
}

// scaffold writes files into fsys. Unless force is set it writes nothing
// when any of them exists, and its error names every one that does.
func scaffold(fsys fileSystem, files []scaffoldFile, force bool) ([]written, error) {
	existing := map[string]bool{}
	var clash []string
	for _, f := range files {
		ok, err := exists(fsys, f.name)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", f.name, err)
		}
		existing[f.name] = ok
		if ok {
			clash = append(clash, f.name)
		}
	}
	if len(clash) > 0 && !force {
		return nil, fmt.Errorf("refusing to overwrite %s (use --force to replace)", strings.Join(clash, ", "))
	}
	var out []written
	for _, f := range files {
		if err := writeFile(fsys, f.name, []byte(f.data), force); err != nil {
			return out, fmt.Errorf("write %s: %w", f.name, err)
		}
		verb := "created"
		if existing[f.name] {
			verb = "replaced"
		}
		out = append(out, written{verb: verb, name: f.name})
	}
	return out, nil
}

// scaffoldFiles returns the files of a new content repository, in the
// order they are written and reported.
func scaffoldFiles(o scaffoldOptions) []scaffoldFile {
	// An example time for the welcome post's commented publish_at: 09:00
	// tomorrow in the repository's zone, written without an offset.
	local := o.Now.In(o.Timezone)
	example := time.Date(local.Year(), local.Month(), local.Day()+1, 9, 0, 0, 0, o.Timezone)
	return []scaffoldFile{
		{name: "herald.yaml", data: fmt.Sprintf(configTemplate, o.Timezone.String())},
		{name: "posts/welcome.md", data: fmt.Sprintf(welcomeTemplate, example.Format("2006-01-02T15:04:05"))},
		{name: ".gitignore", data: gitignoreTemplate},
		{name: ".vscode/tasks.json", data: vscodeTemplate},
	}
}

const configTemplate = `# herald configuration: where posts live and where they go.

# The directory holding posts, relative to this file.
content: posts

# The zone of publish_at times written without an offset
# ("2026-12-01T09:00:00" or "2026-12-01 09:00").
timezone: %s

# The accounts posts may name in "to:". An account named after a platform
# (bluesky, mastodon, x, linkedin, threads, ...) needs no "platform:" key;
# name others like "linkedin-company" and add "platform: linkedin".
# Secrets never go here: keys ending in _env name the environment variable
# (a CI secret) that holds them.
accounts:
  bluesky:
    handle: example.bsky.social
    password_env: BLUESKY_APP_PASSWORD
  mastodon:
    base_url: https://mastodon.social
    token_env: MASTODON_TOKEN
    # The server's own limit; mastodon.social allows 500 characters.
    max_length: 500

# Every image and video needs alt text.
require_alt: true

# A scheduled post found more than this late (a delayed CI run) is held
# back and reported by plan instead of going out.
max_lateness: 24h
`

const welcomeTemplate = `---
title: Hello from herald
# Drafts never publish. Delete this line when the post is ready.
draft: true
to: [bluesky, mastodon]
tags: [meta]
# Without publish_at the post goes out at the first apply after it is
# merged. With it, at that time (in the zone of herald.yaml, unless the
# time has its own offset):
# publish_at: %s
---
We now publish from a Git repository: every post is a Markdown file,
reviewed in a pull request like code. This one was made by herald init.
`

const gitignoreTemplate = `# Caches herald can rebuild. Keep .herald/state/: it is the record of
# what was published.
.herald/cache/

# Local secrets.
.env
*.local

.DS_Store
`

// vscodeTemplate is a build task that runs herald validate and turns its
// findings (path:line:col: field: message) into editor diagnostics. VS
// Code's YAML extension does not read front-matter inside Markdown files,
// so the task is how writers there see herald's errors on their lines.
const vscodeTemplate = `{
  "version": "2.0.0",
  "tasks": [
    {
      "label": "herald: validate",
      "type": "shell",
      "command": "herald validate",
      "group": { "kind": "build", "isDefault": true },
      "presentation": { "reveal": "silent", "clear": true },
      "problemMatcher": {
        "owner": "herald",
        "fileLocation": ["relative", "${workspaceFolder}"],
        "pattern": {
          "regexp": "^(.+?\\.(?:md|yaml|yml|cue))(?::(\\d+))?(?::(\\d+))?: (.*?)(?: \\((warning)\\))?$",
          "file": 1,
          "line": 2,
          "column": 3,
          "message": 4,
          "severity": 5
        }
      }
    }
  ]
}
`
