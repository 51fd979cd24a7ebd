package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// completionShells are the shells "herald completion" writes scripts for.
var completionShells = []string{"bash", "zsh", "fish"}

// completionCommand is "herald completion bash|zsh|fish".
func completionCommand() *command {
	return &command{
		name:    "completion",
		args:    "bash|zsh|fish",
		summary: "print a shell completion script",
		help: `The script completes herald's commands, their flags, and the values of
flags that take one of a few words (--format, --log-level). It is made
from herald's own command table, so it always matches this binary.

  bash: source <(herald completion bash)      (in ~/.bashrc)
  zsh:  source <(herald completion zsh)       (in ~/.zshrc, after compinit)
        or save it as _herald in a directory on $fpath
  fish: herald completion fish > ~/.config/fish/completions/herald.fish`,
		setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("want one shell: bash, zsh or fish")
				}
				spec := completionSpecOf(commands())
				switch args[0] {
				case "bash":
					return writeBashCompletion(e.stdout, spec)
				case "zsh":
					return writeZshCompletion(e.stdout, spec)
				case "fish":
					return writeFishCompletion(e.stdout, spec)
				default:
					return usagef("unknown shell %q: want bash, zsh or fish", args[0])
				}
			}
		},
	}
}

// completionSpec is what a completion script knows: the global flags and
// every command with its flags and the words its arguments may be.
type completionSpec struct {
	global   []flagSpec
	commands []commandSpec
}

type commandSpec struct {
	name, summary string
	flags         []flagSpec
	// words are the arguments' possible values ("help" takes a command,
	// "completion" a shell); nil means any, which the shells complete as
	// file names.
	words []string
}

type flagSpec struct {
	name    string
	arg     string   // the name of its value, from usage ("dir", "file")
	usage   string   // the flag's usage, its value's name unquoted
	value   bool     // takes a value (not a boolean flag)
	choices []string // the values it accepts, when its usage lists them
}

// completionSpecOf reads cmds the way "herald help" does: each command's
// setup registers its flags on a fresh flag set.
func completionSpecOf(cmds []*command) completionSpec {
	var spec completionSpec
	gfs := flag.NewFlagSet("herald", flag.ContinueOnError)
	new(globalFlags).register(gfs)
	spec.global = flagSpecsOf(gfs)
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	for _, c := range cmds {
		fs := newFlagSet(c, io.Discard)
		c.setup(fs)
		cs := commandSpec{name: c.name, summary: c.summary, flags: flagSpecsOf(fs)}
		switch c.name {
		case "help":
			cs.words = names
		case "completion":
			cs.words = completionShells
		}
		spec.commands = append(spec.commands, cs)
	}
	return spec
}

func flagSpecsOf(fs *flag.FlagSet) []flagSpec {
	var out []flagSpec
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		b, isBool := f.Value.(interface{ IsBoolFlag() bool })
		out = append(out, flagSpec{
			name:    f.Name,
			arg:     arg,
			usage:   usage,
			value:   !(isBool && b.IsBoolFlag()),
			choices: choicesOf(f.Usage),
		})
	})
	return out
}

// choicePattern matches a usage that ends by listing every value the flag
// takes, as "output `format`: text, json or github" does.
var choicePattern = regexp.MustCompile("`[^`]+`: ([a-z][a-z0-9-]*(?:, [a-z][a-z0-9-]*)* or [a-z][a-z0-9-]*)$")

// choicesOf returns the values a flag's usage lists, or nil.
func choicesOf(usage string) []string {
	m := choicePattern.FindStringSubmatch(usage)
	if m == nil {
		return nil
	}
	list := strings.Replace(m[1], " or ", ", ", 1)
	return strings.Split(list, ", ")
}

// flagPatterns returns the flags' names as they are completed: "--repo".
func flagPatterns(flags []flagSpec) (names []string) {
	for _, f := range flags {
		names = append(names, "--"+f.name)
	}
	return names
}

