package main

import (
	"context"
	"flag"
	"sort"

	"github.com/heraldhq/herald/schema"
)

// schemaCommand is "herald schema --jsonschema".
func schemaCommand() *command {
	return &command{
		name:    "schema",
		args:    "--jsonschema [flags]",
		summary: "print the front-matter's JSON Schema, for completion in editors",
		help: `The JSON Schema is generated from the same CUE schema validate uses, with
the repository's account names as targets and override keys. Save it and
point yaml-language-server at it (see the README's "Editor support"):

    herald schema --jsonschema > .herald/post.schema.json`,
		setup: func(fs *flag.FlagSet) runFunc {
			var repoDir string
			var jsonSchema bool
			fs.StringVar(&repoDir, "repo", ".", "the content repository's `dir`ectory")
			fs.BoolVar(&jsonSchema, "jsonschema", false, "print the JSON Schema (draft 2020-12)")
			return func(ctx context.Context, e *env, args []string) error {
				if !jsonSchema {
					return usagef("say which schema: --jsonschema")
				}
				if len(args) > 0 {
					return usagef("schema takes no arguments, got %q", args[0])
				}
				repo, err := openConfigured(e, repoDir)
				if err != nil {
					return err
				}
				defer repo.Close()
				out, err := schema.JSONSchema(repo.Config)
				if err != nil {
					return err
				}
				_, err = e.stdout.Write(out)
				return err
			}
		},
	}
}

func sortStrings(s []string) { sort.Strings(s) }