func writeBashCompletion(w io.Writer, spec completionSpec) error {
	var b strings.Builder
	b.WriteString(`# bash completion for herald, made by "herald completion bash".
# Load it with: source <(herald completion bash)
_herald() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	if ((COMP_CWORD > 0)); then prev=${COMP_WORDS[COMP_CWORD-1]}; fi
	# The command is the first word that is neither a global flag nor a
	# global flag's value.
	local cmd= i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
`)
	var globalValued []string
	for _, f := range spec.global {
		if f.value {
			globalValued = append(globalValued, "--"+f.name+"|-"+f.name)
		}
	}
	if len(globalValued) > 0 {
		fmt.Fprintf(&b, "\t\t%s) ((i++)) ;;\n", strings.Join(globalValued, "|"))
	}
	b.WriteString(`		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	local words
	case $cmd in
`)
	var names []string
	for _, c := range spec.commands {
		names = append(names, c.name)
	}
	bashCase(&b, "''", spec.global, append(flagPatterns(spec.global), names...))
	for _, c := range spec.commands {
		bashCase(&b, c.name, c.flags, append(flagPatterns(c.flags), c.words...))
	}
	b.WriteString(`	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	# Arguments: the command's words if it has some, else nothing here,
	# and -o default completes file names.
	local w
	COMPREPLY=()
	for w in $(compgen -W "$words" -- "$cur"); do
		[[ $w == -* ]] || COMPREPLY+=("$w")
	done
}
complete -o bashdefault -o default -F _herald herald
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// bashCase writes one arm of the command case: the values of its flags
// that take one, then the words it completes.
func bashCase(b *strings.Builder, pattern string, flags []flagSpec, words []string) {
	fmt.Fprintf(b, "\t%s)\n", pattern)
	var valued []string
	for _, f := range flags {
		if f.value {
			valued = append(valued, f.name)
		}
	}
	if len(valued) > 0 {
		b.WriteString("\t\tcase $prev in\n")
		for _, f := range flags {
			if !f.value {
				continue
			}
			if len(f.choices) > 0 {
				fmt.Fprintf(b, "\t\t--%s|-%s) COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return ;;\n",
					f.name, f.name, strings.Join(f.choices, " "))
			} else {
				fmt.Fprintf(b, "\t\t--%s|-%s) return ;;\n", f.name, f.name)
			}
		}
		b.WriteString("\t\tesac\n")
	}
	fmt.Fprintf(b, "\t\twords='%s'\n\t\t;;\n", strings.Join(words, " "))
}

func writeZshCompletion(w io.Writer, spec completionSpec) error {
	var b strings.Builder
	b.WriteString(`#compdef herald
# zsh completion for herald, made by "herald completion zsh".
# Load it with: source <(herald completion zsh)   (after compinit)
# or save it as _herald in a directory on $fpath.
_herald() {
	local curcontext=$curcontext state line
	typeset -A opt_args
	_arguments -C \
`)
	for _, f := range spec.global {
		fmt.Fprintf(&b, "\t\t%s \\\n", zshFlag(f))
	}
	b.WriteString(`		'1:command:->command' \
		'*::argument:->argument'
	case $state in
	command)
		local -a commands
		commands=(
`)
	for _, c := range spec.commands {
		fmt.Fprintf(&b, "\t\t\t%s\n", shellQuote(c.name+":"+c.summary))
	}
	b.WriteString(`		)
		_describe -t commands 'herald command' commands
		;;
	argument)
		case $words[1] in
`)
	for _, c := range spec.commands {
		fmt.Fprintf(&b, "\t\t%s)\n\t\t\t_arguments \\\n", c.name)
		for _, f := range c.flags {
			fmt.Fprintf(&b, "\t\t\t\t%s \\\n", zshFlag(f))
		}
		if c.words != nil {
			fmt.Fprintf(&b, "\t\t\t\t%s\n", shellQuote("1:"+c.name+":("+strings.Join(c.words, " ")+")"))
		} else {
			b.WriteString("\t\t\t\t'*:file:_files'\n")
		}
		b.WriteString("\t\t\t;;\n")
	}
	b.WriteString(`		esac
		;;
	esac
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
	_herald "$@"
else
	compdef _herald herald
fi
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// zshFlag is one _arguments spec: --name[usage], and for a flag that
// takes a value, =:value:action.
func zshFlag(f flagSpec) string {
	desc := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(f.usage)
	if !f.value {
		return shellQuote("--" + f.name + "[" + desc + "]")
	}
	// A value that is not a path completes nothing; zsh shows its name.
	action := " "
	switch {
	case len(f.choices) > 0:
		action = "(" + strings.Join(f.choices, " ") + ")"
	case strings.Contains(f.arg, "dir"):
		action = "_files -/"
	case strings.Contains(f.arg, "file") || strings.Contains(f.arg, "path"):
		action = "_files"
	}
	return shellQuote("--" + f.name + "=[" + desc + "]:" + f.arg + ":" + action)
}

func writeFishCompletion(w io.Writer, spec completionSpec) error {
	var b strings.Builder
	b.WriteString(`# fish completion for herald, made by "herald completion fish".
# Save it as ~/.config/fish/completions/herald.fish
`)
	top := "__fish_use_subcommand"
	for _, f := range spec.global {
		b.WriteString(fishFlag(top, f))
	}
	for _, c := range spec.commands {
		fmt.Fprintf(&b, "complete -c herald -n %s -f -a %s -d %s\n", top, c.name, shellQuote(c.summary))
	}
	for _, c := range spec.commands {
		cond := shellQuote("__fish_seen_subcommand_from " + c.name)
		for _, f := range c.flags {
			b.WriteString(fishFlag(cond, f))
		}
		if c.words != nil {
			fmt.Fprintf(&b, "complete -c herald -n %s -f -a %s\n", cond, shellQuote(strings.Join(c.words, " ")))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fishFlag(cond string, f flagSpec) string {
	s := fmt.Sprintf("complete -c herald -n %s -l %s -d %s", cond, f.name, shellQuote(f.usage))
	switch {
	case len(f.choices) > 0:
		s += " -x -a " + shellQuote(strings.Join(f.choices, " "))
	case f.value:
		s += " -r"
	}
	return s + "\n"
}

// shellQuote quotes s for bash, zsh and fish alike: in single quotes,
// each single quote inside closed, backslash-escaped and reopened, which
// fish reads the same way.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
